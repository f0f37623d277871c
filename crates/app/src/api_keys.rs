//! 接口密钥: API keys with which an institution's own systems (教务系统, training
//! platforms) call the bank. The primary account creates, lists and revokes them; a key
//! is shown once and stored as a SHA-256 of its secret (the secret has 160 random bits,
//! so a slow hash adds nothing); each has scopes; each use is audited and counted
//! against a per-key rate limit.

use domain::ids::ApiKeyId;
use domain::institution::InstitutionStatus;
use domain::role::Role;
use sha2::{Digest, Sha256};
use store::api_keys::ApiKey;
use store::audit::Actor;
use store::now;

use crate::auth::Principal;
use crate::{App, AppError, AppResult};

/// What a key may do. Every key may read; writing and importing are granted apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Read,
    Write,
    Import,
}

impl Scope {
    pub const ALL: [Scope; 3] = [Scope::Read, Scope::Write, Scope::Import];

    pub fn code(self) -> &'static str {
        match self {
            Scope::Read => "read",
            Scope::Write => "write",
            Scope::Import => "import",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Scope::Read => "读取",
            Scope::Write => "写入",
            Scope::Import => "导入",
        }
    }

    pub fn parse(code: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|s| s.code() == code)
    }

    /// The scopes of a stored key.
    pub fn list(codes: &str) -> Vec<Scope> {
        codes.split(',').filter_map(|c| Scope::parse(c.trim())).collect()
    }
}

/// A key was used: who it acts for and what it may do.
#[derive(Debug, Clone)]
pub struct KeyCaller {
    pub key: ApiKey,
    pub principal: Principal,
    pub scopes: Vec<Scope>,
}

const TOKEN_PREFIX: &str = "cbk_";

