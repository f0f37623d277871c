//! Certificates: issuing for learners (L-08, L-12), the learner's list, and online
//! verification by number or QR code (P-03).

use app::auth::Principal;
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use domain::ids::{ApplicationId, FileId, HoldingId};
use tower_sessions::Session;

use crate::AppState;
use crate::kit::error::WebError;
use crate::kit::extract::{self, ClientIp, CsrfForm, LearnerAuth};
use crate::kit::forms;
use crate::kit::views::{PageCtx, datetime, flash, page};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/learner/certificates", get(list).post(issue_holdings))
        .route("/learner/conversions/{id}/certificate", post(issue_conversion))
        .route("/verify", get(verify).post(verify_upload))
        .route("/verify/public-key", get(public_key))
}

#[derive(Template)]
#[template(path = "learner/certificates.html")]
struct ListPage {
    ctx: PageCtx,
    rows: Vec<CertificateLine>,
    credentials: Vec<CredentialLine>,
}

/// An Open Badges credential the learner downloaded.
struct CredentialLine {
    number: String,
    name: String,
    kind: &'static str,
    issued: String,
    /// Why it no longer holds, if it does not.
    revoked: Option<String>,
    holding_id: HoldingId,
}

struct CertificateLine {
    number: String,
    kind: &'static str,
    issued: String,
    validity: &'static str,
    file_id: FileId,
}

async fn list(State(s): State<AppState>, a: LearnerAuth) -> Result<Response, WebError> {
    let mut rows = Vec::new();
    for c in app::queries::learner::certificates(&s.app, &a.learner).await? {
        let valid = app::certificates::check(&s.app, &c.number).await?.revoked.is_none();
        rows.push(CertificateLine {
            number: c.number,
            kind: if c.kind == "conversion" {
                "转换证明"
            } else {
                "成果证明"
            },
            issued: datetime(c.created_at),
            validity: if valid { "有效" } else { "已失效" },
            file_id: c.file_id,
        });
    }
    let credentials = app::credentials::of_learner(&s.app, &a.learner)
        .await?
        .into_iter()
        .map(|c| CredentialLine {
            name: serde_json::from_str::<serde_json::Value>(&c.document)
                .ok()
                .and_then(|d| d["name"].as_str().map(str::to_string))
                .unwrap_or_default(),
            number: c.number,
            kind: if c.kind == "grant" {
                "转换获得"
            } else {
                "存储成果"
            },
            issued: datetime(c.created_at),
            revoked: c
                .revoked_at
                .map(|at| format!("{}撤销：{}", datetime(at), c.revoked_reason.unwrap_or_default())),
            holding_id: c.holding_id,
        })
        .collect();
    let ctx = PageCtx::new(
        "我的证明",
        &a.session,
        Some(&Principal::Learner(a.learner.clone())),
        "/learner/certificates",
    )
    .await?;
    Ok(page(&ListPage { ctx, rows, credentials }))
}

async fn issue_holdings(
    State(s): State<AppState>,
    a: LearnerAuth,
    ClientIp(ip): ClientIp,
    CsrfForm(_, pairs): CsrfForm<serde::de::IgnoredAny>,
) -> Result<Response, WebError> {
    let actor = Principal::Learner(a.learner.clone()).actor(&ip);
    match app::certificates::holdings(&s.app, &a.learner, &forms::ids(&pairs), &actor).await {
        Ok((number, _)) => {
            flash(&a.session, "ok", format!("证明已开具，编号{number}")).await?;
            Ok(Redirect::to(&format!("/verify?number={number}")).into_response())
        }
        Err(app::AppError::NotFound(m)) => Err(WebError(app::AppError::NotFound(m))),
        Err(e) => {
            flash(&a.session, "error", e.to_string()).await?;
            Ok(Redirect::to("/learner/outcomes").into_response())
        }
    }
}

async fn issue_conversion(
    State(s): State<AppState>,
    a: LearnerAuth,
    Path(id): Path<ApplicationId>,
    ClientIp(ip): ClientIp,
    CsrfForm(_, _): CsrfForm<serde::de::IgnoredAny>,
) -> Result<Response, WebError> {
    let actor = Principal::Learner(a.learner.clone()).actor(&ip);
    match app::certificates::conversion(&s.app, &a.learner, id, &actor).await {
        Ok((number, _)) => Ok(Redirect::to(&format!("/verify?number={number}")).into_response()),
        Err(app::AppError::NotFound(m)) => Err(WebError(app::AppError::NotFound(m))),
        Err(e) => {
            flash(&a.session, "error", e.to_string()).await?;
            Ok(Redirect::to("/learner/conversions").into_response())
        }
    }
}

#[derive(serde::Deserialize, Default)]
struct VerifyQuery {
    #[serde(default)]
    number: String,
}

