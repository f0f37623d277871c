//! Layered configuration: built-in defaults < `creditbank.toml` < environment
//! (`CREDITBANK_*`, `DATABASE_URL`). Nothing is required to start.

use std::path::{Path, PathBuf};

use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct Config {
    /// `sqlite://data/creditbank.db` by default, or `postgres://…`.
    pub database_url: String,
    pub listen: String,
    /// The public address used in messages and certificates' QR codes.
    pub public_url: String,
    /// Send cookies with `Secure` (set when served over HTTPS).
    pub secure_cookies: bool,
    /// Demo mode: shows the outbox page and prints demo accounts. Only `serve --demo`
    /// sets it (never the configuration file or the environment), and the outbox is
    /// shown only while the bank listens on a loopback address.
    #[serde(skip)]
    pub demo: bool,
    /// The bank this deployment runs as (`ncb`, `oucn` or `guangdong`): a new database
    /// takes it (name, taxonomy preset, sign-in, review chain); an existing one keeps
    /// the profile it was created with.
    #[serde(alias = "preset")]
    pub profile: String,
    /// Where uploaded files are kept (the directory file store).
    pub files_dir: String,
    /// Files in an S3-compatible object store instead (`s3://bucket/prefix`; credentials,
    /// region and endpoint from the usual `AWS_*` variables): what several processes
    /// behind a load balancer share. Empty: the directory.
    pub files_url: String,
    pub sms: SmsConfig,
    pub email: EmailConfig,
    /// Data rows one import file may hold.
    pub import_max_rows: usize,
    /// How long a job's claim lasts unless renewed (its holder renews it every third of
    /// that): how soon a job of a killed process is taken up again.
    pub job_lease_seconds: i64,
    /// Whether `serve` also runs jobs (false where `creditbank worker` processes do).
    pub serve_runs_jobs: bool,
    /// Requests one process works on at once; beyond it a request is answered 503 with
    /// `Retry-After` at once (load shed) instead of queueing until everything times out.
    /// Health probes are never shed.
    pub max_in_flight: usize,
    /// How long 统计分析 shows the numbers it counted before counting again (0: every view).
    pub statistics_cache_seconds: i64,
    /// Requests one API key may make per minute.
    pub api_rate_per_minute: i64,
    /// Reverse proxies whose `X-Forwarded-For` is believed (their addresses as the
    /// bank sees them). Behind none, every client is its socket's peer.
    pub trusted_proxies: Vec<String>,
    /// The X证书 platform's certificate feed (NCB).
    pub xcert: XcertConfig,
}

/// Where the vocational skill certificate platform publishes its feed. Without a URL
/// there is no synchronisation.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct XcertConfig {
    /// `https://…/certificates`: answers `?cursor=…&limit=…` (see `app::xcert`).
    pub feed_url: String,
    /// Sent as `Authorization: Bearer …` when set.
    pub token: String,
    /// Minutes between scheduled runs in the worker; 0: only `creditbank sync xcert`.
    pub interval_minutes: u64,
    /// Seconds one request of the feed may take.
    pub timeout_seconds: u64,
}

impl Default for XcertConfig {
    fn default() -> Self {
        Self {
            feed_url: String::new(),
            token: String::new(),
            interval_minutes: 60,
            timeout_seconds: 30,
        }
    }
}

impl Config {
    /// Whether `public_url` points at this machine only (certificates' QR codes and the
    /// credentials' issuer would then be unverifiable from outside).
    pub fn public_url_is_loopback(&self) -> bool {
        let rest = self
            .public_url
            .split_once("://")
            .map(|(_, r)| r)
            .unwrap_or(&self.public_url);
        let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
        let host = match host.strip_prefix('[') {
            Some(v6) => v6.split(']').next().unwrap_or_default(),
            None => host.rsplit_once(':').map(|(h, _)| h).unwrap_or(host),
        };
        host.eq_ignore_ascii_case("localhost") || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
    }

    /// The client behind a request: the socket's peer, unless the peer is a trusted
    /// proxy — then the rightmost `X-Forwarded-For` address that is not one (a client
    /// can put anything on the left of the header, nothing on the right of its proxy).
    pub fn client_ip(&self, peer: &str, forwarded_for: Option<&str>) -> String {
        let trusted = |ip: &str| self.trusted_proxies.iter().any(|t| t == ip);
        if !trusted(peer) {
            return peer.to_string();
        }
        forwarded_for
            .into_iter()
            .flat_map(|h| h.rsplit(','))
            .map(str::trim)
            .find(|ip| !ip.is_empty() && !trusted(ip))
            .filter(|ip| ip.parse::<std::net::IpAddr>().is_ok())
            .unwrap_or(peer)
            .to_string()
    }

