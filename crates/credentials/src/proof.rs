//! Data Integrity proofs with the `eddsa-rdfc-2022` cryptosuite (W3C VC Data Integrity
//! EdDSA Cryptosuites v1.0, §3.3): the proof options and the document are canonicalized
//! separately with RDFC-1.0, hashed with SHA-256, and the two hashes (options first)
//! signed with Ed25519; the signature is base58btc multibase.

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use crate::CredentialError;
use crate::canon::canonicalize;

pub const CRYPTOSUITE: &str = "eddsa-rdfc-2022";

fn hash_data(proof_config: &Value, document: &Value) -> Result<Vec<u8>, CredentialError> {
    let mut out = Sha256::digest(canonicalize(proof_config)?.as_bytes()).to_vec();
    out.extend_from_slice(&Sha256::digest(canonicalize(document)?.as_bytes()));
    Ok(out)
}

fn config(document: &Value, proof: &Map<String, Value>) -> Value {
    let mut config = proof.clone();
    config.remove("proofValue");
    if let Some(ctx) = document.get("@context") {
        config.insert("@context".into(), ctx.clone());
    }
    Value::Object(config)
}

/// Adds a proof to `document` (which has none), signed by `key` as `method`.
pub fn sign(mut document: Value, key: &SigningKey, method: &str, created: &str) -> Result<Value, CredentialError> {
    let Value::Object(_) = document else {
        return Err(CredentialError::Malformed("not an object".into()));
    };
    let proof = json!({
        "type": "DataIntegrityProof",
        "cryptosuite": CRYPTOSUITE,
        "created": created,
        "verificationMethod": method,
        "proofPurpose": "assertionMethod",
    });
    let Value::Object(mut proof) = proof else {
        return Err(CredentialError::Malformed("proof".into()));
    };
    let signature = key.sign(&hash_data(&config(&document, &proof), &document)?);
    proof.insert(
        "proofValue".into(),
        Value::String(format!("z{}", bs58::encode(signature.to_bytes()).into_string())),
    );
    if let Value::Object(m) = &mut document {
        m.insert("proof".into(), Value::Object(proof));
    }
    Ok(document)
}

/// The verification method a secured document names, if it has a proof of this suite.
pub fn method(document: &Value) -> Result<String, CredentialError> {
    let proof = document
        .get("proof")
        .and_then(Value::as_object)
        .ok_or(CredentialError::NoProof)?;
    if proof.get("type").and_then(Value::as_str) != Some("DataIntegrityProof")
        || proof.get("cryptosuite").and_then(Value::as_str) != Some(CRYPTOSUITE)
        || proof.get("proofPurpose").and_then(Value::as_str) != Some("assertionMethod")
    {
        return Err(CredentialError::NoProof);
    }
    proof
        .get("verificationMethod")
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or(CredentialError::NoProof)
}

/// Checks the proof of `document` against `key` (the key of its verification method).
pub fn verify(document: &Value, key: &VerifyingKey) -> Result<(), CredentialError> {
    method(document)?;
    let Some(Value::Object(proof)) = document.get("proof") else {
        return Err(CredentialError::NoProof);
    };
    let value = proof
        .get("proofValue")
        .and_then(Value::as_str)
        .ok_or(CredentialError::NoProof)?;
    let bytes = value
        .strip_prefix('z')
        .and_then(|v| bs58::decode(v).into_vec().ok())
        .ok_or(CredentialError::BadSignature)?;
    let signature = Signature::from_slice(&bytes).map_err(|_| CredentialError::BadSignature)?;
    let mut unsecured = document.clone();
    if let Value::Object(m) = &mut unsecured {
        m.remove("proof");
    }
    let data = hash_data(&config(document, proof), &unsecured)?;
    key.verify_strict(&data, &signature)
        .map_err(|_| CredentialError::BadSignature)
}
