//! 在线解答: signed-in users ask, the bank's management centre answers — publicly, so
//! that everyone can search the answer, or to the asker alone.

use domain::ids::{InstitutionUserId, LearnerId, QuestionId};
use domain::lifecycle::QuestionStatus;
use domain::text;
use store::audit::Actor;
use store::now;
use store::portal::{NewQuestion, Question};

use super::centre_staff;
use crate::auth::Principal;
use crate::error::{Checks, checked};
use crate::{App, AppError, AppResult};

/// Open questions one asker may have waiting at once.
const MAX_OPEN: i64 = 5;

#[derive(Debug, Default, Clone, serde::Deserialize)]
pub struct AskForm {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub body: String,
}

fn asker(who: &Principal) -> (&'static str, i64) {
    let s = who.session_user();
    (who.role().code(), s.id)
}

pub async fn ask(app: &App, who: &Principal, f: &AskForm, actor: &Actor) -> AppResult<QuestionId> {
    let mut v = Checks::default();
    let title = v.check(text::plain("title", "问题标题", &f.title, 100, true));
    let body = v.check(text::plain("body", "问题描述", &f.body, 2000, true));
    v.finish()?;
    let (role, id) = asker(who);
    if store::portal::open_questions_of(&app.db.pool, role, id).await? >= MAX_OPEN {
        return Err(AppError::Conflict(format!(
            "您已有{MAX_OPEN}个问题等待解答，请在解答后再提问"
        )));
    }
    let (title, body) = (checked(title)?, checked(body)?);
    let t = now();
    let mut tx = app.db.begin().await?;
    let qid = store::portal::insert_question(
        &mut *tx,
        &NewQuestion {
            asker_role: role,
            asker_id: id,
            asker_name: who.name(),
            title: &title,
            body: &body,
            now: t,
        },
    )
    .await?;
    if let Some(root) = store::directory::root_department(&mut *tx).await? {
        crate::messages::to_department(
            &mut *tx,
            root,
            "收到在线提问",
            &format!("{}提问：{title}", who.name()),
            &format!("/department/questions/{qid}"),
            t,
        )
        .await?;
    }
    store::audit::record(
        &mut *tx,
        actor,
        "question_asked",
        Some(&qid.to_string()),
        Some(&title),
        t,
    )
    .await?;
    store::commit(tx).await?;
    Ok(qid)
}

#[derive(Debug, Default, Clone, serde::Deserialize)]
pub struct AnswerForm {
    #[serde(default)]
    pub answer: String,
    /// `1`: publish the question with its answer in 在线解答.
    #[serde(default)]
    pub publish: Option<String>,
}

/// Answers (or corrects the answer of) a question; the asker is told in 我的消息.
pub async fn answer(app: &App, who: &Principal, id: QuestionId, f: &AnswerForm, actor: &Actor) -> AppResult<()> {
    let staff = centre_staff(who)?;
    let q = question(app, id).await?;
    let answer = text::plain("answer", "解答内容", &f.answer, 5000, true).map_err(|e| AppError::Invalid(vec![e]))?;
    let status = if f.publish.is_some() {
        QuestionStatus::Published
    } else {
        QuestionStatus::Answered
    };
    let t = now();
    let mut tx = app.db.begin().await?;
    store::portal::answer_question(&mut *tx, q.id, &answer, status, staff, t).await?;
    let body = format!("您的提问“{}”已有解答，请查看。", q.title);
    let link = "/qa/mine";
    match q.asker_role.as_str() {
        "learner" => {
            crate::messages::to_learner(&mut *tx, LearnerId::new(q.asker_id), "提问已解答", &body, link, t).await?
        }
        "institution" => {
            if let Some(u) = store::institutions::user_by_id(&mut *tx, InstitutionUserId::new(q.asker_id)).await? {
                crate::messages::to_institution(&mut *tx, u.institution_id, None, "提问已解答", &body, link, t).await?;
            }
        }
        _ => {}
    }
    store::audit::record(
        &mut *tx,
        actor,
        "question_answered",
        Some(&id.to_string()),
        Some(status.code()),
        t,
    )
    .await?;
    store::commit(tx).await?;
    Ok(())
}

pub async fn question(app: &App, id: QuestionId) -> AppResult<Question> {
    store::portal::question(&app.db.pool, id)
        .await?
        .ok_or_else(|| AppError::NotFound("该问题不存在".into()))
}

/// A question as its viewer may see it: published ones by anyone, others by the asker
/// and the centre.
pub async fn visible(app: &App, who: Option<&Principal>, id: QuestionId) -> AppResult<Question> {
    let q = question(app, id).await?;
    let mine = who.is_some_and(|w| asker(w) == (q.asker_role.as_str(), q.asker_id));
    if q.status == QuestionStatus::Published || mine || who.is_some_and(super::may_edit) {
        Ok(q)
    } else {
        Err(AppError::NotFound("该问题不存在".into()))
    }
}

/// Which list of questions a page shows.
pub enum List {
    Published,
    Mine,
    /// The centre's queue, by status (empty: all).
    Queue(String),
}

pub async fn list(
    app: &App,
    who: Option<&Principal>,
    which: List,
    q: &str,
    page: i64,
) -> AppResult<store::Page<Question>> {
    use store::portal::Questions;
    let filter = match &which {
        List::Published => Questions::Published,
        List::Mine => {
            let w = who.ok_or_else(AppError::forbidden)?;
            let (role, id) = asker(w);
            Questions::AskedBy(role, id)
        }
        List::Queue(s) => {
            centre_staff(who.ok_or_else(AppError::forbidden)?)?;
            Questions::Status(Some(s.as_str()).filter(|s| !s.is_empty()))
        }
    };
    Ok(store::portal::questions(&app.db, filter, q, page, 20).await?)
}
