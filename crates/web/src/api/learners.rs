//! 学员账户: learner accounts the institution pre-imports (未激活 until the learner
//! completes them), and the learners holding its outcomes.

use app::api_keys::Scope;
use app::learners::LearnerAccountForm;
use app::queries::{Learner, LearnerFilter};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use domain::ids::{InstitutionId, LearnerId};
use domain::mask;
use domain::role::Area;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::auth::Caller;
use super::extract::{Body, Id, PageQuery, Params, next_cursor};
use super::problem::{ApiResult, ProblemDoc};
use super::{Deleted, beijing};
use crate::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(get_one, edit, delete))
}

/// A learner account as an institution sees it: ID number and mobile masked.
#[derive(Debug, Serialize, ToSchema)]
pub struct LearnerAccount {
    pub id: i64,
    pub name: String,
    /// Masked, e.g. `4401**********1235`.
    pub id_number: String,
    pub mobile: Option<String>,
    /// `active` (已激活) or `inactive` (未激活, pre-imported).
    pub status: String,
    /// 学银卡号
    pub card_no: String,
    /// Whether this institution created the account (and may edit it while 未激活).
    pub created_here: bool,
    pub created_at: String,
}

fn account(l: Learner, institution_id: InstitutionId) -> LearnerAccount {
    LearnerAccount {
        id_number: mask::id_number(&l.id_number),
        mobile: l.mobile.as_deref().map(mask::mobile),
        created_here: l.created_by_institution == Some(institution_id),
        created_at: beijing(l.created_at),
        id: l.id.get(),
        name: l.name,
        status: l.status.code().to_string(),
        card_no: l.card_no,
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LearnerPage {
    pub items: Vec<LearnerAccount>,
    /// Matching rows, counted up to 2 000 (2 001 means more).
    pub total: i64,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LearnerQuery {
    /// The name contains this.
    pub name: Option<String>,
    /// Exactly this ID number.
    pub id_number: Option<String>,
    /// Created in this year (入库年份).
    pub year: Option<i32>,
}

impl LearnerQuery {
    pub(super) fn into_filter(self, before_id: Option<LearnerId>) -> LearnerFilter {
        LearnerFilter {
            name: self.name.unwrap_or_default(),
            id_number: self.id_number.unwrap_or_default(),
            year: self.year,
            before_id,
        }
    }
}

/// 学员账户列表
///
/// Learners the institution created and learners holding its outcomes, newest first.
#[utoipa::path(get, path = "/api/v1/institution/learners", tag = "学员账户",
    params(LearnerQuery, PageQuery),
    responses((status = 200, description = "成功", body = LearnerPage), (status = 401, description = "未认证：缺少或无效的接口密钥，或登录已失效", content_type = "application/problem+json", body = ProblemDoc), (status = 403, description = "无权访问：角色、菜单权限或密钥权限不足", content_type = "application/problem+json", body = ProblemDoc)),
    security(("api_key" = []), ("session" = [])))]
async fn list(
    State(s): State<AppState>,
    c: Caller,
    Params(q): Params<LearnerQuery>,
    Params(p): Params<PageQuery>,
) -> ApiResult<Json<LearnerPage>> {
    c.need(Scope::Read)?;
    let (_, inst) = c.institution(Area::Outcomes)?;
    let f = q.into_filter(p.before()?);
    let limit = p.limit();
    let page = app::queries::institutions::learners(&s.app, inst.id, &f, 1, limit).await?;
    let next = next_cursor(page.rows.iter().map(|l| l.id), page.rows.len(), limit);
    Ok(Json(LearnerPage {
        total: page.total,
        items: page.rows.into_iter().map(|l| account(l, inst.id)).collect(),
        next_cursor: next,
    }))
}

/// A learner account to add or correct.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AccountBody {
    /// 姓名
    pub name: String,
    /// 居民身份证号码
    pub id_number: String,
}

impl AccountBody {
    fn form(self) -> LearnerAccountForm {
        LearnerAccountForm {
            name: self.name,
            id_number: self.id_number,
        }
    }
}

/// 添加学员账户
///
/// Adds a pre-imported account (未激活); its initial password is the last six
/// characters of the ID number.
#[utoipa::path(post, path = "/api/v1/institution/learners", tag = "学员账户",
    request_body = AccountBody,
    params(("Idempotency-Key" = Option<String>, Header, description = "重试时携带同一值，不会重复创建")),
    responses((status = 201, description = "已创建", body = LearnerAccount), (status = 401, description = "未认证：缺少或无效的接口密钥，或登录已失效", content_type = "application/problem+json", body = ProblemDoc), (status = 403, description = "无权访问：角色、菜单权限或密钥权限不足", content_type = "application/problem+json", body = ProblemDoc),
        (status = 409, description = "与当前状态冲突", content_type = "application/problem+json", body = ProblemDoc), (status = 422, description = "内容未通过校验", content_type = "application/problem+json", body = ProblemDoc)),
    security(("api_key" = []), ("session" = [])))]
