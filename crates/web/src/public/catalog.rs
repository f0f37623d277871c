//! The public outcome catalog (P-02): search by Chinese substrings of the name, by
//! institution, type and level; paginated.

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::get;
use domain::credits::Credits;
use domain::ids::{CatalogOutcomeId, InstitutionId, LevelId, OutcomeTypeId};
use tower_sessions::Session;

use crate::AppState;
use crate::kit::error::WebError;
use crate::kit::extract;
use crate::kit::forms::{self, PER_PAGE, Pager};
use crate::kit::views::{Fact, PageCtx, facts, page};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/catalog", get(search))
        .route("/catalog/{id}", get(item))
}

#[derive(serde::Deserialize, Default)]
struct SearchQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    institution: String,
    #[serde(default, rename = "type")]
    type_: String,
    #[serde(default)]
    level: String,
    #[serde(default)]
    page: i64,
}

const LEVELS: [&str; 7] = ["中职", "高职", "职业教育本科", "专科", "本科", "硕士", "博士"];

struct Row {
    id: CatalogOutcomeId,
    name: String,
    institution: String,
    type_name: String,
    subtype_name: String,
    level: String,
    recognition: &'static str,
    credits: String,
}

#[derive(Template)]
#[template(path = "public/catalog.html")]
struct SearchPage {
    ctx: PageCtx,
    q: SearchQuery,
    institutions: Vec<crate::kit::views::Choice<InstitutionId>>,
    types: Vec<crate::kit::views::Choice<OutcomeTypeId>>,
    levels: [&'static str; 7],
    rows: Vec<Row>,
    pager: Pager,
}

async fn search(
    State(s): State<AppState>,
    session: Session,
    Query(q): Query<SearchQuery>,
) -> Result<Response, WebError> {
    let who = extract::principal(&session, &s).await?;
    let f = app::queries::CatalogFilter {
        institution_id: forms::opt_id(&q.institution),
        type_id: forms::opt_id(&q.type_),
        name: Some(q.q.chars().take(50).collect::<String>()).filter(|n| !n.trim().is_empty()),
        level: Some(q.level.clone()).filter(|l| !l.is_empty()),
        ..Default::default()
    };
    let result = app::queries::catalog::search(&s.app, &f, q.page.max(1), PER_PAGE).await?;
    let rows = result
        .rows
        .into_iter()
        .map(|o| {
            let level = serde_json::from_str::<std::collections::BTreeMap<String, String>>(&o.fields)
                .ok()
                .and_then(|m| m.get("level").cloned())
                .unwrap_or_else(|| "-".into());
            Row {
                recognition: o.recognition.label(),
                credits: o.credits.map(|c| Credits(c).to_string()).unwrap_or_else(|| "-".into()),
                id: o.id,
                name: o.name,
                institution: o.institution_name,
                type_name: o.type_name,
                subtype_name: o.subtype_name,
                level,
            }
        })
        .collect();
    let institutions = app::queries::institutions::approved(&s.app)
        .await?
        .into_iter()
        .map(|i| crate::kit::views::Choice {
            value: i.id,
            label: i.name,
        })
        .collect();
    let (types, _) = forms::type_choices(&s.app).await?;
    let pager = Pager::new(
        result.total,
        q.page,
        "/catalog",
        &[
            ("q", &q.q),
            ("institution", &q.institution),
            ("type", &q.type_),
            ("level", &q.level),
        ],
    );
    Ok(page(&SearchPage {
        ctx: PageCtx::new("成果名录", &session, who.as_ref(), "").await?,
        q,
        institutions,
        types,
        levels: LEVELS,
        rows,
        pager,
    }))
}

#[derive(Template)]
#[template(path = "public/catalog_item.html")]
struct ItemPage {
    ctx: PageCtx,
    id: CatalogOutcomeId,
    name: String,
    base: Vec<Fact>,
    extra: Vec<Fact>,
    /// The framework's levels when the caller may place the outcome on one.
    levels: Vec<app::queries::portal::Level>,
    level_id: Option<LevelId>,
}

async fn item(
    State(s): State<AppState>,
    session: Session,
    Path(id): Path<CatalogOutcomeId>,
) -> Result<Response, WebError> {
    let who = extract::principal(&session, &s).await?;
    let o = app::queries::catalog::get(&s.app, id).await?;
    let (_, specs) = app::taxonomy::subtype(&s.app, o.subtype_id).await?;
    let base = vec![
        ("颁证机构".to_string(), o.institution_name.clone()),
        ("成果类型".into(), o.type_name.clone()),
        ("成果子类型".into(), o.subtype_name.clone()),
        ("认定状态".into(), o.recognition.label().into()),
        (
            "学分银行学分".into(),
            o.credits.map(|c| Credits(c).to_string()).unwrap_or_else(|| "-".into()),
        ),
    ];
    let all_levels = app::queries::portal::levels(&s.app).await?;
    let mut base = base;
    if let Some(l) = all_levels.iter().find(|l| Some(l.id) == o.framework_level_id) {
        base.push(("资历框架等级".into(), format!("第{}级 {}", l.level, l.name)));
    }
    let levels = if app::portal::framework::may_place(&s.app, who.as_ref(), o.institution_id).await? {
        all_levels
    } else {
        Vec::new()
    };
    Ok(page(&ItemPage {
        ctx: PageCtx::new(&o.name, &session, who.as_ref(), "").await?,
        extra: forms::field_display(&specs, &o.fields),
        id: o.id,
        name: o.name,
        base: facts(base),
        levels,
        level_id: o.framework_level_id,
    }))
}
