//! Issued certificates.

use domain::ids::{ApplicationId, CertificateId, FileId, LearnerId};
use sqlx::FromRow;

use crate::{Exec, Result};

#[derive(Debug, Clone, FromRow)]
pub struct Certificate {
    pub id: CertificateId,
    pub number: String,
    pub kind: String,
    pub learner_id: LearnerId,
    pub application_id: Option<ApplicationId>,
    pub holding_ids: String,
    pub payload: String,
    pub file_id: FileId,
    pub created_at: i64,
}

pub struct NewCertificate<'a> {
    pub number: &'a str,
    pub kind: &'a str,
    pub learner_id: LearnerId,
    pub application_id: Option<ApplicationId>,
    pub holding_ids: &'a str,
    pub payload: &'a str,
    pub file_id: FileId,
    pub now: i64,
}

pub async fn insert<'c>(e: impl Exec<'c>, n: &NewCertificate<'_>) -> Result<CertificateId> {
    Ok(sqlx::query_scalar(
        "INSERT INTO certificates (number, kind, learner_id, application_id, holding_ids, payload, file_id, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(n.number)
    .bind(n.kind)
    .bind(n.learner_id)
    .bind(n.application_id)
    .bind(n.holding_ids)
    .bind(n.payload)
    .bind(n.file_id)
    .bind(n.now)
    .fetch_one(e)
    .await?)
}

const COLUMNS: &str = "id, number, kind, learner_id, application_id, holding_ids, payload, file_id, created_at";

pub async fn by_number<'c>(e: impl Exec<'c>, number: &str) -> Result<Option<Certificate>> {
    Ok(
        sqlx::query_as(&format!("SELECT {COLUMNS} FROM certificates WHERE number = $1"))
            .bind(number)
            .fetch_optional(e)
            .await?,
    )
}

pub async fn of_learner<'c>(e: impl Exec<'c>, learner: LearnerId) -> Result<Vec<Certificate>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM certificates WHERE learner_id = $1 ORDER BY id DESC"
    ))
    .bind(learner)
    .fetch_all(e)
    .await?)
}

/// Whether a file is a certificate of this learner.
pub async fn file_of_learner<'c>(e: impl Exec<'c>, file: FileId, learner: LearnerId) -> Result<bool> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM certificates WHERE file_id = $1 AND learner_id = $2")
        .bind(file)
        .bind(learner)
        .fetch_one(e)
        .await?;
    Ok(n > 0)
}
