//! The management side of outcomes: taxonomy and authorisations (M-02), recognition of
//! catalog outcomes, storage of learners' outcomes (M-01), initial review of
//! recognition applications (M-03), and the expert's final review (E-01).

use app::auth::Principal;
use app::queries::holdings::Queue;
use app::queries::{CatalogFilter, Holding};
use app::taxonomy::FieldForm;
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use domain::credits::Credits;
use domain::taxonomy::FieldKind;

use crate::AppState;
use crate::kit::error::WebError;
use crate::kit::extract::{ClientIp, CsrfForm, DepartmentAuth, ExpertAuth};
use crate::kit::forms::{self, PER_PAGE, Pager};
use crate::kit::views::{FormErrors, PageCtx, flash, form_status, page, render};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/department/taxonomy", get(taxonomy).post(add_subtype))
        .route("/department/taxonomy/{id}", get(subtype_page))
        .route("/department/taxonomy/{id}/fields", post(add_field))
        .route("/department/taxonomy/{id}/restricted", post(restricted))
        .route("/department/taxonomy/fields/{id}", post(change_field))
        .route("/department/authorisations", get(authorisations).post(authorise))
        .route("/department/catalog", get(catalog))
        .route("/department/catalog/{id}", post(recognise))
        .route("/department/storage", get(storage).post(store_decide))
        .route("/department/recognition", get(initial).post(initial_decide))
        .route("/department/outcomes/{id}", get(dept_detail))
        .route("/expert/recognition", get(final_list).post(final_decide))
        .route("/expert/outcomes/{id}", get(expert_detail))
}

fn dept(a: &DepartmentAuth) -> Principal {
    Principal::Department {
        user: a.user.clone(),
        department: a.department.clone(),
        scope: a.scope.clone(),
    }
}

async fn dctx(a: &DepartmentAuth, title: &str, active: &str) -> Result<PageCtx, WebError> {
    PageCtx::new(title, &a.session, Some(&dept(a)), active).await
}

const KINDS: [FieldKind; 5] = [
    FieldKind::Text,
    FieldKind::Textarea,
    FieldKind::Number,
    FieldKind::Date,
    FieldKind::Select,
];

fn kinds() -> Vec<(&'static str, &'static str)> {
    KINDS.iter().map(|k| (k.code(), k.label())).collect()
}

#[derive(Template)]
#[template(path = "department/taxonomy.html")]
struct TaxonomyPage {
    ctx: PageCtx,
    preset: String,
    groups: Vec<SubtypeGroup>,
    types: Vec<(i64, String)>,
    form: app::taxonomy::SubtypeForm,
    errors: FormErrors,
}

