//! Test harness: the real router over a fresh SQLite file or a fresh PostgreSQL
//! database per test, and a client with a cookie jar that fills in CSRF tokens and
//! reads captcha answers and SMS codes from where the app keeps them.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use app::{App, Config};
use axum::Router;
use axum::body::Body;
use axum::http::{Request, header};
pub use domain::bank::Profile;
use domain::ids::SubtypeId;
use store::Db;
use tower::ServiceExt;

/// Runs each named scenario `async fn name(t: &TestApp)` on SQLite and on PostgreSQL
/// banks of the default profile.
#[macro_export]
macro_rules! both {
    ($($name:ident),* $(,)?) => { $crate::both_as!(Ncb; $($name),*); };
}

/// Runs each scenario `async fn name(t: &TestApp)` on SQLite and PostgreSQL banks of
/// one profile: `both_as!(Guangdong; name, …)`.
#[macro_export]
macro_rules! both_as {
    ($profile:ident; $($name:ident),* $(,)?) => { $(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let t = $crate::common::TestApp::sqlite_as($crate::common::Profile::$profile).await;
                super::$name(&t).await;
                t.finish().await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let t = $crate::common::TestApp::postgres_as($crate::common::Profile::$profile).await;
                super::$name(&t).await;
                t.finish().await;
            }
        }
    )* };
}

pub struct TestApp {
    pub app: App,
    router: Router,
    cleanup: Cleanup,
}

enum Cleanup {
    /// A view of another TestApp's bank: that one cleans up.
    Borrowed,
    Dir(std::path::PathBuf),
    Postgres {
        admin_url: String,
        name: String,
        files: std::path::PathBuf,
    },
}

fn random_name() -> String {
    use rand::Rng;
    hex::encode(rand::thread_rng().r#gen::<[u8; 8]>())
}

/// The PostgreSQL server the tests need. They fail, never skip, when it is missing.
pub fn pg_url() -> String {
    std::env::var("CREDITBANK_TEST_PG").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

impl TestApp {
    async fn with_url(url: &str, files: &std::path::Path, cleanup: Cleanup, profile: Profile) -> Self {
        let config = Config {
            database_url: url.into(),
            files_dir: files.display().to_string(),
            profile: profile.code().into(),
            // Tests check the numbers right after each change.
            statistics_cache_seconds: 0,
            ..Config::default()
        };
        let db = Db::connect(url).await.expect("connect");
        db.migrate().await.expect("migrate");
        let app = App::open(db, config).await.expect("open the bank");
        Self {
            router: web::router(app.clone()),
            app,
            cleanup,
        }
    }

    /// A fresh SQLite bank of this profile.
    pub async fn sqlite_as(profile: Profile) -> Self {
        let dir = std::env::temp_dir().join(format!("creditbank-test-{}", random_name()));
        std::fs::create_dir_all(&dir).unwrap();
        let url = format!("sqlite://{}/test.db", dir.display());
        Self::with_url(&url, &dir.join("files"), Cleanup::Dir(dir.clone()), profile).await
    }

    /// A fresh PostgreSQL bank of this profile.
    pub async fn postgres_as(profile: Profile) -> Self {
        let admin_url = pg_url();
        let admin = Db::connect(&admin_url)
            .await
            .unwrap_or_else(|e| panic!("PostgreSQL is required for these tests ({admin_url}): {e}"));
        let name = format!("cbt_{}", random_name());
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&admin.pool)
            .await
            .unwrap();
        admin.pool.close().await;
        let base = admin_url.rsplit_once('/').map(|(b, _)| b).unwrap();
        let url = format!("{base}/{name}");
        let files = std::env::temp_dir().join(format!("creditbank-test-{name}"));
        Self::with_url(
            &url,
            &files,
            Cleanup::Postgres {
                admin_url,
                name,
                files: files.clone(),
            },
            profile,
        )
        .await
    }

    /// The same bank behind another file store (a full disk …), pages and API alike.
    pub fn with_files(&self, files: std::sync::Arc<dyn app::files::FileStore>) -> TestApp {
        let mut app = self.app.clone();
        app.files = files;
        TestApp {
            router: web::router(app.clone()),
            app,
            cleanup: Cleanup::Borrowed,
        }
    }

    pub async fn finish(self) {
        if matches!(self.cleanup, Cleanup::Borrowed) {
            return;
        }
        self.app.db.pool.close().await;
        match self.cleanup {
            Cleanup::Borrowed => {}
            Cleanup::Dir(dir) => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Cleanup::Postgres { admin_url, name, files } => {
                let _ = std::fs::remove_dir_all(files);
                if let Ok(admin) = Db::connect(&admin_url).await {
                    let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .execute(&admin.pool)
                        .await;
                    admin.pool.close().await;
                }
            }
        }
    }

    pub fn client(&self) -> Client<'_> {
        Client {
            t: self,
            cookie: None,
            csrf: String::new(),
        }
    }

    pub async fn scalar(&self, sql: &str) -> i64 {
        sqlx::query_scalar::<_, i64>(sql)
            .fetch_one(&self.app.db.pool)
            .await
            .unwrap()
    }

    /// The id `sql` selects, as the id type the caller names.
    pub async fn id<T: domain::ids::RawId>(&self, sql: &str) -> T {
        T::from_raw(self.scalar(sql).await)
    }

    /// The latest SMS code sent to a mobile, read from the development outbox.
    pub async fn sms_code(&self, mobile: &str) -> String {
        let m = store::outbox::latest_to(&self.app.db.pool, mobile)
            .await
            .unwrap()
            .expect("an SMS was sent");
        let digits: Vec<char> = m.body.chars().collect();
        for w in digits.windows(6) {
            if w.iter().all(|c| c.is_ascii_digit()) {
                return w.iter().collect();
            }
        }
        panic!("no code in {}", m.body);
    }
}

