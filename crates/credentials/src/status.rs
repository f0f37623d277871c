//! Bitstring Status List v1.0 (revocation): each credential names one bit of a published
//! list; the bank sets the bit when the credential no longer holds. A list is 131 072
//! bits (the specification's minimum, 16 KiB) so that a bit tells little about whom it
//! belongs to; bit 0 is the most significant bit of the first byte.

use std::io::{Read, Write};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

use crate::CredentialError;

pub const LIST_BITS: u64 = 131_072;

/// Where a credential's bit lives: list number (from 1) and index in it, from the
/// credential's never-reused serial (from 1).
pub fn position(serial: i64) -> (i64, u64) {
    let n = serial.max(1) as u64 - 1;
    ((n / LIST_BITS) as i64 + 1, n % LIST_BITS)
}

/// `encodedList`: multibase base64url (no padding) of the GZIP-compressed bits.
pub fn encode(set: &[u64]) -> String {
    let mut bits = vec![0u8; (LIST_BITS / 8) as usize];
    for &i in set.iter().filter(|&&i| i < LIST_BITS) {
        bits[(i / 8) as usize] |= 0x80 >> (i % 8);
    }
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    // Writing to a Vec cannot fail.
    let _ = gz.write_all(&bits);
    let zipped = gz.finish().unwrap_or_default();
    format!("u{}", URL_SAFE_NO_PAD.encode(zipped))
}

/// The bits of an `encodedList`.
pub fn decode(encoded: &str) -> Result<Vec<u8>, CredentialError> {
    let bad = |_| CredentialError::Malformed("encodedList".into());
    let zipped = URL_SAFE_NO_PAD
        .decode(
            encoded
                .strip_prefix('u')
                .ok_or(CredentialError::Malformed("encodedList".into()))?,
        )
        .map_err(|_| CredentialError::Malformed("encodedList".into()))?;
    let mut bits = Vec::new();
    // A bomb stops at 16 MiB: no list of this bank is larger than 16 KiB.
    flate2::read::GzDecoder::new(zipped.as_slice())
        .take(16 << 20)
        .read_to_end(&mut bits)
        .map_err(bad)?;
    Ok(bits)
}

pub fn is_set(bits: &[u8], index: u64) -> bool {
    bits.get((index / 8) as usize)
        .is_some_and(|b| b & (0x80 >> (index % 8)) != 0)
}

/// The entry a credential carries.
pub fn entry(list_url: &str, index: u64) -> Value {
    json!({
        "id": format!("{list_url}#{index}"),
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": index.to_string(),
        "statusListCredential": list_url,
    })
}

/// The (unsigned) status list credential of `list_url` with `set` bits revoked.
pub fn list_credential(list_url: &str, issuer: &str, valid_from: &str, set: &[u64]) -> Value {
    json!({
        "@context": [crate::VC_V2],
        "id": list_url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer,
        "validFrom": valid_from,
        "credentialSubject": {
            "id": format!("{list_url}#list"),
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": encode(set),
        },
    })
}

/// Whether the entry `entry` is set in the list credential `list`.
pub fn revoked(entry: &Value, list: &Value) -> Result<bool, CredentialError> {
    let bad = || CredentialError::Malformed("credentialStatus".into());
    let index: u64 = entry
        .get("statusListIndex")
        .and_then(Value::as_str)
        .and_then(|s| s.parse().ok())
        .ok_or_else(bad)?;
    let encoded = list
        .pointer("/credentialSubject/encodedList")
        .and_then(Value::as_str)
        .ok_or_else(bad)?;
    Ok(is_set(&decode(encoded)?, index))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bits_round_trip() {
        let bits = decode(&encode(&[0, 9, LIST_BITS - 1])).unwrap_or_default();
        assert_eq!(bits.len() as u64, LIST_BITS / 8);
        assert_eq!(bits[0], 0x80);
        assert_eq!(bits[1], 0x40);
        assert!(is_set(&bits, LIST_BITS - 1) && !is_set(&bits, 1) && !is_set(&bits, LIST_BITS));
        assert!(decode("x").is_err() && decode("uAAAA").is_err());
    }

    #[test]
    fn positions_never_overlap() {
        assert_eq!(position(1), (1, 0));
        assert_eq!(position(LIST_BITS as i64), (1, LIST_BITS - 1));
        assert_eq!(position(LIST_BITS as i64 + 1), (2, 0));
    }
}
