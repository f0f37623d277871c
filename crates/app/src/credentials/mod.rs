//! Verifiable credentials (X-05, L-08, L-12): every stored outcome and every conversion
//! grant as an Open Badges 3.0 credential the learner can take anywhere, issued by the
//! bank as a `did:web`, revocable through Bitstring Status Lists whose bits are set in the
//! transaction of the change that causes them.

pub mod ctdl;
mod issue;
mod verify;

use certs::{Key as SigningKey, PublicKey as VerifyingKey};
use credentials::{did, proof, status};
use domain::ids::HoldingId;
use serde_json::Value;
use store::{Tx, now};

use crate::{App, AppError, AppResult};

pub use issue::{clr_of, of_holding, of_learner};
pub use store::credentials::Credential;
pub use verify::{Check, Verification, check_number, verify, verify_file};

/// The kind of an outcome from the taxonomy: a course by its fields, the rest by category.
fn kind(category: &str, fields: &std::collections::BTreeMap<String, String>) -> credentials::ctdl::Kind {
    use credentials::ctdl::Kind;
    use domain::taxonomy::Category;
    if domain::taxonomy::is_course(fields.keys().map(String::as_str)) {
        return Kind::Course;
    }
    match Category::from_code(category) {
        Some(Category::Academic) => Kind::Diploma,
        Some(Category::NonAcademic) => Kind::Certificate,
        _ => Kind::LearningOpportunity,
    }
}

/// The bank as an issuer: its DID, the current key and its verification method.
pub struct Issuer {
    pub did: String,
    pub key: SigningKey,
    pub method: String,
}

pub async fn issuer(app: &App) -> AppResult<Issuer> {
    let key = crate::certificates::signing_key(app).await?;
    let did = did::did_web(&app.config.public_url);
    let method = did::method_id(&did, &key.verifying_key());
    Ok(Issuer { did, key, method })
}

pub fn base_url(app: &App) -> &str {
    app.config.public_url.trim_end_matches('/')
}

pub fn list_url(app: &App, list: i64) -> String {
    format!("{}/credentials/status/{list}", base_url(app))
}

/// The DID document at `/.well-known/did.json`: the current key and every retired one.
pub async fn did_document(app: &App) -> AppResult<Value> {
    let issuer = issuer(app).await?;
    Ok(did::document(
        &issuer.did,
        &crate::certificates::verifying_keys(app).await?,
    ))
}

/// The key of a verification method of this bank's DID (current or retired).
pub async fn method_key(app: &App, method: &str) -> AppResult<Option<VerifyingKey>> {
    let did = did::did_web(&app.config.public_url);
    let Some(fragment) = method.strip_prefix(&format!("{did}#")) else {
        return Ok(None);
    };
    Ok(crate::certificates::verifying_keys(app)
        .await?
        .into_iter()
        .find(|k| did::multikey(k) == fragment))
}

/// The signed `BitstringStatusListCredential` of list `list` (from 1), as of now.
pub async fn status_list(app: &App, list: i64) -> AppResult<Value> {
    let bits = status::LIST_BITS as i64;
    let first = (list - 1).saturating_mul(bits) + 1;
    if list < 1 || first > store::credentials::last_serial(&app.db.pool).await?.max(1) {
        return Err(AppError::NotFound("没有这个状态列表".into()));
    }
    let revoked: Vec<u64> = store::credentials::revoked_between(&app.db.pool, first, first + bits - 1)
        .await?
        .into_iter()
        .map(|serial| status::position(serial).1)
        .collect();
    let issuer = issuer(app).await?;
    let stamp = credentials::timestamp(now());
    let unsigned = status::list_credential(&list_url(app, list), &issuer.did, &stamp, &revoked);
    proof::sign(unsigned, &issuer.key, &issuer.method, &stamp).map_err(internal)
}

/// Revokes the credentials of a holding inside the caller's transaction.
pub(crate) async fn revoke_holding(tx: &mut Tx, holding: HoldingId, reason: &str, t: i64) -> AppResult<()> {
    store::credentials::revoke_of_holding(&mut **tx, holding, reason, t).await?;
    Ok(())
}

fn internal(e: credentials::CredentialError) -> AppError {
    AppError::Internal(anyhow::anyhow!(e.to_string()))
}
