//! The institution's conversion records as .xlsx (I-09, I-10): the applications it sent
//! (机构发起), received, or has waiting for review, with their review history, read a page
//! at a time, ID numbers masked, after the gate, and audited.

use domain::ids::InstitutionId;
use domain::mask;
use domain::role::Area;

use super::{Export, Gate};
use crate::auth::Principal;
use crate::queries::ApplicationFilter;
use crate::{App, AppError, AppResult};

/// Rows read per page while exporting.
const PAGE: i64 = 1_000;

/// Which records: the tabs of 转换记录 and 转换审核.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordsTab {
    /// Applications to the institution's rules.
    Received,
    /// Applications the institution made for its learners.
    Sent,
    /// Received applications waiting for its review.
    Review,
}

impl RecordsTab {
    pub fn parse(code: &str) -> Option<RecordsTab> {
        match code {
            "" | "received" => Some(RecordsTab::Received),
            "sent" => Some(RecordsTab::Sent),
            "review" => Some(RecordsTab::Review),
            _ => None,
        }
    }

    fn filter(self, institution: InstitutionId) -> ApplicationFilter {
        match self {
            RecordsTab::Sent => ApplicationFilter {
                initiator_institution_id: Some(institution),
                ..Default::default()
            },
            RecordsTab::Review => ApplicationFilter {
                target_institution_id: Some(institution),
                statuses: vec!["pending"],
                ..Default::default()
            },
            RecordsTab::Received => ApplicationFilter {
                target_institution_id: Some(institution),
                ..Default::default()
            },
        }
    }
}

/// 转换记录.
pub async fn conversion_records(
    app: &App,
    who: &Principal,
    tab: RecordsTab,
    gate: &Gate<'_>,
    ip: &str,
) -> AppResult<Vec<u8>> {
    let Principal::Institution { user, institution } = who else {
        return Err(AppError::forbidden());
    };
    crate::institutions::require(user, Area::Conversion)?;
    let headers = [
        "申请编号",
        "规则编号",
        "规则名称",
        "学员",
        "身份证号",
        "发起方",
        "申请时间",
        "状态",
        "审核记录",
    ];
    let mut out = Export::start(app, user, gate, &headers).await?;
    let mut filter = tab.filter(institution.id);
    loop {
        let rows = crate::queries::conversion::application_rows(app, who, filter.clone(), PAGE).await?;
        let Some(last) = rows.last() else {
            break;
        };
        filter.before_id = Some(last.application.id);
        for r in &rows {
            let a = &r.application;
            out.push(&[
                a.id.to_string(),
                a.rule_code.clone(),
                a.rule_name.clone(),
                a.learner_name.clone(),
                mask::id_number(&a.learner_id_number),
                r.initiator_label().to_string(),
                domain::time::beijing(a.created_at),
                a.status.label().to_string(),
                r.history(),
            ])?;
        }
    }
    out.finish(app, "conversion_records", &who.actor(ip)).await
}
