//! Open Badges 3.0 `OpenBadgeCredential` (alias `AchievementCredential`) of one learning
//! outcome: what was achieved (name, description, criteria, type, credits and hours as
//! numbers, the awarding institution), when, and to whom — the learner is named and
//! identified by a salted SHA-256 of the ID number, never the number in clear.

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// Credits and hours are kept in hundredths; JSON-LD turns a number with a fraction into
/// a double and one without into an integer, so whole values are written as integers
/// (`3`, not `3.0`) for every processor to read the same literal.
pub fn number(hundredths: i64) -> Value {
    if hundredths % 100 == 0 {
        Value::from(hundredths / 100)
    } else {
        Value::from(hundredths as f64 / 100.0)
    }
}

/// The bank's own additions to the Open Badges context: Chinese as the language of every
/// plain string, and the hours of an achievement, in the issuer-dependent namespace that
/// VC 2.0 sets aside for terms without a published vocabulary.
fn context() -> Value {
    json!({
        "@language": "zh-CN",
        "hours": {
            "@id": "https://www.w3.org/ns/credentials/issuer-dependent#hours",
            "@type": "http://www.w3.org/2001/XMLSchema#float",
        },
    })
}

pub struct Profile {
    pub id: Option<String>,
    pub name: String,
    pub url: Option<String>,
}

impl Profile {
    pub(crate) fn to_json(&self) -> Value {
        let mut p = json!({"type": ["Profile"], "name": self.name});
        if let Some(id) = &self.id {
            p["id"] = json!(id);
        }
        if let Some(url) = &self.url {
            p["url"] = json!(url);
        }
        p
    }
}

pub struct Achievement {
    pub id: String,
    /// OB 3.0 `AchievementType` (`Course`, `Diploma`, `Certificate`, `Award` …).
    pub kind: &'static str,
    pub name: String,
    pub description: String,
    pub criteria: String,
    pub credits: Option<i64>,
    pub hours: Option<i64>,
    pub creator: Profile,
    pub field_of_study: Option<String>,
    pub human_code: Option<String>,
    /// The bank's own classification: category, type, subtype.
    pub tags: Vec<String>,
}

pub struct Subject {
    pub name: String,
    pub id_number: String,
    pub salt: String,
}

impl Subject {
    /// The learner as OB 3.0 `IdentityObject`s: the ID number salted and hashed, the
    /// name in clear.
    pub fn identifiers(&self) -> Value {
        json!([
            {
                "type": "IdentityObject",
                "identityType": "nationalIdentityNumber",
                "hashed": true,
                "identityHash": identity_hash(&self.id_number, &self.salt),
                "salt": self.salt,
            },
            {
                "type": "IdentityObject",
                "identityType": "name",
                "hashed": false,
                "identityHash": self.name,
            },
        ])
    }
}

/// `sha256$<hex>` of the ID number followed by the salt (OB 3.0 IdentityObject).
pub fn identity_hash(id_number: &str, salt: &str) -> String {
    format!("sha256${}", hex::encode(Sha256::digest(format!("{id_number}{salt}"))))
}

pub struct Badge {
    pub id: String,
    pub issuer: Profile,
    pub valid_from: String,
    pub awarded: String,
    pub name: String,
    pub description: String,
    pub subject: Subject,
    pub achievement: Achievement,
    pub credits_earned: Option<i64>,
    pub status: Value,
}

impl Badge {
    /// The unsigned credential.
    pub fn to_json(&self) -> Value {
        let a = &self.achievement;
        let mut achievement = json!({
            "id": a.id,
            "type": ["Achievement"],
            "achievementType": a.kind,
            "name": a.name,
            "description": a.description,
            "criteria": {"narrative": a.criteria},
            "creator": a.creator.to_json(),
            "inLanguage": "zh-CN",
        });
        if let Some(c) = a.credits {
            achievement["creditsAvailable"] = number(c);
        }
        // Open Badges has no term for hours: the bank defines one (see `context`).
        if let Some(h) = a.hours {
            achievement["hours"] = number(h);
        }
        if let Some(f) = &a.field_of_study {
            achievement["fieldOfStudy"] = json!(f);
        }
        if let Some(c) = &a.human_code {
            achievement["humanCode"] = json!(c);
        }
        if !a.tags.is_empty() {
            achievement["tag"] = json!(a.tags);
        }
        let mut subject = json!({
            "type": ["AchievementSubject"],
            "identifier": self.subject.identifiers(),
            "achievement": achievement,
        });
        if let Some(c) = self.credits_earned {
            subject["creditsEarned"] = number(c);
        }
        json!({
            "@context": [crate::VC_V2, crate::OB_V3, context()],
            "id": self.id,
            "type": ["VerifiableCredential", "OpenBadgeCredential"],
            "name": self.name,
            "description": self.description,
            "issuer": self.issuer.to_json(),
            "validFrom": self.valid_from,
            "awardedDate": self.awarded,
            "credentialSubject": subject,
            "credentialStatus": self.status,
        })
    }
}
