//! 业绩类成果转换申请 (Guangdong learner manual, 五): a learner asks to convert one informal
//! outcome it entered (业绩类: competition, research, work …, no catalog entry) into a
//! catalog outcome it picks, without a published rule. The target institution checks
//! the paper originals (初审), an expert decides (终审); a pass grants the target with its
//! credits. Only banks whose profile offers it (`Profile::performance_conversion`).

use domain::ids::{CatalogOutcomeId, HoldingId, PerformanceId};
use domain::lifecycle::{ApplicationStatus, Stage};
use domain::outcome::Status;
use domain::role::Area;
use store::holdings::Holding;
use store::performance::{Filter, Request};

use super::*;
use crate::auth::Principal;
use crate::queries::Page;

fn offered(app: &App) -> AppResult<()> {
    if app.bank.performance_conversion() {
        Ok(())
    } else {
        Err(AppError::not_found())
    }
}

/// An outcome the learner may ask to convert: entered by the learner, informal, not a
/// catalog entry, not withdrawn.
pub fn convertible(h: &Holding) -> bool {
    h.source == crate::holdings::SOURCE_PERSONAL
        && h.category == domain::taxonomy::Category::Informal.code()
        && h.institution_outcome_id.is_none()
        && h.status != Status::Withdrawn
}

/// One of the learner's convertible outcomes with its newest request, if any.
pub struct Candidate {
    pub outcome: Holding,
    pub request: Option<(PerformanceId, ApplicationStatus)>,
}

impl Candidate {
    /// 未申请 / 已申请 / 初审通过 / 转换成功 / 转换失败, as the manual's list shows it.
    pub fn state(&self) -> &'static str {
        match self.request {
            None => "未申请",
            Some((_, ApplicationStatus::Pending)) => "已申请",
            Some((_, s)) => s.label(),
        }
    }

    /// Whether a new request may be made now (never asked, or the last one failed).
    pub fn may_apply(&self) -> bool {
        matches!(self.request, None | Some((_, ApplicationStatus::Failed)))
    }
}

/// The learner's 业绩类 outcomes and where each one's conversion stands.
pub async fn candidates(app: &App, learner: &Learner) -> AppResult<Vec<Candidate>> {
    offered(app)?;
    let f = store::holdings::Filter {
        learner_id: Some(learner.id),
        informal_only: true,
        ..Default::default()
    };
    let rows = store::holdings::list(&app.db, &f, 1, 500).await?.rows;
    let latest = store::performance::latest_of_sources(&app.db.pool, learner.id).await?;
    Ok(rows
        .into_iter()
        .filter(convertible)
        .map(|outcome| {
            let request = latest
                .iter()
                .find(|(source, _, _)| *source == outcome.id)
                .and_then(|(_, id, code)| ApplicationStatus::parse(code).ok().map(|s| (*id, s)));
            Candidate { outcome, request }
        })
        .collect())
}

/// The learner asks to convert `source` into the catalog outcome `target`.
pub async fn apply(
    app: &App,
    learner: &Learner,
    source: HoldingId,
    target: CatalogOutcomeId,
    actor: &Actor,
) -> AppResult<PerformanceId> {
    offered(app)?;
    let h = store::holdings::by_id(&app.db.pool, source)
        .await?
        .filter(|h| h.learner_id == learner.id)
        .ok_or_else(AppError::not_found)?;
    if !convertible(&h) {
        return Err(AppError::Conflict(
            "只有本人添加的业绩类成果可以申请业绩类成果转换".into(),
        ));
    }
    let o = store::catalog::by_id(&app.db.pool, target)
        .await?
        .ok_or_else(|| AppError::field("target", "请选择拟转换的目标成果"))?;
    if o.recognition != domain::lifecycle::CatalogRecognition::Recognised {
        return Err(AppError::field("target", "该目标成果尚未完成认定，不能作为转换目标"));
    }
    if store::holdings::holds(&app.db.pool, learner.id, o.id).await? {
        return Err(AppError::field("target", "您已持有该目标成果，无需转换"));
    }
    let t = now();
    let mut tx = app.db.begin().await?;
    let id = store::performance::insert(&mut *tx, learner.id, h.id, o.id, o.institution_id, t)
        .await
        .map_err(|e| {
            if e.is_unique_violation() {
                AppError::Conflict("该成果已提交转换申请，请勿重复提交".into())
            } else {
                e.into()
            }
        })?;
    let body = format!(
        "学习者{}申请将业绩类成果“{}”转换为贵机构的“{}”，请核验成果证明材料原件后初审。",
        learner.name, h.name, o.name
    );
    crate::messages::to_institution(
        &mut *tx,
        o.institution_id,
        Some(Area::Conversion),
        "新的业绩类成果转换申请",
        &body,
        "/institution/performance",
        t,
    )
    .await?;
    store::audit::record(
        &mut *tx,
        actor,
        "performance_applied",
        Some(&id.to_string()),
        Some(&o.name),
        t,
    )
    .await?;
    store::commit(tx).await?;
    Ok(id)
}

