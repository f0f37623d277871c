//! Certificates of holdings (L-08) and of conversion (L-12): rendered, signed,
//! kept as files, verifiable online by number (P-03) and offline with the public key.

use certs::{Facts, Key, PublicKey};
use domain::credits::Credits;
use domain::ids::{ApplicationId, HoldingId};
use rand::Rng;
use store::audit::Actor;
use store::holdings::Holding;
use store::learners::Learner;
use store::now;

use crate::{App, AppError, AppResult};

/// The bank's signing key, created on first use and kept in the database so every
/// process signs with the same key.
pub async fn signing_key(app: &App) -> AppResult<Key> {
    let pool = &app.db.pool;
    if let Some(k) = store::taxonomy::get_setting(pool, "signing_key")
        .await?
        .and_then(|h| certs::key_from_hex(&h))
    {
        return Ok(k);
    }
    // Two processes starting at once: the first key written wins and both read it back.
    store::taxonomy::set_setting_if_absent(pool, "signing_key", &certs::key_to_hex(&certs::generate_key())).await?;
    store::taxonomy::get_setting(pool, "signing_key")
        .await?
        .and_then(|h| certs::key_from_hex(&h))
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("signing key missing")))
}

pub async fn public_key(app: &App) -> AppResult<PublicKey> {
    Ok(signing_key(app).await?.verifying_key())
}

const RETIRED: &str = "retired_signing_keys";

/// Every key the bank has signed with, the current one first: documents signed before a
/// rotation keep verifying.
pub async fn verifying_keys(app: &App) -> AppResult<Vec<PublicKey>> {
    let mut keys = vec![public_key(app).await?];
    let retired = store::taxonomy::get_setting(&app.db.pool, RETIRED)
        .await?
        .unwrap_or_default();
    keys.extend(retired.split(',').filter_map(certs::public_from_hex));
    Ok(keys)
}

/// Replaces the signing key; the old one stays listed for verification only.
pub async fn rotate_key(app: &App, actor: &Actor) -> AppResult<PublicKey> {
    let old = public_key(app).await?;
    let next = certs::generate_key();
    let mut tx = app.db.begin().await?;
    let retired = store::taxonomy::get_setting(&mut *tx, RETIRED)
        .await?
        .unwrap_or_default();
    let mut all = vec![certs::public_to_hex(&old)];
    all.extend(retired.split(',').filter(|s| !s.is_empty()).map(str::to_string));
    store::taxonomy::set_setting(&mut *tx, RETIRED, &all.join(",")).await?;
    store::taxonomy::set_setting(&mut *tx, "signing_key", &certs::key_to_hex(&next)).await?;
    store::audit::record(
        &mut *tx,
        actor,
        "signing_key_rotated",
        Some(&certs::public_to_hex(&old)),
        None,
        now(),
    )
    .await?;
    store::commit(tx).await?;
    Ok(next.verifying_key())
}

fn number(prefix: &str) -> String {
    let day = domain::time::today().format("%Y%m%d");
    format!("{prefix}{day}{:08}", rand::thread_rng().gen_range(0..100_000_000))
}

fn today() -> String {
    domain::time::beijing_day(now()).format("%Y-%m-%d").to_string()
}

fn credits(c: Option<i64>) -> String {
    c.map(|c| Credits(c).to_string()).unwrap_or_else(|| "-".into())
}

fn field(h: &Holding, key: &str) -> String {
    serde_json::from_str::<std::collections::BTreeMap<String, String>>(&h.fields)
        .ok()
        .and_then(|m| m.get(key).cloned())
        .unwrap_or_else(|| "-".into())
}

async fn issue(
    app: &App,
    mut facts: Facts,
    learner: &Learner,
    application: Option<ApplicationId>,
    holdings: &[HoldingId],
    actor: &Actor,
) -> AppResult<(String, Vec<u8>)> {
    let key = signing_key(app).await?;
    let pdf = {
        facts.verify_url = format!(
            "{}/verify?number={}",
            app.config.public_url.trim_end_matches('/'),
            facts.number
        );
        let rendered = certs::render(&facts, true).map_err(|e| AppError::Internal(anyhow::anyhow!(e.to_string())))?;
        certs::sign(rendered, &facts, &key)
    };
    let file = crate::files::save(
        app,
        "file",
        &format!("{}.pdf", facts.number),
        &pdf,
        crate::files::Accept::Pdf,
        "system",
        learner.id,
    )
    .await?;
    let ids: Vec<String> = holdings.iter().map(HoldingId::to_string).collect();
    let mut tx = app.db.begin().await?;
    store::certificates::insert(
        &mut *tx,
        &store::certificates::NewCertificate {
            number: &facts.number,
            kind: &facts.kind,
            learner_id: learner.id,
            application_id: application,
            holding_ids: &ids.join(","),
            payload: &facts.canonical(),
            file_id: file,
            now: now(),
        },
    )
    .await?;
    store::audit::record(&mut *tx, actor, "certificate_issued", Some(&facts.number), None, now()).await?;
    store::commit(tx).await?;
    Ok((facts.number, pdf))
}

