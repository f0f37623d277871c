//! Conversion methods, rules and applications as each role may see them.

use crate::auth::Principal;
use crate::{App, AppError, AppResult};
use domain::ids::{ApplicationId, CatalogOutcomeId, DepartmentId, FileId, HoldingId, InstitutionId, MethodId, RuleId};
use domain::lifecycle::RuleStatus;

use super::{Application, ApplicationFilter, CatalogOutcome, Holding, HoldingFilter, Learner, Method, Page};
use super::{PublishedMethod, Review, Rule, RuleFilter, Target};

/// Rule states that others may see once a rule has been published.
const PUBLIC_HISTORY: [&str; 3] = ["published", "withdrawn", "taken_down"];

// ---------------------------------------------------------------- methods

pub async fn methods_of(app: &App, institution_id: InstitutionId) -> AppResult<Vec<Method>> {
    Ok(store::conversion::methods_of(&app.db.pool, institution_id).await?)
}

/// Whether the institution accepted the 信息发布安全承诺书.
pub async fn pledged(app: &App, institution_id: InstitutionId) -> AppResult<bool> {
    Ok(store::conversion::pledged(&app.db.pool, institution_id).await?)
}

pub async fn own_method(app: &App, institution_id: InstitutionId, id: MethodId) -> AppResult<Method> {
    store::conversion::method(&app.db.pool, id)
        .await?
        .filter(|m| m.institution_id == institution_id)
        .ok_or_else(AppError::not_found)
}

pub async fn has_published_method(app: &App, institution_id: InstitutionId) -> AppResult<bool> {
    Ok(store::conversion::has_published_method(&app.db.pool, institution_id).await?)
}

pub async fn published_methods(app: &App) -> AppResult<Vec<PublishedMethod>> {
    Ok(store::conversion::published_methods(&app.db.pool).await?)
}

// ---------------------------------------------------------------- rules

/// Which rules a list shows.
pub enum RuleList<'a> {
    /// 我发布的: every rule of this institution.
    Mine(InstitutionId),
    /// 与我相关: published (or once published) rules using this institution's outcomes.
    Related(InstitutionId),
    /// A department's: published and taken-down rules of its institutions.
    Departments(&'a [DepartmentId]),
    /// The public catalog: published rules, found by name or code.
    Public(String),
    /// The published rules of one institution (its directory entry).
    PublishedBy(InstitutionId),
}

pub async fn rules(app: &App, list: RuleList<'_>, page: i64, per_page: i64) -> AppResult<Page<Rule>> {
    Ok(store::conversion::rules(&app.db, &rule_filter(list), page, per_page).await?)
}

/// What the 转换规则管理 list filters by: code or name, kind, status, a source's and a
/// target's name.
#[derive(Debug, Default, Clone)]
pub struct RuleSearch {
    pub code: String,
    pub kind: String,
    pub status: String,
    pub source_name: String,
    pub target_name: String,
}

/// A list of rules narrowed by the list's filters.
pub async fn rules_matching(
    app: &App,
    list: RuleList<'_>,
    q: &RuleSearch,
    page: i64,
    per_page: i64,
) -> AppResult<Page<Rule>> {
    let f = RuleFilter {
        name: Some(q.code.chars().take(50).collect()),
        kind: Some(q.kind.clone()),
        status: Some(q.status.clone()).filter(|s| RuleStatus::parse(s).is_ok()),
        source_name: Some(q.source_name.chars().take(50).collect()),
        target_name: Some(q.target_name.chars().take(50).collect()),
        ..rule_filter(list)
    };
    Ok(store::conversion::rules(&app.db, &f, page, per_page).await?)
}

fn rule_filter(list: RuleList<'_>) -> RuleFilter {
    match list {
        RuleList::Mine(i) => RuleFilter {
            institution_id: Some(i),
            ..Default::default()
        },
        RuleList::Related(i) => RuleFilter {
            source_institution_id: Some(i),
            statuses: PUBLIC_HISTORY.to_vec(),
            ..Default::default()
        },
        RuleList::Departments(scope) => RuleFilter {
            departments: Some(scope.to_vec()),
            statuses: vec!["published", "taken_down"],
            ..Default::default()
        },
        RuleList::PublishedBy(i) => RuleFilter {
            institution_id: Some(i),
            statuses: vec!["published"],
            ..Default::default()
        },
        RuleList::Public(q) => RuleFilter {
            statuses: vec!["published"],
            name: Some(q.chars().take(50).collect()),
            ..Default::default()
        },
    }
}