/// The stage at which this caller decides requests: the target institution's
/// conversion users do the 初审 of their own targets, experts the 终审.
fn stage_of(who: &Principal, r: &Request) -> Option<Stage> {
    match who {
        Principal::Institution { user, institution }
            if r.target_institution_id == institution.id && crate::institutions::may(user, Area::Conversion) =>
        {
            Some(Stage::Initial)
        }
        Principal::Expert(_) => Some(Stage::Final),
        _ => None,
    }
}

/// Decides requests (all or nothing). Returns how many were decided.
pub async fn review(
    app: &App,
    who: &Principal,
    ids: &[PerformanceId],
    pass: bool,
    text: &str,
    actor: &Actor,
) -> AppResult<usize> {
    offered(app)?;
    if ids.is_empty() {
        return Err(AppError::field("ids", "没有待审核的申请"));
    }
    let text = opinion(text, !pass)?;
    let t = now();
    let mut tx = app.db.begin().await?;
    let mut to_final = 0;
    for id in ids {
        let r = store::performance::by_id(&mut *tx, *id)
            .await?
            .ok_or_else(AppError::not_found)?;
        let st = stage_of(who, &r).ok_or_else(AppError::not_found)?;
        let to = st.outcome(pass);
        if !store::performance::set_status(&mut *tx, r.id, st.decides().code(), to.code(), t).await? {
            return Err(AppError::Conflict(format!(
                "{}的业绩类成果转换申请已被审核，请刷新页面",
                r.learner_name
            )));
        }
        let decision = if pass { "pass" } else { "fail" };
        store::performance::add_review(&mut *tx, r.id, st.code(), decision, &text, actor, t).await?;
        match to {
            ApplicationStatus::InitialPassed => to_final += 1,
            ApplicationStatus::Passed => grant(&mut tx, &r, actor, t).await?,
            _ => {
                let body = format!(
                    "您将“{}”转换为“{}”的申请未通过，意见：{text}",
                    r.source_name, r.target_name
                );
                store::messages::send(
                    &mut *tx,
                    "learner",
                    r.learner_id,
                    "业绩类成果转换未通过",
                    &body,
                    Some(&format!("/learner/performance/{}", r.id)),
                    t,
                )
                .await?;
            }
        }
        let action = format!("performance_review_{}", st.code());
        store::audit::record(&mut *tx, actor, &action, Some(&r.id.to_string()), Some(to.code()), t).await?;
    }
    if to_final > 0 {
        let body = format!("{to_final}份业绩类成果转换申请已通过初审，待专家终审。");
        crate::messages::to_experts(&mut *tx, "业绩类成果转换待终审", &body, "/expert/performance", t).await?;
    }
    store::commit(tx).await?;
    Ok(ids.len())
}

/// Stores the target as the learner's 转换获取 outcome with the catalog's credits.
async fn grant(tx: &mut Tx, r: &Request, actor: &Actor, t: i64) -> AppResult<()> {
    let Some(o) = store::catalog::by_id(&mut **tx, r.target_id).await? else {
        return Err(AppError::not_found());
    };
    if store::holdings::holds(&mut **tx, r.learner_id, o.id).await? {
        return Err(AppError::Conflict(format!(
            "{}已持有“{}”，不能再次转换获得",
            r.learner_name, o.name
        )));
    }
    let hid = grant_target(tx, r.learner_id, &o, &format!("YJ{}", r.id), actor, t).await?;
    store::performance::set_granted(&mut **tx, r.id, hid).await?;
    if let Some(c) = o.credits {
        let reason = format!("业绩类成果转换（{}）：{}", r.source_name, o.name);
        crate::holdings::grant(tx, hid, r.learner_id, c, &reason, actor, t).await?;
    }
    let body = format!(
        "您将“{}”转换为“{}”的申请已通过，转换获得的成果已存入您的账户。",
        r.source_name, o.name
    );
    store::messages::send(
        &mut **tx,
        "learner",
        r.learner_id,
        "业绩类成果转换已通过",
        &body,
        Some(&format!("/learner/outcomes/{hid}")),
        t,
    )
    .await?;
    Ok(())
}

