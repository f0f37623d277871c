//! 转换规则 and 转换申请: the institution's rules (make, publish, withdraw) and the
//! applications to them (review with an opinion, records of received and initiated).

use app::api_keys::Scope;
use app::conversion::{Reviewer, RuleAction, RuleForm};
use app::queries::conversion::{ApplicationRow, RuleList};
use app::queries::{ApplicationFilter, Rule};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use domain::credits::Credits;
use domain::ids::{ApplicationId, CatalogOutcomeId, RuleId};
use domain::mask;
use domain::role::Area;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::auth::Caller;
use super::beijing;
use super::extract::{Body, DOCUMENT_LIMIT, Id, PageQuery, Params, next_cursor};
use super::problem::{ApiResult, ProblemDoc};
use crate::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(rules, create_rule))
        .routes(routes!(get_rule))
        .routes(routes!(publish))
        .routes(routes!(withdraw))
        .routes(routes!(applications))
        .routes(routes!(decide))
}

/// A conversion rule.
#[derive(Debug, Serialize, ToSchema)]
pub struct RuleDto {
    pub id: i64,
    /// `YYYYMMDD` + 4 digits.
    pub code: String,
    pub institution_id: i64,
    pub institution: String,
    pub name: String,
    pub kind: String,
    pub ratio: String,
    pub explanation: String,
    /// Minimum score of the sources, as a decimal string.
    pub min_score: Option<String>,
    pub max_age_years: Option<i64>,
    /// `draft` (未提交), `published`, `withdrawn` or `taken_down` (下架).
    pub status: String,
    pub taken_down_reason: Option<String>,
    pub published_at: Option<String>,
    pub created_at: String,
}

impl From<Rule> for RuleDto {
    fn from(r: Rule) -> Self {
        Self {
            min_score: r.min_score.map(|m| Credits(m).to_string()),
            published_at: r.published_at.map(beijing),
            created_at: beijing(r.created_at),
            id: r.id.get(),
            code: r.code,
            institution_id: r.institution_id.get(),
            institution: r.institution_name,
            name: r.name,
            kind: r.kind,
            ratio: r.ratio,
            explanation: r.explanation,
            max_age_years: r.max_age_years,
            status: r.status.code().to_string(),
            taken_down_reason: r.taken_down_reason,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RulePage {
    pub items: Vec<RuleDto>,
    /// Matching rows, counted up to 2 000 (2 001 means more).
    pub total: i64,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RuleQuery {
    /// `mine` (我发布的, default) or `related` (与我相关: rules using this institution's outcomes).
    pub tab: Option<String>,
}

/// 转换规则列表
#[utoipa::path(get, path = "/api/v1/institution/rules", tag = "转换规则",
    params(RuleQuery, PageQuery),
    responses((status = 200, description = "成功", body = RulePage), (status = 401, description = "未认证：缺少或无效的接口密钥，或登录已失效", content_type = "application/problem+json", body = ProblemDoc), (status = 403, description = "无权访问：角色、菜单权限或密钥权限不足", content_type = "application/problem+json", body = ProblemDoc)),
    security(("api_key" = []), ("session" = [])))]
async fn rules(
    State(s): State<AppState>,
    c: Caller,
    Params(q): Params<RuleQuery>,
    Params(p): Params<PageQuery>,
) -> ApiResult<Json<RulePage>> {
    c.need(Scope::Read)?;
    let (_, inst) = c.institution(Area::Rules)?;
    let list = if q.tab.as_deref() == Some("related") {
        RuleList::Related(inst.id)
    } else {
        RuleList::Mine(inst.id)
    };
    let limit = p.limit();
    let page = app::queries::conversion::rules_before(&s.app, list, p.before()?, limit).await?;
    let next = next_cursor(page.rows.iter().map(|r| r.id), page.rows.len(), limit);
    Ok(Json(RulePage {
        total: page.total,
        items: page.rows.into_iter().map(RuleDto::from).collect(),
        next_cursor: next,
    }))
}

/// An exempted module of a certificate target (免考模块).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Exemption {
    /// The target outcome it belongs to.
    pub target: i64,
    pub module: String,
    /// Credits of the module, as a decimal string.
    pub credits: String,
}

/// A new rule (saved as 未提交).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRule {
    pub name: String,
    /// One of 学历→学历, 学历→非学历, 非学历→学历, 非学历→非学历.
    pub kind: String,
    /// Catalog outcomes (of any institution) a learner must hold and have stored.
    pub sources: Vec<i64>,
    /// This institution's outcomes granted; a major needs at least one course.
    pub targets: Vec<i64>,
    #[serde(default)]
    pub exemptions: Vec<Exemption>,
    /// 转换比例, e.g. 1:1.
    pub ratio: String,
    pub explanation: String,
    /// Minimum score of the sources.
    #[serde(default)]
    pub min_score: String,
    /// The sources were earned at most this many years ago.
    #[serde(default)]
    pub max_age_years: String,
    /// The signed rule document (盖章的规则文件), a PDF.
    pub document: Document,
}

