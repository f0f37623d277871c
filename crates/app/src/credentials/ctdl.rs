//! The published catalog and conversion rules as CTDL JSON-LD, one document each and in
//! pages (newest first, `?before=` the last id of the previous page), for registries
//! such as the Credential Registry to harvest.

use credentials::ctdl::{self, Resource, Transfer};
use domain::ids::{CatalogOutcomeId, RawId, RuleId};
use serde_json::Value;
use store::catalog::CatalogOutcome;

use super::base_url;
use crate::queries::conversion::RuleList;
use crate::{App, AppResult};

pub const PER_PAGE: i64 = 100;

/// A page of `/ctdl/{path}` with `members`; a full page links the next (`last` is its last id).
fn collection<T: RawId>(
    app: &App,
    path: &str,
    name: &str,
    before: Option<T>,
    members: Vec<Value>,
    total: i64,
    last: Option<T>,
) -> Value {
    let (before, last) = (before.map(Into::<i64>::into), last.map(Into::<i64>::into));
    let base = format!("{}/ctdl/{path}", base_url(app));
    let url = format!("{base}{}", before.map(|b| format!("?before={b}")).unwrap_or_default());
    let next = last
        .filter(|_| members.len() as i64 == PER_PAGE)
        .map(|l| format!("{base}?before={l}"));
    ctdl::collection(&url, &format!("{}{name}", app.bank.name()), members, total, next)
}

fn scope(app: &App) -> String {
    credentials::did::did_web(&app.config.public_url)
}

fn resource(app: &App, o: &CatalogOutcome) -> Resource {
    let fields: std::collections::BTreeMap<String, String> = serde_json::from_str(&o.fields).unwrap_or_default();
    Resource {
        url: format!("{}/catalog/{}", base_url(app), o.id),
        ctid: ctdl::ctid(&scope(app), &format!("outcome:{}", o.id)),
        kind: super::kind(&o.category, &fields),
        name: o.name.clone(),
        description: fields
            .get("intro")
            .cloned()
            .or_else(|| Some(format!("{}（{}）", o.subtype_name, o.type_name))),
        code: fields.get("course_code").cloned(),
        credits: o.credits,
        owner: o.institution_name.clone(),
    }
}

/// One catalog outcome (every outcome of the catalog is public).
pub async fn outcome(app: &App, id: CatalogOutcomeId) -> AppResult<Value> {
    let o = crate::queries::catalog::get(app, id).await?;
    Ok(resource(app, &o).document())
}

/// A page of the catalog.
pub async fn outcomes(app: &App, before: Option<CatalogOutcomeId>) -> AppResult<Value> {
    let f = crate::queries::CatalogFilter {
        before_id: before,
        ..Default::default()
    };
    let page = crate::queries::catalog::search(app, &f, 1, PER_PAGE).await?;
    let members = page.rows.iter().map(|o| resource(app, o).to_json()).collect();
    let last = page.rows.last().map(|o| o.id);
    Ok(collection(
        app,
        "catalog",
        "成果目录",
        before,
        members,
        page.total,
        last,
    ))
}

fn transfer(app: &App, r: &store::conversion::Rule, d: &crate::queries::conversion::RuleDetail) -> Transfer {
    Transfer {
        url: format!("{}/rules/{}", base_url(app), r.id),
        ctid: ctdl::ctid(&scope(app), &format!("rule:{}", r.code)),
        code: r.code.clone(),
        name: r.name.clone(),
        description: format!("{}（{}，转换比例{}）", r.explanation, r.kind, r.ratio),
        owner: r.institution_name.clone(),
        start_date: r
            .published_at
            .map(|t| domain::time::beijing_day(t).format("%Y-%m-%d").to_string()),
        from: d.sources.iter().map(|o| resource(app, o)).collect(),
        to: d.targets.iter().map(|(t, o)| (resource(app, o), t.credits)).collect(),
    }
}

/// One published rule as a TransferValueProfile.
pub async fn rule(app: &App, id: RuleId) -> AppResult<Value> {
    let r = crate::queries::conversion::rule(app, None, id).await?;
    let d = crate::queries::conversion::rule_detail(app, &r).await?;
    Ok(transfer(app, &r, &d).document())
}

/// A page of the published rules.
pub async fn rules(app: &App, before: Option<RuleId>) -> AppResult<Value> {
    let page = crate::queries::conversion::rules_before(app, RuleList::Public(String::new()), before, PER_PAGE).await?;
    let details = crate::queries::conversion::rule_details(app, &page.rows).await?;
    let members = page
        .rows
        .iter()
        .zip(&details)
        .map(|(r, d)| transfer(app, r, d).to_json())
        .collect();
    let last = page.rows.last().map(|r| r.id);
    Ok(collection(app, "rules", "转换规则", before, members, page.total, last))
}
