//! The institution space: account centre (I-02), institution information and user
//! management (I-12), and the forced change of an initial password.

use app::auth::Principal;
use app::institutions::{ORG_TYPES, ProfileForm, SCHOOL_TYPES, SubUserAction, SubUserForm};
use app::queries::institutions::TypeCount;
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use domain::ids::InstitutionUserId;
use domain::institution::InstitutionKind;
use domain::mask;
use domain::role::{Area, Areas};

use crate::AppState;
use crate::kit::error::WebError;
use crate::kit::extract::{AnyInstitutionUser, ClientIp, CsrfForm, InstitutionAuth};
use crate::kit::views::{FormErrors, PageCtx, ShownOnce, datetime, flash, form_status, page, render};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/institution", get(home))
        .route("/institution/profile", get(profile_page).post(profile))
        .route("/institution/users", get(users_page).post(add_user))
        .route("/institution/users/{id}/edit", get(edit_page).post(edit_user))
        .route("/institution/users/{id}/{action}", post(user_action))
        .route("/institution/password", get(password_page).post(password))
}

fn principal(a: &InstitutionAuth) -> Principal {
    Principal::Institution {
        user: a.user.clone(),
        institution: a.institution.clone(),
    }
}

#[derive(Template)]
#[template(path = "institution/home.html")]
struct Home {
    ctx: PageCtx,
    inst: app::queries::Institution,
    account: String,
    is_primary: bool,
    may_profile: bool,
    areas: String,
    kind_label: &'static str,
    department: String,
    contact_mobile: String,
    sub_users: usize,
    may_outcomes: bool,
    catalog_total: i64,
    catalog_by_type: Vec<TypeCount>,
    holdings_total: i64,
    holdings_by_type: Vec<TypeCount>,
    may_rules: bool,
    rule_counts: Vec<app::queries::institutions::RuleCount>,
}

async fn home(State(s): State<AppState>, a: InstitutionAuth) -> Result<Response, WebError> {
    let o = app::queries::institutions::overview(&s.app, &a.institution).await?;
    let ctx = PageCtx::new("机构账户中心", &a.session, Some(&principal(&a)), "/institution").await?;
    let inst = a.institution;
    Ok(page(&Home {
        ctx,
        account: a.user.account.clone(),
        is_primary: a.user.is_primary == 1,
        may_profile: app::institutions::may(&a.user, Area::Profile),
        areas: Areas::parse_list(&a.user.areas).labels(),
        kind_label: InstitutionKind::from_code(&inst.kind).map(|k| k.label()).unwrap_or("-"),
        department: o.department,
        contact_mobile: inst.contact_mobile.as_deref().map(mask::mobile).unwrap_or_default(),
        sub_users: o.sub_users,
        may_outcomes: app::institutions::may(&a.user, Area::Outcomes),
        catalog_total: o.catalog_by_type.iter().map(|c| c.count).sum(),
        holdings_total: o.holdings_by_type.iter().map(|c| c.count).sum(),
        catalog_by_type: o.catalog_by_type,
        holdings_by_type: o.holdings_by_type,
        may_rules: app::institutions::may(&a.user, Area::Rules),
        rule_counts: o.rule_counts,
        inst,
    }))
}

#[derive(Template)]
#[template(path = "institution/profile.html")]
struct ProfilePage {
    ctx: PageCtx,
    form: ProfileForm,
    errors: FormErrors,
    kind: String,
    code: String,
    types: &'static [&'static str],
}

async fn profile_form(
    a: &InstitutionAuth,
    form: ProfileForm,
    errors: FormErrors,
    status: StatusCode,
) -> Result<Response, WebError> {
    let ctx = PageCtx::new("机构信息", &a.session, Some(&principal(a)), "/institution/profile").await?;
    let kind = a.institution.kind.clone();
    let types: &'static [&'static str] = if kind == "school" { &SCHOOL_TYPES } else { &ORG_TYPES };
    Ok(render(
        status,
        &ProfilePage {
            ctx,
            form,
            errors,
            code: a.institution.code.clone(),
            kind,
            types,
        },
    ))
}

async fn profile_page(a: InstitutionAuth) -> Result<Response, WebError> {
    a.require(Area::Profile)?;
    profile_form(
        &a,
        ProfileForm::from_institution(&a.institution),
        FormErrors::default(),
        StatusCode::OK,
    )
    .await
}