/// One rule, if the caller may see it: its own institution always; an institution whose
/// outcomes it uses once it has been published; a department over its institution; and
/// everyone else (anonymous visitors, learners, experts) only while it is published.
pub async fn rule(app: &App, who: Option<&Principal>, id: RuleId) -> AppResult<Rule> {
    let pool = &app.db.pool;
    let r = store::conversion::rule(pool, id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let visible = match who {
        Some(Principal::Institution { institution, .. }) => {
            r.institution_id == institution.id
                || (PUBLIC_HISTORY.contains(&r.status.code())
                    && store::conversion::uses_sources_of(pool, id, institution.id).await?)
        }
        Some(Principal::Department { scope, .. }) => store::institutions::by_id(pool, r.institution_id)
            .await?
            .is_some_and(|i| scope.contains(&i.department_id)),
        _ => r.status == domain::lifecycle::RuleStatus::Published,
    };
    if visible { Ok(r) } else { Err(AppError::not_found()) }
}

/// What a rule turns into what: its source outcomes and its targets with their
/// catalog entries.
#[derive(Default)]
pub struct RuleDetail {
    pub sources: Vec<CatalogOutcome>,
    pub targets: Vec<(Target, CatalogOutcome)>,
}

/// The detail of a rule the caller was allowed to see.
pub async fn rule_detail(app: &App, r: &Rule) -> AppResult<RuleDetail> {
    Ok(rule_details(app, std::slice::from_ref(r))
        .await?
        .pop()
        .unwrap_or_default())
}

/// The details of many rules (a page of them) in three queries, in the order of `rules`.
pub async fn rule_details(app: &App, rules: &[Rule]) -> AppResult<Vec<RuleDetail>> {
    let pool = &app.db.pool;
    let ids: Vec<RuleId> = rules.iter().map(|r| r.id).collect();
    let sources = store::conversion::links_of(pool, store::conversion::Links::Sources, &ids).await?;
    let targets = store::conversion::targets_of(pool, &ids).await?;
    let mut outcomes: Vec<CatalogOutcomeId> = sources
        .iter()
        .map(|(_, o)| *o)
        .chain(targets.iter().map(|(_, t)| t.institution_outcome_id))
        .collect();
    outcomes.sort_unstable();
    outcomes.dedup();
    let found = super::catalog::many(app, &outcomes).await?;
    let outcome = |id: CatalogOutcomeId| found.iter().find(|o| o.id == id).cloned();
    Ok(rules
        .iter()
        .map(|r| RuleDetail {
            sources: sources
                .iter()
                .filter(|(rule, _)| *rule == r.id)
                .filter_map(|(_, o)| outcome(*o))
                .collect(),
            targets: targets
                .iter()
                .filter(|(rule, _)| *rule == r.id)
                .filter_map(|(_, t)| outcome(t.institution_outcome_id).map(|o| (t.clone(), o)))
                .collect(),
        })
        .collect())
}

/// The learners to whom this institution issued a source outcome of the rule (stored),
/// for a batch application, found by name or ID number.
pub async fn batch_candidates(
    app: &App,
    who: &Principal,
    rule_id: RuleId,
    learner: &str,
    page: i64,
    per_page: i64,
) -> AppResult<(Rule, Page<Holding>)> {
    let Principal::Institution { institution, .. } = who else {
        return Err(AppError::forbidden());
    };
    let pool = &app.db.pool;
    let r = store::conversion::rule(pool, rule_id)
        .await?
        .ok_or_else(AppError::not_found)?;
    if !store::conversion::uses_sources_of(pool, rule_id, institution.id).await? {
        return Err(AppError::not_found());
    }
    let f = HoldingFilter {
        institution_outcome_ids: store::conversion::sources(pool, rule_id).await?,
        statuses: vec!["stored"],
        learner: Some(learner.to_string()),
        ..Default::default()
    };
    Ok((r, super::holdings::list(app, who, f, page, per_page).await?))
}

// ---------------------------------------------------------------- applications

/// Narrows an application filter to the caller's rows: a learner's own; an institution's
/// received (or, when asked, initiated) applications; a department's scope. Experts
/// review every application of the two-stage chain.
pub fn scoped(who: &Principal, mut f: ApplicationFilter) -> ApplicationFilter {
    match who {
        Principal::Learner(l) => f.learner_id = Some(l.id),
        Principal::Institution { institution, .. } => {
            if f.initiator_institution_id != Some(institution.id) {
                f.initiator_institution_id = None;
                f.target_institution_id = Some(institution.id);
            }
        }
        Principal::Department { scope, .. } => f.departments = Some(scope.clone()),
        Principal::Expert(_) => {}
    }
    f
}

/// An application with its review history and materials.
pub struct ApplicationRow {
    pub application: Application,
    pub reviews: Vec<Review>,
    pub files: Vec<(FileId, String)>,
}

impl ApplicationRow {
    /// The review history as one line: "初审通过（张老师）：同意；终审…", or "-".
    pub fn history(&self) -> String {
        let text = self
            .reviews
            .iter()
            .map(|r| {
                let stage = match r.stage.as_str() {
                    "initial" => "初审",
                    "final" => "终审",
                    _ => "审核",
                };
                let d = if r.decision == "pass" { "通过" } else { "不通过" };
                format!(
                    "{stage}{d}（{}）{}",
                    r.reviewer_name.as_deref().unwrap_or_default(),
                    r.opinion
                        .as_deref()
                        .filter(|o| !o.is_empty())
                        .map(|o| format!("：{o}"))
                        .unwrap_or_default()
                )
            })
            .collect::<Vec<_>>()
            .join("；");
        if text.is_empty() { "-".into() } else { text }
    }

    /// 机构发起 or 个人申请.
    pub fn initiator_label(&self) -> &'static str {
        if self.application.initiator == "institution" {
            "机构发起"
        } else {
            "个人申请"
        }
    }
}

