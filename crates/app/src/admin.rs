//! Operator actions behind `creditbank admin`: departments, staff and expert accounts,
//! password resets, and the directory of institutions.

use domain::account::AccountName;
use domain::ids::DepartmentId;
use domain::name::parse_label;
use domain::password::NewPassword;
use domain::role::Role;
use store::audit::Actor;
use store::lockout::AccountTable;
use store::now;

use crate::{App, AppError, AppResult, institutions::initial_password, password};

fn operator() -> Actor {
    Actor {
        role: Some("operator".into()),
        name: Some("creditbank admin".into()),
        ..Default::default()
    }
}

/// Creates a department, under `parent` if given. Returns its id.
pub async fn create_department(app: &App, name: &str, parent: Option<&str>) -> AppResult<DepartmentId> {
    let name = parse_label("name", "部门名称", name, 60)?;
    let parent_id = match parent {
        Some(p) => Some(
            store::directory::department_by_name(&app.db.pool, p)
                .await?
                .ok_or_else(|| AppError::NotFound(format!("上级部门“{p}”不存在")))?
                .id,
        ),
        None => None,
    };
    if store::directory::department_by_name(&app.db.pool, &name)
        .await?
        .is_some()
    {
        return Err(AppError::field("name", format!("部门“{name}”已存在")));
    }
    let mut tx = app.db.begin().await?;
    let id = store::directory::insert_department(&mut *tx, &name, parent_id, now()).await?;
    store::audit::record(&mut *tx, &operator(), "department_created", Some(&name), None, now()).await?;
    store::commit(tx).await?;
    Ok(id)
}

pub struct NewStaffAccount<'a> {
    pub role: Role,
    pub account: &'a str,
    pub name: &'a str,
    pub department: Option<&'a str>,
    pub committee: Option<&'a str>,
    /// `None` generates one.
    pub password: Option<&'a str>,
}

/// Creates a department staff or expert account; returns the password to hand over.
pub async fn create_staff(app: &App, n: &NewStaffAccount<'_>) -> AppResult<String> {
    if !matches!(n.role, Role::Department | Role::Expert) {
        return Err(AppError::field("role", "只能创建综合管理部门或专家账号"));
    }
    let account = AccountName::parse(n.account)?;
    // Staff accounts may carry an office name ("继续教育处"), so any plain label will do.
    let display = parse_label("name", "姓名", n.name, 30)?;
    let department_id = match n.department {
        Some(d) => Some(
            store::directory::department_by_name(&app.db.pool, d)
                .await?
                .ok_or_else(|| AppError::NotFound(format!("部门“{d}”不存在")))?
                .id,
        ),
        None if n.role == Role::Department => {
            return Err(AppError::field("department", "综合管理部门账号须指定所属部门"));
        }
        None => None,
    };
    let pw = match n.password {
        Some(p) => NewPassword::parse(p, p)?.as_str().to_string(),
        None => initial_password(),
    };
    let hash = password::hash(&pw)?;
    let mut tx = app.db.begin().await?;
    store::staff::insert(
        &mut *tx,
        &store::staff::NewStaff {
            role: n.role.code(),
            account: account.as_str(),
            name: &display,
            mobile: None,
            department_id,
            committee: n.committee,
            password_hash: &hash,
            now: now(),
        },
    )
    .await
    .map_err(|e| {
        if e.is_unique_violation() {
            AppError::field("account", "该账号已存在")
        } else {
            e.into()
        }
    })?;
    store::audit::record(
        &mut *tx,
        &operator(),
        "staff_created",
        Some(account.as_str()),
        Some(n.role.code()),
        now(),
    )
    .await?;
    store::commit(tx).await?;
    Ok(pw)
}

/// Resets any account's password to a new random one (returned) and unlocks it.
/// Learners are found by ID number or mobile.
pub async fn reset_password(app: &App, role: Role, account: &str) -> AppResult<String> {
    let pool = &app.db.pool;
    let (table, id) = match role {
        Role::Learner => {
            let l = match store::learners::by_id_number(pool, &account.to_ascii_uppercase()).await? {
                Some(l) => Some(l),
                None => store::learners::by_mobile(pool, account).await?,
            };
            (AccountTable::Learners, l.map(|l| l.id.get()))
        }
        Role::Institution => (
            AccountTable::InstitutionUsers,
            store::institutions::user_by_account(pool, account)
                .await?
                .map(|u| u.id.get()),
        ),
        Role::Expert | Role::Department => (
            AccountTable::StaffUsers,
            store::staff::by_account(pool, role.code(), account)
                .await?
                .map(|u| u.id.get()),
        ),
    };
    let id = id.ok_or_else(|| AppError::NotFound(format!("账号“{account}”不存在")))?;
    let pw = initial_password();
    let mut tx = app.db.begin().await?;
    store::lockout::set_password(&mut *tx, table, id, &password::hash(&pw)?).await?;
    store::audit::record(
        &mut *tx,
        &operator(),
        "password_reset",
        Some(account),
        Some(role.code()),
        now(),
    )
    .await?;
    store::commit(tx).await?;
    Ok(pw)
}

/// Creates an API key for an institution from the command line (operators and CI):
/// `account` is the institution's primary login account. Returns the token.
pub async fn create_api_key(app: &App, account: &str, name: &str, scopes: &[String]) -> AppResult<String> {
    let user = store::institutions::user_by_account(&app.db.pool, account)
        .await?
        .filter(|u| u.is_primary == 1)
        .ok_or_else(|| AppError::NotFound(format!("没有机构主账号 {account}")))?;
    let who = crate::auth::account(app, domain::role::Role::Institution, user.id.get())
        .await?
        .ok_or_else(|| AppError::NotFound(format!("机构主账号 {account} 已停用")))?;
    let actor = store::audit::Actor {
        role: Some("operator".into()),
        name: Some("creditbank admin".into()),
        ..Default::default()
    };
    let (_, token) = crate::api_keys::create(app, &who, name, scopes, &actor).await?;
    Ok(token)
}
