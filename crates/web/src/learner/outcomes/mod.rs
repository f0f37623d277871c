//! 我的成果 (L-05..L-07), 成果认定 (L-13) and 我的消息 (L-14) of the learner.

use domain::ids::{CatalogOutcomeId, HoldingId, InstitutionId, OutcomeTypeId, SubtypeId};
use std::collections::BTreeMap;

use app::auth::Principal;
use app::holdings::HoldingForm;
use app::queries::{Holding, HoldingFilter as Filter};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use domain::credits::Credits;
use domain::outcome::{Recognition, Status};

use crate::AppState;
use crate::kit::error::WebError;
use crate::kit::extract::{ClientIp, CsrfForm, LearnerAuth};
use crate::kit::forms::{self, CsrfMultipart, FieldInput, PER_PAGE, Pager, TypeGroup};
use crate::kit::views::{FormErrors, PageCtx, flash, flash_outcome, form_status, page, render};

mod detail;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/learner/outcomes", get(list))
        .route("/learner/outcomes/action", post(action))
        .route("/learner/outcomes/new", get(choose))
        .route("/learner/outcomes/new/{subtype}", get(new_page).post(create))
        .route("/learner/outcomes/{id}", get(detail::detail))
        .route("/learner/outcomes/{id}/edit", get(edit_page).post(edit))
        .route("/learner/outcomes/{id}/files", post(detail::upload))
}

async fn ctx(a: &LearnerAuth, title: &str, active: &str) -> Result<PageCtx, WebError> {
    PageCtx::new(title, &a.session, Some(&Principal::Learner(a.learner.clone())), active).await
}

#[derive(serde::Deserialize, Default)]
struct ListQuery {
    #[serde(default)]
    tab: String,
    #[serde(default)]
    name: String,
    #[serde(default, rename = "type")]
    type_: String,
    #[serde(default)]
    subtype: String,
    /// registered, submitted, stored or withdrawn.
    #[serde(default)]
    status: String,
    #[serde(default)]
    page: i64,
}

const STATUSES: [(&str, &str); 4] = [
    ("registered", "登记"),
    ("submitted", "待存储"),
    ("stored", "存储"),
    ("withdrawn", "撤回"),
];

struct Row {
    id: HoldingId,
    name: String,
    type_name: String,
    subtype_name: String,
    issuer: String,
    credits: String,
    source: &'static str,
    status: String,
    status_label: &'static str,
    /// 登记 and no review under way: 修改 is offered.
    editable: bool,
}

#[derive(Template)]
#[template(path = "learner/outcomes.html")]
struct ListPage {
    ctx: PageCtx,
    q: ListQuery,
    types: Vec<crate::kit::views::Choice<OutcomeTypeId>>,
    subtypes: Vec<crate::kit::views::Choice<SubtypeId>>,
    rows: Vec<Row>,
    personal_count: i64,
    converted_count: i64,
    filtered: bool,
    offset: usize,
    pager: Pager,
    statuses: Vec<crate::kit::views::Code>,
}

fn credits(c: Option<i64>) -> String {
    c.map(|c| Credits(c).to_string()).unwrap_or_else(|| "-".into())
}

