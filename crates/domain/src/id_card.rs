//! Identity documents. Resident ID numbers follow GB 11643-1999: six digits of region,
//! eight of birth date, three of sequence and a check character (ISO 7064 MOD 11-2).

use chrono::{Datelike, NaiveDate};

use crate::{FieldError, normalize::half_width};

/// Province-level region codes that start a resident ID number: the 31 provinces of the
/// mainland, which alone issue 居民身份证.
pub const PROVINCE_CODES: [u8; 31] = [
    11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52, 53, 54, 61, 62, 63,
    64, 65,
];

/// The first six digits of a 港澳台居民居住证 number (Hong Kong, Macao, Taiwan residents):
/// the same 18-character format with its own region codes.
pub const PERMIT_PREFIXES: [&str; 3] = ["810000", "820000", "830000"];

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK: [u8; 11] = *b"10X98765432";

/// The check character for the first 17 digits of a resident ID number.
pub fn check_char(first17: &[u8]) -> Option<u8> {
    if first17.len() != 17 || !first17.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let sum: u32 = first17.iter().zip(WEIGHTS).map(|(d, w)| u32::from(d - b'0') * w).sum();
    Some(CHECK[(sum % 11) as usize])
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IdType {
    Resident,
    HongKongMacau,
    Taiwan,
    Passport,
    ForeignPermanent,
    ResidencePermit,
}

impl IdType {
    pub const ALL: [IdType; 6] = [
        IdType::Resident,
        IdType::HongKongMacau,
        IdType::Taiwan,
        IdType::Passport,
        IdType::ForeignPermanent,
        IdType::ResidencePermit,
    ];

    pub fn code(self) -> &'static str {
        match self {
            IdType::Resident => "resident",
            IdType::HongKongMacau => "hkmo",
            IdType::Taiwan => "tw",
            IdType::Passport => "passport",
            IdType::ForeignPermanent => "foreign",
            IdType::ResidencePermit => "permit",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            IdType::Resident => "居民身份证",
            IdType::HongKongMacau => "港澳居民来往内地通行证",
            IdType::Taiwan => "台湾居民来往大陆通行证",
            IdType::Passport => "护照",
            IdType::ForeignPermanent => "外国人永久居留身份证",
            IdType::ResidencePermit => "港澳台居民居住证",
        }
    }

    pub fn from_code(code: &str) -> Result<Self, FieldError> {
        Self::ALL
            .into_iter()
            .find(|t| t.code() == code)
            .ok_or_else(|| FieldError::new("id_type", "请选择证件类型"))
    }
}

/// An identity document number, validated according to its type.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IdNumber {
    kind: IdType,
    value: String,
}

impl IdNumber {
    pub fn parse(kind: IdType, input: &str) -> Result<Self, FieldError> {
        let s = half_width(input).replace(' ', "").to_ascii_uppercase();
        if s.is_empty() {
            return Err(FieldError::new("id_number", "请输入证件号码"));
        }
        // A number cell Excel wrote in scientific notation: digits are gone for good.
        if s.contains('E') && s.parse::<f64>().is_ok() {
            return Err(FieldError::new(
                "id_number",
                format!("证件号码被Excel存成了数字（{s}），后几位已丢失；请将该列设为文本格式后重新填写"),
            ));
        }
        match kind {
            IdType::Resident => parse_resident(&s, crate::time::today())?,
            IdType::ResidencePermit => parse_permit(&s, crate::time::today())?,
            _ => {
                if !(5..=20).contains(&s.len()) || !s.chars().all(|c| c.is_ascii_alphanumeric()) {
                    return Err(FieldError::new(
                        "id_number",
                        format!("{}号码须为5-20位字母或数字", kind.label()),
                    ));
                }
            }
        }
        Ok(Self { kind, value: s })
    }

    /// A resident ID number (the common case, and the only type an import row may omit).
    pub fn resident(input: &str) -> Result<Self, FieldError> {
        Self::parse(IdType::Resident, input)
    }

    pub fn kind(&self) -> IdType {
        self.kind
    }

    pub fn as_str(&self) -> &str {
        &self.value
    }

    /// The initial password of a pre-imported account: the last six characters.
    pub fn initial_password(&self) -> String {
        initial_password(&self.value)
    }

    /// Birth date, for resident ID numbers and residence permits.
    pub fn birth_date(&self) -> Option<NaiveDate> {
        if !matches!(self.kind, IdType::Resident | IdType::ResidencePermit) {
            return None;
        }
        birth_date(self.value.as_bytes())
    }
}

fn birth_date(b: &[u8]) -> Option<NaiveDate> {
    let num = |r: std::ops::Range<usize>| -> Option<u32> { std::str::from_utf8(b.get(r)?).ok()?.parse().ok() };
    NaiveDate::from_ymd_opt(num(6..10)? as i32, num(10..12)?, num(12..14)?)
}

