//! What each bank's registration asks beyond the common fields (L-01): Guangdong's user
//! name, nationality, ethnicity, gender, birth date, e-mail and address; OUCN's e-mail,
//! which must be confirmed before the bank reviews the account.

use domain::account::{Email, UserName};
use domain::bank::Profile;
use domain::id_card::IdNumber;

use crate::error::Checks;
use crate::learners::RegisterForm;
use crate::{App, AppResult};

#[derive(Debug, Default, Clone, serde::Deserialize)]
pub struct FactsForm {
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub nationality: String,
    #[serde(default)]
    pub ethnicity: String,
    #[serde(default)]
    pub gender: String,
    #[serde(default)]
    pub birth_date: String,
    #[serde(default)]
    pub province: String,
    #[serde(default)]
    pub address: String,
}

pub const GENDERS: [&str; 2] = ["男", "女"];
pub const NATIONALITIES: [&str; 6] = ["中国", "中国香港", "中国澳门", "中国台湾", "外国", "其他"];
/// The 56 ethnic groups (民族) of China, and 其他 for foreign nationals.
pub const ETHNICITIES: [&str; 57] = [
    "汉族",
    "蒙古族",
    "回族",
    "藏族",
    "维吾尔族",
    "苗族",
    "彝族",
    "壮族",
    "布依族",
    "朝鲜族",
    "满族",
    "侗族",
    "瑶族",
    "白族",
    "土家族",
    "哈尼族",
    "哈萨克族",
    "傣族",
    "黎族",
    "傈僳族",
    "佤族",
    "畲族",
    "高山族",
    "拉祜族",
    "水族",
    "东乡族",
    "纳西族",
    "景颇族",
    "柯尔克孜族",
    "土族",
    "达斡尔族",
    "仫佬族",
    "羌族",
    "布朗族",
    "撒拉族",
    "毛南族",
    "仡佬族",
    "锡伯族",
    "阿昌族",
    "普米族",
    "塔吉克族",
    "怒族",
    "乌孜别克族",
    "俄罗斯族",
    "鄂温克族",
    "德昂族",
    "保安族",
    "裕固族",
    "京族",
    "塔塔尔族",
    "独龙族",
    "鄂伦春族",
    "赫哲族",
    "门巴族",
    "珞巴族",
    "基诺族",
    "其他",
];
pub const PROVINCES: [&str; 34] = [
    "北京市",
    "天津市",
    "河北省",
    "山西省",
    "内蒙古自治区",
    "辽宁省",
    "吉林省",
    "黑龙江省",
    "上海市",
    "江苏省",
    "浙江省",
    "安徽省",
    "福建省",
    "江西省",
    "山东省",
    "河南省",
    "湖北省",
    "湖南省",
    "广东省",
    "广西壮族自治区",
    "海南省",
    "重庆市",
    "四川省",
    "贵州省",
    "云南省",
    "西藏自治区",
    "陕西省",
    "甘肃省",
    "青海省",
    "宁夏回族自治区",
    "新疆维吾尔自治区",
    "香港特别行政区",
    "澳门特别行政区",
    "台湾省",
];

pub(crate) const EMAIL_TAKEN: &str = "该邮箱已被其他账户使用，请换一个常用邮箱";

/// Whether another learner than the owner of `owner_id_number` uses this address (an
/// e-mail is a sign-in name at OUCN, so it is unique among learners).
pub(crate) async fn email_taken(app: &App, email: &Email, owner_id_number: Option<&str>) -> AppResult<bool> {
    Ok(store::learners::by_email(&app.db.pool, email.as_str())
        .await?
        .is_some_and(|other| owner_id_number != Some(other.id_number.as_str())))
}

/// The checked extra fields of one registration.
#[derive(Default)]
pub struct Extra {
    pub username: Option<UserName>,
    pub email: Option<Email>,
    nationality: Option<String>,
    ethnicity: Option<String>,
    gender: Option<String>,
    birth_date: Option<String>,
    address: Option<String>,
}

impl Extra {
    pub fn facts(&self) -> store::learner_accounts::Facts<'_> {
        store::learner_accounts::Facts {
            username: self.username.as_ref().map(UserName::as_str),
            nationality: self.nationality.as_deref(),
            ethnicity: self.ethnicity.as_deref(),
            gender: self.gender.as_deref(),
            birth_date: self.birth_date.as_deref(),
            email: self.email.as_ref().map(Email::as_str),
            address: self.address.as_deref(),
        }
    }
}

fn one_of(v: &mut Checks, field: &'static str, label: &str, value: &str, allowed: &[&str]) -> Option<String> {
    if allowed.contains(&value.trim()) {
        Some(value.trim().to_string())
    } else {
        v.fail(field, format!("请选择{label}"));
        None
    }
}

/// Checks the fields this bank's registration asks for; errors go into `v`.
pub async fn check(app: &App, f: &RegisterForm, id: Option<&IdNumber>, v: &mut Checks) -> AppResult<Extra> {
    let pool = &app.db.pool;
    let mut x = Extra::default();
    let wants_email = matches!(app.bank, Profile::Guangdong | Profile::Oucn);
    if wants_email && let Some(email) = v.check(Email::parse("email", &f.email)) {
        if email_taken(app, &email, id.map(IdNumber::as_str)).await? {
            v.fail("email", EMAIL_TAKEN);
        } else {
            x.email = Some(email);
        }
    }
    if app.bank != Profile::Guangdong {
        return Ok(x);
    }
    let facts = &f.facts;
    if let Some(u) = v.check(UserName::parse(&facts.username)) {
        if store::learners::by_username(pool, u.as_str()).await?.is_some() {
            v.fail("username", "该用户名已被注册，请换一个");
        } else {
            x.username = Some(u);
        }
    }
    x.nationality = one_of(v, "nationality", "国籍", &facts.nationality, &NATIONALITIES);
    x.ethnicity = one_of(v, "ethnicity", "民族", &facts.ethnicity, &ETHNICITIES);
    x.gender = one_of(v, "gender", "性别", &facts.gender, &GENDERS);
    match domain::id_card::parse_date(facts.birth_date.trim()) {
        Some(d) => {
            let born = d.format("%Y-%m-%d").to_string();
            if let Some(i) = id
                && let Some(from_id) = i.birth_date()
                && from_id != d
            {
                v.fail("birth_date", "出生日期与证件号码不一致");
            }
            x.birth_date = Some(born);
        }
        None => v.fail("birth_date", "请填写出生日期，格式如 1990-01-01"),
    }
    let province = one_of(v, "province", "所在省份", &facts.province, &PROVINCES);
    if let Some(detail) = v.check(domain::text::plain("address", "详细地址", &facts.address, 100, true)) {
        x.address = province.map(|p| format!("{p} {detail}"));
    }
    Ok(x)
}
