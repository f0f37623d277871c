//! Self-registration: learners (L-01) and the institution wizard (I-01).

use app::auth::SessionUser;
use app::institutions::{ORG_TYPES, ProfileForm, RegistrantForm, SCHOOL_TYPES, StartForm};
use app::learners::RegisterForm;
use app::sms::Purpose;
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Json, Redirect, Response};
use axum::routing::get;
use domain::ids::DepartmentId;
use domain::institution::InstitutionStatus;
use domain::role::Role;
use tower_sessions::Session;

use crate::AppState;
use crate::kit::error::WebError;
use crate::kit::extract::{self, AnyInstitutionUser, ClientIp, CsrfForm};
use crate::kit::views::{FormErrors, PageCtx, flash, form_status, page, render};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/register/learner", get(learner_page).post(learner_register))
        .route("/register/institution", get(start_page).post(start))
        .route("/register/institution/directory", get(directory))
        .route("/register/institution/status", get(status))
        .route(
            "/register/institution/registrant",
            get(registrant_page).post(registrant),
        )
        .route("/register/institution/info", get(info_page).post(info))
}

use crate::kit::views::id_types;

#[derive(Template)]
#[template(path = "public/register/learner.html")]
struct LearnerPage {
    ctx: PageCtx,
    form: RegisterForm,
    errors: FormErrors,
    id_types: Vec<crate::kit::views::Code>,
    sms_purpose: &'static str,
    /// The e-mail and Guangdong's facts, by the bank's profile.
    asks_email: bool,
    asks_facts: bool,
    genders: &'static [&'static str],
    nationalities: &'static [&'static str],
    ethnicities: &'static [&'static str],
    provinces: &'static [&'static str],
}

async fn learner_page(session: Session) -> Result<Response, WebError> {
    let ctx = PageCtx::form("注册个人账户", &session, None, "").await?;
    let form = RegisterForm {
        id_type: "resident".into(),
        ..Default::default()
    };
    Ok(page(&LearnerPage::new(ctx, form, FormErrors::default())))
}

impl LearnerPage {
    fn new(ctx: PageCtx, form: RegisterForm, errors: FormErrors) -> Self {
        use domain::bank::Profile;
        Self {
            asks_email: matches!(ctx.bank, Profile::Guangdong | Profile::Oucn),
            asks_facts: ctx.bank == Profile::Guangdong,
            ctx,
            form,
            errors,
            id_types: id_types(),
            sms_purpose: Purpose::Register.code(),
            genders: &app::registration::GENDERS,
            nationalities: &app::registration::NATIONALITIES,
            ethnicities: &app::registration::ETHNICITIES,
            provinces: &app::registration::PROVINCES,
        }
    }
}

async fn learner_register(
    State(s): State<AppState>,
    session: Session,
    ClientIp(ip): ClientIp,
    CsrfForm(f, _): CsrfForm<RegisterForm>,
) -> Result<Response, WebError> {
    match app::learners::register(&s.app, &f, &ip).await {
        Ok(_) => {
            let done = if s.app.bank.reviews_learner_accounts() {
                format!(
                    "注册信息已提交。验证邮件已发送至{}，请在24小时内打开邮件中的链接完成验证；验证后学分银行将在{}个工作日内审核您的账户。",
                    domain::mask::email(&f.email),
                    app::activation::REVIEW_DAYS
                )
            } else {
                format!("注册成功，请使用{}登录", s.app.bank.learner_account_label())
            };
            flash(&session, "ok", done).await?;
            Ok(Redirect::to("/login/learner").into_response())
        }
        Err(e) => {
            let ctx = PageCtx::form("注册个人账户", &session, None, "").await?;
            // Keep what was typed, never the passwords or the one-time code.
            let form = RegisterForm {
                password: String::new(),
                confirm: String::new(),
                sms_code: String::new(),
                ..f
            };
            Ok(render(
                form_status(&e),
                &LearnerPage::new(ctx, form, FormErrors::from_error(&e)),
            ))
        }
    }
}

#[derive(Template)]
#[template(path = "public/register/institution_start.html")]
struct StartPage {
    ctx: PageCtx,
    form: StartForm,
    errors: FormErrors,
    departments: Vec<crate::kit::views::Choice<DepartmentId>>,
    directory: Vec<app::queries::DirectoryEntry>,
    sms_purpose: &'static str,
}

