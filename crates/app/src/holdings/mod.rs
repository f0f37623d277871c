//! 学员成果 (I-04, L-05..L-07): outcomes held by learners, stored by institutions or by
//! the bank, withdrawn with a reason, and credited through the ledger.

use domain::ids::{CatalogOutcomeId, DepartmentId, HoldingId, InstitutionId, LearnerId, SubtypeId};
use std::collections::BTreeMap;

use domain::credits::Credits;
use domain::id_card::{IdNumber, parse_date};
use domain::name::{PersonName, optional_text, parse_label};
use store::audit::Actor;
use store::holdings::{Holding, NewHolding, REGISTERED, STORED, SUBMITTED};
use store::learners::{Learner, NewLearner};
use store::{Tx, now};

use domain::outcome::{Recognition, Status};

use crate::error::{Checks, checked};
use crate::{App, AppError, AppResult, taxonomy};

mod cascade;
mod institution;
pub(crate) use cascade::after_withdrawal;
pub use institution::*;

pub const SOURCE_PERSONAL: &str = "personal";
pub const SOURCE_INSTITUTION: &str = "institution";
pub const SOURCE_BANK: &str = "bank";

pub fn source_label(s: &str) -> &'static str {
    match s {
        "personal" => "个人创建",
        "institution" => "机构创建",
        "bank" => "学分银行创建",
        "xcert" => "X证书平台获取",
        "conversion" => "转换获取",
        _ => "其他",
    }
}

/// The status as the manuals show it; a stored outcome says who stored it.
pub fn status_label(h: &Holding) -> &'static str {
    match (h.status, h.stored_by.as_deref()) {
        (Status::Registered, _) => "登记",
        (Status::Submitted, _) => "待存储",
        (Status::Stored, Some("institution")) => "机构存储",
        (Status::Stored, Some("bank")) => "学分银行存储",
        (Status::Stored, _) => "存储",
        (Status::Withdrawn, _) => "撤回",
    }
}

pub fn recognition_label(r: Recognition) -> &'static str {
    r.label()
}

/// Appends credits to the ledger for a holding and records them on it.
pub async fn grant(
    tx: &mut Tx,
    holding: HoldingId,
    learner: LearnerId,
    credits: i64,
    reason: &str,
    actor: &Actor,
    t: i64,
) -> AppResult<()> {
    store::holdings::set_credits(&mut **tx, holding, credits, t).await?;
    store::ledger::append(&mut **tx, learner, credits, reason, Some(holding), actor, t).await?;
    store::messages::send(
        &mut **tx,
        "learner",
        learner,
        "学分入账",
        &format!("{reason}，获得学分银行学分 {}。", Credits(credits)),
        Some(&format!("/learner/outcomes/{holding}")),
        t,
    )
    .await?;
    Ok(())
}

/// When a holding becomes stored: if its catalog outcome is recognised, it takes the
/// outcome's credits automatically.
async fn auto_recognise(tx: &mut Tx, holding: HoldingId, actor: &Actor, t: i64) -> AppResult<bool> {
    let Some(h) = store::holdings::by_id(&mut **tx, holding).await? else {
        return Ok(false);
    };
    let Some(io) = h.institution_outcome_id else {
        return Ok(false);
    };
    let Some(o) = store::catalog::by_id(&mut **tx, io).await? else {
        return Ok(false);
    };
    match (o.recognition, o.credits, h.credits) {
        (domain::lifecycle::CatalogRecognition::Recognised, Some(c), None) if h.status == Status::Stored => {
            grant(
                tx,
                h.id,
                h.learner_id,
                c,
                &format!("成果自动认定：{}", o.name),
                actor,
                t,
            )
            .await?;
            Ok(true)
        }
        _ => Ok(false),
    }
}

#[derive(Debug, Default, Clone)]
pub struct HoldingForm {
    pub subtype_id: SubtypeId,
    /// Picked from the catalog (prefills and fixes name, issuer and fields).
    pub institution_outcome_id: Option<CatalogOutcomeId>,
    pub name: String,
    pub issuer: String,
    pub number: String,
    pub issued_on: String,
    pub score: String,
    pub fields: BTreeMap<String, String>,
}

/// The validated parts of a holding.
struct Parsed {
    subtype_id: SubtypeId,
    institution_outcome_id: Option<CatalogOutcomeId>,
    issuer_institution_id: Option<InstitutionId>,
    name: String,
    issuer: String,
    number: Option<String>,
    issued_on: Option<String>,
    score: Option<String>,
    fields: String,
}

