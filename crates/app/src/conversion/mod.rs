//! Conversion (I-07..I-10, L-10, L-11, M-03, E-01): methods, rules, matching,
//! applications, reviews in the chain the bank is configured for, and grants.

use domain::conversion::{Held, History, Match, RuleSpec, applicable};
use domain::credits::Credits;
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
mod review;
pub use review::*;

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
    let preset = store::taxonomy::get_setting(&app.db.pool, "preset").await?;
    Ok(match (v.as_deref(), preset.as_deref()) {
        (Some("two_stage"), _) | (None, Some("guangdong")) => Chain::TwoStage,
        _ => Chain::Single,
    })
}

// ---------------------------------------------------------------- rules (I-08)

pub const RULE_KINDS: [&str; 4] = ["学历→学历", "学历→非学历", "非学历→学历", "非学历→非学历"];

#[derive(Debug, Default, Clone)]
pub struct RuleForm {
    pub name: String,
    pub kind: String,
    pub sources: Vec<i64>,
    pub targets: Vec<i64>,
    /// 免考模块 per target: (target, module name, credits text).
    pub exemptions: Vec<(i64, String, String)>,
    pub ratio: String,
    pub explanation: String,
    pub min_score: String,
    pub max_age_years: String,
    /// The signed rule document, checked and stored; its row is written with the rule.
    pub document: Option<crate::files::Upload>,
}

/// Whether a catalog outcome is a course, by its subtype's fields in the taxonomy.
async fn is_course(app: &App, o: &store::catalog::CatalogOutcome) -> AppResult<bool> {
    let fields = store::taxonomy::fields(&app.db.pool, o.subtype_id).await?;
    Ok(domain::taxonomy::is_course(fields.iter().map(|f| f.key.as_str())))
}

/// Makes a rule (未提交). A published method is required before the first rule.
pub async fn create_rule(app: &App, institution_id: i64, f: &RuleForm, actor: &Actor) -> AppResult<i64> {
    let pool = &app.db.pool;
    let mut v = Checks::default();
    let name = v.check(parse_label("name", "规则名称", &f.name, 100));
    if !RULE_KINDS.contains(&f.kind.as_str()) {
        v.fail("kind", "请选择规则类型");
    }
    let ratio = v.check(parse_label("ratio", "转换比例", &f.ratio, 50));
    let explanation = v.check(parse_label("explanation", "规则说明", &f.explanation, 2000));
    let min_score = match domain::normalize::half_width(&f.min_score) {
        s if s.is_empty() => None,
        s => match Credits::parse_decimal(&s).filter(|x| *x <= 10_000) {
            Some(x) => Some(x),
            None => {
                v.fail("min_score", "最低成绩须为0-100之间的数字");
                None
            }
        },
    };
    let max_age = match domain::normalize::half_width(&f.max_age_years) {
        s if s.is_empty() => None,
        s => match s.parse::<i64>().ok().filter(|y| (1..=50).contains(y)) {
            Some(y) => Some(y),
            None => {
                v.fail("max_age_years", "有效年限须为1-50之间的整数");
                None
            }
        },
    };
    if f.sources.is_empty() {
        v.fail("sources", "请至少选择一项源成果");
    }
    let mut sources = Vec::new();
    for id in &f.sources {
        match store::catalog::by_id(pool, *id).await? {
            Some(o) => sources.push(o),
            None => v.fail("sources", "所选的源成果不存在"),
        }
    }
    let mut targets = Vec::new();
    if f.targets.is_empty() {
        v.fail("targets", "请至少选择一项目标成果");
    }
    for id in &f.targets {
        match store::catalog::by_id(pool, *id)
            .await?
            .filter(|o| o.institution_id == institution_id)
        {
            Some(o) => targets.push(o),
            None => v.fail("targets", "目标成果须为本机构的成果"),
        }
    }
    if f.targets.iter().any(|t| f.sources.contains(t)) {
        v.fail("targets", "目标成果不能同时是源成果");
    }
    let (mut majors, mut courses) = (0, 0);
    for o in &targets {
        if is_course(app, o).await? {
            courses += 1;
        } else if o.category == "academic" {
            majors += 1;
        }
    }
    if majors > 0 && courses == 0 {
        v.fail("targets", "目标为专业（学历证书）时，须至少选择一门课程");
    }
    let mut exemptions = Vec::new();
    for (target, module, credits) in &f.exemptions {
        if module.trim().is_empty() && credits.trim().is_empty() {
            continue;
        }
        if !f.targets.contains(target) {
            continue;
        }
        let m = v.check(parse_label("exemptions", "免考模块", module, 50));
        let c = Credits::parse_decimal(credits);
        if c.is_none() {
            v.fail("exemptions", "免考模块学分须为不小于0的数字");
        }
        if let (Some(m), Some(c)) = (m, c) {
            exemptions.push((*target, m, c));
        }
    }
    if f.document.is_none() {
        v.fail("file", "请上传盖章的规则文件（PDF）");
    }
    v.finish()?;
    if !store::conversion::has_published_method(pool, institution_id).await? {
        return Err(AppError::Conflict("请先发布本机构的转换办法，再制定转换规则".into()));
    }
    let t = now();
    let day = domain::time::beijing_day(t).format("%Y%m%d").to_string();
    let mut tx = app.db.begin().await?;
    let file_id = crate::files::record_opt(
        &mut tx,
        f.document.as_ref(),
        "institution",
        actor.id.unwrap_or_default(),
    )
    .await?;
    let code = store::conversion::next_code(&mut *tx, &day).await?;
    let id = store::conversion::insert_rule(
        &mut *tx,
        &NewRule {
            code: &code,
            institution_id,
            name: &checked(name)?,
            kind: &f.kind,
            ratio: &checked(ratio)?,
            explanation: &checked(explanation)?,
            file_id,
            min_score,
            max_age_years: max_age,
            now: t,
        },
    )
    .await?;
    for s in &sources {
        store::conversion::add_source(&mut *tx, id, s.id).await?;
    }
    for o in &targets {
        let ex = exemptions.iter().find(|e| e.0 == o.id);
        store::conversion::add_target(&mut *tx, id, o.id, ex.map(|e| e.2), ex.map(|e| e.1.as_str())).await?;
    }
    store::audit::record(&mut *tx, actor, "rule_created", Some(&code), None, t).await?;
    store::commit(tx).await?;
    Ok(id)
}

