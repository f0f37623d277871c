//! 成果及学员管理 of the institution space: 机构成果 (I-03) and 学员成果 (I-04).
//! Every handler requires the `outcomes` area and touches only the institution's rows.

use domain::ids::{CatalogOutcomeId, OutcomeTypeId, SubtypeId};
use domain::lifecycle::CatalogRecognition;
use std::collections::BTreeMap;

use app::auth::Principal;
use app::holdings::StoreForLearnerForm;
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use domain::credits::Credits;
use domain::role::Area;

use crate::AppState;
use crate::kit::error::WebError;
use crate::kit::extract::{ClientIp, CsrfForm, InstitutionAuth};
use crate::kit::forms::{self, FieldInput, PER_PAGE, Pager, TypeGroup};
use crate::kit::views::{Fact, FormErrors, PageCtx, facts, flash, flash_outcome, form_status, page, render};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/institution/outcomes", get(list))
        .route("/institution/outcomes/delete", post(delete))
        .route("/institution/outcomes/export", post(export))
        .route("/institution/outcomes/new", get(choose))
        .route("/institution/outcomes/new/{subtype}", get(new_page).post(create))
        .route("/institution/outcomes/{id}", get(detail))
        .route("/institution/outcomes/{id}/recognition", post(request_recognition))
        .route(
            "/institution/outcomes/{id}/store",
            get(store_page).post(store_for_learner),
        )
}

fn principal(a: &InstitutionAuth) -> Principal {
    Principal::Institution {
        user: a.user.clone(),
        institution: a.institution.clone(),
    }
}

async fn ctx(a: &InstitutionAuth, title: &str, active: &str) -> Result<PageCtx, WebError> {
    PageCtx::new(title, &a.session, Some(&principal(a)), active).await
}

#[derive(serde::Deserialize, Default)]
struct ListQuery {
    #[serde(default)]
    name: String,
    #[serde(default, rename = "type")]
    type_: String,
    #[serde(default)]
    subtype: String,
    #[serde(default)]
    recognition: String,
    #[serde(default)]
    page: i64,
}

struct Row {
    id: CatalogOutcomeId,
    name: String,
    type_name: String,
    subtype_name: String,
    recognition: String,
    recognition_label: &'static str,
    credits: String,
    holders: i64,
    rules: i64,
}

#[derive(Template)]
#[template(path = "institution/outcomes.html")]
struct ListPage {
    ctx: PageCtx,
    q: ListQuery,
    types: Vec<crate::kit::views::Choice<OutcomeTypeId>>,
    subtypes: Vec<crate::kit::views::Choice<SubtypeId>>,
    recognitions: Vec<crate::kit::views::Code>,
    rows: Vec<Row>,
    filtered: bool,
    offset: usize,
    pager: Pager,
    /// Linked-rule counts link to the rules only for users of that area.
    may_rules: bool,
    export_action: &'static str,
}

async fn list(State(s): State<AppState>, a: InstitutionAuth, Query(q): Query<ListQuery>) -> Result<Response, WebError> {
    a.require(Area::Outcomes)?;
    let filter = app::queries::CatalogFilter {
        type_id: forms::opt_id(&q.type_),
        subtype_id: forms::opt_id(&q.subtype),
        name: Some(q.name.clone()).filter(|n| !n.trim().is_empty()),
        recognition: CatalogRecognition::parse(&q.recognition).ok(),
        ..Default::default()
    };
    let result =
        app::queries::catalog::of_institution(&s.app, a.institution.id, filter, q.page.max(1), PER_PAGE).await?;
    let rows = result
        .rows
        .into_iter()
        .map(|o| Row {
            recognition_label: o.recognition.label(),
            credits: o.credits.map(|c| Credits(c).to_string()).unwrap_or_else(|| "-".into()),
            id: o.id,
            name: o.name,
            type_name: o.type_name,
            subtype_name: o.subtype_name,
            recognition: o.recognition.code().into(),
            holders: o.holders,
            rules: o.rules,
        })
        .collect();
    let (types, subtypes) = forms::type_choices(&s.app).await?;
    let pager = Pager::new(
        result.total,
        q.page,
        "/institution/outcomes",
        &[
            ("name", &q.name),
            ("type", &q.type_),
            ("subtype", &q.subtype),
            ("recognition", &q.recognition),
        ],
    );
    let filtered = !(q.name.is_empty() && q.type_.is_empty() && q.subtype.is_empty() && q.recognition.is_empty());
    Ok(page(&ListPage {
        ctx: ctx(&a, "机构成果", "/institution/outcomes").await?,
        offset: ((pager.page - 1) * PER_PAGE) as usize,
        q,
        types,
        subtypes,
        recognitions: crate::kit::views::codes(&[
            ("unrecognised", "未认定"),
            ("recognising", "认定中"),
            ("recognised", "已认定"),
        ]),
        rows,
        filtered,
        pager,
        may_rules: app::institutions::may(&a.user, Area::Rules),
        export_action: "/institution/outcomes/export",
    }))
}

