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

pub async fn list(db: &Db, f: &Filter, page: i64, per_page: i64) -> Result<Page<Holding>> {
    let w = where_for(db, f);
    let total: i64 = bind_scalar(
        sqlx::query_scalar(&crate::count_sql(&format!("{FROM}{}", w.sql()))),
        &w.vals,
    )
    .fetch_one(&db.pool)
    .await?;
    let n = w.next();
    let sql = format!("{SELECT}{} ORDER BY lo.id DESC LIMIT ${n} OFFSET ${}", w.sql(), n + 1);
    let rows = bind_all(sqlx::query_as(&sql), &w.vals)
        .bind(per_page)
        .bind((page.max(1) - 1) * per_page)
        .fetch_all(&db.pool)
        .await?;
    Ok(Page { rows, total })
}

pub async fn count(db: &Db, f: &Filter) -> Result<i64> {
    let w = where_for(db, f);
    Ok(bind_scalar(
        sqlx::query_scalar(&format!("SELECT COUNT(*) {FROM}{}", w.sql())),
        &w.vals,
    )
    .fetch_one(&db.pool)
    .await?)
}
