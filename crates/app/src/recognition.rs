//! Recognition of informal outcomes (L-13, M-03, E-01): the learner applies with
//! evidence (未申请 → 已申请认定), the department gives the initial review, an expert
//! the final one (→ 已认定 with credits, or 认定未通过). Every step keeps its opinion.

use domain::credits::Credits;
use domain::ids::{DepartmentId, HoldingId};
use store::audit::Actor;
use store::learners::Learner;
use store::now;

use crate::{App, AppError, AppResult, holdings};

fn opinion(text: &str, required: bool) -> AppResult<String> {
    Ok(domain::opinion::Opinion::parse("opinion", "审核意见", text, required)?.into_string())
}

/// The learner applies for recognition of informal outcomes; each needs evidence.
pub async fn apply(app: &App, learner: &Learner, ids: &[HoldingId], actor: &Actor) -> AppResult<()> {
    if ids.is_empty() {
        return Err(AppError::field("ids", "请选择要申请认定的成果"));
    }
    let t = now();
    let mut tx = app.db.begin().await?;
    for id in ids {
        let h = store::holdings::by_id(&mut *tx, *id)
            .await?
            .filter(|h| h.learner_id == learner.id)
            .ok_or_else(AppError::not_found)?;
        if h.category != "informal" {
            return Err(AppError::Conflict(format!(
                "“{}”不是无一定形式成果，存储后按机构成果自动认定",
                h.name
            )));
        }
        if h.status == domain::outcome::Status::Withdrawn {
            return Err(AppError::Conflict(format!("“{}”已撤回", h.name)));
        }
        if store::files::of_outcome(&mut *tx, h.id).await?.is_empty() {
            return Err(AppError::Conflict(format!("请先为“{}”上传相关材料", h.name)));
        }
        let moved = store::holdings::set_recognition(&mut *tx, h.id, "none", "applied", None, t).await?
            || store::holdings::set_recognition(&mut *tx, h.id, "rejected", "applied", None, t).await?;
        if !moved {
            return Err(AppError::Conflict(format!("“{}”已申请认定或已认定", h.name)));
        }
        store::holdings::add_review(&mut *tx, h.id, "apply", "apply", None, actor, t).await?;
        store::audit::record(&mut *tx, actor, "recognition_applied", Some(&id.to_string()), None, t).await?;
    }
    store::commit(tx).await?;
    Ok(())
}

/// M-03: the department's initial review of applications in its scope.
pub async fn initial_review(
    app: &App,
    scope: &[DepartmentId],
    actor: &Actor,
    ids: &[HoldingId],
    pass: bool,
    text: &str,
) -> AppResult<usize> {
    let text = opinion(text, !pass)?;
    let t = now();
    let mut tx = app.db.begin().await?;
    for id in ids {
        let h = holdings::in_scope(app, scope, *id).await?;
        let to = if pass { "initial_passed" } else { "rejected" };
        if !store::holdings::set_recognition(&mut *tx, h.id, "applied", to, None, t).await? {
            return Err(AppError::Conflict(format!("“{}”已被审核，请刷新页面", h.name)));
        }
        let decision = if pass { "pass" } else { "fail" };
        store::holdings::add_review(&mut *tx, h.id, "initial", decision, Some(&text), actor, t).await?;
        if !pass {
            let body = format!("您的成果“{}”认定申请初审未通过，意见：{text}", h.name);
            store::messages::send(
                &mut *tx,
                "learner",
                h.learner_id,
                "成果认定未通过",
                &body,
                Some(&format!("/learner/outcomes/{}", h.id)),
                t,
            )
            .await?;
        }
        store::audit::record(
            &mut *tx,
            actor,
            "recognition_initial_review",
            Some(&id.to_string()),
            Some(decision),
            t,
        )
        .await?;
    }
    if pass && !ids.is_empty() {
        let body = format!("{}项成果认定申请已通过初审，待专家终审。", ids.len());
        crate::messages::to_experts(&mut *tx, "成果认定待终审", &body, "/expert/recognition", t).await?;
    }
    store::commit(tx).await?;
    Ok(ids.len())
}

/// E-01: the expert's final review. A pass stores the outcome (if it was not yet) and
/// credits it; the learner is told by message and SMS.
pub async fn final_review(
    app: &App,
    actor: &Actor,
    ids: &[HoldingId],
    pass: bool,
    credits: &str,
    text: &str,
) -> AppResult<usize> {
    let text = opinion(text, !pass)?;
    let credits = if pass {
        let c = Credits::parse("credits", "认定学分", credits)?;
        if c.0 == 0 {
            return Err(AppError::field("credits", "认定学分须大于0"));
        }
        Some(c)
    } else {
        None
    };
    let t = now();
    let mut tx = app.db.begin().await?;
    let mut notify = Vec::new();
    for id in ids {
        let h = store::holdings::by_id(&mut *tx, *id)
            .await?
            .ok_or_else(AppError::not_found)?;
        let to = if pass { "recognised" } else { "rejected" };
        if !store::holdings::set_recognition(&mut *tx, h.id, "initial_passed", to, None, t).await? {
            return Err(AppError::Conflict(format!("“{}”不在待终审状态，请刷新页面", h.name)));
        }
        let decision = if pass { "pass" } else { "fail" };
        store::holdings::add_review(&mut *tx, h.id, "final", decision, Some(&text), actor, t).await?;
        if let Some(c) = credits {
            if h.status != domain::outcome::Status::Stored {
                store::holdings::force_store(&mut *tx, h.id, actor.id.unwrap_or_default(), t).await?;
            }
            holdings::grant(
                &mut tx,
                h.id,
                h.learner_id,
                c.0,
                &format!("成果认定：{}", h.name),
                actor,
                t,
            )
            .await?;
        } else {
            let body = format!("您的成果“{}”认定申请终审未通过，意见：{text}", h.name);
            store::messages::send(
                &mut *tx,
                "learner",
                h.learner_id,
                "成果认定未通过",
                &body,
                Some(&format!("/learner/outcomes/{}", h.id)),
                t,
            )
            .await?;
        }
        store::audit::record(
            &mut *tx,
            actor,
            "recognition_final_review",
            Some(&id.to_string()),
            Some(decision),
            t,
        )
        .await?;
        notify.push((h.learner_mobile.clone(), h.name.clone()));
    }
    store::commit(tx).await?;
    for (mobile, name) in notify.into_iter().filter_map(|(m, n)| m.map(|m| (m, n))) {
        let text = if pass {
            format!("您的学习成果“{name}”已通过认定，学分已存入您的学分银行账户。")
        } else {
            format!("您的学习成果“{name}”未通过认定，请登录查看意见。")
        };
        if let Err(e) = app.sms.send(&mobile, &text).await {
            tracing::warn!(error = %e, "recognition SMS not sent");
        }
    }
    Ok(ids.len())
}