/// A PDF sent inside JSON.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Document {
    /// File name, e.g. 转换规则.pdf.
    pub name: String,
    /// The file, base64 (standard alphabet); at most 8 MB before encoding.
    pub content_base64: String,
}

/// 制定转换规则
///
/// Makes a rule (未提交); the institution must have published its conversion method.
#[utoipa::path(post, path = "/api/v1/institution/rules", tag = "转换规则",
    request_body = NewRule,
    params(("Idempotency-Key" = Option<String>, Header, description = "重试时携带同一值，不会重复创建")),
    responses((status = 201, description = "已创建", body = RuleDto), (status = 401, description = "未认证：缺少或无效的接口密钥，或登录已失效", content_type = "application/problem+json", body = ProblemDoc), (status = 403, description = "无权访问：角色、菜单权限或密钥权限不足", content_type = "application/problem+json", body = ProblemDoc),
        (status = 409, description = "与当前状态冲突", content_type = "application/problem+json", body = ProblemDoc), (status = 422, description = "内容未通过校验", content_type = "application/problem+json", body = ProblemDoc)),
    security(("api_key" = []), ("session" = [])))]
async fn create_rule(
    State(s): State<AppState>,
    c: Caller,
    b: Body<NewRule, DOCUMENT_LIMIT>,
) -> ApiResult<(StatusCode, Json<RuleDto>)> {
    use base64::Engine;
    c.need(Scope::Write)?;
    let (_, inst) = c.institution(Area::Rules)?;
    let b = b.take()?;
    let pdf = base64::engine::general_purpose::STANDARD
        .decode(b.document.content_base64.trim())
        .map_err(|_| app::AppError::field("document.content_base64", "规则文件须为 base64 编码的 PDF"))?;
    let file = app::files::check_and_put(&s.app, "document", &b.document.name, &pdf, app::files::Accept::Pdf).await?;
    let form = RuleForm {
        name: b.name,
        kind: b.kind,
        sources: b.sources.into_iter().map(CatalogOutcomeId::new).collect(),
        exemptions: b
            .exemptions
            .into_iter()
            .map(|e| (CatalogOutcomeId::new(e.target), e.module, e.credits))
            .collect(),
        targets: b.targets.into_iter().map(CatalogOutcomeId::new).collect(),
        ratio: b.ratio,
        explanation: b.explanation,
        min_score: b.min_score,
        max_age_years: b.max_age_years,
        document: Some(file),
    };
    let id = app::conversion::create_rule(&s.app, inst.id, &form, &c.actor()).await?;
    let r = app::queries::conversion::rule(&s.app, Some(&c.principal), id).await?;
    Ok((StatusCode::CREATED, Json(r.into())))
}

/// 查看转换规则
#[utoipa::path(get, path = "/api/v1/institution/rules/{id}", tag = "转换规则",
    params(("id" = i64, Path, description = "规则ID")),
    responses((status = 200, description = "成功", body = RuleDto), (status = 401, description = "未认证：缺少或无效的接口密钥，或登录已失效", content_type = "application/problem+json", body = ProblemDoc), (status = 404, description = "不存在，或无权查看", content_type = "application/problem+json", body = ProblemDoc)),
    security(("api_key" = []), ("session" = [])))]
async fn get_rule(State(s): State<AppState>, c: Caller, Id(id): Id<RuleId>) -> ApiResult<Json<RuleDto>> {
    c.need(Scope::Read)?;
    c.institution(Area::Rules)?;
    Ok(Json(
        app::queries::conversion::rule(&s.app, Some(&c.principal), id)
            .await?
            .into(),
    ))
}

async fn act(s: &AppState, c: &Caller, id: RuleId, action: RuleAction) -> ApiResult<Json<RuleDto>> {
    c.need(Scope::Write)?;
    let (_, inst) = c.institution(Area::Rules)?;
    app::conversion::act_on_rule(&s.app, inst.id, id, action, &c.actor()).await?;
    Ok(Json(
        app::queries::conversion::rule(&s.app, Some(&c.principal), id)
            .await?
            .into(),
    ))
}