/// A machine client of `/api/v1`: every request carries the bearer token.
pub struct Api<'a> {
    t: &'a TestApp,
    pub token: String,
}

impl TestApp {
    pub fn api(&self, token: &str) -> Api<'_> {
        Api {
            t: self,
            token: token.to_string(),
        }
    }
}

impl Api<'_> {
    pub async fn send(&self, req: axum::http::request::Builder, body: Body) -> Resp {
        let req = req
            .header(header::AUTHORIZATION, format!("Bearer {}", self.token))
            .body(body)
            .unwrap();
        self.t.client().send(req).await
    }

    pub async fn get(&self, path: &str) -> Resp {
        self.send(Request::builder().uri(path), Body::empty()).await
    }

    pub async fn delete(&self, path: &str) -> Resp {
        self.send(Request::builder().method("DELETE").uri(path), Body::empty())
            .await
    }

    /// Sends JSON with a method, and an `Idempotency-Key` when given.
    pub async fn json(&self, method: &str, path: &str, body: &serde_json::Value, key: Option<&str>) -> Resp {
        self.raw(method, path, &body.to_string(), key).await
    }

    pub async fn post(&self, path: &str, body: &serde_json::Value) -> Resp {
        self.json("POST", path, body, None).await
    }

    pub async fn raw(&self, method: &str, path: &str, body: &str, key: Option<&str>) -> Resp {
        let mut b = Request::builder()
            .method(method)
            .uri(path)
            .header(header::CONTENT_TYPE, "application/json");
        if let Some(k) = key {
            b = b.header("idempotency-key", k);
        }
        self.send(b, Body::from(body.to_string())).await
    }

    /// Uploads a file as multipart with text fields.
    pub async fn upload(&self, path: &str, fields: &[(&str, &str)], file: (&str, &[u8])) -> Resp {
        let boundary = "----creditbank-api-boundary";
        let mut body: Vec<u8> = Vec::new();
        for (k, v) in fields {
            body.extend_from_slice(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n").as_bytes(),
            );
        }
        body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{}\"\r\nContent-Type: application/octet-stream\r\n\r\n", file.0).as_bytes());
        body.extend_from_slice(file.1);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let b = Request::builder().method("POST").uri(path).header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        );
        self.send(b, Body::from(body)).await
    }
}