/// What checking a holding needs from the database: its subtype and fields, and the
/// catalog outcome picked. Loaded once for a form, or once for a whole import.
pub(crate) struct HoldingContext {
    s: store::taxonomy::Subtype,
    specs: Vec<domain::taxonomy::FieldSpec>,
    catalog: Option<store::catalog::CatalogOutcome>,
    today: chrono::NaiveDate,
}

impl HoldingContext {
    pub(crate) async fn load(
        app: &App,
        subtype_id: SubtypeId,
        catalog_id: Option<CatalogOutcomeId>,
    ) -> AppResult<Self> {
        let (s, specs) = taxonomy::subtype(app, subtype_id).await?;
        let catalog = match catalog_id {
            Some(id) => Some(
                store::catalog::by_id(&app.db.pool, id)
                    .await?
                    .ok_or_else(|| AppError::field("institution_outcome_id", "所选的机构成果不存在"))?,
            ),
            None => None,
        };
        Ok(Self {
            s,
            specs,
            catalog,
            today: domain::time::today(),
        })
    }
}

async fn parse(app: &App, f: &HoldingForm, number_required: bool) -> AppResult<Parsed> {
    let ctx = HoldingContext::load(app, f.subtype_id, f.institution_outcome_id).await?;
    let mut v = Checks::default();
    let parsed = parse_with(&ctx, f, number_required, &mut v);
    v.finish()?;
    checked(parsed)
}

/// Checks a holding's fields against its subtype, recording problems in `v`.
fn parse_with(ctx: &HoldingContext, f: &HoldingForm, number_required: bool, v: &mut Checks) -> Option<Parsed> {
    let (s, specs, today) = (&ctx.s, &ctx.specs, ctx.today);
    let catalog = &ctx.catalog;
    if catalog.as_ref().is_some_and(|o| o.subtype_id != s.id) {
        v.fail("institution_outcome_id", "所选的机构成果与成果子类型不符");
    }
    // A catalog pick fixes name, issuer and the outcome's own fields.
    let (name, issuer, mut values) = match &catalog {
        Some(o) => {
            let values: BTreeMap<String, String> = serde_json::from_str(&o.fields).unwrap_or_default();
            (Some(o.name.clone()), Some(o.institution_name.clone()), values)
        }
        None => (
            v.check(parse_label("name", "成果名称", &f.name, 100)),
            v.check(parse_label("issuer", "颁证机构", &f.issuer, 60)),
            BTreeMap::new(),
        ),
    };
    for (k, val) in &f.fields {
        values.entry(k.clone()).or_insert_with(|| val.clone());
    }
    let fields = match domain::taxonomy::validate(specs, &values, today) {
        Ok(x) => Some(x),
        Err(errors) => {
            for e in errors {
                v.fail(e.field, e.message);
            }
            None
        }
    };
    let number = v
        .check(optional_text("number", "个人成果编号", &f.number, 50))
        .flatten();
    if number_required && number.is_none() && !s.is_informal() {
        v.fail("number", "请输入个人成果编号");
    }
    let issued_on = match domain::normalize::half_width(&f.issued_on) {
        d if d.is_empty() => {
            v.fail("issued_on", "请选择颁证日期");
            None
        }
        d => match parse_date(&d) {
            Some(x) if x <= today => Some(x.to_string()),
            Some(_) => {
                v.fail("issued_on", "颁证日期不能晚于今天");
                None
            }
            None => {
                v.fail("issued_on", "颁证日期不是有效的日期（例如 2024-01-01）");
                None
            }
        },
    };
    let score = match domain::normalize::half_width(&f.score) {
        s if s.is_empty() => None,
        s => match Credits::parse_decimal(&s) {
            Some(x) if x <= 10_000 => Some(Credits(x).to_string()),
            _ => {
                v.fail("score", "成绩须为0-100之间的数字");
                None
            }
        },
    };
    Some(Parsed {
        subtype_id: s.id,
        institution_outcome_id: catalog.as_ref().map(|o| o.id),
        issuer_institution_id: catalog.as_ref().map(|o| o.institution_id),
        name: name?,
        issuer: issuer?,
        number,
        issued_on,
        score,
        fields: serde_json::to_string(&fields?).ok()?,
    })
}

