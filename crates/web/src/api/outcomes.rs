//! 机构成果: the institution's catalog outcomes.

use domain::ids::{CatalogOutcomeId, OutcomeTypeId, SubtypeId};
use domain::lifecycle::CatalogRecognition;
use std::collections::BTreeMap;

use app::api_keys::Scope;
use app::queries::{CatalogFilter, CatalogOutcome};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use domain::credits::Credits;
use domain::role::Area;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::auth::Caller;
use super::extract::{Body, Id, PageQuery, Params, next_cursor};
use super::problem::{ApiResult, Problem, ProblemDoc};
use super::{Deleted, beijing};
use crate::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(get_one, delete))
}

/// A catalog outcome of the institution.
#[derive(Debug, Serialize, ToSchema)]
pub struct Outcome {
    pub id: i64,
    pub name: String,
    pub institution_id: i64,
    pub institution: String,
    pub subtype_id: i64,
    pub subtype: String,
    #[serde(rename = "type")]
    pub type_: String,
    /// `academic`, `non_academic` or `informal`.
    pub category: String,
    /// The subtype's own fields, by key.
    pub fields: BTreeMap<String, String>,
    /// `unrecognised`, `recognising` or `recognised`.
    pub recognition: String,
    /// Bank credits once recognised, as a decimal string such as "2.5".
    pub credits: Option<String>,
    /// Learners who store it.
    pub holders: i64,
    /// Published conversion rules that use it as a source.
    pub rules: i64,
    pub created_at: String,
}

impl From<CatalogOutcome> for Outcome {
    fn from(o: CatalogOutcome) -> Self {
        Self {
            fields: serde_json::from_str(&o.fields).unwrap_or_default(),
            credits: o.credits.map(|c| Credits(c).to_string()),
            created_at: beijing(o.created_at),
            id: o.id.get(),
            name: o.name,
            institution_id: o.institution_id.get(),
            institution: o.institution_name,
            subtype_id: o.subtype_id.get(),
            subtype: o.subtype_name,
            type_: o.type_name,
            category: o.category,
            recognition: o.recognition.code().into(),
            holders: o.holders,
            rules: o.rules,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OutcomePage {
    pub items: Vec<Outcome>,
    /// Rows matching the filters, counted up to 2 000 (2 001 means more).
    pub total: i64,
    /// Pass as `cursor` for the next page; absent on the last.
    pub next_cursor: Option<String>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OutcomeFilter {
    /// The name contains this.
    pub name: Option<String>,
    pub type_id: Option<i64>,
    pub subtype_id: Option<i64>,
    /// `unrecognised`, `recognising` or `recognised`.
    pub recognition: Option<String>,
}

impl OutcomeFilter {
    /// The list's filter; an unknown recognition state is refused.
    pub(super) fn into_filter(self, before_id: Option<CatalogOutcomeId>) -> Result<CatalogFilter, Problem> {
        let recognition = match self.recognition.as_deref().filter(|r| !r.is_empty()) {
            None => None,
            Some(r) => Some(CatalogRecognition::parse(r).map_err(|_| {
                Problem::new(
                    StatusCode::BAD_REQUEST,
                    "invalid_query",
                    "查询参数有误：recognition 只能是 unrecognised、recognising 或 recognised",
                )
            })?),
        };
        Ok(CatalogFilter {
            name: self.name.filter(|n| !n.trim().is_empty()),
            type_id: self.type_id.map(OutcomeTypeId::new),
            subtype_id: self.subtype_id.map(SubtypeId::new),
            recognition,
            before_id,
            ..Default::default()
        })
    }
}

/// 机构成果列表
///
/// The institution's catalog outcomes, newest first, with the filters of the page.
#[utoipa::path(get, path = "/api/v1/institution/outcomes", tag = "机构成果",
    params(OutcomeFilter, PageQuery),
    responses((status = 200, description = "成功", body = OutcomePage), (status = 401, description = "未认证：缺少或无效的接口密钥，或登录已失效", content_type = "application/problem+json", body = ProblemDoc), (status = 403, description = "无权访问：角色、菜单权限或密钥权限不足", content_type = "application/problem+json", body = ProblemDoc)),
    security(("api_key" = []), ("session" = [])))]
async fn list(
    State(s): State<AppState>,
    c: Caller,
    Params(f): Params<OutcomeFilter>,
    Params(p): Params<PageQuery>,
) -> ApiResult<Json<OutcomePage>> {
    c.need(Scope::Read)?;
    let (_, inst) = c.institution(Area::Outcomes)?;
    let filter = f.into_filter(p.before()?)?;
    let limit = p.limit();
    let page = app::queries::catalog::of_institution(&s.app, inst.id, filter, 1, limit).await?;
    let next = next_cursor(page.rows.iter().map(|o| o.id), page.rows.len(), limit);
    Ok(Json(OutcomePage {
        total: page.total,
        items: page.rows.into_iter().map(Outcome::from).collect(),
        next_cursor: next,
    }))
}

/// A new catalog outcome.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOutcome {
    /// The subtype (成果子类型) id, from the taxonomy.
    pub subtype_id: i64,
    /// 成果名称, at most 100 characters.
    pub name: String,
    /// The subtype's fields by key (required ones marked in the taxonomy).
    #[serde(default)]
    pub fields: BTreeMap<String, String>,
}

/// 存储新成果
///
/// Adds an outcome to the institution's catalog; the fields are checked against the
/// subtype exactly as the form checks them.
#[utoipa::path(post, path = "/api/v1/institution/outcomes", tag = "机构成果",
    request_body = NewOutcome,
    params(("Idempotency-Key" = Option<String>, Header, description = "重试时携带同一值，不会重复创建")),
    responses((status = 201, description = "已创建", body = Outcome), (status = 401, description = "未认证：缺少或无效的接口密钥，或登录已失效", content_type = "application/problem+json", body = ProblemDoc), (status = 403, description = "无权访问：角色、菜单权限或密钥权限不足", content_type = "application/problem+json", body = ProblemDoc),
        (status = 404, description = "不存在，或无权查看", content_type = "application/problem+json", body = ProblemDoc), (status = 422, description = "内容未通过校验", content_type = "application/problem+json", body = ProblemDoc)),
    security(("api_key" = []), ("session" = [])))]