async fn list(State(s): State<AppState>, a: LearnerAuth, Query(q): Query<ListQuery>) -> Result<Response, WebError> {
    let converted = q.tab == "converted";
    let base = Filter {
        learner_id: Some(a.learner.id),
        type_id: forms::opt_id(&q.type_),
        subtype_id: forms::opt_id(&q.subtype),
        name: Some(q.name.clone()),
        statuses: STATUSES.iter().map(|s| s.0).filter(|s| *s == q.status).collect(),
        ..Default::default()
    };
    let me = Principal::Learner(a.learner.clone());
    let personal_count = app::queries::holdings::count(
        &s.app,
        &me,
        Filter {
            converted: Some(false),
            ..base.clone()
        },
    )
    .await?;
    let converted_count = app::queries::holdings::count(
        &s.app,
        &me,
        Filter {
            converted: Some(true),
            ..base.clone()
        },
    )
    .await?;
    // The tab's count is the list's: counted once.
    let rows = app::queries::holdings::rows(
        &s.app,
        &me,
        Filter {
            converted: Some(converted),
            ..base
        },
        q.page.max(1),
        PER_PAGE,
    )
    .await?;
    let total = if converted { converted_count } else { personal_count };
    let rows = rows
        .iter()
        .map(|h| Row {
            id: h.id,
            name: h.name.clone(),
            type_name: h.type_name.clone(),
            subtype_name: h.subtype_name.clone(),
            issuer: h.issuer.clone(),
            credits: credits(h.credits),
            source: app::holdings::source_label(&h.source),
            status: h.status.code().to_string(),
            status_label: app::holdings::status_label(h),
            editable: domain::outcome::learner_may_change(h.status, h.recognition),
        })
        .collect();
    let (types, subtypes) = forms::type_choices(&s.app).await?;
    let pager = Pager::new(
        total,
        q.page,
        "/learner/outcomes",
        &[
            ("tab", &q.tab),
            ("name", &q.name),
            ("type", &q.type_),
            ("subtype", &q.subtype),
        ],
    );
    let filtered = !(q.name.is_empty() && q.type_.is_empty() && q.subtype.is_empty());
    Ok(page(&ListPage {
        ctx: ctx(&a, "我的成果", "/learner/outcomes").await?,
        offset: ((pager.page - 1) * PER_PAGE) as usize,
        q,
        types,
        subtypes,
        rows,
        personal_count,
        converted_count,
        filtered,
        pager,
        statuses: crate::kit::views::codes(&STATUSES),
    }))
}

#[derive(serde::Deserialize)]
struct ActionField {
    #[serde(default)]
    action: String,
}

