//! 资历框架等级标准 and 行业标准 (M-02, P-04): the levels of the qualifications framework
//! with their descriptors of knowledge, skills and competence; industry standards placed
//! on a level; catalog outcomes placed on a level. Kept by the management centre,
//! public to everyone.

use domain::ids::{CatalogOutcomeId, InstitutionId, LevelId, StandardId};
use domain::text;
use store::audit::Actor;
use store::framework::{LevelText, NewStandard};
use store::now;

use super::centre_staff;
use crate::auth::Principal;
use crate::error::{Checks, checked};
use crate::files::Accept;
use crate::{App, AppError, AppResult};

#[derive(Debug, Default, Clone, serde::Deserialize)]
pub struct LevelForm {
    #[serde(default)]
    pub level: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub knowledge: String,
    #[serde(default)]
    pub skills: String,
    #[serde(default)]
    pub competence: String,
}

/// Adds a level, or rewrites the descriptors of the level with that number.
pub async fn save_level(app: &App, who: &Principal, f: &LevelForm, actor: &Actor) -> AppResult<LevelId> {
    centre_staff(who)?;
    let mut v = Checks::default();
    let level = match f.level.trim().parse::<i64>() {
        Ok(n) if (1..=20).contains(&n) => Some(n),
        _ => {
            v.fail("level", "等级须为1到20的整数");
            None
        }
    };
    let name = v.check(text::plain("name", "等级名称", &f.name, 50, true));
    let knowledge = v.check(text::plain("knowledge", "知识描述", &f.knowledge, 2000, true));
    let skills = v.check(text::plain("skills", "技能描述", &f.skills, 2000, true));
    let competence = v.check(text::plain("competence", "能力描述", &f.competence, 2000, true));
    v.finish()?;
    let (level, name) = (checked(level)?, checked(name)?);
    let (knowledge, skills, competence) = (checked(knowledge)?, checked(skills)?, checked(competence)?);
    let t = now();
    let mut tx = app.db.begin().await?;
    let id = store::framework::save_level(
        &mut *tx,
        &LevelText {
            level,
            name: &name,
            knowledge: &knowledge,
            skills: &skills,
            competence: &competence,
        },
        t,
    )
    .await?;
    store::audit::record(
        &mut *tx,
        actor,
        "framework_level_saved",
        Some(&level.to_string()),
        Some(&name),
        t,
    )
    .await?;
    store::commit(tx).await?;
    Ok(id)
}

