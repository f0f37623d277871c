//! Sending 我的消息 from inside a use case's transaction. Each recipient kind has one
//! function, so the box codes and the areas of an institution live here only.

use domain::ids::{DepartmentId, InstitutionId, LearnerId};
use domain::role::Area;
use store::Exec;

use crate::AppResult;

pub async fn to_learner<'c>(
    e: impl Exec<'c>,
    learner: LearnerId,
    title: &str,
    body: &str,
    link: &str,
    t: i64,
) -> AppResult<()> {
    Ok(store::messages::send(e, "learner", learner, title, body, Some(link), t).await?)
}

/// To the users of an institution who were given `area`.
pub async fn to_institution<'c>(
    e: impl Exec<'c>,
    institution: InstitutionId,
    area: Option<Area>,
    title: &str,
    body: &str,
    link: &str,
    t: i64,
) -> AppResult<()> {
    let area = area.map(Area::code);
    Ok(store::messages::send_in_area(e, "institution", institution, area, title, body, Some(link), t).await?)
}

pub async fn to_department<'c>(
    e: impl Exec<'c>,
    department: DepartmentId,
    title: &str,
    body: &str,
    link: &str,
    t: i64,
) -> AppResult<()> {
    Ok(store::messages::send(e, "department", department, title, body, Some(link), t).await?)
}

/// To every active expert: final reviews are open to the whole committee.
pub async fn to_experts<'c>(e: impl Exec<'c>, title: &str, body: &str, link: &str, t: i64) -> AppResult<()> {
    Ok(store::messages::send_to_experts(e, title, body, link, t).await?)
}
