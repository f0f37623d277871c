//! 成果认定 (L-13): the learner applies for recognition of informal outcomes that carry
//! evidence.

use app::auth::Principal;
use app::queries::HoldingFilter as Filter;
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use domain::credits::Credits;
use domain::ids::HoldingId;

use crate::AppState;
use crate::kit::error::WebError;
use crate::kit::extract::{ClientIp, CsrfForm, LearnerAuth};
use crate::kit::forms::{self};
use crate::kit::views::{PageCtx, flash_outcome, page};

pub fn routes() -> Router<AppState> {
    Router::new().route("/learner/recognition", get(recognition).post(apply))
}

async fn ctx(a: &LearnerAuth, title: &str, active: &str) -> Result<PageCtx, WebError> {
    PageCtx::new(title, &a.session, Some(&Principal::Learner(a.learner.clone())), active).await
}

fn credits(c: Option<i64>) -> String {
    c.map(|c| Credits(c).to_string()).unwrap_or_else(|| "-".into())
}

#[derive(Template)]
#[template(path = "learner/recognition.html")]
struct RecognitionPage {
    ctx: PageCtx,
    rows: Vec<RecognitionRow>,
}

struct RecognitionRow {
    id: HoldingId,
    name: String,
    subtype: String,
    files: usize,
    recognition: &'static str,
    credits: String,
    can_apply: bool,
}

async fn recognition(State(s): State<AppState>, a: LearnerAuth) -> Result<Response, WebError> {
    let f = Filter {
        learner_id: Some(a.learner.id),
        informal_only: true,
        statuses: vec!["registered", "submitted", "stored"],
        ..Default::default()
    };
    let me = Principal::Learner(a.learner.clone());
    let result = app::queries::holdings::list(&s.app, &me, f, 1, 200).await?;
    let mut rows = Vec::new();
    for h in result.rows {
        let files = app::queries::holdings::documents(&s.app, &h).await?.files.len();
        let can = files > 0
            && matches!(
                h.recognition,
                domain::outcome::Recognition::None | domain::outcome::Recognition::Rejected
            );
        rows.push(RecognitionRow {
            id: h.id,
            name: h.name,
            subtype: h.subtype_name,
            files,
            recognition: app::holdings::recognition_label(h.recognition),
            credits: credits(h.credits),
            can_apply: can,
        });
    }
    Ok(page(&RecognitionPage {
        ctx: ctx(&a, "成果认定", "/learner/recognition").await?,
        rows,
    }))
}

async fn apply(
    State(s): State<AppState>,
    a: LearnerAuth,
    ClientIp(ip): ClientIp,
    CsrfForm(_, pairs): CsrfForm<serde::de::IgnoredAny>,
) -> Result<Response, WebError> {
    let ids = forms::ids(&pairs);
    let actor = Principal::Learner(a.learner.clone()).actor(&ip);
    let result = app::recognition::apply(&s.app, &a.learner, &ids, &actor)
        .await
        .map(|()| "认定申请已提交，等待审核".to_string());
    flash_outcome(&a.session, result, "/learner/recognition").await
}
