//! The bank as a `did:web` issuer: its DID follows from the configured public URL, and
//! its DID document lists every key it has signed with (the current one first), each as
//! a Multikey, so credentials signed before a key rotation still verify.

use ed25519_dalek::VerifyingKey;
use serde_json::{Value, json};

/// Multicodec prefix of an Ed25519 public key.
const ED25519_PUB: [u8; 2] = [0xed, 0x01];

/// `https://bank.example:8443/cb` → `did:web:bank.example%3A8443:cb`.
pub fn did_web(public_url: &str) -> String {
    let rest = public_url
        .trim_end_matches('/')
        .split_once("://")
        .map(|(_, r)| r)
        .unwrap_or(public_url);
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    let mut did = format!("did:web:{}", host.replace(':', "%3A"));
    for segment in path.split('/').filter(|s| !s.is_empty()) {
        did.push(':');
        did.push_str(segment);
    }
    did
}

/// Where a did:web document is published, relative to the public URL.
pub fn document_path(public_url: &str) -> &'static str {
    let has_path = public_url
        .trim_end_matches('/')
        .split_once("://")
        .is_some_and(|(_, r)| r.contains('/'));
    if has_path { "/did.json" } else { "/.well-known/did.json" }
}

/// `z6Mk…`: base58btc multibase of the multicodec-prefixed key.
pub fn multikey(key: &VerifyingKey) -> String {
    let mut bytes = ED25519_PUB.to_vec();
    bytes.extend_from_slice(key.as_bytes());
    format!("z{}", bs58::encode(bytes).into_string())
}

pub fn parse_multikey(s: &str) -> Option<VerifyingKey> {
    let bytes = bs58::decode(s.strip_prefix('z')?).into_vec().ok()?;
    let raw: [u8; 32] = bytes.strip_prefix(&ED25519_PUB)?.try_into().ok()?;
    VerifyingKey::from_bytes(&raw).ok()
}

/// The id of a key's verification method: the DID with the key as fragment.
pub fn method_id(did: &str, key: &VerifyingKey) -> String {
    format!("{did}#{}", multikey(key))
}

/// The DID document: `keys` with the current signing key first.
pub fn document(did: &str, keys: &[VerifyingKey]) -> Value {
    let methods: Vec<Value> = keys
        .iter()
        .map(|k| {
            json!({
                "id": method_id(did, k),
                "type": "Multikey",
                "controller": did,
                "publicKeyMultibase": multikey(k),
            })
        })
        .collect();
    let ids: Vec<String> = keys.iter().map(|k| method_id(did, k)).collect();
    json!({
        "@context": [crate::DID_V1, crate::MULTIKEY_V1],
        "id": did,
        "verificationMethod": methods,
        "assertionMethod": ids,
        "authentication": ids,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn did_web_follows_the_url() {
        assert_eq!(did_web("http://127.0.0.1:8080"), "did:web:127.0.0.1%3A8080");
        assert_eq!(did_web("https://xfyh.example.cn/"), "did:web:xfyh.example.cn");
        assert_eq!(did_web("https://gov.example/cb/bank"), "did:web:gov.example:cb:bank");
        assert_eq!(document_path("https://xfyh.example.cn/"), "/.well-known/did.json");
        assert_eq!(document_path("https://gov.example/cb"), "/did.json");
    }

    #[test]
    fn multikeys_round_trip() {
        let key = ed25519_dalek::SigningKey::from_bytes(&[7; 32]).verifying_key();
        let mk = multikey(&key);
        assert!(mk.starts_with("z6Mk"), "{mk}");
        assert_eq!(parse_multikey(&mk), Some(key));
        assert_eq!(parse_multikey("z6MkBAD"), None);
        assert_eq!(parse_multikey(&mk[1..]), None);
    }
}
