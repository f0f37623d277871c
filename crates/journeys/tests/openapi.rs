//! The OpenAPI document: every operation of the API is in it with a Chinese summary,
//! its responses and its errors; what it promises is what the router serves; and the
//! document itself is kept as a snapshot, so a change to the API shows in review.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::TestApp;
use serde_json::Value;

fn operations(doc: &Value) -> Vec<(String, String, Value)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            out.push((method.to_uppercase(), path.clone(), op.clone()));
        }
    }
    out
}

#[test]
fn every_operation_is_documented_in_chinese_with_its_errors() {
    let doc = web::openapi_json();
    assert_eq!(doc["openapi"], "3.1.0");
    let ops = operations(&doc);
    // Every handler of the API modules carries a path attribute, and every one is in
    // the document: the count in the sources equals the count in the document.
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../web/src/api");
    let mut in_source = 0;
    for f in std::fs::read_dir(dir).unwrap() {
        let text = std::fs::read_to_string(f.unwrap().path()).unwrap();
        in_source += text.matches("#[utoipa::path(").count();
    }
    assert_eq!(
        ops.len(),
        in_source,
        "every #[utoipa::path] handler is routed and documented"
    );
    assert!(ops.len() >= 20, "{} operations", ops.len());
    for (method, path, op) in &ops {
        let summary = op["summary"].as_str().unwrap_or_default();
        assert!(
            summary.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
            "{method} {path}: Chinese summary, got {summary:?}"
        );
        let responses = op["responses"].as_object().unwrap();
        assert!(
            responses.keys().any(|k| k.starts_with('2')),
            "{method} {path}: a success response"
        );
        assert!(
            responses.keys().any(|k| k.starts_with('4')),
            "{method} {path}: its errors"
        );
        for (code, r) in responses {
            assert!(
                r["description"].as_str().is_some_and(|d| !d.is_empty()),
                "{method} {path} {code}: a description"
            );
            if code.starts_with('4') {
                assert_eq!(
                    r["content"]["application/problem+json"]["schema"]["$ref"], "#/components/schemas/ProblemDoc",
                    "{method} {path} {code}"
                );
            }
        }
        if matches!(method.as_str(), "POST" | "PUT") && !path.ends_with("/publish") && !path.ends_with("/withdraw") {
            assert!(op["requestBody"].is_object(), "{method} {path}: a request schema");
        }
    }
}

/// The router answers every documented operation (with the path's ids filled in): no
/// documented operation falls through to "接口不存在".
async fn the_router_serves_what_the_document_promises(t: &TestApp) {
    let doc = web::openapi_json();
    for (method, path, _) in operations(&doc) {
        let concrete = path.replace("{id}", "1");
        let req = axum::http::Request::builder()
            .method(method.as_str())
            .uri(format!(
                "{concrete}{}",
                if concrete.ends_with("verify") { "?number=X" } else { "" }
            ))
            .header("content-type", "application/json")
            .body(axum::body::Body::from("{}"))
            .unwrap();
        let r = t.client().send(req).await;
        assert_ne!(r.status, 405, "{method} {path}");
        assert!(!r.body.contains("接口不存在"), "{method} {path} is routed: {}", r.body);
        assert!(r.status < 500, "{method} {path}: {}", r.body);
    }
    // And the served document is the generated one.
    let served = t.client().get("/api/v1/openapi.json").await.json();
    assert_eq!(served, doc);
    let docs = t.client().get("/api/v1/docs").await;
    assert!(
        docs.has("/api/v1/docs/swagger-ui-bundle.js"),
        "the documentation page uses the embedded files"
    );
    assert_eq!(t.client().get("/api/v1/docs/swagger-ui-bundle.js").await.status, 200);
}

both!(the_router_serves_what_the_document_promises);

#[test]
fn the_document_is_as_reviewed() {
    insta::assert_json_snapshot!("openapi", web::openapi_json());
}
