//! Views of learner-outcome reviews that the department and experts share: the review
//! queues with their decision forms, and the detail of an outcome under review.

use app::auth::Principal;
use app::queries::Holding;
use app::queries::holdings::Queue;
use askama::Template;
use axum::http::StatusCode;
use axum::response::Response;
use domain::ids::HoldingId;

use crate::AppState;
use crate::kit::error::WebError;
use crate::kit::forms::{self};
use crate::kit::views::{Fact, FormErrors, PageCtx, render};

#[derive(serde::Deserialize)]
pub(crate) struct Decision {
    #[serde(default)]
    pub(crate) decision: String,
    #[serde(default)]
    pub(crate) credits: String,
    #[serde(default)]
    pub(crate) opinion: String,
}

pub(crate) struct ReviewRow {
    pub(crate) id: HoldingId,
    pub(crate) name: String,
    pub(crate) subtype: String,
    pub(crate) learner: String,
    pub(crate) id_number: String,
    pub(crate) issuer: String,
    pub(crate) files: usize,
    pub(crate) state: &'static str,
}

#[derive(Template)]
#[template(path = "kit/review_list.html")]
pub(crate) struct ReviewPage {
    pub(crate) ctx: PageCtx,
    pub(crate) heading: &'static str,
    pub(crate) hint: &'static str,
    pub(crate) empty: &'static str,
    pub(crate) action: &'static str,
    pub(crate) detail_base: &'static str,
    pub(crate) pass_label: &'static str,
    pub(crate) fail_label: &'static str,
    pub(crate) with_credits: bool,
    pub(crate) rows: Vec<ReviewRow>,
    pub(crate) credits: String,
    pub(crate) opinion: String,
    pub(crate) errors: FormErrors,
}

pub(crate) async fn queue_rows(s: &AppState, who: &Principal, q: Queue) -> Result<Vec<Holding>, WebError> {
    Ok(app::queries::holdings::queue(&s.app, who, q).await?)
}

pub(crate) async fn review_page(
    s: &AppState,
    ctx: PageCtx,
    q: Queue,
    rows: Vec<Holding>,
    f: Option<&Decision>,
    errors: FormErrors,
    status: StatusCode,
) -> Result<Response, WebError> {
    let mut out = Vec::new();
    let counts = app::queries::holdings::evidence_counts(&s.app, &rows).await?;
    for (h, files) in rows.into_iter().zip(counts) {
        out.push(ReviewRow {
            state: if q == Queue::Storage {
                app::holdings::status_label(&h)
            } else {
                app::holdings::recognition_label(h.recognition)
            },
            id_number: domain::mask::id_number(&h.learner_id_number),
            id: h.id,
            name: h.name,
            subtype: h.subtype_name,
            learner: h.learner_name,
            issuer: h.issuer,
            files,
        });
    }
    let (heading, hint, empty, action, detail_base, pass_label, fail_label) = match q {
        Queue::Storage => (
            "学习成果存储审核",
            "学习者提交存储的成果，核对信息后存储或退回。",
            "暂无待存储的成果。",
            "/department/storage",
            "/department/outcomes",
            "存储",
            "退回",
        ),
        Queue::Initial => (
            "成果认定初审",
            "学习者申请认定的无一定形式成果，初审通过后交专家终审。",
            "暂无待初审的认定申请。",
            "/department/recognition",
            "/department/outcomes",
            "初审通过",
            "不通过",
        ),
        Queue::Final => (
            "成果认定终审",
            "初审通过的认定申请，终审通过后成果存入学习者账户并获得学分。",
            "暂无待终审的认定申请。",
            "/expert/recognition",
            "/expert/outcomes",
            "终审通过",
            "不通过",
        ),
    };
    Ok(render(
        status,
        &ReviewPage {
            ctx,
            heading,
            hint,
            empty,
            action,
            detail_base,
            pass_label,
            fail_label,
            with_credits: q == Queue::Final,
            rows: out,
            credits: f.map(|f| f.credits.clone()).unwrap_or_default(),
            opinion: f.map(|f| f.opinion.clone()).unwrap_or_default(),
            errors,
        },
    ))
}

pub(crate) async fn picked(
    s: &AppState,
    who: &Principal,
    q: Queue,
    pairs: &[(String, String)],
) -> Result<Vec<HoldingId>, WebError> {
    Ok(app::queries::holdings::ticked_or_all(&s.app, who, q, forms::ids(pairs)).await?)
}

#[derive(Template)]
#[template(path = "kit/review_detail.html")]
pub(crate) struct DetailPage {
    pub(crate) ctx: PageCtx,
    pub(crate) back: &'static str,
    pub(crate) base: Vec<Fact>,
    pub(crate) extra: Vec<Fact>,
    pub(crate) files: Vec<crate::kit::forms::FileLink>,
    pub(crate) reviews: Vec<crate::kit::forms::ReviewLine>,
}
