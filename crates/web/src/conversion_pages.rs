//! Conversion pages: methods and rules of the institution (I-07, I-08), applications and
//! their review (I-09, M-03, E-01), records (I-10, L-11), the learner's applicable rules
//! (L-10), and the public rule catalog (P-02).

use app::auth::Principal;
use app::conversion::{MethodAction, Reviewer, RuleAction, RuleForm};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use domain::credits::Credits;
use domain::mask;
use domain::role::Area;
use store::conversion::{ApplicationFilter, Rule, RuleFilter};
use tower_sessions::Session;

use crate::AppState;
use crate::kit::error::WebError;
use crate::kit::extract::{self, ClientIp, CsrfForm, DepartmentAuth, ExpertAuth, InstitutionAuth, LearnerAuth};
use crate::kit::forms::{self, CsrfMultipart, PER_PAGE, Pager};
use crate::kit::views::{FormErrors, PageCtx, datetime, flash, flash_outcome, form_status, page, render};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/institution/methods", get(methods).post(create_method))
        .route("/institution/methods/pledge", post(pledge))
        .route("/institution/methods/{id}/edit", post(edit_method))
        .route("/institution/methods/{id}/{action}", post(method_action))
        .route("/institution/rules", get(rules))
        .route("/institution/rules/new", get(new_rule_page).post(create_rule))
        .route("/institution/rules/{id}", get(inst_rule))
        .route("/institution/rules/{id}/batch", get(batch_page).post(batch_apply))
        .route("/institution/rules/{id}/{action}", post(rule_action))
        .route("/institution/conversions/review", get(inst_review).post(inst_decide))
        .route("/institution/conversions/records", get(inst_records))
        .route("/institution/conversions/export", post(inst_export))
        .route("/learner/conversions/rules", get(learner_rules))
        .route("/learner/conversions/apply", post(learner_apply))
        .route("/learner/conversions", get(learner_records))
        .route("/learner/rules/{id}", get(learner_rule))
        .route("/department/conversions", get(dept_review).post(dept_decide))
        .route("/department/rules", get(dept_rules))
        .route("/department/rules/{id}", get(dept_rule))
        .route("/department/rules/{id}/take-down", post(take_down))
        .route("/expert/conversions", get(expert_review).post(expert_decide))
        .route("/rules", get(public_rules))
        .route("/rules/{id}", get(public_rule))
}

fn inst(a: &InstitutionAuth) -> Principal {
    Principal::Institution {
        user: a.user.clone(),
        institution: a.institution.clone(),
    }
}

fn dept(a: &DepartmentAuth) -> Principal {
    Principal::Department {
        user: a.user.clone(),
        department: a.department.clone(),
        scope: a.scope.clone(),
    }
}

fn not_found() -> WebError {
    WebError(app::AppError::not_found())
}

/// Errors to show on a form and the status to answer with.
struct Shown {
    errors: FormErrors,
    status: StatusCode,
}

impl Shown {
    fn ok() -> Self {
        Self {
            errors: FormErrors::default(),
            status: StatusCode::OK,
        }
    }
    fn from(e: &app::AppError) -> Self {
        Self {
            errors: FormErrors::from_error(e),
            status: form_status(e),
        }
    }
}

// ---------------------------------------------------------------- methods

struct MethodRow {
    id: i64,
    title: String,
    file_id: i64,
    status: String,
    status_label: &'static str,
    published: String,
}

#[derive(Template)]
#[template(path = "conversion/methods.html")]
struct MethodsPage {
    ctx: PageCtx,
    pledged: bool,
    rows: Vec<MethodRow>,
    title: String,
    errors: FormErrors,
}

async fn methods_page(
    s: &AppState,
    a: &InstitutionAuth,
    title: String,
    errors: FormErrors,
    status: StatusCode,
) -> Result<Response, WebError> {
    let pool = &s.app.db.pool;
    let rows = store::conversion::methods_of(pool, a.institution.id)
        .await?
        .into_iter()
        .map(|m| MethodRow {
            status_label: match m.status.as_str() {
                "published" => "已发布",
                "withdrawn" => "已撤回",
                _ => "未发布",
            },
            published: m.published_at.map(datetime).unwrap_or_else(|| "-".into()),
            id: m.id,
            title: m.title,
            file_id: m.file_id,
            status: m.status,
        })
        .collect();
    let pledged = store::conversion::pledged(pool, a.institution.id).await?;
    let ctx = PageCtx::new("转换办法发布", &a.session, Some(&inst(a)), "/institution/methods").await?;
    Ok(render(
        status,
        &MethodsPage {
            ctx,
            pledged,
            rows,
            title,
            errors,
        },
    ))
}

async fn methods(State(s): State<AppState>, a: InstitutionAuth) -> Result<Response, WebError> {
    a.require(Area::Rules)?;
    methods_page(&s, &a, String::new(), FormErrors::default(), StatusCode::OK).await
}

async fn create_method(
    State(s): State<AppState>,
    a: InstitutionAuth,
    ClientIp(ip): ClientIp,
    form: CsrfMultipart,
) -> Result<Response, WebError> {
    a.require(Area::Rules)?;
    let title = form.text("title");
    let result = async {
        let file = forms::upload(&s.app, &form, "file", app::files::Accept::Pdf, "institution", a.user.id).await?;
        app::conversion::create_method(&s.app, a.institution.id, &title, file, &inst(&a).actor(&ip)).await
    }
    .await;
    match result {
        Ok(_) => {
            flash(&a.session, "ok", "转换办法已保存，可在列表中发布").await?;
            Ok(Redirect::to("/institution/methods").into_response())
        }
        Err(e) => methods_page(&s, &a, title, FormErrors::from_error(&e), form_status(&e)).await,
    }
}

async fn edit_method(
    State(s): State<AppState>,
    a: InstitutionAuth,
    Path(id): Path<i64>,
    ClientIp(ip): ClientIp,
    form: CsrfMultipart,
) -> Result<Response, WebError> {
    a.require(Area::Rules)?;
    let title = form.text("title");
    let result = async {
        let m = store::conversion::method(&s.app.db.pool, id)
            .await?
            .filter(|m| m.institution_id == a.institution.id)
            .ok_or_else(app::AppError::not_found)?;
        let file = forms::upload(&s.app, &form, "file", app::files::Accept::Pdf, "institution", a.user.id).await?;
        app::conversion::update_method(&s.app, a.institution.id, m.id, &title, file, &inst(&a).actor(&ip)).await
    }
    .await;
    match result {
        Ok(()) => {
            flash(&a.session, "ok", "转换办法已修改").await?;
            Ok(Redirect::to("/institution/methods").into_response())
        }
        Err(app::AppError::NotFound(m)) => Err(WebError(app::AppError::NotFound(m))),
        Err(e) => methods_page(&s, &a, title, Shown::from(&e).errors, Shown::from(&e).status).await,
    }
}

