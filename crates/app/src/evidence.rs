//! Evidence a learner attaches to an outcome (证明材料): checked by content, and recorded
//! with its link to the outcome and its audit row in one transaction.

use domain::ids::{FileId, HoldingId};
use store::audit::Actor;
use store::learners::Learner;
use store::now;

use crate::{App, AppError, AppResult, files};

/// Attaches a file to one of the learner's outcomes. Refused once the outcome is
/// withdrawn or while its recognition is under way or done.
pub async fn attach(
    app: &App,
    learner: &Learner,
    outcome: HoldingId,
    name: &str,
    bytes: &[u8],
    actor: &Actor,
) -> AppResult<FileId> {
    let h = store::holdings::by_id(&app.db.pool, outcome)
        .await?
        .filter(|h| h.learner_id == learner.id)
        .ok_or_else(AppError::not_found)?;
    if !domain::outcome::evidence_allowed(h.status, h.recognition) {
        return Err(AppError::Conflict("该成果当前不能补充材料".into()));
    }
    let up = files::check_and_put(app, "file", name, bytes, files::Accept::Evidence).await?;
    let mut tx = app.db.begin().await?;
    let file = files::record(&mut *tx, &up, "learner", learner.id).await?;
    store::files::attach(&mut *tx, h.id, file).await?;
    store::audit::record(
        &mut *tx,
        actor,
        "evidence_added",
        Some(&h.id.to_string()),
        Some(&format!("file {file}")),
        now(),
    )
    .await?;
    store::commit(tx).await?;
    Ok(file)
}