#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub location: Option<String>,
    pub content_type: String,
    /// The `Retry-After` header, when there is one.
    pub retry_after: Option<String>,
    /// The `Cache-Control` header, when there is one.
    pub cache_control: Option<String>,
    pub body: String,
    /// The body as sent (downloads).
    pub bytes: Vec<u8>,
}

impl Resp {
    pub fn redirects_to(&self, path: &str) -> bool {
        (300..400).contains(&self.status) && self.location.as_deref() == Some(path)
    }
    pub fn has(&self, text: &str) -> bool {
        self.body.contains(text)
    }
    /// The body as JSON (panics with the body when it is not).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
    /// Part of the body without whitespace, for assertion messages.
    pub fn excerpt(&self, skip: usize, take: usize) -> String {
        self.body
            .chars()
            .filter(|c| !c.is_whitespace())
            .skip(skip)
            .take(take)
            .collect()
    }
    /// The value of the hidden or text input with this name.
    pub fn input(&self, name: &str) -> Option<String> {
        let key = format!("name=\"{name}\" value=\"");
        let start = self.body.find(&key)? + key.len();
        let end = self.body[start..].find('"')? + start;
        Some(self.body[start..end].to_string())
    }
}

pub struct Client<'a> {
    t: &'a TestApp,
    pub cookie: Option<String>,
    pub csrf: String,
}

