//! Imports run as jobs in the database-backed queue. A job's rows, its import
//! record and its completion commit in one transaction, so a worker killed at any moment
//! leaves nothing of the job behind; its lease runs out and another worker (or the same
//! one, restarted) takes it again. File-level problems fail the job with the reason.
//!
//! A claim is a lease renewed in the background through every phase of the job (reading,
//! checking, the long final write), and only the claim that holds the job may record its
//! progress, finish or fail it: a process that lost its claim rolls its work back.

use domain::ids::{CatalogOutcomeId, InstitutionId, JobId, SubtypeId};
use std::time::Duration;

use domain::role::Area;
use store::audit::Actor;
use store::jobs::Claim;
use store::now;

use crate::files::Raw;
use crate::import::{self, Owner, Source};
use crate::{App, AppError, AppResult};

/// A job that failed this many times for reasons other than its file is given up.
pub const MAX_ATTEMPTS: i64 = 3;

pub const CATALOG: &str = "catalog";
pub const LEARNERS: &str = "learners";
pub const HOLDINGS: &str = "holdings";

/// Checks the file at once (hostile files never reach the queue), stores it and queues
/// the import. `target_id` is the subtype (catalog) or the catalog outcome (holdings).
/// Returns the job id.
pub async fn enqueue_import(
    app: &App,
    kind: &str,
    owner: Owner,
    target_id: Option<i64>,
    file_name: &str,
    bytes: &[u8],
    actor: &Actor,
) -> AppResult<JobId> {
    may_import(app, kind, owner, target_id).await?;
    let checked = crate::sheet::check(std::io::Cursor::new(bytes))?;
    enqueue(
        app,
        kind,
        owner,
        target_id,
        file_name,
        Raw::Bytes(bytes),
        checked.kind,
        actor,
    )
    .await
}

/// The same for a file on disk, never read into memory whole, for the `creditbank import`
/// command to run itself (`run_own`); no background worker takes it.
pub async fn enqueue_import_file(
    app: &App,
    kind: &str,
    owner: Owner,
    target_id: Option<i64>,
    path: &std::path::Path,
    actor: &Actor,
) -> AppResult<JobId> {
    may_import(app, kind, owner, target_id).await?;
    let file = std::fs::File::open(path).map_err(|_| AppError::field("file", "文件无法打开"))?;
    let checked = crate::sheet::check(std::io::BufReader::new(file))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    enqueue(app, kind, owner, target_id, &name, Raw::Path(path), checked.kind, actor).await
}

