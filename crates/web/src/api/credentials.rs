//! Verification of a credential (JSON) by machines: the same checks as the /verify page.

use axum::Json;
use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::Body;
use super::problem::{ApiResult, ProblemDoc};
use crate::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(verify))
}

/// One check made on a credential.
#[derive(Debug, Serialize, ToSchema)]
pub struct CredentialCheck {
    /// 格式, 签发者, 签名, 有效期 or 状态.
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
    Ok(Json(CredentialVerification {
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
    }))
}
