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
        let (mark, rest) = line.split_at(1);
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

/// The named preset: `ncb` (national vocational credit bank) or `guangdong`.
pub fn preset(name: &str) -> Option<Vec<TypeSpec>> {
    let text = match name {
        "ncb" => NCB,
        "guangdong" => GUANGDONG,
        _ => return None,
    };
    parse_preset(text).ok()
}

pub const PRESETS: [(&str, &str); 2] = [("ncb", "职业教育国家学分银行"), ("guangdong", "广东终身教育学分银行")];

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

pub const NCB: &str = "
= academic | academic | 学历成果
+ voc_diploma | 职业教育学历证书 |
- level | 层次 | select | * | 中职/高职/职业教育本科/本科/硕士/博士
- discipline | 学科门类 | text |
- major_class | 专业类 | text |
- major | 专业 | text | *
- major_code | 专业代码 | text |
- conclusion | 毕业结论 | select | * | 毕业/结业/肄业
- years | 学制(年) | number | *
- min_credits | 最低毕业学分 | number | *
- hours | 原始学时 | number |
- orig_credits | 原始学分 | number |
- valid_from | 有效期起始时间 | date |
- intro | 成果简介 | textarea | *
+ higher_diploma | 普通高等教育学历证书 |
- level | 层次 | select | * | 中职/高职/职业教育本科/本科/硕士/博士
- discipline | 学科门类 | text |
- major_class | 专业类 | text |
- major | 专业 | text | *
- major_code | 专业代码 | text |
- conclusion | 毕业结论 | select | * | 毕业/结业/肄业
- years | 学制(年) | number | *
- min_credits | 最低毕业学分 | number | *
- hours | 原始学时 | number |
- orig_credits | 原始学分 | number |
- valid_from | 有效期起始时间 | date |
- intro | 成果简介 | textarea | *
+ continuing_diploma | 高等学历继续教育证书 |
- level | 层次 | select | * | 中职/高职/职业教育本科/本科/硕士/博士
- discipline | 学科门类 | text |
- major_class | 专业类 | text |
- major | 专业 | text | *
- major_code | 专业代码 | text |
- conclusion | 毕业结论 | select | * | 毕业/结业/肄业
- years | 学制(年) | number | *
- min_credits | 最低毕业学分 | number | *
- hours | 原始学时 | number |
- orig_credits | 原始学分 | number |
- valid_from | 有效期起始时间 | date |
- intro | 成果简介 | textarea | *
+ voc_course | 职业教育学历课程 |
- course_code | 课程代码 | text | *
- level | 层次 | select | | 中职/高职/职业教育本科/本科/硕士/博士
- major | 专业 | text |
- hours | 原始学时 | number |
- orig_credits | 原始学分 | number | *
- intro | 成果简介 | textarea |
+ higher_course | 普通高等教育学历课程 |
- course_code | 课程代码 | text | *
- level | 层次 | select | | 中职/高职/职业教育本科/本科/硕士/博士
- major | 专业 | text |
- hours | 原始学时 | number |
- orig_credits | 原始学分 | number | *
- intro | 成果简介 | textarea |
+ continuing_course | 高等学历继续教育课程 |
- course_code | 课程代码 | text | *
- level | 层次 | select | | 中职/高职/职业教育本科/本科/硕士/博士
- major | 专业 | text |
- hours | 原始学时 | number |
- orig_credits | 原始学分 | number | *
- intro | 成果简介 | textarea |
= non_academic | non_academic | 非学历成果
+ x_cert | 职业技能等级证书(X证书) | synced
- grade | 等级 | select | * | 初级/中级/高级
- exempt_modules | 免考模块 | text |
- hours | 原始学时 | number |
- intro | 成果简介 | textarea |
+ mohrss_cert | 职业技能等级证书(人社部) | restricted
- grade | 等级 | select | * | 五级/初级工/四级/中级工/三级/高级工/二级/技师/一级/高级技师
- occupation | 职业(工种) | text | *
- hours | 原始学时 | number |
- intro | 成果简介 | textarea |
+ national_qualification | 国家职业资格证书 | restricted
- grade | 等级 | select | * | 五级/初级工/四级/中级工/三级/高级工/二级/技师/一级/高级技师
- occupation | 职业(工种) | text | *
- hours | 原始学时 | number |
- intro | 成果简介 | textarea |
+ other_cert | 其他非学历证书 | restricted
- grade | 等级 | text |
- hours | 原始学时 | number |
- intro | 成果简介 | textarea | *
= informal | informal | 无一定形式成果
+ heritage | 非物质文化遗产传承 |
- org | 认定机构 | text | *
- done_on | 获得时间 | date | *
- intro | 成果简介 | textarea | *
+ competition | 竞赛奖励 |
- organiser | 活动组织机构 | text | *
- award_level | 奖励级别 | select | * | 国家级/省部级/市级/校级/其他
- contest | 竞赛名称 | text | *
- held_on | 竞赛举办时间 | date | *
+ work_experience | 工作经验 |
- employer | 业绩完成单位 | text | *
- done_on | 业绩完成时间 | date | *
- intro | 成果简介 | textarea | *
+ work_history | 工作经历 |
- employer | 工作单位 | text | *
- position | 岗位 | text | *
- done_on | 起始时间 | date | *
- intro | 成果简介 | textarea | *
+ work_skill | 工作技能 |
- employer | 业绩完成单位 | text | *
- done_on | 业绩完成时间 | date | *
- intro | 成果简介 | textarea | *
+ innovation | 技术创新 |
- employer | 业绩完成单位 | text | *
- done_on | 业绩完成时间 | date | *
- intro | 成果简介 | textarea | *
+ tech_result | 技术成果 |
- employer | 业绩完成单位 | text | *
- done_on | 业绩完成时间 | date | *
- intro | 成果简介 | textarea | *
+ publication | 发表作品 |
- publisher | 发表刊物或出版社 | text | *
- done_on | 发表时间 | date | *
- intro | 成果简介 | textarea | *
+ culture | 文化传承 |
- employer | 业绩完成单位 | text | *
- done_on | 业绩完成时间 | date | *
- intro | 成果简介 | textarea | *
";

