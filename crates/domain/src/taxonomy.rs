//! The outcome taxonomy as data: categories, types, subtypes and each subtype's fields.
//! Presets are written in a small line format so a bank can read and change them; the
//! database holds the live copy that the management department edits.
//!
//! ```text
//! # type_code | category | name
//! = academic_cert | academic | 学历成果
//! # subtype_code | name | flags (restricted, synced, informal)
//! + voc_diploma | 职业教育学历证书 |
//! # field key | label | kind | required (*) | options separated by /
//! - level | 层次 | select | * | 中职/高职/本科
//! ```

use std::collections::BTreeMap;

use crate::FieldError;
use crate::id_card::parse_date;
use crate::normalize::half_width;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Category {
    /// 学历成果
    Academic,
    /// 非学历成果
    NonAcademic,
    /// 无一定形式成果 (informal: needs an explicit recognition application)
    Informal,
}

impl Category {
    pub fn code(self) -> &'static str {
        match self {
            Self::Academic => "academic",
            Self::NonAcademic => "non_academic",
            Self::Informal => "informal",
        }
    }
    pub fn from_code(s: &str) -> Option<Self> {
        [Self::Academic, Self::NonAcademic, Self::Informal]
            .into_iter()
            .find(|c| c.code() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            Self::Academic => "学历成果",
            Self::NonAcademic => "非学历成果",
            Self::Informal => "无一定形式成果",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    Text,
    Textarea,
    Number,
    Date,
    Select,
}

impl FieldKind {
    pub fn code(self) -> &'static str {
        match self {
            Self::Text => "text",
            Self::Textarea => "textarea",
            Self::Number => "number",
            Self::Date => "date",
            Self::Select => "select",
        }
    }
    pub fn from_code(s: &str) -> Option<Self> {
        [Self::Text, Self::Textarea, Self::Number, Self::Date, Self::Select]
            .into_iter()
            .find(|k| k.code() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            Self::Text => "文本",
            Self::Textarea => "多行文本",
            Self::Number => "数字",
            Self::Date => "日期",
            Self::Select => "下拉选择",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldSpec {
    pub key: String,
    pub label: String,
    pub kind: FieldKind,
    pub required: bool,
    pub options: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubtypeSpec {
    pub code: String,
    pub name: String,
    /// Institutions need the bank's authorisation to store this subtype.
    pub restricted: bool,
    /// Arrives by synchronisation from another platform; not entered by hand.
    pub synced: bool,
    pub fields: Vec<FieldSpec>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeSpec {
    pub code: String,
    pub name: String,
    pub category: Category,
    pub subtypes: Vec<SubtypeSpec>,
}

/// The field that makes a subtype a course (课程): every course subtype of every preset
/// records its 课程代码 / 课程号 under this key, and a department adding a course subtype
/// gives it one too.
pub const COURSE_KEY: &str = "course_code";

/// Whether a subtype with these field keys is a course.
pub fn is_course<'a>(field_keys: impl IntoIterator<Item = &'a str>) -> bool {
    field_keys.into_iter().any(|k| k == COURSE_KEY)
}

/// Maximum length of a free-text field value.
pub const MAX_TEXT: usize = 200;
pub const MAX_TEXTAREA: usize = 2000;

/// Parses the preset line format. Errors name the line.
pub fn parse_preset(text: &str) -> Result<Vec<TypeSpec>, String> {
    let mut types: Vec<TypeSpec> = Vec::new();
    for (n, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        // The mark is one ASCII character; anything else is refused below, not split.
        let (mark, rest) = line.split_at(line.chars().next().map_or(0, char::len_utf8));
        let parts: Vec<&str> = rest.split('|').map(str::trim).collect();
        let err = |m: &str| format!("第{}行：{m}", n + 1);
        match mark {
            "=" => {
                let [code, cat, name] = parts[..] else {
                    return Err(err("类型行须为 代码|类别|名称"));
                };
                let category = Category::from_code(cat).ok_or_else(|| err("未知的成果类别"))?;
                types.push(TypeSpec {
                    code: code.into(),
                    name: name.into(),
                    category,
                    subtypes: Vec::new(),
                });
            }
            "+" => {
                let t = types.last_mut().ok_or_else(|| err("子类型之前须有类型"))?;
                let (code, name, flags) = match parts[..] {
                    [c, n] => (c, n, ""),
                    [c, n, f] => (c, n, f),
                    _ => return Err(err("子类型行须为 代码|名称|标记")),
                };
                t.subtypes.push(SubtypeSpec {
                    code: code.into(),
                    name: name.into(),
                    restricted: flags.contains("restricted"),
                    synced: flags.contains("synced"),
                    fields: Vec::new(),
                });
            }
            "-" => {
                let s = types
                    .last_mut()
                    .and_then(|t| t.subtypes.last_mut())
                    .ok_or_else(|| err("字段之前须有子类型"))?;
                let (key, label, kind, req, opts) = match parts[..] {
                    [k, l, kind, r] => (k, l, kind, r, ""),
                    [k, l, kind, r, o] => (k, l, kind, r, o),
                    _ => return Err(err("字段行须为 键|名称|类型|必填|选项")),
                };
                let kind = FieldKind::from_code(kind).ok_or_else(|| err("未知的字段类型"))?;
                let options: Vec<String> = opts
                    .split('/')
                    .map(str::trim)
                    .filter(|o| !o.is_empty())
                    .map(String::from)
                    .collect();
                if kind == FieldKind::Select && options.is_empty() {
                    return Err(err("下拉字段须有选项"));
                }
                s.fields.push(FieldSpec {
                    key: key.into(),
                    label: label.into(),
                    kind,
                    required: req == "*",
                    options,
                });
            }
            _ => return Err(err("行首须为 =、+、- 或 #")),
        }
    }
    Ok(types)
}

/// The named preset: `ncb` (national vocational credit bank), `oucn` (Open University
/// of China) or `guangdong` — the codes of the bank profiles that start from them.
pub fn preset(name: &str) -> Option<Vec<TypeSpec>> {
    let text = match name {
        "ncb" => NCB,
        "oucn" => OUCN,
        "guangdong" => GUANGDONG,
        _ => return None,
    };
    parse_preset(text).ok()
}

/// Validates the values typed for a subtype's fields. Returns the cleaned values of the
/// fields the subtype defines (unknown keys are dropped). Errors are keyed `f_<key>`.
pub fn validate(
    fields: &[FieldSpec],
    input: &BTreeMap<String, String>,
    today: chrono::NaiveDate,
) -> Result<BTreeMap<String, String>, Vec<FieldError>> {
    let mut out = BTreeMap::new();
    let mut errors = Vec::new();
    for f in fields {
        let name = format!("f_{}", f.key);
        let raw = input.get(&f.key).map(String::as_str).unwrap_or("");
        let v = if f.kind == FieldKind::Textarea {
            raw.trim().to_string()
        } else {
            half_width(raw)
        };
        if v.is_empty() {
            if f.required {
                let verb = if matches!(f.kind, FieldKind::Select | FieldKind::Date) {
                    "请选择"
                } else {
                    "请输入"
                };
                errors.push(FieldError::new(name, format!("{verb}{}", f.label)));
            }
            continue;
        }
        let max = if f.kind == FieldKind::Textarea {
            MAX_TEXTAREA
        } else {
            MAX_TEXT
        };
        if v.chars().count() > max {
            errors.push(FieldError::new(name, format!("{}不能超过{max}个字", f.label)));
            continue;
        }
        if v.contains('<') || v.contains('>') {
            errors.push(FieldError::new(name, format!("{}不能包含“<”或“>”", f.label)));
            continue;
        }
        let checked = match f.kind {
            FieldKind::Number => match crate::credits::Credits::parse_decimal(&v) {
                Some(n) => Ok(crate::credits::Credits(n).to_string()),
                None => Err(format!("{}须为不小于0的数字", f.label)),
            },
            FieldKind::Date => match parse_date(&v) {
                Some(d) if d <= today => Ok(d.to_string()),
                Some(_) => Err(format!("{}不能晚于今天", f.label)),
                None => Err(format!("{}不是有效的日期（例如 2024-01-01）", f.label)),
            },
            FieldKind::Select => {
                if f.options.contains(&v) {
                    Ok(v)
                } else {
                    Err(format!("{}须为以下之一：{}", f.label, f.options.join("、")))
                }
            }
            FieldKind::Text | FieldKind::Textarea => Ok(v),
        };
        match checked {
            Ok(v) => {
                out.insert(f.key.clone(), v);
            }
            Err(m) => errors.push(FieldError::new(name, m)),
        }
    }
    if errors.is_empty() { Ok(out) } else { Err(errors) }
}

pub const NCB: &str = include_str!("../presets/ncb.txt");

pub const GUANGDONG: &str = include_str!("../presets/guangdong.txt");

pub const OUCN: &str = include_str!("../presets/oucn.txt");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_parse() {
        let ncb = preset("ncb").unwrap_or_default();
        assert_eq!(ncb.len(), 3);
        assert_eq!(ncb.iter().map(|t| t.subtypes.len()).sum::<usize>(), 6 + 4 + 9);
        assert!(ncb[1].subtypes[0].synced && ncb[1].subtypes[1].restricted);
        let gd = preset("guangdong").unwrap_or_default();
        assert_eq!(gd.iter().map(|t| t.subtypes.len()).sum::<usize>(), 3 + 1 + 1 + 8);
        let oucn = preset("oucn").unwrap_or_default();
        assert_eq!(oucn.iter().map(|t| t.subtypes.len()).sum::<usize>(), 5 + 4 + 8);
        for p in crate::bank::Profile::ALL {
            assert!(preset(p.preset()).is_some(), "{}", p.code());
        }
        assert!(preset("nope").is_none());
        assert!(parse_preset("中文行").is_err());
    }

    #[test]
    fn bad_preset_lines_are_named() {
        assert_eq!(
            parse_preset("= a | academic").err().as_deref(),
            Some("第1行：类型行须为 代码|类别|名称")
        );
        assert!(
            parse_preset("\n- k | l | text |")
                .err()
                .unwrap_or_default()
                .starts_with("第2行")
        );
    }

    #[test]
    fn validates_values() {
        let ncb = preset("ncb").unwrap_or_default();
        let fields = &ncb[0].subtypes[0].fields;
        let today = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or_default();
        let mut input = BTreeMap::new();
        input.insert("level".to_string(), "大专".to_string());
        input.insert("years".to_string(), "-1".to_string());
        input.insert("valid_from".to_string(), "2030/1/1".to_string());
        input.insert("major".to_string(), "<b>x".to_string());
        let errs = validate(fields, &input, today).err().unwrap_or_default();
        let msg = |k: &str| {
            errs.iter()
                .find(|e| e.field == k)
                .map(|e| e.message.clone())
                .unwrap_or_default()
        };
        assert!(msg("f_level").contains("须为以下之一"));
        assert!(msg("f_years").contains("不小于0"));
        assert!(msg("f_valid_from").contains("不能晚于今天"));
        assert!(msg("f_major").contains("<"));
        assert_eq!(msg("f_conclusion"), "请选择毕业结论");
        assert_eq!(msg("f_intro"), "请输入成果简介");
        let ok: BTreeMap<String, String> = [
            ("level", "本科"),
            ("major", "经济统计学"),
            ("conclusion", "毕业"),
            ("years", "４"),
            ("min_credits", "160"),
            ("intro", "测试"),
            ("valid_from", "2024年3月1日"),
            ("junk", "x"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let v = validate(fields, &ok, today).unwrap_or_default();
        assert_eq!(v.get("years").map(String::as_str), Some("4"));
        assert_eq!(v.get("valid_from").map(String::as_str), Some("2024-03-01"));
        assert!(!v.contains_key("junk"));
    }
}
