//! 我的消息 (L-14, I-11): the caller's own box, whatever its role. An institution's
//! messages belong to the institution; a sub-user sees those of the areas it was given.

use domain::ids::MessageId;
use domain::role::Area;

use super::Message;
use crate::auth::Principal;
use crate::{App, AppError, AppResult};

pub const PAGE: i64 = 20;

/// The caller's box, or a refusal for a sub-user without the messages area.
fn inbox(who: &Principal) -> AppResult<(&'static str, i64, &str)> {
    Ok(match who {
        Principal::Learner(l) => ("learner", l.id.get(), "*"),
        Principal::Institution { user, institution } => {
            crate::institutions::require(user, Area::Messages)?;
            let areas = if user.is_primary == 1 { "*" } else { user.areas.as_str() };
            ("institution", institution.id.get(), areas)
        }
        Principal::Department { department, .. } => ("department", department.id.get(), "*"),
        Principal::Expert(u) => ("expert", u.id.get(), "*"),
    })
}

fn boxed(who: &Principal) -> AppResult<store::messages::Inbox<'_>> {
    let (role, id, areas) = inbox(who)?;
    Ok(store::messages::Inbox { role, id, areas })
}

/// A page of the caller's messages, newest first, below `before_id` when given.
pub async fn list(
    app: &App,
    who: &Principal,
    unread_only: bool,
    before_id: Option<MessageId>,
    limit: i64,
) -> AppResult<Vec<Message>> {
    Ok(store::messages::list(&app.db.pool, boxed(who)?, unread_only, before_id, limit).await?)
}

/// (all, unread) in the caller's box.
pub async fn counts(app: &App, who: &Principal) -> AppResult<(i64, i64)> {
    Ok(store::messages::counts(&app.db.pool, boxed(who)?).await?)
}

/// The unread count shown in the header; 0 for a sub-user without the messages area.
pub async fn unread(app: &App, who: &Principal) -> AppResult<i64> {
    match boxed(who) {
        Ok(b) => Ok(store::messages::unread(&app.db.pool, b).await?),
        Err(AppError::Forbidden(_)) => Ok(0),
        Err(e) => Err(e),
    }
}

/// Opens one of the caller's messages, marking it read; another box's message is 404.
pub async fn open(app: &App, who: &Principal, id: MessageId) -> AppResult<Message> {
    store::messages::open(&app.db.pool, boxed(who)?, id, store::now())
        .await?
        .ok_or_else(AppError::not_found)
}

/// Marks all the caller's messages read; returns how many were unread.
pub async fn read_all(app: &App, who: &Principal) -> AppResult<u64> {
    Ok(store::messages::read_all(&app.db.pool, boxed(who)?, store::now()).await?)
}

/// Where the message's 处理 leads: only a path inside the caller's own space.
pub fn action_link<'m>(who: &Principal, m: &'m Message) -> Option<&'m str> {
    let space = match who {
        Principal::Learner(_) => "/learner/",
        Principal::Institution { .. } => "/institution/",
        Principal::Department { .. } => "/department/",
        Principal::Expert(_) => "/expert/",
    };
    m.link.as_deref().filter(|l| l.starts_with(space) && !l.contains("//"))
}
