//! Issue 13, item 7: reading the public pages writes no session row; a session starts
//! with the first form an anonymous visitor may post, and signing in still works.
//! Issue 14: a signed-in account's pages save its session (renewing the idle expiry) at
//! most every five minutes, not on every view.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{TestApp, id, seed_learner};

both!(
    anonymous_reading_writes_no_session,
    signed_in_pages_save_the_session_rarely
);

async fn anonymous_reading_writes_no_session(t: &TestApp) {
    seed_learner(t, "张晓明", &id("44010619900101123"), "13800000001", "Pass1234").await;
    for _ in 0..5 {
        for path in [
            "/",
            "/catalog",
            "/catalog?q=数学",
            "/rules",
            "/news",
            "/institutions",
            "/qa",
            // A QR code's lookup reads only; /verify itself is the upload form (below).
            "/verify?number=ZM2026120100000000",
            "/about",
        ] {
            let mut c = t.client();
            let r = c.get(path).await;
            assert_eq!(r.status, 200, "{path}");
            assert!(c.cookie.is_none(), "{path} set a session cookie");
        }
    }
    assert_eq!(t.scalar("SELECT COUNT(*) FROM sessions").await, 0);
    // The verification page's upload form needs a token, and gets one.
    let mut v = t.client();
    assert!(v.get("/verify").await.has("核验文件"));
    assert!(v.cookie.is_some());
    assert_eq!(t.scalar("SELECT COUNT(*) FROM sessions").await, 1);
    // The sign-in form needs a token: its session starts there, and signing in works.
    let mut me = t.client();
    let r = me.sign_in("learner", &id("44010619900101123"), "Pass1234").await;
    assert!(r.redirects_to("/learner"), "{r:?}");
    assert_eq!(t.scalar("SELECT COUNT(*) FROM sessions").await, 2);
    assert_eq!(me.get("/learner").await.status, 200);
}

async fn expires(t: &TestApp) -> i64 {
    t.scalar("SELECT expires_at FROM sessions").await
}

async fn signed_in_pages_save_the_session_rarely(t: &TestApp) {
    seed_learner(t, "张晓明", &id("44010619900101123"), "13800000001", "Pass1234").await;
    let mut me = t.client();
    me.sign_in("learner", &id("44010619900101123"), "Pass1234").await;
    assert_eq!(me.get("/learner").await.status, 200);
    // Marked, the row shows whether a page saved it again.
    sqlx::query("UPDATE sessions SET expires_at = expires_at - 1000")
        .execute(&t.app.db.pool)
        .await
        .unwrap();
    let marked = expires(t).await;
    for path in ["/learner", "/learner/outcomes", "/learner/messages", "/learner"] {
        assert_eq!(me.get(path).await.status, 200, "{path}");
    }
    assert_eq!(expires(t).await, marked, "reading pages saved the session");
    // Five minutes on, the next page renews it.
    let data: String = sqlx::query_scalar("SELECT data FROM sessions")
        .fetch_one(&t.app.db.pool)
        .await
        .unwrap();
    let mut data: serde_json::Value = serde_json::from_str(&data).unwrap();
    data["touched"] = serde_json::json!(data["touched"].as_i64().unwrap() - 301);
    sqlx::query("UPDATE sessions SET data = $1")
        .bind(data.to_string())
        .execute(&t.app.db.pool)
        .await
        .unwrap();
    assert_eq!(me.get("/learner").await.status, 200);
    assert!(expires(t).await > marked, "the idle expiry was not renewed");
}