fn sha(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

fn primary(who: &Principal) -> AppResult<(&store::institutions::InstitutionUser, &store::institutions::Institution)> {
    match who {
        Principal::Institution { user, institution } if user.is_primary == 1 => Ok((user, institution)),
        Principal::Institution { .. } => Err(AppError::Forbidden("只有机构主账号可以管理接口密钥".into())),
        _ => Err(AppError::forbidden()),
    }
}

/// Creates a key; returns its id and the token, shown to the user this once.
pub async fn create(
    app: &App,
    who: &Principal,
    name: &str,
    scopes: &[String],
    actor: &Actor,
) -> AppResult<(ApiKeyId, String)> {
    let (user, institution) = primary(who)?;
    let name = domain::name::parse_label("name", "密钥名称", name, 50)?;
    let mut chosen = vec![Scope::Read];
    for s in scopes {
        match Scope::parse(s) {
            Some(s) if !chosen.contains(&s) => chosen.push(s),
            Some(_) => {}
            None => return Err(AppError::field("scopes", "权限范围只能是读取、写入或导入")),
        }
    }
    let codes: Vec<&str> = chosen.iter().map(|s| s.code()).collect();
    let prefix = hex::encode(rand::random::<[u8; 6]>());
    let secret = hex::encode(rand::random::<[u8; 20]>());
    let t = now();
    let mut tx = app.db.begin().await?;
    let id = store::api_keys::insert(
        &mut *tx,
        &store::api_keys::NewKey {
            institution_id: institution.id,
            name: &name,
            prefix: &prefix,
            secret_sha256: &sha(&secret),
            scopes: &codes.join(","),
            created_by: user.id,
            now: t,
        },
    )
    .await?;
    store::audit::record(
        &mut *tx,
        actor,
        "api_key_created",
        Some(&prefix),
        Some(&format!("{name}: {}", codes.join(","))),
        t,
    )
    .await?;
    store::commit(tx).await?;
    Ok((id, format!("{TOKEN_PREFIX}{prefix}_{secret}")))
}

/// The institution's keys, newest first (the primary account only).
pub async fn list(app: &App, who: &Principal) -> AppResult<Vec<ApiKey>> {
    let (_, institution) = primary(who)?;
    Ok(store::api_keys::of_institution(&app.db.pool, institution.id).await?)
}

pub async fn revoke(app: &App, who: &Principal, id: ApiKeyId, actor: &Actor) -> AppResult<()> {
    let (_, institution) = primary(who)?;
    let t = now();
    let mut tx = app.db.begin().await?;
    if !store::api_keys::revoke(&mut *tx, institution.id, id, t).await? {
        return Err(AppError::NotFound("密钥不存在或已作废".into()));
    }
    store::audit::record(&mut *tx, actor, "api_key_revoked", Some(&id.to_string()), None, t).await?;
    store::commit(tx).await?;
    Ok(())
}

/// The caller a bearer token stands for. Any problem (malformed, unknown, wrong secret,
/// revoked, the institution or its primary account no longer active) is the same
/// "unauthenticated", so a guess learns nothing.
pub async fn authenticate(app: &App, token: &str) -> AppResult<KeyCaller> {
    let unauthenticated = || AppError::Unauthenticated;
    let (prefix, secret) = token
        .strip_prefix(TOKEN_PREFIX)
        .and_then(|t| t.split_once('_'))
        .ok_or_else(unauthenticated)?;
    let key = store::api_keys::by_prefix(&app.db.pool, prefix)
        .await?
        .ok_or_else(unauthenticated)?;
    if !crate::password::same(sha(secret).as_bytes(), key.secret_sha256.as_bytes()) || key.revoked_at.is_some() {
        return Err(unauthenticated());
    }
    let principal = crate::auth::account(app, Role::Institution, key.created_by.get())
        .await?
        .ok_or_else(unauthenticated)?;
    let Principal::Institution { institution, .. } = &principal else {
        return Err(unauthenticated());
    };
    if institution.id != key.institution_id || institution.status != InstitutionStatus::Approved {
        return Err(unauthenticated());
    }
    Ok(KeyCaller {
        scopes: Scope::list(&key.scopes),
        key,
        principal,
    })
}

/// Counts and audits one use of a key: refused with "too many requests" over the
/// per-minute limit. Returns the seconds to wait when refused.
pub async fn record_use(app: &App, caller: &KeyCaller, what: &str, ip: &str) -> Result<(), (AppError, i64)> {
    let t = now();
    let fail = |e: store::StoreError| (AppError::from(e), 0);
    let hits = store::rate_limit::hit(&app.db.pool, &format!("api:{}", caller.key.id), 60, t)
        .await
        .map_err(fail)?;
    let limit = app.config.api_rate_per_minute;
    if hits > limit {
        return Err((
            AppError::TooManyRequests(format!("请求过于频繁：每个密钥每分钟最多{limit}次请求")),
            60 - t % 60,
        ));
    }
    let mut actor = caller.principal.actor(ip);
    actor.name = Some(format!("接口密钥 {}（{}）", caller.key.name, caller.key.prefix));
    store::audit::record(
        &app.db.pool,
        &actor,
        "api_call",
        Some(&caller.key.prefix),
        Some(what),
        t,
    )
    .await
    .map_err(fail)?;
    store::api_keys::touch(&app.db.pool, caller.key.id, t)
        .await
        .map_err(fail)?;
    Ok(())
}

/// How an `Idempotency-Key` claim went (see `store::api_keys::Claim`).
pub use store::api_keys::Claim;

/// Claims an idempotency key for `caller` and a request with this SHA-256.
pub async fn claim_idempotency(app: &App, caller: &str, key: &str, request_sha256: &str) -> AppResult<Claim> {
    if key.is_empty() || key.len() > 200 || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(AppError::field(
            "Idempotency-Key",
            "Idempotency-Key 须为1-200个可见ASCII字符",
        ));
    }
    Ok(store::api_keys::claim(&app.db, caller, key, request_sha256, now()).await?)
}

pub async fn keep_answer(app: &App, caller: &str, key: &str, status: u16, body: &str) -> AppResult<()> {
    Ok(store::api_keys::answer(&app.db.pool, caller, key, i64::from(status), body).await?)
}

/// Runs an API request's handler as the request of this idempotency key: whatever it
/// commits marks the key in the same transaction.
pub async fn idempotent<F: std::future::Future>(caller: &str, key: &str, f: F) -> F::Output {
    store::api_keys::IDEMPOTENT
        .scope((caller.to_string(), key.to_string()), f)
        .await
}

pub async fn release_idempotency(app: &App, caller: &str, key: &str) -> AppResult<()> {
    Ok(store::api_keys::release(&app.db.pool, caller, key).await?)
}