async fn profile(
    State(s): State<AppState>,
    a: InstitutionAuth,
    ClientIp(ip): ClientIp,
    CsrfForm(f, _): CsrfForm<ProfileForm>,
) -> Result<Response, WebError> {
    a.require(Area::Profile)?;
    match app::institutions::update_profile(&s.app, &a.institution, &f, &principal(&a).actor(&ip)).await {
        Ok(()) => {
            flash(&a.session, "ok", "机构信息已保存").await?;
            Ok(Redirect::to("/institution/profile").into_response())
        }
        Err(e) => profile_form(&a, f, FormErrors::from_error(&e), form_status(&e)).await,
    }
}

struct UserRow {
    id: InstitutionUserId,
    account: String,
    name: String,
    mobile: String,
    areas: String,
    disabled: bool,
    created: String,
}

#[derive(Template)]
#[template(path = "institution/users.html")]
struct UsersPage {
    ctx: PageCtx,
    users: Vec<UserRow>,
    form: SubUserForm,
    errors: FormErrors,
    areas: Vec<AreaChoice>,
    editing: bool,
    shown_password: Option<ShownOnce>,
}

/// One checkbox of a sub-user's areas.
struct AreaChoice {
    code: &'static str,
    label: &'static str,
    checked: bool,
}

fn area_choices(selected: &Areas) -> Vec<AreaChoice> {
    Area::ALL
        .iter()
        .map(|a| AreaChoice {
            code: a.code(),
            label: a.label(),
            checked: selected.contains(*a),
        })
        .collect()
}

/// Joins the `area` checkboxes into the form's list.
fn with_areas(mut f: SubUserForm, pairs: &[(String, String)]) -> SubUserForm {
    f.areas = pairs
        .iter()
        .filter(|(k, _)| k == "area")
        .map(|(_, v)| v.as_str())
        .collect::<Vec<_>>()
        .join(",");
    f
}

const SHOWN_PASSWORD: &str = "shown_password";

async fn users_form(
    s: &AppState,
    a: &InstitutionAuth,
    form: SubUserForm,
    errors: FormErrors,
    status: StatusCode,
) -> Result<Response, WebError> {
    let users = app::queries::institutions::sub_users(&s.app, a.institution.id)
        .await?
        .into_iter()
        .map(|u| UserRow {
            id: u.id,
            account: u.account,
            name: u.name,
            mobile: u.mobile.as_deref().map(mask::mobile).unwrap_or_else(|| "-".into()),
            areas: Areas::parse_list(&u.areas).labels(),
            disabled: u.disabled != 0,
            created: datetime(u.created_at),
        })
        .collect();
    let shown_password = ShownOnce::take(&a.session, SHOWN_PASSWORD).await?;
    let ctx = PageCtx::new("用户管理", &a.session, Some(&principal(a)), "/institution/users").await?;
    let areas = area_choices(&Areas::parse_list(&form.areas));
    Ok(render(
        status,
        &UsersPage {
            ctx,
            users,
            form,
            errors,
            areas,
            editing: false,
            shown_password,
        },
    ))
}

async fn users_page(State(s): State<AppState>, a: InstitutionAuth) -> Result<Response, WebError> {
    a.require_primary()?;
    users_form(&s, &a, SubUserForm::default(), FormErrors::default(), StatusCode::OK).await
}

async fn add_user(
    State(s): State<AppState>,
    a: InstitutionAuth,
    ClientIp(ip): ClientIp,
    CsrfForm(f, pairs): CsrfForm<SubUserForm>,
) -> Result<Response, WebError> {
    a.require_primary()?;
    let f = with_areas(f, &pairs);
    match app::institutions::add_sub_user(&s.app, &a.user, &f, &principal(&a).actor(&ip)).await {
        Ok(initial) => {
            ShownOnce::keep(&a.session, SHOWN_PASSWORD, f.account.trim().to_string(), initial).await?;
            Ok(Redirect::to("/institution/users").into_response())
        }
        Err(e) => users_form(&s, &a, f, FormErrors::from_error(&e), form_status(&e)).await,
    }
}

#[derive(Template)]
#[template(path = "institution/user_edit.html")]
struct EditPage {
    ctx: PageCtx,
    id: InstitutionUserId,
    form: SubUserForm,
    errors: FormErrors,
    areas: Vec<AreaChoice>,
    editing: bool,
}

async fn edit_form(
    a: &InstitutionAuth,
    id: InstitutionUserId,
    form: SubUserForm,
    errors: FormErrors,
    status: StatusCode,
) -> Result<Response, WebError> {
    let ctx = PageCtx::new("修改子用户", &a.session, Some(&principal(a)), "/institution/users").await?;
    let areas = area_choices(&Areas::parse_list(&form.areas));
    Ok(render(
        status,
        &EditPage {
            ctx,
            id,
            form,
            errors,
            areas,
            editing: true,
        },
    ))
}

