//! 机构成果 (I-03): an institution's catalog of outcomes, immutable once saved, and
//! their recognition by the management department, which credits every holder.

use domain::ids::{CatalogOutcomeId, DepartmentId, InstitutionId, SubtypeId};
use std::collections::BTreeMap;

use domain::credits::Credits;
use domain::lifecycle::CatalogRecognition::{Recognised, Recognising, Unrecognised};
use store::audit::Actor;
use store::catalog::NewCatalogOutcome;
use store::now;

use crate::error::Checks;
use crate::{App, AppError, AppResult, holdings, taxonomy};

/// Adds an outcome to the institution's catalog.
pub async fn create(
    app: &App,
    institution_id: InstitutionId,
    subtype_id: SubtypeId,
    name: &str,
    values: &BTreeMap<String, String>,
    actor: &Actor,
) -> AppResult<CatalogOutcomeId> {
    let (s, fields) = taxonomy::subtype(app, subtype_id).await?;
    if let Err(m) = taxonomy::may_store(app, institution_id, &s).await? {
        return Err(AppError::Forbidden(m));
    }
    let mut v = Checks::default();
    let name = v.check(domain::name::parse_label("name", "成果名称", name, 100));
    let today = domain::time::today();
    let values = match domain::taxonomy::validate(&fields, values, today) {
        Ok(values) => Some(values),
        Err(errors) => {
            for e in errors {
                v.fail(e.field, e.message);
            }
            None
        }
    };
    if let Some(n) = &name {
        let same = store::catalog::list(
            &app.db,
            &store::catalog::Filter {
                institution_id: Some(institution_id),
                subtype_id: Some(s.id),
                name: Some(n.clone()),
                ..Default::default()
            },
            1,
            50,
        )
        .await?;
        if same.rows.iter().any(|r| r.name == *n) {
            v.fail("name", "本机构已有同名的该类成果");
        }
    }
    v.finish()?;
    let (name, values) = (crate::error::checked(name)?, crate::error::checked(values)?);
    let json = serde_json::to_string(&values).map_err(anyhow::Error::from)?;
    let t = now();
    let mut tx = app.db.begin().await?;
    let id = store::catalog::insert(
        &mut *tx,
        &NewCatalogOutcome {
            institution_id,
            subtype_id: s.id,
            name: &name,
            fields: &json,
            created_by: actor.id.unwrap_or_default(),
            now: t,
        },
    )
    .await?;
    store::audit::record(
        &mut *tx,
        actor,
        "catalog_outcome_added",
        Some(&id.to_string()),
        Some(&name),
        t,
    )
    .await?;
    store::commit(tx).await?;
    Ok(id)
}

/// Deletes outcomes of the institution that are still 未认定; holders keep theirs.
pub async fn delete(
    app: &App,
    institution_id: InstitutionId,
    ids: &[CatalogOutcomeId],
    actor: &Actor,
) -> AppResult<usize> {
    if ids.is_empty() {
        return Err(AppError::field("ids", "请选择要删除的成果"));
    }
    let mut tx = app.db.begin().await?;
    for id in ids {
        let o = store::catalog::by_id(&mut *tx, *id)
            .await?
            .filter(|o| o.institution_id == institution_id)
            .ok_or_else(AppError::not_found)?;
        if o.recognition != Unrecognised {
            return Err(AppError::Conflict(format!("“{}”已认定或正在认定，不能删除", o.name)));
        }
        store::catalog::delete_unrecognised(&mut *tx, institution_id, *id).await?;
        store::audit::record(
            &mut *tx,
            actor,
            "catalog_outcome_deleted",
            Some(&id.to_string()),
            Some(&o.name),
            now(),
        )
        .await?;
    }
    store::commit(tx).await?;
    Ok(ids.len())
}

/// The institution asks the bank to recognise an outcome (未认定 → 认定中).
pub async fn request_recognition(
    app: &App,
    institution_id: InstitutionId,
    id: CatalogOutcomeId,
    actor: &Actor,
) -> AppResult<()> {
    let o = store::catalog::by_id(&app.db.pool, id)
        .await?
        .filter(|o| o.institution_id == institution_id)
        .ok_or_else(AppError::not_found)?;
    let mut tx = app.db.begin().await?;
    if !store::catalog::set_recognition(&mut *tx, o.id, &[Unrecognised], Recognising, None, None, now()).await? {
        return Err(AppError::Conflict("该成果已在认定中或已认定".into()));
    }
    store::audit::record(
        &mut *tx,
        actor,
        "catalog_recognition_requested",
        Some(&id.to_string()),
        None,
        now(),
    )
    .await?;
    store::commit(tx).await?;
    Ok(())
}

/// The department recognises an outcome with its bank credits, or returns a request.
/// Recognition credits every learner who already holds the outcome in storage.
pub async fn recognise(
    app: &App,
    scope: &[DepartmentId],
    actor: &Actor,
    id: CatalogOutcomeId,
    approve: bool,
    credits: &str,
) -> AppResult<usize> {
    let o = store::catalog::by_id(&app.db.pool, id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let inst = store::institutions::by_id(&app.db.pool, o.institution_id)
        .await?
        .filter(|i| scope.contains(&i.department_id))
        .ok_or_else(AppError::not_found)?;
    let t = now();
    let mut tx = app.db.begin().await?;
    if !approve {
        if !store::catalog::set_recognition(&mut *tx, id, &[Recognising], Unrecognised, None, None, t).await? {
            return Err(AppError::Conflict("该成果不在认定中".into()));
        }
        store::audit::record(
            &mut *tx,
            actor,
            "catalog_recognition_returned",
            Some(&id.to_string()),
            None,
            t,
        )
        .await?;
        store::commit(tx).await?;
        return Ok(0);
    }
    let credits = Credits::parse("credits", "学分银行学分", credits)?;
    if credits.0 == 0 {
        return Err(AppError::field("credits", "学分银行学分须大于0"));
    }
    if !store::catalog::set_recognition(
        &mut *tx,
        id,
        &[Unrecognised, Recognising],
        Recognised,
        Some(credits.0),
        actor.id,
        t,
    )
    .await?
    {
        return Err(AppError::Conflict("该成果已认定，请刷新页面".into()));
    }
    let holders = store::holdings::stored_without_credits(&mut *tx, id).await?;
    for (holding, learner) in &holders {
        holdings::grant(
            &mut tx,
            *holding,
            *learner,
            credits.0,
            &format!("成果认定：{}", o.name),
            actor,
            t,
        )
        .await?;
    }
    store::audit::record(
        &mut *tx,
        actor,
        "catalog_recognised",
        Some(&id.to_string()),
        Some(&format!("{} {}", inst.code, credits)),
        t,
    )
    .await?;
    store::commit(tx).await?;
    Ok(holders.len())
}
