//! 学员成果: outcomes the institution stores for learners, their list, and withdrawal.

use app::api_keys::Scope;
use app::holdings::StoreForLearnerForm;
use app::queries::{Holding, HoldingFilter};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use domain::credits::Credits;
use domain::ids::{CatalogOutcomeId, HoldingId, OutcomeTypeId};
use domain::mask;
use domain::role::Area;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::auth::Caller;
use super::beijing;
use super::extract::{Body, Id, PageQuery, Params, next_cursor};
use super::problem::{ApiResult, ProblemDoc};
use crate::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(store_for_learner))
        .routes(routes!(get_one))
        .routes(routes!(withdraw))
}

/// A learner outcome issued by the institution; ID number and mobile masked.
#[derive(Debug, Serialize, ToSchema)]
pub struct LearnerOutcome {
    pub id: i64,
    pub learner_id: i64,
    pub learner_name: String,
    pub learner_id_number: String,
    /// The catalog outcome it is an instance of.
    pub outcome_id: Option<i64>,
    pub name: String,
    pub subtype: String,
    #[serde(rename = "type")]
    pub type_: String,
    /// 个人成果编号
    pub number: Option<String>,
    pub issued_on: Option<String>,
    pub score: Option<String>,
    /// `registered`, `submitted`, `stored` or `withdrawn`.
    pub status: String,
    /// Recognition of informal outcomes: `none`, `applied`, `initial_passed`, `recognised`, `rejected`.
    pub recognition: String,
    pub credits: Option<String>,
    pub withdraw_reason: Option<String>,
    pub created_at: String,
}

impl From<Holding> for LearnerOutcome {
    fn from(h: Holding) -> Self {
        Self {
            learner_id_number: mask::id_number(&h.learner_id_number),
            credits: h.credits.map(|c| Credits(c).to_string()),
            created_at: beijing(h.created_at),
            id: h.id.get(),
            learner_id: h.learner_id.get(),
            learner_name: h.learner_name,
            outcome_id: h.institution_outcome_id.map(|i| i.get()),
            name: h.name,
            subtype: h.subtype_name,
            type_: h.type_name,
            number: h.number,
            issued_on: h.issued_on,
            score: h.score,
            status: h.status.code().to_string(),
            recognition: h.recognition.code().to_string(),
            withdraw_reason: h.withdraw_reason,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LearnerOutcomePage {
    pub items: Vec<LearnerOutcome>,
    /// Matching rows, counted up to 2 000 (2 001 means more).
    pub total: i64,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HoldingQuery {
    /// Only holdings of this catalog outcome.
    pub outcome_id: Option<i64>,
    pub type_id: Option<i64>,
    /// The outcome's name contains this.
    pub name: Option<String>,
    /// The learner's name or ID number contains this.
    pub learner: Option<String>,
    /// Stored in this year (入库年份).
    pub year: Option<i32>,
}

impl HoldingQuery {
    pub(super) fn into_filter(self, before_id: Option<HoldingId>) -> HoldingFilter {
        HoldingFilter {
            institution_outcome_id: self.outcome_id.map(CatalogOutcomeId::new),
            type_id: self.type_id.map(OutcomeTypeId::new),
            name: self.name,
            learner: self.learner,
            year: self.year,
            before_id,
            ..Default::default()
        }
    }
}

/// 学员成果列表
#[utoipa::path(get, path = "/api/v1/institution/learner-outcomes", tag = "学员成果",
    params(HoldingQuery, PageQuery),
    responses((status = 200, description = "成功", body = LearnerOutcomePage), (status = 401, description = "未认证：缺少或无效的接口密钥，或登录已失效", content_type = "application/problem+json", body = ProblemDoc), (status = 403, description = "无权访问：角色、菜单权限或密钥权限不足", content_type = "application/problem+json", body = ProblemDoc)),
    security(("api_key" = []), ("session" = [])))]
async fn list(
    State(s): State<AppState>,
    c: Caller,
    Params(q): Params<HoldingQuery>,
    Params(p): Params<PageQuery>,
) -> ApiResult<Json<LearnerOutcomePage>> {
    c.need(Scope::Read)?;
    c.institution(Area::Outcomes)?;
    let f = q.into_filter(p.before()?);
    let limit = p.limit();
    let page = app::queries::holdings::list(&s.app, &c.principal, f, 1, limit).await?;
    let next = next_cursor(page.rows.iter().map(|h| h.id), page.rows.len(), limit);
    Ok(Json(LearnerOutcomePage {
        total: page.total,
        items: page.rows.into_iter().map(LearnerOutcome::from).collect(),
        next_cursor: next,
    }))
}

/// One of the institution's catalog outcomes, for one learner.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StoreBody {
    /// The catalog outcome (机构成果) id.
    pub outcome_id: i64,
    pub learner_name: String,
    /// 证件类型: `resident` (居民身份证, the default), `hkmo`, `tw`, `passport` or `foreign`.
    #[serde(default)]
    pub id_type: String,
    /// 证件号码; a learner without an account gets a pre-imported one (未激活).
    pub id_number: String,
    /// 个人成果编号
    #[serde(default)]
    pub number: String,
    /// 颁证日期, e.g. 2024-07-01.
    #[serde(default)]
    pub issued_on: String,
    /// 成绩
    #[serde(default)]
    pub score: String,
}

/// 为学员存储成果
///
/// Stores a catalog outcome of the institution for a learner, with the same checks as
/// the page; a recognised outcome credits the learner at once.
#[utoipa::path(post, path = "/api/v1/institution/learner-outcomes", tag = "学员成果",
    request_body = StoreBody,
    params(("Idempotency-Key" = Option<String>, Header, description = "重试时携带同一值，不会重复存储")),
    responses((status = 201, description = "已创建", body = LearnerOutcome), (status = 401, description = "未认证：缺少或无效的接口密钥，或登录已失效", content_type = "application/problem+json", body = ProblemDoc), (status = 403, description = "无权访问：角色、菜单权限或密钥权限不足", content_type = "application/problem+json", body = ProblemDoc),
        (status = 404, description = "不存在，或无权查看", content_type = "application/problem+json", body = ProblemDoc), (status = 422, description = "内容未通过校验", content_type = "application/problem+json", body = ProblemDoc)),
    security(("api_key" = []), ("session" = [])))]