/// L-08: a certificate of the selected stored outcomes.
pub async fn holdings(app: &App, learner: &Learner, ids: &[HoldingId], actor: &Actor) -> AppResult<(String, Vec<u8>)> {
    if ids.is_empty() {
        return Err(AppError::field("ids", "请选择要开具证明的成果"));
    }
    let mut rows = Vec::new();
    for id in ids {
        let h = store::holdings::by_id(&app.db.pool, *id)
            .await?
            .filter(|h| h.learner_id == learner.id)
            .ok_or_else(AppError::not_found)?;
        if h.status != domain::outcome::Status::Stored {
            return Err(AppError::Conflict(format!(
                "“{}”尚未存储，只能为已存储的成果开具证明",
                h.name
            )));
        }
        rows.push(vec![
            h.name.clone(),
            h.subtype_name.clone(),
            h.issuer.clone(),
            h.issued_on.clone().unwrap_or_default(),
            credits(h.credits),
        ]);
    }
    let facts = Facts {
        number: number("ZM"),
        kind: "holdings".into(),
        issuer: app.bank.name().into(),
        issued_on: today(),
        learner: learner.name.clone(),
        id_number: domain::mask::id_number(&learner.id_number),
        lines: vec![format!(
            "兹证明以上人员在{}存储有以下学习成果，共{}项。",
            app.bank.name(),
            rows.len()
        )],
        headers: ["成果名称", "成果子类型", "颁证机构", "颁证日期", "学分银行学分"]
            .iter()
            .map(|s| s.to_string())
            .collect(),
        rows,
        verify_url: String::new(),
    };
    issue(app, facts, learner, None, ids, actor).await
}

/// L-12: the certificate of a successful conversion.
pub async fn conversion(
    app: &App,
    learner: &Learner,
    application: ApplicationId,
    actor: &Actor,
) -> AppResult<(String, Vec<u8>)> {
    let pool = &app.db.pool;
    let a = store::conversion::application(pool, application)
        .await?
        .filter(|a| a.learner_id == learner.id)
        .ok_or_else(AppError::not_found)?;
    if a.status != domain::lifecycle::ApplicationStatus::Passed {
        return Err(AppError::Conflict("只有转换成功的申请可以开具转换证明".into()));
    }
    let sources = store::conversion::application_sources(pool, a.id).await?;
    let mut rows = Vec::new();
    let mut source_names = Vec::new();
    for id in &sources {
        if let Some(h) = store::holdings::by_id(pool, *id).await? {
            source_names.push(h.name.clone());
            rows.push(vec![
                h.name.clone(),
                field(&h, "course_code"),
                h.score.clone().unwrap_or_else(|| "-".into()),
                field(&h, "hours"),
                credits(h.credits),
            ]);
        }
    }
    let f = store::holdings::Filter {
        learner_id: Some(learner.id),
        converted: Some(true),
        ..Default::default()
    };
    let granted: Vec<Holding> = store::holdings::list(&app.db, &f, 1, 1000)
        .await?
        .rows
        .into_iter()
        .filter(|h| h.number.as_deref() == Some(&format!("ZH{}", a.id)))
        .collect();
    let targets: Vec<String> = granted.iter().map(|h| h.name.clone()).collect();
    let rule = store::conversion::rule(pool, a.rule_id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let facts = Facts {
        number: number("ZH"),
        kind: "conversion".into(),
        issuer: app.bank.name().into(),
        issued_on: today(),
        learner: learner.name.clone(),
        id_number: domain::mask::id_number(&learner.id_number),
        lines: vec![
            format!("转换规则：{}（{}）", rule.code, rule.name),
            format!(
                "转换：{} → {}",
                source_names.join("、"),
                if targets.is_empty() {
                    "-".to_string()
                } else {
                    targets.join("、")
                }
            ),
            format!(
                "目标机构：{}    转换日期：{}",
                rule.institution_name,
                a.decided_at.map(domain::time::beijing).unwrap_or_default()
            ),
        ],
        headers: ["源成果（课程）", "课程代码", "成绩", "学时", "学分"]
            .iter()
            .map(|s| s.to_string())
            .collect(),
        rows,
        verify_url: String::new(),
    };
    let mut ids = sources.clone();
    ids.extend(granted.iter().map(|h| h.id));
    issue(app, facts, learner, Some(a.id), &ids, actor).await
}

/// What the verification page says about a number.
pub struct Check {
    pub facts: Facts,
    /// `None` when valid; otherwise why it no longer holds.
    pub revoked: Option<String>,
}

/// P-03: looks a certificate up by number and tells whether it still holds.
pub async fn check(app: &App, number: &str) -> AppResult<Check> {
    let number = domain::normalize::half_width(number).to_ascii_uppercase();
    let c = store::certificates::by_number(&app.db.pool, &number)
        .await?
        .ok_or_else(|| AppError::NotFound("证书编号不存在，请核对后重新输入".into()))?;
    let facts: Facts = serde_json::from_str(&c.payload).map_err(anyhow::Error::from)?;
    let mut revoked = None;
    for id in c.holding_ids.split(',').filter_map(|s| s.parse::<HoldingId>().ok()) {
        match store::holdings::by_id(&app.db.pool, id).await? {
            Some(h) if h.status == domain::outcome::Status::Withdrawn => {
                revoked = Some(format!("证书所列成果“{}”已被撤回，证书已失效", h.name));
                break;
            }
            None => {
                revoked = Some("证书所列成果已不存在，证书已失效".into());
                break;
            }
            _ => {}
        }
    }
    Ok(Check { facts, revoked })
}

/// Verifications per client address per minute: enough for anyone scanning codes, too
/// few to walk the number space.
pub const VERIFY_PER_MINUTE: i64 = 30;

/// Counts a verification by this client; refused over the limit.
pub async fn throttle_verify(app: &App, ip: &str) -> AppResult<()> {
    let hits = store::rate_limit::hit(&app.db.pool, &format!("verify:{ip}"), 60, now()).await?;
    if hits > VERIFY_PER_MINUTE {
        return Err(AppError::TooManyRequests("核验过于频繁，请一分钟后再试".into()));
    }
    Ok(())
}
