//! The institution journey through `/api/v1` on both databases: a key made on the page,
//! a catalog outcome, an import of learners' outcomes polled to the end, its record and
//! rejected rows, a rule and the review of an application to it, and the key revoked —
//! with the bad inputs an integration meets on the way.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{TestApp, key_from_page, seed_bank, seed_institution, sheet, subtype};
use domain::ids::{InstitutionId, LearnerId, RuleId};
use serde_json::json;

both!(
    institution_journey_through_the_api,
    bad_requests_get_problems,
    keys_are_scoped_and_revocable
);

async fn publish_method(t: &TestApp, inst: InstitutionId) {
    let a = app::queries::Actor::default();
    let file = app::files::check_and_put(&t.app, "file", "办法.pdf", b"%PDF-1.4 m", app::files::Accept::Pdf)
        .await
        .unwrap();
    let m = app::conversion::create_method(&t.app, inst, "转换办法", Some(&file), &a)
        .await
        .unwrap();
    app::conversion::accept_pledge(&t.app, inst, &a).await.unwrap();
    app::conversion::act_on_method(&t.app, inst, m, app::conversion::MethodAction::Publish, &a)
        .await
        .unwrap();
}

async fn institution_journey_through_the_api(t: &TestApp) {
    let bank = seed_bank(t).await;
    let a = seed_institution(t, "4144051234", "广东开放大学", bank.guangdong, "13900000001").await;
    let b = seed_institution(t, "4144051235", "广州番禺职业技术学院", bank.guangdong, "13900000002").await;
    let course = subtype(t, "higher_course").await;
    let src = t.api(&key_from_page(t, "4144051234", &["write", "import"]).await);
    let dst = t.api(&key_from_page(t, "4144051235", &["write"]).await);

    let me = src.get("/api/v1/me").await.json();
    assert_eq!(me["institution_id"], a.get());
    assert_eq!(me["scopes"], json!(["read", "write", "import"]));

    // A catalog outcome, created once even when the request is retried.
    let body =
        json!({"subtype_id": course, "name": "高等数学", "fields": {"course_code": "MATH101", "orig_credits": "4"}});
    let first = src
        .json("POST", "/api/v1/institution/outcomes", &body, Some("outcome-1"))
        .await;
    assert_eq!(first.status, 201, "{}", first.body);
    let again = src
        .json("POST", "/api/v1/institution/outcomes", &body, Some("outcome-1"))
        .await;
    assert_eq!(
        (again.status, again.json()["id"].clone()),
        (201, first.json()["id"].clone())
    );
    assert_eq!(
        t.scalar("SELECT COUNT(*) FROM institution_outcomes").await,
        1,
        "a retry creates nothing"
    );
    let other =
        json!({"subtype_id": course, "name": "线性代数", "fields": {"course_code": "MATH102", "orig_credits": "3"}});
    let reused = src
        .json("POST", "/api/v1/institution/outcomes", &other, Some("outcome-1"))
        .await;
    assert_eq!(
        (reused.status, reused.json()["code"].clone()),
        (422, json!("idempotency_key_reused"))
    );
    // The change marked its key in its own transaction. Had its answer been lost (the
    // database went away after the commit), a retry must not create it again; a claim
    // that neither committed nor was answered for a minute is taken over.
    assert_eq!(
        t.scalar("SELECT committed FROM idempotency_keys WHERE key = 'outcome-1'")
            .await,
        1
    );
    sqlx::query("UPDATE idempotency_keys SET status = NULL, body = NULL WHERE key = 'outcome-1'")
        .execute(&t.app.db.pool)
        .await
        .unwrap();
    let lost = src
        .json("POST", "/api/v1/institution/outcomes", &body, Some("outcome-1"))
        .await;
    assert_eq!(
        (lost.status, lost.json()["code"].clone()),
        (409, json!("idempotency_committed"))
    );
    assert_eq!(t.scalar("SELECT COUNT(*) FROM institution_outcomes").await, 1);
    let caller: String = sqlx::query_scalar("SELECT caller FROM idempotency_keys WHERE key = 'outcome-1'")
        .fetch_one(&t.app.db.pool)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO idempotency_keys (caller, key, request_sha256, created_at) VALUES ($1, 'abandoned', 'x', 0)",
    )
    .bind(&caller)
    .execute(&t.app.db.pool)
    .await
    .unwrap();
    let stale = src
        .json("POST", "/api/v1/institution/outcomes", &other, Some("abandoned"))
        .await;
    assert_eq!(
        stale.status, 422,
        "another body than the abandoned claim's: {}",
        stale.body
    );
    sqlx::query("UPDATE idempotency_keys SET request_sha256 = (SELECT request_sha256 FROM idempotency_keys WHERE key = 'outcome-1') WHERE key = 'abandoned'")
        .execute(&t.app.db.pool)
        .await
        .unwrap();
    let taken = src
        .json("POST", "/api/v1/institution/outcomes", &body, Some("abandoned"))
        .await;
    assert_eq!(
        taken.status, 422,
        "taken over and run: the outcome exists already: {}",
        taken.body
    );
    insta::assert_json_snapshot!("outcome_created", first.json(), {
        ".id" => "[id]", ".institution_id" => "[id]", ".subtype_id" => "[id]", ".created_at" => "[time]"
    });
    let outcome = first.json()["id"].as_i64().unwrap();
    let list = src.get("/api/v1/institution/outcomes?name=高等").await.json();
    assert_eq!(
        (list["total"].clone(), list["items"][0]["fields"]["course_code"].clone()),
        (json!(1), json!("MATH101"))
    );

    // Learners' outcomes by import: upload, poll the job, read the record and rejects.
    let file = sheet(
        &["*学员姓名", "*身份证号", "*个人成果编号", "*颁证日期", "成绩"],
        &[
            vec!["张晓明", &common::id("44010619900101123"), "N1", "2023-07-01", "85"],
            vec!["王芳", &common::id("44010619910101123"), "", "2023-07-01", ""],
        ],
    );
    let outcome_s = outcome.to_string();
    let up = src
        .upload(
            "/api/v1/institution/imports",
            &[("kind", "holdings"), ("outcome_id", &outcome_s)],
            ("学员成果.xlsx", &file),
        )
        .await;
    assert_eq!(up.status, 202, "{}", up.body);
    let job = up.json()["id"].as_i64().unwrap();
    assert_eq!(up.json()["status"], "queued");
    while app::jobs::run_once(&t.app).await.unwrap() {}
    let done = src.get(&format!("/api/v1/institution/jobs/{job}")).await.json();
    assert_eq!(
        (
            done["status"].clone(),
            done["imported"].clone(),
            done["rejected"].clone()
        ),
        (json!("done"), json!(1), json!(1))
    );
    assert!(done["reasons"][0].as_str().unwrap().contains("个人成果编号"), "{done}");
    let records = src.get("/api/v1/institution/imports").await.json();
    let rejected = records["items"][0]["rejected_file_id"].as_i64().unwrap();
    let f = src.get(&format!("/api/v1/institution/files/{rejected}")).await;
    assert_eq!(f.status, 200);
    assert!(f.content_type.contains("spreadsheetml"), "{}", f.content_type);
    let held = src
        .get(&format!("/api/v1/institution/learner-outcomes?outcome_id={outcome}"))
        .await
        .json();
    assert_eq!(held["total"], 1);
    let shown = held["items"][0]["learner_id_number"].as_str().unwrap();
    assert!(
        shown.contains('*') && shown != common::id("44010619900101123"),
        "masked: {shown}"
    );
    let holding = held["items"][0]["id"].as_i64().unwrap();

    // The target institution makes and publishes a rule; the learner applies.
    publish_method(t, b).await;
    let target = dst
        .post(
            "/api/v1/institution/outcomes",
            &json!({"subtype_id": course, "name": "工程数学", "fields": {"course_code": "ENG-M1", "orig_credits": "3"}}),
        )
        .await
        .json()["id"]
        .as_i64()
        .unwrap();
    let rule = dst
        .post(
            "/api/v1/institution/rules",
            &json!({"name": "高等数学转换工程数学", "kind": "学历→学历", "sources": [outcome], "targets": [target],
                    "ratio": "1:1", "explanation": "课程内容相同",
                    "document": {"name": "规则.pdf", "content_base64": "JVBERi0xLjQgcnVsZQ=="}}),
        )
        .await;
    assert_eq!(rule.status, 201, "{}", rule.body);
    let rule = RuleId::new(rule.json()["id"].as_i64().unwrap());
    assert_eq!(
        src.get(&format!("/api/v1/institution/rules/{rule}")).await.status,
        404,
        "a draft is its owner's"
    );
    let published = dst
        .post(&format!("/api/v1/institution/rules/{rule}/publish"), &json!({}))
        .await;
    assert_eq!(published.json()["status"], "published", "{}", published.body);
    assert_eq!(
        src.get(&format!("/api/v1/institution/rules/{rule}")).await.status,
        200,
        "published: the source sees it"
    );
    let learner_id: LearnerId = t
        .id(&format!("SELECT learner_id FROM learner_outcomes WHERE id = {holding}"))
        .await;
    let learner = store::learners::by_id(&t.app.db.pool, learner_id)
        .await
        .unwrap()
        .unwrap();
    let application = app::conversion::apply(&t.app, &learner, rule, &[], &app::queries::Actor::default())
        .await
        .unwrap();
    let pending = dst.get("/api/v1/institution/applications?status=pending").await.json();
    assert_eq!(pending["items"][0]["id"], application.get());
    assert!(
        src.get("/api/v1/institution/applications").await.json()["items"]
            .as_array()
            .unwrap()
            .is_empty(),
        "the source institution does not receive it"
    );
    let no_opinion = dst
        .post(
            &format!("/api/v1/institution/applications/{application}/decision"),
            &json!({"decision": "fail"}),
        )
        .await;
    assert_eq!(
        (no_opinion.status, no_opinion.json()["errors"][0]["field"].clone()),
        (422, json!("opinion"))
    );
    let passed = dst
        .post(
            &format!("/api/v1/institution/applications/{application}/decision"),
            &json!({"decision": "pass", "opinion": "同意"}),
        )
        .await;
    assert_eq!(passed.json()["status"], "passed", "{}", passed.body);
    assert_eq!(
        t.scalar("SELECT COUNT(*) FROM learner_outcomes WHERE source = 'conversion'")
            .await,
        1
    );
    let twice = dst
        .post(
            &format!("/api/v1/institution/applications/{application}/decision"),
            &json!({"decision": "pass"}),
        )
        .await;
    assert_eq!(twice.status, 409, "decided once");

    // Every use was audited.
    assert!(
        t.scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'api_call'")
            .await
            >= 15
    );
}

