//! Issue 13: every route of the router, pages and API, tried by ten principals — who
//! may enter is declared once in `table.rs`; everyone else must be refused (401, 403,
//! 404 or a redirect to sign-in) and nobody may see a 5xx. Id-bearing routes are tried
//! with a row of one tenant, so every other tenant tries an id that is not theirs. A
//! route the table does not list fails the test, and so does a row of a route that no
//! longer exists.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../common/mod.rs"]
mod common;
mod fixtures;
mod table;

use std::collections::BTreeSet;

use axum::body::Body;
use axum::http::header;
use common::{Client, Resp, TestApp};
use table::*;

both_as!(Guangdong; every_route_answers_as_declared);

/// The principals: bit, name, sign-in space and login.
const WHO: [(u16, &str, &str, &str); 10] = [
    (ANON, "anonymous", "", ""),
    (LA, "learner A", "learner", "zhangxiaoming"),
    (LB, "learner B", "learner", "wangfang"),
    (X, "institution X", "institution", app::demo::SCHOOL_CODE),
    (XS, "sub-user of X", "institution", app::demo::SUB_USER),
    (Y, "institution Y", "institution", app::demo::TARGET_CODE),
    (DX, "department of X", "department", "gd_edu"),
    (DO, "other department", "department", "sd_edu"),
    (C, "bank centre", "department", "center_admin"),
    (E, "expert", "expert", "expert01"),
];

/// Every (method, route) of the router, read from its debug form (axum lists each route
/// id with its path and the methods it allows).
fn routes(t: &TestApp) -> BTreeSet<(String, String)> {
    let text = format!("{:?}", web::router(t.app.clone()));
    // The fallback router numbers its own routes from 0 too.
    let text = text.split("fallback_router:").next().unwrap();
    let mut methods = std::collections::HashMap::new();
    for part in text.split("RouteId(").skip(1) {
        let (id, rest) = part.split_once(')').unwrap();
        if let Some(body) = rest.strip_prefix(": MethodRouter(") {
            let allow = body.split_once("allow_header: ").map(|(_, a)| a).unwrap_or_default();
            let list = match allow.strip_prefix("Bytes(b\"") {
                Some(a) => a.split('"').next().unwrap().to_string(),
                None => "ANY".to_string(),
            };
            methods.insert(id.to_string(), list);
        } else if let Some(path) = rest.strip_prefix(": \"") {
            let path = path.split('"').next().unwrap().to_string();
            methods.entry(format!("path:{id}")).or_insert(path);
        }
    }
    let mut all = BTreeSet::new();
    for (key, path) in &methods {
        let Some(id) = key.strip_prefix("path:") else { continue };
        let list = methods.get(id).unwrap_or_else(|| panic!("no methods for {path}"));
        for m in list.split(',').filter(|m| *m != "HEAD") {
            all.insert((m.to_string(), path.clone()));
        }
    }
    assert!(
        all.len() > 200,
        "the router's debug form changed: {} routes read",
        all.len()
    );
    all
}

/// Refused: not signed in, forbidden, not found, or sent to a sign-in page.
fn refused(r: &Resp) -> bool {
    matches!(r.status, 401 | 403 | 404)
        || ((300..400).contains(&r.status) && r.location.as_deref().is_some_and(|l| l.starts_with("/login")))
}

/// Page forms posted as multipart (they carry files).
const MULTIPART: [&str; 19] = [
    "/verify",
    "/institution/methods",
    "/institution/methods/{id}/edit",
    "/institution/learner-outcomes/withdraw",
    "/institution/learner-outcomes/export",
    "/institution/rules/new",
    "/institution/rules/{id}/edit",
    "/institution/outcomes/import",
    "/institution/outcomes/{id}/import",
    "/institution/learners/import",
    "/learner/outcomes/{id}/feedback",
    "/learner/outcomes/{id}/files",
    "/learner/conversions/apply",
    "/department/standards",
    "/department/learners/import",
    "/learner/settings/avatar",
    "/institution/settings/avatar",
    "/department/settings/avatar",
    "/expert/settings/avatar",
];