async fn pledge(
    State(s): State<AppState>,
    a: InstitutionAuth,
    ClientIp(ip): ClientIp,
    CsrfForm(_, _): CsrfForm<serde::de::IgnoredAny>,
) -> Result<Response, WebError> {
    a.require(Area::Rules)?;
    app::conversion::accept_pledge(&s.app, a.institution.id, &inst(&a).actor(&ip)).await?;
    flash(&a.session, "ok", "已同意《信息发布安全承诺书》").await?;
    Ok(Redirect::to("/institution/methods").into_response())
}

async fn method_action(
    State(s): State<AppState>,
    a: InstitutionAuth,
    Path((id, action)): Path<(i64, String)>,
    ClientIp(ip): ClientIp,
    CsrfForm(_, _): CsrfForm<serde::de::IgnoredAny>,
) -> Result<Response, WebError> {
    a.require(Area::Rules)?;
    let action = match action.as_str() {
        "publish" => MethodAction::Publish,
        "withdraw" => MethodAction::Withdraw,
        "delete" => MethodAction::Delete,
        _ => return Err(not_found()),
    };
    let result = app::conversion::act_on_method(&s.app, a.institution.id, id, action, &inst(&a).actor(&ip))
        .await
        .map(|()| "已完成".to_string());
    flash_outcome(&a.session, result, "/institution/methods").await
}

// ---------------------------------------------------------------- rules

struct RuleRow {
    id: i64,
    code: String,
    name: String,
    kind: String,
    institution: String,
    status: String,
    status_label: &'static str,
}

fn rule_rows(rows: Vec<Rule>) -> Vec<RuleRow> {
    rows.into_iter()
        .map(|r| RuleRow {
            status_label: app::conversion::rule_status_label(&r.status),
            id: r.id,
            code: r.code,
            name: r.name,
            kind: r.kind,
            institution: r.institution_name,
            status: r.status,
        })
        .collect()
}

#[derive(Template)]
#[template(path = "conversion/rules.html")]
struct RulesPage {
    ctx: PageCtx,
    base: &'static str,
    tab: String,
    rows: Vec<RuleRow>,
    pager: Pager,
}

#[derive(serde::Deserialize, Default)]
struct TabQuery {
    #[serde(default)]
    tab: String,
    #[serde(default)]
    page: i64,
    /// Applied on or after / on or before these dates (records filters).
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    /// `learner` (个人) or `institution` (机构).
    #[serde(default)]
    initiator: String,
}

impl TabQuery {
    /// The date and initiator filters as an application filter.
    fn narrow(&self, mut f: ApplicationFilter) -> ApplicationFilter {
        let day = |s: &str| {
            domain::id_card::parse_date(s)
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .map(|d| d.and_utc().timestamp() - 8 * 3600)
        };
        f.from = day(&self.from);
        f.to = day(&self.to).map(|t| t + 86_400);
        f.initiator = match self.initiator.as_str() {
            "learner" => Some("learner"),
            "institution" => Some("institution"),
            _ => f.initiator,
        };
        f
    }
}

async fn rules(State(s): State<AppState>, a: InstitutionAuth, Query(q): Query<TabQuery>) -> Result<Response, WebError> {
    a.require(Area::Rules)?;
    let f = if q.tab == "related" {
        RuleFilter {
            source_institution_id: Some(a.institution.id),
            statuses: vec!["published", "withdrawn", "taken_down"],
            ..Default::default()
        }
    } else {
        RuleFilter {
            institution_id: Some(a.institution.id),
            ..Default::default()
        }
    };
    let result = store::conversion::rules(&s.app.db, &f, q.page.max(1), PER_PAGE).await?;
    let pager = Pager::new(result.total, q.page, "/institution/rules", &[("tab", &q.tab)]);
    let ctx = PageCtx::new("转换规则管理", &a.session, Some(&inst(&a)), "/institution/rules").await?;
    Ok(page(&RulesPage {
        ctx,
        base: "/institution/rules",
        tab: q.tab,
        rows: rule_rows(result.rows),
        pager,
    }))
}

#[derive(Default)]
struct RuleFormValues {
    name: String,
    kind: String,
    ratio: String,
    explanation: String,
    min_score: String,
    max_age_years: String,
}

