//! 接口密钥: the primary account creates, lists and revokes the keys with which the
//! institution's own systems call `/api/v1`. A new key is shown once.

use app::api_keys::Scope;
use app::auth::Principal;
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use domain::ids::ApiKeyId;

use crate::AppState;
use crate::kit::error::WebError;
use crate::kit::extract::{ClientIp, CsrfForm, InstitutionAuth};
use crate::kit::views::{FormErrors, PageCtx, ShownOnce, datetime, flash, form_status, render};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/institution/api-keys", get(list).post(create))
        .route("/institution/api-keys/{id}/revoke", post(revoke))
}

const SHOWN_KEY: &str = "shown_api_key";

struct KeyRow {
    id: ApiKeyId,
    name: String,
    prefix: String,
    scopes: String,
    created: String,
    last_used: String,
    revoked: Option<String>,
}

struct ScopeChoice {
    code: &'static str,
    label: &'static str,
    checked: bool,
    fixed: bool,
}

#[derive(Template)]
#[template(path = "institution/api_keys.html")]
struct KeysPage {
    ctx: PageCtx,
    shown: Option<ShownOnce>,
    rows: Vec<KeyRow>,
    name: String,
    scopes: Vec<ScopeChoice>,
    errors: FormErrors,
}

fn principal(a: &InstitutionAuth) -> Principal {
    Principal::Institution {
        user: a.user.clone(),
        institution: a.institution.clone(),
    }
}

async fn page(
    s: &AppState,
    a: &InstitutionAuth,
    name: String,
    picked: &[String],
    errors: FormErrors,
    status: StatusCode,
) -> Result<Response, WebError> {
    a.require_primary()?;
    let who = principal(a);
    let rows = app::api_keys::list(&s.app, &who)
        .await?
        .into_iter()
        .map(|k| KeyRow {
            scopes: Scope::list(&k.scopes)
                .iter()
                .map(|s| s.label())
                .collect::<Vec<_>>()
                .join("、"),
            created: datetime(k.created_at),
            last_used: k.last_used_at.map(datetime).unwrap_or_else(|| "从未使用".into()),
            revoked: k.revoked_at.map(datetime),
            id: k.id,
            name: k.name,
            prefix: k.prefix,
        })
        .collect();
    let shown = ShownOnce::take(&a.session, SHOWN_KEY).await?;
    let scopes = Scope::ALL
        .iter()
        .map(|sc| ScopeChoice {
            code: sc.code(),
            label: sc.label(),
            checked: *sc == Scope::Read || picked.iter().any(|p| p == sc.code()),
            fixed: *sc == Scope::Read,
        })
        .collect();
    let ctx = PageCtx::new("接口密钥", &a.session, Some(&who), "/institution/api-keys").await?;
    Ok(render(
        status,
        &KeysPage {
            ctx,
            shown,
            rows,
            name,
            scopes,
            errors,
        },
    ))
}

async fn list(State(s): State<AppState>, a: InstitutionAuth) -> Result<Response, WebError> {
    page(&s, &a, String::new(), &[], FormErrors::default(), StatusCode::OK).await
}

#[derive(serde::Deserialize)]
struct NewKey {
    #[serde(default)]
    name: String,
}

async fn create(
    State(s): State<AppState>,
    a: InstitutionAuth,
    ClientIp(ip): ClientIp,
    CsrfForm(f, pairs): CsrfForm<NewKey>,
) -> Result<Response, WebError> {
    a.require_primary()?;
    let scopes: Vec<String> = pairs
        .iter()
        .filter(|(k, _)| k == "scope")
        .map(|(_, v)| v.clone())
        .collect();
    let who = principal(&a);
    match app::api_keys::create(&s.app, &who, &f.name, &scopes, &who.actor(&ip)).await {
        Ok((_, token)) => {
            ShownOnce::keep(&a.session, SHOWN_KEY, f.name.trim().to_string(), token).await?;
            Ok(Redirect::to("/institution/api-keys").into_response())
        }
        Err(e) => page(&s, &a, f.name, &scopes, FormErrors::from_error(&e), form_status(&e)).await,
    }
}

async fn revoke(
    State(s): State<AppState>,
    a: InstitutionAuth,
    ClientIp(ip): ClientIp,
    Path(id): Path<ApiKeyId>,
    CsrfForm(_, _): CsrfForm<serde::de::IgnoredAny>,
) -> Result<Response, WebError> {
    a.require_primary()?;
    let who = principal(&a);
    app::api_keys::revoke(&s.app, &who, id, &who.actor(&ip)).await?;
    flash(&a.session, "ok", "密钥已作废，使用它的系统将无法再调用接口").await?;
    Ok(Redirect::to("/institution/api-keys").into_response())
}