/// 发布转换规则
///
/// 未提交 or 撤回 → 已发布; a published rule cannot be changed.
#[utoipa::path(post, path = "/api/v1/institution/rules/{id}/publish", tag = "转换规则",
    params(("id" = i64, Path, description = "规则ID"), ("Idempotency-Key" = Option<String>, Header, description = "重试时携带同一值")),
    responses((status = 200, description = "成功", body = RuleDto), (status = 401, description = "未认证：缺少或无效的接口密钥，或登录已失效", content_type = "application/problem+json", body = ProblemDoc), (status = 404, description = "不存在，或无权查看", content_type = "application/problem+json", body = ProblemDoc),
        (status = 409, description = "与当前状态冲突", content_type = "application/problem+json", body = ProblemDoc)),
    security(("api_key" = []), ("session" = [])))]
async fn publish(State(s): State<AppState>, c: Caller, Id(id): Id<RuleId>) -> ApiResult<Json<RuleDto>> {
    act(&s, &c, id, RuleAction::Publish).await
}

/// 撤回转换规则
///
/// 已发布 → 撤回.
#[utoipa::path(post, path = "/api/v1/institution/rules/{id}/withdraw", tag = "转换规则",
    params(("id" = i64, Path, description = "规则ID"), ("Idempotency-Key" = Option<String>, Header, description = "重试时携带同一值")),
    responses((status = 200, description = "成功", body = RuleDto), (status = 401, description = "未认证：缺少或无效的接口密钥，或登录已失效", content_type = "application/problem+json", body = ProblemDoc), (status = 404, description = "不存在，或无权查看", content_type = "application/problem+json", body = ProblemDoc),
        (status = 409, description = "与当前状态冲突", content_type = "application/problem+json", body = ProblemDoc)),
    security(("api_key" = []), ("session" = [])))]
async fn withdraw(State(s): State<AppState>, c: Caller, Id(id): Id<RuleId>) -> ApiResult<Json<RuleDto>> {
    act(&s, &c, id, RuleAction::Withdraw).await
}

/// A conversion application with its review history.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApplicationDto {
    pub id: i64,
    pub rule_id: i64,
    pub rule_code: String,
    pub rule_name: String,
    pub learner_name: String,
    /// Masked.
    pub learner_id_number: String,
    /// `learner` (个人申请) or `institution` (机构发起).
    pub initiator: String,
    /// `pending`, `initial_passed`, `passed` or `failed`.
    pub status: String,
    pub reviews: Vec<ReviewDto>,
    pub created_at: String,
    pub decided_at: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewDto {
    /// `initial`, `final` or `review`.
    pub stage: String,
    /// `pass` or `fail`.
    pub decision: String,
    pub opinion: Option<String>,
    pub reviewer: Option<String>,
    pub at: String,
}

