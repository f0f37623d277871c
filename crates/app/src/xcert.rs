//! X证书 synchronisation (I-03, NCB): holdings of the 职业技能等级证书(X证书) subtype
//! arrive from the vocational skill certificate platform, never by hand. A run pulls
//! the platform's feed page by page from the last good cursor, checks every record as
//! an import row is checked, stores new certificates (source X证书平台获取), follows
//! changed ones, withdraws revoked ones, and records what it did. Each page is one
//! transaction with the cursor it reaches, so a feed that fails half-way leaves the
//! pages before it stored and the next run resumes after them.
//!
//! The feed: `GET {feed_url}?cursor={cursor}&limit={n}` (no cursor: from the start),
//! answering JSON
//! `{"records": [{"certificate_no", "holder_name", "id_number", "certificate", "level",
//! "issued_on": "YYYY-MM-DD", "issuer", "status": "valid" | "revoked"}],
//! "next_cursor": "…", "has_more": true}`.

use domain::ids::{SubtypeId, SyncRunId};
use std::time::Duration;

use domain::id_card::IdNumber;
use domain::name::PersonName;
use store::audit::Actor;
use store::now;
pub use store::sync_runs::Rejection;

use crate::{App, AppError, AppResult};

pub const SOURCE: &str = "xcert";
const SUBTYPE: &str = "x_cert";
const CURSOR_KEY: &str = "xcert_cursor";
const PAGE: usize = 500;
/// A run older than this still marked running belonged to a process that died.
const STALE_SECONDS: i64 = 3600;
const LEVELS: [&str; 3] = ["初级", "中级", "高级"];

#[derive(Debug, serde::Deserialize)]
struct Feed {
    records: Vec<serde_json::Value>,
    #[serde(default)]
    next_cursor: Option<String>,
    #[serde(default)]
    has_more: bool,
}

#[derive(Debug, serde::Deserialize)]
struct Record {
    certificate_no: String,
    holder_name: String,
    id_number: String,
    certificate: String,
    level: String,
    issued_on: String,
    issuer: String,
    #[serde(default = "valid")]
    status: String,
}

fn valid() -> String {
    "valid".into()
}

/// What a run did.
#[derive(Debug, Default, Clone)]
pub struct Outcome {
    pub run: SyncRunId,
    pub fetched: i64,
    pub stored: i64,
    pub updated: i64,
    pub revoked: i64,
    pub rejected: i64,
    pub error: Option<String>,
}

fn actor() -> Actor {
    Actor {
        role: Some("system".into()),
        id: None,
        name: Some("X证书平台同步".into()),
        ip: None,
    }
}

/// One run: `trigger` is `schedule` or `manual`.
pub async fn run(app: &App, trigger: &str) -> AppResult<Outcome> {
    let cfg = &app.config.xcert;
    if cfg.feed_url.trim().is_empty() {
        return Err(AppError::Conflict("未配置X证书平台地址（xcert.feed_url）".into()));
    }
    let subtype = store::taxonomy::subtype_by_code(&app.db.pool, SUBTYPE)
        .await?
        .ok_or_else(|| AppError::Conflict("本学分银行的成果分类中没有X证书（x_cert）子类型".into()))?;
    let t = now();
    store::sync_runs::abandon_stale(&app.db.pool, SOURCE, t - STALE_SECONDS, t).await?;
    let cursor = store::taxonomy::get_setting(&app.db.pool, CURSOR_KEY).await?;
    let run = store::sync_runs::start(&app.db.pool, SOURCE, trigger, cursor.as_deref(), t)
        .await?
        .ok_or_else(|| AppError::Conflict("X证书同步正在进行中".into()))?;
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(cfg.timeout_seconds.max(1)))
        .build()
        .map_err(|e| AppError::Internal(e.into()))?;
    let mut out = Outcome {
        run,
        ..Outcome::default()
    };
    let mut cursor = cursor;
    let result = loop {
        let feed = match fetch(app, &client, cursor.as_deref()).await {
            Ok(f) => f,
            Err(why) => break Err(why),
        };
        match apply_page(app, run, subtype.id, &feed, &mut out).await {
            Ok(()) => {}
            Err(e) => break Err(format!("保存失败：{e}")),
        }
        if feed.next_cursor.is_some() {
            cursor = feed.next_cursor.clone();
        }
        if !feed.has_more || feed.records.is_empty() {
            break Ok(());
        }
    };
    out.error = result.err();
    store::sync_runs::finish(&app.db.pool, run, out.error.as_deref(), now()).await?;
    Ok(out)
}