#[derive(serde::Deserialize)]
struct ExportForm {
    #[serde(default)]
    name: String,
    #[serde(default, rename = "type")]
    type_: String,
    #[serde(default)]
    subtype: String,
    #[serde(default)]
    recognition: String,
    #[serde(default)]
    sms_code: String,
}

/// I-03: exports the ticked outcomes, or all matching the filters, after an SMS code.
async fn export(
    State(s): State<AppState>,
    a: InstitutionAuth,
    ClientIp(ip): ClientIp,
    CsrfForm(f, pairs): CsrfForm<ExportForm>,
) -> Result<Response, WebError> {
    let filter = app::queries::CatalogFilter {
        type_id: forms::opt_id(&f.type_),
        subtype_id: forms::opt_id(&f.subtype),
        name: Some(f.name).filter(|n| !n.trim().is_empty()),
        recognition: CatalogRecognition::parse(&f.recognition).ok(),
        ..Default::default()
    };
    let ids = forms::ids(&pairs);
    match app::export::catalog(
        &s.app,
        &principal(&a),
        filter,
        &ids,
        &app::export::Gate::SmsCode(&f.sms_code),
        &ip,
    )
    .await
    {
        Ok(bytes) => Ok(crate::kit::views::xlsx_download("机构成果.xlsx", bytes)),
        Err(e) => flash_outcome(&a.session, Err(e), "/institution/outcomes").await,
    }
}

async fn delete(
    State(s): State<AppState>,
    a: InstitutionAuth,
    ClientIp(ip): ClientIp,
    CsrfForm(_, pairs): CsrfForm<serde::de::IgnoredAny>,
) -> Result<Response, WebError> {
    a.require(Area::Outcomes)?;
    let ids = forms::ids(&pairs);
    let result = app::catalog::delete(&s.app, a.institution.id, &ids, &principal(&a).actor(&ip))
        .await
        .map(|n| format!("已删除{n}项成果"));
    flash_outcome(&a.session, result, "/institution/outcomes").await
}

#[derive(Template)]
#[template(path = "kit/subtypes.html")]
struct Choose {
    ctx: PageCtx,
    heading: &'static str,
    hint: &'static str,
    base: &'static str,
    groups: Vec<TypeGroup>,
}

async fn choose(State(s): State<AppState>, a: InstitutionAuth) -> Result<Response, WebError> {
    a.require(Area::Outcomes)?;
    let subtypes = app::queries::taxonomy::subtypes(&s.app).await?;
    let authorised = app::queries::taxonomy::authorised(&s.app, a.institution.id).await?;
    let groups = forms::group_subtypes(&subtypes, |st| {
        if st.synced != 0 {
            Some("由证书平台定期同步，无需存储".into())
        } else if st.restricted != 0 && !authorised.contains(&st.id) {
            Some("需学分银行授权后才能存储".into())
        } else {
            None
        }
    });
    Ok(page(&Choose {
        ctx: ctx(&a, "选择成果类型", "/institution/outcomes").await?,
        heading: "选择成果类型",
        hint: "选择要存储的成果子类型，不同子类型需要填写的信息不同。",
        base: "/institution/outcomes/new",
        groups,
    }))
}

