//! Credentials the world can verify (X-05, L-08, L-12): W3C Verifiable Credentials 2.0
//! secured with a Data Integrity proof (`eddsa-rdfc-2022`), 1EdTech Open Badges 3.0
//! achievement credentials, Bitstring Status Lists for revocation, the bank's `did:web`
//! identity, and CTDL descriptions of what transfers to what. Pure: no database, no clock.

pub mod badge;
pub mod canon;
pub mod clr;
pub mod ctdl;
pub mod did;
pub mod proof;
pub mod status;

pub const VC_V2: &str = "https://www.w3.org/ns/credentials/v2";
pub const OB_V3: &str = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json";
/// CLR 2.0's context as 1EdTech publishes it (the copy in 1EdTech's own validator,
/// digital-credentials-public-validator): no npm package carries it.
pub const CLR_V2: &str = "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json";
pub const DID_V1: &str = "https://www.w3.org/ns/did/v1";
pub const MULTIKEY_V1: &str = "https://w3id.org/security/multikey/v1";

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CredentialError {
    #[error("凭证格式不正确：{0}")]
    Malformed(String),
    #[error("凭证没有可识别的签名（需要 eddsa-rdfc-2022 的 DataIntegrityProof）")]
    NoProof,
    #[error("签名密钥不属于本学分银行：{0}")]
    UnknownKey(String),
    #[error("签名无效：凭证内容已被修改")]
    BadSignature,
}

/// A timestamp as credentials write it: `2026-12-02T06:30:00Z`.
pub fn timestamp(unix: i64) -> String {
    chrono::DateTime::from_timestamp(unix, 0)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

#[cfg(test)]
mod tests {
    #[test]
    fn timestamps() {
        assert_eq!(super::timestamp(0), "1970-01-01T00:00:00Z");
        assert_eq!(super::timestamp(1_796_200_200), "2026-12-02T08:30:00Z");
        assert_eq!(super::timestamp(951_782_400), "2000-02-29T00:00:00Z");
    }
}
