//! The lists of learner outcomes each role sees: one filter, its conditions, a capped
//! count and a page.

use domain::ids::{
    CatalogOutcomeId, DepartmentId, HoldingId, InstitutionId, LearnerId, OutcomeTypeId, StaffUserId, SubtypeId,
};

use super::{FROM, Holding, SELECT};
use crate::{Db, Page, Result, Where, bind_all, bind_scalar};

#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub learner_id: Option<LearnerId>,
    pub issuer_institution_id: Option<InstitutionId>,
    pub institution_outcome_id: Option<CatalogOutcomeId>,
    /// Holdings of any of these catalog outcomes (empty: no restriction).
    pub institution_outcome_ids: Vec<CatalogOutcomeId>,
    /// The learner's name or ID number contains this.
    pub learner: Option<String>,
    pub statuses: Vec<&'static str>,
    pub recognition: Vec<&'static str>,
    /// `true`: only 转换获取; `false`: all but 转换获取.
    pub converted: Option<bool>,
    pub type_id: Option<OutcomeTypeId>,
    pub subtype_id: Option<SubtypeId>,
    pub informal_only: bool,
    pub name: Option<String>,
    /// Learners of these departments' institutions (a department's scope), by issuer.
    pub departments: Option<Vec<DepartmentId>>,
    /// Created in this year (入库年份), Beijing time.
    pub year: Option<i32>,
    /// Keyset pagination: only rows with a smaller id (the API's cursor).
    pub before_id: Option<HoldingId>,
    /// What this expert may see: outcomes waiting for the 终审, and those it decided.
    pub expert: Option<StaffUserId>,
}

fn where_for(db: &Db, f: &Filter) -> Where {
    let mut w = Where::new();
    if let Some(v) = f.learner_id {
        w.int("lo.learner_id = ?", v);
    }
    if let Some(v) = f.issuer_institution_id {
        w.int("lo.issuer_institution_id = ?", v);
    }
    if let Some(v) = f.institution_outcome_id {
        w.int("lo.institution_outcome_id = ?", v);
    }
    if !f.institution_outcome_ids.is_empty() {
        w.any_of("lo.institution_outcome_id", &f.institution_outcome_ids);
    }
    if let Some(q) = f.learner.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        crate::search::name_or_code(db, &mut w, &crate::search::LEARNERS, "l.id", "l.name", "l.id_number", q);
    }
    if !f.statuses.is_empty() {
        let list: Vec<String> = f.statuses.iter().map(|s| format!("'{s}'")).collect();
        w.raw(&format!("lo.status IN ({})", list.join(", ")));
    }
    if !f.recognition.is_empty() {
        let list: Vec<String> = f.recognition.iter().map(|s| format!("'{s}'")).collect();
        w.raw(&format!("lo.recognition IN ({})", list.join(", ")));
    }
    match f.converted {
        Some(true) => w.raw("lo.source = 'conversion'"),
        Some(false) => w.raw("lo.source <> 'conversion'"),
        None => &mut w,
    };
    if let Some(v) = f.type_id {
        w.int("s.type_id = ?", v);
    }
    if let Some(v) = f.subtype_id {
        w.int("lo.subtype_id = ?", v);
    }
    if f.informal_only {
        w.raw("t.category = 'informal'");
    }
    if let Some(n) = f.name.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
        w.text("lo.name LIKE ? ESCAPE '\\'", crate::like_pattern(n));
    }
    if let Some(d) = &f.departments {
        // Department scope: outcomes issued by its institutions; an outcome without an
        // issuing institution (entered by the learner) belongs to the departments of the
        // learner's institutions (the one that opened the account, or one that stored an
        // outcome for the learner).
        let list = w.bind_ids(d);
        let insts = format!("SELECT id FROM institutions WHERE department_id IN ({list})");
        w.raw(&format!(
            "(lo.issuer_institution_id IN ({insts}) OR (lo.issuer_institution_id IS NULL AND              (l.created_by_institution IN ({insts}) OR lo.learner_id IN              (SELECT x.learner_id FROM learner_outcomes x WHERE x.issuer_institution_id IN ({insts})))))"
        ));
    }
    if let Some((start, end)) = f.year.and_then(crate::db::year_bounds) {
        w.int("lo.created_at >= ?", start).int("lo.created_at < ?", end);
    }
    if let Some(id) = f.before_id {
        w.int("lo.id < ?", id);
    }
    if let Some(e) = f.expert {
        w.int(
            "(lo.recognition = 'initial_passed' OR lo.id IN (SELECT r.learner_outcome_id FROM recognition_reviews r \
             WHERE r.stage = 'final' AND r.reviewer_role = 'expert' AND r.reviewer_id = ?))",
            e,
        );
    }
    w
}

/// The tables a count needs: the outcomes alone unless the filter reads the learner or
/// the taxonomy. Every outcome has exactly one learner and one subtype (NOT NULL foreign
/// keys), so the joins never change a count; at 5 000 000 outcomes they doubled it.
fn count_from(f: &Filter) -> &'static str {
    let learner = f.learner.as_deref().is_some_and(|q| !q.trim().is_empty()) || f.departments.is_some();
    let taxonomy = f.type_id.is_some() || f.informal_only;
    match (learner, taxonomy) {
        (false, false) => "FROM learner_outcomes lo",
        (true, false) => "FROM learner_outcomes lo JOIN learners l ON l.id = lo.learner_id",
        _ => FROM,
    }
}

pub async fn list(db: &Db, f: &Filter, page: i64, per_page: i64) -> Result<Page<Holding>> {
    let w = where_for(db, f);
    let total: i64 = bind_scalar(
        sqlx::query_scalar(&crate::count_sql(&format!("{}{}", count_from(f), w.sql()))),
        &w.vals,
    )
    .fetch_one(&db.pool)
    .await?;
    let rows = rows_where(db, &w, page, per_page).await?;
    Ok(Page { rows, total })
}

/// A page of the list without its count, for a caller that counted already.
pub async fn rows(db: &Db, f: &Filter, page: i64, per_page: i64) -> Result<Vec<Holding>> {
    rows_where(db, &where_for(db, f), page, per_page).await
}

async fn rows_where(db: &Db, w: &Where, page: i64, per_page: i64) -> Result<Vec<Holding>> {
    let n = w.next();
    let sql = format!("{SELECT}{} ORDER BY lo.id DESC LIMIT ${n} OFFSET ${}", w.sql(), n + 1);
    Ok(bind_all(sqlx::query_as(&sql), &w.vals)
        .bind(per_page)
        .bind((page.max(1) - 1) * per_page)
        .fetch_all(&db.pool)
        .await?)
}

pub async fn count(db: &Db, f: &Filter) -> Result<i64> {
    let w = where_for(db, f);
    Ok(bind_scalar(
        sqlx::query_scalar(&format!("SELECT COUNT(*) {}{}", count_from(f), w.sql())),
        &w.vals,
    )
    .fetch_one(&db.pool)
    .await?)
}