async fn start_form(
    s: &AppState,
    session: &Session,
    form: StartForm,
    errors: FormErrors,
) -> Result<StartPage, WebError> {
    let departments = app::queries::institutions::departments(&s.app)
        .await?
        .into_iter()
        .map(|d| crate::kit::views::Choice {
            value: d.id,
            label: d.name,
        })
        .collect();
    // Without JavaScript the school list is filled for the department already chosen.
    let directory = match form.department_id.parse::<DepartmentId>() {
        Ok(dep) => app::queries::institutions::unregistered(&s.app, dep, form.kind == "org").await?,
        Err(_) => Vec::new(),
    };
    Ok(StartPage {
        ctx: PageCtx::form("注册机构用户", session, None, "").await?,
        form,
        errors,
        departments,
        directory,
        sms_purpose: Purpose::InstitutionRegister.code(),
    })
}

async fn start_page(State(s): State<AppState>, session: Session) -> Result<Response, WebError> {
    let form = StartForm {
        kind: "school".into(),
        ..Default::default()
    };
    Ok(page(&start_form(&s, &session, form, FormErrors::default()).await?))
}

async fn start(
    State(s): State<AppState>,
    session: Session,
    ClientIp(ip): ClientIp,
    CsrfForm(f, _): CsrfForm<StartForm>,
) -> Result<Response, WebError> {
    match app::institutions::start(&s.app, &f, &ip).await {
        Ok(user) => {
            extract::sign_in(
                &session,
                SessionUser {
                    role: Role::Institution,
                    id: user.get(),
                    epoch: 0,
                },
            )
            .await?;
            Ok(Redirect::to("/register/institution/registrant").into_response())
        }
        Err(e) => {
            let form = StartForm {
                password: String::new(),
                confirm: String::new(),
                sms_code: String::new(),
                ..f
            };
            Ok(render(
                form_status(&e),
                &start_form(&s, &session, form, FormErrors::from_error(&e)).await?,
            ))
        }
    }
}

#[derive(serde::Deserialize)]
struct DirectoryQuery {
    department_id: DepartmentId,
    #[serde(default)]
    kind: String,
}

/// Schools of a department that have not registered yet (for the wizard's drop-down).
async fn directory(
    State(s): State<AppState>,
    Query(q): Query<DirectoryQuery>,
) -> Result<Json<serde_json::Value>, crate::kit::error::ApiError> {
    let rows = app::queries::institutions::unregistered(&s.app, q.department_id, q.kind == "org").await?;
    Ok(Json(
        rows.into_iter()
            .map(|e| serde_json::json!({"code": e.code, "name": e.name}))
            .collect(),
    ))
}

/// Where a signed-in registrant continues: the next unfinished step, or the result.
async fn status(a: AnyInstitutionUser) -> Result<Response, WebError> {
    let st = a.institution.status;
    if st == InstitutionStatus::Draft {
        let next = if a.institution.registrant_name.is_none() {
            "/register/institution/registrant"
        } else {
            "/register/institution/info"
        };
        return Ok(Redirect::to(next).into_response());
    }
    if st == InstitutionStatus::Rejected {
        return Ok(Redirect::to("/register/institution/info").into_response());
    }
    let p = app::auth::Principal::Institution {
        user: a.user.clone(),
        institution: a.institution.clone(),
    };
    let ctx = PageCtx::new("注册完成", &a.session, Some(&p), "/register/institution/status").await?;
    Ok(page(&Done {
        ctx,
        step: 3,
        account: a.user.account,
        name: a.institution.name,
        status: st.code(),
        status_label: st.label(),
    }))
}

#[derive(Template)]
#[template(path = "public/register/done.html")]
struct Done {
    ctx: PageCtx,
    step: u8,
    account: String,
    name: String,
    status: &'static str,
    status_label: &'static str,
}

#[derive(Template)]
#[template(path = "public/register/registrant.html")]
struct RegistrantPage {
    ctx: PageCtx,
    step: u8,
    form: RegistrantForm,
    errors: FormErrors,
    id_types: Vec<crate::kit::views::Code>,
}

fn primary_registrant(a: &AnyInstitutionUser) -> Result<(), WebError> {
    if a.user.is_primary != 1 {
        return Err(WebError(app::AppError::forbidden()));
    }
    if !a.institution.status.editable() {
        return Err(WebError(app::AppError::Conflict("注册信息已提交审核，不能修改".into())));
    }
    Ok(())
}