/// A type and its subtypes: (id, name, number of fields, how it is stored).
struct SubtypeGroup {
    name: String,
    category: &'static str,
    items: Vec<(i64, String, usize, &'static str)>,
}

async fn taxonomy(State(s): State<AppState>, a: DepartmentAuth) -> Result<Response, WebError> {
    taxonomy_page(
        &s,
        &a,
        app::taxonomy::SubtypeForm::default(),
        FormErrors::default(),
        StatusCode::OK,
    )
    .await
}

async fn add_subtype(
    State(s): State<AppState>,
    a: DepartmentAuth,
    ClientIp(ip): ClientIp,
    CsrfForm(f, _): CsrfForm<app::taxonomy::SubtypeForm>,
) -> Result<Response, WebError> {
    match app::taxonomy::add_subtype(&s.app, &f, &dept(&a).actor(&ip)).await {
        Ok(id) => {
            flash(&a.session, "ok", "子类型已新增，请为它设置字段").await?;
            Ok(Redirect::to(&format!("/department/taxonomy/{id}")).into_response())
        }
        Err(e) => taxonomy_page(&s, &a, f, FormErrors::from_error(&e), form_status(&e)).await,
    }
}

async fn taxonomy_page(
    s: &AppState,
    a: &DepartmentAuth,
    form: app::taxonomy::SubtypeForm,
    errors: FormErrors,
    status: StatusCode,
) -> Result<Response, WebError> {
    let preset = app::queries::taxonomy::preset_label(&s.app).await?;
    let mut groups: Vec<SubtypeGroup> = Vec::new();
    for st in app::queries::taxonomy::subtypes(&s.app).await? {
        let n = app::queries::taxonomy::fields(&s.app, st.id).await?.len();
        let how = if st.synced != 0 {
            "平台同步"
        } else if st.restricted != 0 {
            "需授权"
        } else {
            "机构可存储"
        };
        if groups.last().is_none_or(|g| g.name != st.type_name) {
            groups.push(SubtypeGroup {
                name: st.type_name.clone(),
                category: st.category().label(),
                items: Vec::new(),
            });
        }
        if let Some(g) = groups.last_mut() {
            g.items.push((st.id, st.name, n, how));
        }
    }
    let types = app::queries::taxonomy::types(&s.app)
        .await?
        .into_iter()
        .map(|t| (t.id, t.name))
        .collect();
    Ok(render(
        status,
        &TaxonomyPage {
            ctx: dctx(a, "成果分类管理", "/department/taxonomy").await?,
            preset,
            groups,
            types,
            form,
            errors,
        },
    ))
}

#[derive(Template)]
#[template(path = "department/subtype.html")]
struct SubtypePage {
    ctx: PageCtx,
    id: i64,
    type_name: String,
    subtype_name: String,
    restricted: bool,
    fields: Vec<(i64, String, String, String, bool, String)>,
    kinds: Vec<(&'static str, &'static str)>,
    new: FieldForm,
    errors: FormErrors,
}

async fn subtype_form(
    s: &AppState,
    a: &DepartmentAuth,
    id: i64,
    new: FieldForm,
    errors: FormErrors,
    status: StatusCode,
) -> Result<Response, WebError> {
    let (st, _) = app::taxonomy::subtype(&s.app, id).await?;
    let fields = app::queries::taxonomy::fields(&s.app, id)
        .await?
        .into_iter()
        .map(|f| (f.id, f.key, f.label, f.kind, f.required != 0, f.options))
        .collect();
    Ok(render(
        status,
        &SubtypePage {
            ctx: dctx(a, "字段设置", "/department/taxonomy").await?,
            id,
            type_name: st.type_name,
            subtype_name: st.name,
            restricted: st.restricted != 0,
            fields,
            kinds: kinds(),
            new,
            errors,
        },
    ))
}

async fn subtype_page(State(s): State<AppState>, a: DepartmentAuth, Path(id): Path<i64>) -> Result<Response, WebError> {
    subtype_form(
        &s,
        &a,
        id,
        FieldForm {
            kind: "text".into(),
            ..Default::default()
        },
        FormErrors::default(),
        StatusCode::OK,
    )
    .await
}

async fn add_field(
    State(s): State<AppState>,
    a: DepartmentAuth,
    Path(id): Path<i64>,
    ClientIp(ip): ClientIp,
    CsrfForm(f, _): CsrfForm<FieldForm>,
) -> Result<Response, WebError> {
    match app::taxonomy::add_field(&s.app, id, &f, &dept(&a).actor(&ip)).await {
        Ok(()) => {
            flash(&a.session, "ok", "字段已新增").await?;
            Ok(Redirect::to(&format!("/department/taxonomy/{id}")).into_response())
        }
        Err(e @ app::AppError::Invalid(_)) => {
            subtype_form(&s, &a, id, f, FormErrors::from_error(&e), form_status(&e)).await
        }
        Err(e) => Err(WebError(e)),
    }
}

#[derive(serde::Deserialize)]
struct ChangeField {
    #[serde(default)]
    op: String,
    #[serde(flatten)]
    field: FieldForm,
}

async fn change_field(
    State(s): State<AppState>,
    a: DepartmentAuth,
    Path(id): Path<i64>,
    ClientIp(ip): ClientIp,
    CsrfForm(f, _): CsrfForm<ChangeField>,
) -> Result<Response, WebError> {
    let row = app::queries::taxonomy::field(&s.app, id).await?;
    let actor = dept(&a).actor(&ip);
    let result = if f.op == "delete" {
        app::taxonomy::delete_field(&s.app, id, &actor).await
    } else {
        app::taxonomy::update_field(&s.app, id, &f.field, &actor).await
    };
    match result {
        Ok(()) => {
            flash(
                &a.session,
                "ok",
                if f.op == "delete" {
                    "字段已删除"
                } else {
                    "字段已保存"
                },
            )
            .await?
        }
        Err(e) => flash(&a.session, "error", e.to_string()).await?,
    }
    Ok(Redirect::to(&format!("/department/taxonomy/{}", row.subtype_id)).into_response())
}

#[derive(serde::Deserialize)]
struct RestrictedForm {
    #[serde(default)]
    restricted: String,
}

async fn restricted(
    State(s): State<AppState>,
    a: DepartmentAuth,
    Path(id): Path<i64>,
    ClientIp(ip): ClientIp,
    CsrfForm(f, _): CsrfForm<RestrictedForm>,
) -> Result<Response, WebError> {
    app::taxonomy::set_restricted(&s.app, id, f.restricted == "1", &dept(&a).actor(&ip)).await?;
    flash(&a.session, "ok", "已保存").await?;
    Ok(Redirect::to(&format!("/department/taxonomy/{id}")).into_response())
}

#[derive(Template)]
#[template(path = "department/authorisations.html")]
struct AuthPage {
    ctx: PageCtx,
    institutions: Vec<(i64, String)>,
    selected: Option<i64>,
    subtypes: Vec<(i64, String, bool)>,
}

#[derive(serde::Deserialize, Default)]
struct AuthQuery {
    #[serde(default)]
    institution: Option<i64>,
}

async fn authorisations(
    State(s): State<AppState>,
    a: DepartmentAuth,
    Query(q): Query<AuthQuery>,
) -> Result<Response, WebError> {
    let institutions: Vec<(i64, String)> = app::queries::institutions::in_scope(&s.app, &a.scope, Some("approved"))
        .await?
        .into_iter()
        .map(|i| (i.id, i.name))
        .collect();
    let selected = q.institution.filter(|id| institutions.iter().any(|i| i.0 == *id));
    let mut subtypes = Vec::new();
    if let Some(inst) = selected {
        let granted = app::queries::taxonomy::authorised(&s.app, inst).await?;
        subtypes = app::queries::taxonomy::subtypes(&s.app)
            .await?
            .into_iter()
            .filter(|s| s.restricted != 0)
            .map(|s| (s.id, s.name, granted.contains(&s.id)))
            .collect();
    }
    Ok(page(&AuthPage {
        ctx: dctx(&a, "机构授权", "/department/authorisations").await?,
        institutions,
        selected,
        subtypes,
    }))
}

#[derive(serde::Deserialize)]
struct AuthForm {
    institution: i64,
    subtype: i64,
    #[serde(default)]
    grant: String,
}

async fn authorise(
    State(s): State<AppState>,
    a: DepartmentAuth,
    ClientIp(ip): ClientIp,
    CsrfForm(f, _): CsrfForm<AuthForm>,
) -> Result<Response, WebError> {
    app::taxonomy::authorise(
        &s.app,
        &a.scope,
        &dept(&a).actor(&ip),
        f.institution,
        f.subtype,
        f.grant == "1",
    )
    .await?;
    flash(&a.session, "ok", if f.grant == "1" { "已授权" } else { "已取消授权" }).await?;
    Ok(Redirect::to(&format!("/department/authorisations?institution={}", f.institution)).into_response())
}

#[derive(serde::Deserialize, Default)]
struct CatalogQuery {
    #[serde(default)]
    name: String,
    #[serde(default)]
    recognition: String,
    #[serde(default)]
    page: i64,
}

struct CatalogRow {
    id: i64,
    name: String,
    institution: String,
    subtype: String,
    recognition: String,
    recognition_label: &'static str,
    credits: String,
    holders: i64,
}

#[derive(Template)]
#[template(path = "department/catalog.html")]
struct CatalogPage {
    ctx: PageCtx,
    q: CatalogQuery,
    recognitions: [(&'static str, &'static str); 3],
    rows: Vec<CatalogRow>,
    pager: Pager,
}

async fn catalog(
    State(s): State<AppState>,
    a: DepartmentAuth,
    Query(q): Query<CatalogQuery>,
) -> Result<Response, WebError> {
    let f = CatalogFilter {
        name: Some(q.name.clone()).filter(|n| !n.trim().is_empty()),
        recognition: Some(q.recognition.clone()).filter(|r| !r.is_empty()),
        ..Default::default()
    };
    let result = app::queries::catalog::in_departments(&s.app, &a.scope, f, q.page.max(1), PER_PAGE).await?;
    let rows = result
        .rows
        .into_iter()
        .map(|o| CatalogRow {
            recognition_label: forms::recognition_label(&o.recognition),
            credits: o.credits.map(|c| Credits(c).to_string()).unwrap_or_else(|| "-".into()),
            id: o.id,
            name: o.name,
            institution: o.institution_name,
            subtype: o.subtype_name,
            recognition: o.recognition,
            holders: o.holders,
        })
        .collect();
    let pager = Pager::new(
        result.total,
        q.page,
        "/department/catalog",
        &[("name", &q.name), ("recognition", &q.recognition)],
    );
    Ok(page(&CatalogPage {
        ctx: dctx(&a, "机构成果认定", "/department/catalog").await?,
        q,
        recognitions: [
            ("recognising", "认定中"),
            ("unrecognised", "未认定"),
            ("recognised", "已认定"),
        ],
        rows,
        pager,
    }))
}

#[derive(serde::Deserialize)]
struct Decision {
    #[serde(default)]
    decision: String,
    #[serde(default)]
    credits: String,
    #[serde(default)]
    opinion: String,
}

async fn recognise(
    State(s): State<AppState>,
    a: DepartmentAuth,
    Path(id): Path<i64>,
    ClientIp(ip): ClientIp,
    CsrfForm(f, _): CsrfForm<Decision>,
) -> Result<Response, WebError> {
    match app::catalog::recognise(
        &s.app,
        &a.scope,
        &dept(&a).actor(&ip),
        id,
        f.decision == "pass",
        &f.credits,
    )
    .await
    {
        Ok(n) if f.decision == "pass" => {
            flash(&a.session, "ok", format!("已认定，{n}名已存储该成果的学员获得学分")).await?
        }
        Ok(_) => flash(&a.session, "ok", "已退回认定申请").await?,
        Err(app::AppError::NotFound(m)) => return Err(WebError(app::AppError::NotFound(m))),
        Err(e) => flash(&a.session, "error", e.to_string()).await?,
    }
    Ok(Redirect::to("/department/catalog?recognition=recognising").into_response())
}

struct ReviewRow {
    id: i64,
    name: String,
    subtype: String,
    learner: String,
    id_number: String,
    issuer: String,
    files: usize,
    state: &'static str,
}

#[derive(Template)]
#[template(path = "review_list.html")]
struct ReviewPage {
    ctx: PageCtx,
    heading: &'static str,
    hint: &'static str,
    empty: &'static str,
    action: &'static str,
    detail_base: &'static str,
    pass_label: &'static str,
    fail_label: &'static str,
    with_credits: bool,
    rows: Vec<ReviewRow>,
    credits: String,
    opinion: String,
    errors: FormErrors,
}

async fn queue_rows(s: &AppState, who: &Principal, q: Queue) -> Result<Vec<Holding>, WebError> {
    Ok(app::queries::holdings::queue(&s.app, who, q).await?)
}

async fn review_page(
    s: &AppState,
    ctx: PageCtx,
    q: Queue,
    rows: Vec<Holding>,
    f: Option<&Decision>,
    errors: FormErrors,
    status: StatusCode,
) -> Result<Response, WebError> {
    let mut out = Vec::new();
    let counts = app::queries::holdings::evidence_counts(&s.app, &rows).await?;
    for (h, files) in rows.into_iter().zip(counts) {
        out.push(ReviewRow {
            state: if q == Queue::Storage {
                app::holdings::status_label(&h)
            } else {
                app::holdings::recognition_label(&h.recognition)
            },
            id_number: domain::mask::id_number(&h.learner_id_number),
            id: h.id,
            name: h.name,
            subtype: h.subtype_name,
            learner: h.learner_name,
            issuer: h.issuer,
            files,
        });
    }
    let (heading, hint, empty, action, detail_base, pass_label, fail_label) = match q {
        Queue::Storage => (
            "学习成果存储审核",
            "学习者提交存储的成果，核对信息后存储或退回。",
            "暂无待存储的成果。",
            "/department/storage",
            "/department/outcomes",
            "存储",
            "退回",
        ),
        Queue::Initial => (
            "成果认定初审",
            "学习者申请认定的无一定形式成果，初审通过后交专家终审。",
            "暂无待初审的认定申请。",
            "/department/recognition",
            "/department/outcomes",
            "初审通过",
            "不通过",
        ),
        Queue::Final => (
            "成果认定终审",
            "初审通过的认定申请，终审通过后成果存入学习者账户并获得学分。",
            "暂无待终审的认定申请。",
            "/expert/recognition",
            "/expert/outcomes",
            "终审通过",
            "不通过",
        ),
    };
    Ok(render(
        status,
        &ReviewPage {
            ctx,
            heading,
            hint,
            empty,
            action,
            detail_base,
            pass_label,
            fail_label,
            with_credits: q == Queue::Final,
            rows: out,
            credits: f.map(|f| f.credits.clone()).unwrap_or_default(),
            opinion: f.map(|f| f.opinion.clone()).unwrap_or_default(),
            errors,
        },
    ))
}

async fn storage(State(s): State<AppState>, a: DepartmentAuth) -> Result<Response, WebError> {
    let rows = queue_rows(&s, &dept(&a), Queue::Storage).await?;
    review_page(
        &s,
        dctx(&a, "学习成果存储审核", "/department/storage").await?,
        Queue::Storage,
        rows,
        None,
        FormErrors::default(),
        StatusCode::OK,
    )
    .await
}

async fn initial(State(s): State<AppState>, a: DepartmentAuth) -> Result<Response, WebError> {
    let rows = queue_rows(&s, &dept(&a), Queue::Initial).await?;
    review_page(
        &s,
        dctx(&a, "成果认定初审", "/department/recognition").await?,
        Queue::Initial,
        rows,
        None,
        FormErrors::default(),
        StatusCode::OK,
    )
    .await
}

async fn picked(s: &AppState, who: &Principal, q: Queue, pairs: &[(String, String)]) -> Result<Vec<i64>, WebError> {
    Ok(app::queries::holdings::ticked_or_all(&s.app, who, q, forms::ids(pairs)).await?)
}

async fn store_decide(
    State(s): State<AppState>,
    a: DepartmentAuth,
    ClientIp(ip): ClientIp,
    CsrfForm(f, pairs): CsrfForm<Decision>,
) -> Result<Response, WebError> {
    let ids = picked(&s, &dept(&a), Queue::Storage, &pairs).await?;
    let actor = dept(&a).actor(&ip);
    match app::holdings::bank_store_many(&s.app, &a.scope, &actor, &ids, f.decision == "pass", &f.opinion).await {
        Ok(n) => {
            flash(&a.session, "ok", format!("已处理{n}项成果")).await?;
            Ok(Redirect::to("/department/storage").into_response())
        }
        Err(app::AppError::NotFound(m)) => Err(WebError(app::AppError::NotFound(m))),
        Err(e) => {
            let rows = queue_rows(&s, &dept(&a), Queue::Storage).await?;
            review_page(
                &s,
                dctx(&a, "学习成果存储审核", "/department/storage").await?,
                Queue::Storage,
                rows,
                Some(&f),
                FormErrors::from_error(&e),
                form_status(&e),
            )
            .await
        }
    }
}

async fn initial_decide(
    State(s): State<AppState>,
    a: DepartmentAuth,
    ClientIp(ip): ClientIp,
    CsrfForm(f, pairs): CsrfForm<Decision>,
) -> Result<Response, WebError> {
    let ids = picked(&s, &dept(&a), Queue::Initial, &pairs).await?;
    match app::recognition::initial_review(
        &s.app,
        &a.scope,
        &dept(&a).actor(&ip),
        &ids,
        f.decision == "pass",
        &f.opinion,
    )
    .await
    {
        Ok(n) => {
            flash(&a.session, "ok", format!("已初审{n}项申请")).await?;
            Ok(Redirect::to("/department/recognition").into_response())
        }
        Err(app::AppError::NotFound(m)) => Err(WebError(app::AppError::NotFound(m))),
        Err(e) => {
            let rows = queue_rows(&s, &dept(&a), Queue::Initial).await?;
            review_page(
                &s,
                dctx(&a, "成果认定初审", "/department/recognition").await?,
                Queue::Initial,
                rows,
                Some(&f),
                FormErrors::from_error(&e),
                form_status(&e),
            )
            .await
        }
    }
}

#[derive(Template)]
#[template(path = "review_detail.html")]
struct DetailPage {
    ctx: PageCtx,
    back: &'static str,
    base: Vec<(String, String)>,
    extra: Vec<(String, String)>,
    files: Vec<(i64, String)>,
    reviews: Vec<(String, String, String, String, String)>,
}

async fn dept_detail(State(s): State<AppState>, a: DepartmentAuth, Path(id): Path<i64>) -> Result<Response, WebError> {
    let h = app::holdings::in_scope(&s.app, &a.scope, id).await?;
    let v = forms::holding_view(&s.app, &h, false).await?;
    let ctx = dctx(&a, "成果详情", "/department/storage").await?;
    Ok(page(&DetailPage {
        ctx,
        back: "/department/storage",
        base: v.base,
        extra: v.extra,
        files: v.files,
        reviews: v.reviews,
    }))
}

fn expert(a: &ExpertAuth) -> Principal {
    Principal::Expert(a.user.clone())
}

async fn final_list(State(s): State<AppState>, a: ExpertAuth) -> Result<Response, WebError> {
    let rows = queue_rows(&s, &expert(&a), Queue::Final).await?;
    let ctx = PageCtx::new("成果认定终审", &a.session, Some(&expert(&a)), "/expert/recognition").await?;
    review_page(&s, ctx, Queue::Final, rows, None, FormErrors::default(), StatusCode::OK).await
}

async fn final_decide(
    State(s): State<AppState>,
    a: ExpertAuth,
    ClientIp(ip): ClientIp,
    CsrfForm(f, pairs): CsrfForm<Decision>,
) -> Result<Response, WebError> {
    let ids = picked(&s, &expert(&a), Queue::Final, &pairs).await?;
    match app::recognition::final_review(
        &s.app,
        &expert(&a).actor(&ip),
        &ids,
        f.decision == "pass",
        &f.credits,
        &f.opinion,
    )
    .await
    {
        Ok(n) => {
            flash(&a.session, "ok", format!("已终审{n}项申请")).await?;
            Ok(Redirect::to("/expert/recognition").into_response())
        }
        Err(app::AppError::NotFound(m)) => Err(WebError(app::AppError::NotFound(m))),
        Err(e) => {
            let rows = queue_rows(&s, &expert(&a), Queue::Final).await?;
            let ctx = PageCtx::new("成果认定终审", &a.session, Some(&expert(&a)), "/expert/recognition").await?;
            review_page(
                &s,
                ctx,
                Queue::Final,
                rows,
                Some(&f),
                FormErrors::from_error(&e),
                form_status(&e),
            )
            .await
        }
    }
}

/// Experts see outcomes that went through recognition.
async fn expert_detail(State(s): State<AppState>, a: ExpertAuth, Path(id): Path<i64>) -> Result<Response, WebError> {
    let h = app::queries::holdings::get(&s.app, &expert(&a), id).await?;
    let v = forms::holding_view(&s.app, &h, false).await?;
    let ctx = PageCtx::new("成果详情", &a.session, Some(&expert(&a)), "/expert/recognition").await?;
    Ok(page(&DetailPage {
        ctx,
        back: "/expert/recognition",
        base: v.base,
        extra: v.extra,
        files: v.files,
        reviews: v.reviews,
    }))
}
