//! The taxonomy the bank runs on: a preset loaded once, then edited by the management
//! department (M-02), and the authorisation of institutions for restricted subtypes.

use domain::ids::{DepartmentId, FieldId, InstitutionId, OutcomeTypeId, SubtypeId};
use domain::taxonomy::{FieldKind, FieldSpec};
use store::audit::Actor;
use store::now;
use store::taxonomy::{FieldRow, Subtype};

use crate::auth::Principal;
use crate::error::Checks;
use crate::{App, AppError, AppResult};

/// A subtype with its fields, or "not found".
pub async fn subtype(app: &App, id: SubtypeId) -> AppResult<(Subtype, Vec<FieldSpec>)> {
    let s = store::taxonomy::subtype(&app.db.pool, id)
        .await?
        .ok_or_else(|| AppError::NotFound("成果子类型不存在".into()))?;
    let fields = store::taxonomy::fields(&app.db.pool, id)
        .await?
        .iter()
        .map(FieldRow::spec)
        .collect();
    Ok((s, fields))
}

#[derive(Debug, Default, Clone, serde::Deserialize)]
pub struct FieldForm {
    #[serde(default)]
    pub key: String,
    #[serde(default)]
    pub label: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub required: Option<String>,
    /// Allowed values, separated by `/` or new lines.
    #[serde(default)]
    pub options: String,
}

fn parse_field(f: &FieldForm) -> AppResult<FieldSpec> {
    let mut v = Checks::default();
    let key = f.key.trim().to_ascii_lowercase();
    if key.is_empty()
        || key.len() > 32
        || !key
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    {
        v.fail("key", "字段代码须为1-32位小写字母、数字或下划线");
    }
    let label = v.check(domain::name::parse_label("label", "字段名称", &f.label, 30));
    let kind = FieldKind::from_code(&f.kind);
    if kind.is_none() {
        v.fail("kind", "请选择字段类型");
    }
    let options: Vec<String> = f
        .options
        .split(['/', '\n'])
        .map(|o| o.trim().to_string())
        .filter(|o| !o.is_empty())
        .collect();
    if kind == Some(FieldKind::Select) && options.is_empty() {
        v.fail("options", "下拉选择字段须填写可选值");
    }
    if options
        .iter()
        .any(|o| o.contains('<') || o.contains('>') || o.chars().count() > 30)
    {
        v.fail("options", "可选值不能包含“<”“>”，且每项不超过30个字");
    }
    v.finish()?;
    Ok(FieldSpec {
        key,
        label: crate::error::checked(label)?,
        kind: kind.unwrap_or(FieldKind::Text),
        required: f.required.is_some(),
        options,
    })
}

/// The taxonomy is the same for the whole bank: only the centre changes it.
fn require_centre(who: &Principal) -> AppResult<()> {
    crate::auth::require_centre(who, "成果分类").map(|_| ())
}

/// Whether this caller may change the taxonomy (the pages show the forms then).
pub fn may_edit(who: &Principal) -> bool {
    require_centre(who).is_ok()
}

pub async fn add_field(app: &App, subtype_id: SubtypeId, f: &FieldForm, who: &Principal, ip: &str) -> AppResult<()> {
    require_centre(who)?;
    let actor = &who.actor(ip);
    let (s, fields) = subtype(app, subtype_id).await?;
    let spec = parse_field(f)?;
    if fields.iter().any(|x| x.key == spec.key) {
        return Err(AppError::field("key", "该子类型已有相同代码的字段"));
    }
    let mut tx = app.db.begin().await?;
    store::taxonomy::insert_field(&mut *tx, subtype_id, &spec, fields.len() as i64).await?;
    store::audit::record(
        &mut *tx,
        actor,
        "taxonomy_field_added",
        Some(&s.code),
        Some(&spec.key),
        now(),
    )
    .await?;
    store::commit(tx).await?;
    Ok(())
}