/// The GB 11643 shape both 居民身份证 and 港澳台居民居住证 numbers have: 18 characters, a
/// real birth date, the check character. `what` names the document in messages.
fn parse_gb11643(s: &str, today: NaiveDate, what: &str) -> Result<(), FieldError> {
    let err = |m: String| Err(FieldError::new("id_number", m));
    let b = s.as_bytes();
    if b.len() != 18 {
        return err(format!("{what}号码须为18位"));
    }
    if !b[..17].iter().all(u8::is_ascii_digit) || !(b[17].is_ascii_digit() || b[17] == b'X') {
        return err(format!("{what}号码前17位须为数字，最后一位为数字或X"));
    }
    match birth_date(b) {
        Some(d) if d <= today && d.year() >= 1900 => {}
        _ => return err(format!("{what}号码中的出生日期不正确")),
    }
    if check_char(&b[..17]) != Some(b[17]) {
        return err(format!("{what}号码校验位不正确，请核对"));
    }
    Ok(())
}

/// A 居民身份证 number: issued by a mainland province. Numbers of Hong Kong, Macao and
/// Taiwan (71, 81, 82, 83) are other documents and are told so.
fn parse_resident(s: &str, today: NaiveDate) -> Result<(), FieldError> {
    parse_gb11643(s, today, "身份证")?;
    let b = s.as_bytes();
    let province = (b[0] - b'0') * 10 + (b[1] - b'0');
    if matches!(province, 71 | 81 | 82 | 83) {
        return Err(FieldError::new(
            "id_number",
            "该号码不是居民身份证号码：港澳台居民请选择“港澳台居民居住证”或相应的通行证",
        ));
    }
    if !PROVINCE_CODES.contains(&province) {
        return Err(FieldError::new("id_number", "身份证号码的地区码不正确"));
    }
    Ok(())
}

/// A 港澳台居民居住证 number: 810000 (Hong Kong), 820000 (Macao) or 830000 (Taiwan).
fn parse_permit(s: &str, today: NaiveDate) -> Result<(), FieldError> {
    parse_gb11643(s, today, "居住证")?;
    if !PERMIT_PREFIXES.iter().any(|p| s.starts_with(p)) {
        return Err(FieldError::new(
            "id_number",
            "港澳台居民居住证号码须以810000、820000或830000开头",
        ));
    }
    Ok(())
}

/// How long an identity document is valid (L-03 account completion).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdValidity {
    pub start: NaiveDate,
    /// `None` means 长期有效.
    pub end: Option<NaiveDate>,
}

impl IdValidity {
    /// `end` may be a date, or one of `5`, `10`, `20` (years from start) or `long`.
    pub fn parse(start: &str, end: &str, today: NaiveDate) -> Result<Self, FieldError> {
        let start = parse_date(start).ok_or_else(|| FieldError::new("valid_from", "请选择证件有效期开始时间"))?;
        if start > today {
            return Err(FieldError::new("valid_from", "证件有效期开始时间不能晚于今天"));
        }
        let end = match end.trim() {
            "long" | "长期有效" => None,
            "5" | "10" | "20" => {
                let years: i32 = end.trim().parse().unwrap_or(0);
                Some(add_years(start, years))
            }
            other => Some(parse_date(other).ok_or_else(|| FieldError::new("valid_to", "请选择证件有效期结束时间"))?),
        };
        if let Some(e) = end {
            if e <= start {
                return Err(FieldError::new("valid_to", "证件有效期结束时间须晚于开始时间"));
            }
            if e < today {
                return Err(FieldError::new("valid_to", "证件已过有效期，请使用有效证件"));
            }
        }
        Ok(Self { start, end })
    }
}

fn add_years(d: NaiveDate, years: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(d.year() + years, d.month(), d.day())
        .or_else(|| NaiveDate::from_ymd_opt(d.year() + years, d.month(), 28))
        .unwrap_or(d)
}

/// Parses the date spellings people and spreadsheets use: `2024-01-01`, `2024/1/1`,
/// `2024年1月1日`, `20240101`.
pub fn parse_date(input: &str) -> Option<NaiveDate> {
    let s = half_width(input);
    let s = s.trim_end_matches('日');
    let parts: Vec<&str> = s.split(['-', '/', '.', '年', '月']).collect();
    let (y, m, d) = match parts.as_slice() {
        [y, m, d] => (y.parse().ok()?, m.parse().ok()?, d.parse().ok()?),
        // Eight digits; eight bytes of anything else (`2024年1` is seven) must not be cut
        // inside a character (found by fuzzing: it panicked).
        [one] if one.len() == 8 && one.bytes().all(|b| b.is_ascii_digit()) => {
            (one[..4].parse().ok()?, one[4..6].parse().ok()?, one[6..].parse().ok()?)
        }
        _ => return None,
    };
    NaiveDate::from_ymd_opt(y, m, d)
}

