//! Issuing: the Open Badges credential of a stored outcome or a conversion grant. A
//! holding keeps one credential while it holds; asking again returns the same one.

use domain::ids::HoldingId;
use std::collections::BTreeMap;

use base64::Engine;
use credentials::badge::{Achievement, Badge, Profile, Subject};
use credentials::{proof, status};
use domain::credits::Credits;
use domain::outcome::Status;
use domain::taxonomy::Category;
use rand::RngCore;
use serde_json::Value;
use store::audit::Actor;
use store::holdings::Holding;
use store::learners::Learner;
use store::now;

use super::{base_url, internal, issuer, list_url};
use crate::{App, AppError, AppResult};

/// The learner's credential of a stored outcome (issued on first request).
pub async fn of_holding(app: &App, learner: &Learner, holding: HoldingId, actor: &Actor) -> AppResult<Value> {
    let h = store::holdings::by_id(&app.db.pool, holding)
        .await?
        .filter(|h| h.learner_id == learner.id)
        .ok_or_else(AppError::not_found)?;
    if h.status != Status::Stored {
        return Err(AppError::Conflict(format!(
            "“{}”尚未存储或已撤回，只有已存储的成果可以下载数字凭证",
            h.name
        )));
    }
    if let Some(c) = store::credentials::current_of_holding(&app.db.pool, h.id).await? {
        return serde_json::from_str(&c.document).map_err(|e| AppError::Internal(e.into()));
    }
    let issuer = issuer(app).await?;
    let t = now();
    let kind = if h.source == "conversion" { "grant" } else { "outcome" };
    let number = format!(
        "OB{}{:010}",
        domain::time::today().format("%Y%m%d"),
        rand::random::<u32>()
    );
    let mut tx = app.db.begin().await?;
    // The outcome may have been withdrawn since it was read: check under the transaction.
    let still = store::holdings::by_id(&mut *tx, h.id).await?;
    if still.map(|s| s.status) != Some(Status::Stored) {
        return Err(AppError::Conflict(format!("“{}”已撤回，不能下载数字凭证", h.name)));
    }
    let serial = store::credentials::reserve(&mut *tx, &number, kind, learner.id, h.id, t).await?;
    let (list, index) = status::position(serial);
    let badge = badge(
        app,
        &issuer.did,
        learner,
        &h,
        &number,
        status::entry(&list_url(app, list), index),
        t,
    );
    let stamp = credentials::timestamp(t);
    let signed = proof::sign(badge.to_json(), &issuer.key, &issuer.method, &stamp).map_err(internal)?;
    store::credentials::set_document(&mut *tx, serial, &signed.to_string()).await?;
    store::audit::record(
        &mut *tx,
        actor,
        "credential_issued",
        Some(&number),
        Some(&h.id.to_string()),
        t,
    )
    .await?;
    store::commit(tx).await?;
    Ok(signed)
}

/// The learner's credentials, newest first, with whether each still holds.
pub async fn of_learner(app: &App, learner: &Learner) -> AppResult<Vec<store::credentials::Credential>> {
    Ok(store::credentials::of_learner(&app.db.pool, learner.id).await?)
}

fn fields(h: &Holding) -> BTreeMap<String, String> {
    serde_json::from_str(&h.fields).unwrap_or_default()
}

