//! 转换规则管理 (I-08): the institution's rules (我发布的 / 与我相关), making a rule, publishing
//! and withdrawing it, and applying for a batch of its learners under a related rule.

use app::conversion::{RuleAction, RuleForm};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use domain::ids::{CatalogOutcomeId, LearnerId, RuleId};
use domain::mask;
use domain::role::Area;

use crate::AppState;
use app::queries::CatalogFilter;
use app::queries::conversion::RuleList;

use crate::kit::conversion::*;
use crate::kit::error::WebError;
use crate::kit::extract::{ClientIp, CsrfForm, InstitutionAuth};
use crate::kit::forms::{self, CsrfMultipart, PER_PAGE, Pager};
use crate::kit::views::{FormErrors, PageCtx, flash, flash_outcome, page, render};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/institution/rules", get(rules))
        .route("/institution/rules/new", get(new_rule_page).post(create_rule))
        .route("/institution/rules/{id}/edit", get(edit_rule_page).post(update_rule))
        .route("/institution/rules/{id}", get(inst_rule))
        .route("/institution/rules/{id}/batch", get(batch_page).post(batch_apply))
        .route("/institution/rules/{id}/{action}", post(rule_action))
}

async fn rules(
    State(s): State<AppState>,
    a: InstitutionAuth,
    Query(q): Query<RuleQuery>,
) -> Result<Response, WebError> {
    a.require(Area::Rules)?;
    let list = if q.tab == "related" {
        RuleList::Related(a.institution.id)
    } else {
        RuleList::Mine(a.institution.id)
    };
    let result = app::queries::conversion::rules_matching(&s.app, list, &q.search(), q.page.max(1), PER_PAGE).await?;
    let ctx = PageCtx::new("转换规则管理", &a.session, Some(&inst(&a)), "/institution/rules").await?;
    let tab = q.tab.clone();
    let mine = app::queries::conversion::rules(&s.app, RuleList::Mine(a.institution.id), 1, 1)
        .await?
        .total;
    let related = app::queries::conversion::rules(&s.app, RuleList::Related(a.institution.id), 1, 1)
        .await?
        .total;
    Ok(page(&RulesPage {
        mine_count: mine,
        related_count: related,
        ..rules_page(ctx, "/institution/rules", &tab, q, result)
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
#[template(path = "institution/rule_new.html")]
struct NewRulePage {
    ctx: PageCtx,
    /// The rule being edited (修改), or none for a new one.
    editing: Option<RuleId>,
    form: RuleFormValues,
    kinds: [&'static str; 4],
    source_q: String,
    source_options: Vec<SourceOption>,
    target_options: Vec<TargetOption>,
    errors: FormErrors,
}

struct SourceOption {
    id: CatalogOutcomeId,
    name: String,
    institution: String,
    subtype: String,
    checked: bool,
}

struct TargetOption {
    id: CatalogOutcomeId,
    name: String,
    subtype: String,
    checked: bool,
    module: String,
    module_credits: String,
}

#[allow(clippy::too_many_arguments)]
async fn new_rule_form(
    s: &AppState,
    a: &InstitutionAuth,
    editing: Option<RuleId>,
    form: RuleFormValues,
    source_q: String,
    picked: &RuleForm,
    pairs: &[(String, String)],
    shown: Shown,
) -> Result<Response, WebError> {
    let Shown { errors, status } = shown;
    let f = CatalogFilter {
        name: Some(source_q.clone()).filter(|q| !q.trim().is_empty()),
        ..Default::default()
    };
    let option = |o: app::queries::CatalogOutcome, checked: bool| SourceOption {
        id: o.id,
        name: o.name,
        institution: o.institution_name,
        subtype: o.subtype_name,
        checked,
    };
    let mut sources: Vec<SourceOption> = app::queries::catalog::search(&s.app, &f, 1, 100)
        .await?
        .rows
        .into_iter()
        .map(|o| {
            let checked = picked.sources.contains(&o.id);
            option(o, checked)
        })
        .collect();
    // Keep ticked sources visible even when the filter hides them.
    let hidden: Vec<CatalogOutcomeId> = picked
        .sources
        .iter()
        .copied()
        .filter(|id| !sources.iter().any(|x| x.id == *id))
        .collect();
    for o in app::queries::catalog::many(&s.app, &hidden).await? {
        sources.insert(0, option(o, true));
    }
    let text = |k: String| {
        pairs
            .iter()
            .find(|(n, _)| *n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let targets = app::queries::catalog::of_institution(&s.app, a.institution.id, CatalogFilter::default(), 1, 500)
        .await?
        .rows
        .into_iter()
        .map(|o| TargetOption {
            checked: picked.targets.contains(&o.id),
            module: text(format!("module_{}", o.id)),
            module_credits: text(format!("module_credits_{}", o.id)),
            id: o.id,
            name: o.name,
            subtype: o.subtype_name,
        })
        .collect();
    let title = if editing.is_some() {
        "修改转换规则"
    } else {
        "制定转换规则"
    };
    let ctx = PageCtx::new(title, &a.session, Some(&inst(a)), "/institution/rules").await?;
    Ok(render(
        status,
        &NewRulePage {
            ctx,
            editing,
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
    if !app::queries::conversion::has_published_method(&s.app, a.institution.id).await? {
        flash(&a.session, "error", "请先发布本机构的转换办法，再制定转换规则").await?;
        return Ok(Redirect::to("/institution/methods").into_response());
    }
    new_rule_form(
        &s,
        &a,
        None,
        RuleFormValues::default(),
        String::new(),
        &RuleForm::default(),
        &[],
        Shown::ok(),
    )
    .await
}

/// The rule form of a multipart post, and the values to show again.
fn rule_form_of(form: &CsrfMultipart) -> (RuleForm, RuleFormValues) {
    let ids = |key: &str| {
        form.fields
            .iter()
            .filter(|(k, _)| k == key)
            .filter_map(|(_, v)| v.parse::<CatalogOutcomeId>().ok())
            .collect::<Vec<_>>()
    };
    let targets = ids("target");
    let rf = RuleForm {
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
        document: None,
    };
    let values = RuleFormValues {
        name: rf.name.clone(),
        kind: rf.kind.clone(),
        ratio: rf.ratio.clone(),
        explanation: rf.explanation.clone(),
        min_score: rf.min_score.clone(),
        max_age_years: rf.max_age_years.clone(),
    };
    (rf, values)
}

/// Saves a new rule (`editing` None) or a draft's changes.
async fn save_rule(
    s: &AppState,
    a: &InstitutionAuth,
    ip: &str,
    editing: Option<RuleId>,
    form: CsrfMultipart,
) -> Result<Response, WebError> {
    a.require(Area::Rules)?;
    let (mut rf, values) = rule_form_of(&form);
    if form.text("op") == "filter" {
        return new_rule_form(
            s,
            a,
            editing,
            values,
            form.text("source_q"),
            &rf,
            &form.fields,
            Shown::ok(),
        )
        .await;
    }
    let result = async {
        rf.document = forms::upload(&s.app, &form, "file", app::files::Accept::Pdf).await?;
        let actor = inst(a).actor(ip);
        match editing {
            Some(id) => app::conversion::update_rule(&s.app, a.institution.id, id, &rf, &actor)
                .await
                .map(|()| id),
            None => app::conversion::create_rule(&s.app, a.institution.id, &rf, &actor).await,
        }
    }
    .await;
    match result {
        Ok(id) => {
            flash(&a.session, "ok", "转换规则已保存（未提交），核对后可发布").await?;
            Ok(Redirect::to(&format!("/institution/rules/{id}")).into_response())
        }
        Err(e @ app::AppError::NotFound(_)) => Err(WebError(e)),
        Err(e) => {
            new_rule_form(
                s,
                a,
                editing,
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

async fn create_rule(
    State(s): State<AppState>,
    a: InstitutionAuth,
    ClientIp(ip): ClientIp,
    form: CsrfMultipart,
) -> Result<Response, WebError> {
    save_rule(&s, &a, &ip, None, form).await
}

async fn update_rule(
    State(s): State<AppState>,
    a: InstitutionAuth,
    ClientIp(ip): ClientIp,
    Path(id): Path<RuleId>,
    form: CsrfMultipart,
) -> Result<Response, WebError> {
    save_rule(&s, &a, &ip, Some(id), form).await
}

/// 修改: the form of a draft rule, filled in with what it says now.
async fn edit_rule_page(
    State(s): State<AppState>,
    a: InstitutionAuth,
    Path(id): Path<RuleId>,
) -> Result<Response, WebError> {
    a.require(Area::Rules)?;
    let rule = app::queries::conversion::rule(&s.app, Some(&inst(&a)), id).await?;
    if rule.institution_id != a.institution.id {
        return Err(not_found());
    }
    if !rule.status.editable() {
        flash(
            &a.session,
            "error",
            format!("规则当前为“{}”，只有未提交的规则可以修改", rule.status.label()),
        )
        .await?;
        return Ok(Redirect::to(&format!("/institution/rules/{id}")).into_response());
    }
    let d = app::queries::conversion::rule_detail(&s.app, &rule).await?;
    let picked = RuleForm {
        sources: d.sources.iter().map(|o| o.id).collect(),
        targets: d.targets.iter().map(|(t, _)| t.institution_outcome_id).collect(),
        ..Default::default()
    };
    let pairs: Vec<(String, String)> = d
        .targets
        .iter()
        .flat_map(|(t, _)| {
            let id = t.institution_outcome_id;
            [
                (format!("module_{id}"), t.note.clone().unwrap_or_default()),
                (
                    format!("module_credits_{id}"),
                    t.credits
                        .map(|c| domain::credits::Credits(c).to_string())
                        .unwrap_or_default(),
                ),
            ]
        })
        .collect();
    let values = RuleFormValues {
        name: rule.name,
        kind: rule.kind,
        ratio: rule.ratio,
        explanation: rule.explanation,
        min_score: rule
            .min_score
            .map(|c| domain::credits::Credits(c).to_string())
            .unwrap_or_default(),
        max_age_years: rule.max_age_years.map(|y| y.to_string()).unwrap_or_default(),
    };
    new_rule_form(&s, &a, Some(id), values, String::new(), &picked, &pairs, Shown::ok()).await
}

async fn inst_rule(
    State(s): State<AppState>,
    a: InstitutionAuth,
    Path(id): Path<RuleId>,
) -> Result<Response, WebError> {
    a.require(Area::Rules)?;
    let rule = app::queries::conversion::rule(&s.app, Some(&inst(&a)), id).await?;
    let own = rule.institution_id == a.institution.id;
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
    Path((id, action)): Path<(RuleId, String)>,
    ClientIp(ip): ClientIp,
    CsrfForm(_, _): CsrfForm<serde::de::IgnoredAny>,
) -> Result<Response, WebError> {
    a.require(Area::Rules)?;
    if action == "delete" {
        let result = app::conversion::delete_rule(&s.app, a.institution.id, id, &inst(&a).actor(&ip)).await;
        return flash_outcome(
            &a.session,
            result.map(|()| "规则已删除".to_string()),
            "/institution/rules",
        )
        .await;
    }
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
                    "规则已撤回，回到“未提交”状态，可修改或删除"
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
#[template(path = "institution/batch.html")]
struct BatchPage {
    ctx: PageCtx,
    rule_id: RuleId,
    rule_code: String,
    q: String,
    rows: Vec<BatchRow>,
    pager: Pager,
}

struct BatchRow {
    learner_id: LearnerId,
    name: String,
    id_number: String,
    outcome: String,
    score: String,
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
    Path(id): Path<RuleId>,
    Query(bq): Query<BatchQuery>,
) -> Result<Response, WebError> {
    a.require(Area::Rules)?;
    let (rule, result) =
        app::queries::conversion::batch_candidates(&s.app, &inst(&a), id, &bq.q, bq.page, PER_PAGE).await?;
    // A learner holding two source outcomes is listed once on a page.
    let mut listed = std::collections::HashSet::new();
    let rows = result
        .rows
        .iter()
        .filter(|h| listed.insert(h.learner_id))
        .map(|h| BatchRow {
            learner_id: h.learner_id,
            name: h.learner_name.clone(),
            id_number: mask::id_number(&h.learner_id_number),
            outcome: h.name.clone(),
            score: h.score.clone().unwrap_or_else(|| "-".into()),
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
    Path(id): Path<RuleId>,
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
