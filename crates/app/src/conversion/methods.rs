//! 转换办法 (I-07): methods, the pledge, publishing and withdrawing.

use super::*;
use domain::ids::{InstitutionId, MethodId};
use domain::lifecycle::MethodStatus;

// ---------------------------------------------------------------- methods (I-07)

pub async fn accept_pledge(app: &App, institution_id: InstitutionId, actor: &Actor) -> AppResult<()> {
    let mut tx = app.db.begin().await?;
    store::conversion::pledge(&mut *tx, institution_id, actor.id.unwrap_or_default(), now()).await?;
    store::audit::record(
        &mut *tx,
        actor,
        "pledge_accepted",
        Some(&institution_id.to_string()),
        None,
        now(),
    )
    .await?;
    store::commit(tx).await?;
    Ok(())
}

pub async fn create_method(
    app: &App,
    institution_id: InstitutionId,
    title: &str,
    document: Option<&crate::files::Upload>,
    actor: &Actor,
) -> AppResult<MethodId> {
    let mut v = Checks::default();
    let title = v.check(parse_label("title", "办法名称", title, 100));
    if document.is_none() {
        v.fail("file", "请上传转换办法文件（PDF）");
    }
    v.finish()?;
    let mut tx = app.db.begin().await?;
    let file_id = crate::files::record_opt(&mut tx, document, "institution", actor.id.unwrap_or_default()).await?;
    let id =
        store::conversion::insert_method(&mut *tx, institution_id, &checked(title)?, checked(file_id)?, now()).await?;
    store::audit::record(&mut *tx, actor, "method_created", Some(&id.to_string()), None, now()).await?;
    store::commit(tx).await?;
    Ok(id)
}

pub async fn update_method(
    app: &App,
    institution_id: InstitutionId,
    id: MethodId,
    title: &str,
    document: Option<&crate::files::Upload>,
    actor: &Actor,
) -> AppResult<()> {
    let title = parse_label("title", "办法名称", title, 100)?;
    let mut tx = app.db.begin().await?;
    let file_id = crate::files::record_opt(&mut tx, document, "institution", actor.id.unwrap_or_default()).await?;
    if !store::conversion::update_method(&mut *tx, id, institution_id, &title, file_id, now()).await? {
        return Err(AppError::Conflict("已发布的转换办法不能修改，请先撤回".into()));
    }
    store::audit::record(&mut *tx, actor, "method_changed", Some(&id.to_string()), None, now()).await?;
    store::commit(tx).await?;
    Ok(())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MethodAction {
    Publish,
    Withdraw,
    Delete,
}

pub async fn act_on_method(
    app: &App,
    institution_id: InstitutionId,
    id: MethodId,
    action: MethodAction,
    actor: &Actor,
) -> AppResult<()> {
    let m = store::conversion::method(&app.db.pool, id)
        .await?
        .filter(|m| m.institution_id == institution_id)
        .ok_or_else(AppError::not_found)?;
    let pool = &app.db.pool;
    let t = now();
    let mut tx = app.db.begin().await?;
    match action {
        MethodAction::Publish => {
            if !store::conversion::pledged(pool, institution_id).await? {
                return Err(AppError::Conflict("发布前请先阅读并同意《信息发布安全承诺书》".into()));
            }
            if store::conversion::has_published_method(pool, institution_id).await? {
                return Err(AppError::Conflict(
                    "已有已发布的转换办法，同一时间只能发布一个，请先撤回".into(),
                ));
            }
            if !store::conversion::set_method_status(&mut *tx, id, institution_id, m.status, MethodStatus::Published, t)
                .await?
            {
                return Err(AppError::Conflict("该转换办法状态已变化，请刷新页面".into()));
            }
        }
        MethodAction::Withdraw => {
            if !store::conversion::set_method_status(
                &mut *tx,
                id,
                institution_id,
                MethodStatus::Published,
                MethodStatus::Withdrawn,
                t,
            )
            .await?
            {
                return Err(AppError::Conflict("只有已发布的转换办法可以撤回".into()));
            }
        }
        MethodAction::Delete => {
            if !store::conversion::delete_method(&mut *tx, id, institution_id).await? {
                return Err(AppError::Conflict("已发布的转换办法不能删除，请先撤回".into()));
            }
        }
    }
    store::audit::record(
        &mut *tx,
        actor,
        &format!("method_{action:?}").to_lowercase(),
        Some(&id.to_string()),
        None,
        t,
    )
    .await?;
    store::commit(tx).await?;
    Ok(())
}
