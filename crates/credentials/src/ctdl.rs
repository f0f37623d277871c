//! Credential Engine's CTDL (`ceterms:`) for registries to harvest: catalog outcomes as
//! Course, Diploma, Certificate or LearningOpportunityProfile, and conversion rules as
//! TransferValueProfile with what transfers from and to what, and the credits it gives.

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

pub const CONTEXT: &str = "https://credreg.net/ctdl/schema/context/json";

/// What kind of learning outcome something is, named in CTDL (`class`) and in Open
/// Badges (`achievement_type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Course,
    Diploma,
    Certificate,
    LearningOpportunity,
}

impl Kind {
    fn class(self) -> &'static str {
        match self {
            Kind::Course => "ceterms:Course",
            Kind::Diploma => "ceterms:Diploma",
            Kind::Certificate => "ceterms:Certificate",
            Kind::LearningOpportunity => "ceterms:LearningOpportunityProfile",
        }
    }

    /// OB 3.0 `AchievementType`.
    pub fn achievement_type(self) -> &'static str {
        match self {
            Kind::Course => "Course",
            Kind::Diploma => "Diploma",
            Kind::Certificate => "Certificate",
            Kind::LearningOpportunity => "Achievement",
        }
    }
}

/// A stable CTID (`ce-` + a UUID) derived from what identifies the resource in this bank,
/// so the same outcome or rule keeps its CTID across harvests.
pub fn ctid(scope: &str, key: &str) -> String {
    let d = Sha256::digest(format!("{scope}\n{key}"));
    let mut b: [u8; 16] = [0; 16];
    b.copy_from_slice(&d[..16]);
    b[6] = (b[6] & 0x0f) | 0x50;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex::encode(b);
    format!(
        "ce-{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

/// A Chinese language map.
fn zh(s: &str) -> Value {
    json!({ "zh-cn": s })
}

/// Credits (hundredths) as a CTDL value profile in the bank's own credit unit.
fn credit_value(hundredths: i64) -> Value {
    json!([{
        "@type": "ceterms:ValueProfile",
        "ceterms:value": crate::badge::number(hundredths),
        "ceterms:creditUnitType": [{
            "@type": "ceterms:CredentialAlignmentObject",
            "ceterms:framework": "https://credreg.net/ctdl/terms/CreditUnit",
            "ceterms:targetNode": "creditUnit:DegreeCredit",
            "ceterms:targetNodeName": zh("学分银行学分"),
        }],
    }])
}

pub struct Resource {
    /// Its public page.
    pub url: String,
    pub ctid: String,
    pub kind: Kind,
    pub name: String,
    pub description: Option<String>,
    pub code: Option<String>,
    pub credits: Option<i64>,
    pub owner: String,
}

impl Resource {
    pub fn to_json(&self) -> Value {
        let mut r = json!({
            "@id": self.url,
            "@type": self.kind.class(),
            "ceterms:ctid": self.ctid,
            "ceterms:name": zh(&self.name),
            "ceterms:subjectWebpage": self.url,
            "ceterms:ownedBy": [{"@type": "ceterms:CredentialOrganization", "ceterms:name": zh(&self.owner)}],
            "ceterms:inLanguage": ["zh-CN"],
        });
        if let Some(d) = self.description.as_deref().filter(|d| !d.is_empty()) {
            r["ceterms:description"] = zh(d);
        }
        if let Some(c) = self.code.as_deref().filter(|c| !c.is_empty()) {
            r["ceterms:codedNotation"] = json!(c);
        }
        if let Some(c) = self.credits {
            r["ceterms:creditValue"] = credit_value(c);
        }
        r
    }

    /// The resource as a document of its own.
    pub fn document(&self) -> Value {
        let mut r = self.to_json();
        r["@context"] = json!(CONTEXT);
        r
    }
}

pub struct Transfer {
    pub url: String,
    pub ctid: String,
    pub code: String,
    pub name: String,
    pub description: String,
    pub owner: String,
    /// `YYYY-MM-DD` of publication.
    pub start_date: Option<String>,
    pub from: Vec<Resource>,
    /// Each target with the credits the rule gives (the target's own when `None`).
    pub to: Vec<(Resource, Option<i64>)>,
}

impl Transfer {
    pub fn to_json(&self) -> Value {
        let credits: i64 = self.to.iter().filter_map(|(r, c)| c.or(r.credits)).sum();
        let mut t = json!({
            "@id": self.url,
            "@type": "ceterms:TransferValueProfile",
            "ceterms:ctid": self.ctid,
            "ceterms:name": zh(&self.name),
            "ceterms:description": zh(&self.description),
            "ceterms:identifier": [{
                "@type": "ceterms:IdentifierValue",
                "ceterms:identifierTypeName": zh("转换规则编号"),
                "ceterms:identifierValueCode": self.code,
            }],
            "ceterms:subjectWebpage": self.url,
            "ceterms:ownedBy": [{"@type": "ceterms:CredentialOrganization", "ceterms:name": zh(&self.owner)}],
            "ceterms:lifeCycleStatusType": {
                "@type": "ceterms:CredentialAlignmentObject",
                "ceterms:framework": "https://credreg.net/ctdl/terms/LifeCycleStatus",
                "ceterms:targetNode": "lifeCycle:Active",
            },
            "ceterms:transferValueFrom": self.from.iter().map(Resource::to_json).collect::<Vec<_>>(),
            "ceterms:transferValueFor": self.to.iter().map(|(r, _)| r.to_json()).collect::<Vec<_>>(),
        });
        if credits > 0 {
            t["ceterms:transferValue"] = credit_value(credits);
        }
        if let Some(d) = &self.start_date {
            t["ceterms:startDate"] = json!(d);
        }
        t
    }

    pub fn document(&self) -> Value {
        let mut t = self.to_json();
        t["@context"] = json!(CONTEXT);
        t
    }
}

/// A page of a harvestable collection, with the address of the next page if any.
pub fn collection(url: &str, name: &str, members: Vec<Value>, total: i64, next: Option<String>) -> Value {
    let mut c = json!({
        "@context": CONTEXT,
        "@id": url,
        "@type": "ceterms:Collection",
        "ceterms:name": zh(name),
        "ceterms:hasMember": members,
        "totalItems": total,
    });
    if let Some(n) = next {
        c["next"] = json!(n);
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ctids_are_stable_uuids() {
        let a = ctid("did:web:bank", "rule:202612010001");
        assert_eq!(a, ctid("did:web:bank", "rule:202612010001"));
        assert_ne!(a, ctid("did:web:other", "rule:202612010001"));
        assert_eq!(a.len(), 3 + 36);
        assert_eq!(&a[17..18], "5", "{a}");
    }

    #[test]
    fn a_rule_names_its_source_target_and_credits() {
        let r = |name: &str, credits| Resource {
            url: format!("https://bank/catalog/{name}"),
            ctid: ctid("b", name),
            kind: Kind::Course,
            name: name.into(),
            description: None,
            code: Some("M1".into()),
            credits,
            owner: "广东开放大学".into(),
        };
        let t = Transfer {
            url: "https://bank/rules/1".into(),
            ctid: ctid("b", "rule:1"),
            code: "202612010001".into(),
            name: "高等数学转换工程数学".into(),
            description: "成绩合格者可转换".into(),
            owner: "广州番禺职业技术学院".into(),
            start_date: Some("2026-12-01".into()),
            from: vec![r("高等数学", Some(400))],
            to: vec![(r("工程数学", Some(300)), Some(250))],
        }
        .document();
        assert_eq!(t["@type"], "ceterms:TransferValueProfile");
        assert_eq!(t["ceterms:transferValueFrom"][0]["ceterms:name"]["zh-cn"], "高等数学");
        assert_eq!(t["ceterms:transferValueFor"][0]["@type"], "ceterms:Course");
        assert_eq!(t["ceterms:transferValue"][0]["ceterms:value"], json!(2.5));
    }
}
