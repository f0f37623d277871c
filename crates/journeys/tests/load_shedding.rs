//! Past `max_in_flight` the server sheds load: a request beyond the limit is answered 503
//! with `Retry-After` at once (a problem document on the API), the health probes still
//! answer, and the request holding the slot completes normally.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::http::{Request, header};
use common::TestApp;
use tower::ServiceExt;

both!(past_its_limit_the_server_sheds_load);

async fn text(r: axum::response::Response) -> String {
    String::from_utf8(axum::body::to_bytes(r.into_body(), 1 << 20).await.unwrap().to_vec()).unwrap()
}

fn get(path: &str) -> Request<Body> {
    Request::get(path).body(Body::empty()).unwrap()
}

async fn past_its_limit_the_server_sheds_load(t: &TestApp) {
    let mut app = t.app.clone();
    let mut config = (*app.config).clone();
    config.max_in_flight = 1;
    app.config = Arc::new(config);
    let router = web::router(app);
    // A request whose body has not finished arriving holds the only slot. (A probe may
    // hold it at the moment the slow request arrives, which is then shed itself: it is
    // sent again until it is the one holding the slot.)
    type Held = tokio::task::JoinHandle<Result<axum::response::Response, std::convert::Infallible>>;
    let slow = |router: axum::Router| -> (tokio::sync::mpsc::Sender<Bytes>, Held) {
        let (tx, rx) = tokio::sync::mpsc::channel::<Bytes>(1);
        let stream = futures_util::stream::unfold(rx, |mut rx| async move {
            rx.recv().await.map(|b| (Ok::<_, std::io::Error>(b), rx))
        });
        let req = Request::post("/api/v1/credentials/verify")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from_stream(stream))
            .unwrap();
        (tx, tokio::spawn(router.oneshot(req)))
    };
    let (mut tx, mut held) = slow(router.clone());
    // A shed request has dropped its body: the send may find nobody.
    let _ = tx.send(Bytes::from_static(b"{")).await;
    let mut shed = None;
    for _ in 0..1000 {
        if held.is_finished() {
            (tx, held) = slow(router.clone());
            let _ = tx.send(Bytes::from_static(b"{")).await;
        }
        let r = router.clone().oneshot(get("/verify")).await.unwrap();
        if r.status() == 503 {
            shed = Some(r);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let r = shed.expect("a request beyond the limit is shed");
    assert_eq!(r.headers()[header::RETRY_AFTER], "5");
    assert!(text(r).await.contains("服务器繁忙"));
    let r = router.clone().oneshot(get("/api/v1/me")).await.unwrap();
    assert_eq!(r.status(), 503);
    assert!(
        r.headers()[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("application/problem+json")
    );
    assert!(text(r).await.contains("\"overloaded\""));
    for probe in ["/healthz", "/readyz"] {
        assert_eq!(
            router.clone().oneshot(get(probe)).await.unwrap().status(),
            200,
            "{probe}"
        );
    }
    // The request holding the slot is answered once its body arrives; the slot frees.
    tx.send(Bytes::from_static(b"}")).await.unwrap();
    drop(tx);
    let done = held.await.unwrap().unwrap();
    assert_eq!(done.status(), 200);
    assert!(text(done).await.contains("格式"));
    assert_eq!(router.clone().oneshot(get("/verify")).await.unwrap().status(), 200);
}
