//! Password hashing with Argon2id (the `argon2` crate's defaults: 19 MiB, 2 passes).

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng};

use crate::AppResult;

pub fn hash(password: &str) -> AppResult<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("argon2: {e}").into())
}

pub fn verify(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored)
        .map(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
        .unwrap_or(false)
}

/// Stored instead of a hash for a pre-imported learner (未激活): the initial password is
/// the last six characters of the ID number, which the learner and the institution know
/// anyway, and hashing it for every imported row would cost seconds per thousand rows.
/// Completing the account replaces it with a real hash.
pub const INITIAL: &str = "!initial";

/// Checks a password against a stored hash, or against the initial password of the ID
/// number when the account still has one.
pub fn verify_account(password: &str, stored: &str, id_number: Option<&str>) -> bool {
    if stored == INITIAL {
        let expected = id_number.map(domain::id_card::initial_password).unwrap_or_default();
        return !expected.is_empty() && same(password.as_bytes(), expected.as_bytes());
    }
    verify(password, stored)
}

/// Compares secrets (tokens, initial passwords, key hashes) in constant time.
pub fn same(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    a.ct_eq(b).into()
}

/// A hash that never matches, verified against when an account does not exist so that
/// the response time does not reveal which accounts exist.
pub fn dummy_verify(password: &str) {
    const DUMMY: &str =
        "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$5d0tUYJ8mQ0N5wYxw3fCgbTg7fPp5Yy0qGqJm3C4y3E";
    let _ = verify(password, DUMMY);
}

#[cfg(test)]
mod tests {
    #[test]
    fn round_trip() {
        let h = super::hash("abc12345").unwrap_or_default();
        assert!(h.starts_with("$argon2id$"));
        assert!(super::verify("abc12345", &h));
        assert!(!super::verify("abc12346", &h));
        assert!(!super::verify("abc12345", "garbage"));
    }

    #[test]
    fn initial_password_of_preimported_accounts() {
        assert!(super::verify_account(
            "31002X",
            super::INITIAL,
            Some("11010519491231002X")
        ));
        assert!(!super::verify_account(
            "31002Y",
            super::INITIAL,
            Some("11010519491231002X")
        ));
        assert!(!super::verify_account("", super::INITIAL, None));
        assert!(!super::verify_account(super::INITIAL, super::INITIAL, None));
    }
}
