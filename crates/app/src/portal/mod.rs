//! The public portal (P-01, P-04): 工作动态, the 业务介绍 / 关于我们 pages and 在线解答,
//! kept by the bank's management centre; the qualifications framework and industry
//! standards are in [`framework`].

pub mod framework;
pub mod questions;

use domain::ids::{NewsId, StaffUserId};
use domain::lifecycle::NewsStatus;
use domain::text;
use store::audit::Actor;
use store::now;
use store::portal::News;

use crate::auth::Principal;
use crate::error::{Checks, checked};
use crate::{App, AppError, AppResult};

/// The staff account of the bank's management centre (the department at the root of
/// the tree): bank-wide content is its to edit, not a provincial department's.
pub fn centre_staff(who: &Principal) -> AppResult<StaffUserId> {
    crate::auth::require_centre(who, "门户内容、资历框架和行业标准")
}

/// Whether this caller may edit the bank-wide content (shows the editing links).
pub fn may_edit(who: &Principal) -> bool {
    centre_staff(who).is_ok()
}

#[derive(Debug, Default, Clone, serde::Deserialize)]
pub struct NewsForm {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub body: String,
}

fn parse_news(f: &NewsForm) -> AppResult<(String, String, String)> {
    let mut v = Checks::default();
    let title = v.check(text::plain("title", "标题", &f.title, 100, true));
    let body = v.check(text::rich("body", "正文", &f.body, true));
    v.finish()?;
    let (source, html) = checked(body)?;
    Ok((checked(title)?, source, html))
}

/// Saves a new item as a draft (未发布).
pub async fn create_news(app: &App, who: &Principal, f: &NewsForm, actor: &Actor) -> AppResult<NewsId> {
    let staff = centre_staff(who)?;
    let (title, body, html) = parse_news(f)?;
    let t = now();
    let mut tx = app.db.begin().await?;
    let id = store::portal::insert_news(&mut *tx, &title, &body, &html, staff, t).await?;
    store::audit::record(&mut *tx, actor, "news_created", Some(&id.to_string()), Some(&title), t).await?;
    store::commit(tx).await?;
    Ok(id)
}

async fn news_to_edit(app: &App, who: &Principal, id: NewsId) -> AppResult<News> {
    centre_staff(who)?;
    store::portal::news(&app.db.pool, id)
        .await?
        .ok_or_else(|| AppError::NotFound("该动态不存在".into()))
}

pub async fn update_news(app: &App, who: &Principal, id: NewsId, f: &NewsForm, actor: &Actor) -> AppResult<()> {
    let n = news_to_edit(app, who, id).await?;
    let (title, body, html) = parse_news(f)?;
    let t = now();
    let mut tx = app.db.begin().await?;
    store::portal::update_news(&mut *tx, n.id, &title, &body, &html, t).await?;
    store::audit::record(&mut *tx, actor, "news_updated", Some(&id.to_string()), Some(&title), t).await?;
    store::commit(tx).await?;
    Ok(())
}

/// 发布 / 撤回 / 删除 a news item. Only a draft or withdrawn item is deleted; a published
/// one is withdrawn first (it may have been linked to).
pub async fn news_action(app: &App, who: &Principal, id: NewsId, action: &str, actor: &Actor) -> AppResult<String> {
    let n = news_to_edit(app, who, id).await?;
    let t = now();
    let mut tx = app.db.begin().await?;
    let done = match (action, n.status) {
        ("publish", NewsStatus::Draft | NewsStatus::Withdrawn) => {
            store::portal::set_news_status(&mut *tx, n.id, NewsStatus::Published, t).await?;
            "已发布"
        }
        ("withdraw", NewsStatus::Published) => {
            store::portal::set_news_status(&mut *tx, n.id, NewsStatus::Withdrawn, t).await?;
            "已撤回"
        }
        ("delete", NewsStatus::Draft | NewsStatus::Withdrawn) => {
            store::portal::delete_news(&mut *tx, n.id).await?;
            "已删除"
        }
        ("delete", _) => return Err(AppError::Conflict("已发布的动态须先撤回再删除".into())),
        _ => return Err(AppError::Conflict("该动态当前状态不能进行此操作".into())),
    };
    store::audit::record(
        &mut *tx,
        actor,
        &format!("news_{action}"),
        Some(&id.to_string()),
        Some(&n.title),
        t,
    )
    .await?;
    store::commit(tx).await?;
    Ok(format!("“{}”{done}", n.title))
}

/// The pages the centre writes: (slug, title).
pub const PAGES: [(&str, &str); 2] = [("business", "业务介绍"), ("about", "关于我们")];

pub fn page_title(slug: &str) -> Option<&'static str> {
    PAGES.iter().find(|p| p.0 == slug).map(|p| p.1)
}

pub async fn save_page(app: &App, who: &Principal, slug: &str, body: &str, actor: &Actor) -> AppResult<()> {
    let staff = centre_staff(who)?;
    let title = page_title(slug).ok_or_else(AppError::not_found)?;
    let (source, html) = text::rich("body", "正文", body, true).map_err(|e| AppError::Invalid(vec![e]))?;
    let t = now();
    let mut tx = app.db.begin().await?;
    store::portal::save_portal_page(&mut *tx, slug, &source, &html, staff, t).await?;
    store::audit::record(&mut *tx, actor, "portal_page_saved", Some(slug), Some(title), t).await?;
    store::commit(tx).await?;
    Ok(())
}