async fn edit_page(
    State(s): State<AppState>,
    a: InstitutionAuth,
    Path(id): Path<InstitutionUserId>,
) -> Result<Response, WebError> {
    a.require_primary()?;
    let u = app::queries::institutions::sub_user(&s.app, a.institution.id, id).await?;
    let form = SubUserForm {
        account: u.account,
        name: u.name,
        mobile: u.mobile.unwrap_or_default(),
        areas: u.areas,
    };
    edit_form(&a, id, form, FormErrors::default(), StatusCode::OK).await
}

async fn edit_user(
    State(s): State<AppState>,
    a: InstitutionAuth,
    Path(id): Path<InstitutionUserId>,
    ClientIp(ip): ClientIp,
    CsrfForm(f, pairs): CsrfForm<SubUserForm>,
) -> Result<Response, WebError> {
    a.require_primary()?;
    let f = with_areas(f, &pairs);
    match app::institutions::edit_sub_user(&s.app, &a.user, id, &f, &principal(&a).actor(&ip)).await {
        Ok(()) => {
            flash(&a.session, "ok", "子用户信息已保存").await?;
            Ok(Redirect::to("/institution/users").into_response())
        }
        Err(app::AppError::NotFound(m)) => Err(WebError(app::AppError::NotFound(m))),
        Err(e) => edit_form(&a, id, f, FormErrors::from_error(&e), form_status(&e)).await,
    }
}

async fn user_action(
    State(s): State<AppState>,
    a: InstitutionAuth,
    Path((id, action)): Path<(InstitutionUserId, String)>,
    ClientIp(ip): ClientIp,
    CsrfForm(_, _): CsrfForm<serde::de::IgnoredAny>,
) -> Result<Response, WebError> {
    a.require_primary()?;
    let actor = principal(&a).actor(&ip);
    let message = match action.as_str() {
        "reset" => {
            let initial = app::institutions::reset_sub_user(&s.app, &a.user, id, &actor).await?;
            let account = app::queries::institutions::sub_user(&s.app, a.institution.id, id)
                .await?
                .account;
            ShownOnce::keep(&a.session, SHOWN_PASSWORD, account, initial).await?;
            return Ok(Redirect::to("/institution/users").into_response());
        }
        "disable" => {
            app::institutions::act_on_sub_user(&s.app, &a.user, id, SubUserAction::Disable, &actor).await?;
            "已停用该子用户"
        }
        "enable" => {
            app::institutions::act_on_sub_user(&s.app, &a.user, id, SubUserAction::Enable, &actor).await?;
            "已启用该子用户"
        }
        "delete" => {
            app::institutions::act_on_sub_user(&s.app, &a.user, id, SubUserAction::Delete, &actor).await?;
            "已删除该子用户"
        }
        _ => return Err(WebError(app::AppError::not_found())),
    };
    flash(&a.session, "ok", message).await?;
    Ok(Redirect::to("/institution/users").into_response())
}

#[derive(Template)]
#[template(path = "institution/password.html")]
struct PasswordPage {
    ctx: PageCtx,
    errors: FormErrors,
}

async fn password_page(a: AnyInstitutionUser) -> Result<Response, WebError> {
    if a.user.must_change_password == 0 {
        return Ok(Redirect::to("/institution").into_response());
    }
    let ctx = PageCtx::new("设置新密码", &a.session, None, "").await?;
    Ok(page(&PasswordPage {
        ctx,
        errors: FormErrors::default(),
    }))
}

#[derive(serde::Deserialize)]
struct PasswordForm {
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirm: String,
}

async fn password(
    State(s): State<AppState>,
    a: AnyInstitutionUser,
    ClientIp(ip): ClientIp,
    CsrfForm(f, _): CsrfForm<PasswordForm>,
) -> Result<Response, WebError> {
    if a.user.must_change_password == 0 {
        return Ok(Redirect::to("/institution").into_response());
    }
    let who = Principal::Institution {
        user: a.user.clone(),
        institution: a.institution.clone(),
    };
    let actor = who.actor(&ip);
    match app::institutions::change_initial_password(&s.app.db, &a.user, &f.password, &f.confirm, &actor).await {
        Ok(()) => {
            crate::kit::extract::carry_on(&s, &a.session, &who).await?;
            flash(&a.session, "ok", "密码已设置").await?;
            Ok(Redirect::to("/institution").into_response())
        }
        Err(e) => {
            let ctx = PageCtx::new("设置新密码", &a.session, None, "").await?;
            Ok(render(
                form_status(&e),
                &PasswordPage {
                    ctx,
                    errors: FormErrors::from_error(&e),
                },
            ))
        }
    }
}
