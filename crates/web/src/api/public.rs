//! Who is calling, the department's institutions, and certificate verification (public).

use app::api_keys::Scope;
use app::auth::Principal;
use axum::Json;
use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::auth::Caller;
use super::extract::Params;
use super::problem::{ApiResult, Problem, ProblemDoc};
use crate::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(me))
        .routes(routes!(institutions))
        .routes(routes!(verify))
        .routes(routes!(messages))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MessageDto {
    pub id: i64,
    pub title: String,
    pub body: String,
    /// The page the message is about.
    pub link: Option<String>,
    pub read: bool,
    pub created_at: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MessageList {
    pub items: Vec<MessageDto>,
    /// All messages of the caller's box.
    pub total: i64,
    pub unread: i64,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// 我的消息
///
/// The caller's messages, newest first (an institution's sub-user: those of its areas).
#[utoipa::path(get, path = "/api/v1/messages", tag = "消息",
    params(super::extract::PageQuery),
    responses((status = 200, description = "成功", body = MessageList), (status = 401, description = "未认证：缺少或无效的接口密钥，或登录已失效", content_type = "application/problem+json", body = ProblemDoc)),
    security(("api_key" = []), ("session" = [])))]
async fn messages(
    State(s): State<AppState>,
    c: Caller,
    super::extract::Params(p): super::extract::Params<super::extract::PageQuery>,
) -> ApiResult<Json<MessageList>> {
    c.need(Scope::Read)?;
    let limit = p.limit();
    let rows = app::queries::messages::list(&s.app, &c.principal, false, p.before()?, limit).await?;
    let (total, unread) = app::queries::messages::counts(&s.app, &c.principal).await?;
    Ok(Json(MessageList {
        next_cursor: super::extract::next_cursor(rows.iter().map(|m| m.id), rows.len(), limit),
        total,
        unread,
        items: rows
            .into_iter()
            .map(|m| MessageDto {
                read: m.read_at.is_some(),
                created_at: super::beijing(m.created_at),
                id: m.id.get(),
                title: m.title,
                body: m.body,
                link: m.link,
            })
            .collect(),
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    /// `learner`, `institution`, `department` or `expert`.
    pub role: String,
    pub name: String,
    /// The institution, for institution accounts and keys.
    pub institution_id: Option<i64>,
    /// The key's scopes (`read`, `write`, `import`); absent for a browser session.
    pub scopes: Option<Vec<String>>,
}

/// 当前调用者
#[utoipa::path(get, path = "/api/v1/me", tag = "账户",
    responses((status = 200, description = "成功", body = Me), (status = 401, description = "未认证：缺少或无效的接口密钥，或登录已失效", content_type = "application/problem+json", body = ProblemDoc)),
    security(("api_key" = []), ("session" = [])))]
async fn me(c: Caller) -> ApiResult<Json<Me>> {
    Ok(Json(Me {
        role: c.principal.role().code().to_string(),
        name: c.principal.name().to_string(),
        institution_id: match &c.principal {
            Principal::Institution { institution, .. } => Some(institution.id.get()),
            _ => None,
        },
        scopes: c
            .key
            .as_ref()
            .map(|k| k.scopes.iter().map(|s| s.code().to_string()).collect()),
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InstitutionRow {
    pub id: i64,
    pub code: String,
    pub name: String,
    /// `school` or `org`.
    pub kind: String,
    pub status: String,
    pub status_label: String,
    pub department_id: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InstitutionList {
    pub items: Vec<InstitutionRow>,
}

/// 本部门及下级部门的机构
#[utoipa::path(get, path = "/api/v1/department/institutions", tag = "部门",
    responses((status = 200, description = "成功", body = InstitutionList), (status = 401, description = "未认证：缺少或无效的接口密钥，或登录已失效", content_type = "application/problem+json", body = ProblemDoc), (status = 403, description = "无权访问：角色、菜单权限或密钥权限不足", content_type = "application/problem+json", body = ProblemDoc)),
    security(("session" = [])))]
async fn institutions(State(s): State<AppState>, c: Caller) -> ApiResult<Json<InstitutionList>> {
    c.need(Scope::Read)?;
    let Principal::Department { scope, .. } = &c.principal else {
        return Err(app::AppError::Forbidden("该接口只供综合管理部门使用".into()).into());
    };
    let rows = app::queries::institutions::in_scope(&s.app, scope, None).await?;
    Ok(Json(InstitutionList {
        items: rows
            .into_iter()
            .map(|i| InstitutionRow {
                status_label: i.status.label().to_string(),
                id: i.id.get(),
                code: i.code,
                name: i.name,
                kind: i.kind,
                status: i.status.code().to_string(),
                department_id: i.department_id.get(),
            })
            .collect(),
    }))
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct VerifyQuery {
    /// 证书编号
    pub number: String,
}

/// What a certificate says and whether it still holds.
#[derive(Debug, Serialize, ToSchema)]
pub struct Verification {
    pub number: String,
    /// `holdings` (成果证明) or `conversion` (转换证明).
    pub kind: String,
    pub issuer: String,
    pub issued_on: String,
    pub learner: String,
    /// Masked ID number.
    pub id_number: String,
    pub lines: Vec<String>,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
    pub valid: bool,
    /// Why it no longer holds.
    pub revoked: Option<String>,
}

/// 证书核验
///
/// Looks a certificate up by number. Public; limited per client address.
#[utoipa::path(get, path = "/api/v1/certificates/verify", tag = "公开",
    params(VerifyQuery),
    responses((status = 200, description = "成功", body = Verification), (status = 400, description = "请求格式有误", content_type = "application/problem+json", body = ProblemDoc), (status = 404, description = "不存在，或无权查看", content_type = "application/problem+json", body = ProblemDoc),
        (status = 429, description = "请求过于频繁", content_type = "application/problem+json", body = ProblemDoc)),
    security(()))]
async fn verify(
    State(s): State<AppState>,
    crate::kit::extract::ClientIp(ip): crate::kit::extract::ClientIp,
    Params(q): Params<VerifyQuery>,
) -> ApiResult<Json<Verification>> {
    if q.number.trim().is_empty() || q.number.chars().count() > 40 {
        return Err(Problem::from(app::AppError::field("number", "请输入证书编号")));
    }
    app::certificates::throttle_verify(&s.app, &ip).await?;
    let c = app::certificates::check(&s.app, &q.number).await?;
    let f = c.facts;
    Ok(Json(Verification {
        valid: c.revoked.is_none(),
        revoked: c.revoked,
        number: f.number,
        kind: f.kind,
        issuer: f.issuer,
        issued_on: f.issued_on,
        learner: f.learner,
        id_number: f.id_number,
        lines: f.lines,
        headers: f.headers,
        rows: f.rows,
    }))
}
