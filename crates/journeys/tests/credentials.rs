//! Open Badges credentials on both databases: a stored outcome and the outcome a
//! conversion granted from it are downloaded as credentials, verify, and are published
//! with the bank's DID document and status list; withdrawing the source withdraws the
//! grant too (credits reversed) and revokes both credentials in the same transaction; the
//! verification page and `creditbank verify` say which check fails for tampered, foreign,
//! expired, revoked and malformed input. The bundles written to `$CREDENTIAL_BUNDLE` are
//! verified again by Digital Bazaar's libraries (scripts/verify-credentials.sh).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use app::conversion::{Reviewer, RuleForm};
use common::{
    TestApp, actor, balance, course, id, pdf_upload, published_method, seed_bank, seed_institution, seed_learner,
};
use domain::ids::{HoldingId, InstitutionId, RuleId};
use serde_json::{Value, json};

both!(credentials_verify_and_follow_withdrawals);

struct World {
    school: InstitutionId,
    rule: RuleId,
    learner: store::learners::Learner,
    source: HoldingId,
    grant: HoldingId,
}

/// A school's course (2.5 credits) held by a learner with a rare name, and another
/// school's course (0.75 credits) granted from it by a passed conversion.
async fn world(t: &TestApp) -> World {
    let bank = seed_bank(t).await;
    let a = seed_institution(t, "4144051234", "广东开放大学", bank.guangdong, "13900000001").await;
    let b = seed_institution(t, "4144051235", "广州番禺职业技术学院", bank.guangdong, "13900000002").await;
    let x = course(t, a, "经济统计学·𠮷野家管理实务（第二版）", "ECON-1").await;
    let y = course(t, b, "管理学基础", "MGT-1").await;
    let dept = actor("department", 1);
    app::catalog::recognise(&t.app, &[bank.guangdong], &dept, x, true, "2.5")
        .await
        .unwrap();
    app::catalog::recognise(&t.app, &[bank.guangdong], &dept, y, true, "0.75")
        .await
        .unwrap();
    let me = seed_learner(t, "欧阳喆", &id("44010619900101123"), "13812345678", "abc12345").await;
    let form = app::holdings::StoreForLearnerForm {
        learner_name: "欧阳喆".into(),
        id_type: String::new(),
        id_number: id("44010619900101123"),
        number: "N1".into(),
        issued_on: "2023-07-01".into(),
        score: "85".into(),
    };
    let source = app::holdings::institution_store(&t.app, a, x, &form, &actor("institution", 1))
        .await
        .unwrap();
    published_method(t, b).await;
    let ib = actor("institution", 2);
    let rule = RuleForm {
        name: "经济统计学转换管理学基础".into(),
        kind: "学历→学历".into(),
        sources: vec![x],
        targets: vec![y],
        ratio: "1:1".into(),
        explanation: "修完即可转换".into(),
        min_score: "60".into(),
        document: Some(pdf_upload(t, "规则.pdf").await),
        ..Default::default()
    };
    let r = app::conversion::create_rule(&t.app, b, &rule, &ib).await.unwrap();
    app::conversion::act_on_rule(&t.app, b, r, app::conversion::RuleAction::Publish, &ib)
        .await
        .unwrap();
    let learner = store::learners::by_id(&t.app.db.pool, me).await.unwrap().unwrap();
    let application = app::conversion::apply(&t.app, &learner, r, &[], &actor("learner", me))
        .await
        .unwrap();
    app::conversion::review(&t.app, Reviewer::Institution(b), &[application], true, "同意", &ib)
        .await
        .unwrap();
    let grant: HoldingId = t
        .id(&format!(
            "SELECT id FROM learner_outcomes WHERE granted_by_application = {application}"
        ))
        .await;
    assert_eq!(balance(t, me).await, 325, "2.5 + 0.75 credits");
    World {
        school: a,
        rule: r,
        learner,
        source,
        grant,
    }
}

async fn get_json(t: &TestApp, path: &str) -> Value {
    let r = t.client().get(path).await;
    assert_eq!(r.status, 200, "{path}");
    r.json()
}

fn checks(v: &app::credentials::Verification) -> Vec<(String, bool)> {
    v.checks.iter().map(|c| (c.item.to_string(), c.passed)).collect()
}

