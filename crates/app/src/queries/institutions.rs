//! Departments, institutions and their accounts as each role may see them.

use crate::{App, AppError, AppResult};
use domain::ids::{DepartmentId, InstitutionId, InstitutionUserId, LearnerId, OutcomeTypeId};

use domain::lifecycle::InstitutionStatus;

use super::{CatalogFilter, Department, DirectoryEntry, HoldingFilter, Institution, InstitutionUser, RuleFilter};

/// Every department (the registration wizard lets a registrant choose one).
pub async fn departments(app: &App) -> AppResult<Vec<Department>> {
    Ok(store::directory::departments(&app.db.pool).await?)
}

/// The name of a department, or an empty string.
pub async fn department_name(app: &App, id: DepartmentId) -> AppResult<String> {
    Ok(store::directory::department(&app.db.pool, id)
        .await?
        .map(|d| d.name)
        .unwrap_or_default())
}

/// Schools or organisations of a department's directory that have not registered yet.
pub async fn unregistered(app: &App, department_id: DepartmentId, org: bool) -> AppResult<Vec<DirectoryEntry>> {
    let kind = if org { "org" } else { "school" };
    Ok(store::directory::unregistered(&app.db.pool, department_id, kind).await?)
}

/// Every approved institution (public: the catalog's institution filter).
pub async fn approved(app: &App) -> AppResult<Vec<Institution>> {
    let all: Vec<DepartmentId> = departments(app).await?.into_iter().map(|d| d.id).collect();
    Ok(store::institutions::list_in(&app.db.pool, &all, Some(InstitutionStatus::Approved)).await?)
}

/// Institutions in a department's scope, optionally of one status.
pub async fn in_scope(
    app: &App,
    scope: &[DepartmentId],
    status: Option<InstitutionStatus>,
) -> AppResult<Vec<Institution>> {
    Ok(store::institutions::list_in(&app.db.pool, scope, status).await?)
}

/// One institution in a department's scope; any other is "not found".
pub async fn scoped(app: &App, scope: &[DepartmentId], id: InstitutionId) -> AppResult<Institution> {
    store::institutions::by_id(&app.db.pool, id)
        .await?
        .filter(|i| scope.contains(&i.department_id))
        .ok_or_else(AppError::not_found)
}

/// The name of an institution (public facts of a published rule).
pub async fn name_of(app: &App, id: InstitutionId) -> AppResult<String> {
    Ok(store::institutions::by_id(&app.db.pool, id)
        .await?
        .map(|i| i.name)
        .unwrap_or_default())
}

/// The sub-users of an institution (not the primary account).
pub async fn sub_users(app: &App, institution_id: InstitutionId) -> AppResult<Vec<InstitutionUser>> {
    Ok(store::institutions::users_of(&app.db.pool, institution_id)
        .await?
        .into_iter()
        .filter(|u| u.is_primary == 0)
        .collect())
}

/// One sub-user of this institution, or "not found".
pub async fn sub_user(app: &App, institution_id: InstitutionId, id: InstitutionUserId) -> AppResult<InstitutionUser> {
    store::institutions::user_by_id(&app.db.pool, id)
        .await?
        .filter(|u| u.institution_id == institution_id && u.is_primary == 0)
        .ok_or_else(AppError::not_found)
}

/// The counts on the institution's account centre.
pub struct Overview {
    pub department: String,
    pub sub_users: usize,
    /// Catalog outcomes per type.
    pub catalog_by_type: Vec<TypeCount>,
    /// Learner outcomes issued per type.
    pub holdings_by_type: Vec<TypeCount>,
    /// Rules by state: all, unpublished, published, taken down.
    pub rule_counts: Vec<RuleCount>,
}

pub struct TypeCount {
    pub id: OutcomeTypeId,
    pub name: String,
    pub count: i64,
}

pub struct RuleCount {
    pub label: &'static str,
    pub count: i64,
}