async fn registrant_page(a: AnyInstitutionUser) -> Result<Response, WebError> {
    primary_registrant(&a)?;
    let i = &a.institution;
    let form = RegistrantForm {
        id_type: i.registrant_id_type.clone().unwrap_or_else(|| "resident".into()),
        name: i.registrant_name.clone().unwrap_or_default(),
        id_number: i.registrant_id_number.clone().unwrap_or_default(),
    };
    let p = app::auth::Principal::Institution {
        user: a.user.clone(),
        institution: a.institution.clone(),
    };
    let ctx = PageCtx::new("注册人信息", &a.session, Some(&p), "/register/institution/status").await?;
    Ok(page(&RegistrantPage {
        ctx,
        step: 1,
        form,
        errors: FormErrors::default(),
        id_types: id_types(),
    }))
}

async fn registrant(
    State(s): State<AppState>,
    a: AnyInstitutionUser,
    CsrfForm(f, _): CsrfForm<RegistrantForm>,
) -> Result<Response, WebError> {
    primary_registrant(&a)?;
    match app::institutions::save_registrant(&s.app, &a.institution, &f).await {
        Ok(()) => Ok(Redirect::to("/register/institution/info").into_response()),
        Err(e) => {
            let p = app::auth::Principal::Institution {
                user: a.user.clone(),
                institution: a.institution.clone(),
            };
            let ctx = PageCtx::new("注册人信息", &a.session, Some(&p), "/register/institution/status").await?;
            Ok(render(
                form_status(&e),
                &RegistrantPage {
                    ctx,
                    step: 1,
                    form: f,
                    errors: FormErrors::from_error(&e),
                    id_types: id_types(),
                },
            ))
        }
    }
}

#[derive(Template)]
#[template(path = "public/register/info.html")]
struct InfoPage {
    ctx: PageCtx,
    step: u8,
    form: ProfileForm,
    errors: FormErrors,
    kind: String,
    code: String,
    types: &'static [&'static str],
    reject_reason: Option<String>,
}

fn types_for(kind: &str) -> &'static [&'static str] {
    if kind == "school" { &SCHOOL_TYPES } else { &ORG_TYPES }
}

async fn info_page_with(
    a: &AnyInstitutionUser,
    form: ProfileForm,
    errors: FormErrors,
    status: axum::http::StatusCode,
) -> Result<Response, WebError> {
    let p = app::auth::Principal::Institution {
        user: a.user.clone(),
        institution: a.institution.clone(),
    };
    let ctx = PageCtx::new("机构信息", &a.session, Some(&p), "/register/institution/status").await?;
    let i = &a.institution;
    let reject_reason = if i.status == InstitutionStatus::Rejected {
        i.reject_reason.clone()
    } else {
        None
    };
    Ok(render(
        status,
        &InfoPage {
            ctx,
            step: 2,
            form,
            errors,
            kind: i.kind.clone(),
            code: i.code.clone(),
            types: types_for(&i.kind),
            reject_reason,
        },
    ))
}

async fn info_page(a: AnyInstitutionUser) -> Result<Response, WebError> {
    primary_registrant(&a)?;
    if a.institution.registrant_name.is_none() {
        return Ok(Redirect::to("/register/institution/registrant").into_response());
    }
    let form = ProfileForm::from_institution(&a.institution);
    info_page_with(&a, form, FormErrors::default(), axum::http::StatusCode::OK).await
}

async fn info(
    State(s): State<AppState>,
    a: AnyInstitutionUser,
    ClientIp(ip): ClientIp,
    CsrfForm(f, pairs): CsrfForm<ProfileForm>,
) -> Result<Response, WebError> {
    primary_registrant(&a)?;
    let submit = pairs.iter().any(|(k, v)| k == "action" && v == "submit");
    let p = app::auth::Principal::Institution {
        user: a.user.clone(),
        institution: a.institution.clone(),
    };
    match app::institutions::save_profile(&s.app, &a.institution, &f, submit, &p.actor(&ip)).await {
        Ok(()) if submit => Ok(Redirect::to("/register/institution/status").into_response()),
        Ok(()) => {
            flash(&a.session, "ok", "已保存，下次登录后可继续填写").await?;
            Ok(Redirect::to("/register/institution/info").into_response())
        }
        Err(e) => info_page_with(&a, f, FormErrors::from_error(&e), form_status(&e)).await,
    }
}
