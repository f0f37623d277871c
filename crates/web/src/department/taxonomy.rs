//! 成果分类管理 and 机构授权 (M-02): the department edits the taxonomy (subtypes, their
//! fields, which need authorisation) and authorises institutions for restricted subtypes.

use app::taxonomy::FieldForm;
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use domain::ids::{FieldId, InstitutionId, OutcomeTypeId, SubtypeId};
use domain::taxonomy::FieldKind;

use crate::AppState;
use crate::kit::error::WebError;
use crate::kit::extract::{ClientIp, CsrfForm, DepartmentAuth};
use crate::kit::views::{FormErrors, PageCtx, flash, form_status, page, render};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/department/taxonomy", get(taxonomy).post(add_subtype))
        .route("/department/taxonomy/{id}", get(subtype_page))
        .route("/department/taxonomy/{id}/fields", post(add_field))
        .route("/department/taxonomy/{id}/restricted", post(restricted))
        .route("/department/taxonomy/fields/{id}", post(change_field))
        .route("/department/authorisations", get(authorisations).post(authorise))
}

async fn dctx(a: &DepartmentAuth, title: &str, active: &str) -> Result<PageCtx, WebError> {
    PageCtx::new(title, &a.session, Some(&a.principal()), active).await
}

const KINDS: [FieldKind; 5] = [
    FieldKind::Text,
    FieldKind::Textarea,
    FieldKind::Number,
    FieldKind::Date,
    FieldKind::Select,
];

fn kinds() -> Vec<crate::kit::views::Code> {
    KINDS
        .iter()
        .map(|k| crate::kit::views::Code {
            code: k.code(),
            label: k.label(),
        })
        .collect()
}

/// A restricted subtype and whether the institution may store it.
struct Grant {
    id: SubtypeId,
    name: String,
    granted: bool,
}

struct SubtypeLine {
    id: SubtypeId,
    name: String,
    fields: usize,
    how: &'static str,
}

struct FieldLine {
    id: FieldId,
    key: String,
    label: String,
    kind: String,
    required: bool,
    options: String,
}

#[derive(Template)]
#[template(path = "department/taxonomy.html")]
struct TaxonomyPage {
    ctx: PageCtx,
    preset: String,
    groups: Vec<SubtypeGroup>,
    types: Vec<crate::kit::views::Choice<OutcomeTypeId>>,
    form: app::taxonomy::SubtypeForm,
    errors: FormErrors,
    /// Only the centre changes the taxonomy; provinces read it.
    editable: bool,
}

/// A type and its subtypes.
struct SubtypeGroup {
    name: String,
    category: &'static str,
    items: Vec<SubtypeLine>,
}

async fn taxonomy(State(s): State<AppState>, a: DepartmentAuth) -> Result<Response, WebError> {
    taxonomy_page(
        &s,
        &a,
        app::taxonomy::SubtypeForm::default(),
        FormErrors::default(),
        StatusCode::OK,
    )
    .await
}

async fn add_subtype(
    State(s): State<AppState>,
    a: DepartmentAuth,
    ClientIp(ip): ClientIp,
    CsrfForm(f, _): CsrfForm<app::taxonomy::SubtypeForm>,
) -> Result<Response, WebError> {
    match app::taxonomy::add_subtype(&s.app, &f, &a.principal(), &ip).await {
        Ok(id) => {
            flash(&a.session, "ok", "子类型已新增，请为它设置字段").await?;
            Ok(Redirect::to(&format!("/department/taxonomy/{id}")).into_response())
        }
        Err(e) => taxonomy_page(&s, &a, f, FormErrors::from_error(&e), form_status(&e)).await,
    }
}