    /// Whether the bank listens only on this machine (127.0.0.0/8, ::1 or localhost).
    pub fn listens_on_loopback(&self) -> bool {
        let host = self.listen.rsplit_once(':').map(|(h, _)| h).unwrap_or(&self.listen);
        let host = host.trim_start_matches('[').trim_end_matches(']');
        host == "localhost" || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
    }
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(default)]
pub struct SmsConfig {
    /// `outbox` (development: written to the outbox table) or `http`.
    pub sender: String,
    /// For `http`: the gateway URL that receives `{"mobile": …, "text": …}` as JSON.
    pub gateway_url: String,
    /// For `http`: sent as `Authorization: Bearer …`.
    pub gateway_token: String,
    /// Signature put in front of every text; empty: the bank's short name, e.g.
    /// `【国家学分银行】`.
    pub signature: String,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(default)]
pub struct EmailConfig {
    /// `outbox` (development) or `smtp`.
    pub sender: String,
    pub smtp_host: String,
    pub smtp_port: u16,
    pub smtp_user: String,
    pub smtp_password: String,
    pub from: String,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            database_url: "sqlite://data/creditbank.db".into(),
            listen: "127.0.0.1:8080".into(),
            public_url: "http://127.0.0.1:8080".into(),
            secure_cookies: false,
            demo: false,
            profile: "ncb".into(),
            files_dir: "data/files".into(),
            files_url: String::new(),
            sms: SmsConfig {
                sender: "outbox".into(),
                ..Default::default()
            },
            email: EmailConfig {
                sender: "outbox".into(),
                smtp_port: 465,
                ..Default::default()
            },
            import_max_rows: 1_000_000,
            job_lease_seconds: 120,
            serve_runs_jobs: true,
            max_in_flight: 512,
            statistics_cache_seconds: 300,
            api_rate_per_minute: 600,
            trusted_proxies: Vec::new(),
            xcert: XcertConfig::default(),
        }
    }
}

impl Config {
    /// Reads `creditbank.toml` from the working directory if it exists, then the
    /// environment.
    pub fn load() -> anyhow::Result<Self> {
        let mut c = match std::fs::read_to_string("creditbank.toml") {
            Ok(text) => toml::from_str(&text)?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Config::default(),
            Err(e) => return Err(e.into()),
        };
        c.apply_env(|k| std::env::var(k).ok());
        Ok(c)
    }

    fn apply_env(&mut self, get: impl Fn(&str) -> Option<String>) {
        let set = |target: &mut String, key: &str| {
            if let Some(v) = get(key).filter(|v| !v.is_empty()) {
                *target = v;
            }
        };
        set(&mut self.database_url, "DATABASE_URL");
        set(&mut self.listen, "CREDITBANK_LISTEN");
        set(&mut self.public_url, "CREDITBANK_PUBLIC_URL");
        set(&mut self.profile, "CREDITBANK_PRESET");
        set(&mut self.profile, "CREDITBANK_PROFILE");
        set(&mut self.files_dir, "CREDITBANK_FILES_DIR");
        set(&mut self.files_url, "CREDITBANK_FILES_URL");
        set(&mut self.sms.sender, "CREDITBANK_SMS_SENDER");
        set(&mut self.sms.gateway_url, "CREDITBANK_SMS_GATEWAY_URL");
        set(&mut self.sms.gateway_token, "CREDITBANK_SMS_GATEWAY_TOKEN");
        set(&mut self.email.sender, "CREDITBANK_EMAIL_SENDER");
        set(&mut self.email.smtp_host, "CREDITBANK_SMTP_HOST");
        set(&mut self.email.smtp_user, "CREDITBANK_SMTP_USER");
        set(&mut self.email.smtp_password, "CREDITBANK_SMTP_PASSWORD");
        set(&mut self.email.from, "CREDITBANK_EMAIL_FROM");
        set(&mut self.xcert.feed_url, "CREDITBANK_XCERT_FEED_URL");
        set(&mut self.xcert.token, "CREDITBANK_XCERT_TOKEN");
        if let Some(n) = get("CREDITBANK_IMPORT_MAX_ROWS").and_then(|n| n.parse().ok()) {
            self.import_max_rows = n;
        }
        if let Some(n) = get("CREDITBANK_JOB_LEASE_SECONDS").and_then(|n| n.parse::<i64>().ok()) {
            self.job_lease_seconds = n.max(3);
        }
        if let Some(n) = get("CREDITBANK_API_RATE_PER_MINUTE").and_then(|n| n.parse().ok()) {
            self.api_rate_per_minute = n;
        }
        if let Some(p) = get("CREDITBANK_SMTP_PORT").and_then(|p| p.parse().ok()) {
            self.email.smtp_port = p;
        }
        if let Some(v) = get("CREDITBANK_TRUSTED_PROXIES") {
            self.trusted_proxies = v
                .split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect();
        }
        if let Some(n) = get("CREDITBANK_STATISTICS_CACHE_SECONDS").and_then(|n| n.parse::<i64>().ok()) {
            self.statistics_cache_seconds = n.max(0);
        }
        if let Some(n) = get("CREDITBANK_MAX_IN_FLIGHT").and_then(|n| n.parse::<usize>().ok()) {
            self.max_in_flight = n.max(1);
        }
        if let Some(v) = get("CREDITBANK_SERVE_RUNS_JOBS") {
            self.serve_runs_jobs = !matches!(v.as_str(), "0" | "false" | "no");
        }
        if let Some(v) = get("CREDITBANK_SECURE_COOKIES") {
            self.secure_cookies = matches!(v.as_str(), "1" | "true" | "yes");
        }
    }