/// One page of the feed, or why it could not be read (said in the run's record).
async fn fetch(app: &App, client: &reqwest::Client, cursor: Option<&str>) -> Result<Feed, String> {
    let cfg = &app.config.xcert;
    let mut req = client.get(cfg.feed_url.trim()).query(&[("limit", PAGE.to_string())]);
    if let Some(c) = cursor {
        req = req.query(&[("cursor", c)]);
    }
    if !cfg.token.is_empty() {
        req = req.bearer_auth(&cfg.token);
    }
    let resp = req.send().await.map_err(|e| {
        if e.is_timeout() {
            "X证书平台响应超时".to_string()
        } else {
            format!("无法连接X证书平台：{e}")
        }
    })?;
    if !resp.status().is_success() {
        return Err(format!("X证书平台返回错误状态 {}", resp.status().as_u16()));
    }
    let bytes = resp.bytes().await.map_err(|e| format!("读取X证书平台数据失败：{e}"))?;
    serde_json::from_slice::<Feed>(&bytes).map_err(|e| format!("X证书平台返回的数据格式不正确：{e}"))
}

/// Checks a record as an import row is checked; the reason names the field.
fn check(raw: &serde_json::Value) -> Result<(Record, PersonName, IdNumber, String), (String, String)> {
    let no = raw
        .get("certificate_no")
        .and_then(|v| v.as_str())
        .unwrap_or("")
        .trim()
        .to_string();
    let fail = |why: String| {
        (
            if no.is_empty() {
                "(无证书编号)".to_string()
            } else {
                no.clone()
            },
            why,
        )
    };
    let r: Record = serde_json::from_value(raw.clone()).map_err(|e| fail(format!("字段缺失或类型错误：{e}")))?;
    if r.certificate_no.trim().is_empty() || r.certificate_no.chars().count() > 50 {
        return Err(fail("证书编号为空或超过50个字符".into()));
    }
    let name = PersonName::parse(&r.holder_name).map_err(|e| fail(format!("持证人姓名：{}", e.message)))?;
    let id = IdNumber::resident(&r.id_number).map_err(|e| fail(format!("身份证号：{}", e.message)))?;
    if r.certificate.trim().is_empty() || r.issuer.trim().is_empty() {
        return Err(fail("证书名称和发证机构不能为空".into()));
    }
    if !LEVELS.contains(&r.level.trim()) {
        return Err(fail(format!("等级“{}”不是初级、中级或高级", r.level)));
    }
    let date = domain::id_card::parse_date(r.issued_on.trim())
        .ok_or_else(|| fail(format!("发证日期“{}”不是有效日期", r.issued_on)))?
        .format("%Y-%m-%d")
        .to_string();
    if !["valid", "revoked"].contains(&r.status.as_str()) {
        return Err(fail(format!("状态“{}”不是 valid 或 revoked", r.status)));
    }
    Ok((r, name, id, date))
}