pub async fn applications(
    app: &App,
    who: &Principal,
    f: ApplicationFilter,
    page: i64,
    per_page: i64,
) -> AppResult<Page<ApplicationRow>> {
    let result = store::conversion::applications(&app.db, &scoped(who, f), page.max(1), per_page).await?;
    Ok(Page {
        rows: with_trails(app, result.rows).await?,
        total: result.total,
    })
}

/// The first `limit` applications the caller may see, with their trails, uncounted (an
/// export walks them all by `before_id`).
pub async fn application_rows(
    app: &App,
    who: &Principal,
    f: ApplicationFilter,
    limit: i64,
) -> AppResult<Vec<ApplicationRow>> {
    let rows = store::conversion::application_rows(&app.db, &scoped(who, f), limit).await?;
    with_trails(app, rows).await
}

/// Each application with its review trail and materials, in two queries.
async fn with_trails(app: &App, rows: Vec<Application>) -> AppResult<Vec<ApplicationRow>> {
    let ids: Vec<ApplicationId> = rows.iter().map(|a| a.id).collect();
    let (mut reviews, mut files) = store::conversion::trails_of(&app.db, &ids).await?;
    Ok(rows
        .into_iter()
        .map(|a| ApplicationRow {
            reviews: reviews.remove(&a.id).unwrap_or_default(),
            files: files.remove(&a.id).unwrap_or_default(),
            application: a,
        })
        .collect())
}

/// Whether this caller may see this application: the learner who applied, the target
/// institution's conversion users (or the initiating institution's), a department over
/// the target, or an expert.
pub async fn may_see(app: &App, who: &Principal, a: &Application) -> AppResult<bool> {
    Ok(match who {
        Principal::Learner(l) => a.learner_id == l.id,
        Principal::Institution { user, institution } => {
            (a.target_institution_id == institution.id || a.initiator_institution_id == Some(institution.id))
                && crate::institutions::may(user, domain::role::Area::Conversion)
        }
        Principal::Department { scope, .. } => store::institutions::by_id(&app.db.pool, a.target_institution_id)
            .await?
            .is_some_and(|i| scope.contains(&i.department_id)),
        Principal::Expert(_) => true,
    })
}

