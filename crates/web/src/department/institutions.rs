//! The management department: its dashboard and the review of institution
//! registrations under it (M-01). Every query is limited to the department's scope.

use app::queries::Institution;
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use domain::ids::InstitutionId;
use domain::institution::{InstitutionKind, InstitutionStatus};
use domain::mask;

use crate::AppState;
use crate::kit::error::WebError;
use crate::kit::extract::{ClientIp, CsrfForm, DepartmentAuth};
use crate::kit::views::{FormErrors, PageCtx, datetime, flash, form_status, page, render};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/department", get(home))
        .route("/department/institutions", get(list))
        .route("/department/institutions/pending", get(pending))
        .route("/department/institutions/{id}", get(detail))
        .route("/department/institutions/{id}/decision", post(decide))
}

#[derive(Template)]
#[template(path = "department/home.html")]
struct Home {
    ctx: PageCtx,
    department: String,
    pending: usize,
    approved: usize,
    rejected: usize,
    draft: usize,
    queues: Vec<QueueLine>,
}

struct QueueLine {
    label: &'static str,
    href: &'static str,
    count: i64,
    /// 最早一条已等待N个工作日, and the time left against the promise.
    waited: String,
    left: String,
    overdue: bool,
}

async fn home(State(s): State<AppState>, a: DepartmentAuth) -> Result<Response, WebError> {
    let all = app::queries::institutions::in_scope(&s.app, &a.scope, None).await?;
    let count = |st: InstitutionStatus| all.iter().filter(|i| i.status == st).count();
    let queues = app::queries::dashboard::department(&s.app, &a.principal())
        .await?
        .into_iter()
        .map(|q| QueueLine {
            waited: match (q.count, q.oldest_waited) {
                (0, _) | (_, None) => String::new(),
                (_, Some(d)) => format!("最早一条已等待{d}个工作日"),
            },
            left: match (q.count, q.left(), q.promised) {
                (0, _, _) | (_, None, _) => q.promised.map(|p| format!("承诺{p}个工作日内办结")).unwrap_or_default(),
                (_, Some(l), _) if l >= 0 => format!("剩余{l}个工作日"),
                (_, Some(l), _) => format!("已超期{}个工作日", -l),
            },
            overdue: q.left().is_some_and(|l| l < 0) && q.count > 0,
            label: q.label,
            href: q.href,
            count: q.count,
        })
        .collect();
    let ctx = PageCtx::new("工作台", &a.session, Some(&a.principal()), "/department").await?;
    Ok(page(&Home {
        queues,
        ctx,
        department: a.department.name.clone(),
        pending: count(InstitutionStatus::Pending),
        approved: count(InstitutionStatus::Approved),
        rejected: count(InstitutionStatus::Rejected),
        draft: count(InstitutionStatus::Draft),
    }))
}

struct Row {
    id: InstitutionId,
    name: String,
    code: String,
    kind: &'static str,
    department: String,
    registrant: String,
    submitted: String,
    status: &'static str,
    status_label: &'static str,
}

#[derive(Template)]
#[template(path = "department/institutions.html")]
struct ListPage {
    ctx: PageCtx,
    heading: &'static str,
    status: String,
    statuses: Vec<crate::kit::views::Code>,
    rows: Vec<Row>,
    empty: &'static str,
}

#[derive(serde::Deserialize, Default)]
struct ListQuery {
    #[serde(default)]
    status: String,
}

async fn render_list(
    s: &AppState,
    a: &DepartmentAuth,
    status: String,
    heading: &'static str,
    active: &str,
) -> Result<Response, WebError> {
    let departments = app::queries::institutions::departments(&s.app).await?;
    // An empty or unknown filter lists every state.
    let filter = InstitutionStatus::parse(&status).ok();
    let rows = app::queries::institutions::in_scope(&s.app, &a.scope, filter)
        .await?
        .into_iter()
        .map(|i| Row {
            id: i.id,
            kind: InstitutionKind::from_code(&i.kind).map(|k| k.label()).unwrap_or("-"),
            department: departments
                .iter()
                .find(|d| d.id == i.department_id)
                .map(|d| d.name.clone())
                .unwrap_or_default(),
            registrant: i.registrant_name.clone().unwrap_or_else(|| "-".into()),
            submitted: i.submitted_at.map(datetime).unwrap_or_else(|| "-".into()),
            status_label: i.status.label(),
            status: i.status.code(),
            name: i.name,
            code: i.code,
        })
        .collect();
    let statuses = [
        InstitutionStatus::Pending,
        InstitutionStatus::Approved,
        InstitutionStatus::Rejected,
        InstitutionStatus::Draft,
    ]
    .iter()
    .map(|s| crate::kit::views::Code {
        code: s.code(),
        label: s.label(),
    })
    .collect();
    let empty = if status == "pending" {
        "暂无待审核的机构注册申请。机构提交注册信息后会出现在这里。"
    } else {
        "没有符合条件的机构。"
    };
    let ctx = PageCtx::new(heading, &a.session, Some(&a.principal()), active).await?;
    Ok(page(&ListPage {
        ctx,
        heading,
        status,
        statuses,
        rows,
        empty,
    }))
}