fn new_holding<'a>(
    p: &'a Parsed,
    learner_id: LearnerId,
    source: &'a str,
    status: &'a str,
    stored_by: Option<&'a str>,
    stored_by_id: Option<i64>,
    t: i64,
) -> NewHolding<'a> {
    NewHolding {
        learner_id,
        institution_outcome_id: p.institution_outcome_id,
        subtype_id: p.subtype_id,
        name: &p.name,
        issuer: &p.issuer,
        issuer_institution_id: p.issuer_institution_id,
        number: p.number.as_deref(),
        issued_on: p.issued_on.as_deref(),
        score: p.score.as_deref(),
        fields: &p.fields,
        source,
        status,
        stored_by,
        stored_by_id,
        now: t,
    }
}

fn duplicate(e: store::StoreError) -> AppError {
    if e.is_unique_violation() {
        AppError::field("institution_outcome_id", "该学员已持有此成果，不能重复登记")
    } else {
        e.into()
    }
}

/// L-06: a learner registers an outcome (登记), picked from the catalog or typed.
pub async fn learner_create(app: &App, learner: &Learner, f: &HoldingForm, actor: &Actor) -> AppResult<HoldingId> {
    let p = parse(app, f, true).await?;
    if let Some(io) = p.institution_outcome_id
        && store::holdings::holds(&app.db.pool, learner.id, io).await?
    {
        return Err(AppError::field(
            "institution_outcome_id",
            "您已登记过该成果，不能重复登记",
        ));
    }
    let t = now();
    let mut tx = app.db.begin().await?;
    let id = store::holdings::insert(
        &mut *tx,
        &new_holding(&p, learner.id, SOURCE_PERSONAL, REGISTERED, None, None, t),
    )
    .await
    .map_err(duplicate)?;
    store::audit::record(
        &mut *tx,
        actor,
        "outcome_registered",
        Some(&id.to_string()),
        Some(&p.name),
        t,
    )
    .await?;
    store::commit(tx).await?;
    Ok(id)
}

async fn own_registered(app: &App, learner: &Learner, id: HoldingId) -> AppResult<Holding> {
    let h = store::holdings::by_id(&app.db.pool, id)
        .await?
        .filter(|h| h.learner_id == learner.id)
        .ok_or_else(AppError::not_found)?;
    if h.status != Status::Registered {
        return Err(AppError::Conflict("已提交存储的成果不能修改或删除".into()));
    }
    if !domain::outcome::learner_may_change(h.status, h.recognition) {
        return Err(AppError::Conflict(
            "该成果正在认定审核中，审核结束前不能修改或删除".into(),
        ));
    }
    Ok(h)
}

/// L-07: edit while 登记.
pub async fn learner_update(
    app: &App,
    learner: &Learner,
    id: HoldingId,
    f: &HoldingForm,
    actor: &Actor,
) -> AppResult<()> {
    let h = own_registered(app, learner, id).await?;
    let f = HoldingForm {
        subtype_id: h.subtype_id,
        ..f.clone()
    };
    let p = parse(app, &f, true).await?;
    let t = now();
    let mut tx = app.db.begin().await?;
    if !store::holdings::update_registered(
        &mut *tx,
        id,
        learner.id,
        &new_holding(&p, learner.id, SOURCE_PERSONAL, REGISTERED, None, None, t),
    )
    .await
    .map_err(duplicate)?
    {
        return Err(AppError::Conflict("已提交存储的成果不能修改或删除".into()));
    }
    store::audit::record(&mut *tx, actor, "outcome_changed", Some(&id.to_string()), None, t).await?;
    store::commit(tx).await?;
    Ok(())
}

/// L-07: delete while 登记.
pub async fn learner_delete(app: &App, learner: &Learner, id: HoldingId, actor: &Actor) -> AppResult<()> {
    own_registered(app, learner, id).await?;
    let mut tx = app.db.begin().await?;
    if !store::holdings::delete_registered(&mut *tx, id, learner.id).await? {
        return Err(AppError::Conflict("已提交存储的成果不能修改或删除".into()));
    }
    store::audit::record(&mut *tx, actor, "outcome_deleted", Some(&id.to_string()), None, now()).await?;
    store::commit(tx).await?;
    Ok(())
}

