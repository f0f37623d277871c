//! X证书 synchronisation against a local server that plays the certificate platform:
//! new certificates are stored (a holder without an account gets a pre-imported one),
//! bad records are refused with reasons, changed ones follow, revoked ones are
//! withdrawn; a failing, garbled or slow feed fails the run with its reason, keeps the
//! pages before it, and the next run resumes from the last good cursor.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use common::{TestApp, id, seed_learner};
use serde_json::json;

both!(the_feed_is_stored_followed_and_resumed);

#[derive(Clone)]
enum Answer {
    Page(serde_json::Value),
    Status(u16),
    Garbage,
    Slow,
}

type Platform = Arc<Mutex<(HashMap<String, Answer>, Vec<String>)>>;

async fn feed(State(p): State<Platform>, Query(q): Query<HashMap<String, String>>) -> Response {
    let cursor = q.get("cursor").cloned().unwrap_or_default();
    let answer = {
        let mut g = p.lock().unwrap();
        g.1.push(cursor.clone());
        g.0.get(&cursor).cloned()
    };
    match answer {
        Some(Answer::Page(v)) => axum::Json(v).into_response(),
        Some(Answer::Status(s)) => StatusCode::from_u16(s).unwrap().into_response(),
        Some(Answer::Garbage) => "<html>维护中</html>".into_response(),
        Some(Answer::Slow) => {
            tokio::time::sleep(std::time::Duration::from_secs(3)).await;
            axum::Json(json!({"records": [], "has_more": false})).into_response()
        }
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn platform() -> (Platform, String) {
    let p: Platform = Arc::new(Mutex::new((HashMap::new(), Vec::new())));
    let app = axum::Router::new()
        .route("/certificates", axum::routing::get(feed))
        .with_state(p.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (p, format!("http://{addr}/certificates"))
}

fn record(no: &str, name: &str, id_number: &str, level: &str, status: &str) -> serde_json::Value {
    json!({
        "certificate_no": no, "holder_name": name, "id_number": id_number,
        "certificate": "Web前端开发职业技能等级证书", "level": level,
        "issued_on": "2025-06-30", "issuer": "工业和信息化部教育与考试中心", "status": status
    })
}

async fn the_feed_is_stored_followed_and_resumed(t: &TestApp) {
    let (p, url) = platform().await;
    let config = |timeout: u64| app::Config {
        database_url: t.app.config.database_url.clone(),
        files_dir: t.app.config.files_dir.clone(),
        xcert: app::config::XcertConfig {
            feed_url: url.clone(),
            token: String::new(),
            interval_minutes: 0,
            timeout_seconds: timeout,
        },
        ..app::Config::default()
    };
    let bank = app::App::open(t.app.db.clone(), config(5)).await.unwrap();
    let known = id("44010619900101123");
    seed_learner(t, "张晓明", &known, "13800000001", "Pass1234").await;
    let newcomer = id("44010619920202123");
    let set = |cursor: &str, a: Answer| {
        p.lock().unwrap().0.insert(cursor.to_string(), a);
    };
    set(
        "",
        Answer::Page(json!({
            "records": [
                record("X001", "张晓明", &known, "中级", "valid"),
                record("X002", "王小红", &newcomer, "初级", "valid"),
                record("X003", "李四", "123", "初级", "valid"),
                record("X004", "赵五", &id("44010619930303123"), "特级", "valid"),
                {"certificate_no": "X005"}
            ],
            "next_cursor": "c1", "has_more": true
        })),
    );
    set("c1", Answer::Status(500));
    let o = app::xcert::run(&bank, "manual").await.unwrap();
    assert_eq!((o.fetched, o.stored, o.rejected), (5, 2, 3));
    assert!(o.error.as_deref().unwrap().contains("500"), "{:?}", o.error);
    let reasons = store::sync_runs::rejections(&t.app.db.pool, o.run, 10).await.unwrap();
    assert!(
        reasons
            .iter()
            .any(|r| r.record_no == "X003" && r.reason.contains("身份证号")),
        "{reasons:?}"
    );
    assert!(
        reasons
            .iter()
            .any(|r| r.record_no == "X004" && r.reason.contains("特级"))
    );
    assert!(
        reasons
            .iter()
            .any(|r| r.record_no == "X005" && r.reason.contains("字段缺失"))
    );
    assert_eq!(
        t.scalar("SELECT COUNT(*) FROM learner_outcomes WHERE source = 'xcert' AND status = 'stored'")
            .await,
        2
    );
    assert_eq!(
        t.scalar(&format!(
            "SELECT COUNT(*) FROM learners WHERE id_number = '{newcomer}' AND status = 'inactive'"
        ))
        .await,
        1,
        "a holder without an account gets a pre-imported one"
    );
    let failed = store::sync_runs::run(&t.app.db.pool, o.run).await.unwrap().unwrap();
    assert_eq!(
        (failed.status, failed.cursor_to.as_deref()),
        (domain::lifecycle::SyncStatus::Failed, Some("c1"))
    );

    // The platform recovers: the next run starts at c1, follows a change and a revocation.
    set(
        "c1",
        Answer::Page(json!({
            "records": [record("X001", "张晓明", &known, "高级", "valid"), record("X002", "王小红", &newcomer, "初级", "revoked")],
            "next_cursor": "c2", "has_more": false
        })),
    );
    let o = app::xcert::run(&bank, "manual").await.unwrap();
    assert_eq!(o.error, None);
    assert_eq!((o.fetched, o.stored, o.updated, o.revoked), (2, 0, 1, 1));
    assert_eq!(
        p.lock().unwrap().1,
        vec!["", "c1", "c1"],
        "resumed from the last good cursor"
    );
    let name: String = sqlx::query_scalar("SELECT name FROM learner_outcomes WHERE number = 'X001'")
        .fetch_one(&t.app.db.pool)
        .await
        .unwrap();
    assert!(name.contains("高级"));
    assert_eq!(
        t.scalar("SELECT COUNT(*) FROM learner_outcomes WHERE number = 'X002' AND status = 'withdrawn'")
            .await,
        1
    );

    // Garbage and a slow platform fail the run and change nothing.
    set("c2", Answer::Garbage);
    let before = t.scalar("SELECT COUNT(*) FROM learner_outcomes").await;
    let o = app::xcert::run(&bank, "manual").await.unwrap();
    assert!(o.error.as_deref().unwrap().contains("数据格式不正确"), "{:?}", o.error);
    set("c2", Answer::Slow);
    let slow = app::App::open(t.app.db.clone(), config(1)).await.unwrap();
    let o = app::xcert::run(&slow, "schedule").await.unwrap();
    assert!(o.error.as_deref().unwrap().contains("超时"), "{:?}", o.error);
    assert_eq!(t.scalar("SELECT COUNT(*) FROM learner_outcomes").await, before);
    assert_eq!(
        t.scalar("SELECT COUNT(*) FROM sync_runs WHERE status = 'running'")
            .await,
        0
    );

    // One run at a time; a run left running by a dead process is taken over later.
    store::sync_runs::start(&t.app.db.pool, "xcert", "manual", None, store::now())
        .await
        .unwrap()
        .unwrap();
    let busy = app::xcert::run(&bank, "manual").await.err().unwrap();
    assert!(busy.to_string().contains("正在进行中"));
    sqlx::query("UPDATE sync_runs SET started_at = 0 WHERE status = 'running'")
        .execute(&t.app.db.pool)
        .await
        .unwrap();
    set("c2", Answer::Page(json!({"records": [], "has_more": false})));
    let o = app::xcert::run(&bank, "manual").await.unwrap();
    assert_eq!(o.error, None);
    assert_eq!(
        t.scalar("SELECT COUNT(*) FROM sync_runs WHERE error LIKE '%进程中断%'")
            .await,
        1
    );

    // The centre reads the runs and the refused records; a province does not.
    common::seed_bank(t).await;
    let mut centre = t.client();
    centre.sign_in("department", "center_admin", "Pass1234").await;
    let runs = centre.get("/department/sync").await;
    assert!(runs.has("X证书平台返回错误状态 500") && runs.has("拒绝 3"));
    let first = t.scalar("SELECT MIN(id) FROM sync_runs").await;
    assert!(centre.get(&format!("/department/sync?run={first}")).await.has("X003"));
    let mut gd = t.client();
    gd.sign_in("department", "gd_edu", "Pass1234").await;
    assert_eq!(gd.get("/department/sync").await.status, 403);
}
