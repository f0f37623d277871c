//! The institution's lists as .xlsx for its systems (I-03, I-04, I-05, I-09): the same
//! exports as the pages' 导出 buttons, with the lists' filters. A key stands in for the
//! SMS code a person types (app::export::Gate); a signed-in session gives the code.

use app::api_keys::Scope;
use axum::extract::State;
use axum::response::Response;
use domain::role::Area;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::auth::Caller;
use super::extract::Params;
use super::holdings::HoldingQuery;
use super::learners::LearnerQuery;
use super::outcomes::OutcomeFilter;
use super::problem::{ApiResult, Problem, ProblemDoc};
use crate::AppState;
use crate::kit::views::xlsx_download;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(outcomes))
        .routes(routes!(learners))
        .routes(routes!(learner_outcomes))
        .routes(routes!(conversion_records))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// The SMS code sent to the account's mobile: signed-in sessions only (a key needs
    /// none).
    pub sms_code: Option<String>,
}

impl Caller {
    fn gate<'a>(&'a self, q: &'a ExportQuery) -> app::export::Gate<'a> {
        match &self.key {
            Some(k) => app::export::Gate::Key(k),
            None => app::export::Gate::SmsCode(q.sms_code.as_deref().unwrap_or_default()),
        }
    }
}

/// 导出机构成果
///
/// The institution's catalog outcomes matching the list's filters, as .xlsx.
#[utoipa::path(get, path = "/api/v1/institution/outcomes.xlsx", tag = "导出",
    params(OutcomeFilter, ExportQuery),
    responses((status = 200, description = "成功", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>),
        (status = 400, description = "请求格式有误", content_type = "application/problem+json", body = ProblemDoc), (status = 401, description = "未认证：缺少或无效的接口密钥，或登录已失效", content_type = "application/problem+json", body = ProblemDoc),
        (status = 403, description = "无权访问：角色、菜单权限或密钥权限不足", content_type = "application/problem+json", body = ProblemDoc), (status = 422, description = "短信验证码有误（登录会话）", content_type = "application/problem+json", body = ProblemDoc)),
    security(("api_key" = []), ("session" = [])))]
async fn outcomes(
    State(s): State<AppState>,
    c: Caller,
    Params(f): Params<OutcomeFilter>,
    Params(q): Params<ExportQuery>,
) -> ApiResult<Response> {
    c.need(Scope::Read)?;
    c.institution(Area::Outcomes)?;
    let bytes = app::export::catalog(&s.app, &c.principal, f.into_filter(None)?, &[], &c.gate(&q), &c.ip).await?;
    Ok(xlsx_download("机构成果.xlsx", bytes))
}

/// 导出学员账户
///
/// The institution's learner accounts matching the list's filters, as .xlsx (ID numbers
/// and mobiles masked).
#[utoipa::path(get, path = "/api/v1/institution/learners.xlsx", tag = "导出",
    params(LearnerQuery, ExportQuery),
    responses((status = 200, description = "成功", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>),
        (status = 400, description = "请求格式有误", content_type = "application/problem+json", body = ProblemDoc), (status = 401, description = "未认证：缺少或无效的接口密钥，或登录已失效", content_type = "application/problem+json", body = ProblemDoc),
        (status = 403, description = "无权访问：角色、菜单权限或密钥权限不足", content_type = "application/problem+json", body = ProblemDoc), (status = 422, description = "短信验证码有误（登录会话）", content_type = "application/problem+json", body = ProblemDoc)),
    security(("api_key" = []), ("session" = [])))]
async fn learners(
    State(s): State<AppState>,
    c: Caller,
    Params(f): Params<LearnerQuery>,
    Params(q): Params<ExportQuery>,
) -> ApiResult<Response> {
    c.need(Scope::Read)?;
    c.institution(Area::Outcomes)?;
    let bytes = app::export::learners(&s.app, &c.principal, f.into_filter(None), &[], &c.gate(&q), &c.ip).await?;
    Ok(xlsx_download("学员账户.xlsx", bytes))
}

/// 导出学员成果
///
/// The learner outcomes the institution stored, matching the list's filters, as .xlsx
/// (ID numbers and mobiles masked).
#[utoipa::path(get, path = "/api/v1/institution/learner-outcomes.xlsx", tag = "导出",
    params(HoldingQuery, ExportQuery),
    responses((status = 200, description = "成功", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>),
        (status = 400, description = "请求格式有误", content_type = "application/problem+json", body = ProblemDoc), (status = 401, description = "未认证：缺少或无效的接口密钥，或登录已失效", content_type = "application/problem+json", body = ProblemDoc),
        (status = 403, description = "无权访问：角色、菜单权限或密钥权限不足", content_type = "application/problem+json", body = ProblemDoc), (status = 422, description = "短信验证码有误（登录会话）", content_type = "application/problem+json", body = ProblemDoc)),
    security(("api_key" = []), ("session" = [])))]
async fn learner_outcomes(
    State(s): State<AppState>,
    c: Caller,
    Params(f): Params<HoldingQuery>,
    Params(q): Params<ExportQuery>,
) -> ApiResult<Response> {
    c.need(Scope::Read)?;
    c.institution(Area::Outcomes)?;
    let bytes =
        app::export::learner_outcomes(&s.app, &c.principal, f.into_filter(None), &[], &c.gate(&q), &c.ip).await?;
    Ok(xlsx_download("学员成果.xlsx", bytes))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RecordsQuery {
    /// `received` (applications to the institution's rules, the default), `sent`
    /// (机构发起) or `review` (waiting for its review).
    pub tab: Option<String>,
}

/// 导出转换记录
///
/// The institution's conversion applications of one tab with their review history, as
/// .xlsx (ID numbers masked).
#[utoipa::path(get, path = "/api/v1/institution/applications.xlsx", tag = "导出",
    params(RecordsQuery, ExportQuery),
    responses((status = 200, description = "成功", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>),
        (status = 400, description = "请求格式有误", content_type = "application/problem+json", body = ProblemDoc), (status = 401, description = "未认证：缺少或无效的接口密钥，或登录已失效", content_type = "application/problem+json", body = ProblemDoc),
        (status = 403, description = "无权访问：角色、菜单权限或密钥权限不足", content_type = "application/problem+json", body = ProblemDoc), (status = 422, description = "短信验证码有误（登录会话）", content_type = "application/problem+json", body = ProblemDoc)),
    security(("api_key" = []), ("session" = [])))]
async fn conversion_records(
    State(s): State<AppState>,
    c: Caller,
    Params(r): Params<RecordsQuery>,
    Params(q): Params<ExportQuery>,
) -> ApiResult<Response> {
    c.need(Scope::Read)?;
    c.institution(Area::Conversion)?;
    let tab = app::export::RecordsTab::parse(r.tab.as_deref().unwrap_or_default()).ok_or_else(|| {
        Problem::new(
            axum::http::StatusCode::BAD_REQUEST,
            "invalid_query",
            "查询参数有误：tab 只能是 received、sent 或 review",
        )
    })?;
    let bytes = app::export::conversion_records(&s.app, &c.principal, tab, &c.gate(&q), &c.ip).await?;
    Ok(xlsx_download("转换记录.xlsx", bytes))
}
