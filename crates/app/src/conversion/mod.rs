//! Conversion (I-07..I-10, L-10, L-11, M-03, E-01): methods, rules, matching,
//! applications, reviews in the chain the bank is configured for, and grants.

use domain::conversion::{Held, History, Match, RuleSpec, applicable};
use domain::credits::Credits;
use domain::ids::{ApplicationId, CatalogOutcomeId, InstitutionId, LearnerId, RuleId};
pub use domain::lifecycle::RuleAction;
use domain::lifecycle::{RuleStatus, Stage};
use domain::name::parse_label;
use store::audit::Actor;
use store::conversion::{Application, NewRule, Rule};
use store::learners::Learner;
use store::{Tx, now};

use crate::error::{Checks, checked};
use crate::{App, AppError, AppResult};

mod methods;
pub use methods::*;
pub mod performance;
mod review;
pub use review::*;
mod rules;
pub use rules::*;

/// Who reviews conversion applications.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Chain {
    /// The target institution decides (national bank).
    Single,
    /// Initial review by the department, final review by an expert (Guangdong).
    TwoStage,
}

pub async fn chain(app: &App) -> AppResult<Chain> {
    let v = store::taxonomy::get_setting(&app.db.pool, "conversion_chain").await?;
    Ok(match v.as_deref() {
        Some("two_stage") => Chain::TwoStage,
        Some(_) => Chain::Single,
        None if app.bank.two_stage_conversion() => Chain::TwoStage,
        None => Chain::Single,
    })
}

// ---------------------------------------------------------------- matching (L-10)

async fn spec(app: &App, r: &Rule) -> AppResult<RuleSpec> {
    let targets = store::conversion::targets(&app.db.pool, r.id)
        .await?
        .into_iter()
        .map(|t| t.institution_outcome_id)
        .collect();
    Ok(RuleSpec {
        id: r.id,
        sources: store::conversion::sources(&app.db.pool, r.id).await?,
        min_score: r.min_score,
        max_age_years: r.max_age_years,
        targets,
    })
}

async fn held_and_history(app: &App, learner_id: LearnerId) -> AppResult<(Vec<Held>, History)> {
    let held = store::holdings::for_matching(&app.db.pool, learner_id)
        .await?
        .into_iter()
        .map(|(id, catalog, status, score, issued)| Held {
            holding_id: id,
            catalog_id: catalog,
            stored: status == "stored",
            score: score.as_deref().and_then(Credits::parse_decimal),
            issued_on: issued.as_deref().and_then(domain::id_card::parse_date),
        })
        .collect();
    let history = History {
        live_rules: store::conversion::live_rules_of(&app.db.pool, learner_id).await?,
        consumed: store::conversion::consumed(&app.db.pool, learner_id).await?,
    };
    Ok((held, history))
}

/// The published rules that apply to the learner now.
pub async fn matches(app: &App, learner_id: LearnerId) -> AppResult<Vec<(Rule, Match)>> {
    let (held, history) = held_and_history(app, learner_id).await?;
    let catalog: Vec<CatalogOutcomeId> = held.iter().filter(|h| h.stored).filter_map(|h| h.catalog_id).collect();
    let today = domain::time::today();
    // Candidates, their sources and targets in a fixed number of queries.
    let pool = &app.db.pool;
    let ids = store::conversion::published_rules_with_sources(pool, &catalog).await?;
    let sources = store::conversion::links_of(pool, store::conversion::Links::Sources, &ids).await?;
    let targets = store::conversion::links_of(pool, store::conversion::Links::Targets, &ids).await?;
    let of = |links: &[(RuleId, CatalogOutcomeId)], rule: RuleId| {
        links.iter().filter(|l| l.0 == rule).map(|l| l.1).collect::<Vec<_>>()
    };
    let mut out = Vec::new();
    for r in store::conversion::rules_by_ids(pool, &ids).await? {
        let spec = RuleSpec {
            id: r.id,
            sources: of(&sources, r.id),
            min_score: r.min_score,
            max_age_years: r.max_age_years,
            targets: of(&targets, r.id),
        };
        if let Some(m) = applicable(&spec, &held, &history, today) {
            out.push((r, m));
        }
    }
    Ok(out)
}

/// Who applies: the learner, or a source institution for a batch of its learners.
enum Initiator<'a> {
    Learner,
    Institution { id: InstitutionId, batch: &'a str },
}

/// Tells the first reviewer of the chain that `n` applications for the rule wait.
async fn notify_reviewers(tx: &mut Tx, chain: Chain, rule: &Rule, n: usize, t: i64) -> AppResult<()> {
    let body = format!("{n}份按规则{}（{}）提交的转换申请待审核。", rule.code, rule.name);
    match chain {
        Chain::Single => {
            crate::messages::to_institution(
                &mut **tx,
                rule.institution_id,
                Some(domain::role::Area::Conversion),
                "新的转换申请",
                &body,
                "/institution/conversions/review",
                t,
            )
            .await
        }
        Chain::TwoStage => {
            let Some(inst) = store::institutions::by_id(&mut **tx, rule.institution_id).await? else {
                return Ok(());
            };
            crate::messages::to_department(
                &mut **tx,
                inst.department_id,
                "新的转换申请",
                &body,
                "/department/conversions",
                t,
            )
            .await
        }
    }
}