impl From<ApplicationRow> for ApplicationDto {
    fn from(row: ApplicationRow) -> Self {
        let a = row.application;
        Self {
            learner_id_number: mask::id_number(&a.learner_id_number),
            reviews: row
                .reviews
                .into_iter()
                .map(|r| ReviewDto {
                    stage: r.stage,
                    decision: r.decision,
                    opinion: r.opinion,
                    reviewer: r.reviewer_name,
                    at: beijing(r.created_at),
                })
                .collect(),
            created_at: beijing(a.created_at),
            decided_at: a.decided_at.map(beijing),
            id: a.id.get(),
            rule_id: a.rule_id.get(),
            rule_code: a.rule_code,
            rule_name: a.rule_name,
            learner_name: a.learner_name,
            initiator: a.initiator,
            status: a.status.code().to_string(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ApplicationPage {
    pub items: Vec<ApplicationDto>,
    /// Matching rows, counted up to 2 000 (2 001 means more).
    pub total: i64,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ApplicationQuery {
    /// `received` (机构接收: applications to this institution's rules, default) or
    /// `sent` (机构发起: batch applications it made).
    pub tab: Option<String>,
    /// Only this status: `pending`, `initial_passed`, `passed` or `failed`.
    pub status: Option<String>,
}

const STATUSES: [&str; 4] = ["pending", "initial_passed", "passed", "failed"];

/// 转换申请与转换记录
#[utoipa::path(get, path = "/api/v1/institution/applications", tag = "转换申请",
    params(ApplicationQuery, PageQuery),
    responses((status = 200, description = "成功", body = ApplicationPage), (status = 400, description = "请求格式有误", content_type = "application/problem+json", body = ProblemDoc), (status = 401, description = "未认证：缺少或无效的接口密钥，或登录已失效", content_type = "application/problem+json", body = ProblemDoc),
        (status = 403, description = "无权访问：角色、菜单权限或密钥权限不足", content_type = "application/problem+json", body = ProblemDoc)),
    security(("api_key" = []), ("session" = [])))]
async fn applications(
    State(s): State<AppState>,
    c: Caller,
    Params(q): Params<ApplicationQuery>,
    Params(p): Params<PageQuery>,
) -> ApiResult<Json<ApplicationPage>> {
    c.need(Scope::Read)?;
    let (_, inst) = c.institution(Area::Conversion)?;
    let statuses = match q.status.as_deref().filter(|s| !s.is_empty()) {
        None => vec![],
        Some(st) => match STATUSES.iter().find(|x| **x == st) {
            Some(x) => vec![*x],
            None => {
                return Err(super::problem::Problem::new(
                    StatusCode::BAD_REQUEST,
                    "invalid_query",
                    "status 须为 pending、initial_passed、passed 或 failed",
                ));
            }
        },
    };
    let mut f = ApplicationFilter {
        statuses,
        before_id: p.before()?,
        ..Default::default()
    };
    if q.tab.as_deref() == Some("sent") {
        f.initiator_institution_id = Some(inst.id);
    } else {
        f.target_institution_id = Some(inst.id);
    }
    let limit = p.limit();
    let page = app::queries::conversion::applications(&s.app, &c.principal, f, 1, limit).await?;
    let next = next_cursor(page.rows.iter().map(|r| r.application.id), page.rows.len(), limit);
    Ok(Json(ApplicationPage {
        total: page.total,
        items: page.rows.into_iter().map(ApplicationDto::from).collect(),
        next_cursor: next,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Decision {
    /// `pass` or `fail`.
    pub decision: String,
    /// 审核意见: required to fail, at most 500 characters.
    #[serde(default)]
    pub opinion: String,
}

/// 审核转换申请
///
/// Passes or fails a pending application to one of this institution's rules; on pass
/// the learner receives the targets with their credits.
#[utoipa::path(post, path = "/api/v1/institution/applications/{id}/decision", tag = "转换申请",
    request_body = Decision,
    params(("id" = i64, Path, description = "申请ID"), ("Idempotency-Key" = Option<String>, Header, description = "重试时携带同一值")),
    responses((status = 200, description = "成功", body = ApplicationDto), (status = 401, description = "未认证：缺少或无效的接口密钥，或登录已失效", content_type = "application/problem+json", body = ProblemDoc), (status = 403, description = "无权访问：角色、菜单权限或密钥权限不足", content_type = "application/problem+json", body = ProblemDoc),
        (status = 404, description = "不存在，或无权查看", content_type = "application/problem+json", body = ProblemDoc), (status = 409, description = "与当前状态冲突", content_type = "application/problem+json", body = ProblemDoc), (status = 422, description = "内容未通过校验", content_type = "application/problem+json", body = ProblemDoc)),
    security(("api_key" = []), ("session" = [])))]
async fn decide(
    State(s): State<AppState>,
    c: Caller,
    Id(id): Id<ApplicationId>,
    d: Body<Decision>,
) -> ApiResult<Json<ApplicationDto>> {
    c.need(Scope::Write)?;
    let (_, inst) = c.institution(Area::Conversion)?;
    // Another institution's application is "not found", whatever the body says.
    app::queries::conversion::application(&s.app, &c.principal, id).await?;
    let d = d.take()?;
    let pass = match d.decision.as_str() {
        "pass" => true,
        "fail" => false,
        _ => {
            return Err(app::AppError::field("decision", "decision 须为 pass 或 fail").into());
        }
    };
    app::conversion::review(
        &s.app,
        Reviewer::Institution(inst.id),
        &[id],
        pass,
        &d.opinion,
        &c.actor(),
    )
    .await?;
    let f = ApplicationFilter {
        ids: Some(vec![id]),
        target_institution_id: Some(inst.id),
        ..Default::default()
    };
    let row = app::queries::conversion::applications(&s.app, &c.principal, f, 1, 1)
        .await?
        .rows
        .pop()
        .ok_or_else(app::AppError::not_found)?;
    Ok(Json(row.into()))
}