// ---------------------------------------------------------------- reads

/// The caller's requests: a learner's own, an institution's received ones (conversion
/// area), a department's scope, those waiting for an expert's 终审.
fn scoped(who: &Principal, mut f: Filter) -> AppResult<Filter> {
    match who {
        Principal::Learner(l) => f.learner_id = Some(l.id),
        Principal::Institution { user, institution } => {
            crate::institutions::require(user, Area::Conversion)?;
            f.target_institution_id = Some(institution.id);
        }
        Principal::Department { scope, .. } => f.departments = Some(scope.clone()),
        // Experts see what waits for their 终审.
        Principal::Expert(_) => f.statuses = vec![ApplicationStatus::InitialPassed.code()],
    }
    Ok(f)
}

pub async fn list(app: &App, who: &Principal, f: Filter, page: i64, per_page: i64) -> AppResult<Page<Request>> {
    offered(app)?;
    Ok(store::performance::list(&app.db, &scoped(who, f)?, page, per_page).await?)
}

/// The ticked requests, or every one the list shows when none is ticked; only rows of
/// that list count.
pub async fn ticked_or_all(
    app: &App,
    who: &Principal,
    f: Filter,
    ticked: Vec<PerformanceId>,
) -> AppResult<Vec<PerformanceId>> {
    let shown: Vec<PerformanceId> = list(app, who, f, 1, 500).await?.rows.iter().map(|r| r.id).collect();
    if ticked.is_empty() {
        return Ok(shown);
    }
    Ok(ticked.into_iter().filter(|id| shown.contains(id)).collect())
}

/// One request with its source outcome and review trail, for its detail page.
pub struct Detail {
    pub request: Request,
    pub source: Holding,
    pub target: store::catalog::CatalogOutcome,
    pub reviews: Vec<store::holdings::Review>,
    /// Whether this caller may decide it now.
    pub decidable: bool,
}

/// Whether this caller reviews a request made with this learner outcome (and so may
/// read the outcome and its evidence): the target institution, or an expert once the
/// request reached the 终审.
pub async fn reviews_source(app: &App, who: &Principal, holding: HoldingId) -> AppResult<bool> {
    if !app.bank.performance_conversion() || !matches!(who, Principal::Institution { .. } | Principal::Expert(_)) {
        return Ok(false);
    }
    for r in store::performance::of_source(&app.db.pool, holding).await? {
        let reached = match who {
            Principal::Expert(_) => reached_final(app, &r).await?,
            _ => true,
        };
        if reached && stage_of(who, &r).is_some() {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Whether a request waits for or had its 终审 (experts see only those).
async fn reached_final(app: &App, r: &Request) -> AppResult<bool> {
    Ok(r.status == ApplicationStatus::InitialPassed
        || (r.status.is_final()
            && store::performance::reviews(&app.db.pool, r.id)
                .await?
                .iter()
                .any(|v| v.stage == Stage::Final.code())))
}

pub async fn detail(app: &App, who: &Principal, id: PerformanceId) -> AppResult<Detail> {
    offered(app)?;
    let r = store::performance::by_id(&app.db.pool, id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let visible = match who {
        Principal::Learner(l) => r.learner_id == l.id,
        Principal::Expert(_) => reached_final(app, &r).await?,
        Principal::Department { scope, .. } => store::institutions::by_id(&app.db.pool, r.target_institution_id)
            .await?
            .is_some_and(|i| scope.contains(&i.department_id)),
        _ => stage_of(who, &r).is_some(),
    };
    if !visible {
        return Err(AppError::not_found());
    }
    let reviews = store::performance::reviews(&app.db.pool, r.id).await?;
    let decidable = stage_of(who, &r).is_some_and(|st| st.decides() == r.status);
    Ok(Detail {
        source: store::holdings::by_id(&app.db.pool, r.source_id)
            .await?
            .ok_or_else(AppError::not_found)?,
        target: store::catalog::by_id(&app.db.pool, r.target_id)
            .await?
            .ok_or_else(AppError::not_found)?,
        reviews,
        decidable,
        request: r,
    })
}
