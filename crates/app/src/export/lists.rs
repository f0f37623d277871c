//! The institution's list exports (I-03, I-04, I-05): 机构成果, 学员成果 and 学员账户 —
//! the ticked rows, or every row matching the list's filters — read a page at a time
//! into a constant-memory sheet, masked, after the SMS code, and audited.

use domain::ids::{CatalogOutcomeId, HoldingId, InstitutionId, LearnerId};
use domain::mask;
use domain::role::Area;

use super::{Export, Gate};
use crate::auth::Principal;
use crate::queries::{CatalogFilter, HoldingFilter, LearnerFilter};
use crate::{App, AppError, AppResult};

/// Rows read per page while exporting.
const PAGE: i64 = 5_000;

fn institution(who: &Principal) -> AppResult<(&store::institutions::InstitutionUser, InstitutionId)> {
    match who {
        Principal::Institution { user, institution } => {
            crate::institutions::require(user, Area::Outcomes)?;
            Ok((user, institution.id))
        }
        _ => Err(AppError::forbidden()),
    }
}

fn keep<T: PartialEq>(ticked: &[T], id: T) -> bool {
    ticked.is_empty() || ticked.contains(&id)
}

/// 机构成果.
pub async fn catalog(
    app: &App,
    who: &Principal,
    f: CatalogFilter,
    ticked: &[CatalogOutcomeId],
    gate: &Gate<'_>,
    ip: &str,
) -> AppResult<Vec<u8>> {
    let (user, inst) = institution(who)?;
    let headers = [
        "成果名称",
        "成果类型",
        "成果子类型",
        "认定状态",
        "学分银行学分",
        "获证学员数",
        "创建时间",
    ];
    let mut out = Export::start(app, user, gate, &headers).await?;
    for page in 1.. {
        let rows = crate::queries::catalog::of_institution(app, inst, f.clone(), page, PAGE)
            .await?
            .rows;
        if rows.is_empty() {
            break;
        }
        for o in rows.iter().filter(|o| keep(ticked, o.id)) {
            out.push(&[
                o.name.clone(),
                o.type_name.clone(),
                o.subtype_name.clone(),
                o.recognition.label().to_string(),
                o.credits
                    .map(|c| domain::credits::Credits(c).to_string())
                    .unwrap_or_default(),
                o.holders.to_string(),
                domain::time::beijing(o.created_at),
            ])?;
        }
    }
    out.finish(app, "catalog", &who.actor(ip)).await
}

/// 学员成果.
pub async fn learner_outcomes(
    app: &App,
    who: &Principal,
    f: HoldingFilter,
    ticked: &[HoldingId],
    gate: &Gate<'_>,
    ip: &str,
) -> AppResult<Vec<u8>> {
    let (user, _) = institution(who)?;
    let headers = [
        "成果名称",
        "成果类型",
        "成果子类型",
        "学员姓名",
        "身份证号",
        "手机号码",
        "个人成果编号",
        "颁证日期",
        "成绩",
        "成果状态",
    ];
    let mut out = Export::start(app, user, gate, &headers).await?;
    for page in 1.. {
        let rows = crate::queries::holdings::list(app, who, f.clone(), page, PAGE)
            .await?
            .rows;
        if rows.is_empty() {
            break;
        }
        for h in rows.iter().filter(|h| keep(ticked, h.id)) {
            out.push(&[
                h.name.clone(),
                h.type_name.clone(),
                h.subtype_name.clone(),
                h.learner_name.clone(),
                mask::id_number(&h.learner_id_number),
                h.learner_mobile.as_deref().map(mask::mobile).unwrap_or_default(),
                h.number.clone().unwrap_or_default(),
                h.issued_on.clone().unwrap_or_default(),
                h.score.clone().unwrap_or_default(),
                crate::holdings::status_label(h).to_string(),
            ])?;
        }
    }
    out.finish(app, "learner_outcomes", &who.actor(ip)).await
}

/// 学员账户.
pub async fn learners(
    app: &App,
    who: &Principal,
    f: LearnerFilter,
    ticked: &[LearnerId],
    gate: &Gate<'_>,
    ip: &str,
) -> AppResult<Vec<u8>> {
    let (user, inst) = institution(who)?;
    let headers = ["学员姓名", "身份证号", "手机号码", "账户状态", "创建时间"];
    let mut out = Export::start(app, user, gate, &headers).await?;
    for page in 1.. {
        let rows = crate::queries::institutions::learners(app, inst, &f, page, PAGE)
            .await?
            .rows;
        if rows.is_empty() {
            break;
        }
        for l in rows.iter().filter(|l| keep(ticked, l.id)) {
            out.push(&[
                l.name.clone(),
                mask::id_number(&l.id_number),
                l.mobile.as_deref().map(mask::mobile).unwrap_or_default(),
                if l.is_active() { "已激活" } else { "未激活" }.to_string(),
                domain::time::beijing(l.created_at),
            ])?;
        }
    }
    out.finish(app, "learners", &who.actor(ip)).await
}