async fn action(
    State(s): State<AppState>,
    a: LearnerAuth,
    ClientIp(ip): ClientIp,
    CsrfForm(f, pairs): CsrfForm<ActionField>,
) -> Result<Response, WebError> {
    let ids = forms::ids(&pairs);
    let actor = Principal::Learner(a.learner.clone()).actor(&ip);
    let result = match f.action.as_str() {
        "submit" => app::holdings::learner_submit(&s.app, &a.learner, &ids, &actor)
            .await
            .map(|_| "已提交存储，等待学分银行审核".to_string()),
        "delete" if ids.is_empty() => Err(app::AppError::field("ids", "请选择要删除的成果")),
        "delete" => {
            let mut r = Ok(());
            for id in &ids {
                r = app::holdings::learner_delete(&s.app, &a.learner, *id, &actor).await;
                if r.is_err() {
                    break;
                }
            }
            r.map(|_| format!("已删除{}项成果", ids.len()))
        }
        _ => Err(app::AppError::field("action", "未知的操作")),
    };
    flash_outcome(&a.session, result, "/learner/outcomes").await
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

async fn choose(State(s): State<AppState>, a: LearnerAuth) -> Result<Response, WebError> {
    let subtypes = app::queries::taxonomy::subtypes(&s.app).await?;
    let groups = forms::group_subtypes(&subtypes, |st| {
        (st.synced != 0).then(|| "由证书平台同步到您的账户".to_string())
    });
    Ok(page(&Choose {
        ctx: ctx(&a, "登记新成果", "/learner/outcomes").await?,
        heading: "登记新成果",
        hint: "选择成果类型。可从成果名录中选择已有成果（自动带入成果信息），也可手动录入。",
        base: "/learner/outcomes/new",
        groups,
    }))
}

#[derive(Default)]
struct FormValues {
    name: String,
    issuer: String,
    number: String,
    issued_on: String,
    score: String,
}

/// A catalog entry found while registering an outcome.
struct CatalogMatch {
    id: CatalogOutcomeId,
    name: String,
    institution: String,
    credits: String,
}

#[derive(Template)]
#[template(path = "learner/outcome_form.html")]
struct FormPage {
    ctx: PageCtx,
    subtype_id: SubtypeId,
    type_name: String,
    subtype_name: String,
    informal: bool,
    /// Only courses have a 成绩 (the taxonomy says which subtypes are courses).
    course: bool,
    editing: bool,
    action: String,
    search: String,
    search_major: String,
    search_institution: Option<InstitutionId>,
    institutions: Vec<crate::kit::views::Choice<InstitutionId>>,
    matches: Vec<CatalogMatch>,
    /// How many catalog entries the search found (the page lists the first 20).
    match_total: i64,
    pick: Option<CatalogOutcomeId>,
    picked: bool,
    form: FormValues,
    inputs: Vec<FieldInput>,
    errors: FormErrors,
}

struct FormState {
    subtype: SubtypeId,
    edit_id: Option<HoldingId>,
    search: String,
    search_major: String,
    search_institution: Option<InstitutionId>,
    pick: Option<CatalogOutcomeId>,
    form: FormValues,
    values: BTreeMap<String, String>,
}

async fn form_page(
    s: &AppState,
    a: &LearnerAuth,
    st: FormState,
    errors: FormErrors,
    status: StatusCode,
) -> Result<Response, WebError> {
    let (sub, specs) = app::taxonomy::subtype(&s.app, st.subtype).await?;
    let mut form = st.form;
    let mut values = st.values;
    let mut picked = false;
    if let Some(p) = st.pick {
        let o = app::queries::catalog::get(&s.app, p)
            .await
            .ok()
            .filter(|o| o.subtype_id == sub.id)
            .ok_or_else(|| WebError(app::AppError::NotFound("所选的名录成果不存在".into())))?;
        form.name = o.name;
        form.issuer = o.institution_name;
        let fixed: BTreeMap<String, String> = serde_json::from_str(&o.fields).unwrap_or_default();
        values.extend(fixed);
        picked = true;
    }
    let searching =
        !st.search.trim().is_empty() || !st.search_major.trim().is_empty() || st.search_institution.is_some();
    let (matches, match_total) = if !searching {
        (Vec::new(), 0)
    } else {
        let f = app::queries::CatalogFilter {
            subtype_id: Some(sub.id),
            name: Some(st.search.clone()),
            major: Some(st.search_major.clone()),
            institution_id: st.search_institution,
            ..Default::default()
        };
        let found = app::queries::catalog::search(&s.app, &f, 1, 20).await?;
        let rows = found.rows.into_iter().map(|o| CatalogMatch {
            credits: credits(o.credits),
            id: o.id,
            name: o.name,
            institution: o.institution_name,
        });
        (rows.collect(), found.total)
    };
    let inputs = forms::field_inputs(&specs, &values, &errors, picked);
    let action = match st.edit_id {
        Some(id) => format!("/learner/outcomes/{id}/edit"),
        None => format!("/learner/outcomes/new/{}", sub.id),
    };
    let institutions = app::queries::institutions::approved(&s.app)
        .await?
        .into_iter()
        .map(|i| crate::kit::views::Choice {
            value: i.id,
            label: i.name,
        })
        .collect();
    Ok(render(
        status,
        &FormPage {
            ctx: ctx(a, "登记新成果", "/learner/outcomes").await?,
            subtype_id: sub.id,
            informal: sub.is_informal(),
            course: domain::taxonomy::is_course(specs.iter().map(|f| f.key.as_str())),
            type_name: sub.type_name,
            subtype_name: sub.name,
            editing: st.edit_id.is_some(),
            action,
            search: st.search,
            search_major: st.search_major,
            search_institution: st.search_institution,
            institutions,
            matches,
            match_total,
            pick: st.pick,
            picked,
            form,
            inputs,
            errors,
        },
    ))
}

#[derive(serde::Deserialize, Default)]
struct NewQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    major: String,
    #[serde(default)]
    inst: String,
    #[serde(default)]
    pick: Option<CatalogOutcomeId>,
}

async fn new_page(
    State(s): State<AppState>,
    a: LearnerAuth,
    Path(subtype): Path<SubtypeId>,
    Query(q): Query<NewQuery>,
) -> Result<Response, WebError> {
    let st = FormState {
        subtype,
        edit_id: None,
        search: q.q,
        search_major: q.major,
        search_institution: forms::opt_id(&q.inst),
        pick: q.pick,
        form: FormValues::default(),
        values: BTreeMap::new(),
    };
    form_page(&s, &a, st, FormErrors::default(), StatusCode::OK).await
}

#[derive(serde::Deserialize, Default)]
struct PostedHolding {
    #[serde(default)]
    institution_outcome_id: Option<CatalogOutcomeId>,
    #[serde(default)]
    name: String,
    #[serde(default)]
    issuer: String,
    #[serde(default)]
    number: String,
    #[serde(default)]
    issued_on: String,
    #[serde(default)]
    score: String,
}