async fn store_for_learner(
    State(s): State<AppState>,
    c: Caller,
    b: Body<StoreBody>,
) -> ApiResult<(StatusCode, Json<LearnerOutcome>)> {
    c.need(Scope::Write)?;
    let (_, inst) = c.institution(Area::Outcomes)?;
    let b = b.take()?;
    let form = StoreForLearnerForm {
        learner_name: b.learner_name,
        id_type: b.id_type,
        id_number: b.id_number,
        number: b.number,
        issued_on: b.issued_on,
        score: b.score,
    };
    let id = app::holdings::institution_store(&s.app, inst.id, CatalogOutcomeId::new(b.outcome_id), &form, &c.actor())
        .await?;
    let h = app::queries::holdings::get(&s.app, &c.principal, id).await?;
    Ok((StatusCode::CREATED, Json(h.into())))
}

/// 查看学员成果
#[utoipa::path(get, path = "/api/v1/institution/learner-outcomes/{id}", tag = "学员成果",
    params(("id" = i64, Path, description = "学员成果ID")),
    responses((status = 200, description = "成功", body = LearnerOutcome), (status = 401, description = "未认证：缺少或无效的接口密钥，或登录已失效", content_type = "application/problem+json", body = ProblemDoc), (status = 404, description = "不存在，或无权查看", content_type = "application/problem+json", body = ProblemDoc)),
    security(("api_key" = []), ("session" = [])))]
async fn get_one(State(s): State<AppState>, c: Caller, Id(id): Id<HoldingId>) -> ApiResult<Json<LearnerOutcome>> {
    c.need(Scope::Read)?;
    c.institution(Area::Outcomes)?;
    Ok(Json(
        app::queries::holdings::get(&s.app, &c.principal, id).await?.into(),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WithdrawBody {
    /// 撤回原因, required, at most 500 characters.
    pub reason: String,
}

/// 撤回学员成果
///
/// Withdraws a stored outcome with a reason; credits it brought are reversed and
/// certificates listing it stop holding.
#[utoipa::path(post, path = "/api/v1/institution/learner-outcomes/{id}/withdraw", tag = "学员成果",
    request_body = WithdrawBody,
    params(("id" = i64, Path, description = "学员成果ID"),
        ("Idempotency-Key" = Option<String>, Header, description = "重试时携带同一值")),
    responses((status = 200, description = "成功", body = LearnerOutcome), (status = 401, description = "未认证：缺少或无效的接口密钥，或登录已失效", content_type = "application/problem+json", body = ProblemDoc), (status = 404, description = "不存在，或无权查看", content_type = "application/problem+json", body = ProblemDoc),
        (status = 409, description = "与当前状态冲突", content_type = "application/problem+json", body = ProblemDoc), (status = 422, description = "内容未通过校验", content_type = "application/problem+json", body = ProblemDoc)),
    security(("api_key" = []), ("session" = [])))]
async fn withdraw(
    State(s): State<AppState>,
    c: Caller,
    Id(id): Id<HoldingId>,
    b: Body<WithdrawBody>,
) -> ApiResult<Json<LearnerOutcome>> {
    c.need(Scope::Write)?;
    let (_, inst) = c.institution(Area::Outcomes)?;
    app::queries::holdings::get(&s.app, &c.principal, id).await?;
    let b = b.take()?;
    app::holdings::withdraw(&s.app, inst.id, &[id], &b.reason, None, &c.actor()).await?;
    Ok(Json(
        app::queries::holdings::get(&s.app, &c.principal, id).await?.into(),
    ))
}