async fn bad_requests_get_problems(t: &TestApp) {
    let bank = seed_bank(t).await;
    seed_institution(t, "4144051234", "广东开放大学", bank.guangdong, "13900000001").await;
    let api = t.api(&key_from_page(t, "4144051234", &["write"]).await);
    let problem = |r: &common::Resp, status: u16, code: &str| {
        assert_eq!(r.status, status, "{}", r.body);
        assert_eq!(r.content_type, "application/problem+json");
        assert_eq!(r.json()["code"], code, "{}", r.body);
        assert!(!r.json()["detail"].as_str().unwrap().is_empty());
    };
    let path = "/api/v1/institution/outcomes";
    problem(
        &api.raw("POST", path, "{\"subtype_id\": 1,", None).await,
        400,
        "malformed_json",
    );
    problem(
        &api.raw("POST", path, "{\"subtype_id\": \"x\", \"name\": \"a\"}", None)
            .await,
        422,
        "validation_failed",
    );
    let unknown = api
        .raw(
            "POST",
            path,
            "{\"subtype_id\": 1, \"name\": \"a\", \"colour\": 1}",
            None,
        )
        .await;
    problem(&unknown, 422, "validation_failed");
    assert_eq!(unknown.json()["errors"][0]["field"], "colour");
    let big = format!("{{\"subtype_id\": 1, \"name\": \"{}\"}}", "字".repeat(400_000));
    problem(&api.raw("POST", path, &big, None).await, 413, "payload_too_large");
    let course = subtype(t, "higher_course").await;
    let no_fields = api.post(path, &json!({"subtype_id": course, "name": "高等数学"})).await;
    problem(&no_fields, 422, "validation_failed");
    insta::assert_json_snapshot!("problem_invalid_fields", no_fields.json());
    assert!(
        no_fields.json()["errors"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["field"] == "fields.course_code"),
        "{}",
        no_fields.body
    );
    problem(&api.get("/api/v1/institution/outcomes/999999").await, 404, "not_found");
    problem(
        &api.get("/api/v1/institution/outcomes?cursor=abc").await,
        400,
        "invalid_cursor",
    );
    problem(&api.get("/api/v1/no-such-thing").await, 404, "not_found");
    assert_eq!(
        t.scalar("SELECT COUNT(*) FROM institution_outcomes").await,
        0,
        "nothing changed"
    );
    // Without credentials, with a wrong or malformed key.
    let anon = t
        .client()
        .send(
            axum::http::Request::get("/api/v1/me")
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
    problem(&anon, 401, "unauthenticated");
    problem(
        &t.api("cbk_000000000000_0000").get("/api/v1/me").await,
        401,
        "unauthenticated",
    );
    problem(&t.api("nonsense").get("/api/v1/me").await, 401, "unauthenticated");
    let mut wrong = api.token.clone();
    wrong.pop();
    wrong.push('x');
    problem(&t.api(&wrong).get("/api/v1/me").await, 401, "unauthenticated");
    // A signed-in browser may call the API, but writes need the CSRF token.
    let mut c = t.client();
    c.sign_in("institution", "4144051234", "Pass1234").await;
    assert_eq!(c.get("/api/v1/me").await.json()["role"], "institution");
    let req = c
        .builder("POST", path)
        .header("content-type", "application/json")
        .body(axum::body::Body::from(
            json!({"subtype_id": course, "name": "x"}).to_string(),
        ))
        .unwrap();
    problem(&c.send(req).await, 403, "csrf_failed");
}

async fn keys_are_scoped_and_revocable(t: &TestApp) {
    let bank = seed_bank(t).await;
    seed_institution(t, "4144051234", "广东开放大学", bank.guangdong, "13900000001").await;
    seed_institution(t, "4144051235", "广州番禺职业技术学院", bank.guangdong, "13900000002").await;
    let course = subtype(t, "higher_course").await;
    let reader = t.api(&key_from_page(t, "4144051234", &[]).await);
    let writer = t.api(&key_from_page(t, "4144051235", &["write"]).await);
    let body =
        json!({"subtype_id": course, "name": "高等数学", "fields": {"course_code": "MATH101", "orig_credits": "4"}});
    let r = reader.post("/api/v1/institution/outcomes", &body).await;
    assert_eq!((r.status, r.json()["code"].clone()), (403, json!("insufficient_scope")));
    let mine = writer.post("/api/v1/institution/outcomes", &body).await.json()["id"]
        .as_i64()
        .unwrap();
    // Institution X cannot read, change or delete Y's rows, nor learn that they exist.
    assert_eq!(
        reader.get(&format!("/api/v1/institution/outcomes/{mine}")).await.status,
        404
    );
    let r = t
        .api(&key_from_page(t, "4144051234", &["write"]).await)
        .delete(&format!("/api/v1/institution/outcomes/{mine}"))
        .await;
    assert_eq!(r.status, 404);
    assert_eq!(reader.get("/api/v1/institution/outcomes").await.json()["total"], 0);
    // An import needs the import scope.
    let up = writer
        .upload(
            "/api/v1/institution/imports",
            &[("kind", "learners")],
            ("a.xlsx", b"PK"),
        )
        .await;
    assert_eq!(up.json()["code"], "insufficient_scope");
    // Revoked on the page: the key stops working at once.
    let mut c = t.client();
    c.sign_in("institution", "4144051235", "Pass1234").await;
    let page = c.get("/institution/api-keys").await;
    let id: i64 = t
        .scalar(
            "SELECT id FROM api_keys WHERE institution_id = (SELECT id FROM institutions WHERE code = '4144051235')",
        )
        .await;
    assert!(page.has(&format!("/institution/api-keys/{id}/revoke")));
    c.post(&format!("/institution/api-keys/{id}/revoke"), &[]).await;
    assert!(c.get("/institution/api-keys").await.has("已作废"));
    let r = writer.get("/api/v1/me").await;
    assert_eq!(r.status, 401);
    // Each key has its own budget per minute; over it, 429 with Retry-After.
    let limit = t.app.config.api_rate_per_minute;
    let mut refused = None;
    for i in 0..limit + 5 {
        let r = reader.get("/api/v1/me").await;
        if r.status == 429 {
            refused = Some((i, r));
            break;
        }
    }
    let (at, r) = refused.expect("the key is throttled");
    assert!(at >= limit - 10, "throttled only past the limit: {at}");
    assert_eq!(r.json()["code"], "rate_limited");
    assert!(
        r.retry_after
            .as_deref()
            .is_some_and(|s| s.parse::<i64>().is_ok_and(|s| (1..=60).contains(&s)))
    );
    assert!(
        t.scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'api_key_revoked'")
            .await
            == 1
    );
    assert_eq!(
        t.scalar("SELECT COUNT(*) FROM api_keys WHERE secret_sha256 LIKE 'cbk_%'")
            .await,
        0,
        "only hashes are stored"
    );
}