fn badge(app: &App, did: &str, learner: &Learner, h: &Holding, number: &str, entry: Value, t: i64) -> Badge {
    let f = fields(h);
    let grant = h.source == "conversion";
    let bank = app.bank.name();
    let mut salt = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut salt);
    let mut about = vec![format!("{}颁发的{}", h.issuer, h.subtype_name)];
    if let Some(n) = h.number.as_deref().filter(|n| !n.is_empty()) {
        about.push(format!("证书编号{n}"));
    }
    if let Some(d) = h.issued_on.as_deref().filter(|d| !d.is_empty()) {
        about.push(format!("颁证日期{d}"));
    }
    if let Some(s) = h.score.as_deref().filter(|s| !s.is_empty()) {
        about.push(format!("成绩{s}"));
    }
    let criteria = if grant {
        format!("按{bank}公布的成果转换规则，由学习者已存储的源成果转换获得")
    } else {
        format!("{}，经{bank}存储", crate::holdings::source_label(&h.source))
    };
    let awarded = h
        .issued_on
        .as_deref()
        .filter(|d| d.len() == 10)
        .map(|d| format!("{d}T00:00:00+08:00"))
        .unwrap_or_else(|| credentials::timestamp(h.stored_at.unwrap_or(t)));
    let achievement_id = match h.institution_outcome_id {
        Some(id) => format!("{}/catalog/{id}", base_url(app)),
        None => format!("{}/credentials/{number}#achievement", base_url(app)),
    };
    let category = Category::from_code(&h.category).map(|c| c.label().to_string());
    Badge {
        id: format!("{}/credentials/{number}", base_url(app)),
        issuer: Profile {
            id: Some(did.to_string()),
            name: bank.to_string(),
            url: Some(base_url(app).to_string()),
        },
        valid_from: credentials::timestamp(t),
        awarded,
        name: h.name.clone(),
        description: if grant {
            format!("{bank}成果转换获得的学习成果")
        } else {
            format!("{bank}存储的学习成果")
        },
        subject: Subject {
            name: learner.name.clone(),
            id_number: learner.id_number.clone(),
            salt: base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(salt),
        },
        achievement: Achievement {
            id: achievement_id,
            kind: super::kind(&h.category, &f).achievement_type(),
            name: h.name.clone(),
            description: about.join("，"),
            criteria,
            credits: h.credits,
            hours: f.get("hours").and_then(|v| Credits::parse_decimal(v)),
            creator: Profile {
                id: None,
                name: h.issuer.clone(),
                url: None,
            },
            field_of_study: f.get("major").filter(|m| !m.is_empty()).cloned(),
            human_code: f.get("course_code").filter(|c| !c.is_empty()).cloned(),
            tags: category
                .into_iter()
                .chain([h.type_name.clone(), h.subtype_name.clone()])
                .collect(),
        },
        credits_earned: h.credits,
        status: entry,
    }
}

/// 1EdTech CLR 2.0: everything the learner holds (each stored outcome's own credential,
/// issued now where it was not yet) in one ClrCredential the bank signs. Made afresh on
/// each request, so it lists what holds today; each credential inside keeps its own
/// revocation entry.
pub async fn clr_of(app: &App, learner: &Learner, actor: &Actor) -> AppResult<Value> {
    let filter = store::holdings::Filter {
        learner_id: Some(learner.id),
        statuses: vec![Status::Stored.code()],
        ..Default::default()
    };
    let mut credentials = Vec::new();
    for page in 1.. {
        let rows = store::holdings::list(&app.db, &filter, page, 100).await?.rows;
        if rows.is_empty() {
            break;
        }
        for h in rows {
            credentials.push(of_holding(app, learner, h.id, actor).await?);
        }
    }
    if credentials.is_empty() {
        return Err(AppError::Conflict(
            "还没有已存储的成果，学习成果记录（CLR）至少要包含一份成果".into(),
        ));
    }
    let issuer = issuer(app).await?;
    let bank = app.bank.name();
    let t = now();
    let mut salt = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut salt);
    let clr = credentials::clr::Clr {
        id: format!("urn:uuid:{}", uuid::Uuid::new_v4()),
        issuer: Profile {
            id: Some(issuer.did.clone()),
            name: bank.to_string(),
            url: Some(base_url(app).to_string()),
        },
        valid_from: credentials::timestamp(t),
        name: format!("{}的学习成果记录", learner.name),
        description: format!("{bank}存储的全部学习成果，共{}项", credentials.len()),
        subject: Subject {
            name: learner.name.clone(),
            id_number: learner.id_number.clone(),
            salt: base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(salt),
        },
        credentials,
    };
    let stamp = credentials::timestamp(t);
    let signed = proof::sign(clr.to_json(), &issuer.key, &issuer.method, &stamp).map_err(internal)?;
    store::audit::record(
        &app.db.pool,
        actor,
        "clr_issued",
        None,
        Some(&learner.id.to_string()),
        t,
    )
    .await?;
    Ok(signed)
}