fn failed(v: &app::credentials::Verification) -> Option<(&'static str, String)> {
    v.checks.iter().find(|c| !c.passed).map(|c| (c.item, c.detail.clone()))
}

/// Writes a bundle for the independent verifier: the documents it may load and the cases.
fn bundle(t: &TestApp, n: usize, documents: Value, cases: Vec<Value>) {
    let Ok(dir) = std::env::var("CREDENTIAL_BUNDLE") else {
        return;
    };
    let db = if t.app.config.database_url.starts_with("postgres") {
        "postgres"
    } else {
        "sqlite"
    };
    std::fs::create_dir_all(&dir).unwrap();
    let body = json!({"documents": documents, "cases": cases});
    std::fs::write(
        format!("{dir}/{db}-{n}.json"),
        serde_json::to_string_pretty(&body).unwrap(),
    )
    .unwrap();
}

async fn credentials_verify_and_follow_withdrawals(t: &TestApp) {
    let w = world(t).await;
    let la = actor("learner", w.learner.id);
    let source = app::credentials::of_holding(&t.app, &w.learner, w.source, &la)
        .await
        .unwrap();
    let grant = app::credentials::of_holding(&t.app, &w.learner, w.grant, &la)
        .await
        .unwrap();
    // Asking again gives the same credential.
    assert_eq!(
        app::credentials::of_holding(&t.app, &w.learner, w.source, &la)
            .await
            .unwrap(),
        source
    );
    assert_eq!(source["credentialSubject"]["creditsEarned"], json!(2.5));
    assert_eq!(
        grant["credentialSubject"]["achievement"]["creditsAvailable"],
        json!(0.75)
    );
    assert_eq!(source["credentialSubject"]["achievement"]["achievementType"], "Course");
    let text = source.to_string();
    assert!(
        !text.contains(&w.learner.id_number),
        "the ID number never appears in clear"
    );
    assert!(text.contains("欧阳喆") && text.contains("𠮷"));
    // Someone else's outcome is not found; a learner cannot take another's.
    let other = seed_learner(t, "李四", &id("44010619910101123"), "13812345679", "abc12345").await;
    let other = store::learners::by_id(&t.app.db.pool, other).await.unwrap().unwrap();
    assert!(matches!(
        app::credentials::of_holding(&t.app, &other, w.source, &la).await,
        Err(app::AppError::NotFound(_))
    ));
    for doc in [&source, &grant] {
        let v = app::credentials::verify(&t.app, doc.to_string().as_bytes())
            .await
            .unwrap();
        assert!(v.valid, "{:?}", checks(&v));
        assert_eq!(v.holder.as_deref(), Some("欧阳喆"));
        assert_eq!(
            checks(&v).into_iter().map(|c| c.0).collect::<Vec<_>>(),
            ["格式", "签发者", "签名", "有效期", "状态"]
        );
    }
    // What the world fetches: the DID document and the status list.
    let did = get_json(t, "/.well-known/did.json").await;
    let did_id = did["id"].as_str().unwrap().to_string();
    assert_eq!(source["issuer"]["id"], did_id.as_str());
    assert_eq!(did["assertionMethod"][0], source["proof"]["verificationMethod"]);
    let list_url = source["credentialStatus"]["statusListCredential"]
        .as_str()
        .unwrap()
        .to_string();
    let list_path = list_url.trim_start_matches(app::credentials::base_url(&t.app));
    let list = get_json(t, list_path).await;
    assert_eq!(t.client().get("/credentials/status/99").await.status, 404);
    assert_eq!(t.client().get("/credentials/status/x").await.status, 404);
    let mut tampered = source.clone();
    tampered["credentialSubject"]["creditsEarned"] = json!(25);
    bundle(
        t,
        1,
        json!({did_id.clone(): did.clone(), list_url.clone(): list}),
        vec![
            json!({"name": "stored outcome", "credential": source, "expect": "valid"}),
            json!({"name": "conversion grant", "credential": grant, "expect": "valid"}),
            json!({"name": "tampered credits", "credential": tampered, "expect": "invalid"}),
        ],
    );
    let v = app::credentials::verify(&t.app, tampered.to_string().as_bytes())
        .await
        .unwrap();
    assert_eq!(failed(&v).map(|f| f.0), Some("签名"));

    // CLR 2.0: both credentials in one the bank signs; each inside is the same credential.
    let clr = app::credentials::clr_of(&t.app, &w.learner, &la).await.unwrap();
    assert_eq!(clr["type"], json!(["VerifiableCredential", "ClrCredential"]));
    let inner = clr["credentialSubject"]["verifiableCredential"].as_array().unwrap();
    assert_eq!(inner.len(), 2);
    assert!(inner.contains(&source) && inner.contains(&grant));
    assert!(!clr.to_string().contains(&w.learner.id_number));
    let v = app::credentials::verify(&t.app, clr.to_string().as_bytes())
        .await
        .unwrap();
    assert!(v.valid, "{:?}", checks(&v));
    assert_eq!(v.checks.last().unwrap().detail, "所含2份凭证均未撤销");
    let mut broken = clr.clone();
    broken["credentialSubject"]["verifiableCredential"][0]["name"] = json!("改过的名称");
    let v = app::credentials::verify(&t.app, broken.to_string().as_bytes())
        .await
        .unwrap();
    assert_eq!(failed(&v).map(|f| f.0), Some("签名"));
    let clr_context: Value = serde_json::from_str(credentials::canon::context(credentials::CLR_V2).unwrap()).unwrap();
    bundle(
        t,
        3,
        json!({did_id.clone(): did.clone(), credentials::CLR_V2: clr_context}),
        vec![
            json!({"name": "CLR of everything held", "credential": clr, "expect": "valid"}),
            json!({"name": "CLR with a changed credential inside", "credential": broken, "expect": "invalid"}),
        ],
    );
    let mut me = t.client();
    me.sign_in("learner", &w.learner.id_number, "abc12345").await;
    let r = me.get("/learner/credentials/clr").await;
    assert_eq!((r.status, r.content_type.as_str()), (200, "application/json"));
    assert_eq!(r.json()["type"][1], "ClrCredential");

    // The school withdraws the source: the grant follows, credits go, both are revoked.
    let file = pdf_upload(t, "撤回依据.pdf").await;
    app::holdings::withdraw(
        &t.app,
        w.school,
        &[w.source],
        "证书信息有误",
        Some(&file),
        &actor("institution", 1),
    )
    .await
    .unwrap();
    let status: String = sqlx::query_scalar("SELECT status FROM learner_outcomes WHERE id = $1")
        .bind(w.grant)
        .fetch_one(&t.app.db.pool)
        .await
        .unwrap();
    assert_eq!(status, "withdrawn", "the granted outcome is withdrawn with its source");
    assert_eq!(balance(t, w.learner.id).await, 0, "its credits are reversed too");
    assert!(
        t.scalar(&format!(
            "SELECT COUNT(*) FROM messages WHERE recipient_id = {} AND title = '转换获得的成果被撤回'",
            w.learner.id
        ))
        .await
            == 1
    );
    for doc in [&source, &grant] {
        let v = app::credentials::verify(&t.app, doc.to_string().as_bytes())
            .await
            .unwrap();
        let (item, detail) = failed(&v).unwrap();
        assert_eq!(item, "状态");
        assert!(detail.contains("撤销"), "{detail}");
    }
    assert!(matches!(
        app::credentials::of_holding(&t.app, &w.learner, w.source, &la).await,
        Err(app::AppError::Conflict(_))
    ));
    // The CLR made before no longer holds; nothing is left to make a new one of.
    let v = app::credentials::verify(&t.app, clr.to_string().as_bytes())
        .await
        .unwrap();
    let (item, detail) = failed(&v).unwrap();
    assert_eq!(item, "状态");
    assert!(detail.starts_with("所含凭证") && detail.contains("撤销"), "{detail}");
    assert!(matches!(
        app::credentials::clr_of(&t.app, &w.learner, &la).await,
        Err(app::AppError::Conflict(_))
    ));
    let r = me.get("/learner/credentials/clr").await;
    assert!(r.redirects_to("/learner/certificates"), "{r:?}");
    assert!(me.get("/learner/certificates").await.has("至少要包含一份成果"));
    let list = get_json(t, list_path).await;
    bundle(
        t,
        2,
        json!({did_id.clone(): did, list_url.clone(): list}),
        vec![
            json!({"name": "withdrawn outcome", "credential": source, "expect": "revoked"}),
            json!({"name": "grant of a withdrawn source", "credential": grant, "expect": "revoked"}),
        ],
    );

    bad_input(t, &source).await;
    pages(t, &w, &source).await;
    ctdl(t, &w).await;
}

