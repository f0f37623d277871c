//! Issue 13, item 7: reading the public pages writes no session row; a session starts
//! with the first form an anonymous visitor may post, and signing in still works.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{TestApp, id, seed_learner};

both!(anonymous_reading_writes_no_session);

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