/// Whether this owner may import this kind into this target (a catalog outcome of its
/// own, a subtype it may store): checked before anything of the file is looked at, so
/// another institution's outcome is "not found" whatever was uploaded.
pub async fn may_import(app: &App, kind: &str, owner: Owner, target_id: Option<i64>) -> AppResult<()> {
    let institution_id = match (kind, owner) {
        (_, Owner::Institution(i)) => i,
        (LEARNERS, Owner::Bank { .. }) => InstitutionId::default(),
        // The bank imports learner accounts only; outcomes belong to institutions.
        (_, Owner::Bank { .. }) => {
            return Err(AppError::Forbidden("学分银行只导入学员账户；成果由所属机构导入".into()));
        }
    };
    if kind == HOLDINGS {
        let id = target_id.ok_or_else(AppError::not_found)?;
        store::catalog::by_id(&app.db.pool, CatalogOutcomeId::new(id))
            .await?
            .filter(|o| o.institution_id == institution_id)
            .ok_or_else(AppError::not_found)?;
    }
    if kind == CATALOG {
        let id = target_id.ok_or_else(|| AppError::field("subtype", "请选择成果类型"))?;
        let (s, _) = crate::taxonomy::subtype(app, SubtypeId::new(id)).await?;
        if let Err(m) = crate::taxonomy::may_store(app, institution_id, &s).await? {
            return Err(AppError::Forbidden(m));
        }
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
async fn enqueue(
    app: &App,
    kind: &str,
    owner: Owner,
    target_id: Option<i64>,
    file_name: &str,
    raw: Raw<'_>,
    sheet_kind: crate::sheet::Kind,
    actor: &Actor,
) -> AppResult<JobId> {
    let name = crate::files::clean_name(file_name);
    let mime = match sheet_kind {
        crate::sheet::Kind::Xls => "application/vnd.ms-excel",
        crate::sheet::Kind::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    };
    let upload = crate::files::put(app, "file", &name, raw, mime).await?;
    // The file's row and the job are one change.
    let mut tx = app.db.begin().await?;
    let file = crate::files::record(&mut *tx, &upload, "institution", actor.id.unwrap_or_default()).await?;
    let job = store::jobs::NewJob {
        kind,
        institution_id: owner.institution(),
        department_id: owner.department(),
        target_id,
        user_id: actor.id.unwrap_or_default(),
        user_name: actor.name.as_deref().unwrap_or(""),
        file_id: file,
        file_name: &name,
        runner: match raw {
            Raw::Path(_) => store::jobs::COMMAND,
            Raw::Bytes(_) => store::jobs::WORKER,
        },
        now: now(),
    };
    let id = store::jobs::enqueue(&mut *tx, &job).await?;
    store::commit(tx).await?;
    Ok(id)
}

/// Claims and runs one worker job. Returns false when there was nothing to do.
pub async fn run_once(app: &App) -> AppResult<bool> {
    let Some(job) = store::jobs::claim(&app.db, now(), app.config.job_lease_seconds).await? else {
        return Ok(false);
    };
    run(app, job).await?;
    Ok(true)
}

/// Runs the job this command queued. False when it was not waiting any more.
pub async fn run_own(app: &App, id: JobId) -> AppResult<bool> {
    let Some(job) = store::jobs::claim_own(&app.db, id, now(), app.config.job_lease_seconds).await? else {
        return Ok(false);
    };
    run(app, job).await?;
    Ok(true)
}

/// A queued command job nobody claimed within this long belongs to a command that died.
const COMMAND_GRACE_SECONDS: i64 = 600;

/// Cancels the jobs of `creditbank import` commands that were killed before they
/// finished (nothing of such a job was stored: its rows commit with its completion),
/// removes the copies of their files and tells their owners. Returns their ids.
pub async fn cancel_abandoned(app: &App) -> AppResult<Vec<JobId>> {
    let t = now();
    let mut cancelled = Vec::new();
    for job in store::jobs::abandoned_commands(&app.db.pool, t, COMMAND_GRACE_SECONDS).await? {
        let reason = "导入命令在完成前被中断，任务已取消，没有导入任何数据；请重新运行导入";
        let mut tx = app.db.begin().await?;
        if !store::jobs::cancel_unfinished(&mut *tx, job.id, reason, t).await? {
            continue;
        }
        if let Some(owner) = owner_of(&job) {
            let body = format!("“{}”{reason}", job.file_name);
            notify_owner(&mut tx, owner, job.id, "导入已取消", &body, t).await?;
        }
        let actor = Actor {
            role: Some("operator".into()),
            name: Some("creditbank import".into()),
            ..Default::default()
        };
        store::audit::record(&mut *tx, &actor, "import_cancelled", Some(&job.id.to_string()), None, t).await?;
        store::commit(tx).await?;
        if let Some(f) = store::files::by_id(&app.db.pool, job.file_id).await?
            && let Err(e) = app.files.delete(&f.storage_key).await
        {
            tracing::warn!(job = %job.id, error = %e, "copy of an abandoned import's file not removed");
        }
        cancelled.push(job.id);
    }
    Ok(cancelled)
}

fn owner_of(job: &store::jobs::Job) -> Option<Owner> {
    match (job.institution_id, job.department_id) {
        (Some(i), _) => Some(Owner::Institution(i)),
        (None, Some(d)) => Some(Owner::Bank { department: d }),
        (None, None) => None,
    }
}

/// Keeps a claim's lease from lapsing while its job runs; stops when dropped.
struct Heartbeat(tokio::task::JoinHandle<()>);

impl Heartbeat {
    fn start(app: &App, claim: Claim) -> Self {
        let (db, lease) = (app.db.clone(), app.config.job_lease_seconds);
        Heartbeat(tokio::spawn(async move {
            let mut every = tokio::time::interval(Duration::from_secs((lease / 3).max(1) as u64));
            every.tick().await;
            loop {
                every.tick().await;
                match store::jobs::renew(&db.pool, claim, now() + lease).await {
                    Ok(true) => {}
                    Ok(false) => {
                        tracing::warn!(
                            job = %claim.id,
                            "job taken over by another process; this run will not commit"
                        );
                        return;
                    }
                    // SQLite's one writer may be this job's own final transaction: try again.
                    Err(e) => tracing::debug!(job = %claim.id, error = %e, "lease not renewed this time"),
                }
            }
        }))
    }
}

impl Drop for Heartbeat {
    fn drop(&mut self) {
        self.0.abort();
    }
}

async fn run(app: &App, job: store::jobs::Job) -> AppResult<()> {
    let claim = job.claim();
    if job.attempts > MAX_ATTEMPTS {
        store::jobs::fail(&app.db.pool, claim, "多次执行失败，请重新导入", now()).await?;
        return Ok(());
    }
    let _heartbeat = Heartbeat::start(app, claim);
    let file = store::files::by_id(&app.db.pool, job.file_id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let opened = app.files.open(&file.storage_key).await.map_err(AppError::Internal)?;
    let actor = Actor {
        role: Some("institution".into()),
        id: Some(job.user_id),
        name: Some(job.user_name.clone()),
        ip: None,
    };
    let src = Source {
        file_name: &job.file_name,
        file: &opened,
        file_id: job.file_id,
        job: Some(claim),
    };
    let owner = owner_of(&job);
    let result = match (job.kind.as_str(), owner) {
        (CATALOG, Some(Owner::Institution(i))) => {
            import::catalog(app, i, SubtypeId::new(job.target_id.unwrap_or_default()), &src, &actor).await
        }
        (LEARNERS, Some(owner)) => import::learners(app, owner, &src, &actor).await,
        (HOLDINGS, Some(Owner::Institution(i))) => {
            import::holdings(
                app,
                i,
                CatalogOutcomeId::new(job.target_id.unwrap_or_default()),
                &src,
                &actor,
            )
            .await
        }
        (other, _) => Err(AppError::Forbidden(format!("无法执行导入任务（{other}）"))),
    };
    match result {
        Ok(_) => {}
        Err(AppError::Conflict(m)) if m == TAKEN_OVER => tracing::warn!(job = %job.id, "{m}"),
        // A concurrent write of the same rows: the next attempt sees them.
        Err(AppError::Conflict(m)) if m == crate::error::RACED => tracing::warn!(job = %job.id, "{m}; will be retried"),
        // The file itself is the problem: retrying would not help.
        Err(e @ (AppError::Invalid(_) | AppError::Forbidden(_) | AppError::Conflict(_) | AppError::NotFound(_))) => {
            let t = now();
            let mut tx = app.db.begin().await?;
            if !store::jobs::fail(&mut *tx, claim, &e.to_string(), t).await? {
                return Ok(());
            }
            if let Some(owner) = owner {
                let body = format!("“{}”导入失败：{e}", job.file_name);
                notify_owner(&mut tx, owner, job.id, "导入失败", &body, t).await?;
            }
            store::commit(tx).await?;
        }
        // Anything else (the database went away …): the lease runs out and it is retried.
        Err(e) => tracing::error!(job = %job.id, error = ?e, "job failed, will be retried"),
    }
    Ok(())
}

/// Why a run that lost its claim stopped (its work rolled back; the new holder does it).
pub(crate) const TAKEN_OVER: &str = "导入任务已由其他进程接管";

/// Tells whoever started an import how it ended, linked to the job's page.
pub(crate) async fn notify_owner(
    tx: &mut store::Tx,
    owner: Owner,
    job: JobId,
    title: &str,
    body: &str,
    t: i64,
) -> AppResult<()> {
    match owner {
        Owner::Institution(i) => {
            let link = format!("/institution/jobs/{job}");
            crate::messages::to_institution(&mut **tx, i, Some(Area::Outcomes), title, body, &link, t).await
        }
        Owner::Bank { department } => {
            let link = format!("/department/jobs/{job}");
            crate::messages::to_department(&mut **tx, department, title, body, &link, t).await
        }
    }
}

/// Runs jobs until the process stops.
pub async fn worker(app: App) {
    tokio::spawn(crate::xcert::schedule(app.clone()));
    loop {
        match run_once(&app).await {
            Ok(true) => {}
            Ok(false) => tokio::time::sleep(Duration::from_millis(500)).await,
            Err(e) => {
                tracing::error!(error = ?e, "worker error");
                tokio::time::sleep(Duration::from_secs(5)).await;
            }
        }
    }
}
