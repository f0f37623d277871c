//! 机构子用户 (I-02): the primary account adds, edits, disables, resets and deletes sub-users with their areas; sub-users replace their initial password.

use super::*;
use domain::ids::InstitutionUserId;

#[derive(Debug, Default, Clone, serde::Deserialize)]
pub struct SubUserForm {
    #[serde(default)]
    pub account: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub mobile: String,
    /// Area codes, comma separated (the web layer joins the checkboxes).
    #[serde(default)]
    pub areas: String,
}

pub(super) fn parse_sub_user(f: &SubUserForm) -> AppResult<(PersonName, Option<Mobile>, Areas)> {
    let mut v = Checks::default();
    let name = v.check(PersonName::parse(&f.name));
    let mobile = if f.mobile.trim().is_empty() {
        None
    } else {
        v.check(Mobile::parse(&f.mobile))
    };
    let areas = Areas::parse_list(&f.areas);
    if areas == Areas::default() {
        v.fail("areas", "请至少选择一项菜单权限");
    }
    v.finish()?;
    Ok((checked(name)?, mobile, areas))
}

pub(super) fn primary_only(user: &InstitutionUser) -> AppResult<()> {
    if user.is_primary == 1 {
        Ok(())
    } else {
        Err(AppError::Forbidden("只有机构主账号可以管理子用户".into()))
    }
}

/// Adds a sub-user; returns its initial password, shown once to the primary account.
pub async fn add_sub_user(app: &App, primary: &InstitutionUser, f: &SubUserForm, actor: &Actor) -> AppResult<String> {
    primary_only(primary)?;
    let mut v = Checks::default();
    let account = v.check(AccountName::parse(&f.account));
    let rest = parse_sub_user(f);
    if let Some(a) = &account
        && store::institutions::user_by_account(&app.db.pool, a.as_str())
            .await?
            .is_some()
    {
        v.fail("account", "该登录账号已存在");
    }
    if let Err(AppError::Invalid(errors)) = &rest {
        for e in errors {
            v.fail(e.field.clone(), e.message.clone());
        }
    }
    v.finish()?;
    let (account, (name, mobile, areas)) = (checked(account)?, rest?);
    let initial = initial_password();
    let hash = password::hash(&initial)?;
    let t = now();
    let mut tx = app.db.begin().await?;
    store::institutions::insert_user(
        &mut *tx,
        &NewUser {
            institution_id: primary.institution_id,
            account: account.as_str(),
            name: name.as_str(),
            mobile: mobile.as_ref().map(Mobile::as_str),
            is_primary: false,
            areas: &areas.to_list(),
            password_hash: &hash,
            must_change_password: true,
            now: t,
        },
    )
    .await
    .map_err(|e| {
        if e.is_unique_violation() {
            AppError::field("account", "该登录账号已存在")
        } else {
            e.into()
        }
    })?;
    store::audit::record(
        &mut *tx,
        actor,
        "sub_user_added",
        Some(account.as_str()),
        Some(&areas.to_list()),
        t,
    )
    .await?;
    store::commit(tx).await?;
    Ok(initial)
}

pub async fn edit_sub_user(
    app: &App,
    primary: &InstitutionUser,
    id: InstitutionUserId,
    f: &SubUserForm,
    actor: &Actor,
) -> AppResult<()> {
    primary_only(primary)?;
    // Another institution's user is "not found", whatever the form says.
    crate::queries::institutions::sub_user(app, primary.institution_id, id).await?;
    let (name, mobile, areas) = parse_sub_user(f)?;
    let mut tx = app.db.begin().await?;
    let ok = store::institutions::update_sub_user(
        &mut *tx,
        primary.institution_id,
        id,
        name.as_str(),
        mobile.as_ref().map(Mobile::as_str),
        &areas.to_list(),
    )
    .await?;
    if !ok {
        return Err(AppError::not_found());
    }
    store::audit::record(
        &mut *tx,
        actor,
        "sub_user_changed",
        Some(&id.to_string()),
        Some(&areas.to_list()),
        now(),
    )
    .await?;
    store::commit(tx).await?;
    Ok(())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubUserAction {
    Disable,
    Enable,
    Delete,
}

pub async fn act_on_sub_user(
    app: &App,
    primary: &InstitutionUser,
    id: InstitutionUserId,
    action: SubUserAction,
    actor: &Actor,
) -> AppResult<()> {
    primary_only(primary)?;
    let mut tx = app.db.begin().await?;
    let (ok, name) = match action {
        SubUserAction::Disable => (
            store::institutions::set_sub_user_disabled(&mut *tx, primary.institution_id, id, true).await?,
            "sub_user_disabled",
        ),
        SubUserAction::Enable => (
            store::institutions::set_sub_user_disabled(&mut *tx, primary.institution_id, id, false).await?,
            "sub_user_enabled",
        ),
        SubUserAction::Delete => (
            store::institutions::delete_sub_user(&mut *tx, primary.institution_id, id).await?,
            "sub_user_deleted",
        ),
    };
    if !ok {
        return Err(AppError::not_found());
    }
    store::audit::record(&mut *tx, actor, name, Some(&id.to_string()), None, now()).await?;
    store::commit(tx).await?;
    Ok(())
}

/// Resets a sub-user's password; returns the new initial password.
pub async fn reset_sub_user(
    app: &App,
    primary: &InstitutionUser,
    id: InstitutionUserId,
    actor: &Actor,
) -> AppResult<String> {
    primary_only(primary)?;
    let initial = initial_password();
    let hash = password::hash(&initial)?;
    let mut tx = app.db.begin().await?;
    if !store::institutions::reset_sub_user_password(&mut *tx, primary.institution_id, id, &hash).await? {
        return Err(AppError::not_found());
    }
    store::audit::record(
        &mut *tx,
        actor,
        "sub_user_password_reset",
        Some(&id.to_string()),
        None,
        now(),
    )
    .await?;
    store::commit(tx).await?;
    Ok(initial)
}

/// A user signed in with an initial password sets its own.
pub async fn change_initial_password(
    db: &Db,
    user: &InstitutionUser,
    f_password: &str,
    f_confirm: &str,
    actor: &Actor,
) -> AppResult<()> {
    let pw = NewPassword::parse(f_password, f_confirm)?;
    if password::verify(pw.as_str(), &user.password_hash) {
        return Err(AppError::field("password", "新密码不能与初始密码相同"));
    }
    let hash = password::hash(pw.as_str())?;
    let mut tx = db.begin().await?;
    store::lockout::set_password(&mut *tx, store::lockout::AccountTable::InstitutionUsers, user.id, &hash).await?;
    store::institutions::clear_must_change(&mut *tx, user.id).await?;
    store::audit::record(&mut *tx, actor, "password_changed", None, None, now()).await?;
    store::commit(tx).await?;
    Ok(())
}

/// Whether this institution user may open an area of the institution space.
pub fn may(user: &InstitutionUser, area: Area) -> bool {
    user.is_primary == 1 || Areas::parse_list(&user.areas).contains(area)
}

/// Refuses a user that was not given this area, with the words the pages and the API
/// both show.
pub fn require(user: &InstitutionUser, area: Area) -> AppResult<()> {
    if may(user, area) {
        Ok(())
    } else {
        Err(AppError::Forbidden(format!(
            "您没有“{}”的权限，请联系机构主账号",
            area.label()
        )))
    }
}