/// Publishes a rule (未提交/撤回 → 已发布) or withdraws it (已发布 → 撤回). Published rules
/// are immutable: a change is a new rule.
pub async fn act_on_rule(app: &App, institution_id: i64, id: i64, action: RuleAction, actor: &Actor) -> AppResult<()> {
    let r = store::conversion::rule(&app.db.pool, id)
        .await?
        .filter(|r| r.institution_id == institution_id)
        .ok_or_else(AppError::not_found)?;
    let t = now();
    let from = r.status;
    let to = match action {
        RuleAction::Publish | RuleAction::Withdraw => from.after(action),
        // Taking a rule down is the department's (`take_down`).
        RuleAction::TakeDown => None,
    };
    let mut tx = app.db.begin().await?;
    let ok = match to {
        Some(to) => store::conversion::set_rule_status(&mut *tx, id, from.code(), to.code(), None, t).await?,
        None => false,
    };
    if !ok {
        return Err(AppError::Conflict(format!(
            "规则当前为“{}”，不能执行该操作",
            r.status.label()
        )));
    }
    store::audit::record(
        &mut *tx,
        actor,
        if action == RuleAction::Publish {
            "rule_published"
        } else {
            "rule_withdrawn"
        },
        Some(&r.code),
        None,
        t,
    )
    .await?;
    store::commit(tx).await?;
    Ok(())
}

/// M-03: the department takes a published rule of its scope down (下架).
pub async fn take_down(app: &App, scope: &[i64], id: i64, reason: &str, actor: &Actor) -> AppResult<()> {
    let r = store::conversion::rule(&app.db.pool, id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let inst = store::institutions::by_id(&app.db.pool, r.institution_id).await?;
    if !inst.is_some_and(|i| scope.contains(&i.department_id)) {
        return Err(AppError::not_found());
    }
    let reason = domain::opinion::Opinion::parse("reason", "下架原因", reason, true)?.into_string();
    let from = r.status;
    let Some(to) = from.after(RuleAction::TakeDown) else {
        return Err(AppError::Conflict("只有已发布的规则可以下架".into()));
    };
    let mut tx = app.db.begin().await?;
    if !store::conversion::set_rule_status(&mut *tx, id, from.code(), to.code(), Some(&reason), now()).await? {
        return Err(AppError::Conflict("只有已发布的规则可以下架".into()));
    }
    crate::messages::to_institution(
        &mut *tx,
        r.institution_id,
        Some(domain::role::Area::Rules),
        "转换规则被下架",
        &format!("您的转换规则{}（{}）已被学分银行下架，原因：{reason}。", r.code, r.name),
        &format!("/institution/rules/{id}"),
        now(),
    )
    .await?;
    store::audit::record(&mut *tx, actor, "rule_taken_down", Some(&r.code), Some(&reason), now()).await?;
    store::commit(tx).await?;
    Ok(())
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

async fn held_and_history(app: &App, learner_id: i64) -> AppResult<(Vec<Held>, History)> {
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
pub async fn matches(app: &App, learner_id: i64) -> AppResult<Vec<(Rule, Match)>> {
    let (held, history) = held_and_history(app, learner_id).await?;
    let catalog: Vec<i64> = held.iter().filter(|h| h.stored).filter_map(|h| h.catalog_id).collect();
    let today = domain::time::today();
    // Candidates, their sources and targets in a fixed number of queries.
    let pool = &app.db.pool;
    let ids = store::conversion::published_rules_with_sources(pool, &catalog).await?;
    let sources = store::conversion::links_of(pool, store::conversion::Links::Sources, &ids).await?;
    let targets = store::conversion::links_of(pool, store::conversion::Links::Targets, &ids).await?;
    let of = |links: &[(i64, i64)], rule: i64| links.iter().filter(|l| l.0 == rule).map(|l| l.1).collect::<Vec<_>>();
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
    Institution { id: i64, batch: &'a str },
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

async fn apply_one(tx: &mut Tx, rule: &Rule, m: &Match, learner: i64, who: &Initiator<'_>, t: i64) -> AppResult<i64> {
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
    rule_id: i64,
    materials: &[(&str, &[u8])],
    actor: &Actor,
) -> AppResult<i64> {
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
    institution_id: i64,
    rule_id: i64,
    learners: &[i64],
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
                    || !sources.contains(&h.catalog_id.unwrap_or(-1))
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