/// One application with what it used and what it grants, for its detail page.
pub struct ApplicationDetail {
    pub row: ApplicationRow,
    /// The learner outcomes it uses, by name.
    pub sources: Vec<String>,
    /// The target outcomes of its rule, by name.
    pub targets: Vec<String>,
}

/// One application, or "not found" for anyone who may not see it.
pub async fn application(app: &App, who: &Principal, id: ApplicationId) -> AppResult<ApplicationDetail> {
    let pool = &app.db.pool;
    let a = store::conversion::application(pool, id)
        .await?
        .ok_or_else(AppError::not_found)?;
    if !may_see(app, who, &a).await? {
        return Err(AppError::not_found());
    }
    let source_ids = store::conversion::application_sources(pool, id).await?;
    let sources = names_in(&store::holdings::names_of(pool, &source_ids).await?, &source_ids);
    let target_ids: Vec<CatalogOutcomeId> = store::conversion::targets(pool, a.rule_id)
        .await?
        .into_iter()
        .map(|t| t.institution_outcome_id)
        .collect();
    let targets = super::catalog::many(app, &target_ids)
        .await?
        .into_iter()
        .map(|o| o.name)
        .collect();
    Ok(ApplicationDetail {
        row: ApplicationRow {
            reviews: store::conversion::application_reviews(pool, id).await?,
            files: store::conversion::files_of(pool, id).await?,
            application: a,
        },
        sources,
        targets,
    })
}

/// 机构发起: the caller institution's batches with their counts.
pub async fn batches(app: &App, who: &Principal) -> AppResult<Vec<store::conversion::Batch>> {
    match who {
        Principal::Institution { user, institution } => {
            crate::institutions::require(user, domain::role::Area::Conversion)?;
            Ok(store::conversion::batches_of(&app.db.pool, institution.id, 200).await?)
        }
        _ => Err(AppError::forbidden()),
    }
}

pub async fn count_applications(app: &App, who: &Principal, f: ApplicationFilter) -> AppResult<i64> {
    Ok(store::conversion::applications(&app.db, &scoped(who, f), 1, 1)
        .await?
        .total)
}

/// At most this many applications are decided by one "review all pending".
const REVIEW_ALL_LIMIT: i64 = 1000;

/// The ids ticked, or every application of the filter the caller may see when none is.
pub async fn ticked_or_all(
    app: &App,
    who: &Principal,
    f: ApplicationFilter,
    ticked: Vec<ApplicationId>,
) -> AppResult<Vec<ApplicationId>> {
    if !ticked.is_empty() {
        return Ok(ticked);
    }
    Ok(
        store::conversion::applications(&app.db, &scoped(who, f), 1, REVIEW_ALL_LIMIT)
            .await?
            .rows
            .into_iter()
            .map(|a| a.id)
            .collect(),
    )
}

// ---------------------------------------------------------------- the learner's rules

/// A published rule the learner's stored outcomes meet, with the names of what it
/// would use and what it would grant.
pub struct LearnerMatch {
    pub rule: Rule,
    /// The learner outcomes the application uses, and their names.
    pub holdings: Vec<HoldingId>,
    pub uses: Vec<String>,
    pub gains: Vec<String>,
    /// 是否已申请: an application under review or passed exists.
    pub applied: bool,
}

/// A stored outcome: how many rules apply to it now and how many used it.
pub struct OutcomeUse {
    pub name: String,
    pub applies: usize,
    pub used: usize,
}