impl Client<'_> {
    pub async fn send(&mut self, req: Request<Body>) -> Resp {
        let resp = self.t.router.clone().oneshot(req).await.unwrap();
        for v in resp.headers().get_all(header::SET_COOKIE) {
            let v = v.to_str().unwrap();
            let pair = v.split(';').next().unwrap();
            if let Some(value) = pair.strip_prefix("cb_session=") {
                let removed = v.contains("Max-Age=0") || value.is_empty();
                self.cookie = if removed { None } else { Some(pair.to_string()) };
            }
        }
        let status = resp.status().as_u16();
        let location = resp
            .headers()
            .get(header::LOCATION)
            .map(|v| v.to_str().unwrap().to_string());
        let retry_after = resp
            .headers()
            .get(header::RETRY_AFTER)
            .map(|v| v.to_str().unwrap().to_string());
        let cache_control = resp
            .headers()
            .get(header::CACHE_CONTROL)
            .map(|v| v.to_str().unwrap().to_string());
        let content_type = resp
            .headers()
            .get(header::CONTENT_TYPE)
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default();
        let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX).await.unwrap();
        let body = String::from_utf8_lossy(&bytes).to_string();
        if let Some(i) = body.find("name=\"csrf-token\" content=\"") {
            let start = i + "name=\"csrf-token\" content=\"".len();
            if let Some(end) = body[start..].find('"').filter(|e| *e > 0) {
                self.csrf = body[start..start + end].to_string();
            }
        }
        Resp {
            status,
            location,
            content_type,
            retry_after,
            cache_control,
            body,
            bytes: bytes.to_vec(),
        }
    }

    pub fn builder(&self, method: &str, path: &str) -> axum::http::request::Builder {
        let mut b = Request::builder().method(method).uri(path);
        if let Some(c) = &self.cookie {
            b = b.header(header::COOKIE, c);
        }
        b
    }

    pub async fn get(&mut self, path: &str) -> Resp {
        let req = self.builder("GET", path).body(Body::empty()).unwrap();
        self.send(req).await
    }

    /// Posts a form with the CSRF token of the last page seen.
    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Resp {
        let mut all: Vec<(&str, &str)> = vec![("_csrf", &self.csrf)];
        all.extend_from_slice(fields);
        let body = serde_urlencoded::to_string(&all).unwrap();
        self.post_raw(path, &body).await
    }

    pub async fn post_raw(&mut self, path: &str, body: &str) -> Resp {
        let req = self
            .builder("POST", path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body.to_string()))
            .unwrap();
        self.send(req).await
    }

    /// Posts a multipart form (with the CSRF token) carrying files.
    pub async fn post_multipart(&mut self, path: &str, fields: &[(&str, &str)], files: &[(&str, &str, &[u8])]) -> Resp {
        let boundary = "----creditbank-test-boundary";
        let mut body: Vec<u8> = Vec::new();
        let csrf = self.csrf.clone();
        let mut all: Vec<(&str, &str)> = vec![("_csrf", &csrf)];
        all.extend_from_slice(fields);
        for (k, v) in all {
            body.extend_from_slice(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n").as_bytes(),
            );
        }
        for (k, name, bytes) in files {
            body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes());
            body.extend_from_slice(bytes);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        // As a browser does: the length is known before the body is sent.
        let req = self
            .builder("POST", path)
            .header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={boundary}"),
            )
            .header(header::CONTENT_LENGTH, body.len())
            .body(Body::from(body))
            .unwrap();
        self.send(req).await
    }

    /// Asks for an SMS code as the page's JavaScript does, and returns it.
    pub async fn sms(&mut self, mobile: &str, purpose: &str) -> Resp {
        let body = serde_urlencoded::to_string([("mobile", mobile), ("purpose", purpose)]).unwrap();
        let req = self
            .builder("POST", "/sms/send")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header("x-csrf-token", &self.csrf)
            .body(Body::from(body))
            .unwrap();
        self.send(req).await
    }

    /// The captcha answer for the captcha on a page.
    pub async fn captcha_for(&self, page: &Resp) -> (String, String) {
        let id = page.input("captcha_id").expect("page has a captcha");
        let answer: String = sqlx::query_scalar("SELECT answer FROM captchas WHERE id = $1")
            .bind(&id)
            .fetch_one(&self.t.app.db.pool)
            .await
            .unwrap();
        (id, answer)
    }

    /// Signs in through the real page: reads the captcha, posts the form.
    pub async fn sign_in(&mut self, role: &str, login: &str, password: &str) -> Resp {
        let page = self.get(&format!("/login/{role}")).await;
        let (id, answer) = self.captcha_for(&page).await;
        self.post(
            &format!("/login/{role}"),
            &[
                ("login", login),
                ("password", password),
                ("captcha_id", &id),
                ("captcha", &answer),
            ],
        )
        .await
    }
}

/// A valid resident ID number from its first 17 digits.
pub fn id(first17: &str) -> String {
    let c = domain::id_card::check_char(first17.as_bytes()).unwrap();
    format!("{first17}{}", c as char)
}

/// The id of the subtype with this code (from the preset taxonomy).
pub async fn subtype(t: &TestApp, code: &str) -> SubtypeId {
    store::taxonomy::subtype_by_code(&t.app.db.pool, code)
        .await
        .unwrap()
        .unwrap()
        .id
}

/// Field values of a form or a catalog outcome.
pub fn vals(pairs: &[(&str, &str)]) -> std::collections::BTreeMap<String, String> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

mod seed;
#[allow(unused_imports)]
pub use seed::*;

/// Creates a key on the 接口密钥 page as the primary account and returns the token shown.
pub async fn key_from_page(t: &TestApp, account: &str, scopes: &[&str]) -> String {
    let mut c = t.client();
    c.sign_in("institution", account, "Pass1234").await;
    c.get("/institution/api-keys").await;
    let mut fields = vec![("name", "教务系统对接")];
    for s in scopes {
        fields.push(("scope", s));
    }
    let r = c.post("/institution/api-keys", &fields).await;
    assert!(r.redirects_to("/institution/api-keys"), "{r:?}");
    let page = c.get("/institution/api-keys").await;
    let start = page.body.find("cbk_").expect("the new key is shown once");
    let token: String = page.body[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    assert!(!c.get("/institution/api-keys").await.has(&token), "shown only once");
    token
}
