//! SMS and e-mail behind one trait each. The development senders write to the
//! outbox table (`creditbank outbox`); real deployments configure an HTTP SMS gateway
//! and an SMTP server.

use std::sync::Arc;

use async_trait::async_trait;
use lettre::message::{Mailbox, header::ContentType};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use store::{Db, now};

use crate::Config;

#[async_trait]
pub trait SmsSender: Send + Sync {
    async fn send(&self, mobile: &str, text: &str) -> anyhow::Result<()>;
}

#[async_trait]
pub trait EmailSender: Send + Sync {
    async fn send(&self, to: &str, subject: &str, body: &str) -> anyhow::Result<()>;
}

/// Writes messages to the outbox table instead of sending them.
pub struct OutboxSender {
    db: Db,
    signature: String,
}

#[async_trait]
impl SmsSender for OutboxSender {
    async fn send(&self, mobile: &str, text: &str) -> anyhow::Result<()> {
        let body = format!("{}{text}", self.signature);
        store::outbox::insert(&self.db.pool, "sms", mobile, None, &body, now()).await?;
        Ok(())
    }
}

#[async_trait]
impl EmailSender for OutboxSender {
    async fn send(&self, to: &str, subject: &str, body: &str) -> anyhow::Result<()> {
        store::outbox::insert(&self.db.pool, "email", to, Some(subject), body, now()).await?;
        Ok(())
    }
}

/// Posts `{"mobile": …, "text": …}` to a configurable SMS gateway.
pub struct HttpSmsSender {
    client: reqwest::Client,
    url: String,
    token: String,
    signature: String,
}

#[async_trait]
impl SmsSender for HttpSmsSender {
    async fn send(&self, mobile: &str, text: &str) -> anyhow::Result<()> {
        let mut req = self
            .client
            .post(&self.url)
            .json(&serde_json::json!({ "mobile": mobile, "text": format!("{}{text}", self.signature) }));
        if !self.token.is_empty() {
            req = req.bearer_auth(&self.token);
        }
        let resp = req.send().await?;
        if !resp.status().is_success() {
            anyhow::bail!("SMS gateway answered {}", resp.status());
        }
        Ok(())
    }
}

/// Sends e-mail through an SMTP server over TLS.
pub struct SmtpSender {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

#[async_trait]
impl EmailSender for SmtpSender {
    async fn send(&self, to: &str, subject: &str, body: &str) -> anyhow::Result<()> {
        let msg = Message::builder()
            .from(self.from.clone())
            .to(to.parse()?)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(body.to_string())?;
        self.transport.send(msg).await?;
        Ok(())
    }
}

/// Builds the senders the configuration names; falls back to the outbox (with a
/// warning) when a real sender is misconfigured, so development never needs a gateway.
pub fn from_config(
    config: &Config,
    db: &Db,
    bank: domain::bank::Profile,
) -> (Arc<dyn SmsSender>, Arc<dyn EmailSender>) {
    let signature = if config.sms.signature.is_empty() {
        format!("【{}】", bank.short_name())
    } else {
        config.sms.signature.clone()
    };
    let outbox = Arc::new(OutboxSender {
        db: db.clone(),
        signature: signature.clone(),
    });
    let sms: Arc<dyn SmsSender> = match config.sms.sender.as_str() {
        "http" if !config.sms.gateway_url.is_empty() => Arc::new(HttpSmsSender {
            client: reqwest::Client::new(),
            url: config.sms.gateway_url.clone(),
            token: config.sms.gateway_token.clone(),
            signature,
        }),
        "outbox" => outbox.clone(),
        other => {
            tracing::warn!(sender = other, "SMS sender not usable, writing SMS to the outbox");
            outbox.clone()
        }
    };
    let email: Arc<dyn EmailSender> = match smtp(config, bank) {
        Some(Ok(s)) => Arc::new(s),
        Some(Err(e)) => {
            tracing::warn!(error = %e, "SMTP sender not usable, writing e-mail to the outbox");
            outbox
        }
        None => outbox,
    };
    (sms, email)
}

fn smtp(config: &Config, bank: domain::bank::Profile) -> Option<anyhow::Result<SmtpSender>> {
    let e = &config.email;
    if e.sender != "smtp" {
        return None;
    }
    Some((|| {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::relay(&e.smtp_host)?
            .port(e.smtp_port)
            .credentials(Credentials::new(e.smtp_user.clone(), e.smtp_password.clone()))
            .build();
        Ok(SmtpSender {
            transport,
            from: if e.from.is_empty() {
                format!("{} <noreply@creditbank.local>", bank.name()).parse()?
            } else {
                e.from.parse()?
            },
        })
    })())
}
