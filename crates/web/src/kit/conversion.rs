//! Views of conversion that several roles share: rule lists and the rule page, the
//! application lists with their review forms, and the filters of records pages.

use app::auth::Principal;
use app::queries::{ApplicationFilter, Rule};
use askama::Template;
use axum::http::StatusCode;
use axum::response::Response;
use domain::credits::Credits;
use domain::ids::{ApplicationId, RuleId};
use domain::mask;

use crate::AppState;
use crate::kit::error::WebError;
use crate::kit::extract::InstitutionAuth;
use crate::kit::forms::{self, PER_PAGE, Pager};
use crate::kit::views::{FormErrors, PageCtx, datetime, form_status, page, render};

pub(crate) fn inst(a: &InstitutionAuth) -> Principal {
    a.principal()
}

pub(crate) fn not_found() -> WebError {
    WebError(app::AppError::not_found())
}

/// Errors to show on a form and the status to answer with.
pub(crate) struct Shown {
    pub(crate) errors: FormErrors,
    pub(crate) status: StatusCode,
}

impl Shown {
    pub(crate) fn ok() -> Self {
        Self {
            errors: FormErrors::default(),
            status: StatusCode::OK,
        }
    }
    pub(crate) fn from(e: &app::AppError) -> Self {
        Self {
            errors: FormErrors::from_error(e),
            status: form_status(e),
        }
    }
}

pub(crate) struct RuleRow {
    pub(crate) id: RuleId,
    pub(crate) code: String,
    pub(crate) name: String,
    pub(crate) kind: String,
    pub(crate) institution: String,
    pub(crate) status: String,
    pub(crate) status_label: &'static str,
}