pub async fn learner_matches(app: &App, l: &Learner) -> AppResult<(Vec<LearnerMatch>, Vec<OutcomeUse>)> {
    let pool = &app.db.pool;
    let found = crate::conversion::matches(app, l.id).await?;
    // Rules already applied for stay listed, marked, without a second application.
    let applied = store::conversion::applied_sources(pool, l.id).await?;
    let mut applied_rules: Vec<RuleId> = applied.iter().map(|(r, _)| *r).collect();
    applied_rules.dedup();
    let mut applied_rules = store::conversion::rules_by_ids(pool, &applied_rules).await?;
    // In the order the learner applied, as before.
    applied_rules.sort_by_key(|r| applied.iter().position(|(rule, _)| *rule == r.id));
    let applied_ids: Vec<RuleId> = applied_rules.iter().map(|r| r.id).collect();
    let applied_targets = store::conversion::targets_of(pool, &applied_ids).await?;
    // Every name the page shows, in two queries.
    let holding_ids: Vec<HoldingId> = found
        .iter()
        .flat_map(|(_, m)| m.holdings.iter().copied())
        .chain(applied.iter().map(|(_, h)| *h))
        .collect();
    let holding_names = store::holdings::names_of(pool, &holding_ids).await?;
    let mut outcome_ids: Vec<CatalogOutcomeId> = found
        .iter()
        .flat_map(|(_, m)| m.new_targets.iter().copied())
        .chain(applied_targets.iter().map(|(_, t)| t.institution_outcome_id))
        .collect();
    outcome_ids.sort_unstable();
    outcome_ids.dedup();
    let outcomes = super::catalog::many(app, &outcome_ids).await?;
    let uses = |ids: &[HoldingId]| names_in(&holding_names, ids);
    let gains = |ids: &[CatalogOutcomeId]| -> Vec<String> {
        ids.iter()
            .filter_map(|id| outcomes.iter().find(|o| o.id == *id).map(|o| o.name.clone()))
            .collect()
    };
    let mut rows: Vec<LearnerMatch> = found
        .iter()
        .map(|(r, m)| LearnerMatch {
            rule: r.clone(),
            holdings: m.holdings.clone(),
            uses: uses(&m.holdings),
            gains: gains(&m.new_targets),
            applied: false,
        })
        .collect();
    for r in applied_rules {
        let holdings: Vec<HoldingId> = applied
            .iter()
            .filter(|(rule, _)| *rule == r.id)
            .map(|(_, h)| *h)
            .collect();
        let targets: Vec<CatalogOutcomeId> = applied_targets
            .iter()
            .filter(|(rule, _)| *rule == r.id)
            .map(|(_, t)| t.institution_outcome_id)
            .collect();
        rows.push(LearnerMatch {
            uses: uses(&holdings),
            gains: gains(&targets),
            holdings,
            rule: r,
            applied: true,
        });
    }
    let f = HoldingFilter {
        statuses: vec!["stored"],
        ..Default::default()
    };
    let consumed = store::conversion::consumed(pool, l.id).await?;
    let outcomes = super::holdings::list(app, &Principal::Learner(l.clone()), f, 1, 500)
        .await?
        .rows
        .into_iter()
        .map(|h| {
            let applies = found.iter().filter(|(_, m)| m.holdings.contains(&h.id)).count();
            let used = consumed.iter().filter(|(_, hid)| *hid == h.id).count();
            OutcomeUse {
                name: h.name,
                applies,
                used,
            }
        })
        .collect();
    Ok((rows, outcomes))
}

/// The names of `ids`, in their order, from (id, name) pairs read in one query.
fn names_in(names: &[(HoldingId, String)], ids: &[HoldingId]) -> Vec<String> {
    ids.iter()
        .filter_map(|id| names.iter().find(|(h, _)| h == id).map(|(_, n)| n.clone()))
        .collect()
}

/// Whether the learner may apply for this rule now.
pub async fn learner_may_apply(app: &App, l: &Learner, rule_id: RuleId) -> AppResult<bool> {
    Ok(crate::conversion::matches(app, l.id)
        .await?
        .iter()
        .any(|(r, _)| r.id == rule_id))
}

/// The same lists a page at a time by keyset: rows with an id below `before`.
pub async fn rules_before(app: &App, list: RuleList<'_>, before: Option<RuleId>, limit: i64) -> AppResult<Page<Rule>> {
    let mut f = rule_filter(list);
    f.before_id = before;
    Ok(store::conversion::rules(&app.db, &f, 1, limit).await?)
}