pub async fn update_field(app: &App, field_id: FieldId, f: &FieldForm, who: &Principal, ip: &str) -> AppResult<()> {
    require_centre(who)?;
    let actor = &who.actor(ip);
    let row = store::taxonomy::field(&app.db.pool, field_id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let spec = parse_field(&FieldForm {
        key: row.key.clone(),
        ..f.clone()
    })?;
    let mut tx = app.db.begin().await?;
    store::taxonomy::update_field(&mut *tx, field_id, &spec).await?;
    store::audit::record(&mut *tx, actor, "taxonomy_field_changed", Some(&row.key), None, now()).await?;
    store::commit(tx).await?;
    Ok(())
}

pub async fn delete_field(app: &App, field_id: FieldId, who: &Principal, ip: &str) -> AppResult<()> {
    require_centre(who)?;
    let actor = &who.actor(ip);
    let row = store::taxonomy::field(&app.db.pool, field_id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let mut tx = app.db.begin().await?;
    store::taxonomy::delete_field(&mut *tx, field_id).await?;
    store::audit::record(&mut *tx, actor, "taxonomy_field_deleted", Some(&row.key), None, now()).await?;
    store::commit(tx).await?;
    Ok(())
}

#[derive(Debug, Default, Clone, serde::Deserialize)]
pub struct SubtypeForm {
    #[serde(default)]
    pub type_id: String,
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub restricted: Option<String>,
}

/// Adds a subtype to a type; its fields are then added one by one.
pub async fn add_subtype(app: &App, f: &SubtypeForm, who: &Principal, ip: &str) -> AppResult<SubtypeId> {
    require_centre(who)?;
    let actor = &who.actor(ip);
    let pool = &app.db.pool;
    let mut v = Checks::default();
    let types = store::taxonomy::types(pool).await?;
    let type_id = f
        .type_id
        .parse::<OutcomeTypeId>()
        .ok()
        .filter(|id| types.iter().any(|t| t.id == *id));
    if type_id.is_none() {
        v.fail("type_id", "请选择成果类型");
    }
    let code = f.code.trim().to_ascii_lowercase();
    if code.is_empty()
        || code.len() > 32
        || !code
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    {
        v.fail("code", "子类型代码须为1-32位小写字母、数字或下划线");
    } else if store::taxonomy::subtype_by_code(pool, &code).await?.is_some() {
        v.fail("code", "该子类型代码已存在");
    }
    let name = v.check(domain::name::parse_label("name", "子类型名称", &f.name, 40));
    v.finish()?;
    let (type_id, name) = (crate::error::checked(type_id)?, crate::error::checked(name)?);
    let sort = store::taxonomy::subtypes(pool)
        .await?
        .iter()
        .filter(|s| s.type_id == type_id)
        .count() as i64;
    let mut tx = app.db.begin().await?;
    let id =
        store::taxonomy::insert_subtype(&mut *tx, type_id, &code, &name, f.restricted.is_some(), false, sort).await?;
    store::audit::record(
        &mut *tx,
        actor,
        "taxonomy_subtype_added",
        Some(&code),
        Some(&name),
        now(),
    )
    .await?;
    store::commit(tx).await?;
    app.choices.forget();
    Ok(id)
}

pub async fn set_restricted(
    app: &App,
    subtype_id: SubtypeId,
    restricted: bool,
    who: &Principal,
    ip: &str,
) -> AppResult<()> {
    require_centre(who)?;
    let actor = &who.actor(ip);
    let mut tx = app.db.begin().await?;
    if !store::taxonomy::set_restricted(&mut *tx, subtype_id, restricted).await? {
        return Err(AppError::not_found());
    }
    store::audit::record(
        &mut *tx,
        actor,
        "taxonomy_restricted",
        Some(&subtype_id.to_string()),
        Some(if restricted { "1" } else { "0" }),
        now(),
    )
    .await?;
    store::commit(tx).await?;
    Ok(())
}

/// Authorises (or revokes) an institution in the department's scope for a restricted
/// subtype.
pub async fn authorise(
    app: &App,
    scope: &[DepartmentId],
    actor: &Actor,
    institution_id: InstitutionId,
    subtype_id: SubtypeId,
    grant: bool,
) -> AppResult<()> {
    let inst = store::institutions::by_id(&app.db.pool, institution_id)
        .await?
        .filter(|i| scope.contains(&i.department_id))
        .ok_or_else(AppError::not_found)?;
    let (s, _) = subtype(app, subtype_id).await?;
    if s.restricted == 0 {
        return Err(AppError::Conflict("该子类型无需授权".into()));
    }
    let mut tx = app.db.begin().await?;
    if grant {
        store::taxonomy::authorise(&mut *tx, inst.id, s.id, actor.id.unwrap_or_default(), now()).await?;
    } else {
        store::taxonomy::revoke(&mut *tx, inst.id, s.id).await?;
    }
    let action = if grant { "subtype_authorised" } else { "subtype_revoked" };
    store::audit::record(&mut *tx, actor, action, Some(&inst.code), Some(&s.code), now()).await?;
    store::commit(tx).await?;
    Ok(())
}

/// Whether the institution may store outcomes of this subtype by hand.
pub async fn may_store(app: &App, institution_id: InstitutionId, s: &Subtype) -> AppResult<Result<(), String>> {
    if s.synced != 0 {
        return Ok(Err(format!("“{}”由证书平台定期同步，无需存储", s.name)));
    }
    if s.restricted != 0
        && !store::taxonomy::authorised(&app.db.pool, institution_id)
            .await?
            .contains(&s.id)
    {
        return Ok(Err(format!("存储“{}”需要学分银行授权，请联系学分银行工作人员", s.name)));
    }
    Ok(Ok(()))
}