async fn taxonomy_page(
    s: &AppState,
    a: &DepartmentAuth,
    form: app::taxonomy::SubtypeForm,
    errors: FormErrors,
    status: StatusCode,
) -> Result<Response, WebError> {
    let preset = app::queries::taxonomy::preset_label(&s.app);
    let mut groups: Vec<SubtypeGroup> = Vec::new();
    for st in app::queries::taxonomy::subtypes(&s.app).await? {
        let n = app::queries::taxonomy::fields(&s.app, st.id).await?.len();
        let how = if st.synced != 0 {
            "平台同步"
        } else if st.restricted != 0 {
            "需授权"
        } else {
            "机构可存储"
        };
        if groups.last().is_none_or(|g| g.name != st.type_name) {
            groups.push(SubtypeGroup {
                name: st.type_name.clone(),
                category: st.category().label(),
                items: Vec::new(),
            });
        }
        if let Some(g) = groups.last_mut() {
            g.items.push(SubtypeLine {
                id: st.id,
                name: st.name,
                fields: n,
                how,
            });
        }
    }
    let types = app::queries::taxonomy::types(&s.app)
        .await?
        .into_iter()
        .map(|t| crate::kit::views::Choice {
            value: t.id,
            label: t.name,
        })
        .collect();
    Ok(render(
        status,
        &TaxonomyPage {
            ctx: dctx(a, "成果分类管理", "/department/taxonomy").await?,
            preset,
            groups,
            types,
            form,
            errors,
            editable: app::taxonomy::may_edit(&a.principal()),
        },
    ))
}

#[derive(Template)]
#[template(path = "department/subtype.html")]
struct SubtypePage {
    ctx: PageCtx,
    id: SubtypeId,
    type_name: String,
    subtype_name: String,
    restricted: bool,
    fields: Vec<FieldLine>,
    kinds: Vec<crate::kit::views::Code>,
    new: FieldForm,
    errors: FormErrors,
    editable: bool,
}

async fn subtype_form(
    s: &AppState,
    a: &DepartmentAuth,
    id: SubtypeId,
    new: FieldForm,
    errors: FormErrors,
    status: StatusCode,
) -> Result<Response, WebError> {
    let (st, _) = app::taxonomy::subtype(&s.app, id).await?;
    let fields = app::queries::taxonomy::fields(&s.app, id)
        .await?
        .into_iter()
        .map(|f| FieldLine {
            required: f.required != 0,
            id: f.id,
            key: f.key,
            label: f.label,
            kind: f.kind,
            options: f.options,
        })
        .collect();
    Ok(render(
        status,
        &SubtypePage {
            ctx: dctx(a, "字段设置", "/department/taxonomy").await?,
            id,
            type_name: st.type_name,
            subtype_name: st.name,
            restricted: st.restricted != 0,
            fields,
            kinds: kinds(),
            new,
            errors,
            editable: app::taxonomy::may_edit(&a.principal()),
        },
    ))
}

async fn subtype_page(
    State(s): State<AppState>,
    a: DepartmentAuth,
    Path(id): Path<SubtypeId>,
) -> Result<Response, WebError> {
    subtype_form(
        &s,
        &a,
        id,
        FieldForm {
            kind: "text".into(),
            ..Default::default()
        },
        FormErrors::default(),
        StatusCode::OK,
    )
    .await
}

async fn add_field(
    State(s): State<AppState>,
    a: DepartmentAuth,
    Path(id): Path<SubtypeId>,
    ClientIp(ip): ClientIp,
    CsrfForm(f, _): CsrfForm<FieldForm>,
) -> Result<Response, WebError> {
    match app::taxonomy::add_field(&s.app, id, &f, &a.principal(), &ip).await {
        Ok(()) => {
            flash(&a.session, "ok", "字段已新增").await?;
            Ok(Redirect::to(&format!("/department/taxonomy/{id}")).into_response())
        }
        Err(e @ app::AppError::Invalid(_)) => {
            subtype_form(&s, &a, id, f, FormErrors::from_error(&e), form_status(&e)).await
        }
        Err(e) => Err(WebError(e)),
    }
}

#[derive(serde::Deserialize)]
struct ChangeField {
    #[serde(default)]
    op: String,
    #[serde(flatten)]
    field: FieldForm,
}

