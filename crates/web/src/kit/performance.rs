//! Views of 业绩类成果转换申请 that learners, target institutions and experts share: the
//! reviewers' queue with its decision form and the detail of one request.

use app::auth::Principal;
use app::conversion::performance::{self, Detail};
use app::queries::PerformanceFilter;
use askama::Template;
use axum::response::{IntoResponse, Redirect, Response};
use domain::ids::PerformanceId;
use tower_sessions::Session;

use crate::AppState;
use crate::kit::conversion::Shown;
use crate::kit::error::WebError;
use crate::kit::forms::{self, HoldingView, Pager};
use crate::kit::reviews::Decision;
use crate::kit::views::{Fact, FormErrors, PageCtx, datetime, facts, flash, render};

/// Where a reviewer decides: the target institution's 初审 or the expert's 终审.
pub(crate) struct Desk {
    pub(crate) heading: &'static str,
    pub(crate) path: &'static str,
    pub(crate) hint: &'static str,
    pub(crate) pass_label: &'static str,
}

pub(crate) const INITIAL: Desk = Desk {
    heading: "业绩类成果转换初审",
    path: "/institution/performance",
    hint: "学习者申请将业绩类成果转换为本机构的成果。请核验学习者报送的成果证明材料纸质原件，初审通过后交专家终审。",
    pass_label: "初审通过",
};

pub(crate) const FINAL: Desk = Desk {
    heading: "业绩类成果转换终审",
    path: "/expert/performance",
    hint: "目标机构初审通过的业绩类成果转换申请。终审通过后，目标成果存入学习者账户并获得其学分。",
    pass_label: "终审通过",
};

pub(crate) struct RequestRow {
    pub(crate) id: PerformanceId,
    pub(crate) learner: String,
    pub(crate) id_number: String,
    pub(crate) source: String,
    pub(crate) subtype: String,
    pub(crate) target: String,
    pub(crate) institution: String,
    pub(crate) state: &'static str,
    pub(crate) at: String,
}

pub(crate) fn row(r: app::queries::PerformanceRequest) -> RequestRow {
    RequestRow {
        id: r.id,
        id_number: domain::mask::id_number(&r.learner_id_number),
        learner: r.learner_name,
        source: r.source_name,
        subtype: r.source_subtype,
        target: r.target_name,
        institution: r.target_institution,
        state: state_label(r.status),
        at: datetime(r.created_at),
    }
}

/// The manual's words: a request waiting for its first review is 已申请.
pub(crate) fn state_label(s: domain::lifecycle::ApplicationStatus) -> &'static str {
    match s {
        domain::lifecycle::ApplicationStatus::Pending => "已申请",
        s => s.label(),
    }
}

#[derive(Template)]
#[template(path = "kit/performance_queue.html")]
struct QueuePage {
    ctx: PageCtx,
    desk: &'static Desk,
    rows: Vec<RequestRow>,
    pager: Pager,
    opinion: String,
    errors: FormErrors,
}

fn waiting(desk: &Desk) -> PerformanceFilter {
    let status = if desk.path == FINAL.path {
        "initial_passed"
    } else {
        "pending"
    };
    PerformanceFilter {
        statuses: vec![status],
        ..Default::default()
    }
}

pub(crate) async fn queue(
    s: &AppState,
    who: &Principal,
    session: &Session,
    desk: &'static Desk,
    page_no: i64,
    opinion: String,
    shown: Shown,
) -> Result<Response, WebError> {
    let found = performance::list(&s.app, who, waiting(desk), page_no, forms::PER_PAGE).await?;
    let ctx = PageCtx::new(desk.heading, session, Some(who), desk.path).await?;
    Ok(render(
        shown.status,
        &QueuePage {
            ctx,
            desk,
            pager: Pager::new(found.total, page_no, desk.path, &[]),
            rows: found.rows.into_iter().map(row).collect(),
            opinion,
            errors: shown.errors,
        },
    ))
}

/// Decides the ticked requests (or every waiting one), then back to the queue.
pub(crate) async fn decide(
    s: &AppState,
    who: &Principal,
    session: &Session,
    desk: &'static Desk,
    ip: &str,
    f: Decision,
    pairs: &[(String, String)],
) -> Result<Response, WebError> {
    let ids = performance::ticked_or_all(&s.app, who, waiting(desk), forms::ids(pairs)).await?;
    let back = forms::text(pairs, "back");
    match performance::review(&s.app, who, &ids, f.decision == "pass", &f.opinion, &who.actor(ip)).await {
        Ok(n) => {
            flash(session, "ok", format!("已审核{n}条业绩类成果转换申请")).await?;
            Ok(Redirect::to(desk.path).into_response())
        }
        Err(app::AppError::NotFound(m)) => Err(WebError(app::AppError::NotFound(m))),
        Err(e) if back.is_empty() => queue(s, who, session, desk, 1, f.opinion, Shown::from(&e)).await,
        // From a detail page: show it again with the error and what was typed.
        Err(e) => {
            let id = ids.first().copied().unwrap_or_default();
            detail(s, who, session, desk.path, id, f.opinion, Shown::from(&e)).await
        }
    }
}

#[derive(Template)]
#[template(path = "kit/performance_detail.html")]
struct DetailPage {
    ctx: PageCtx,
    id: PerformanceId,
    back: &'static str,
    state: &'static str,
    target: Vec<Fact>,
    source: HoldingView,
    reviews: Vec<forms::ReviewLine>,
    decide: Option<&'static str>,
    opinion: String,
    errors: FormErrors,
}

fn target_facts(d: &Detail) -> Vec<Fact> {
    let o = &d.target;
    facts([
        ("目标成果", o.name.clone()),
        ("成果类型", format!("{} / {}", o.type_name, o.subtype_name)),
        ("资历机构名称", o.institution_name.clone()),
        (
            "学分",
            o.credits
                .map(|c| domain::credits::Credits(c).to_string())
                .unwrap_or_else(|| "-".into()),
        ),
        ("申请时间", datetime(d.request.created_at)),
    ])
}

/// The detail of one request; `back` is the list it was opened from.
pub(crate) async fn detail(
    s: &AppState,
    who: &Principal,
    session: &Session,
    back: &'static str,
    id: PerformanceId,
    opinion: String,
    shown: Shown,
) -> Result<Response, WebError> {
    let d = performance::detail(&s.app, who, id).await?;
    let own = matches!(who, Principal::Learner(l) if l.id == d.request.learner_id);
    let mut source = forms::holding_view(&s.app, &d.source, own).await?;
    // The request's own trail replaces the outcome's recognition trail.
    source.reviews = Vec::new();
    let reviews = d.reviews.iter().map(forms::review_line).collect();
    let ctx = PageCtx::new("业绩类成果转换申请", session, Some(who), back).await?;
    Ok(render(
        shown.status,
        &DetailPage {
            ctx,
            id: d.request.id,
            back,
            state: state_label(d.request.status),
            target: target_facts(&d),
            decide: d.decidable.then_some(back),
            reviews,
            source,
            opinion,
            errors: shown.errors,
        },
    ))
}