fn to_form(subtype: SubtypeId, f: &PostedHolding, values: BTreeMap<String, String>) -> HoldingForm {
    HoldingForm {
        subtype_id: subtype,
        institution_outcome_id: f.institution_outcome_id,
        name: f.name.clone(),
        issuer: f.issuer.clone(),
        number: f.number.clone(),
        issued_on: f.issued_on.clone(),
        score: f.score.clone(),
        fields: values,
    }
}

fn kept(f: PostedHolding) -> FormValues {
    FormValues {
        name: f.name,
        issuer: f.issuer,
        number: f.number,
        issued_on: f.issued_on,
        score: f.score,
    }
}

async fn create(
    State(s): State<AppState>,
    a: LearnerAuth,
    Path(subtype): Path<SubtypeId>,
    ClientIp(ip): ClientIp,
    CsrfForm(f, pairs): CsrfForm<PostedHolding>,
) -> Result<Response, WebError> {
    let values = forms::field_values(&pairs);
    let actor = Principal::Learner(a.learner.clone()).actor(&ip);
    match app::holdings::learner_create(&s.app, &a.learner, &to_form(subtype, &f, values.clone()), &actor).await {
        Ok(id) => {
            flash(&a.session, "ok", "成果已登记").await?;
            Ok(Redirect::to(&format!("/learner/outcomes/{id}")).into_response())
        }
        Err(e @ (app::AppError::Invalid(_) | app::AppError::Conflict(_))) => {
            let st = FormState {
                subtype,
                edit_id: None,
                search: String::new(),
                search_major: String::new(),
                search_institution: None,
                pick: f.institution_outcome_id,
                form: kept(f),
                values,
            };
            form_page(&s, &a, st, FormErrors::from_error(&e), form_status(&e)).await
        }
        Err(e) => Err(WebError(e)),
    }
}

async fn own(s: &AppState, a: &LearnerAuth, id: HoldingId) -> Result<Holding, WebError> {
    Ok(app::queries::holdings::get(&s.app, &Principal::Learner(a.learner.clone()), id).await?)
}

async fn edit_page(State(s): State<AppState>, a: LearnerAuth, Path(id): Path<HoldingId>) -> Result<Response, WebError> {
    let h = own(&s, &a, id).await?;
    if h.status != Status::Registered {
        return Err(WebError(app::AppError::Conflict("已提交存储的成果不能修改".into())));
    }
    if !domain::outcome::learner_may_change(h.status, h.recognition) {
        return Err(WebError(app::AppError::Conflict(
            "该成果正在认定审核中，审核结束前不能修改".into(),
        )));
    }
    let values: BTreeMap<String, String> = serde_json::from_str(&h.fields).unwrap_or_default();
    let form = FormValues {
        name: h.name,
        issuer: h.issuer,
        number: h.number.unwrap_or_default(),
        issued_on: h.issued_on.unwrap_or_default(),
        score: h.score.unwrap_or_default(),
    };
    let st = FormState {
        subtype: h.subtype_id,
        edit_id: Some(id),
        search: String::new(),
        search_major: String::new(),
        search_institution: None,
        pick: h.institution_outcome_id,
        form,
        values,
    };
    form_page(&s, &a, st, FormErrors::default(), StatusCode::OK).await
}

async fn edit(
    State(s): State<AppState>,
    a: LearnerAuth,
    Path(id): Path<HoldingId>,
    ClientIp(ip): ClientIp,
    CsrfForm(f, pairs): CsrfForm<PostedHolding>,
) -> Result<Response, WebError> {
    let h = own(&s, &a, id).await?;
    let values = forms::field_values(&pairs);
    let actor = Principal::Learner(a.learner.clone()).actor(&ip);
    match app::holdings::learner_update(
        &s.app,
        &a.learner,
        id,
        &to_form(h.subtype_id, &f, values.clone()),
        &actor,
    )
    .await
    {
        Ok(()) => {
            flash(&a.session, "ok", "成果已修改").await?;
            Ok(Redirect::to(&format!("/learner/outcomes/{id}")).into_response())
        }
        Err(e @ (app::AppError::Invalid(_) | app::AppError::Conflict(_))) => {
            let st = FormState {
                subtype: h.subtype_id,
                edit_id: Some(id),
                search: String::new(),
                search_major: String::new(),
                search_institution: None,
                pick: f.institution_outcome_id,
                form: kept(f),
                values,
            };
            form_page(&s, &a, st, FormErrors::from_error(&e), form_status(&e)).await
        }
        Err(e) => Err(WebError(e)),
    }
}