async fn create(State(s): State<AppState>, c: Caller, n: Body<NewOutcome>) -> ApiResult<(StatusCode, Json<Outcome>)> {
    c.need(Scope::Write)?;
    let (_, inst) = c.institution(Area::Outcomes)?;
    let n = n.take()?;
    let id = app::catalog::create(
        &s.app,
        inst.id,
        SubtypeId::new(n.subtype_id),
        &n.name,
        &n.fields,
        &c.actor(),
    )
    .await
    .map_err(fields_by_key)?;
    let o = app::queries::catalog::own(&s.app, inst.id, id).await?;
    Ok((StatusCode::CREATED, Json(o.into())))
}

/// The form names taxonomy fields `f_<key>`; the API names them `fields.<key>`.
fn fields_by_key(e: app::AppError) -> super::problem::Problem {
    let mut p = super::problem::Problem::from(e);
    for f in &mut p.errors {
        if let Some(key) = f.field.strip_prefix("f_") {
            f.field = format!("fields.{key}");
        }
    }
    p
}

/// 查看机构成果
#[utoipa::path(get, path = "/api/v1/institution/outcomes/{id}", tag = "机构成果",
    params(("id" = i64, Path, description = "成果ID")),
    responses((status = 200, description = "成功", body = Outcome), (status = 401, description = "未认证：缺少或无效的接口密钥，或登录已失效", content_type = "application/problem+json", body = ProblemDoc), (status = 404, description = "不存在，或无权查看", content_type = "application/problem+json", body = ProblemDoc)),
    security(("api_key" = []), ("session" = [])))]
async fn get_one(State(s): State<AppState>, c: Caller, Id(id): Id<CatalogOutcomeId>) -> ApiResult<Json<Outcome>> {
    c.need(Scope::Read)?;
    let (_, inst) = c.institution(Area::Outcomes)?;
    Ok(Json(app::queries::catalog::own(&s.app, inst.id, id).await?.into()))
}

/// 删除机构成果
///
/// Deletes an outcome while it is 未认定; learners who store it keep theirs.
#[utoipa::path(delete, path = "/api/v1/institution/outcomes/{id}", tag = "机构成果",
    params(("id" = i64, Path, description = "成果ID")),
    responses((status = 200, description = "成功", body = Deleted), (status = 401, description = "未认证：缺少或无效的接口密钥，或登录已失效", content_type = "application/problem+json", body = ProblemDoc), (status = 404, description = "不存在，或无权查看", content_type = "application/problem+json", body = ProblemDoc),
        (status = 409, description = "与当前状态冲突", content_type = "application/problem+json", body = ProblemDoc)),
    security(("api_key" = []), ("session" = [])))]
async fn delete(State(s): State<AppState>, c: Caller, Id(id): Id<CatalogOutcomeId>) -> ApiResult<Json<Deleted>> {
    c.need(Scope::Write)?;
    let (_, inst) = c.institution(Area::Outcomes)?;
    app::catalog::delete(&s.app, inst.id, &[id], &c.actor()).await?;
    Ok(Json(Deleted {
        id: id.get(),
        deleted: true,
    }))
}
