//! Verification by machines: a credential (JSON), a PDF certificate or a photo of its QR
//! code, with the same checks as the /verify page.

use axum::Json;
use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use axum::http::StatusCode;

use super::extract::{Body, DOCUMENT_LIMIT};
use super::problem::{ApiResult, Problem, ProblemDoc};
use crate::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(verify))
        .routes(routes!(verify_file))
}

/// One check made on a credential.
#[derive(Debug, Serialize, ToSchema)]
pub struct CredentialCheck {
    /// 格式, 二维码, 签发者, 签名, 有效期 or 状态.
    pub item: String,
    pub passed: bool,
    pub detail: String,
}

/// What verifying a credential found: every check made, in order, up to the first failure.
#[derive(Debug, Serialize, ToSchema)]
pub struct CredentialVerification {
    pub valid: bool,
    pub checks: Vec<CredentialCheck>,
    pub name: Option<String>,
    pub holder: Option<String>,
    pub issuer: Option<String>,
}

/// 数字凭证核验
///
/// Verifies an Open Badges 3.0 / W3C VC 2.0 credential of this bank: format, issuer
/// (the bank's did:web), signature (eddsa-rdfc-2022), validity dates and revocation
/// (Bitstring Status List). Any JSON gets an answer naming the failing check. Public;
/// limited per client address.
#[utoipa::path(post, path = "/api/v1/credentials/verify", tag = "公开",
    request_body(content = Object, description = "凭证（JSON）", content_type = "application/json"),
    responses((status = 200, description = "核验结果", body = CredentialVerification),
        (status = 400, description = "请求格式有误", content_type = "application/problem+json", body = ProblemDoc),
        (status = 413, description = "请求内容过大", content_type = "application/problem+json", body = ProblemDoc),
        (status = 415, description = "请求内容须为 JSON", content_type = "application/problem+json", body = ProblemDoc),
        (status = 429, description = "请求过于频繁", content_type = "application/problem+json", body = ProblemDoc)),
    security(()))]
async fn verify(
    State(s): State<AppState>,
    crate::kit::extract::ClientIp(ip): crate::kit::extract::ClientIp,
    body: Body<serde_json::Value>,
) -> ApiResult<Json<CredentialVerification>> {
    let doc = body.take()?;
    app::certificates::throttle_verify(&s.app, &ip).await?;
    let v = app::credentials::verify(&s.app, doc.to_string().as_bytes()).await?;
    Ok(Json(v.into()))
}

/// The file itself, as the request body.
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
#[allow(dead_code)]
pub struct FileBody(Vec<u8>);

/// 文件核验
///
/// Verifies a file as uploaded at /verify, sent as the request body: a PDF certificate
/// (its Ed25519 signature and whether its outcomes still hold), a PNG or JPEG photo of a
/// certificate's QR code (the address it holds must be this bank's), or a credential
/// (JSON). Any bytes get an answer naming the failing check. Public; limited per client
/// address.
#[utoipa::path(post, path = "/api/v1/verify", tag = "公开",
    request_body(description = "证书PDF、二维码图片（PNG/JPEG）或凭证（JSON），至多12MB",
        content((FileBody = "application/pdf"), (FileBody = "image/png"), (FileBody = "image/jpeg"), (FileBody = "application/octet-stream"))),
    responses((status = 200, description = "核验结果", body = CredentialVerification),
        (status = 400, description = "请求格式有误", content_type = "application/problem+json", body = ProblemDoc),
        (status = 413, description = "请求内容过大", content_type = "application/problem+json", body = ProblemDoc),
        (status = 422, description = "没有附上文件", content_type = "application/problem+json", body = ProblemDoc),
        (status = 429, description = "请求过于频繁", content_type = "application/problem+json", body = ProblemDoc)),
    security(()))]
async fn verify_file(
    State(s): State<AppState>,
    crate::kit::extract::ClientIp(ip): crate::kit::extract::ClientIp,
    req: axum::extract::Request,
) -> ApiResult<Json<CredentialVerification>> {
    let raw = axum::body::to_bytes(req.into_body(), DOCUMENT_LIMIT)
        .await
        .map_err(|_| {
            Problem::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                format!("文件不能超过{}MB", DOCUMENT_LIMIT / 1024 / 1024),
            )
        })?;
    if raw.is_empty() {
        return Err(app::AppError::field("file", "请在请求内容中附上要核验的文件").into());
    }
    app::certificates::throttle_verify(&s.app, &ip).await?;
    Ok(Json(app::credentials::verify_file(&s.app, &raw).await?.into()))
}

impl From<app::credentials::Verification> for CredentialVerification {
    fn from(v: app::credentials::Verification) -> Self {
        Self {
            valid: v.valid,
            checks: v
                .checks
                .into_iter()
                .map(|c| CredentialCheck {
                    item: c.item.to_string(),
                    passed: c.passed,
                    detail: c.detail,
                })
                .collect(),
            name: v.name,
            holder: v.holder,
            issuer: v.issuer,
        }
    }
}