#[derive(Template)]
#[template(path = "conversion/rule_new.html")]
struct NewRulePage {
    ctx: PageCtx,
    form: RuleFormValues,
    kinds: [&'static str; 4],
    source_q: String,
    source_options: Vec<(i64, String, String, String, bool)>,
    target_options: Vec<(i64, String, String, bool, String, String)>,
    errors: FormErrors,
}

async fn new_rule_form(
    s: &AppState,
    a: &InstitutionAuth,
    form: RuleFormValues,
    source_q: String,
    picked: &RuleForm,
    pairs: &[(String, String)],
    shown: Shown,
) -> Result<Response, WebError> {
    let Shown { errors, status } = shown;
    let mut f = store::catalog::Filter {
        name: Some(source_q.clone()).filter(|q| !q.trim().is_empty()),
        ..Default::default()
    };
    let mut sources: Vec<(i64, String, String, String, bool)> = store::catalog::list(&s.app.db, &f, 1, 100)
        .await?
        .rows
        .into_iter()
        .map(|o| {
            (
                o.id,
                o.name,
                o.institution_name,
                o.subtype_name,
                picked.sources.contains(&o.id),
            )
        })
        .collect();
    // Keep ticked sources visible even when the filter hides them.
    for id in &picked.sources {
        if !sources.iter().any(|x| x.0 == *id)
            && let Some(o) = store::catalog::by_id(&s.app.db.pool, *id).await?
        {
            sources.insert(0, (o.id, o.name, o.institution_name, o.subtype_name, true));
        }
    }
    f = store::catalog::Filter {
        institution_id: Some(a.institution.id),
        ..Default::default()
    };
    let text = |k: String| {
        pairs
            .iter()
            .find(|(n, _)| *n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let targets = store::catalog::list(&s.app.db, &f, 1, 500)
        .await?
        .rows
        .into_iter()
        .map(|o| {
            (
                o.id,
                o.name,
                o.subtype_name,
                picked.targets.contains(&o.id),
                text(format!("module_{}", o.id)),
                text(format!("module_credits_{}", o.id)),
            )
        })
        .collect();
    let ctx = PageCtx::new("制定转换规则", &a.session, Some(&inst(a)), "/institution/rules").await?;
    Ok(render(
        status,
        &NewRulePage {
            ctx,
            form,
            kinds: app::conversion::RULE_KINDS,
            source_q,
            source_options: sources,
            target_options: targets,
            errors,
        },
    ))
}

async fn new_rule_page(State(s): State<AppState>, a: InstitutionAuth) -> Result<Response, WebError> {
    a.require(Area::Rules)?;
    if !store::conversion::has_published_method(&s.app.db.pool, a.institution.id).await? {
        flash(&a.session, "error", "请先发布本机构的转换办法，再制定转换规则").await?;
        return Ok(Redirect::to("/institution/methods").into_response());
    }
    new_rule_form(
        &s,
        &a,
        RuleFormValues::default(),
        String::new(),
        &RuleForm::default(),
        &[],
        Shown::ok(),
    )
    .await
}

async fn create_rule(
    State(s): State<AppState>,
    a: InstitutionAuth,
    ClientIp(ip): ClientIp,
    form: CsrfMultipart,
) -> Result<Response, WebError> {
    a.require(Area::Rules)?;
    let ids = |key: &str| {
        form.fields
            .iter()
            .filter(|(k, _)| k == key)
            .filter_map(|(_, v)| v.parse::<i64>().ok())
            .collect::<Vec<_>>()
    };
    let targets = ids("target");
    let mut rf = RuleForm {
        name: form.text("name"),
        kind: form.text("kind"),
        sources: ids("source"),
        exemptions: targets
            .iter()
            .map(|t| {
                (
                    *t,
                    form.text(&format!("module_{t}")),
                    form.text(&format!("module_credits_{t}")),
                )
            })
            .collect(),
        targets,
        ratio: form.text("ratio"),
        explanation: form.text("explanation"),
        min_score: form.text("min_score"),
        max_age_years: form.text("max_age_years"),
        file_id: None,
    };
    let values = RuleFormValues {
        name: rf.name.clone(),
        kind: rf.kind.clone(),
        ratio: rf.ratio.clone(),
        explanation: rf.explanation.clone(),
        min_score: rf.min_score.clone(),
        max_age_years: rf.max_age_years.clone(),
    };
    if form.text("op") == "filter" {
        return new_rule_form(&s, &a, values, form.text("source_q"), &rf, &form.fields, Shown::ok()).await;
    }
    let result = async {
        rf.file_id = forms::upload(&s.app, &form, "file", app::files::Accept::Pdf, "institution", a.user.id).await?;
        app::conversion::create_rule(&s.app, a.institution.id, &rf, &inst(&a).actor(&ip)).await
    }
    .await;
    match result {
        Ok(id) => {
            flash(&a.session, "ok", "转换规则已保存（未提交），核对后可发布").await?;
            Ok(Redirect::to(&format!("/institution/rules/{id}")).into_response())
        }
        Err(e) => {
            new_rule_form(
                &s,
                &a,
                values,
                form.text("source_q"),
                &rf,
                &form.fields,
                Shown::from(&e),
            )
            .await
        }
    }
}

#[derive(Template)]
#[template(path = "conversion/rule.html")]
struct RulePage {
    ctx: PageCtx,
    rule: Rule,
    status_label: &'static str,
    conditions: String,
    sources: Vec<(String, String, String)>,
    targets: Vec<(String, String, String, String)>,
    own: bool,
    can_take_down: bool,
    can_apply: bool,
    file_base: &'static str,
    back: &'static str,
}

struct RuleView {
    own: bool,
    can_take_down: bool,
    can_apply: bool,
    back: &'static str,
}

async fn rule_page(s: &AppState, ctx: PageCtx, rule: Rule, v: RuleView) -> Result<Response, WebError> {
    let pool = &s.app.db.pool;
    let mut sources = Vec::new();
    for id in store::conversion::sources(pool, rule.id).await? {
        if let Some(o) = store::catalog::by_id(pool, id).await? {
            sources.push((o.name, o.institution_name, o.subtype_name));
        }
    }
    let mut targets = Vec::new();
    for t in store::conversion::targets(pool, rule.id).await? {
        if let Some(o) = store::catalog::by_id(pool, t.institution_outcome_id).await? {
            let credits = t
                .credits
                .or(o.credits)
                .map(|c| Credits(c).to_string())
                .unwrap_or_else(|| "-".into());
            targets.push((o.name, o.subtype_name, credits, t.note.unwrap_or_else(|| "-".into())));
        }
    }
    let mut conditions = Vec::new();
    if let Some(m) = rule.min_score {
        conditions.push(format!("成绩不低于{}", Credits(m)));
    }
    if let Some(y) = rule.max_age_years {
        conditions.push(format!("获得时间在{y}年以内"));
    }
    let conditions = if conditions.is_empty() {
        "持有全部源成果且已存储".to_string()
    } else {
        format!("持有全部源成果且已存储；{}", conditions.join("；"))
    };
    let status_label = app::conversion::rule_status_label(&rule.status);
    Ok(page(&RulePage {
        ctx,
        status_label,
        conditions,
        sources,
        targets,
        own: v.own,
        can_take_down: v.can_take_down,
        can_apply: v.can_apply,
        file_base: "/files/",
        back: v.back,
        rule,
    }))
}

async fn inst_rule(State(s): State<AppState>, a: InstitutionAuth, Path(id): Path<i64>) -> Result<Response, WebError> {
    a.require(Area::Rules)?;
    let rule = store::conversion::rule(&s.app.db.pool, id)
        .await?
        .ok_or_else(not_found)?;
    let own = rule.institution_id == a.institution.id;
    if !own && !store::conversion::uses_sources_of(&s.app.db.pool, id, a.institution.id).await? {
        return Err(not_found());
    }
    let ctx = PageCtx::new("转换规则", &a.session, Some(&inst(&a)), "/institution/rules").await?;
    rule_page(
        &s,
        ctx,
        rule,
        RuleView {
            own,
            can_take_down: false,
            can_apply: false,
            back: "/institution/rules",
        },
    )
    .await
}

async fn rule_action(
    State(s): State<AppState>,
    a: InstitutionAuth,
    Path((id, action)): Path<(i64, String)>,
    ClientIp(ip): ClientIp,
    CsrfForm(_, _): CsrfForm<serde::de::IgnoredAny>,
) -> Result<Response, WebError> {
    a.require(Area::Rules)?;
    let action = match action.as_str() {
        "publish" => RuleAction::Publish,
        "withdraw" => RuleAction::Withdraw,
        _ => return Err(not_found()),
    };
    match app::conversion::act_on_rule(&s.app, a.institution.id, id, action, &inst(&a).actor(&ip)).await {
        Ok(()) => {
            flash(
                &a.session,
                "ok",
                if action == RuleAction::Publish {
                    "规则已发布"
                } else {
                    "规则已撤回"
                },
            )
            .await?
        }
        Err(app::AppError::NotFound(m)) => return Err(WebError(app::AppError::NotFound(m))),
        Err(e) => flash(&a.session, "error", e.to_string()).await?,
    }
    Ok(Redirect::to(&format!("/institution/rules/{id}")).into_response())
}

#[derive(Template)]
#[template(path = "conversion/batch.html")]
struct BatchPage {
    ctx: PageCtx,
    rule_id: i64,
    rule_code: String,
    q: String,
    rows: Vec<(i64, String, String, String, String)>,
    pager: Pager,
}

#[derive(serde::Deserialize, Default)]
struct BatchQuery {
    #[serde(default)]
    q: String,
    #[serde(default = "first_page")]
    page: i64,
}

fn first_page() -> i64 {
    1
}

/// The learners holding a source outcome of the rule stored by this institution, a page
/// at a time, found by name or ID number.
async fn batch_page(
    State(s): State<AppState>,
    a: InstitutionAuth,
    Path(id): Path<i64>,
    Query(bq): Query<BatchQuery>,
) -> Result<Response, WebError> {
    a.require(Area::Rules)?;
    let rule = store::conversion::rule(&s.app.db.pool, id)
        .await?
        .ok_or_else(not_found)?;
    if !store::conversion::uses_sources_of(&s.app.db.pool, id, a.institution.id).await? {
        return Err(not_found());
    }
    let f = store::holdings::Filter {
        institution_outcome_ids: store::conversion::sources(&s.app.db.pool, id).await?,
        issuer_institution_id: Some(a.institution.id),
        statuses: vec!["stored"],
        learner: Some(bq.q.clone()),
        ..Default::default()
    };
    let result = store::holdings::list(&s.app.db, &f, bq.page, PER_PAGE).await?;
    // A learner holding two source outcomes is listed once on a page.
    let mut listed = std::collections::HashSet::new();
    let rows = result
        .rows
        .iter()
        .filter(|h| listed.insert(h.learner_id))
        .map(|h| {
            (
                h.learner_id,
                h.learner_name.clone(),
                mask::id_number(&h.learner_id_number),
                h.name.clone(),
                h.score.clone().unwrap_or_else(|| "-".into()),
            )
        })
        .collect();
    let path = format!("/institution/rules/{id}/batch");
    let pager = Pager::new(result.total, bq.page, &path, &[("q", &bq.q)]);
    let ctx = PageCtx::new("申请转换", &a.session, Some(&inst(&a)), "/institution/rules").await?;
    Ok(page(&BatchPage {
        ctx,
        rule_id: id,
        rule_code: rule.code,
        q: bq.q,
        rows,
        pager,
    }))
}

async fn batch_apply(
    State(s): State<AppState>,
    a: InstitutionAuth,
    Path(id): Path<i64>,
    ClientIp(ip): ClientIp,
    CsrfForm(_, pairs): CsrfForm<serde::de::IgnoredAny>,
) -> Result<Response, WebError> {
    a.require(Area::Rules)?;
    match app::conversion::batch_apply(&s.app, a.institution.id, id, &forms::ids(&pairs), &inst(&a).actor(&ip)).await {
        Ok((made, skipped)) if skipped.is_empty() => {
            flash(&a.session, "ok", format!("已为{made}名学员申请转换")).await?
        }
        Ok((made, skipped)) => {
            flash(
                &a.session,
                "ok",
                format!("已为{made}名学员申请转换；{}不满足条件或已申请", skipped.join("、")),
            )
            .await?
        }
        Err(app::AppError::NotFound(m)) => return Err(WebError(app::AppError::NotFound(m))),
        Err(e) => flash(&a.session, "error", e.to_string()).await?,
    }
    Ok(Redirect::to(&format!("/institution/rules/{id}/batch")).into_response())
}

// ---------------------------------------------------------------- applications

struct AppRow {
    id: i64,
    code: String,
    rule: String,
    learner: String,
    id_number: String,
    initiator: &'static str,
    created: String,
    status: String,
    status_label: &'static str,
    history: String,
    files: Vec<(i64, String)>,
}

#[derive(Template)]
#[template(path = "conversion/applications.html")]
struct AppsPage {
    ctx: PageCtx,
    heading: &'static str,
    tabs: Vec<(String, String, bool)>,
    rows: Vec<AppRow>,
    empty: &'static str,
    action: &'static str,
    reviewing: bool,
    /// Learner records offer a conversion certificate for passed applications.
    certificates: bool,
    /// Institution lists offer an SMS-verified export of this tab.
    export_tab: Option<&'static str>,
    /// Records pages filter by date and initiator: (path, tab, from, to, initiator).
    filter: Option<(&'static str, String, String, String, String)>,
    opinion: String,
    errors: FormErrors,
    pager: Pager,
}

async fn app_rows(
    s: &AppState,
    f: &ApplicationFilter,
    page_no: i64,
    full_id: bool,
) -> Result<(Vec<AppRow>, i64), WebError> {
    let result = store::conversion::applications(&s.app.db, f, page_no.max(1), PER_PAGE).await?;
    let mut rows = Vec::new();
    for a in result.rows {
        let history = store::conversion::application_reviews(&s.app.db.pool, a.id)
            .await?
            .into_iter()
            .map(|r| {
                let stage = match r.stage.as_str() {
                    "initial" => "初审",
                    "final" => "终审",
                    _ => "审核",
                };
                let d = if r.decision == "pass" { "通过" } else { "不通过" };
                format!(
                    "{stage}{d}（{}）{}",
                    r.reviewer_name.unwrap_or_default(),
                    r.opinion
                        .filter(|o| !o.is_empty())
                        .map(|o| format!("：{o}"))
                        .unwrap_or_default()
                )
            })
            .collect::<Vec<_>>()
            .join("；");
        rows.push(AppRow {
            id: a.id,
            code: a.rule_code,
            rule: a.rule_name,
            learner: a.learner_name,
            id_number: if full_id {
                a.learner_id_number
            } else {
                mask::id_number(&a.learner_id_number)
            },
            initiator: if a.initiator == "institution" {
                "机构发起"
            } else {
                "个人申请"
            },
            created: datetime(a.created_at),
            status_label: app::conversion::status_label(&a.status),
            status: a.status,
            history: if history.is_empty() { "-".into() } else { history },
            files: store::conversion::files_of(&s.app.db.pool, a.id).await?,
        });
    }
    Ok((rows, result.total))
}

#[derive(serde::Deserialize)]
struct Decision {
    #[serde(default)]
    decision: String,
    #[serde(default)]
    opinion: String,
}

/// Ticked ids, or every application the reviewer has pending when none is ticked.
async fn picked(s: &AppState, f: &ApplicationFilter, pairs: &[(String, String)]) -> Result<Vec<i64>, WebError> {
    let ids = forms::ids(pairs);
    if !ids.is_empty() {
        return Ok(ids);
    }
    Ok(store::conversion::applications(&s.app.db, f, 1, 1000)
        .await?
        .rows
        .into_iter()
        .map(|a| a.id)
        .collect())
}

fn tab(label: &str, href: &str, on: bool) -> (String, String, bool) {
    (label.to_string(), href.to_string(), on)
}

async fn inst_review_page(
    s: &AppState,
    a: &InstitutionAuth,
    q: &TabQuery,
    opinion: String,
    errors: FormErrors,
    status: StatusCode,
) -> Result<Response, WebError> {
    let initiator = if q.tab == "batch" { "institution" } else { "learner" };
    let f = ApplicationFilter {
        target_institution_id: Some(a.institution.id),
        statuses: vec!["pending"],
        initiator: Some(initiator),
        ..Default::default()
    };
    let (rows, total) = app_rows(s, &f, q.page, false).await?;
    let ctx = PageCtx::new(
        "转换申请审核",
        &a.session,
        Some(&inst(a)),
        "/institution/conversions/review",
    )
    .await?;
    let single = app::conversion::chain(&s.app).await? == app::conversion::Chain::Single;
    Ok(render(
        status,
        &AppsPage {
            ctx,
            heading: "转换申请审核",
            tabs: vec![
                tab("个人申请", "/institution/conversions/review", q.tab != "batch"),
                tab(
                    "机构发起",
                    "/institution/conversions/review?tab=batch",
                    q.tab == "batch",
                ),
            ],
            rows,
            empty: if single {
                "暂无待审核的转换申请。"
            } else {
                "本学分银行的转换申请由综合管理部门初审、专家终审。"
            },
            action: if q.tab == "batch" {
                "/institution/conversions/review?tab=batch"
            } else {
                "/institution/conversions/review"
            },
            reviewing: single,
            certificates: false,
            export_tab: Some("review"),
            filter: None,
            opinion,
            errors,
            pager: Pager::new(total, q.page, "/institution/conversions/review", &[("tab", &q.tab)]),
        },
    ))
}

async fn inst_review(
    State(s): State<AppState>,
    a: InstitutionAuth,
    Query(q): Query<TabQuery>,
) -> Result<Response, WebError> {
    a.require(Area::Conversion)?;
    inst_review_page(&s, &a, &q, String::new(), FormErrors::default(), StatusCode::OK).await
}

async fn inst_decide(
    State(s): State<AppState>,
    a: InstitutionAuth,
    Query(q): Query<TabQuery>,
    ClientIp(ip): ClientIp,
    CsrfForm(f, pairs): CsrfForm<Decision>,
) -> Result<Response, WebError> {
    a.require(Area::Conversion)?;
    let initiator = if q.tab == "batch" { "institution" } else { "learner" };
    let filter = ApplicationFilter {
        target_institution_id: Some(a.institution.id),
        statuses: vec!["pending"],
        initiator: Some(initiator),
        ..Default::default()
    };
    let ids = picked(&s, &filter, &pairs).await?;
    match app::conversion::review(
        &s.app,
        Reviewer::Institution(a.institution.id),
        &ids,
        f.decision == "pass",
        &f.opinion,
        &inst(&a).actor(&ip),
    )
    .await
    {
        Ok(n) => {
            flash(&a.session, "ok", format!("已审核{n}条申请")).await?;
            Ok(Redirect::to("/institution/conversions/review").into_response())
        }
        Err(app::AppError::NotFound(m)) => Err(WebError(app::AppError::NotFound(m))),
        Err(e) => inst_review_page(&s, &a, &q, f.opinion, FormErrors::from_error(&e), form_status(&e)).await,
    }
}

async fn inst_records(
    State(s): State<AppState>,
    a: InstitutionAuth,
    Query(q): Query<TabQuery>,
) -> Result<Response, WebError> {
    a.require(Area::Conversion)?;
    let f = if q.tab == "sent" {
        ApplicationFilter {
            initiator_institution_id: Some(a.institution.id),
            ..Default::default()
        }
    } else {
        ApplicationFilter {
            target_institution_id: Some(a.institution.id),
            ..Default::default()
        }
    };
    let (rows, total) = app_rows(&s, &q.narrow(f), q.page, false).await?;
    let ctx = PageCtx::new(
        "转换记录",
        &a.session,
        Some(&inst(&a)),
        "/institution/conversions/records",
    )
    .await?;
    Ok(page(&AppsPage {
        ctx,
        heading: "转换记录",
        tabs: vec![
            tab("机构接收", "/institution/conversions/records", q.tab != "sent"),
            tab("机构发起", "/institution/conversions/records?tab=sent", q.tab == "sent"),
        ],
        rows,
        empty: "暂无转换记录。",
        action: "",
        reviewing: false,
        certificates: false,
        export_tab: Some(if q.tab == "sent" { "sent" } else { "received" }),
        filter: Some((
            "/institution/conversions/records",
            q.tab.clone(),
            q.from.clone(),
            q.to.clone(),
            q.initiator.clone(),
        )),
        opinion: String::new(),
        errors: FormErrors::default(),
        pager: Pager::new(total, q.page, "/institution/conversions/records", &[("tab", &q.tab)]),
    }))
}

async fn two_stage_page(
    s: &AppState,
    ctx: PageCtx,
    heading: &'static str,
    f: &ApplicationFilter,
    action: &'static str,
    opinion: String,
    shown: Shown,
) -> Result<Response, WebError> {
    let Shown { errors, status } = shown;
    let (rows, total) = app_rows(s, f, 1, false).await?;
    let two = app::conversion::chain(&s.app).await? == app::conversion::Chain::TwoStage;
    Ok(render(
        status,
        &AppsPage {
            ctx,
            heading,
            tabs: Vec::new(),
            rows,
            empty: if two {
                "暂无待审核的转换申请。"
            } else {
                "本学分银行的转换申请由目标机构审核。"
            },
            action,
            reviewing: two,
            certificates: false,
            export_tab: None,
            filter: None,
            opinion,
            errors,
            pager: Pager::new(total, 1, action, &[]),
        },
    ))
}

fn dept_filter(a: &DepartmentAuth) -> ApplicationFilter {
    ApplicationFilter {
        departments: Some(a.scope.clone()),
        statuses: vec!["pending"],
        ..Default::default()
    }
}

async fn dept_review(State(s): State<AppState>, a: DepartmentAuth) -> Result<Response, WebError> {
    let ctx = PageCtx::new("转换申请初审", &a.session, Some(&dept(&a)), "/department/conversions").await?;
    two_stage_page(
        &s,
        ctx,
        "转换申请初审",
        &dept_filter(&a),
        "/department/conversions",
        String::new(),
        Shown::ok(),
    )
    .await
}

async fn dept_decide(
    State(s): State<AppState>,
    a: DepartmentAuth,
    ClientIp(ip): ClientIp,
    CsrfForm(f, pairs): CsrfForm<Decision>,
) -> Result<Response, WebError> {
    let ids = picked(&s, &dept_filter(&a), &pairs).await?;
    match app::conversion::review(
        &s.app,
        Reviewer::Department(&a.scope),
        &ids,
        f.decision == "pass",
        &f.opinion,
        &dept(&a).actor(&ip),
    )
    .await
    {
        Ok(n) => {
            flash(&a.session, "ok", format!("已初审{n}条申请")).await?;
            Ok(Redirect::to("/department/conversions").into_response())
        }
        Err(app::AppError::NotFound(m)) => Err(WebError(app::AppError::NotFound(m))),
        Err(e) => {
            let ctx = PageCtx::new("转换申请初审", &a.session, Some(&dept(&a)), "/department/conversions").await?;
            two_stage_page(
                &s,
                ctx,
                "转换申请初审",
                &dept_filter(&a),
                "/department/conversions",
                f.opinion,
                Shown::from(&e),
            )
            .await
        }
    }
}

fn expert_filter() -> ApplicationFilter {
    ApplicationFilter {
        statuses: vec!["initial_passed"],
        ..Default::default()
    }
}

async fn expert_review(State(s): State<AppState>, a: ExpertAuth) -> Result<Response, WebError> {
    let ctx = PageCtx::new(
        "转换申请终审",
        &a.session,
        Some(&Principal::Expert(a.user.clone())),
        "/expert/conversions",
    )
    .await?;
    two_stage_page(
        &s,
        ctx,
        "转换申请终审",
        &expert_filter(),
        "/expert/conversions",
        String::new(),
        Shown::ok(),
    )
    .await
}

async fn expert_decide(
    State(s): State<AppState>,
    a: ExpertAuth,
    ClientIp(ip): ClientIp,
    CsrfForm(f, pairs): CsrfForm<Decision>,
) -> Result<Response, WebError> {
    let ids = picked(&s, &expert_filter(), &pairs).await?;
    let who = Principal::Expert(a.user.clone());
    match app::conversion::review(
        &s.app,
        Reviewer::Expert,
        &ids,
        f.decision == "pass",
        &f.opinion,
        &who.actor(&ip),
    )
    .await
    {
        Ok(n) => {
            flash(&a.session, "ok", format!("已终审{n}条申请")).await?;
            Ok(Redirect::to("/expert/conversions").into_response())
        }
        Err(app::AppError::NotFound(m)) => Err(WebError(app::AppError::NotFound(m))),
        Err(e) => {
            let ctx = PageCtx::new("转换申请终审", &a.session, Some(&who), "/expert/conversions").await?;
            two_stage_page(
                &s,
                ctx,
                "转换申请终审",
                &expert_filter(),
                "/expert/conversions",
                f.opinion,
                Shown::from(&e),
            )
            .await
        }
    }
}

// ---------------------------------------------------------------- learner

struct MatchRow {
    id: i64,
    code: String,
    name: String,
    institution: String,
    uses: String,
    gains: String,
}

#[derive(Template)]
#[template(path = "conversion/learner_rules.html")]
struct LearnerRulesPage {
    ctx: PageCtx,
    rows: Vec<MatchRow>,
    outcomes: Vec<(String, usize, usize)>,
    /// The two-stage chain asks for materials with each application.
    materials: bool,
}

async fn learner_rules(State(s): State<AppState>, a: LearnerAuth) -> Result<Response, WebError> {
    let pool = &s.app.db.pool;
    let found = app::conversion::matches(&s.app, a.learner.id).await?;
    let mut rows = Vec::new();
    for (r, m) in &found {
        let mut uses = Vec::new();
        for h in &m.holdings {
            if let Some(h) = store::holdings::by_id(pool, *h).await? {
                uses.push(h.name);
            }
        }
        let mut gains = Vec::new();
        for t in &m.new_targets {
            if let Some(o) = store::catalog::by_id(pool, *t).await? {
                gains.push(o.name);
            }
        }
        rows.push(MatchRow {
            id: r.id,
            code: r.code.clone(),
            name: r.name.clone(),
            institution: r.institution_name.clone(),
            uses: uses.join("、"),
            gains: gains.join("、"),
        });
    }
    // Per stored outcome: how many rules apply now and how many it was used by.
    let f = store::holdings::Filter {
        learner_id: Some(a.learner.id),
        statuses: vec!["stored"],
        ..Default::default()
    };
    let consumed = store::conversion::consumed(pool, a.learner.id).await?;
    let outcomes = store::holdings::list(&s.app.db, &f, 1, 500)
        .await?
        .rows
        .into_iter()
        .map(|h| {
            let applies = found.iter().filter(|(_, m)| m.holdings.contains(&h.id)).count();
            let used = consumed.iter().filter(|(_, hid)| *hid == h.id).count();
            (h.name, applies, used)
        })
        .collect();
    let ctx = PageCtx::new(
        "成果转换",
        &a.session,
        Some(&Principal::Learner(a.learner.clone())),
        "/learner/conversions/rules",
    )
    .await?;
    let materials = app::conversion::chain(&s.app).await? == app::conversion::Chain::TwoStage;
    Ok(page(&LearnerRulesPage {
        ctx,
        rows,
        outcomes,
        materials,
    }))
}

async fn learner_apply(
    State(s): State<AppState>,
    a: LearnerAuth,
    ClientIp(ip): ClientIp,
    form: CsrfMultipart,
) -> Result<Response, WebError> {
    let rule: i64 = form.text("rule").parse().map_err(|_| not_found())?;
    let result = async {
        let mut materials = Vec::new();
        for (_, name, bytes) in form.files.iter().filter(|f| f.0 == "file") {
            materials.push(
                app::files::save(
                    &s.app,
                    "file",
                    name,
                    bytes,
                    app::files::Accept::Evidence,
                    "learner",
                    a.learner.id,
                )
                .await?,
            );
        }
        app::conversion::apply(
            &s.app,
            &a.learner,
            rule,
            &materials,
            &Principal::Learner(a.learner.clone()).actor(&ip),
        )
        .await
    }
    .await;
    match result {
        Ok(_) => {
            flash(&a.session, "ok", "转换申请已提交，等待审核").await?;
            Ok(Redirect::to("/learner/conversions?tab=pending").into_response())
        }
        Err(app::AppError::NotFound(m)) => Err(WebError(app::AppError::NotFound(m))),
        Err(e) => {
            flash(&a.session, "error", e.to_string()).await?;
            Ok(Redirect::to("/learner/conversions/rules").into_response())
        }
    }
}

async fn learner_records(
    State(s): State<AppState>,
    a: LearnerAuth,
    Query(q): Query<TabQuery>,
) -> Result<Response, WebError> {
    let statuses: Vec<&'static str> = match q.tab.as_str() {
        "pending" => vec!["pending", "initial_passed"],
        "failed" => vec!["failed"],
        _ => vec!["passed"],
    };
    let base = ApplicationFilter {
        learner_id: Some(a.learner.id),
        ..Default::default()
    };
    let mut counts = Vec::new();
    for st in [vec!["passed"], vec!["pending", "initial_passed"], vec!["failed"]] {
        counts.push(
            store::conversion::applications(
                &s.app.db,
                &ApplicationFilter {
                    statuses: st,
                    ..base.clone()
                },
                1,
                1,
            )
            .await?
            .total,
        );
    }
    let (rows, total) = app_rows(&s, &q.narrow(ApplicationFilter { statuses, ..base }), q.page, true).await?;
    let ctx = PageCtx::new(
        "转换记录",
        &a.session,
        Some(&Principal::Learner(a.learner.clone())),
        "/learner/conversions",
    )
    .await?;
    let current = if q.tab.is_empty() { "passed" } else { q.tab.as_str() };
    Ok(page(&AppsPage {
        ctx,
        heading: "转换记录",
        tabs: vec![
            tab(
                &format!("转换成功 {}", counts[0]),
                "/learner/conversions?tab=passed",
                current == "passed",
            ),
            tab(
                &format!("审核中 {}", counts[1]),
                "/learner/conversions?tab=pending",
                current == "pending",
            ),
            tab(
                &format!("转换失败 {}", counts[2]),
                "/learner/conversions?tab=failed",
                current == "failed",
            ),
        ],
        rows,
        empty: "暂无转换记录。在“成果转换”中查看可申请的规则。",
        action: "",
        reviewing: false,
        certificates: true,
        export_tab: None,
        filter: Some((
            "/learner/conversions",
            q.tab.clone(),
            q.from.clone(),
            q.to.clone(),
            q.initiator.clone(),
        )),
        opinion: String::new(),
        errors: FormErrors::default(),
        pager: Pager::new(total, q.page, "/learner/conversions", &[("tab", &q.tab)]),
    }))
}

async fn learner_rule(State(s): State<AppState>, a: LearnerAuth, Path(id): Path<i64>) -> Result<Response, WebError> {
    let rule = store::conversion::rule(&s.app.db.pool, id)
        .await?
        .filter(|r| r.status == "published")
        .ok_or_else(not_found)?;
    let can_apply = app::conversion::matches(&s.app, a.learner.id)
        .await?
        .iter()
        .any(|(r, _)| r.id == id);
    let ctx = PageCtx::new(
        "转换规则",
        &a.session,
        Some(&Principal::Learner(a.learner.clone())),
        "/learner/conversions/rules",
    )
    .await?;
    rule_page(
        &s,
        ctx,
        rule,
        RuleView {
            own: false,
            can_take_down: false,
            can_apply,
            back: "/learner/conversions/rules",
        },
    )
    .await
}

// ---------------------------------------------------------------- department rules

#[derive(Template)]
#[template(path = "conversion/rules.html")]
struct DeptRulesPage {
    ctx: PageCtx,
    base: &'static str,
    tab: String,
    rows: Vec<RuleRow>,
    pager: Pager,
}

async fn dept_rules(
    State(s): State<AppState>,
    a: DepartmentAuth,
    Query(q): Query<TabQuery>,
) -> Result<Response, WebError> {
    let f = RuleFilter {
        departments: Some(a.scope.clone()),
        statuses: vec!["published", "taken_down"],
        ..Default::default()
    };
    let result = store::conversion::rules(&s.app.db, &f, q.page.max(1), PER_PAGE).await?;
    let pager = Pager::new(result.total, q.page, "/department/rules", &[]);
    let rows = rule_rows(result.rows);
    let ctx = PageCtx::new("转换规则管理", &a.session, Some(&dept(&a)), "/department/rules").await?;
    Ok(page(&DeptRulesPage {
        ctx,
        base: "/department/rules",
        tab: "department".into(),
        rows,
        pager,
    }))
}

async fn dept_rule(State(s): State<AppState>, a: DepartmentAuth, Path(id): Path<i64>) -> Result<Response, WebError> {
    let rule = store::conversion::rule(&s.app.db.pool, id)
        .await?
        .ok_or_else(not_found)?;
    let inst = store::institutions::by_id(&s.app.db.pool, rule.institution_id).await?;
    if !inst.is_some_and(|i| a.scope.contains(&i.department_id)) {
        return Err(not_found());
    }
    let can_take_down = rule.status == "published";
    let ctx = PageCtx::new("转换规则", &a.session, Some(&dept(&a)), "/department/rules").await?;
    rule_page(
        &s,
        ctx,
        rule,
        RuleView {
            own: false,
            can_take_down,
            can_apply: false,
            back: "/department/rules",
        },
    )
    .await
}

#[derive(serde::Deserialize)]
struct ReasonForm {
    #[serde(default)]
    reason: String,
}

async fn take_down(
    State(s): State<AppState>,
    a: DepartmentAuth,
    Path(id): Path<i64>,
    ClientIp(ip): ClientIp,
    CsrfForm(f, _): CsrfForm<ReasonForm>,
) -> Result<Response, WebError> {
    let result = app::conversion::take_down(&s.app, &a.scope, id, &f.reason, &dept(&a).actor(&ip))
        .await
        .map(|()| "规则已下架".to_string());
    flash_outcome(&a.session, result, &format!("/department/rules/{id}")).await
}

// ---------------------------------------------------------------- public

#[derive(serde::Deserialize, Default)]
struct PublicQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    page: i64,
}

#[derive(Template)]
#[template(path = "conversion/public_rules.html")]
struct PublicRulesPage {
    ctx: PageCtx,
    q: String,
    rows: Vec<(i64, String, String, String, String, String)>,
    methods: Vec<(String, String, String)>,
    pager: Pager,
}

async fn public_rules(
    State(s): State<AppState>,
    session: Session,
    Query(q): Query<PublicQuery>,
) -> Result<Response, WebError> {
    let who = extract::principal(&session, &s).await?;
    let f = RuleFilter {
        statuses: vec!["published"],
        name: Some(q.q.chars().take(50).collect()),
        ..Default::default()
    };
    let result = store::conversion::rules(&s.app.db, &f, q.page.max(1), PER_PAGE).await?;
    let rows = result
        .rows
        .into_iter()
        .map(|r| {
            (
                r.id,
                r.code,
                r.name,
                r.kind,
                r.institution_name,
                r.published_at.map(datetime).unwrap_or_default(),
            )
        })
        .collect();
    let methods = store::conversion::published_methods(&s.app.db.pool)
        .await?
        .into_iter()
        .map(|m| {
            (
                m.title,
                m.institution_name,
                m.published_at.map(datetime).unwrap_or_default(),
            )
        })
        .collect();
    let pager = Pager::new(result.total, q.page, "/rules", &[("q", &q.q)]);
    Ok(page(&PublicRulesPage {
        ctx: PageCtx::new("转换规则", &session, who.as_ref(), "").await?,
        q: q.q,
        rows,
        methods,
        pager,
    }))
}

async fn public_rule(State(s): State<AppState>, session: Session, Path(id): Path<i64>) -> Result<Response, WebError> {
    let who = extract::principal(&session, &s).await?;
    let rule = store::conversion::rule(&s.app.db.pool, id)
        .await?
        .filter(|r| r.status == "published")
        .ok_or_else(not_found)?;
    let ctx = PageCtx::new("转换规则", &session, who.as_ref(), "").await?;
    rule_page(
        &s,
        ctx,
        rule,
        RuleView {
            own: false,
            can_take_down: false,
            can_apply: false,
            back: "/rules",
        },
    )
    .await
}

#[derive(serde::Deserialize)]
struct ExportForm {
    #[serde(default)]
    tab: String,
    #[serde(default)]
    sms_code: String,
}

/// I-09/I-10: exports the records of a tab as .xlsx after an SMS code.
async fn inst_export(
    State(s): State<AppState>,
    a: InstitutionAuth,
    ClientIp(ip): ClientIp,
    CsrfForm(f, _): CsrfForm<ExportForm>,
) -> Result<Response, WebError> {
    a.require(Area::Conversion)?;
    let filter = match f.tab.as_str() {
        "sent" => ApplicationFilter {
            initiator_institution_id: Some(a.institution.id),
            ..Default::default()
        },
        "review" => ApplicationFilter {
            target_institution_id: Some(a.institution.id),
            statuses: vec!["pending"],
            ..Default::default()
        },
        _ => ApplicationFilter {
            target_institution_id: Some(a.institution.id),
            ..Default::default()
        },
    };
    let headers = [
        "申请编号",
        "规则编号",
        "规则名称",
        "学员",
        "身份证号",
        "发起方",
        "申请时间",
        "状态",
        "审核记录",
    ];
    let written = async {
        let mut out = app::export::Export::start(&s.app, &a.user, &f.sms_code, &headers).await?;
        for page_no in 1..=5000 {
            let (rows, _) = app_rows(&s, &filter, page_no, false).await.map_err(|e| e.0)?;
            if rows.is_empty() {
                break;
            }
            for r in rows {
                out.push(&[
                    r.id.to_string(),
                    r.code,
                    r.rule,
                    r.learner,
                    r.id_number,
                    r.initiator.to_string(),
                    r.created,
                    r.status_label.to_string(),
                    r.history,
                ])?;
            }
        }
        out.finish(&s.app, "conversion_records", &inst(&a).actor(&ip)).await
    };
    let written: Result<Vec<u8>, app::AppError> = written.await;
    match written {
        Ok(bytes) => Ok((
            [
                (
                    axum::http::header::CONTENT_TYPE,
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
                ),
                (
                    axum::http::header::CONTENT_DISPOSITION,
                    "attachment; filename=\"conversion-records.xlsx\"".to_string(),
                ),
            ],
            bytes,
        )
            .into_response()),
        Err(e) => {
            flash(&a.session, "error", e.to_string()).await?;
            let back = if f.tab == "review" {
                "/institution/conversions/review".to_string()
            } else {
                format!("/institution/conversions/records?tab={}", f.tab)
            };
            Ok(Redirect::to(&back).into_response())
        }
    }
}
