//! 问题反馈 (L-09, I-06): on an outcome an institution or the bank created, the learner
//! reports a mistake (姓名有误 … 个人照片有误) with a PDF; the institution that created
//! it — or the bank's department, for the bank's own outcomes — answers 已解决 or 驳回.
//! Each side is told by message, in the transaction of the change.

use domain::ids::{DepartmentId, FeedbackId, HoldingId, InstitutionId};
use domain::lifecycle::FeedbackStatus;
use domain::opinion::Opinion;
use domain::role::Area;
use store::audit::Actor;
use store::learners::Learner;
use store::now;

use crate::auth::Principal;
use crate::error::{Checks, checked};
use crate::files::Accept;
use crate::{App, AppError, AppResult};

/// The problems a learner may report, as (code, label).
pub const PROBLEMS: [(&str, &str); 5] = [
    ("name", "姓名有误"),
    ("id_number", "身份证号有误"),
    ("number", "证书编号有误"),
    ("issued_on", "发证日期有误"),
    ("photo", "个人照片有误"),
];

pub fn problem_label(code: &str) -> &'static str {
    PROBLEMS.iter().find(|p| p.0 == code).map(|p| p.1).unwrap_or("其他")
}

#[derive(Debug, Default, Clone, serde::Deserialize)]
pub struct Report {
    #[serde(default)]
    pub problem: String,
    #[serde(default)]
    pub content: String,
}

/// Who answers reports on this outcome: the institution that created it, or the
/// department over its issuer (the root department when it has none).
async fn answerer(app: &App, h: &store::holdings::Holding) -> AppResult<(Option<InstitutionId>, Option<DepartmentId>)> {
    let pool = &app.db.pool;
    if h.source == crate::holdings::SOURCE_INSTITUTION
        && let Some(i) = h.issuer_institution_id
    {
        return Ok((Some(i), None));
    }
    if let Some(i) = h.issuer_institution_id
        && let Some(inst) = store::institutions::by_id(pool, i).await?
    {
        return Ok((None, Some(inst.department_id)));
    }
    let root = store::directory::departments(pool)
        .await?
        .into_iter()
        .find(|d| d.parent_id.is_none())
        .ok_or_else(|| AppError::Conflict("学分银行尚未设置管理部门".into()))?;
    Ok((None, Some(root.id)))
}

/// The learner reports a problem with a PDF. Returns the report's id.
pub async fn report(
    app: &App,
    learner: &Learner,
    holding: HoldingId,
    f: &Report,
    file: Option<(&str, &[u8])>,
    actor: &Actor,
) -> AppResult<FeedbackId> {
    let h = store::holdings::by_id(&app.db.pool, holding)
        .await?
        .filter(|h| h.learner_id == learner.id)
        .ok_or_else(AppError::not_found)?;
    if h.source == crate::holdings::SOURCE_PERSONAL {
        return Err(AppError::Conflict("个人创建的成果可直接修改，无需问题反馈".into()));
    }
    let mut v = Checks::default();
    if !PROBLEMS.iter().any(|p| p.0 == f.problem) {
        v.fail("problem", "请选择反馈问题");
    }
    let content = v.check(Opinion::parse("content", "问题说明", &f.content, false));
    if file.is_none() {
        v.fail("file", "请上传反馈文件（PDF）");
    }
    v.finish()?;
    let content = checked(content)?.into_string();
    if store::feedback::open_exists(&app.db.pool, h.id, &f.problem).await? {
        return Err(AppError::Conflict(format!(
            "您已反馈过“{}”，请等待处理结果",
            problem_label(&f.problem)
        )));
    }
    let (name, bytes) = file.ok_or_else(|| AppError::field("file", "请上传反馈文件（PDF）"))?;
    let up = crate::files::check_and_put(app, "file", name, bytes, Accept::Pdf).await?;
    let (institution, department) = answerer(app, &h).await?;
    let t = now();
    let mut tx = app.db.begin().await?;
    let file = crate::files::record(&mut *tx, &up, "learner", learner.id).await?;
    let id = store::feedback::insert(
        &mut *tx,
        &store::feedback::NewFeedback {
            learner_outcome_id: h.id,
            learner_id: learner.id,
            institution_id: institution,
            department_id: department,
            problem: &f.problem,
            content: &content,
            file_id: Some(file),
            now: t,
        },
    )
    .await?;
    let body = format!(
        "{}反馈成果“{}”{}，请处理。",
        learner.name,
        h.name,
        problem_label(&f.problem)
    );
    match (institution, department) {
        (Some(i), _) => {
            let link = format!("/institution/feedback/{id}");
            crate::messages::to_institution(&mut *tx, i, Some(Area::Outcomes), "收到问题反馈", &body, &link, t).await?;
        }
        (None, Some(d)) => {
            let link = format!("/department/feedback/{id}");
            crate::messages::to_department(&mut *tx, d, "收到问题反馈", &body, &link, t).await?;
        }
        (None, None) => {}
    }
    store::audit::record(
        &mut *tx,
        actor,
        "feedback_reported",
        Some(&id.to_string()),
        Some(&f.problem),
        t,
    )
    .await?;
    store::commit(tx).await?;
    Ok(id)
}

#[derive(Debug, Default, Clone, serde::Deserialize)]
pub struct Answer {
    /// `resolved` or `rejected`.
    #[serde(default)]
    pub decision: String,
    #[serde(default)]
    pub reply: String,
}

/// 去处理: the institution or department that answers the report decides it, with a
/// reply (required when it is refused). The learner is told.
pub async fn answer(app: &App, who: &Principal, id: FeedbackId, f: &Answer, actor: &Actor) -> AppResult<()> {
    let fb = crate::queries::feedback::answerable(app, who, id).await?;
    let mut v = Checks::default();
    let decision = FeedbackStatus::parse(&f.decision)
        .ok()
        .filter(|d| *d != FeedbackStatus::Open);
    if decision.is_none() {
        v.fail("decision", "请选择处理结果");
    }
    let required = decision != Some(FeedbackStatus::Resolved);
    let reply = v.check(Opinion::parse("reply", "回复内容", &f.reply, required));
    v.finish()?;
    let reply = checked(reply)?.into_string();
    let decision = decision.ok_or_else(|| AppError::field("decision", "请选择处理结果"))?;
    let t = now();
    let mut tx = app.db.begin().await?;
    if !store::feedback::decide(&mut *tx, fb.id, decision, t).await? {
        return Err(AppError::Conflict("该反馈已处理，请刷新页面".into()));
    }
    if !reply.is_empty() {
        let author = match who {
            Principal::Institution { institution, .. } => institution.name.clone(),
            _ => "学分银行".to_string(),
        };
        store::feedback::add_reply(&mut *tx, fb.id, who.role().code(), &author, &reply, t).await?;
    }
    let body = format!(
        "您对成果“{}”的问题反馈（{}）{}{}",
        fb.outcome_name,
        problem_label(&fb.problem),
        if f.decision == "resolved" {
            "已解决"
        } else {
            "被驳回"
        },
        if reply.is_empty() {
            "。".to_string()
        } else {
            format!("，回复：{reply}")
        }
    );
    let link = format!("/learner/feedback/{}", fb.id);
    crate::messages::to_learner(&mut *tx, fb.learner_id, "问题反馈已处理", &body, &link, t).await?;
    store::audit::record(
        &mut *tx,
        actor,
        "feedback_answered",
        Some(&fb.id.to_string()),
        Some(&f.decision),
        t,
    )
    .await?;
    store::commit(tx).await?;
    Ok(())
}