/// The learner submits registered outcomes for storage by the bank.
pub async fn learner_submit(app: &App, learner: &Learner, ids: &[HoldingId], actor: &Actor) -> AppResult<()> {
    if ids.is_empty() {
        return Err(AppError::field("ids", "请选择要提交存储的成果"));
    }
    let t = now();
    let mut tx = app.db.begin().await?;
    for id in ids {
        let h = store::holdings::by_id(&mut *tx, *id)
            .await?
            .filter(|h| h.learner_id == learner.id)
            .ok_or_else(AppError::not_found)?;
        if !store::holdings::transition(&mut *tx, h.id, REGISTERED, SUBMITTED, t).await? {
            return Err(AppError::Conflict(format!("“{}”不是登记状态，不能提交存储", h.name)));
        }
        store::audit::record(&mut *tx, actor, "outcome_submitted", Some(&id.to_string()), None, t).await?;
    }
    store::commit(tx).await?;
    Ok(())
}

/// M-01 for several outcomes: each is decided in its own transaction, in order, and
/// the first refusal stops the rest. Returns how many were decided.
pub async fn bank_store_many(
    app: &App,
    scope: &[DepartmentId],
    actor: &Actor,
    ids: &[HoldingId],
    approve: bool,
    opinion: &str,
) -> AppResult<usize> {
    if ids.is_empty() {
        return Err(AppError::field("ids", "没有待审核的成果"));
    }
    for id in ids {
        bank_store(app, scope, actor, *id, approve, opinion).await?;
    }
    Ok(ids.len())
}

/// M-01: the department stores a submitted outcome (学分银行存储) or returns it to 登记.
pub async fn bank_store(
    app: &App,
    scope: &[DepartmentId],
    actor: &Actor,
    id: HoldingId,
    approve: bool,
    opinion: &str,
) -> AppResult<()> {
    let h = in_scope(app, scope, id).await?;
    let label = if approve { "审核意见" } else { "退回原因" };
    let opinion = domain::opinion::Opinion::parse("opinion", label, opinion, !approve)?.into_string();
    let t = now();
    let mut tx = app.db.begin().await?;
    let moved = if approve {
        store::holdings::store_submitted(&mut *tx, id, actor.id.unwrap_or_default(), t).await?
    } else {
        store::holdings::transition(&mut *tx, id, SUBMITTED, REGISTERED, t).await?
    };
    if !moved {
        return Err(AppError::Conflict("该成果已被处理，请刷新页面".into()));
    }
    let (title, body) = if approve {
        ("成果已存储", format!("您的学习成果“{}”已存入学分银行。", h.name))
    } else {
        (
            "成果存储被退回",
            format!("您的学习成果“{}”未能存储，原因：{opinion}。请修改后重新提交。", h.name),
        )
    };
    store::messages::send(
        &mut *tx,
        "learner",
        h.learner_id,
        title,
        &body,
        Some(&format!("/learner/outcomes/{id}")),
        t,
    )
    .await?;
    store::audit::record(
        &mut *tx,
        actor,
        if approve { "outcome_stored" } else { "outcome_returned" },
        Some(&id.to_string()),
        Some(&opinion),
        t,
    )
    .await?;
    if approve {
        auto_recognise(&mut tx, id, actor, t).await?;
    }
    store::commit(tx).await?;
    Ok(())
}

/// Whether a department with this scope covers this outcome: one issued by an
/// institution of the scope, or one the learner entered (no issuing institution) when
/// the learner belongs to the scope — its account was opened by, or it holds an outcome
/// of, one of the scope's institutions. The centre's scope covers everything.
pub async fn department_covers(app: &App, scope: &[DepartmentId], h: &Holding) -> AppResult<bool> {
    let pool = &app.db.pool;
    Ok(match h.issuer_institution_id {
        Some(inst) => store::institutions::by_id(pool, inst)
            .await?
            .is_some_and(|i| scope.contains(&i.department_id)),
        None => {
            store::directory::root_department(pool)
                .await?
                .is_some_and(|r| scope.contains(&r))
                || store::holdings::learner_in_departments(pool, h.learner_id, scope).await?
        }
    })
}

/// A holding the department may act on.
pub async fn in_scope(app: &App, scope: &[DepartmentId], id: HoldingId) -> AppResult<Holding> {
    let h = store::holdings::by_id(&app.db.pool, id)
        .await?
        .ok_or_else(AppError::not_found)?;
    if department_covers(app, scope, &h).await? {
        Ok(h)
    } else {
        Err(AppError::not_found())
    }
}
