//! 统计分析 (M-03): what a department's scope holds — learners opened and activated per
//! month, learner outcomes by type and status, recognitions, conversions per target
//! institution, credits granted per month. The management centre sees the whole bank,
//! a provincial department its own institutions and their learners. Each table is
//! shown as a chart and a table and exported as .xlsx, from the same numbers.

use domain::ids::DepartmentId;
use std::collections::BTreeMap;

use domain::credits::Credits;
use domain::lifecycle::ApplicationStatus;
use domain::outcome::{Recognition, Status};
use rust_xlsxwriter::{Format, Workbook};
use store::audit::Actor;
use store::statistics::{self as stats, Scope};

use crate::auth::Principal;
use crate::{App, AppError, AppResult};

/// How a table is drawn.
#[derive(Debug, Clone, Copy, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Chart {
    Line,
    Bar,
    Pie,
}

/// One table of numbers: the first column names the rows, the others are series.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Table {
    pub key: &'static str,
    pub title: &'static str,
    pub chart: Chart,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

pub struct Statistics {
    /// Whose numbers these are (the department's name, or the whole bank).
    pub scope_label: String,
    pub tables: Vec<Table>,
    /// When the numbers were counted (they are kept for `statistics_cache_seconds`).
    pub computed_at: i64,
}

/// Dashboards counted recently, per scope. Counting millions of rows costs seconds, so a
/// page view reads the last count; one older than `statistics_cache_seconds` is still
/// shown while a single refresh runs in the background, and the next view sees it.
#[derive(Default)]
pub struct Cache(std::sync::Mutex<std::collections::HashMap<String, Counted>>);

struct Counted {
    at: i64,
    tables: Vec<Table>,
    refreshing: bool,
}

impl Cache {
    fn lock(&self) -> std::sync::MutexGuard<'_, std::collections::HashMap<String, Counted>> {
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn put(&self, key: String, at: i64, tables: Vec<Table>) {
        self.lock().insert(
            key,
            Counted {
                at,
                tables,
                refreshing: false,
            },
        );
    }
}

const MONTHS: u32 = 12;

fn scope_of(who: &Principal) -> AppResult<(Option<&[DepartmentId]>, String)> {
    match who {
        Principal::Department { department, .. } if department.parent_id.is_none() => {
            Ok((None, format!("{}（全部机构）", department.name)))
        }
        Principal::Department { department, scope, .. } => Ok((Some(scope.as_slice()), department.name.clone())),
        _ => Err(AppError::forbidden()),
    }
}

fn by_bucket(rows: &[(i64, i64)]) -> BTreeMap<i64, i64> {
    rows.iter().copied().collect()
}

/// A table with one row per first key and one column per second key, plus 合计.
fn pivot(rows: &[(String, String, i64)], columns: &[(&str, &str)]) -> Vec<Vec<String>> {
    let mut order: Vec<&str> = Vec::new();
    let mut cells: BTreeMap<(&str, &str), i64> = BTreeMap::new();
    for (row, col, n) in rows {
        if !order.contains(&row.as_str()) {
            order.push(row);
        }
        *cells.entry((row, col)).or_default() += n;
    }
    order
        .into_iter()
        .map(|r| {
            let values: Vec<i64> = columns
                .iter()
                .map(|(c, _)| cells.get(&(r, *c)).copied().unwrap_or(0))
                .collect();
            let mut line = vec![r.to_string()];
            line.extend(values.iter().map(i64::to_string));
            line.push(values.iter().sum::<i64>().to_string());
            line
        })
        .collect()
}

pub async fn dashboard(app: &App, who: &Principal) -> AppResult<Statistics> {
    let (departments, scope_label) = scope_of(who)?;
    let ttl = app.config.statistics_cache_seconds;
    let key = format!("{departments:?}");
    let now = store::now();
    if ttl > 0 {
        let hit = app.statistics.lock().get_mut(&key).map(|c| {
            let refresh = now - c.at >= ttl && !c.refreshing;
            c.refreshing |= refresh;
            (c.at, c.tables.clone(), refresh)
        });
        if let Some((at, tables, refresh)) = hit {
            if refresh {
                let (app, key, departments) = (app.clone(), key.clone(), departments.map(<[DepartmentId]>::to_vec));
                tokio::spawn(async move {
                    match count(&app, departments.as_deref()).await {
                        Ok(tables) => app.statistics.put(key, store::now(), tables),
                        Err(e) => {
                            tracing::warn!(error = %e, "statistics not refreshed");
                            if let Some(c) = app.statistics.lock().get_mut(&key) {
                                c.refreshing = false;
                            }
                        }
                    }
                });
            }
            return Ok(Statistics {
                scope_label,
                tables,
                computed_at: at,
            });
        }
    }
    let tables = count(app, departments).await?;
    if ttl > 0 {
        app.statistics.put(key, now, tables.clone());
    }
    Ok(Statistics {
        scope_label,
        tables,
        computed_at: now,
    })
}