async fn apply_page(app: &App, run: SyncRunId, subtype: SubtypeId, feed: &Feed, out: &mut Outcome) -> AppResult<()> {
    let t = now();
    let mut c = store::sync_runs::PageCounts {
        fetched: feed.records.len() as i64,
        stored: 0,
        updated: 0,
        revoked: 0,
        rejected: 0,
        cursor: feed.next_cursor.as_deref(),
    };
    let mut tx = app.db.begin().await?;
    for raw in &feed.records {
        let (r, name, id, date) = match check(raw) {
            Ok(x) => x,
            Err((no, why)) => {
                store::sync_runs::reject(&mut *tx, run, &no, &why).await?;
                c.rejected += 1;
                continue;
            }
        };
        let no = r.certificate_no.trim();
        let title = format!("{}（{}）", r.certificate.trim(), r.level.trim());
        let fields = serde_json::json!({ "grade": r.level.trim() }).to_string();
        let existing = store::holdings::by_source_number(&mut *tx, SOURCE, no).await?;
        if let Some(h) = existing {
            if h.learner_id_number != id.as_str() {
                store::sync_runs::reject(&mut *tx, run, no, "证书编号已属于另一持证人").await?;
                c.rejected += 1;
            } else if r.status == "revoked" {
                if store::holdings::withdraw_synced(&mut *tx, h.id, "X证书平台已撤销该证书", t).await? {
                    if let Some(credits) = h.credits {
                        store::ledger::append(&mut *tx, h.learner_id, -credits, "X证书撤销", Some(h.id), &actor(), t)
                            .await?;
                    }
                    crate::holdings::after_withdrawal(&mut tx, &h, "X证书平台已撤销该证书", &actor()).await?;
                    c.revoked += 1;
                }
            } else if h.name != title || h.issuer != r.issuer.trim() || h.issued_on.as_deref() != Some(date.as_str()) {
                store::holdings::update_synced(&mut *tx, h.id, &title, r.issuer.trim(), &date, &fields, t).await?;
                c.updated += 1;
            }
            continue;
        }
        if r.status == "revoked" {
            continue;
        }
        let learner = match store::learners::by_id_number(&mut *tx, id.as_str()).await? {
            Some(l) if l.name != name.as_str() => {
                store::sync_runs::reject(&mut *tx, run, no, "持证人姓名与学分银行账户不一致").await?;
                c.rejected += 1;
                continue;
            }
            Some(l) => l.id,
            None => crate::learners::pre_import_in(&mut tx, name.as_str(), id.as_str(), None).await?,
        };
        store::holdings::insert(
            &mut *tx,
            &store::holdings::NewHolding {
                learner_id: learner,
                institution_outcome_id: None,
                subtype_id: subtype,
                name: &title,
                issuer: r.issuer.trim(),
                issuer_institution_id: None,
                number: Some(no),
                issued_on: Some(&date),
                score: None,
                fields: &fields,
                source: SOURCE,
                status: store::holdings::STORED,
                stored_by: None,
                stored_by_id: None,
                now: t,
            },
        )
        .await?;
        c.stored += 1;
    }
    if let Some(next) = &feed.next_cursor {
        store::taxonomy::set_setting(&mut *tx, CURSOR_KEY, next).await?;
    }
    store::sync_runs::add_page(&mut *tx, run, &c).await?;
    store::commit(tx).await?;
    out.fetched += c.fetched;
    out.stored += c.stored;
    out.updated += c.updated;
    out.revoked += c.revoked;
    out.rejected += c.rejected;
    Ok(())
}

/// The worker's schedule: a run every `interval_minutes` while a feed is configured.
pub async fn schedule(app: App) {
    let minutes = app.config.xcert.interval_minutes;
    if app.config.xcert.feed_url.trim().is_empty() || minutes == 0 {
        return;
    }
    loop {
        match run(&app, "schedule").await {
            Ok(o) if o.error.is_some() => tracing::warn!(run = %o.run, error = ?o.error, "X证书 sync failed"),
            Ok(o) => tracing::info!(run = %o.run, stored = o.stored, rejected = o.rejected, "X证书 sync done"),
            Err(e) => tracing::warn!(error = %e, "X证书 sync not run"),
        }
        tokio::time::sleep(Duration::from_secs(minutes * 60)).await;
    }
}

/// The latest runs, for the centre's page.
pub async fn recent(app: &App, who: &crate::auth::Principal) -> AppResult<Vec<store::sync_runs::Run>> {
    crate::portal::centre_staff(who)?;
    Ok(store::sync_runs::recent(&app.db.pool, SOURCE, 20).await?)
}

pub async fn rejections(app: &App, who: &crate::auth::Principal, run: SyncRunId) -> AppResult<Vec<Rejection>> {
    crate::portal::centre_staff(who)?;
    Ok(store::sync_runs::rejections(&app.db.pool, run, 500).await?)
}