async fn call(c: &mut Client<'_>, row: &Row, path: &str, fields: &[(&str, &str)]) -> Resp {
    let method = row.method;
    let method = if method == "ANY" { "GET" } else { method };
    if method == "GET" {
        return c.get(path).await;
    }
    if path.starts_with("/api/") {
        let req = c
            .builder(method, path)
            .header(header::CONTENT_TYPE, "application/json")
            .header("x-csrf-token", c.csrf.clone())
            .header("idempotency-key", format!("matrix-{method}-{path}"))
            .body(Body::from("{}"))
            .unwrap();
        return c.send(req).await;
    }
    if MULTIPART.contains(&row.route) {
        return c.post_multipart(path, fields, &[]).await;
    }
    c.post(path, fields).await
}

async fn every_route_answers_as_declared(t: &TestApp) {
    let fx = fixtures::build(t).await;
    let rows = rows();

    let declared: BTreeSet<(String, String)> = rows
        .iter()
        .map(|r| (r.method.to_string(), r.route.to_string()))
        .collect();
    let routed = routes(t);
    let missing: Vec<_> = routed.difference(&declared).collect();
    let stale: Vec<_> = declared.difference(&routed).collect();
    assert!(missing.is_empty(), "routes missing from the access table: {missing:#?}");
    assert!(stale.is_empty(), "rows of routes the router no longer has: {stale:#?}");

    let mut clients = Vec::new();
    for (bit, name, space, login) in WHO {
        let mut c = t.client();
        if space.is_empty() {
            // A form page gives the anonymous visitor a CSRF token to post with.
            c.get("/login/learner").await;
        } else {
            let r = c.sign_in(space, login, fixtures::PASSWORD).await;
            assert_eq!(r.status, 303, "{name} signs in: {}", r.excerpt(0, 300));
            let home = c.get(&format!("/{space}")).await;
            assert_eq!(home.status, 200, "{name}'s home");
        }
        clients.push((bit, name, c));
    }

    // Reads first, then the changes in table order, each by the refused first.
    let (reads, writes): (Vec<&Row>, Vec<&Row>) = rows.iter().partition(|r| matches!(r.method, "GET" | "ANY"));
    let mut wrong = Vec::new();
    let mut tried = 0;
    for row in reads.into_iter().chain(writes) {
        let fixture = row.fixture.map(|f| fx.id(f).to_string()).unwrap_or_default();
        let fill = |s: &str| s.replace("{id}", &fixture).replace("{subtype}", &fixture);
        let path = fill(row.path);
        let values: Vec<(String, String)> = row.fields.iter().map(|(k, v)| (k.to_string(), fill(v))).collect();
        let fields: Vec<(&str, &str)> = values.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let mut order: Vec<usize> = (0..clients.len()).collect();
        order.sort_by_key(|i| row.allowed & clients[*i].0 != 0);
        let mut done = false;
        for i in order {
            let (bit, name, c) = &mut clients[i];
            let may = row.allowed & *bit != 0;
            if may && row.once && std::mem::replace(&mut done, true) {
                continue;
            }
            // Every change writes an audit row: a refused one must write none.
            let write = !matches!(row.method, "GET" | "ANY");
            let before = if write {
                t.scalar("SELECT COUNT(*) FROM audit_log").await
            } else {
                0
            };
            let r = call(c, row, &path, &fields).await;
            tried += 1;
            if write && !may && refused(&r) && t.scalar("SELECT COUNT(*) FROM audit_log").await != before {
                wrong.push(format!(
                    "{} {path} as {name}: refused ({}) but wrote an audit row",
                    row.method, r.status
                ));
            }
            if r.status >= 500 || may == refused(&r) {
                wrong.push(format!(
                    "{} {path} as {name}: {} {} (expected {}) {}",
                    row.method,
                    r.status,
                    r.location.as_deref().unwrap_or(""),
                    if may { "allowed" } else { "refused" },
                    r.excerpt(0, 120)
                ));
            }
        }
    }
    assert!(tried > 2500, "{tried} requests");
    assert!(
        wrong.is_empty(),
        "{} of {tried} answers differ from the table:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}