pub async fn overview(app: &App, inst: &Institution) -> AppResult<Overview> {
    let pool = &app.db.pool;
    let mut catalog_by_type = Vec::new();
    let mut holdings_by_type = Vec::new();
    for t in store::taxonomy::types(pool).await? {
        let c = CatalogFilter {
            institution_id: Some(inst.id),
            type_id: Some(t.id),
            ..Default::default()
        };
        let c = store::catalog::list(&app.db, &c, 1, 1).await?.total;
        let h = HoldingFilter {
            issuer_institution_id: Some(inst.id),
            type_id: Some(t.id),
            ..Default::default()
        };
        let h = store::holdings::count(&app.db, &h).await?;
        catalog_by_type.push(TypeCount {
            id: t.id,
            name: t.name.clone(),
            count: c,
        });
        holdings_by_type.push(TypeCount {
            id: t.id,
            name: t.name,
            count: h,
        });
    }
    let mut rule_counts = Vec::new();
    for (label, statuses) in [
        ("规则总数", vec![]),
        ("未发布", vec!["draft", "withdrawn"]),
        ("已发布", vec!["published"]),
        ("下架", vec!["taken_down"]),
    ] {
        let f = RuleFilter {
            institution_id: Some(inst.id),
            statuses,
            ..Default::default()
        };
        let count = store::conversion::rules(&app.db, &f, 1, 1).await?.total;
        rule_counts.push(RuleCount { label, count });
    }
    Ok(Overview {
        department: department_name(app, inst.department_id).await?,
        sub_users: sub_users(app, inst.id).await?.len(),
        catalog_by_type,
        holdings_by_type,
        rule_counts,
    })
}

/// The development outbox (only for a demo bank; the caller checks).
pub async fn outbox(app: &App, limit: i64) -> AppResult<Vec<super::OutboxMessage>> {
    if !app.config.demo || !app.config.listens_on_loopback() {
        return Err(AppError::not_found());
    }
    Ok(store::outbox::latest(&app.db.pool, limit).await?)
}

/// 学员账户: the learners an institution may see (those it created and those holding its
/// outcomes), by name, ID number and entry year.
pub async fn learners(
    app: &App,
    institution_id: InstitutionId,
    f: &super::LearnerFilter,
    page: i64,
    per_page: i64,
) -> AppResult<super::Page<super::Learner>> {
    Ok(store::learners::of_institution(&app.db, institution_id, f, page, per_page).await?)
}

/// A pre-imported learner this institution created and may still edit, shown with its
/// full ID number: the view is audited (who saw whose number, when, from where).
pub async fn inactive_learner(
    app: &App,
    institution_id: InstitutionId,
    id: LearnerId,
    actor: &super::Actor,
) -> AppResult<super::Learner> {
    let l = store::learners::by_id(&app.db.pool, id)
        .await?
        .filter(|l| l.created_by_institution == Some(institution_id) && !l.is_active())
        .ok_or_else(AppError::not_found)?;
    let object = format!("学员{}（{}）", l.id, l.name);
    store::audit::record(
        &app.db.pool,
        actor,
        "personal_data_viewed",
        Some(&object),
        None,
        store::now(),
    )
    .await?;
    Ok(l)
}

/// A learner this institution may see, with the outcomes it issued to them.
pub async fn learner(
    app: &App,
    institution_id: InstitutionId,
    id: LearnerId,
) -> AppResult<(super::Learner, Vec<super::Holding>)> {
    let l = store::learners::by_id(&app.db.pool, id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let f = HoldingFilter {
        learner_id: Some(id),
        issuer_institution_id: Some(institution_id),
        ..Default::default()
    };
    let holdings = store::holdings::list(&app.db, &f, 1, 200).await?.rows;
    if l.created_by_institution != Some(institution_id) && holdings.is_empty() {
        return Err(AppError::not_found());
    }
    Ok((l, holdings))
}