    /// The directory of the SQLite file, to create before connecting.
    pub fn sqlite_dir(&self) -> Option<PathBuf> {
        let path = self
            .database_url
            .strip_prefix("sqlite://")
            .or_else(|| self.database_url.strip_prefix("sqlite:"))?;
        let path = path.split('?').next().unwrap_or(path);
        Path::new(path)
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map(Path::to_path_buf)
    }
}

#[cfg(test)]
mod proxy_tests {
    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let c = super::Config {
            trusted_proxies: vec!["10.0.0.2".into(), "10.0.0.3".into()],
            ..Default::default()
        };
        // Straight from a client: its own address, whatever it claims.
        assert_eq!(c.client_ip("203.0.113.9", Some("1.2.3.4")), "203.0.113.9");
        // Through the proxies: the rightmost address they did not add themselves.
        assert_eq!(
            c.client_ip("10.0.0.2", Some("1.2.3.4, 198.51.100.7, 10.0.0.3")),
            "198.51.100.7"
        );
        assert_eq!(c.client_ip("10.0.0.2", None), "10.0.0.2");
        assert_eq!(c.client_ip("10.0.0.2", Some("not-an-ip")), "10.0.0.2");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_overrides_defaults() {
        let mut c = Config::default();
        c.apply_env(|k| match k {
            "DATABASE_URL" => Some("postgres://x/y".into()),
            "CREDITBANK_SMTP_PORT" => Some("587".into()),
            _ => None,
        });
        assert_eq!(c.database_url, "postgres://x/y");
        assert_eq!(c.email.smtp_port, 587);
        assert_eq!(c.listen, "127.0.0.1:8080");
        assert_eq!(Config::default().sqlite_dir(), Some(PathBuf::from("data")));
    }

    #[test]
    fn loopback_public_urls_are_told_apart() {
        let at = |u: &str| Config {
            public_url: u.into(),
            ..Config::default()
        };
        for u in [
            "http://127.0.0.1:8080",
            "http://localhost",
            "https://[::1]:8443/cb",
            "http://127.8.0.1/",
        ] {
            assert!(at(u).public_url_is_loopback(), "{u}");
        }
        for u in [
            "https://xfyh.example.cn",
            "http://10.0.0.5:8080",
            "https://[2001:db8::1]/",
            "https://localhost.example",
        ] {
            assert!(!at(u).public_url_is_loopback(), "{u}");
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod demo_tests {
    use super::Config;

    #[test]
    fn only_the_command_line_switches_demo_on() {
        let c: Config = toml::from_str("demo = true\nlisten = \"127.0.0.1:8080\"").unwrap();
        assert!(!c.demo, "a configuration file cannot expose the outbox");
    }

    #[test]
    fn loopback_addresses() {
        let on = |listen: &str| Config {
            listen: listen.into(),
            ..Config::default()
        };
        assert!(on("127.0.0.1:8080").listens_on_loopback());
        assert!(on("[::1]:8080").listens_on_loopback());
        assert!(on("localhost:8080").listens_on_loopback());
        assert!(!on("0.0.0.0:8080").listens_on_loopback());
        assert!(!on("10.1.2.3:80").listens_on_loopback());
    }
}