/// The published rules and the catalog as CTDL for registries.
async fn ctdl(t: &TestApp, w: &World) {
    let rules = get_json(t, "/ctdl/rules").await;
    assert_eq!(rules["@type"], "ceterms:Collection");
    let member = &rules["ceterms:hasMember"][0];
    assert_eq!(member["@type"], "ceterms:TransferValueProfile");
    assert_eq!(member["ceterms:transferValueFrom"][0]["@type"], "ceterms:Course");
    assert_eq!(
        member["ceterms:transferValueFor"][0]["ceterms:name"]["zh-cn"],
        "管理学基础"
    );
    assert_eq!(member["ceterms:transferValue"][0]["ceterms:value"], json!(0.75));
    let one = get_json(t, &format!("/ctdl/rules/{}", w.rule)).await;
    assert_eq!(one["@context"], credentials::ctdl::CONTEXT);
    assert_eq!(one["ceterms:ctid"], member["ceterms:ctid"], "a rule keeps its CTID");
    assert!(one["ceterms:ctid"].as_str().unwrap().starts_with("ce-"));
    let from = one["ceterms:transferValueFrom"][0]["@id"].as_str().unwrap();
    let path = from
        .trim_start_matches(app::credentials::base_url(&t.app))
        .replace("/catalog/", "/ctdl/catalog/");
    let course = get_json(t, &path).await;
    assert_eq!(course["ceterms:codedNotation"], "ECON-1");
    assert_eq!(course["ceterms:creditValue"][0]["ceterms:value"], json!(2.5));
    let catalog = get_json(t, "/ctdl/catalog").await;
    assert_eq!(catalog["totalItems"], 2);
    assert!(catalog.get("next").is_none());
    assert_eq!(
        get_json(t, "/ctdl/catalog?before=1").await["ceterms:hasMember"],
        json!([])
    );
    for bad in [
        "/ctdl/rules/0",
        "/ctdl/rules/abc",
        "/ctdl/catalog/99999",
        "/ctdl/catalog/-1",
    ] {
        assert_eq!(t.client().get(bad).await.status, 404, "{bad}");
    }
    assert_eq!(t.client().get("/ctdl/rules?before=zz").await.status, 200);
}

