//! Reviewing conversion applications (I-09, M-03, E-01) and granting what a passed one converts into.

use super::*;
use domain::ids::{ApplicationId, DepartmentId, HoldingId, InstitutionId, LearnerId};

// ---------------------------------------------------------------- reviews and grant

/// Who is reviewing.
pub enum Reviewer<'a> {
    /// The target institution (single-stage chain).
    Institution(InstitutionId),
    /// The department of a scope (initial review, two-stage chain).
    Department(&'a [DepartmentId]),
    /// An expert (final review, two-stage chain).
    Expert,
}

pub(super) fn opinion(text: &str, required: bool) -> AppResult<String> {
    Ok(domain::opinion::Opinion::parse("opinion", "审核意见", text, required)?.into_string())
}

/// Decides applications. Exactly one of two reviewers acting at once wins; the other
/// is told the application was already decided. Returns the number decided.
/// The stage at which this reviewer decides this application in this chain, if any:
/// the target institution alone (single chain), the department over the target
/// institution (initial), an expert (final). `department` is the target's.
fn stage_of(who: &Reviewer<'_>, chain: Chain, a: &Application, department: Option<DepartmentId>) -> Option<Stage> {
    match (who, chain) {
        (Reviewer::Institution(inst), Chain::Single) if a.target_institution_id == *inst => Some(Stage::Single),
        (Reviewer::Department(scope), Chain::TwoStage) if department.is_some_and(|d| scope.contains(&d)) => {
            Some(Stage::Initial)
        }
        (Reviewer::Expert, Chain::TwoStage) => Some(Stage::Final),
        _ => None,
    }
}

/// Whether this reviewer may decide this application now (the detail page shows the
/// pass/fail buttons only then).
pub async fn may_decide(app: &App, who: &Reviewer<'_>, a: &Application) -> AppResult<bool> {
    let department = store::institutions::by_id(&app.db.pool, a.target_institution_id)
        .await?
        .map(|i| i.department_id);
    Ok(stage_of(who, chain(app).await?, a, department).is_some_and(|st| st.decides() == a.status))
}

pub async fn review(
    app: &App,
    who: Reviewer<'_>,
    ids: &[ApplicationId],
    pass: bool,
    text: &str,
    actor: &Actor,
) -> AppResult<usize> {
    if ids.is_empty() {
        return Err(AppError::field("ids", "没有待审核的申请"));
    }
    let text = opinion(text, !pass)?;
    let chain = chain(app).await?;
    let t = now();
    let mut tx = app.db.begin().await?;
    let mut granted = Vec::new();
    let mut to_final = 0;
    for id in ids {
        let a = store::conversion::application(&mut *tx, *id)
            .await?
            .ok_or_else(AppError::not_found)?;
        let department = store::institutions::by_id(&mut *tx, a.target_institution_id)
            .await?
            .map(|i| i.department_id);
        let st = stage_of(&who, chain, &a, department).ok_or_else(AppError::not_found)?;
        let (stage, from, to) = (st.code(), st.decides().code(), st.outcome(pass).code());
        if !store::conversion::set_application_status(&mut *tx, a.id, from, to, t).await? {
            return Err(AppError::Conflict(format!(
                "{}的申请（规则{}）已被审核，请刷新页面",
                a.learner_name, a.rule_code
            )));
        }
        store::conversion::add_application_review(
            &mut *tx,
            a.id,
            stage,
            if pass { "pass" } else { "fail" },
            &text,
            actor,
            t,
        )
        .await?;
        if to == "initial_passed" {
            to_final += 1;
        } else if to == "passed" {
            grant(&mut tx, &a, actor, t).await?;
            granted.push(a.learner_id);
        } else if to == "failed" {
            let body = format!(
                "您按规则{}（{}）提交的转换申请未通过，意见：{text}",
                a.rule_code, a.rule_name
            );
            store::messages::send(
                &mut *tx,
                "learner",
                a.learner_id,
                "转换申请未通过",
                &body,
                Some("/learner/conversions?tab=failed"),
                t,
            )
            .await?;
        }
        store::audit::record(
            &mut *tx,
            actor,
            &format!("conversion_review_{stage}"),
            Some(&a.id.to_string()),
            Some(to),
            t,
        )
        .await?;
    }
    if to_final > 0 {
        let body = format!("{to_final}份转换申请已通过初审，待专家终审。");
        crate::messages::to_experts(&mut *tx, "转换申请待终审", &body, "/expert/conversions", t).await?;
    }
    store::commit(tx).await?;
    for learner in granted {
        if let Some(mobile) = store::learners::by_id(&app.db.pool, learner)
            .await?
            .and_then(|l| l.mobile)
            && let Err(e) = app
                .sms
                .send(
                    &mobile,
                    "您的学习成果转换申请已通过，转换获得的成果已存入您的学分银行账户，请登录查看。",
                )
                .await
        {
            tracing::warn!(error = %e, "conversion SMS not sent");
        }
    }
    Ok(ids.len())
}

/// Adds the targets the learner does not hold yet as 转换获取 outcomes, with their
/// credits in the ledger, and tells the learner.
pub(super) async fn grant(tx: &mut Tx, a: &Application, actor: &Actor, t: i64) -> AppResult<()> {
    let targets = store::conversion::targets(&mut **tx, a.rule_id).await?;
    let mut names = Vec::new();
    for target in targets {
        if store::holdings::holds(&mut **tx, a.learner_id, target.institution_outcome_id).await? {
            continue;
        }
        let Some(o) = store::catalog::by_id(&mut **tx, target.institution_outcome_id).await? else {
            continue;
        };
        let hid = grant_target(tx, a.learner_id, &o, &format!("ZH{}", a.id), actor, t).await?;
        store::holdings::set_granted_by(&mut **tx, hid, a.id).await?;
        if let Some(c) = target.credits.or(o.credits) {
            crate::holdings::grant(
                tx,
                hid,
                a.learner_id,
                c,
                &format!("成果转换（规则{}）：{}", a.rule_code, o.name),
                actor,
                t,
            )
            .await?;
        }
        names.push(o.name);
    }
    let body = format!(
        "您按规则{}提交的转换申请已通过，获得：{}。",
        a.rule_code,
        if names.is_empty() {
            "（目标成果均已持有）".to_string()
        } else {
            names.join("、")
        }
    );
    store::messages::send(
        &mut **tx,
        "learner",
        a.learner_id,
        "转换申请已通过",
        &body,
        Some("/learner/conversions"),
        t,
    )
    .await?;
    Ok(())
}

/// Stores a catalog outcome a conversion granted as the learner's 转换获取 outcome, issued
/// today with the conversion's number. Credits are the caller's: a rule may give its own.
pub(super) async fn grant_target(
    tx: &mut Tx,
    learner: LearnerId,
    o: &store::catalog::CatalogOutcome,
    number: &str,
    actor: &Actor,
    t: i64,
) -> AppResult<HoldingId> {
    let issued = domain::time::beijing_day(t).format("%Y-%m-%d").to_string();
    Ok(store::holdings::insert(
        &mut **tx,
        &store::holdings::NewHolding {
            learner_id: learner,
            institution_outcome_id: Some(o.id),
            subtype_id: o.subtype_id,
            name: &o.name,
            issuer: &o.institution_name,
            issuer_institution_id: Some(o.institution_id),
            number: Some(number),
            issued_on: Some(&issued),
            score: None,
            fields: &o.fields,
            source: "conversion",
            status: "stored",
            stored_by: Some("bank"),
            stored_by_id: actor.id,
            now: t,
        },
    )
    .await?)
}
