//! What the public portal shows: published news, the centre's pages, the directory of
//! approved institutions, the framework levels and industry standards. Drafts and
//! withdrawn news are seen only by the centre that edits them.

use crate::auth::Principal;
use crate::portal::may_edit;
use crate::{App, AppError, AppResult};
use domain::ids::{InstitutionId, LevelId, NewsId};

use super::{Institution, Page};
pub use store::framework::{Level, Standard};
pub use store::portal::{News, PortalPage, Question};

pub async fn published_news(app: &App, q: &str, page: i64, per_page: i64) -> AppResult<Page<News>> {
    Ok(store::portal::news_page(&app.db, q, false, page, per_page).await?)
}

/// Every news item, for the centre's 工作动态管理.
pub async fn all_news(app: &App, who: &Principal, q: &str, page: i64) -> AppResult<Page<News>> {
    crate::portal::centre_staff(who)?;
    Ok(store::portal::news_page(&app.db, q, true, page, 20).await?)
}

/// One news item: published ones for everyone, others for the centre only.
pub async fn news(app: &App, who: Option<&Principal>, id: NewsId) -> AppResult<News> {
    store::portal::news(&app.db.pool, id)
        .await?
        .filter(|n| n.status == domain::lifecycle::NewsStatus::Published || who.is_some_and(may_edit))
        .ok_or_else(|| AppError::NotFound("该动态不存在或已撤回".into()))
}

/// A centre page (业务介绍 / 关于我们); `None` until it is first written.
pub async fn portal_page(app: &App, slug: &str) -> AppResult<Option<PortalPage>> {
    crate::portal::page_title(slug).ok_or_else(AppError::not_found)?;
    Ok(store::portal::portal_page(&app.db.pool, slug).await?)
}

pub async fn directory(
    app: &App,
    q: &str,
    kind: Option<&str>,
    page: i64,
    per_page: i64,
) -> AppResult<Page<Institution>> {
    Ok(store::institutions::directory_page(&app.db, q, kind, page, per_page).await?)
}

/// An approved institution of the directory; others are not public.
pub async fn listed_institution(app: &App, id: InstitutionId) -> AppResult<Institution> {
    store::institutions::by_id(&app.db.pool, id)
        .await?
        .filter(|i| i.status == domain::lifecycle::InstitutionStatus::Approved)
        .ok_or_else(|| AppError::NotFound("该机构不存在或尚未通过审核".into()))
}

pub async fn levels(app: &App) -> AppResult<Vec<Level>> {
    Ok(store::framework::levels(&app.db.pool).await?)
}

pub async fn level(app: &App, id: LevelId) -> AppResult<Level> {
    store::framework::level(&app.db.pool, id)
        .await?
        .ok_or_else(|| AppError::NotFound("该等级不存在".into()))
}

pub async fn standards(
    app: &App,
    q: &str,
    level: Option<LevelId>,
    page: i64,
    per_page: i64,
) -> AppResult<Page<Standard>> {
    Ok(store::framework::standards(&app.db, q, level, page, per_page).await?)
}