/// The dashboard's tables, counted now.
async fn count(app: &App, departments: Option<&[DepartmentId]>) -> AppResult<Vec<Table>> {
    let scope = Scope { departments };
    let db = &app.db;
    let (months, end) = domain::time::last_months(store::now(), MONTHS);
    let starts: Vec<i64> = months.iter().map(|m| m.1).collect();
    let (opened, activated) = stats::learners_by_month(db, scope, &starts, end).await?;
    let (opened, activated) = (by_bucket(&opened), by_bucket(&activated));
    let credits = by_bucket(&stats::credits_by_month(db, scope, &starts, end).await?);
    let month_rows = |f: &dyn Fn(i64) -> Vec<String>| -> Vec<Vec<String>> {
        months
            .iter()
            .enumerate()
            .map(|(i, (name, _))| {
                let mut r = vec![name.clone()];
                r.extend(f(i as i64));
                r
            })
            .collect()
    };
    let status_columns: Vec<(&str, &str)> = [Status::Registered, Status::Submitted, Status::Stored, Status::Withdrawn]
        .iter()
        .map(|s| (s.code(), s.label()))
        .collect();
    let outcomes = stats::outcomes_by_type(db, scope).await?;
    let application_columns: Vec<(&str, &str)> = ApplicationStatus::ALL.iter().map(|s| (s.code(), s.label())).collect();
    let conversions = stats::conversions(db, scope).await?;
    let with_total = |first: &str, cols: &[(&str, &str)]| {
        let mut h = vec![first.to_string()];
        h.extend(cols.iter().map(|c| c.1.to_string()));
        h.push("合计".into());
        h
    };
    let counted = |rows: Vec<(String, i64)>, label: &dyn Fn(&str) -> String| -> Vec<Vec<String>> {
        rows.into_iter().map(|(k, n)| vec![label(&k), n.to_string()]).collect()
    };
    let catalog = stats::catalog_by_recognition(db, scope).await?;
    let recognitions = stats::recognitions(db, scope).await?;
    let tables = vec![
        Table {
            key: "learners",
            title: "学习者开户与激活（近12个月）",
            chart: Chart::Line,
            headers: vec!["月份".into(), "新开账户".into(), "激活账户".into()],
            rows: month_rows(&|i| {
                vec![
                    opened.get(&i).copied().unwrap_or(0).to_string(),
                    activated.get(&i).copied().unwrap_or(0).to_string(),
                ]
            }),
        },
        Table {
            key: "outcomes",
            title: "学员成果（按类型与状态）",
            chart: Chart::Bar,
            headers: with_total("成果类型", &status_columns),
            rows: pivot(&outcomes, &status_columns),
        },
        Table {
            key: "catalog",
            title: "机构成果认定状态",
            chart: Chart::Pie,
            headers: vec!["认定状态".into(), "机构成果数".into()],
            rows: counted(catalog, &|k| {
                domain::lifecycle::CatalogRecognition::parse(k)
                    .map_or("未知", |r| r.label())
                    .to_string()
            }),
        },
        Table {
            key: "recognitions",
            title: "学员成果认定申请",
            chart: Chart::Pie,
            headers: vec!["认定状态".into(), "学员成果数".into()],
            rows: counted(recognitions, &|k| {
                Recognition::parse(k)
                    .map(|r| r.label().to_string())
                    .unwrap_or_else(|_| k.to_string())
            }),
        },
        Table {
            key: "conversions",
            title: "转换申请（按目标机构）",
            chart: Chart::Bar,
            headers: with_total("目标机构", &application_columns),
            rows: pivot(&conversions, &application_columns),
        },
        Table {
            key: "credits",
            title: "学分发放（近12个月）",
            chart: Chart::Bar,
            headers: vec!["月份".into(), "发放学分".into()],
            rows: month_rows(&|i| vec![Credits(credits.get(&i).copied().unwrap_or(0)).to_string()]),
        },
    ];
    Ok(tables)
}

fn xlsx_err(e: rust_xlsxwriter::XlsxError) -> AppError {
    AppError::Internal(anyhow::anyhow!(e))
}

/// The dashboard's tables as a workbook, one sheet each; the export is audited.
pub async fn export(app: &App, who: &Principal, actor: &Actor) -> AppResult<Vec<u8>> {
    let s = dashboard(app, who).await?;
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    for t in &s.tables {
        let sheet = book.add_worksheet();
        // Sheet names are at most 31 characters and cannot hold （）.
        let name: String = t.title.split('（').next().unwrap_or(t.key).chars().take(31).collect();
        sheet.set_name(&name).map_err(xlsx_err)?;
        sheet
            .write_string(0, 0, format!("{} · {}", t.title, s.scope_label))
            .map_err(xlsx_err)?;
        for (c, h) in t.headers.iter().enumerate() {
            sheet
                .write_string_with_format(1, c as u16, h, &bold)
                .map_err(xlsx_err)?;
            sheet
                .set_column_width(c as u16, if c == 0 { 24 } else { 12 })
                .map_err(xlsx_err)?;
        }
        for (r, row) in t.rows.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                let (r, c) = (r as u32 + 2, c as u16);
                match v.parse::<f64>() {
                    Ok(n) if c > 0 => sheet.write_number(r, c, n),
                    _ => sheet.write_string(r, c, v),
                }
                .map_err(xlsx_err)?;
            }
        }
    }
    let bytes = book.save_to_buffer().map_err(xlsx_err)?;
    store::audit::record(
        &app.db.pool,
        actor,
        "statistics_exported",
        None,
        Some(&s.scope_label),
        store::now(),
    )
    .await?;
    Ok(bytes)
}
