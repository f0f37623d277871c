//! `creditbank bench load`: the real server (`creditbank serve`, a child process) over a
//! national-size bank (`seed`), driven on loopback by a load generator in this process:
//! for each route and each number of connections, requests/s, p50 and p99 for a bounded
//! time, and the throughput of `/healthz` (same server, same middleware, no work) in the
//! same run as the floor. Errors and timeouts are counted, never hidden. Results go to
//! `bench/results/load.json`.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Context;
use app::App;

use super::seed::{self, Sizes};
use super::{Cell, PgScratch, fresh_app, percentile, report};

pub struct Options {
    pub dbs: Vec<String>,
    pub sizes: Sizes,
    pub seconds: f64,
    pub connections: Vec<usize>,
    /// Only the routes whose names contain one of these (all when empty).
    pub routes: Vec<String>,
    pub pg: String,
    /// Where the seeded SQLite bank and its files are kept between runs.
    pub data: PathBuf,
}

/// What one route's requests are.
#[derive(Clone)]
struct Route {
    name: &'static str,
    path: String,
    cookie: String,
    /// Sign-in: each request is a fresh captcha and a real password check.
    sign_in: Option<(&'static str, String)>,
}

pub async fn run(o: Options) -> anyhow::Result<()> {
    let mut runs = Vec::new();
    for db in &o.dbs {
        let (url, files) = bank(db, &o).await?;
        eprintln!("bench load on {db}: {:?}", o.sizes);
        let app = fresh_app(&url, &files).await?;
        seed::ensure(&app, o.sizes).await?;
        let server = Server::start(&url, &files).await?;
        let base = server.base.clone();
        let learner_id = app::demo::learner_id();
        let learner = sign_in(&app, &base, "learner", &learner_id).await?;
        let inst = sign_in(&app, &base, "institution", "4144051234").await?;
        let centre = sign_in(&app, &base, "department", "center_admin").await?;
        let number: String = sqlx::query_scalar("SELECT number FROM certificates ORDER BY id LIMIT 1")
            .fetch_optional(&app.db.pool)
            .await?
            .unwrap_or_else(|| "ZH0000000000000000".into());
        let get = |name, path: &str, cookie: &str| Route {
            name,
            path: path.to_string(),
            cookie: cookie.to_string(),
            sign_in: None,
        };
        let mut routes = vec![
            Route {
                sign_in: Some(("learner", learner_id.clone())),
                ..get("sign-in", "/login/learner", "")
            },
            get("我的成果", "/learner/outcomes", &learner),
            get("机构成果", "/institution/outcomes?name=%E6%95%B0%E5%AD%A6&type=", &inst),
            get(
                "学员成果",
                "/institution/learner-outcomes?name=%E9%AB%98%E7%AD%89%E6%95%B0%E5%AD%A6",
                &inst,
            ),
            get("catalog 2 chars", "/catalog?q=%E6%95%B0%E5%AD%A6", ""),
            get("catalog 4 chars", "/catalog?q=%E9%AB%98%E7%AD%89%E6%95%B0%E5%AD%A6", ""),
            get("applicable rules", "/learner/conversions/rules", &learner),
            get("verify", &format!("/verify?number={number}"), ""),
            get("statistics", "/department/statistics", &centre),
        ];
        if !o.routes.is_empty() {
            routes.retain(|r| o.routes.iter().any(|w| r.name.contains(w.as_str())));
        }
        let trivial = get("healthz", "/healthz", "");
        // One untimed request each first: caches (统计分析 counts at most every few
        // minutes) and the database's page cache are measured warm, as in service.
        for r in &routes {
            one(&app, &client(), &base, r, "10.255.0.1").await;
        }
        for &c in &o.connections {
            let floor = measure(&app, &base, &trivial, c, o.seconds).await;
            for r in &routes {
                let m = measure(&app, &base, r, c, o.seconds).await;
                eprintln!(
                    "  {:<18} {c:>3} conn: {:>7.0} req/s  p50 {:>7.2} ms  p99 {:>7.2} ms  errors {}  (healthz {:.0}/s)",
                    r.name, m.rps, m.p50, m.p99, m.errors, floor.rps
                );
                runs.push(serde_json::json!({
                    "db": db, "route": r.name, "connections": c,
                    "rps": m.rps.round(), "p50_ms": m.p50, "p99_ms": m.p99, "errors": m.errors,
                    "trivial_rps": floor.rps.round(), "ratio": m.rps / floor.rps.max(1.0),
                }));
            }
        }
        drop(server);
        app.db.pool.close().await;
    }
    report(
        "load",
        &runs,
        &[
            ("db", "db", Cell::Text),
            ("route", "route", Cell::Text),
            ("conns", "connections", Cell::Count),
            ("req/s", "rps", Cell::Count),
            ("p50", "p50_ms", Cell::Ms),
            ("p99", "p99_ms", Cell::Ms),
            ("errors", "errors", Cell::Count),
            ("healthz/s", "trivial_rps", Cell::Count),
            ("ratio", "ratio", Cell::Ratio),
        ],
    )
}

/// The database of this size, created on first use and kept for the next run.
async fn bank(db: &str, o: &Options) -> anyhow::Result<(String, PathBuf)> {
    let name = format!("cbbench_load_{}", o.sizes.learners);
    let files = o.data.join(format!("{name}-{db}-files"));
    std::fs::create_dir_all(&files)?;
    match db {
        "sqlite" => Ok((format!("sqlite://{}/{name}.db", o.data.display()), files)),
        "postgres" => Ok((PgScratch::connect(&o.pg).await?.ensure(&name).await?, files)),
        other => anyhow::bail!("unknown database {other}: sqlite or postgres"),
    }
}

/// `creditbank serve` on a free loopback port, killed when dropped. It trusts this
/// process as its proxy, so each request can come from its own client address (as
/// through a load balancer) and per-client limits do not turn the benchmark into 429s.
struct Server {
    child: std::process::Child,
    base: String,
}

impl Server {
    async fn start(url: &str, files: &Path) -> anyhow::Result<Self> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let child = std::process::Command::new(std::env::current_exe()?)
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .env("DATABASE_URL", url)
            .env("CREDITBANK_FILES_DIR", files)
            .env("CREDITBANK_TRUSTED_PROXIES", "127.0.0.1")
            .env("CREDITBANK_SERVE_RUNS_JOBS", "false")
            .env("RUST_LOG", "warn")
            .stdout(std::process::Stdio::null())
            .spawn()
            .context("starting creditbank serve")?;
        let server = Self {
            child,
            base: format!("http://127.0.0.1:{port}"),
        };
        let client = reqwest::Client::new();
        for _ in 0..300 {
            if client.get(format!("{}/healthz", server.base)).send().await.is_ok() {
                return Ok(server);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        anyhow::bail!("creditbank serve did not answer on {}", server.base)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(1)
        .tcp_nodelay(true)
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap_or_default()
}

/// The session cookie(s) a response set, as a `Cookie` header.
fn cookies_of(r: &reqwest::Response, into: &mut String) {
    for v in r.headers().get_all(reqwest::header::SET_COOKIE) {
        if let Some(pair) = v.to_str().ok().and_then(|s| s.split(';').next()) {
            if !into.is_empty() {
                into.push_str("; ");
            }
            into.push_str(pair);
        }
    }
}

fn hidden(page: &str, name: &str) -> Option<String> {
    let at = page.find(&format!("name=\"{name}\" value=\""))? + name.len() + 15;
    Some(page[at..].split('"').next()?.to_string())
}

/// Signs in through the real form (the captcha's answer read from the database, as a
/// person reads the picture), from client address `from`: the session cookie and the
/// time of the form post alone, in ms.
async fn sign_in_as(
    app: &App,
    c: &reqwest::Client,
    base: &str,
    (role, login): (&str, &str),
    from: &str,
) -> anyhow::Result<(String, f64)> {
    let mut cookie = String::new();
    let page = c
        .get(format!("{base}/login/{role}"))
        .header("x-forwarded-for", from)
        .send()
        .await?;
    cookies_of(&page, &mut cookie);
    let page = page.text().await?;
    let captcha = hidden(&page, "captcha_id").context("sign-in page without captcha")?;
    let csrf = hidden(&page, "_csrf").unwrap_or_default();
    let answer: String = sqlx::query_scalar("SELECT answer FROM captchas WHERE id = $1")
        .bind(&captcha)
        .fetch_one(&app.db.pool)
        .await?;
    let form = [
        ("_csrf", csrf.as_str()),
        ("login", login),
        ("password", app::demo::PASSWORD),
        ("captcha_id", &captcha),
        ("captcha", &answer),
    ];
    let t = Instant::now();
    let r = c
        .post(format!("{base}/login/{role}"))
        .header(reqwest::header::COOKIE, &cookie)
        .header("x-forwarded-for", from)
        .form(&form)
        .send()
        .await?;
    anyhow::ensure!(
        r.status().is_redirection(),
        "signing in as {login} answered {}",
        r.status()
    );
    let mut signed = String::new();
    cookies_of(&r, &mut signed);
    r.bytes().await?;
    let ms = t.elapsed().as_secs_f64() * 1000.0;
    Ok((if signed.is_empty() { cookie } else { signed }, ms))
}

async fn sign_in(app: &App, base: &str, role: &str, login: &str) -> anyhow::Result<String> {
    Ok(sign_in_as(app, &client(), base, (role, login), "127.0.0.1").await?.0)
}

struct Measured {
    rps: f64,
    p50: f64,
    p99: f64,
    errors: usize,
}

/// `connections` clients, each on its own connection, send `route` back to back for
/// `seconds`; a request that fails, times out or answers 4xx/5xx is an error.
async fn measure(app: &App, base: &str, route: &Route, connections: usize, seconds: f64) -> Measured {
    let until = Instant::now() + Duration::from_secs_f64(seconds);
    let started = Instant::now();
    let tasks: Vec<_> = (0..connections)
        .map(|n| {
            let (app, base, route) = (app.clone(), base.to_string(), route.clone());
            tokio::spawn(async move {
                let c = client();
                let (mut took, mut errors) = (Vec::new(), 0usize);
                let mut i = 0u32;
                while Instant::now() < until {
                    i += 1;
                    // Requests come from many addresses, as through a proxy.
                    let from = format!("10.{}.{}.{}", n % 250, (i / 250) % 250, i % 250 + 1);
                    match one(&app, &c, &base, &route, &from).await {
                        Some(ms) => took.push(ms),
                        None => errors += 1,
                    }
                }
                (took, errors)
            })
        })
        .collect();
    let (mut all, mut errors) = (Vec::new(), 0);
    for t in tasks {
        if let Ok((took, e)) = t.await {
            all.extend(took);
            errors += e;
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    all.sort_by(f64::total_cmp);
    Measured {
        rps: all.len() as f64 / elapsed,
        p50: percentile(&all, 0.5),
        p99: percentile(&all, 0.99),
        errors,
    }
}

/// One request of a route: its time in ms, or None when it failed.
async fn one(app: &App, c: &reqwest::Client, base: &str, route: &Route, from: &str) -> Option<f64> {
    let url = format!("{base}{}", route.path);
    let Some((role, login)) = &route.sign_in else {
        let t = Instant::now();
        let r = c
            .get(&url)
            .header(reqwest::header::COOKIE, &route.cookie)
            .header("x-forwarded-for", from)
            .send()
            .await
            .ok()?;
        let ok = r.status().is_success();
        r.bytes().await.ok()?;
        return ok.then(|| t.elapsed().as_secs_f64() * 1000.0);
    };
    // Sign-in: the page (not timed), then the form post with the captcha's answer.
    sign_in_as(app, c, base, (role, login), from)
        .await
        .ok()
        .map(|(_, ms)| ms)
}