/// Every kind of bad input is an answer naming the failing check, never an error.
async fn bad_input(t: &TestApp, source: &Value) {
    let first_failure = |raw: Vec<u8>| async move {
        let v = app::credentials::verify_file(&t.app, &raw).await.unwrap();
        assert!(!v.valid);
        failed(&v).unwrap().0
    };
    assert_eq!(first_failure(b"{not json".to_vec()).await, "格式");
    assert_eq!(first_failure(b"[1,2]".to_vec()).await, "格式");
    assert_eq!(first_failure(br#"{"@context":["https://www.w3.org/ns/credentials/v2"],"type":["VerifiableCredential"],"issuer":"did:web:evil.example"}"#.to_vec()).await, "签发者");
    let mut no_proof = source.clone();
    no_proof.as_object_mut().unwrap().remove("proof");
    assert_eq!(first_failure(no_proof.to_string().into_bytes()).await, "签名");
    // Signed by a key the bank never had.
    let stranger = certs::generate_key();
    let mut unsigned = source.clone();
    unsigned.as_object_mut().unwrap().remove("proof");
    let method = format!(
        "{}#{}",
        source["issuer"]["id"].as_str().unwrap(),
        credentials::did::multikey(&stranger.verifying_key())
    );
    let foreign = credentials::proof::sign(unsigned.clone(), &stranger, &method, "2026-01-01T00:00:00Z").unwrap();
    assert_eq!(first_failure(foreign.to_string().into_bytes()).await, "签名");
    // Expired, though genuinely signed by the bank.
    let issuer = app::credentials::issuer(&t.app).await.unwrap();
    let mut expired = unsigned.clone();
    expired["validUntil"] = json!("2024-01-01T00:00:00Z");
    let expired = credentials::proof::sign(expired, &issuer.key, &issuer.method, "2023-01-01T00:00:00Z").unwrap();
    assert_eq!(first_failure(expired.to_string().into_bytes()).await, "有效期");
    // An unknown context cannot be canonicalized offline: the signature check says so.
    let mut foreign_context = source.clone();
    foreign_context["@context"][2] = json!("https://evil.example/context.json");
    assert_eq!(first_failure(foreign_context.to_string().into_bytes()).await, "签名");
    // A PDF without the bank's signature.
    assert_eq!(first_failure(b"%PDF-1.4 nothing".to_vec()).await, "签名");
    // After a key rotation, credentials signed before it still verify their signature.
    app::certificates::rotate_key(&t.app, &actor("operator", 0))
        .await
        .unwrap();
    let v = app::credentials::verify(&t.app, source.to_string().as_bytes())
        .await
        .unwrap();
    assert_eq!(
        failed(&v).map(|f| f.0),
        Some("状态"),
        "signature still good, status revoked"
    );
    let did = get_json(t, "/.well-known/did.json").await;
    assert_eq!(did["verificationMethod"].as_array().unwrap().len(), 2);
}

/// The pages: the download, 我的证明, the credential's address and the upload at /verify.
async fn pages(t: &TestApp, w: &World, source: &Value) {
    let mut c = t.client();
    c.sign_in("learner", &w.learner.id_number, "abc12345").await;
    let page = c.get(&format!("/learner/outcomes/{}", w.source)).await;
    assert!(!page.has("下载数字凭证"), "a withdrawn outcome offers no credential");
    let r = c.get(&format!("/learner/outcomes/{}/credential", w.source)).await;
    assert_eq!(r.status, 409);
    let list = c.get("/learner/certificates").await;
    assert!(
        list.has("数字凭证") && list.has("已撤销") && list.has("证书信息有误"),
        "{}",
        list.excerpt(0, 3000)
    );
    let number = source["id"].as_str().unwrap().rsplit('/').next().unwrap().to_string();
    let at = c.get(&format!("/credentials/{number}")).await;
    assert!(at.has("核验未通过") && at.has("已于"), "{}", at.excerpt(0, 3000));
    assert_eq!(c.get("/credentials/OB404").await.status, 404);
    let verify = c.get("/verify").await;
    assert!(verify.has("核验文件"));
    let up = c
        .post_multipart("/verify", &[], &[("file", "凭证.json", source.to_string().as_bytes())])
        .await;
    assert_eq!(up.status, 200);
    assert!(up.has("核验未通过") && up.has("撤销"), "{}", up.excerpt(0, 3000));
    let junk = c
        .post_multipart("/verify", &[], &[("file", "x.json", b"\xff\xfe<script>")])
        .await;
    assert_eq!(junk.status, 200);
    assert!(junk.has("不是JSON格式的凭证文件") && !junk.has("<script>"));
    let none = c.post_multipart("/verify", &[], &[]).await;
    assert!(none.has("请选择要核验的凭证文件"), "{}", none.excerpt(0, 2000));
    // A visitor who is not signed in verifies through the page's own form.
    let mut visitor = t.client();
    assert!(visitor.get("/verify").await.has("核验文件"));
    let up = visitor
        .post_multipart("/verify", &[], &[("file", "凭证.json", source.to_string().as_bytes())])
        .await;
    assert_eq!(up.status, 200);
    assert!(up.has("核验未通过"));
    // The same checks for machines.
    let api = t.api("");
    let r = api.post("/api/v1/credentials/verify", source).await;
    assert_eq!(r.status, 200);
    let v = r.json();
    assert_eq!(v["valid"], false);
    assert_eq!(v["checks"].as_array().unwrap().last().unwrap()["item"], "状态");
    assert_eq!(v["holder"], "欧阳喆");
    let r = api.post("/api/v1/credentials/verify", &json!([1])).await;
    assert_eq!((r.status, r.json()["checks"][0]["item"].clone()), (200, json!("格式")));
    let r = api.raw("POST", "/api/v1/credentials/verify", "{oops", None).await;
    assert_eq!(r.status, 400);
}