async fn create(
    State(s): State<AppState>,
    c: Caller,
    b: Body<AccountBody>,
) -> ApiResult<(StatusCode, Json<LearnerAccount>)> {
    c.need(Scope::Write)?;
    let (_, inst) = c.institution(Area::Outcomes)?;
    let b = b.take()?;
    let id = app::learners::institution_add(&s.app, inst.id, &b.form(), &c.actor()).await?;
    let (l, _) = app::queries::institutions::learner(&s.app, inst.id, id).await?;
    Ok((StatusCode::CREATED, Json(account(l, inst.id))))
}

/// 查看学员账户
#[utoipa::path(get, path = "/api/v1/institution/learners/{id}", tag = "学员账户",
    params(("id" = i64, Path, description = "学员ID")),
    responses((status = 200, description = "成功", body = LearnerAccount), (status = 401, description = "未认证：缺少或无效的接口密钥，或登录已失效", content_type = "application/problem+json", body = ProblemDoc), (status = 404, description = "不存在，或无权查看", content_type = "application/problem+json", body = ProblemDoc)),
    security(("api_key" = []), ("session" = [])))]
async fn get_one(State(s): State<AppState>, c: Caller, Id(id): Id<LearnerId>) -> ApiResult<Json<LearnerAccount>> {
    c.need(Scope::Read)?;
    let (_, inst) = c.institution(Area::Outcomes)?;
    let (l, _) = app::queries::institutions::learner(&s.app, inst.id, id).await?;
    Ok(Json(account(l, inst.id)))
}

/// 修改学员账户
///
/// Corrects the name and ID number while the account is 未激活.
#[utoipa::path(put, path = "/api/v1/institution/learners/{id}", tag = "学员账户",
    request_body = AccountBody,
    params(("id" = i64, Path, description = "学员ID")),
    responses((status = 200, description = "成功", body = LearnerAccount), (status = 401, description = "未认证：缺少或无效的接口密钥，或登录已失效", content_type = "application/problem+json", body = ProblemDoc), (status = 404, description = "不存在，或无权查看", content_type = "application/problem+json", body = ProblemDoc),
        (status = 409, description = "与当前状态冲突", content_type = "application/problem+json", body = ProblemDoc), (status = 422, description = "内容未通过校验", content_type = "application/problem+json", body = ProblemDoc)),
    security(("api_key" = []), ("session" = [])))]
async fn edit(
    State(s): State<AppState>,
    c: Caller,
    Id(id): Id<LearnerId>,
    b: Body<AccountBody>,
) -> ApiResult<Json<LearnerAccount>> {
    c.need(Scope::Write)?;
    let (_, inst) = c.institution(Area::Outcomes)?;
    app::queries::institutions::learner(&s.app, inst.id, id).await?;
    let b = b.take()?;
    app::learners::institution_edit(&s.app, inst.id, id, &b.form(), &c.actor()).await?;
    let (l, _) = app::queries::institutions::learner(&s.app, inst.id, id).await?;
    Ok(Json(account(l, inst.id)))
}

/// 删除学员账户
///
/// Deletes an account this institution created, while 未激活 and without outcomes.
#[utoipa::path(delete, path = "/api/v1/institution/learners/{id}", tag = "学员账户",
    params(("id" = i64, Path, description = "学员ID")),
    responses((status = 200, description = "成功", body = Deleted), (status = 401, description = "未认证：缺少或无效的接口密钥，或登录已失效", content_type = "application/problem+json", body = ProblemDoc), (status = 404, description = "不存在，或无权查看", content_type = "application/problem+json", body = ProblemDoc),
        (status = 409, description = "与当前状态冲突", content_type = "application/problem+json", body = ProblemDoc)),
    security(("api_key" = []), ("session" = [])))]
async fn delete(State(s): State<AppState>, c: Caller, Id(id): Id<LearnerId>) -> ApiResult<Json<Deleted>> {
    c.need(Scope::Write)?;
    let (_, inst) = c.institution(Area::Outcomes)?;
    app::learners::institution_delete(&s.app, inst.id, id, &c.actor()).await?;
    Ok(Json(Deleted {
        id: id.get(),
        deleted: true,
    }))
}