#[derive(Template)]
#[template(path = "public/verify.html")]
struct VerifyPage {
    /// The PDF, for the learner it was issued to.
    download: Option<FileId>,
    ctx: PageCtx,
    number: String,
    facts: Option<certs::Facts>,
    revoked: Option<String>,
    error: Option<String>,
    public_key: String,
    /// The checks made on an uploaded file or a credential's address.
    checked: Option<app::credentials::Verification>,
}

async fn verify(
    State(s): State<AppState>,
    session: Session,
    crate::kit::extract::ClientIp(ip): crate::kit::extract::ClientIp,
    Query(q): Query<VerifyQuery>,
) -> Result<Response, WebError> {
    let who = extract::principal(&session, &s).await?;
    let (mut facts, mut revoked, mut error) = (None, None, None);
    if !q.number.trim().is_empty() {
        let checked = match app::certificates::throttle_verify(&s.app, &ip).await {
            Ok(()) => app::certificates::check(&s.app, &q.number).await,
            Err(e) => Err(e),
        };
        match checked {
            Ok(c) => {
                facts = Some(c.facts);
                revoked = c.revoked;
            }
            Err(app::AppError::NotFound(m) | app::AppError::TooManyRequests(m)) => error = Some(m),
            Err(e) => return Err(WebError(e)),
        }
    }
    // The learner it was issued to (just after 开具证明) gets the PDF from here.
    let download = match (&who, &facts) {
        (Some(Principal::Learner(l)), Some(_)) => app::queries::learner::certificates(&s.app, l)
            .await?
            .into_iter()
            .find(|c| c.number == q.number.trim())
            .map(|c| c.file_id),
        _ => None,
    };
    verify_page(
        &s,
        &session,
        who.as_ref(),
        VerifyResult {
            number: q.number,
            facts,
            revoked,
            error,
            download,
            checked: None,
        },
    )
    .await
}

/// What a verification found, for the page.
struct VerifyResult {
    number: String,
    facts: Option<certs::Facts>,
    revoked: Option<String>,
    error: Option<String>,
    download: Option<FileId>,
    checked: Option<app::credentials::Verification>,
}

async fn verify_page(
    s: &AppState,
    session: &Session,
    who: Option<&Principal>,
    r: VerifyResult,
) -> Result<Response, WebError> {
    let public_key = certs::public_to_hex(&app::certificates::public_key(&s.app).await?);
    // The upload form needs a CSRF token, so the page without a number starts a session;
    // a QR code's lookup (a number given) only reads, writing no session for each scan.
    let ctx = if r.number.trim().is_empty() {
        PageCtx::form("证书核验", session, who, "").await?
    } else {
        PageCtx::new("证书核验", session, who, "").await?
    };
    Ok(page(&VerifyPage {
        ctx,
        download: r.download,
        number: r.number,
        facts: r.facts,
        revoked: r.revoked,
        error: r.error,
        public_key,
        checked: r.checked,
    }))
}

/// P-03: an uploaded credential (JSON) or PDF certificate, checked step by step.
async fn verify_upload(
    State(s): State<AppState>,
    session: Session,
    ClientIp(ip): ClientIp,
    form: forms::CsrfMultipart,
) -> Result<Response, WebError> {
    let who = extract::principal(&session, &s).await?;
    let checked = match form.file("file") {
        None => Err(app::AppError::field(
            "file",
            "请选择要核验的凭证文件：证书PDF、二维码图片或数字凭证（JSON）",
        )),
        Some((_, _, bytes)) => match app::certificates::throttle_verify(&s.app, &ip).await {
            Ok(()) => app::credentials::verify_file(&s.app, bytes).await,
            Err(e) => Err(e),
        },
    };
    let (checked, error) = match checked {
        Ok(v) => (Some(v), None),
        Err(app::AppError::TooManyRequests(m)) => (None, Some(m)),
        Err(e @ app::AppError::Invalid(_)) => (None, Some(e.to_string())),
        Err(e) => return Err(WebError(e)),
    };
    let r = VerifyResult {
        number: String::new(),
        facts: None,
        revoked: None,
        error,
        download: None,
        checked,
    };
    verify_page(&s, &session, who.as_ref(), r).await
}

/// A credential's own address (its `id`): what verifying it finds.
pub(super) async fn credential(
    State(s): State<AppState>,
    session: Session,
    ClientIp(ip): ClientIp,
    Path(number): Path<String>,
) -> Result<Response, WebError> {
    let who = extract::principal(&session, &s).await?;
    app::certificates::throttle_verify(&s.app, &ip).await?;
    let checked = app::credentials::check_number(&s.app, &number).await?;
    let r = VerifyResult {
        number: String::new(),
        facts: None,
        revoked: None,
        error: None,
        download: None,
        checked: Some(checked),
    };
    verify_page(&s, &session, who.as_ref(), r).await
}

async fn public_key(State(s): State<AppState>) -> Result<Response, WebError> {
    Ok(certs::public_to_hex(&app::certificates::public_key(&s.app).await?).into_response())
}