async fn apply_one(
    tx: &mut Tx,
    rule: &Rule,
    m: &Match,
    learner: LearnerId,
    who: &Initiator<'_>,
    t: i64,
) -> AppResult<ApplicationId> {
    let (initiator, institution, batch) = match who {
        Initiator::Learner => ("learner", None, None),
        Initiator::Institution { id, batch } => ("institution", Some(*id), Some(*batch)),
    };
    let id = store::conversion::insert_application(&mut **tx, rule.id, learner, initiator, institution, batch, t)
        .await
        .map_err(|e| {
            if e.is_unique_violation() {
                AppError::Conflict("已申请过该规则的转换，请勿重复申请".into())
            } else {
                e.into()
            }
        })?;
    for h in &m.holdings {
        store::conversion::add_application_source(&mut **tx, id, *h).await?;
    }
    Ok(id)
}

/// L-10: the learner applies for a rule its stored outcomes meet, with materials (name
/// and bytes of each file; the two-stage chain requires at least one). The files' rows
/// are written with the application, so a refused application leaves none behind.
pub async fn apply(
    app: &App,
    learner: &Learner,
    rule_id: RuleId,
    materials: &[(&str, &[u8])],
    actor: &Actor,
) -> AppResult<ApplicationId> {
    if materials.is_empty() && chain(app).await? == Chain::TwoStage {
        return Err(AppError::field("file", "请上传转换申请材料（jpg、png、gif或pdf）"));
    }
    let r = store::conversion::rule(&app.db.pool, rule_id)
        .await?
        .filter(|r| r.status == RuleStatus::Published)
        .ok_or_else(|| AppError::NotFound("转换规则不存在或已下架".into()))?;
    let (held, history) = held_and_history(app, learner.id).await?;
    if history.live_rules.contains(&r.id) {
        return Err(AppError::Conflict("已申请过该规则的转换，请勿重复申请".into()));
    }
    let m = applicable(&spec(app, &r).await?, &held, &history, domain::time::today())
        .ok_or_else(|| AppError::Conflict("您的已存储成果不满足该规则的转换条件".into()))?;
    let mut uploads = Vec::with_capacity(materials.len());
    for (name, bytes) in materials {
        uploads.push(crate::files::check_and_put(app, "file", name, bytes, crate::files::Accept::Evidence).await?);
    }
    let chain = chain(app).await?;
    let t = now();
    let mut tx = app.db.begin().await?;
    let id = apply_one(&mut tx, &r, &m, learner.id, &Initiator::Learner, t).await?;
    notify_reviewers(&mut tx, chain, &r, 1, t).await?;
    for up in &uploads {
        let f = crate::files::record(&mut *tx, up, "learner", learner.id).await?;
        store::conversion::attach_file(&mut *tx, id, f).await?;
    }
    store::audit::record(&mut *tx, actor, "conversion_applied", Some(&r.code), None, t).await?;
    store::commit(tx).await?;
    Ok(id)
}

/// I-08 与我相关: a source institution applies for many of its learners at once. Returns
/// how many applications were made and the names of learners who were not eligible.
pub async fn batch_apply(
    app: &App,
    institution_id: InstitutionId,
    rule_id: RuleId,
    learners: &[LearnerId],
    actor: &Actor,
) -> AppResult<(usize, Vec<String>)> {
    let r = store::conversion::rule(&app.db.pool, rule_id)
        .await?
        .filter(|r| r.status == RuleStatus::Published)
        .ok_or_else(|| AppError::NotFound("转换规则不存在或已下架".into()))?;
    let sources = store::conversion::sources(&app.db.pool, r.id).await?;
    let mine = store::catalog::list(
        &app.db,
        &store::catalog::Filter {
            institution_id: Some(institution_id),
            ..Default::default()
        },
        1,
        10_000,
    )
    .await?
    .rows;
    if !sources.iter().any(|s| mine.iter().any(|o| o.id == *s)) {
        return Err(AppError::not_found());
    }
    if learners.is_empty() {
        return Err(AppError::field("ids", "请选择要申请转换的学员"));
    }
    let t = now();
    let batch = format!("{}-{}", r.code, t);
    let today = domain::time::today();
    let rule_spec = spec(app, &r).await?;
    let mut skipped = Vec::new();
    let mut made = 0;
    let mut tx = app.db.begin().await?;
    for l in learners {
        let Some(learner) = store::learners::by_id(&app.db.pool, *l).await? else {
            continue;
        };
        let (held, history) = held_and_history(app, learner.id).await?;
        // The institution may apply only with outcomes it stored itself.
        let own_held: Vec<Held> = held
            .into_iter()
            .filter(|h| {
                h.catalog_id.is_some_and(|c| mine.iter().any(|o| o.id == c))
                    || !sources.contains(&h.catalog_id.unwrap_or_default())
            })
            .collect();
        match applicable(&rule_spec, &own_held, &history, today) {
            Some(m) => {
                apply_one(
                    &mut tx,
                    &r,
                    &m,
                    learner.id,
                    &Initiator::Institution {
                        id: institution_id,
                        batch: &batch,
                    },
                    t,
                )
                .await?;
                made += 1;
            }
            None => skipped.push(learner.name),
        }
    }
    if made > 0 {
        notify_reviewers(&mut tx, chain(app).await?, &r, made, t).await?;
    }
    store::audit::record(
        &mut *tx,
        actor,
        "conversion_batch_applied",
        Some(&r.code),
        Some(&format!("{made}")),
        t,
    )
    .await?;
    store::commit(tx).await?;
    Ok((made, skipped))
}
