//! 导入: an institution system uploads an xlsx (catalog outcomes of a subtype, learner
//! accounts, or learners' outcomes of a catalog outcome), polls the job, and reads the
//! import record with its original and rejected-rows files.

use app::api_keys::Scope;
use app::import::Owner;
use app::queries::{ImportRecord, Job};
use axum::Json;
use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use domain::ids::{CatalogOutcomeId, FileId, JobId, SubtypeId};
use domain::role::Area;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::auth::Caller;
use super::beijing;
use super::extract::Id;
use super::problem::{ApiResult, Problem, ProblemDoc};
use crate::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(records, upload))
        .routes(routes!(job))
        .routes(routes!(file))
}

/// The multipart form of an upload (documentation only; read field by field).
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct UploadForm {
    /// `catalog` (机构成果, needs `subtype_id`), `learners` (学员账户) or `holdings`
    /// (学员成果, needs `outcome_id`).
    kind: String,
    subtype_id: Option<i64>,
    outcome_id: Option<i64>,
    /// The .xlsx or .xls file, at most 10 MB.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

/// An import job and how far it got.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportJob {
    pub id: i64,
    /// `catalog`, `learners` or `holdings`.
    pub kind: String,
    pub file_name: String,
    /// `queued`, `running`, `done` or `failed`.
    pub status: String,
    /// Rows read so far and rows in all (known once reading is under way).
    pub done: i64,
    pub total: i64,
    /// When done: the import record, rows imported and rejected.
    pub record_id: Option<i64>,
    pub imported: Option<i64>,
    pub rejected: Option<i64>,
    /// The first reasons rows were rejected ("第3行：…").
    pub reasons: Vec<String>,
    /// Why the whole file was refused, when it failed.
    pub error: Option<String>,
    pub created_at: String,
}

impl From<Job> for ImportJob {
    fn from(j: Job) -> Self {
        let result: serde_json::Value = j
            .result
            .as_deref()
            .and_then(|r| serde_json::from_str(r).ok())
            .unwrap_or_default();
        let reasons = result["reasons"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|r| match r {
                        serde_json::Value::String(s) => s.clone(),
                        other => other.to_string(),
                    })
                    .collect()
            })
            .unwrap_or_default();
        Self {
            record_id: result["record"].as_i64(),
            imported: result["imported"].as_i64(),
            rejected: result["rejected"].as_i64(),
            reasons,
            created_at: beijing(j.created_at),
            id: j.id.get(),
            kind: j.kind,
            file_name: j.file_name,
            status: j.status.code().into(),
            done: j.done,
            total: j.total,
            error: j.error,
        }
    }
}

fn malformed(why: &str) -> Problem {
    Problem::new(
        StatusCode::BAD_REQUEST,
        "malformed_multipart",
        format!("表单内容无法识别：{why}"),
    )
}

fn field_problem(field: &str, message: &str) -> Problem {
    Problem::from(app::AppError::Invalid(vec![domain::FieldError::new(
        field.to_string(),
        message.to_string(),
    )]))
}

/// 上传导入文件
///
/// Checks the file at once (type by content, zip bombs, row limits) and queues the
/// import; poll the job for its progress.
#[utoipa::path(post, path = "/api/v1/institution/imports", tag = "导入",
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    params(("Idempotency-Key" = Option<String>, Header, description = "重试时携带同一值，不会重复导入")),
    responses((status = 202, description = "已受理，导入任务已排队", body = ImportJob), (status = 400, description = "请求格式有误", content_type = "application/problem+json", body = ProblemDoc), (status = 401, description = "未认证：缺少或无效的接口密钥，或登录已失效", content_type = "application/problem+json", body = ProblemDoc),
        (status = 403, description = "无权访问：角色、菜单权限或密钥权限不足", content_type = "application/problem+json", body = ProblemDoc), (status = 404, description = "不存在，或无权查看", content_type = "application/problem+json", body = ProblemDoc), (status = 413, description = "请求内容过大", content_type = "application/problem+json", body = ProblemDoc),
        (status = 422, description = "内容未通过校验", content_type = "application/problem+json", body = ProblemDoc)),
    security(("api_key" = []), ("session" = [])))]
async fn upload(State(s): State<AppState>, c: Caller, req: Request) -> ApiResult<(StatusCode, Json<ImportJob>)> {
    c.need(Scope::Import)?;
    let (_, inst) = c.institution(Area::Outcomes)?;
    // The form is read only once the caller may import.
    let mut form = Multipart::from_request(req, &s)
        .await
        .map_err(|e| malformed(&e.body_text()))?;
    let (mut kind, mut subtype, mut outcome, mut file) = (String::new(), None, None, None);
    let bad = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            Problem::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                "文件不能超过10MB，更大的文件请用 creditbank import 导入",
            )
        } else {
            malformed(&e.body_text())
        }
    };
    while let Some(f) = form.next_field().await.map_err(bad)? {
        let name = f.name().unwrap_or_default().to_string();
        match name.as_str() {
            "file" => {
                let file_name = f.file_name().unwrap_or("import.xlsx").to_string();
                file = Some((file_name, f.bytes().await.map_err(bad)?));
            }
            "kind" => kind = f.text().await.map_err(bad)?,
            "subtype_id" => subtype = Some(f.text().await.map_err(bad)?),
            "outcome_id" => outcome = Some(f.text().await.map_err(bad)?),
            _ => {}
        }
    }
    let number = |field: &str, v: Option<String>| -> Result<i64, Problem> {
        v.and_then(|v| v.trim().parse::<i64>().ok())
            .ok_or_else(|| field_problem(field, "须为成果ID（整数）"))
    };
    let owner = Owner::Institution(inst.id);
    let (kind, target) = match kind.as_str() {
        "catalog" => {
            let subtype = number("subtype_id", subtype)?;
            app::taxonomy::subtype(&s.app, SubtypeId::new(subtype)).await?;
            (app::jobs::CATALOG, Some(subtype))
        }
        "learners" => (app::jobs::LEARNERS, None),
        "holdings" => {
            let outcome = number("outcome_id", outcome)?;
            app::queries::catalog::own(&s.app, inst.id, CatalogOutcomeId::new(outcome)).await?;
            (app::jobs::HOLDINGS, Some(outcome))
        }
        _ => return Err(field_problem("kind", "kind 须为 catalog、learners 或 holdings")),
    };
    let (name, bytes) = file.ok_or_else(|| field_problem("file", "请选择要导入的文件"))?;
    let id = app::jobs::enqueue_import(&s.app, kind, owner, target, &name, &bytes, &c.actor()).await?;
    let job = app::queries::imports::job_of_institution(&s.app, inst.id, id).await?;
    Ok((StatusCode::ACCEPTED, Json(job.into())))
}

