//! 学员成果 (I-04, L-05..L-07): outcomes held by learners, stored by institutions or by
//! the bank, withdrawn with a reason, and credited through the ledger.

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
    holding: i64,
    learner: i64,
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
async fn auto_recognise(tx: &mut Tx, holding: i64, actor: &Actor, t: i64) -> AppResult<bool> {
    let Some(h) = store::holdings::by_id(&mut **tx, holding).await? else {
        return Ok(false);
    };
    let Some(io) = h.institution_outcome_id else {
        return Ok(false);
    };
    let Some(o) = store::catalog::by_id(&mut **tx, io).await? else {
        return Ok(false);
    };
    match (o.recognition.as_str(), o.credits, h.credits) {
        ("recognised", Some(c), None) if h.status == Status::Stored => {
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
    pub subtype_id: i64,
    /// Picked from the catalog (prefills and fixes name, issuer and fields).
    pub institution_outcome_id: Option<i64>,
    pub name: String,
    pub issuer: String,
    pub number: String,
    pub issued_on: String,
    pub score: String,
    pub fields: BTreeMap<String, String>,
}

/// The validated parts of a holding.
struct Parsed {
    subtype_id: i64,
    institution_outcome_id: Option<i64>,
    issuer_institution_id: Option<i64>,
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
    pub(crate) async fn load(app: &App, subtype_id: i64, catalog_id: Option<i64>) -> AppResult<Self> {
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
    learner_id: i64,
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
pub async fn learner_create(app: &App, learner: &Learner, f: &HoldingForm, actor: &Actor) -> AppResult<i64> {
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

async fn own_registered(app: &App, learner: &Learner, id: i64) -> AppResult<Holding> {
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
pub async fn learner_update(app: &App, learner: &Learner, id: i64, f: &HoldingForm, actor: &Actor) -> AppResult<()> {
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
pub async fn learner_delete(app: &App, learner: &Learner, id: i64, actor: &Actor) -> AppResult<()> {
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
pub async fn learner_submit(app: &App, learner: &Learner, ids: &[i64], actor: &Actor) -> AppResult<()> {
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
    scope: &[i64],
    actor: &Actor,
    ids: &[i64],
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
    scope: &[i64],
    actor: &Actor,
    id: i64,
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

/// A holding the department may act on.
pub async fn in_scope(app: &App, scope: &[i64], id: i64) -> AppResult<Holding> {
    let h = store::holdings::by_id(&app.db.pool, id)
        .await?
        .ok_or_else(AppError::not_found)?;
    if let Some(inst) = h.issuer_institution_id {
        let i = store::institutions::by_id(&app.db.pool, inst).await?;
        if !i.is_some_and(|i| scope.contains(&i.department_id)) {
            return Err(AppError::not_found());
        }
    }
    Ok(h)
}

#[derive(Debug, Default, Clone, serde::Deserialize)]
pub struct StoreForLearnerForm {
    #[serde(default)]
    pub learner_name: String,
    #[serde(default)]
    pub id_number: String,
    #[serde(default)]
    pub number: String,
    #[serde(default)]
    pub issued_on: String,
    #[serde(default)]
    pub score: String,
}

/// I-04: an institution stores one of its catalog outcomes for a learner. A learner
/// without an account gets a pre-imported one (未激活).
pub async fn institution_store(
    app: &App,
    institution_id: i64,
    catalog_id: i64,
    f: &StoreForLearnerForm,
    actor: &Actor,
) -> AppResult<i64> {
    let o = store::catalog::by_id(&app.db.pool, catalog_id)
        .await?
        .filter(|o| o.institution_id == institution_id)
        .ok_or_else(AppError::not_found)?;
    let row = validate_store(app, &o, f).await?;
    let t = now();
    let mut tx = app.db.begin().await?;
    let hid = store_in(&mut tx, &o, &row, actor, t).await?;
    store::commit(tx).await?;
    Ok(hid)
}

/// A learner's holding of a catalog outcome, checked and ready to store.
pub(crate) struct StoreRow {
    name: PersonName,
    id: IdNumber,
    /// The learner's account, when there is one.
    pub(crate) learner: Option<i64>,
    parsed: Parsed,
}

impl StoreRow {
    pub(crate) fn id_number(&self) -> &str {
        self.id.as_str()
    }

    pub(crate) fn learner_name(&self) -> &str {
        self.name.as_str()
    }

    /// What an import keeps of a checked row until it writes it: what varies between
    /// the rows of one catalog outcome.
    pub(crate) fn imported(&self, learner: Option<i64>) -> ImportedHolding {
        ImportedHolding {
            name: self.name.as_str().to_string(),
            id_number: self.id.as_str().to_string(),
            learner,
            number: self.parsed.number.clone(),
            issued_on: self.parsed.issued_on.clone(),
            score: self.parsed.score.clone(),
        }
    }
}

/// A checked import row of a learner's holding (name and ID number already normalised),
/// the learner's account when there is one.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub(crate) struct ImportedHolding {
    name: String,
    id_number: String,
    learner: Option<i64>,
    number: Option<String>,
    issued_on: Option<String>,
    score: Option<String>,
}

/// Checks one learner's holding of a catalog outcome (the form).
pub(crate) async fn validate_store(
    app: &App,
    o: &store::catalog::CatalogOutcome,
    f: &StoreForLearnerForm,
) -> AppResult<StoreRow> {
    let ctx = HoldingContext::load(app, o.subtype_id, Some(o.id)).await?;
    let mut v = Checks::default();
    let row = check_store(&ctx, f, &mut v);
    let mut learner = None;
    if let Some(r) = &row {
        learner = store::learners::by_id_number(&app.db.pool, r.id.as_str()).await?;
        if learner.as_ref().is_some_and(|l| l.name != r.name.as_str()) {
            v.fail("learner_name", "学员姓名与身份证号不一致");
        }
        if let Some(l) = &learner
            && store::holdings::holds(&app.db.pool, l.id, o.id).await?
        {
            v.fail("id_number", "该学员已持有此成果，不能重复存储");
        }
    }
    v.finish()?;
    let mut row = checked(row)?;
    row.learner = learner.map(|l| l.id);
    Ok(row)
}

/// The checks of a learner's holding that need no database: the form and each import
/// row. The learner's account is looked up afterwards (one by one or a chunk at once).
pub(crate) fn check_store(ctx: &HoldingContext, f: &StoreForLearnerForm, v: &mut Checks) -> Option<StoreRow> {
    let name = v.check(PersonName::parse(&f.learner_name));
    let id = v.check(IdNumber::resident(&f.id_number));
    let form = HoldingForm {
        subtype_id: ctx.s.id,
        institution_outcome_id: ctx.catalog.as_ref().map(|o| o.id),
        number: f.number.clone(),
        issued_on: f.issued_on.clone(),
        score: f.score.clone(),
        ..Default::default()
    };
    let parsed = parse_with(ctx, &form, true, v);
    Some(StoreRow {
        name: name?,
        id: id?,
        learner: None,
        parsed: parsed?,
    })
}

/// Stores checked holdings of one catalog outcome in the transaction, a chunk at a
/// time (imports): pre-imported accounts for learners without one, the holdings, the
/// learners' messages and, for a recognised outcome, the credits. Each row's learner
/// was looked up while checking (`learner`); the unique index refuses a holding that
/// appeared since.
pub(crate) async fn store_many(
    tx: &mut Tx,
    o: &store::catalog::CatalogOutcome,
    template: &StoreRow,
    rows: &[ImportedHolding],
    actor: &Actor,
    t: i64,
) -> AppResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let new: Vec<(&str, &str, String)> = rows
        .iter()
        .filter(|r| r.learner.is_none())
        .map(|r| (r.name.as_str(), r.id_number.as_str(), crate::learners::new_card_no()))
        .collect();
    let new: Vec<(&str, &str, &str)> = new.iter().map(|(n, id, c)| (*n, *id, c.as_str())).collect();
    let created: std::collections::HashMap<String, i64> =
        store::learners::insert_imported(tx, &new, crate::password::INITIAL, Some(o.institution_id), t)
            .await?
            .into_iter()
            .collect();
    // Everything but the learner, number, date and score is the same for every row.
    let common = new_holding(
        &template.parsed,
        0,
        SOURCE_INSTITUTION,
        STORED,
        Some("institution"),
        Some(o.institution_id),
        t,
    );
    let mut per_row = Vec::with_capacity(rows.len());
    for r in rows {
        let learner = match r.learner {
            Some(id) => id,
            None => *created
                .get(&r.id_number)
                .ok_or_else(|| AppError::Internal(anyhow::anyhow!("imported learner not found")))?,
        };
        per_row.push((learner, r.number.as_deref(), r.issued_on.as_deref(), r.score.as_deref()));
    }
    let stored = store::holdings::insert_for_learners(tx, &common, &per_row)
        .await
        .map_err(|e| {
            if e.is_unique_violation() {
                AppError::Conflict("导入期间有学员已存储此成果，请重新导入".into())
            } else {
                AppError::from(e)
            }
        })?;
    let body = format!("{}为您存储了学习成果“{}”。", o.institution_name, o.name);
    store::messages::send_for_holdings(tx, &stored, "机构为您存储了学习成果", &body, t).await?;
    if let ("recognised", Some(c)) = (o.recognition.as_str(), o.credits) {
        let reason = format!("成果自动认定：{}", o.name);
        let ids: Vec<i64> = stored.iter().map(|(h, _)| *h).collect();
        store::holdings::set_credits_many(&mut **tx, &ids, c, t).await?;
        store::ledger::credit_holdings(tx, &stored, c, &reason, actor, t).await?;
        let body = format!("{reason}，获得学分银行学分 {}。", Credits(c));
        store::messages::send_for_holdings(tx, &stored, "学分入账", &body, t).await?;
    }
    Ok(())
}

/// Stores a checked holding in the transaction: a learner without an account gets a
/// pre-imported one (未激活), the learner is told, and recognised outcomes credit it.
pub(crate) async fn store_in(
    tx: &mut Tx,
    o: &store::catalog::CatalogOutcome,
    row: &StoreRow,
    actor: &Actor,
    t: i64,
) -> AppResult<i64> {
    let learner_id = match row.learner {
        Some(id) => id,
        None => {
            let new = NewLearner {
                name: row.name.as_str(),
                id_type: row.id.kind().code(),
                id_number: row.id.as_str(),
                mobile: None,
                password_hash: crate::password::INITIAL,
                status: store::learners::INACTIVE,
                card_no: &crate::learners::new_card_no(),
                created_by_institution: Some(o.institution_id),
                now: t,
            };
            store::learners::insert(&mut **tx, &new).await?
        }
    };
    let holding = new_holding(
        &row.parsed,
        learner_id,
        SOURCE_INSTITUTION,
        STORED,
        Some("institution"),
        Some(o.institution_id),
        t,
    );
    let hid = store::holdings::insert(&mut **tx, &holding).await.map_err(|e| {
        if e.is_unique_violation() {
            AppError::field("id_number", "该学员已持有此成果，不能重复存储")
        } else {
            e.into()
        }
    })?;
    let body = format!("{}为您存储了学习成果“{}”。", o.institution_name, o.name);
    store::messages::send(
        &mut **tx,
        "learner",
        learner_id,
        "机构为您存储了学习成果",
        &body,
        Some(&format!("/learner/outcomes/{hid}")),
        t,
    )
    .await?;
    store::audit::record(
        &mut **tx,
        actor,
        "outcome_stored_by_institution",
        Some(&hid.to_string()),
        Some(&domain::mask::id_number(row.id.as_str())),
        t,
    )
    .await?;
    auto_recognise(tx, hid, actor, t).await?;
    Ok(hid)
}

/// I-04: the institution withdraws outcomes it stored (批量撤回), with a reason and a
/// document. All or none: one refused outcome leaves every other unchanged. Credits
/// they brought are reversed in the ledger.
pub async fn withdraw(
    app: &App,
    institution_id: i64,
    ids: &[i64],
    reason: &str,
    file: Option<&crate::files::Upload>,
    actor: &Actor,
) -> AppResult<usize> {
    if ids.is_empty() {
        return Err(AppError::field("ids", "请选择要撤回的学员成果"));
    }
    let reason = domain::opinion::Opinion::parse("reason", "撤回原因", reason, true)?.into_string();
    let t = now();
    let mut tx = app.db.begin().await?;
    let file = crate::files::record_opt(&mut tx, file, "institution", actor.id.unwrap_or_default()).await?;
    for id in ids {
        let h = store::holdings::by_id(&mut *tx, *id)
            .await?
            .filter(|h| h.issuer_institution_id == Some(institution_id))
            .ok_or_else(AppError::not_found)?;
        if !store::holdings::withdraw(&mut *tx, h.id, institution_id, &reason, file, t).await? {
            return Err(AppError::Conflict(format!(
                "“{}”（{}）不是存储状态，不能撤回",
                h.name, h.learner_name
            )));
        }
        if let Some(c) = h.credits {
            store::ledger::append(
                &mut *tx,
                h.learner_id,
                -c,
                &format!("成果撤回：{}", h.name),
                Some(h.id),
                actor,
                t,
            )
            .await?;
        }
        store::messages::send(
            &mut *tx,
            "learner",
            h.learner_id,
            "学习成果被撤回",
            &format!("您的学习成果“{}”已被撤回，原因：{reason}。", h.name),
            Some(&format!("/learner/outcomes/{}", h.id)),
            t,
        )
        .await?;
        store::audit::record(
            &mut *tx,
            actor,
            "outcome_withdrawn",
            Some(&id.to_string()),
            Some(&reason),
            t,
        )
        .await?;
    }
    store::commit(tx).await?;
    Ok(ids.len())
}
