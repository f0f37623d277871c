//! 机构成果导入 (I-03): templates per subtype, the import form and its result, and the
//! import records of the last year.

use app::auth::Principal;
use app::queries::{ImportRecord, Job};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use domain::ids::{JobId, SubtypeId};
use domain::lifecycle::JobStatus;
use domain::role::Area;

use crate::AppState;
use crate::kit::error::WebError;
use crate::kit::extract::{ClientIp, InstitutionAuth};
use crate::kit::forms::CsrfMultipart;
use crate::kit::views::{FormErrors, PageCtx, datetime, form_status, page, render, xlsx_download};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/institution/outcomes/import", get(import_page).post(import))
        .route("/institution/outcomes/template/{subtype}", get(template))
        .route("/institution/imports", get(records))
        .route("/institution/jobs/{id}", get(job))
        .route(
            "/institution/outcomes/{id}/import",
            axum::routing::post(import_holdings),
        )
        .route("/institution/holdings-template", get(holdings_template))
}

fn inst(a: &InstitutionAuth) -> Principal {
    a.principal()
}

#[derive(Template)]
#[template(path = "institution/import.html")]
struct ImportPage {
    ctx: PageCtx,
    subtypes: Vec<crate::kit::views::Choice<SubtypeId>>,
    selected: Option<SubtypeId>,
    errors: FormErrors,
}

/// Subtypes this institution may import (not synced, authorised when restricted).
async fn storable(s: &AppState, a: &InstitutionAuth) -> Result<Vec<crate::kit::views::Choice<SubtypeId>>, WebError> {
    let mut out = Vec::new();
    for st in app::queries::taxonomy::subtypes(&s.app).await? {
        if app::taxonomy::may_store(&s.app, a.institution.id, &st).await?.is_ok() {
            out.push(crate::kit::views::Choice {
                value: st.id,
                label: format!("{}-{}", st.type_name, st.name),
            });
        }
    }
    Ok(out)
}

async fn show(
    s: &AppState,
    a: &InstitutionAuth,
    selected: Option<SubtypeId>,
    errors: FormErrors,
    status: StatusCode,
) -> Result<Response, WebError> {
    let subtypes = storable(s, a).await?;
    let ctx = PageCtx::new("批量导入", &a.session, Some(&inst(a)), "/institution/outcomes").await?;
    Ok(render(
        status,
        &ImportPage {
            ctx,
            subtypes,
            selected,
            errors,
        },
    ))
}

#[derive(serde::Deserialize, Default)]
struct ImportQuery {
    #[serde(default)]
    subtype: Option<SubtypeId>,
}

async fn import_page(
    State(s): State<AppState>,
    a: InstitutionAuth,
    Query(q): Query<ImportQuery>,
) -> Result<Response, WebError> {
    a.require(Area::Outcomes)?;
    show(&s, &a, q.subtype, FormErrors::default(), StatusCode::OK).await
}

async fn import(
    State(s): State<AppState>,
    a: InstitutionAuth,
    ClientIp(ip): ClientIp,
    form: CsrfMultipart,
) -> Result<Response, WebError> {
    a.require(Area::Outcomes)?;
    let subtype = form.text("subtype").parse::<SubtypeId>().ok();
    let result = async {
        let subtype = subtype.ok_or_else(|| app::AppError::field("subtype", "请选择成果类型"))?;
        let (_, name, bytes) = form
            .file("file")
            .ok_or_else(|| app::AppError::field("file", "请选择要导入的文件"))?;
        app::jobs::enqueue_import(
            &s.app,
            app::jobs::CATALOG,
            app::import::Owner::Institution(a.institution.id),
            Some(subtype.get()),
            name,
            bytes,
            &inst(&a).actor(&ip),
        )
        .await
    }
    .await;
    match result {
        Ok(job) => Ok(axum::response::Redirect::to(&format!("/institution/jobs/{job}")).into_response()),
        Err(e @ (app::AppError::Invalid(_) | app::AppError::Forbidden(_) | app::AppError::Conflict(_))) => {
            show(&s, &a, subtype, FormErrors::from_error(&e), form_status(&e)).await
        }
        Err(e) => Err(WebError(e)),
    }
}

async fn template(
    State(s): State<AppState>,
    a: InstitutionAuth,
    Path(subtype): Path<SubtypeId>,
) -> Result<Response, WebError> {
    a.require(Area::Outcomes)?;
    let (name, bytes) = app::import::template(&s.app, subtype).await?;
    Ok(xlsx_download(&name, bytes))
}

/// Import records with their times in Beijing time, for the records tables.
/// An import record with its time as shown.
pub(crate) struct RecordLine {
    pub(crate) record: ImportRecord,
    pub(crate) at: String,
}

pub(crate) fn with_times(records: Vec<ImportRecord>) -> Vec<RecordLine> {
    records
        .into_iter()
        .map(|r| RecordLine {
            at: datetime(r.created_at),
            record: r,
        })
        .collect()
}

