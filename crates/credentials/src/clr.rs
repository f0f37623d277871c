//! 1EdTech CLR 2.0 `ClrCredential`: everything a learner holds in one credential the
//! bank signs — each outcome's own Open Badges credential inside it, signed on its own,
//! so an employer can take the bundle apart and check any one of them.

use serde_json::{Value, json};

use crate::badge::{Profile, Subject};

pub struct Clr {
    pub id: String,
    pub issuer: Profile,
    pub valid_from: String,
    pub name: String,
    pub description: String,
    pub subject: Subject,
    /// The signed OpenBadgeCredentials it bundles (at least one).
    pub credentials: Vec<Value>,
}

impl Clr {
    /// The unsigned credential.
    pub fn to_json(&self) -> Value {
        json!({
            "@context": [crate::VC_V2, crate::CLR_V2, crate::OB_V3, {"@language": "zh-CN"}],
            "id": self.id,
            "type": ["VerifiableCredential", "ClrCredential"],
            "name": self.name,
            "description": self.description,
            "issuer": self.issuer.to_json(),
            "validFrom": self.valid_from,
            "credentialSubject": {
                "type": ["ClrSubject"],
                "identifier": self.subject.identifiers(),
                "verifiableCredential": self.credentials,
            },
        })
    }
}