async fn change_field(
    State(s): State<AppState>,
    a: DepartmentAuth,
    Path(id): Path<FieldId>,
    ClientIp(ip): ClientIp,
    CsrfForm(f, _): CsrfForm<ChangeField>,
) -> Result<Response, WebError> {
    let row = app::queries::taxonomy::field(&s.app, id).await?;
    let who = a.principal();
    let result = if f.op == "delete" {
        app::taxonomy::delete_field(&s.app, id, &who, &ip).await
    } else {
        app::taxonomy::update_field(&s.app, id, &f.field, &who, &ip).await
    };
    match result {
        Ok(()) => {
            flash(
                &a.session,
                "ok",
                if f.op == "delete" {
                    "字段已删除"
                } else {
                    "字段已保存"
                },
            )
            .await?
        }
        Err(e) => flash(&a.session, "error", crate::kit::views::refusal(e)?.to_string()).await?,
    }
    Ok(Redirect::to(&format!("/department/taxonomy/{}", row.subtype_id)).into_response())
}

#[derive(serde::Deserialize)]
struct RestrictedForm {
    #[serde(default)]
    restricted: String,
}

async fn restricted(
    State(s): State<AppState>,
    a: DepartmentAuth,
    Path(id): Path<SubtypeId>,
    ClientIp(ip): ClientIp,
    CsrfForm(f, _): CsrfForm<RestrictedForm>,
) -> Result<Response, WebError> {
    app::taxonomy::set_restricted(&s.app, id, f.restricted == "1", &a.principal(), &ip).await?;
    flash(&a.session, "ok", "已保存").await?;
    Ok(Redirect::to(&format!("/department/taxonomy/{id}")).into_response())
}

#[derive(Template)]
#[template(path = "department/authorisations.html")]
struct AuthPage {
    ctx: PageCtx,
    institutions: Vec<crate::kit::views::Choice<InstitutionId>>,
    selected: Option<InstitutionId>,
    subtypes: Vec<Grant>,
}

#[derive(serde::Deserialize, Default)]
struct AuthQuery {
    #[serde(default)]
    institution: Option<InstitutionId>,
}

async fn authorisations(
    State(s): State<AppState>,
    a: DepartmentAuth,
    Query(q): Query<AuthQuery>,
) -> Result<Response, WebError> {
    let institutions: Vec<crate::kit::views::Choice<InstitutionId>> =
        app::queries::institutions::in_scope(&s.app, &a.scope, Some(domain::lifecycle::InstitutionStatus::Approved))
            .await?
            .into_iter()
            .map(|i| crate::kit::views::Choice {
                value: i.id,
                label: i.name,
            })
            .collect();
    let selected = q.institution.filter(|id| institutions.iter().any(|i| i.value == *id));
    let mut subtypes = Vec::new();
    if let Some(inst) = selected {
        let granted = app::queries::taxonomy::authorised(&s.app, inst).await?;
        subtypes = app::queries::taxonomy::subtypes(&s.app)
            .await?
            .into_iter()
            .filter(|s| s.restricted != 0)
            .map(|s| Grant {
                granted: granted.contains(&s.id),
                id: s.id,
                name: s.name,
            })
            .collect();
    }
    Ok(page(&AuthPage {
        ctx: dctx(&a, "机构授权", "/department/authorisations").await?,
        institutions,
        selected,
        subtypes,
    }))
}

#[derive(serde::Deserialize)]
struct AuthForm {
    institution: InstitutionId,
    subtype: SubtypeId,
    #[serde(default)]
    grant: String,
}

async fn authorise(
    State(s): State<AppState>,
    a: DepartmentAuth,
    ClientIp(ip): ClientIp,
    CsrfForm(f, _): CsrfForm<AuthForm>,
) -> Result<Response, WebError> {
    app::taxonomy::authorise(
        &s.app,
        &a.scope,
        &a.principal().actor(&ip),
        f.institution,
        f.subtype,
        f.grant == "1",
    )
    .await?;
    flash(&a.session, "ok", if f.grant == "1" { "已授权" } else { "已取消授权" }).await?;
    Ok(Redirect::to(&format!("/department/authorisations?institution={}", f.institution)).into_response())
}