async fn list(State(s): State<AppState>, a: DepartmentAuth, Query(q): Query<ListQuery>) -> Result<Response, WebError> {
    render_list(&s, &a, q.status, "机构列表", "/department/institutions").await
}

async fn pending(State(s): State<AppState>, a: DepartmentAuth) -> Result<Response, WebError> {
    render_list(
        &s,
        &a,
        "pending".into(),
        "机构注册审核",
        "/department/institutions/pending",
    )
    .await
}

#[derive(Template)]
#[template(path = "department/institution.html")]
struct Detail {
    ctx: PageCtx,
    inst: Institution,
    kind: &'static str,
    department: String,
    status_label: &'static str,
    registrant_id: String,
    submitted: String,
    reason: String,
    errors: FormErrors,
}

/// An institution in the department's scope; any other is "not found".
async fn scoped(s: &AppState, a: &DepartmentAuth, id: InstitutionId) -> Result<Institution, WebError> {
    Ok(app::queries::institutions::scoped(&s.app, &a.scope, id).await?)
}

async fn detail_page(
    s: &AppState,
    a: &DepartmentAuth,
    inst: Institution,
    reason: String,
    errors: FormErrors,
    status: StatusCode,
) -> Result<Response, WebError> {
    let department = app::queries::institutions::department_name(&s.app, inst.department_id).await?;
    let ctx = PageCtx::new(
        "机构注册信息",
        &a.session,
        Some(&a.principal()),
        "/department/institutions/pending",
    )
    .await?;
    Ok(render(
        status,
        &Detail {
            ctx,
            kind: InstitutionKind::from_code(&inst.kind).map(|k| k.label()).unwrap_or("-"),
            department,
            status_label: inst.status.label(),
            registrant_id: inst
                .registrant_id_number
                .as_deref()
                .map(mask::id_number)
                .unwrap_or_default(),
            submitted: inst.submitted_at.map(datetime).unwrap_or_else(|| "-".into()),
            inst,
            reason,
            errors,
        },
    ))
}

async fn detail(
    State(s): State<AppState>,
    a: DepartmentAuth,
    Path(id): Path<InstitutionId>,
) -> Result<Response, WebError> {
    let inst = scoped(&s, &a, id).await?;
    detail_page(&s, &a, inst, String::new(), FormErrors::default(), StatusCode::OK).await
}

#[derive(serde::Deserialize)]
struct DecisionForm {
    #[serde(default)]
    decision: String,
    #[serde(default)]
    reason: String,
}

async fn decide(
    State(s): State<AppState>,
    a: DepartmentAuth,
    Path(id): Path<InstitutionId>,
    ClientIp(ip): ClientIp,
    CsrfForm(f, _): CsrfForm<DecisionForm>,
) -> Result<Response, WebError> {
    // Another province's institution is "not found", whatever the form says.
    scoped(&s, &a, id).await?;
    let approve = match f.decision.as_str() {
        "approve" => true,
        "reject" => false,
        _ => return Err(WebError(app::AppError::field("decision", "请选择审核结果"))),
    };
    match app::institutions::decide(&s.app, &a.scope, &a.principal().actor(&ip), id, approve, &f.reason).await {
        Ok(()) => {
            flash(
                &a.session,
                "ok",
                if approve {
                    "已审核通过，机构可以登录了"
                } else {
                    "已驳回，机构可修改后重新提交"
                },
            )
            .await?;
            Ok(Redirect::to("/department/institutions/pending").into_response())
        }
        Err(app::AppError::NotFound(m)) => Err(WebError(app::AppError::NotFound(m))),
        Err(e) => {
            let inst = scoped(&s, &a, id).await?;
            detail_page(&s, &a, inst, f.reason, FormErrors::from_error(&e), form_status(&e)).await
        }
    }
}