pub(crate) fn rule_rows(rows: Vec<Rule>) -> Vec<RuleRow> {
    rows.into_iter()
        .map(|r| RuleRow {
            status_label: r.status.label(),
            id: r.id,
            code: r.code,
            name: r.name,
            kind: r.kind,
            institution: r.institution_name,
            status: r.status.code().to_string(),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "kit/rules.html")]
pub(crate) struct RulesPage {
    pub(crate) ctx: PageCtx,
    pub(crate) base: &'static str,
    pub(crate) tab: String,
    pub(crate) q: RuleQuery,
    pub(crate) kinds: [&'static str; 4],
    pub(crate) statuses: Vec<crate::kit::views::Code>,
    pub(crate) rows: Vec<RuleRow>,
    pub(crate) pager: Pager,
    /// The totals of the tabs 我发布的 and 与我相关 (institutions).
    pub(crate) mine_count: i64,
    pub(crate) related_count: i64,
}

/// The filters of 转换规则管理: 规则编码, 转换规则类型, 源成果名称, 目标成果名称, 状态.
#[derive(serde::Deserialize, Default, Clone)]
pub(crate) struct RuleQuery {
    #[serde(default)]
    pub(crate) tab: String,
    #[serde(default)]
    pub(crate) page: i64,
    #[serde(default)]
    pub(crate) code: String,
    #[serde(default)]
    pub(crate) kind: String,
    #[serde(default)]
    pub(crate) status: String,
    #[serde(default)]
    pub(crate) source: String,
    #[serde(default)]
    pub(crate) target: String,
}

impl RuleQuery {
    pub(crate) fn search(&self) -> app::queries::conversion::RuleSearch {
        app::queries::conversion::RuleSearch {
            code: self.code.clone(),
            kind: self.kind.clone(),
            status: self.status.clone(),
            source_name: self.source.clone(),
            target_name: self.target.clone(),
        }
    }

    /// The list page of these filters: the pager's links keep them.
    pub(crate) fn pager(&self, total: i64, path: &str) -> Pager {
        Pager::new(
            total,
            self.page,
            path,
            &[
                ("tab", &self.tab),
                ("code", &self.code),
                ("kind", &self.kind),
                ("status", &self.status),
                ("source", &self.source),
                ("target", &self.target),
            ],
        )
    }
}

/// A rules list page with its filters.
pub(crate) fn rules_page(
    ctx: PageCtx,
    base: &'static str,
    tab: &str,
    q: RuleQuery,
    result: app::queries::Page<Rule>,
) -> RulesPage {
    let statuses = domain::lifecycle::RuleStatus::ALL
        .iter()
        .filter(|s| **s != domain::lifecycle::RuleStatus::Withdrawn)
        .map(|s| crate::kit::views::Code {
            code: s.code(),
            label: s.label(),
        })
        .collect();
    RulesPage {
        ctx,
        base,
        tab: tab.to_string(),
        pager: q.pager(result.total, base),
        q,
        kinds: app::conversion::RULE_KINDS,
        statuses,
        rows: rule_rows(result.rows),
        mine_count: 0,
        related_count: 0,
    }
}

#[derive(serde::Deserialize, Default)]
pub(crate) struct TabQuery {
    #[serde(default)]
    pub(crate) tab: String,
    #[serde(default)]
    pub(crate) page: i64,
    /// Applied on or after / on or before these dates (records filters).
    #[serde(default)]
    pub(crate) from: String,
    #[serde(default)]
    pub(crate) to: String,
    /// `learner` (个人) or `institution` (机构).
    #[serde(default)]
    pub(crate) initiator: String,
    /// One batch of 机构发起 applications.
    #[serde(default)]
    pub(crate) batch: String,
}

impl TabQuery {
    /// The date and initiator filters as an application filter.
    pub(crate) fn narrow(&self, mut f: ApplicationFilter) -> ApplicationFilter {
        let day = |s: &str| {
            domain::id_card::parse_date(s)
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .map(|d| d.and_utc().timestamp() - 8 * 3600)
        };
        f.from = day(&self.from);
        f.to = day(&self.to).map(|t| t + 86_400);
        f.initiator = match self.initiator.as_str() {
            "learner" => Some("learner"),
            "institution" => Some("institution"),
            _ => f.initiator,
        };
        f.batch = Some(self.batch.clone()).filter(|b| !b.is_empty());
        f
    }
}

#[derive(Template)]
#[template(path = "kit/rule.html")]
pub(crate) struct RulePage {
    pub(crate) ctx: PageCtx,
    pub(crate) rule: Rule,
    pub(crate) status_label: &'static str,
    /// The rule's state code, for the template's conditions.
    pub(crate) status_code: &'static str,
    pub(crate) conditions: String,
    pub(crate) sources: Vec<SourceLine>,
    pub(crate) targets: Vec<TargetLine>,
    pub(crate) own: bool,
    pub(crate) can_take_down: bool,
    pub(crate) can_apply: bool,
    pub(crate) file_base: &'static str,
    pub(crate) back: &'static str,
}

pub(crate) struct RuleView {
    pub(crate) own: bool,
    pub(crate) can_take_down: bool,
    pub(crate) can_apply: bool,
    pub(crate) back: &'static str,
}

/// A source outcome of a rule.
pub(crate) struct SourceLine {
    pub(crate) name: String,
    pub(crate) institution: String,
    pub(crate) subtype: String,
}

/// A target of a rule with the credits it grants and its exempted module.
pub(crate) struct TargetLine {
    pub(crate) name: String,
    pub(crate) subtype: String,
    pub(crate) credits: String,
    pub(crate) note: String,
}

pub(crate) async fn rule_page(s: &AppState, ctx: PageCtx, rule: Rule, v: RuleView) -> Result<Response, WebError> {
    let detail = app::queries::conversion::rule_detail(&s.app, &rule).await?;
    let sources = detail
        .sources
        .into_iter()
        .map(|o| SourceLine {
            name: o.name,
            institution: o.institution_name,
            subtype: o.subtype_name,
        })
        .collect();
    let targets = detail
        .targets
        .into_iter()
        .map(|(t, o)| {
            let credits = t
                .credits
                .or(o.credits)
                .map(|c| Credits(c).to_string())
                .unwrap_or_else(|| "-".into());
            TargetLine {
                name: o.name,
                subtype: o.subtype_name,
                credits,
                note: t.note.unwrap_or_else(|| "-".into()),
            }
        })
        .collect();
    let mut conditions = Vec::new();
    if let Some(m) = rule.min_score {
        conditions.push(format!("成绩不低于{}", Credits(m)));
    }
    if let Some(y) = rule.max_age_years {
        conditions.push(format!("获得时间在{y}年以内"));
    }
    let conditions = if conditions.is_empty() {
        "持有全部源成果且已存储".to_string()
    } else {
        format!("持有全部源成果且已存储；{}", conditions.join("；"))
    };
    let status_label = rule.status.label();
    let status_code = rule.status.code();
    Ok(page(&RulePage {
        ctx,
        status_label,
        status_code,
        conditions,
        sources,
        targets,
        own: v.own,
        can_take_down: v.can_take_down,
        can_apply: v.can_apply,
        file_base: "/files/",
        back: v.back,
        rule,
    }))
}

pub(crate) struct AppRow {
    pub(crate) id: ApplicationId,
    pub(crate) code: String,
    pub(crate) rule: String,
    pub(crate) learner: String,
    pub(crate) id_number: String,
    pub(crate) initiator: &'static str,
    pub(crate) created: String,
    pub(crate) status: String,
    pub(crate) status_label: &'static str,
    pub(crate) history: String,
    pub(crate) files: Vec<crate::kit::forms::FileLink>,
}

#[derive(Template)]
#[template(path = "kit/applications.html")]
pub(crate) struct AppsPage {
    pub(crate) ctx: PageCtx,
    /// 机构发起: the batches, each opening its learners' applications.
    pub(crate) batches: Vec<app::queries::ConversionBatch>,
    pub(crate) batch: String,
    pub(crate) heading: &'static str,
    pub(crate) tabs: Vec<Tab>,
    pub(crate) rows: Vec<AppRow>,
    pub(crate) empty: &'static str,
    pub(crate) action: &'static str,
    pub(crate) reviewing: bool,
    /// Learner records offer a conversion certificate for passed applications.
    pub(crate) certificates: bool,
    /// Institution lists offer an SMS-verified export of this tab.
    pub(crate) export_tab: Option<&'static str>,
    /// Records pages filter by date and initiator: (path, tab, from, to, initiator).
    pub(crate) filter: Option<RecordsFilter>,
    pub(crate) opinion: String,
    pub(crate) errors: FormErrors,
    pub(crate) pager: Pager,
}

/// A page of the applications the caller may see, as rows of the list.
pub(crate) async fn app_rows(
    s: &AppState,
    who: &Principal,
    f: &ApplicationFilter,
    page_no: i64,
    full_id: bool,
) -> Result<(Vec<AppRow>, i64), WebError> {
    let result = app::queries::conversion::applications(&s.app, who, f.clone(), page_no, PER_PAGE).await?;
    let rows = result.rows.into_iter().map(|row| app_row(row, full_id)).collect();
    Ok((rows, result.total))
}

/// One application as a row of the lists (and the head of its detail page).
pub(crate) fn app_row(row: app::queries::conversion::ApplicationRow, full_id: bool) -> AppRow {
    let (history, initiator) = (row.history(), row.initiator_label());
    let a = row.application;
    AppRow {
        id: a.id,
        code: a.rule_code,
        rule: a.rule_name,
        learner: a.learner_name,
        id_number: if full_id {
            a.learner_id_number
        } else {
            mask::id_number(&a.learner_id_number)
        },
        initiator,
        created: datetime(a.created_at),
        status_label: a.status.label(),
        status: a.status.code().to_string(),
        history,
        files: row
            .files
            .into_iter()
            .map(|(id, name)| crate::kit::forms::FileLink { id, name })
            .collect(),
    }
}

#[derive(serde::Deserialize)]
pub(crate) struct Decision {
    #[serde(default)]
    pub(crate) decision: String,
    #[serde(default)]
    pub(crate) opinion: String,
}

/// Ticked ids, or every application the reviewer has pending when none is ticked.
pub(crate) async fn picked(
    s: &AppState,
    who: &Principal,
    f: &ApplicationFilter,
    pairs: &[(String, String)],
) -> Result<Vec<ApplicationId>, WebError> {
    Ok(app::queries::conversion::ticked_or_all(&s.app, who, f.clone(), forms::ids(pairs)).await?)
}

/// A tab of a list page.
pub(crate) struct Tab {
    pub(crate) label: String,
    pub(crate) href: String,
    pub(crate) on: bool,
}

pub(crate) fn tab(label: &str, href: &str, on: bool) -> Tab {
    Tab {
        label: label.to_string(),
        href: href.to_string(),
        on,
    }
}

/// The date and initiator filters of a records page, as typed.
pub(crate) struct RecordsFilter {
    pub(crate) path: &'static str,
    pub(crate) tab: String,
    pub(crate) from: String,
    pub(crate) to: String,
    pub(crate) initiator: String,
}

impl TabQuery {
    /// The filters of a records page at `path`, as the query gave them.
    pub(crate) fn shown(&self, path: &'static str) -> Option<RecordsFilter> {
        Some(RecordsFilter {
            path,
            tab: self.tab.clone(),
            from: self.from.clone(),
            to: self.to.clone(),
            initiator: self.initiator.clone(),
        })
    }
}

/// A review stage of the two-stage chain: its heading and where its form posts.
pub(crate) struct Stage {
    pub(crate) heading: &'static str,
    pub(crate) action: &'static str,
}

pub(crate) const INITIAL: Stage = Stage {
    heading: "转换申请初审",
    action: "/department/conversions",
};

pub(crate) const FINAL: Stage = Stage {
    heading: "转换申请终审",
    action: "/expert/conversions",
};

pub(crate) async fn two_stage_page(
    s: &AppState,
    who: &Principal,
    ctx: PageCtx,
    stage: Stage,
    f: &ApplicationFilter,
    opinion: String,
    shown: Shown,
) -> Result<Response, WebError> {
    let Shown { errors, status } = shown;
    let Stage { heading, action } = stage;
    let (rows, total) = app_rows(s, who, f, 1, false).await?;
    let two = app::conversion::chain(&s.app).await? == app::conversion::Chain::TwoStage;
    Ok(render(
        status,
        &AppsPage {
            ctx,
            batches: Vec::new(),
            batch: String::new(),
            heading,
            tabs: Vec::new(),
            rows,
            empty: if two {
                "暂无待审核的转换申请。"
            } else {
                "本学分银行的转换申请由目标机构审核。"
            },
            action,
            reviewing: two,
            certificates: false,
            export_tab: None,
            filter: None,
            opinion,
            errors,
            pager: Pager::new(total, 1, action, &[]),
        },
    ))
}