/// Deletes a level nothing is placed on.
pub async fn delete_level(app: &App, who: &Principal, id: LevelId, actor: &Actor) -> AppResult<String> {
    centre_staff(who)?;
    let l = store::framework::level(&app.db.pool, id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let t = now();
    let mut tx = app.db.begin().await?;
    if store::framework::level_in_use(&mut *tx, id).await? {
        return Err(AppError::Conflict(format!(
            "第{}级已有成果或行业标准对应，不能删除",
            l.level
        )));
    }
    store::framework::delete_level(&mut *tx, id).await?;
    store::audit::record(
        &mut *tx,
        actor,
        "framework_level_deleted",
        Some(&l.level.to_string()),
        Some(&l.name),
        t,
    )
    .await?;
    store::commit(tx).await?;
    Ok(format!("已删除第{}级“{}”", l.level, l.name))
}

#[derive(Debug, Default, Clone, serde::Deserialize)]
pub struct StandardForm {
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub industry: String,
    /// A level's id, or empty.
    #[serde(default)]
    pub level_id: String,
}

async fn level_choice(app: &App, v: &mut Checks, raw: &str) -> AppResult<Option<LevelId>> {
    if raw.trim().is_empty() {
        return Ok(None);
    }
    match raw.trim().parse::<LevelId>() {
        Ok(id) if store::framework::level(&app.db.pool, id).await?.is_some() => Ok(Some(id)),
        _ => {
            v.fail("level_id", "请选择资历框架中已有的等级");
            Ok(None)
        }
    }
}

/// Adds an industry standard, with its document (PDF, optional).
pub async fn add_standard(
    app: &App,
    who: &Principal,
    f: &StandardForm,
    file: Option<(&str, &[u8])>,
    actor: &Actor,
) -> AppResult<StandardId> {
    let staff = centre_staff(who)?;
    let mut v = Checks::default();
    let code = v.check(text::plain("code", "标准编号", &f.code, 50, true));
    let name = v.check(text::plain("name", "标准名称", &f.name, 100, true));
    let industry = v.check(text::plain("industry", "所属行业", &f.industry, 50, true));
    let level = level_choice(app, &mut v, &f.level_id).await?;
    if let Some(c) = &code
        && store::framework::standard_by_code(&app.db.pool, c).await?.is_some()
    {
        v.fail("code", format!("标准编号{c}已存在"));
    }
    v.finish()?;
    let (code, name, industry) = (checked(code)?, checked(name)?, checked(industry)?);
    let up = match file {
        Some((n, bytes)) if !bytes.is_empty() => {
            Some(crate::files::check_and_put(app, "file", n, bytes, Accept::Pdf).await?)
        }
        _ => None,
    };
    let t = now();
    let mut tx = app.db.begin().await?;
    let file_id = crate::files::record_opt(&mut tx, up.as_ref(), "department", staff).await?;
    let id = store::framework::insert_standard(
        &mut *tx,
        &NewStandard {
            code: &code,
            name: &name,
            industry: &industry,
            level_id: level,
            file_id,
            now: t,
        },
    )
    .await?;
    store::audit::record(&mut *tx, actor, "standard_added", Some(&code), Some(&name), t).await?;
    store::commit(tx).await?;
    Ok(id)
}

pub async fn delete_standard(app: &App, who: &Principal, id: StandardId, actor: &Actor) -> AppResult<String> {
    centre_staff(who)?;
    let s = store::framework::standard(&app.db.pool, id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let t = now();
    let mut tx = app.db.begin().await?;
    store::framework::delete_standard(&mut *tx, id).await?;
    store::audit::record(&mut *tx, actor, "standard_deleted", Some(&s.code), Some(&s.name), t).await?;
    store::commit(tx).await?;
    Ok(format!("已删除行业标准{}", s.code))
}

/// Whether this caller places the catalog outcome on the framework: a department over
/// the institution that awards it.
pub async fn may_place(app: &App, who: Option<&Principal>, institution_id: InstitutionId) -> AppResult<bool> {
    let Some(Principal::Department { scope, .. }) = who else {
        return Ok(false);
    };
    Ok(store::institutions::by_id(&app.db.pool, institution_id)
        .await?
        .is_some_and(|i| scope.contains(&i.department_id)))
}

/// Places a catalog outcome of the department's scope on a level (empty: off it).
pub async fn place_outcome(
    app: &App,
    who: &Principal,
    outcome: CatalogOutcomeId,
    level_id: &str,
    actor: &Actor,
) -> AppResult<()> {
    let o = store::catalog::by_id(&app.db.pool, outcome)
        .await?
        .ok_or_else(AppError::not_found)?;
    if !may_place(app, Some(who), o.institution_id).await? {
        return Err(AppError::not_found());
    }
    let mut v = Checks::default();
    let level = level_choice(app, &mut v, level_id).await?;
    v.finish()?;
    let t = now();
    let mut tx = app.db.begin().await?;
    store::framework::place_outcome(&mut *tx, outcome, level).await?;
    store::audit::record(
        &mut *tx,
        actor,
        "outcome_level_placed",
        Some(&outcome.to_string()),
        Some(&level.map(|l| l.to_string()).unwrap_or_default()),
        t,
    )
    .await?;
    store::commit(tx).await?;
    Ok(())
}
