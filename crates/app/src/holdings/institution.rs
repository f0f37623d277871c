//! What an institution does with its learners' outcomes (I-04): storing one of its catalog outcomes for a learner, and withdrawing them with a reason.

use super::*;
use domain::ids::{CatalogOutcomeId, HoldingId, InstitutionId, LearnerId};

#[derive(Debug, Default, Clone, serde::Deserialize)]
pub struct StoreForLearnerForm {
    #[serde(default)]
    pub learner_name: String,
    /// 证件类型 (code or name); empty: 居民身份证.
    #[serde(default)]
    pub id_type: String,
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
    institution_id: InstitutionId,
    catalog_id: CatalogOutcomeId,
    f: &StoreForLearnerForm,
    actor: &Actor,
) -> AppResult<HoldingId> {
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
    pub(crate) learner: Option<LearnerId>,
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
    pub(crate) fn imported(&self, learner: Option<LearnerId>) -> ImportedHolding {
        ImportedHolding {
            name: self.name.as_str().to_string(),
            id_type: self.id.kind().code().to_string(),
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
    id_type: String,
    id_number: String,
    learner: Option<LearnerId>,
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
    // 证件类型 by its code or its name; none given means 居民身份证.
    let kind = match f.id_type.trim() {
        "" => Some(domain::id_card::IdType::Resident),
        t => domain::id_card::IdType::ALL
            .into_iter()
            .find(|k| k.code() == t || k.label() == t)
            .or_else(|| {
                v.fail("id_type", format!("证件类型“{t}”无法识别"));
                None
            }),
    };
    let id = kind.and_then(|k| v.check(IdNumber::parse(k, &f.id_number)));
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
    let new: Vec<(&str, &str, &str, String)> = rows
        .iter()
        .filter(|r| r.learner.is_none())
        .map(|r| {
            (
                r.name.as_str(),
                r.id_type.as_str(),
                r.id_number.as_str(),
                crate::learners::new_card_no(),
            )
        })
        .collect();
    let new: Vec<(&str, &str, &str, &str)> = new.iter().map(|(n, k, id, c)| (*n, *k, *id, c.as_str())).collect();
    let created: std::collections::HashMap<String, LearnerId> =
        store::learners::insert_imported(tx, &new, crate::password::INITIAL, Some(o.institution_id), t)
            .await?
            .into_iter()
            .collect();
    // Everything but the learner, number, date and score is the same for every row.
    let common = new_holding(
        &template.parsed,
        LearnerId::default(),
        SOURCE_INSTITUTION,
        STORED,
        Some("institution"),
        Some(o.institution_id.get()),
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
    let credits = match (o.recognition, o.credits) {
        (domain::lifecycle::CatalogRecognition::Recognised, Some(c)) => Some(c),
        _ => None,
    };
    let stored = store::holdings::insert_for_learners(tx, &common, credits, &per_row)
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
    if let Some(c) = credits {
        let reason = format!("成果自动认定：{}", o.name);
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
) -> AppResult<HoldingId> {
    let learner_id = match row.learner {
        Some(id) => id,
        None => {
            let new = NewLearner {
                name: row.name.as_str(),
                id_type: row.id.kind().code(),
                id_number: row.id.as_str(),
                mobile: None,
                password_hash: crate::password::INITIAL,
                status: domain::lifecycle::LearnerStatus::Inactive,
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
        Some(o.institution_id.get()),
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
    institution_id: InstitutionId,
    ids: &[HoldingId],
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
        super::after_withdrawal(&mut tx, &h, &reason, actor).await?;
    }
    store::commit(tx).await?;
    Ok(ids.len())
}
