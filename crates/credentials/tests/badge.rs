//! A badge signed with a fixed key: its canonical form is a golden file, its proof
//! verifies, and any change to it does not.

use credentials::badge::{Achievement, Badge, Profile, Subject};
use credentials::{did, proof, status};
use ed25519_dalek::SigningKey;
use serde_json::Value;

const PUBLIC: &str = "http://127.0.0.1:8080";

fn badge(name: &str, credits: Option<i64>, description: &str) -> Value {
    let did = did::did_web(PUBLIC);
    Badge {
        id: format!("{PUBLIC}/credentials/OB000001"),
        issuer: Profile {
            id: Some(did),
            name: "国家开放大学学分银行".into(),
            url: Some(PUBLIC.into()),
        },
        valid_from: "2026-12-02T06:30:00Z".into(),
        awarded: "2026-06-30T00:00:00Z".into(),
        name: name.into(),
        description: "学分银行存储的学习成果".into(),
        subject: Subject {
            name: "张喆".into(),
            id_number: "110101199003078515".into(),
            salt: "c2FsdA".into(),
        },
        achievement: Achievement {
            id: format!("{PUBLIC}/catalog/5"),
            kind: "Course",
            name: name.into(),
            description: description.into(),
            criteria: "课程考核合格".into(),
            credits,
            hours: Some(3200),
            creator: Profile {
                id: None,
                name: "北京开放大学".into(),
                url: None,
            },
            field_of_study: Some("经济统计学".into()),
            human_code: Some("01234".into()),
            tags: vec!["学历成果".into(), "课程".into()],
        },
        credits_earned: credits,
        status: status::entry(&format!("{PUBLIC}/credentials/status/1"), 7),
    }
    .to_json()
}

fn key() -> SigningKey {
    SigningKey::from_bytes(&[42; 32])
}

fn signed(doc: Value) -> Value {
    let method = did::method_id(&did::did_web(PUBLIC), &key().verifying_key());
    proof::sign(doc, &key(), &method, "2026-12-02T06:30:00Z").unwrap_or_default()
}

#[test]
fn canonical_form_is_stable() {
    let doc = badge("经济统计学·高等数学 𠮷", Some(250), "第一行\n第二行");
    insta::assert_snapshot!(credentials::canon::canonicalize(&doc).unwrap_or_default());
    insta::assert_json_snapshot!(signed(doc));
}

#[test]
fn every_shape_of_value_verifies_and_tampering_does_not() {
    let pk = key().verifying_key();
    for (name, credits, description) in [
        ("高等数学", Some(300), "plain"),
        ("经济统计学·学士", Some(250), "第一行\n第二行"),
        ("𠮷野家管理实务", Some(75), "含\t制表符与\"引号\""),
        ("工作经历", None, ""),
    ] {
        let doc = signed(badge(name, credits, description));
        assert_eq!(proof::verify(&doc, &pk), Ok(()), "{name}");
        let mut tampered = doc.clone();
        tampered["credentialSubject"]["creditsEarned"] = Value::from(30);
        assert_eq!(
            proof::verify(&tampered, &pk),
            Err(credentials::CredentialError::BadSignature)
        );
        let other = SigningKey::from_bytes(&[1; 32]).verifying_key();
        assert_eq!(
            proof::verify(&doc, &other),
            Err(credentials::CredentialError::BadSignature)
        );
    }
}

#[test]
fn unknown_contexts_and_missing_proofs_are_refused() {
    let mut doc = signed(badge("高等数学", Some(300), ""));
    let pk = key().verifying_key();
    let mut no_proof = doc.clone();
    no_proof.as_object_mut().map(|m| m.remove("proof"));
    assert_eq!(
        proof::verify(&no_proof, &pk),
        Err(credentials::CredentialError::NoProof)
    );
    doc["@context"][1] = Value::from("https://evil.example/context.json");
    assert!(matches!(
        proof::verify(&doc, &pk),
        Err(credentials::CredentialError::Malformed(_))
    ));
}

/// Writes a bundle for the independent verifier (verifier/verify.mjs) when asked by
/// `CREDENTIAL_BUNDLE`: the golden badge, its DID document and status lists before and
/// after its bit is set, and a tampered copy.
#[test]
fn bundle_for_the_independent_verifier() {
    let Ok(path) = std::env::var("CREDENTIAL_BUNDLE") else {
        return;
    };
    let did = did::did_web(PUBLIC);
    let method = did::method_id(&did, &key().verifying_key());
    let list_url = format!("{PUBLIC}/credentials/status/1");
    let list = |set: &[u64]| {
        proof::sign(
            status::list_credential(&list_url, &did, "2026-12-02T06:30:00Z", set),
            &key(),
            &method,
            "2026-12-02T06:30:00Z",
        )
        .unwrap_or_default()
    };
    let mut cases = Vec::new();
    for (name, credits, description) in [
        ("经济统计学·高等数学 𠮷", Some(250), "第一行\n第二行"),
        ("高等数学", Some(300), "plain"),
        ("管理实务", Some(75), ""),
        ("工作经历", None, "含\t制表符与\"引号\""),
    ] {
        cases.push(serde_json::json!({"name": name, "credential": signed(badge(name, credits, description)), "expect": "valid"}));
    }
    let mut tampered = signed(badge("高等数学", Some(300), ""));
    tampered["credentialSubject"]["creditsEarned"] = Value::from(30);
    cases.push(serde_json::json!({"name": "tampered", "credential": tampered, "expect": "invalid"}));
    let documents = |set: &[u64]| {
        serde_json::json!({
            did.clone(): did::document(&did, &[key().verifying_key()]),
            list_url.clone(): list(set),
        })
    };
    let revoked = vec![
        serde_json::json!({"name": "revoked", "credential": signed(badge("高等数学", Some(300), "")), "expect": "revoked"}),
    ];
    let out = serde_json::json!([
        {"documents": documents(&[]), "cases": cases},
        {"documents": documents(&[3, 7]), "cases": revoked},
    ]);
    std::fs::create_dir_all(&path).unwrap_or_default();
    for (i, bundle) in out.as_array().into_iter().flatten().enumerate() {
        std::fs::write(
            format!("{path}/unit-{i}.json"),
            serde_json::to_string_pretty(bundle).unwrap_or_default(),
        )
        .unwrap_or_default();
    }
}