/// The initial password of a pre-imported account (the manuals' rule): the last six
/// characters of its ID number, as stored (upper case).
pub fn initial_password(id_number: &str) -> String {
    let chars: Vec<char> = id_number.chars().collect();
    chars[chars.len().saturating_sub(6)..].iter().collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use proptest::prelude::*;

    fn make(prefix17: &str) -> String {
        let c = check_char(prefix17.as_bytes()).map(char::from).unwrap_or('?');
        format!("{prefix17}{c}")
    }

    /// Fuzzing found eight bytes that are not eight characters cut inside a character.
    #[test]
    fn dates_of_eight_bytes_that_are_not_digits_are_refused() {
        assert_eq!(parse_date("2024年1"), None);
        assert_eq!(parse_date("20é40101"), None);
        assert_eq!(parse_date("ab\u{e7}\u{0}2"), None);
        assert_eq!(parse_date("20240101"), NaiveDate::from_ymd_opt(2024, 1, 1));
    }

    /// One policy for the numbers of Hong Kong, Macao and Taiwan: never a 居民身份证
    /// (71 and 81/82 were accepted, 83 refused), always a 港澳台居民居住证 with its prefixes.
    #[test]
    fn hong_kong_macao_taiwan_numbers_are_residence_permits() {
        for prefix in [
            "71000019900101123",
            "81000019900101123",
            "82000019900101123",
            "83000019900101123",
        ] {
            let n = make(prefix);
            let e = IdNumber::resident(&n).unwrap_err();
            assert!(e.message.contains("港澳台居民居住证"), "{n}: {}", e.message);
        }
        for prefix in ["81000019900101123", "82000019900101123", "83000019900101123"] {
            assert!(
                IdNumber::parse(IdType::ResidencePermit, &make(prefix)).is_ok(),
                "{prefix}"
            );
        }
        let mainland = make("44010619900101123");
        let e = IdNumber::parse(IdType::ResidencePermit, &mainland).unwrap_err();
        assert!(e.message.contains("810000"), "{}", e.message);
        assert!(
            IdNumber::parse(IdType::ResidencePermit, "830000199001011231").is_err(),
            "check digit"
        );
    }

    /// An ID that Excel turned into a number: refused with the reason, in every type.
    #[test]
    fn numbers_in_scientific_notation_are_refused() {
        for kind in [IdType::Resident, IdType::Passport] {
            let e = IdNumber::parse(kind, "3.60102199207063E+17").unwrap_err();
            assert!(e.message.contains("被Excel存成了数字"), "{}", e.message);
        }
    }

    #[test]
    fn known_numbers() {
        assert!(IdNumber::resident("11010519491231002X").is_ok());
        assert!(IdNumber::resident("11010519491231002x").is_ok());
        assert!(IdNumber::resident("110105194912310021").is_err());
        assert!(IdNumber::resident(&make("11010519490231002")).is_err()); // Feb 31
        assert!(IdNumber::resident(&make("99010519491231002")).is_err()); // province 99
        assert!(IdNumber::resident(&make("11010530001231002")).is_err()); // year 3000
        assert!(IdNumber::resident("1101051949123100").is_err());
        let id = IdNumber::resident("11010519491231002X").ok();
        assert_eq!(id.map(|i| i.initial_password()).as_deref(), Some("31002X"));
    }

    #[test]
    fn dates() {
        let d = NaiveDate::from_ymd_opt(2024, 1, 1);
        assert_eq!(parse_date("2024-01-01"), d);
        assert_eq!(parse_date("2024/1/1"), d);
        assert_eq!(parse_date("2024年1月1日"), d);
        assert_eq!(parse_date("20240101"), d);
        assert_eq!(parse_date("2024-13-01"), None);
    }

    #[test]
    fn validity() {
        let today = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or_default();
        let v = IdValidity::parse("2020-05-01", "10", today);
        assert_eq!(v.map(|v| v.end), Ok(NaiveDate::from_ymd_opt(2030, 5, 1)));
        assert!(IdValidity::parse("2020-05-01", "long", today).is_ok());
        assert!(IdValidity::parse("2010-05-01", "5", today).is_err());
        assert!(IdValidity::parse("2027-05-01", "5", today).is_err());
        assert!(IdValidity::parse("", "5", today).is_err());
    }

    fn valid_id() -> impl Strategy<Value = String> {
        (
            prop::sample::select(PROVINCE_CODES.to_vec()),
            0u32..10000,
            0i64..(365 * 120),
            0u32..1000,
        )
            .prop_map(|(p, region, days, seq)| {
                let base = NaiveDate::from_ymd_opt(1905, 1, 1).unwrap_or_default();
                let birth = base + chrono::Duration::days(days);
                make(&format!("{p:02}{region:04}{}{seq:03}", birth.format("%Y%m%d")))
            })
    }

    proptest! {
        #[test]
        fn every_generated_valid_id_parses(id in valid_id()) {
            prop_assert!(IdNumber::resident(&id).is_ok(), "{}", id);
        }

        #[test]
        fn every_single_character_change_is_rejected(id in valid_id(), pos in 0usize..18, replacement in prop::sample::select(b"0123456789X".to_vec())) {
            let mut bytes = id.clone().into_bytes();
            prop_assume!(bytes[pos] != replacement);
            bytes[pos] = replacement;
            let changed = String::from_utf8(bytes).unwrap_or_default();
            prop_assert!(IdNumber::resident(&changed).is_err(), "{} -> {}", id, changed);
        }
    }
}