#[derive(Template)]
#[template(path = "institution/outcome_new.html")]
struct NewPage {
    ctx: PageCtx,
    subtype_id: SubtypeId,
    type_name: String,
    subtype_name: String,
    issuer: String,
    name: String,
    inputs: Vec<FieldInput>,
    errors: FormErrors,
}

async fn new_form(
    s: &AppState,
    a: &InstitutionAuth,
    subtype: SubtypeId,
    name: String,
    values: BTreeMap<String, String>,
    errors: FormErrors,
    status: StatusCode,
) -> Result<Response, WebError> {
    let (st, specs) = app::taxonomy::subtype(&s.app, subtype).await?;
    if let Err(m) = app::taxonomy::may_store(&s.app, a.institution.id, &st).await? {
        return Err(WebError(app::AppError::Forbidden(m)));
    }
    let inputs = forms::field_inputs(&specs, &values, &errors, false);
    Ok(render(
        status,
        &NewPage {
            ctx: ctx(a, "存储新成果", "/institution/outcomes").await?,
            subtype_id: st.id,
            type_name: st.type_name,
            subtype_name: st.name,
            issuer: a.institution.name.clone(),
            name,
            inputs,
            errors,
        },
    ))
}

async fn new_page(
    State(s): State<AppState>,
    a: InstitutionAuth,
    Path(subtype): Path<SubtypeId>,
) -> Result<Response, WebError> {
    a.require(Area::Outcomes)?;
    new_form(
        &s,
        &a,
        subtype,
        String::new(),
        BTreeMap::new(),
        FormErrors::default(),
        StatusCode::OK,
    )
    .await
}

#[derive(serde::Deserialize)]
struct NameField {
    #[serde(default)]
    name: String,
}

async fn create(
    State(s): State<AppState>,
    a: InstitutionAuth,
    Path(subtype): Path<SubtypeId>,
    ClientIp(ip): ClientIp,
    CsrfForm(f, pairs): CsrfForm<NameField>,
) -> Result<Response, WebError> {
    a.require(Area::Outcomes)?;
    let values = forms::field_values(&pairs);
    match app::catalog::create(
        &s.app,
        a.institution.id,
        subtype,
        &f.name,
        &values,
        &principal(&a).actor(&ip),
    )
    .await
    {
        Ok(id) => {
            flash(&a.session, "ok", "成果已保存").await?;
            Ok(Redirect::to(&format!("/institution/outcomes/{id}")).into_response())
        }
        Err(e @ (app::AppError::Invalid(_) | app::AppError::Conflict(_))) => {
            new_form(
                &s,
                &a,
                subtype,
                f.name,
                values,
                FormErrors::from_error(&e),
                form_status(&e),
            )
            .await
        }
        Err(e) => Err(WebError(e)),
    }
}

/// An outcome of this institution, or 404.
async fn own(
    s: &AppState,
    a: &InstitutionAuth,
    id: CatalogOutcomeId,
) -> Result<app::queries::CatalogOutcome, WebError> {
    Ok(app::queries::catalog::own(&s.app, a.institution.id, id).await?)
}

#[derive(Template)]
#[template(path = "institution/outcome.html")]
struct Detail {
    ctx: PageCtx,
    id: CatalogOutcomeId,
    base: Vec<Fact>,
    extra: Vec<Fact>,
    holders: i64,
    recognition: String,
}