/// Queues the file sent as `file` for import and shows the job; a refused file goes
/// back to `back` with the reason (a target the user may not see is a 404).
pub(crate) async fn queue_upload(
    s: &AppState,
    session: &tower_sessions::Session,
    form: &CsrfMultipart,
    (kind, owner, target): (&str, app::import::Owner, Option<i64>),
    actor: &app::queries::Actor,
    (jobs, back): (&str, &str),
) -> Result<Response, WebError> {
    // enqueue_import checks the target before the file; without a file, check it here
    // so that a refusal is still the answer.
    let queued = match form.file("file") {
        Some((_, name, bytes)) => app::jobs::enqueue_import(&s.app, kind, owner, target, name, bytes, actor).await,
        None => match app::jobs::may_import(&s.app, kind, owner, target).await {
            Ok(()) => Err(app::AppError::field("file", "请选择要导入的文件")),
            Err(e) => Err(e),
        },
    };
    match queued {
        Ok(job) => Ok(axum::response::Redirect::to(&format!("{jobs}/{job}")).into_response()),
        Err(e) => {
            let e = crate::kit::views::refusal(e)?;
            crate::kit::views::flash(session, "error", e.to_string()).await?;
            Ok(axum::response::Redirect::to(back).into_response())
        }
    }
}

#[derive(Template)]
#[template(path = "institution/imports.html")]
struct RecordsPage {
    ctx: PageCtx,
    /// Each record with its time in Beijing time.
    rows: Vec<RecordLine>,
}

async fn records(State(s): State<AppState>, a: InstitutionAuth) -> Result<Response, WebError> {
    a.require(Area::Outcomes)?;
    let rows = with_times(app::queries::imports::records_of_institution(&s.app, a.institution.id).await?);
    let ctx = PageCtx::new("导入记录", &a.session, Some(&inst(&a)), "/institution/outcomes").await?;
    Ok(page(&RecordsPage { ctx, rows }))
}

#[derive(Template)]
#[template(path = "institution/job.html")]
pub(crate) struct JobPage {
    ctx: PageCtx,
    job: Job,
    status_label: &'static str,
    running: bool,
    result: Option<JobResult>,
    back: &'static str,
    /// Where the import records (and the rejected-rows files) are.
    records: &'static str,
}

/// What a finished import job reports.
struct JobResult {
    imported: i64,
    rejected: i64,
    reasons: Vec<RowReason>,
}

/// Why one row of the file was not imported.
struct RowReason {
    row: i64,
    reason: String,
}

impl JobPage {
    /// The progress page of a job; it reloads itself while the job runs.
    pub(crate) fn new(ctx: PageCtx, job: Job, back: &'static str, records: &'static str) -> Self {
        let result = job
            .result
            .as_deref()
            .and_then(|r| serde_json::from_str::<serde_json::Value>(r).ok())
            .map(|v| {
                let reasons = v["reasons"]
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(|x| {
                                Some(RowReason {
                                    row: x.get(0)?.as_i64()?,
                                    reason: x.get(1)?.as_str()?.to_string(),
                                })
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                JobResult {
                    imported: v["imported"].as_i64().unwrap_or(0),
                    rejected: v["rejected"].as_i64().unwrap_or(0),
                    reasons,
                }
            });
        // An import that runs says so in the words of the import page.
        let status_label = match job.status {
            JobStatus::Running => "导入中",
            st => st.label(),
        };
        let running = job.status.pending();
        Self {
            ctx,
            job,
            status_label,
            running,
            result,
            back,
            records,
        }
    }
}

/// The progress of an import job of this institution.
async fn job(State(s): State<AppState>, a: InstitutionAuth, Path(id): Path<JobId>) -> Result<Response, WebError> {
    a.require(Area::Outcomes)?;
    let job = app::queries::imports::job_of_institution(&s.app, a.institution.id, id).await?;
    let back = if job.kind == app::jobs::LEARNERS {
        "/institution/learners"
    } else {
        "/institution/outcomes"
    };
    let ctx = PageCtx::new("导入进度", &a.session, Some(&inst(&a)), back).await?;
    Ok(page(&JobPage::new(ctx, job, back, "/institution/imports")))
}

/// I-04 导入学员: stores a catalog outcome for the learners listed in a file, as a job.
async fn import_holdings(
    State(s): State<AppState>,
    a: InstitutionAuth,
    Path(id): Path<i64>,
    ClientIp(ip): ClientIp,
    form: CsrfMultipart,
) -> Result<Response, WebError> {
    a.require(Area::Outcomes)?;
    queue_upload(
        &s,
        &a.session,
        &form,
        (
            app::jobs::HOLDINGS,
            app::import::Owner::Institution(a.institution.id),
            Some(id),
        ),
        &inst(&a).actor(&ip),
        ("/institution/jobs", &format!("/institution/outcomes/{id}/store")),
    )
    .await
}

async fn holdings_template(a: InstitutionAuth) -> Result<Response, WebError> {
    a.require(Area::Outcomes)?;
    Ok(xlsx_download(
        "学员成果导入模板.xlsx",
        app::import::holdings_template()?,
    ))
}
