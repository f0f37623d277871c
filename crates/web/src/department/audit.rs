//! 审计日志: the centre searches the audit log by who acted, their role, the action,
//! its object, the address and the dates.

use app::queries::audit::{ACTIONS, AuditFilter, action_label};
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use domain::id_card::parse_date;
use domain::role::Role;

use crate::AppState;
use crate::kit::error::WebError;
use crate::kit::extract::DepartmentAuth;
use crate::kit::forms::{PER_PAGE, Pager};
use crate::kit::views::{Code, PageCtx, datetime, page};

pub fn routes() -> Router<AppState> {
    Router::new().route("/department/audit", get(search))
}

#[derive(serde::Deserialize, Default)]
struct AuditQuery {
    #[serde(default)]
    actor: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    target: String,
    #[serde(default)]
    ip: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    page: i64,
}

struct EntryRow {
    at: String,
    who: String,
    role: &'static str,
    action: String,
    target: String,
    detail: String,
    ip: String,
}

#[derive(Template)]
#[template(path = "department/audit.html")]
struct AuditPage {
    ctx: PageCtx,
    q: AuditQuery,
    roles: Vec<Code>,
    actions: Vec<Code>,
    rows: Vec<EntryRow>,
    pager: Pager,
    /// A date that could not be read, to say so.
    bad_date: bool,
}

fn role_label(code: Option<&str>) -> &'static str {
    match code {
        Some("operator") => "运维",
        Some(c) => Role::from_code(c).map_or("其他", Role::label),
        None => "匿名",
    }
}

async fn search(
    State(s): State<AppState>,
    a: DepartmentAuth,
    Query(q): Query<AuditQuery>,
) -> Result<Response, WebError> {
    let day = |v: &str| (!v.trim().is_empty()).then(|| parse_date(v.trim()));
    let (from, to) = (day(&q.from), day(&q.to));
    let bad_date = matches!(from, Some(None)) || matches!(to, Some(None));
    let f = AuditFilter {
        actor: Some(q.actor.clone()),
        role: Some(q.role.clone()),
        action: Some(q.action.clone()),
        target: Some(q.target.clone()),
        ip: Some(q.ip.clone()),
        from: from.flatten().map(domain::time::beijing_start),
        // Through the end of the day given.
        to: to.flatten().and_then(|d| d.succ_opt()).map(domain::time::beijing_start),
    };
    let found = app::queries::audit::search(&s.app, &a.principal(), &f, q.page.max(1), PER_PAGE).await?;
    let rows = found
        .rows
        .into_iter()
        .map(|e| EntryRow {
            at: datetime(e.at),
            who: e.actor_name.unwrap_or_else(|| "-".into()),
            role: role_label(e.actor_role.as_deref()),
            action: action_label(&e.action),
            target: e.target.unwrap_or_default(),
            detail: e.detail.unwrap_or_default(),
            ip: e.ip.unwrap_or_default(),
        })
        .collect();
    let pager = Pager::new(
        found.total,
        q.page,
        "/department/audit",
        &[
            ("actor", &q.actor),
            ("role", &q.role),
            ("action", &q.action),
            ("target", &q.target),
            ("ip", &q.ip),
            ("from", &q.from),
            ("to", &q.to),
        ],
    );
    let mut roles: Vec<Code> = Role::ALL
        .iter()
        .map(|r| Code {
            code: r.code(),
            label: r.label(),
        })
        .collect();
    roles.push(Code {
        code: "operator",
        label: "运维",
    });
    let actions = ACTIONS.iter().map(|(code, label)| Code { code, label }).collect();
    let ctx = PageCtx::new("审计日志", &a.session, Some(&a.principal()), "/department/audit").await?;
    Ok(page(&AuditPage {
        ctx,
        q,
        roles,
        actions,
        rows,
        pager,
        bad_date,
    }))
}