async fn detail(
    State(s): State<AppState>,
    a: InstitutionAuth,
    Path(id): Path<CatalogOutcomeId>,
) -> Result<Response, WebError> {
    a.require(Area::Outcomes)?;
    let o = own(&s, &a, id).await?;
    let (_, specs) = app::taxonomy::subtype(&s.app, o.subtype_id).await?;
    let base = vec![
        ("成果名称".to_string(), o.name.clone()),
        ("成果类型".into(), o.type_name.clone()),
        ("成果子类型".into(), o.subtype_name.clone()),
        ("颁证机构".into(), o.institution_name.clone()),
        ("认定状态".into(), o.recognition.label().into()),
        (
            "学分银行学分".into(),
            o.credits.map(|c| Credits(c).to_string()).unwrap_or_else(|| "-".into()),
        ),
        ("入库时间".into(), crate::kit::views::datetime(o.created_at)),
    ];
    Ok(page(&Detail {
        ctx: ctx(&a, "成果详情", "/institution/outcomes").await?,
        id,
        extra: forms::field_display(&specs, &o.fields),
        base: facts(base),
        holders: o.holders,
        recognition: o.recognition.code().into(),
    }))
}

async fn request_recognition(
    State(s): State<AppState>,
    a: InstitutionAuth,
    Path(id): Path<CatalogOutcomeId>,
    ClientIp(ip): ClientIp,
    CsrfForm(_, _): CsrfForm<serde::de::IgnoredAny>,
) -> Result<Response, WebError> {
    a.require(Area::Outcomes)?;
    own(&s, &a, id).await?;
    match app::catalog::request_recognition(&s.app, a.institution.id, id, &principal(&a).actor(&ip)).await {
        Ok(()) => flash(&a.session, "ok", "已提交认定申请，等待学分银行认定").await?,
        Err(e) => flash(&a.session, "error", e.to_string()).await?,
    }
    Ok(Redirect::to(&format!("/institution/outcomes/{id}")).into_response())
}

#[derive(Template)]
#[template(path = "institution/store.html")]
struct StorePage {
    ctx: PageCtx,
    id: CatalogOutcomeId,
    category: String,
    outcome_name: String,
    subtype_name: String,
    form: StoreForLearnerForm,
    id_types: Vec<crate::kit::views::Code>,
    errors: FormErrors,
}

async fn store_form(
    s: &AppState,
    a: &InstitutionAuth,
    id: CatalogOutcomeId,
    form: StoreForLearnerForm,
    errors: FormErrors,
    status: StatusCode,
) -> Result<Response, WebError> {
    let o = own(s, a, id).await?;
    let category = domain::taxonomy::Category::from_code(&o.category)
        .map(|c| c.label())
        .unwrap_or("")
        .to_string();
    Ok(render(
        status,
        &StorePage {
            ctx: ctx(a, "存储学员成果", "/institution/learner-outcomes").await?,
            id,
            category,
            outcome_name: o.name,
            subtype_name: o.subtype_name,
            form,
            id_types: crate::kit::views::id_types(),
            errors,
        },
    ))
}

async fn store_page(
    State(s): State<AppState>,
    a: InstitutionAuth,
    Path(id): Path<CatalogOutcomeId>,
) -> Result<Response, WebError> {
    a.require(Area::Outcomes)?;
    store_form(
        &s,
        &a,
        id,
        StoreForLearnerForm::default(),
        FormErrors::default(),
        StatusCode::OK,
    )
    .await
}

async fn store_for_learner(
    State(s): State<AppState>,
    a: InstitutionAuth,
    Path(id): Path<CatalogOutcomeId>,
    ClientIp(ip): ClientIp,
    CsrfForm(f, _): CsrfForm<StoreForLearnerForm>,
) -> Result<Response, WebError> {
    a.require(Area::Outcomes)?;
    match app::holdings::institution_store(&s.app, a.institution.id, id, &f, &principal(&a).actor(&ip)).await {
        Ok(_) => {
            flash(&a.session, "ok", format!("已为学员{}存储成果", f.learner_name.trim())).await?;
            Ok(Redirect::to(&format!("/institution/outcomes/{id}/store")).into_response())
        }
        Err(app::AppError::NotFound(m)) => Err(WebError(app::AppError::NotFound(m))),
        Err(e) => store_form(&s, &a, id, f, FormErrors::from_error(&e), form_status(&e)).await,
    }
}