pub const GUANGDONG: &str = "
= education | academic | 学历教育
+ graduation | 毕业证书 |
- level | 层次 | select | * | 小学/初中/高中/专科/本科/硕士/博士
- major | 专业 | text | *
- edu_type | 类型 | text |
- cert_no | 电子注册号/证书编号 | text | *
+ degree | 学位证书 |
- level | 层次 | select | * | 小学/初中/高中/专科/本科/硕士/博士
- major | 专业 | text | *
- degree_grade | 等级 | text |
- cert_no | 证书编号 | text | *
+ course | 课程 |
- course_name | 课程名称 | text | *
- course_code | 课程号 | text | *
- major | 专业 | text | *
- level | 层次 | select | * | 小学/初中/高中/专科/本科/硕士/博士
- course_credits | 课程学分 | number | *
= qualification | non_academic | 职业资格证书
+ qualification_cert | 职业资格证书 |
- cert_no | 证书编号 | text | *
- grade | 证书等级 | select | * | 五级/四级/三级/二级/一级
- occupation | 职业(工种) | text | *
- culture_level | 文化程度 | text |
= technician | non_academic | 技师教育
+ technician_edu | 技师教育 |
- major | 专业名称 | text | *
- tech_grade | 技师教育等级 | select | * | 预备技师/技师/高级技师
- cert_no | 证书编号 | text | *
- study_period | 学习时间 | text |
= other | informal | 其他类_培训业绩等
+ training | 培训类 |
- trainer | 培训机构 | text | *
- trainer_code | 机构代码 | text |
- hours | 培训学时 | number | *
+ perf_competition | 业绩类-竞赛奖励 |
- employer | 业绩完成单位 | text | *
- done_on | 业绩完成时间 | date | *
- award_level | 奖励级别 | select | * | 国家级/省部级/市级/校级/其他
+ perf_research | 业绩类-科学研究 |
- employer | 业绩完成单位 | text | *
- done_on | 业绩完成时间 | date | *
+ perf_startup | 业绩类-创新创业 |
- employer | 业绩完成单位 | text | *
- done_on | 业绩完成时间 | date | *
+ perf_service | 业绩类-社会服务 |
- employer | 业绩完成单位 | text | *
- done_on | 业绩完成时间 | date | *
+ perf_culture | 业绩类-文化传承 |
- employer | 业绩完成单位 | text | *
- done_on | 业绩完成时间 | date | *
+ perf_work | 业绩类-工作经历 |
- employer | 业绩完成单位 | text | *
- done_on | 业绩完成时间 | date | *
+ perf_title | 业绩类-职称证书 |
- employer | 业绩完成单位 | text | *
- done_on | 业绩完成时间 | date | *
- cert_no | 证书编号 | text | *
";

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
        assert!(preset("nope").is_none());
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
