//! Institutions: their kinds, registration states and codes.

use crate::{FieldError, normalize::half_width};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InstitutionKind {
    /// 院校: identified by its 10-digit 院校标识码 (school code).
    School,
    /// 非院校机构: training bodies and certificate issuers, identified by their
    /// 18-character unified social credit code.
    Organisation,
}

impl InstitutionKind {
    pub fn code(self) -> &'static str {
        match self {
            Self::School => "school",
            Self::Organisation => "org",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Self::School => "院校",
            Self::Organisation => "非院校机构",
        }
    }
    pub fn from_code(s: &str) -> Result<Self, FieldError> {
        match s {
            "school" => Ok(Self::School),
            "org" => Ok(Self::Organisation),
            _ => Err(FieldError::new("kind", "请选择机构类别")),
        }
    }
}

pub use crate::lifecycle::InstitutionStatus;

/// The institution's identifying code, which is also its primary login account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstitutionCode(String);

const USCC_CHARS: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const USCC_WEIGHTS: [usize; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/// The check character of a unified social credit code (GB 32100-2015).
pub fn uscc_check(first17: &[u8]) -> Option<u8> {
    let mut sum = 0;
    for (c, w) in first17.iter().zip(USCC_WEIGHTS) {
        sum += USCC_CHARS.iter().position(|x| x == c)? * w;
    }
    Some(USCC_CHARS[(31 - sum % 31) % 31])
}

impl InstitutionCode {
    pub fn parse(kind: InstitutionKind, input: &str) -> Result<Self, FieldError> {
        let s = half_width(input).to_ascii_uppercase();
        match kind {
            InstitutionKind::School => {
                if s.len() != 10 || !s.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(FieldError::new("code", "学校代码须为10位数字的院校标识码"));
                }
            }
            InstitutionKind::Organisation => {
                let b = s.as_bytes();
                if b.len() != 18 {
                    return Err(FieldError::new("code", "统一社会信用代码须为18位"));
                }
                if uscc_check(&b[..17]) != Some(b[17]) {
                    return Err(FieldError::new("code", "统一社会信用代码不正确，请核对"));
                }
            }
        }
        Ok(Self(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Optional unified social credit code in a profile form.
pub fn parse_uscc(input: &str) -> Result<Option<String>, FieldError> {
    let s = half_width(input).to_ascii_uppercase();
    if s.is_empty() {
        return Ok(None);
    }
    InstitutionCode::parse(InstitutionKind::Organisation, &s)
        .map(|c| Some(c.0))
        .map_err(|e| FieldError::new("uscc", e.message))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes() {
        assert!(InstitutionCode::parse(InstitutionKind::School, "4144010558").is_ok());
        assert!(InstitutionCode::parse(InstitutionKind::School, "414401055").is_err());
        // A real published code: 91350100M000100Y43.
        assert!(InstitutionCode::parse(InstitutionKind::Organisation, "91350100M000100Y43").is_ok());
        assert!(InstitutionCode::parse(InstitutionKind::Organisation, "91350100M000100Y44").is_err());
    }
}
