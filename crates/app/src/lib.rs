//! Use cases. The web pages, the JSON API and the CLI call these; none of them talks to
//! the store directly for anything that changes state.

pub mod account;
pub mod activation;
pub mod admin;
pub mod api_keys;
pub mod auth;
pub mod bank;
pub mod captcha;
pub mod catalog;
pub mod certificates;
pub mod config;
pub mod conversion;
pub mod credentials;
pub mod demo;
pub mod error;
pub mod evidence;
pub mod export;
pub mod feedback;
pub mod files;
pub mod holdings;
pub mod import;
pub mod institutions;
pub mod jobs;
pub mod learners;
pub mod messages;
pub mod password;
pub mod portal;
pub mod queries;
pub mod recognition;
pub mod registration;
pub mod senders;
pub mod sheet;
pub mod sms;
pub mod statistics;
pub mod taxonomy;
pub mod xcert;

use std::sync::Arc;

pub use config::Config;
pub use error::{AppError, AppResult};
use store::Db;

/// Everything a use case needs: the database, the configuration, which bank this is
/// and the senders.
#[derive(Clone)]
pub struct App {
    pub db: Db,
    pub config: Arc<Config>,
    pub bank: domain::bank::Profile,
    pub sms: Arc<dyn senders::SmsSender>,
    pub email: Arc<dyn senders::EmailSender>,
    pub files: Arc<dyn files::FileStore>,
    /// Dashboards counted recently (统计分析), shared by this process's requests.
    pub statistics: Arc<statistics::Cache>,
    /// The list pages' type and subtype filters, read recently.
    pub choices: Arc<queries::taxonomy::Choices>,
}

impl App {
    /// Connects, migrates and wires the senders the configuration asks for.
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        if let Some(dir) = config.sqlite_dir() {
            std::fs::create_dir_all(dir)?;
        }
        let db = Db::connect(&config.database_url).await?;
        db.migrate().await?;
        if let Some(ctype) = db.check_ctype().await? {
            tracing::warn!(%ctype, "PostgreSQL database ctype is not UTF-8: Chinese substring search will not use trigram indexes");
        }
        Self::open(db, config).await
    }

    /// The bank on a migrated database: settles its profile (a new database loads the
    /// configured profile's taxonomy) and wires the senders under the bank's name.
    pub async fn open(db: Db, config: Config) -> anyhow::Result<Self> {
        let bank = bank::settle(&db, bank::configured(&config.profile)?).await?;
        let (sms, email) = senders::from_config(&config, &db, bank);
        let files: Arc<dyn files::FileStore> = if config.files_url.is_empty() {
            Arc::new(files::DirStore::new(&config.files_dir))
        } else {
            Arc::new(files::ObjectFiles::from_url(&config.files_url)?)
        };
        Ok(Self {
            db,
            config: Arc::new(config),
            bank,
            sms,
            email,
            files,
            statistics: Arc::default(),
            choices: Arc::default(),
        })
    }
}

/// The session store the web face keeps its sessions in (server-side, in the database).
pub use store::sessions::DbSessionStore;

impl App {
    /// A session store on this bank's database.
    pub fn session_store(&self) -> DbSessionStore {
        DbSessionStore::new(self.db.clone())
    }

    /// Whether the bank can serve: its database answers.
    pub async fn ready(&self) -> AppResult<()> {
        Ok(self.db.ping().await?)
    }

    /// Periodic housekeeping: purges expired codes and idempotency keys older than a day,
    /// and lets the database optimise itself.
    pub async fn housekeeping(&self) {
        if let Err(e) = store::codes::purge_expired(&self.db, store::now()).await {
            tracing::warn!(error = %e, "purge of expired codes failed");
        }
        if let Err(e) = store::api_keys::purge(&self.db.pool, store::now() - 86_400).await {
            tracing::warn!(error = %e, "purge of idempotency keys failed");
        }
        if let Err(e) = self.db.optimize().await {
            tracing::warn!(error = %e, "optimize failed");
        }
    }
}