/// 导入进度
#[utoipa::path(get, path = "/api/v1/institution/jobs/{id}", tag = "导入",
    params(("id" = i64, Path, description = "导入任务ID")),
    responses((status = 200, description = "成功", body = ImportJob), (status = 401, description = "未认证：缺少或无效的接口密钥，或登录已失效", content_type = "application/problem+json", body = ProblemDoc), (status = 404, description = "不存在，或无权查看", content_type = "application/problem+json", body = ProblemDoc)),
    security(("api_key" = []), ("session" = [])))]
async fn job(State(s): State<AppState>, c: Caller, Id(id): Id<JobId>) -> ApiResult<Json<ImportJob>> {
    c.need(Scope::Read)?;
    let (_, inst) = c.institution(Area::Outcomes)?;
    Ok(Json(
        app::queries::imports::job_of_institution(&s.app, inst.id, id)
            .await?
            .into(),
    ))
}

/// An import record (导入记录).
#[derive(Debug, Serialize, ToSchema)]
pub struct Record {
    pub id: i64,
    pub kind: String,
    pub subtype_id: Option<i64>,
    pub user_name: String,
    pub file_name: String,
    /// The uploaded file: `GET /api/v1/institution/files/{id}`.
    pub original_file_id: i64,
    /// The rejected rows with a reason column, if any row was rejected.
    pub rejected_file_id: Option<i64>,
    pub imported: i64,
    pub rejected: i64,
    pub created_at: String,
}

impl From<ImportRecord> for Record {
    fn from(r: ImportRecord) -> Self {
        Self {
            created_at: beijing(r.created_at),
            id: r.id.get(),
            kind: r.kind,
            subtype_id: r.subtype_id.map(|i| i.get()),
            user_name: r.user_name,
            file_name: r.file_name,
            original_file_id: r.original_file_id.get(),
            rejected_file_id: r.rejected_file_id.map(|i| i.get()),
            imported: r.imported,
            rejected: r.rejected,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RecordList {
    pub items: Vec<Record>,
}

/// 导入记录
///
/// The institution's import records of the last year, newest first.
#[utoipa::path(get, path = "/api/v1/institution/imports", tag = "导入",
    responses((status = 200, description = "成功", body = RecordList), (status = 401, description = "未认证：缺少或无效的接口密钥，或登录已失效", content_type = "application/problem+json", body = ProblemDoc), (status = 403, description = "无权访问：角色、菜单权限或密钥权限不足", content_type = "application/problem+json", body = ProblemDoc)),
    security(("api_key" = []), ("session" = [])))]
async fn records(State(s): State<AppState>, c: Caller) -> ApiResult<Json<RecordList>> {
    c.need(Scope::Read)?;
    let (_, inst) = c.institution(Area::Outcomes)?;
    let rows = app::queries::imports::records_of_institution(&s.app, inst.id).await?;
    Ok(Json(RecordList {
        items: rows.into_iter().map(Record::from).collect(),
    }))
}

/// 下载文件
///
/// A file the caller may see: an import's original or rejected-rows file, a rule's or
/// method's document.
#[utoipa::path(get, path = "/api/v1/institution/files/{id}", tag = "导入",
    params(("id" = i64, Path, description = "文件ID")),
    responses((status = 200, description = "成功", content_type = "application/octet-stream", body = Vec<u8>),
        (status = 401, description = "未认证：缺少或无效的接口密钥，或登录已失效", content_type = "application/problem+json", body = ProblemDoc), (status = 404, description = "不存在，或无权查看", content_type = "application/problem+json", body = ProblemDoc)),
    security(("api_key" = []), ("session" = [])))]
async fn file(State(s): State<AppState>, c: Caller, Id(id): Id<FileId>) -> ApiResult<Response> {
    c.need(Scope::Read)?;
    c.institution(Area::Outcomes)?;
    let f = app::queries::files::readable(&s.app, Some(&c.principal), id).await?;
    let bytes = app::queries::files::bytes(&s.app, &f).await?;
    let name = crate::kit::views::header_file_name(&f.original_name);
    Ok((
        [
            (header::CONTENT_TYPE, f.mime.clone()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename*=UTF-8''{name}"),
            ),
        ],
        bytes,
    )
        .into_response())
}
