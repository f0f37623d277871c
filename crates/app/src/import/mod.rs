//! Spreadsheet import (X-03; I-03, I-04, I-05, L-03) and templates. The file is read as
//! a stream (`sheet`); rows are checked with the same rules as the forms, a chunk at a
//! time, with the database asked once per chunk. Valid rows wait in a temporary file,
//! then go in with the files and the import record in one transaction, so a killed
//! import leaves nothing behind and memory does not grow with the file. The transaction
//! only writes: on SQLite it holds the one write lock for as short a time as possible.

use domain::ids::{CatalogOutcomeId, DepartmentId, FileId, ImportId, InstitutionId, LearnerId, SubtypeId};
use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::hash::{Hash, Hasher};
use std::io::{BufRead, BufReader, BufWriter, Seek, Write};
use std::marker::PhantomData;

use domain::taxonomy::{FieldKind, FieldSpec};
use rust_xlsxwriter::{DataValidation, Format, Workbook};
use serde::Serialize;
use serde::de::DeserializeOwned;
use store::audit::Actor;
use store::now;

use crate::sheet::{self, Row, excel_date};
use crate::{App, AppError, AppResult, taxonomy};

mod rows;
pub use rows::*;
mod templates;
pub use templates::*;
use templates::{HOLDING_HEADERS, HOLDING_HEADERS_V1, LEARNER_HEADERS, headers};

/// Rows of the templates that carry the drop-down validation.
const TEMPLATE_ROWS: u32 = 100_000;
/// Cells longer than this are refused (the forms' longest field is 2 000 characters).
pub const MAX_CELL_CHARS: usize = 2_000;
/// Reasons kept with the job for the result page; the rejected-rows file has them all.
const SHOWN_REASONS: usize = 200;
/// Rows per batch when writing.
const WRITE_CHUNK: usize = 1_000;
const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

fn bad_file(m: &str) -> AppError {
    AppError::field("file", m)
}

/// A date column's cell: an Excel serial day number typed as text (or in a cell not
/// formatted as a date) becomes `YYYY-MM-DD`; anything else is left for the date rules.
fn date_cell(v: String) -> String {
    v.parse::<f64>().ok().and_then(excel_date).unwrap_or(v)
}

/// The first sheet's non-blank rows as text (templates, tests and benchmarks).
pub fn read_rows(bytes: &[u8]) -> AppResult<Vec<Vec<String>>> {
    Ok(sheet::read_all(bytes, usize::MAX - 1)?
        .into_iter()
        .map(|r| r.cells)
        .collect())
}

/// Whose import it is: an institution's, or the bank's own (made by a department, L-03).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    Institution(InstitutionId),
    Bank { department: DepartmentId },
}

impl Owner {
    pub fn institution(self) -> Option<InstitutionId> {
        match self {
            Owner::Institution(i) => Some(i),
            Owner::Bank { .. } => None,
        }
    }

    pub fn department(self) -> Option<DepartmentId> {
        match self {
            Owner::Bank { department } => Some(department),
            Owner::Institution(_) => None,
        }
    }
}

/// The file being imported: the stored original and the job running it.
pub struct Source<'a> {
    pub file_name: &'a str,
    pub file: &'a File,
    pub file_id: FileId,
    pub job: Option<store::jobs::Claim>,
}

/// What an import did.
#[derive(Debug, Clone)]
pub struct Summary {
    pub record: ImportId,
    pub imported: usize,
    pub rejected: usize,
}

/// Imports catalog outcomes of one subtype for an institution (机构成果导入).
pub async fn catalog(
    app: &App,
    institution_id: InstitutionId,
    subtype_id: SubtypeId,
    src: &Source<'_>,
    actor: &Actor,
) -> AppResult<Summary> {
    let (s, specs) = taxonomy::subtype(app, subtype_id).await?;
    if let Err(m) = taxonomy::may_store(app, institution_id, &s).await? {
        return Err(AppError::Forbidden(m));
    }
    let head: Vec<String> = headers(&specs).into_iter().map(|h| h.0).collect();
    let head: Vec<&str> = head.iter().map(String::as_str).collect();
    let mismatch = format!("表头与“{}”导入模板不一致，请下载该类型的最新模板", s.name);
    let mut walk = Walk::open(app, src, &head, &mismatch).await?;
    let existing: HashSet<u64> = store::catalog::names(&app.db.pool, institution_id, s.id)
        .await?
        .iter()
        .map(|n| key_hash(n))
        .collect();
    let today = domain::time::today();
    let mut seen = Seen::default();
    let mut valid: Spill<(String, String)> = Spill::new()?;
    while let Some(chunk) = walk.next().await? {
        for row in &chunk {
            let get = |c: usize| row.cells.get(c).cloned().unwrap_or_default();
            let mut reasons: Vec<String> = Vec::new();
            if let Some((c, _)) = row
                .cells
                .iter()
                .enumerate()
                .find(|(_, v)| v.chars().count() > MAX_CELL_CHARS)
            {
                reasons.push(format!("第{}列内容超过{MAX_CELL_CHARS}个字", c + 1));
            }
            let name = match domain::name::parse_label("name", "成果名称", &get(0), 100) {
                Ok(n) => Some(n),
                Err(e) => {
                    reasons.push(format!("成果名称：{}", e.message));
                    None
                }
            };
            let mut values = std::collections::BTreeMap::new();
            for (c, f) in specs.iter().enumerate() {
                let v = get(c + 1);
                let v = if f.kind == FieldKind::Date { date_cell(v) } else { v };
                values.insert(f.key.clone(), v);
            }
            let fields = match domain::taxonomy::validate(&specs, &values, today) {
                Ok(x) => Some(x),
                Err(errors) => {
                    reasons.extend(errors.into_iter().map(|e| e.message));
                    None
                }
            };
            if let Some(n) = &name {
                if existing.contains(&key_hash(n)) {
                    reasons.push("已存在同名成果，不能重复导入".into());
                } else if let Some(first) = seen.first(n) {
                    reasons.push(format!("与第{first}行重复"));
                }
            }
            match (name, fields, reasons.is_empty()) {
                (Some(n), Some(f), true) => {
                    seen.add(&n, row.number);
                    valid.push(&(n, serde_json::to_string(&f).map_err(anyhow::Error::from)?))?;
                }
                _ => walk.reject(row, reasons.join("；"))?,
            }
        }
    }
    let imported = valid.count;
    let mut o = open(app, src, walk.rejected.file()?, actor).await?;
    for chunk in valid.chunks()? {
        store::catalog::insert_many(
            &mut o.tx,
            institution_id,
            s.id,
            &chunk?,
            actor.id.unwrap_or_default(),
            o.t,
        )
        .await?;
    }
    let target = (Owner::Institution(institution_id), "catalog", Some(s.id));
    close(app, o, src, target, imported, &walk.rejected, actor).await
}

/// I-05 / L-03: imports learner accounts (未激活, initial password = last six characters
/// of the ID number) for an institution, or for the bank itself.
pub async fn learners(app: &App, owner: Owner, src: &Source<'_>, actor: &Actor) -> AppResult<Summary> {
    let mut walk = Walk::open(
        app,
        src,
        &LEARNER_HEADERS,
        "表头与学员信息导入模板不一致，请下载最新模板",
    )
    .await?;
    let mut seen = Seen::default();
    let mut valid: Spill<(String, String)> = Spill::new()?;
    while let Some(chunk) = walk.next().await? {
        let checked: Vec<Result<(String, String), Vec<String>>> = chunk
            .iter()
            .map(|row| {
                let get = |c: usize| row.cells.get(c).cloned().unwrap_or_default();
                let mut reasons = Vec::new();
                let name = domain::name::PersonName::parse(&get(0))
                    .map_err(|e| reasons.push(format!("学员姓名：{}", e.message)))
                    .ok();
                let id = domain::id_card::IdNumber::resident(&get(1))
                    .map_err(|e| reasons.push(format!("身份证号：{}", e.message)))
                    .ok();
                match (name, id) {
                    (Some(n), Some(id)) => Ok((n.as_str().to_string(), id.as_str().to_string())),
                    _ => Err(reasons),
                }
            })
            .collect();
        let numbers: Vec<&str> = checked.iter().flatten().map(|(_, id)| id.as_str()).collect();
        let taken: HashSet<String> = store::learners::by_id_numbers(&mut *app.db.conn().await?, &numbers)
            .await?
            .into_iter()
            .map(|(number, _, _)| number)
            .collect();
        for (row, c) in chunk.iter().zip(checked) {
            let reason = match c {
                Err(reasons) => Some(reasons.join("；")),
                Ok((_, id)) if let Some(first) = seen.first(&id) => Some(format!("与第{first}行重复")),
                Ok((_, id)) if taken.contains(&id) => Some("该身份证号已有学员账户".into()),
                Ok(v) => {
                    seen.add(&v.1, row.number);
                    valid.push(&v)?;
                    None
                }
            };
            if let Some(reason) = reason {
                walk.reject(row, reason)?;
            }
        }
    }
    let imported = valid.count;
    let mut o = open(app, src, walk.rejected.file()?, actor).await?;
    for chunk in valid.chunks()? {
        let chunk = chunk?;
        let cards: Vec<String> = chunk.iter().map(|_| crate::learners::new_card_no()).collect();
        let rows: Vec<(&str, &str, &str, &str)> = chunk
            .iter()
            .zip(&cards)
            .map(|((name, id), card)| (name.as_str(), "resident", id.as_str(), card.as_str()))
            .collect();
        store::learners::insert_imported(&mut o.tx, &rows, crate::password::INITIAL, owner.institution(), o.t).await?;
    }
    close(app, o, src, (owner, "learners", None), imported, &walk.rejected, actor).await
}

/// An import under way: the files are stored and recorded in the open transaction; the
/// caller adds its rows, then `close` writes the record and commits everything at once.
struct Opened {
    tx: store::Tx,
    original_id: FileId,
    rejected_id: Option<FileId>,
    name: String,
    t: i64,
}

async fn open(
    app: &App,
    src: &Source<'_>,
    rejected: Option<tempfile::NamedTempFile>,
    actor: &Actor,
) -> AppResult<Opened> {
    let name = crate::files::clean_name(src.file_name);
    let rejected = match &rejected {
        Some(f) => Some(
            crate::files::put(
                app,
                "file",
                &format!("未导入数据-{name}"),
                crate::files::Raw::Path(f.path()),
                XLSX,
            )
            .await?,
        ),
        None => None,
    };
    let t = now();
    let mut tx = app.db.begin().await?;
    let original_id = src.file_id;
    let rejected_id = match &rejected {
        Some(up) => Some(crate::files::record(&mut *tx, up, "institution", actor.id.unwrap_or_default()).await?),
        None => None,
    };
    Ok(Opened {
        tx,
        original_id,
        rejected_id,
        name,
        t,
    })
}

async fn close(
    app: &App,
    mut o: Opened,
    src: &Source<'_>,
    (owner, kind, subtype_id): (Owner, &str, Option<SubtypeId>),
    imported: usize,
    rejected: &Rejections,
    actor: &Actor,
) -> AppResult<Summary> {
    let counts = (imported, rejected.count);
    let row = store::imports::NewImport {
        institution_id: owner.institution(),
        department_id: owner.department(),
        kind,
        subtype_id,
        user_id: actor.id.unwrap_or_default(),
        user_name: actor.name.as_deref().unwrap_or(""),
        file_name: &o.name,
        original_file_id: o.original_id,
        rejected_file_id: o.rejected_id,
        imported: counts.0 as i64,
        rejected: counts.1 as i64,
        now: o.t,
    };
    let record = store::imports::insert(&mut *o.tx, &row).await?;
    let detail = format!("{} / {}", counts.0, counts.1);
    store::audit::record(
        &mut *o.tx,
        actor,
        &format!("import_{kind}"),
        Some(&record.to_string()),
        Some(&detail),
        o.t,
    )
    .await?;
    if let Some(job) = src.job {
        // The job is done exactly when its rows are in: the same transaction.
        let result = serde_json::json!({
            "record": record, "imported": counts.0, "rejected": counts.1, "reasons": rejected.shown,
        });
        if !store::jobs::finish(&mut *o.tx, job, &result.to_string(), o.t).await? {
            // Another process took the job over (or it was cancelled): keep theirs.
            return Err(AppError::Conflict(crate::jobs::TAKEN_OVER.into()));
        }
        let body = format!("“{}”已导入完成：成功{}条，未导入{}条。", o.name, counts.0, counts.1);
        crate::jobs::notify_owner(&mut o.tx, owner, job.id, "导入完成", &body, o.t).await?;
    }
    store::commit(o.tx).await?;
    // The planner must not go on believing the tables are as small as before: stale
    // statistics after a million-row import once made a home page scan for minutes.
    if imported >= STATISTICS_AFTER_ROWS {
        let tables: &[&str] = match kind {
            "catalog" => &["institution_outcomes"],
            "learners" => &["learners"],
            _ => &["learners", "learner_outcomes", "credit_ledger", "messages"],
        };
        if let Err(e) = app.db.analyze(tables).await {
            tracing::warn!(error = %e, "statistics not refreshed after an import");
        }
    }
    Ok(Summary {
        record,
        imported,
        rejected: rejected.count,
    })
}

/// Imports at least this large refresh the planner's statistics of what they wrote.
const STATISTICS_AFTER_ROWS: usize = 1_000;

/// I-04: stores a catalog outcome for the learners listed in a file (导入学员). Learners
/// without an account get a pre-imported one; recognised outcomes credit them.
pub async fn holdings(
    app: &App,
    institution_id: InstitutionId,
    catalog_id: CatalogOutcomeId,
    src: &Source<'_>,
    actor: &Actor,
) -> AppResult<Summary> {
    use crate::holdings::{HoldingContext, StoreForLearnerForm, check_store};
    let o = store::catalog::by_id(&app.db.pool, catalog_id)
        .await?
        .filter(|o| o.institution_id == institution_id)
        .ok_or_else(AppError::not_found)?;
    let ctx = HoldingContext::load(app, o.subtype_id, Some(o.id)).await?;
    let (mut walk, layout) = Walk::open_either(
        app,
        src,
        &[&HOLDING_HEADERS, &HOLDING_HEADERS_V1],
        "表头与学员成果导入模板不一致，请下载最新模板",
    )
    .await?;
    // The older layout has no 证件类型 column: every column after the name moves left.
    let (kind_col, shift) = if layout == 0 { (Some(1), 1) } else { (None, 0) };
    let mut seen = Seen::default();
    let mut valid: Spill<crate::holdings::ImportedHolding> = Spill::new()?;
    // The first valid row: what is the same for every row (the catalog outcome's name,
    // issuer and fields) is taken from it when writing.
    let mut template = None;
    while let Some(chunk) = walk.next().await? {
        // Each row on its own, with the rules of the form.
        let checked: Vec<Result<crate::holdings::StoreRow, String>> = chunk
            .iter()
            .map(|row| {
                let get = |c: usize| row.cells.get(c).cloned().unwrap_or_default();
                let issued = date_cell(get(3 + shift));
                let form = StoreForLearnerForm {
                    learner_name: get(0),
                    id_type: kind_col.map(get).unwrap_or_default(),
                    id_number: get(1 + shift),
                    number: get(2 + shift),
                    issued_on: issued,
                    score: get(4 + shift),
                };
                let mut v = crate::error::Checks::default();
                let checked = check_store(&ctx, &form, &mut v);
                match (v.finish(), checked) {
                    (Ok(()), Some(r)) => Ok(r),
                    (Err(AppError::Invalid(errors)), _) => {
                        Err(errors.into_iter().map(|e| e.message).collect::<Vec<_>>().join("；"))
                    }
                    _ => Err("数据不完整".into()),
                }
            })
            .collect();
        // The learners of this chunk and whether they hold the outcome already: two queries.
        let numbers: Vec<&str> = checked.iter().flatten().map(|r| r.id_number()).collect();
        let accounts: HashMap<String, (LearnerId, String)> =
            store::learners::by_id_numbers(&mut *app.db.conn().await?, &numbers)
                .await?
                .into_iter()
                .map(|(number, id, name)| (number, (id, name)))
                .collect();
        let ids: Vec<LearnerId> = accounts.values().map(|(id, _)| *id).collect();
        let holders: HashSet<LearnerId> = store::holdings::held_by(&app.db.pool, o.id, &ids)
            .await?
            .into_iter()
            .map(|(_, l)| l)
            .collect();
        for (row, c) in chunk.iter().zip(checked) {
            let account = c.as_ref().ok().and_then(|r| accounts.get(r.id_number()));
            let reason = match &c {
                Err(reason) => Some(reason.clone()),
                Ok(r) => match (account, seen.first(r.id_number())) {
                    (Some((_, name)), _) if name.as_str() != r.learner_name() => {
                        Some("学员姓名与身份证号不一致".into())
                    }
                    (Some((id, _)), _) if holders.contains(id) => Some("该学员已持有此成果，不能重复存储".into()),
                    (_, Some(first)) => Some(format!("与第{first}行重复")),
                    _ => None,
                },
            };
            match (reason, c) {
                (Some(reason), _) => walk.reject(row, reason)?,
                (None, Ok(r)) => {
                    seen.add(r.id_number(), row.number);
                    valid.push(&r.imported(account.map(|(id, _)| *id)))?;
                    template.get_or_insert(r);
                }
                (None, Err(_)) => {}
            }
        }
    }
    let imported = valid.count;
    let mut tx = open(app, src, walk.rejected.file()?, actor).await?;
    if let Some(template) = &template {
        for chunk in valid.chunks()? {
            crate::holdings::store_many(&mut tx.tx, &o, template, &chunk?, actor, tx.t).await?;
        }
    }
    let target = (Owner::Institution(institution_id), "holdings", Some(o.subtype_id));
    close(app, tx, src, target, imported, &walk.rejected, actor).await
}

#[cfg(test)]
mod tests {
    use super::Seen;

    #[test]
    fn seen_gives_back_the_first_row_across_runs_and_gaps() {
        let mut seen = Seen::default();
        let mut row = 2;
        for i in 0..200_000 {
            // Every 7th row is missing (rejected or blank).
            row += if i % 7 == 0 { 2 } else { 1 };
            seen.add(&format!("k{i}"), row);
        }
        seen.add("k5", 999_999);
        assert_eq!(seen.first("k0"), Some(4));
        assert_eq!(seen.first("k5"), Some(9));
        assert_eq!(seen.first("k199999"), Some(row as u32));
        assert_eq!(seen.first("k70000"), Some(4 + 70_000 + 70_000 / 7));
        assert_eq!(seen.first("absent"), None);
        assert_eq!(seen.runs.len(), 3);
    }

    #[test]
    #[allow(clippy::unwrap_used)]
    fn templates_carry_their_instructions() {
        for book in [super::holdings_template().unwrap(), super::learners_template().unwrap()] {
            // The first sheet is the one an import reads: the header row only.
            let rows = super::read_rows(&book).unwrap();
            assert_eq!(rows.len(), 1, "{rows:?}");
            assert!(rows[0][0].contains("学员姓名"));
            let mut zip = zip::ZipArchive::new(std::io::Cursor::new(book)).unwrap();
            let mut workbook = String::new();
            std::io::Read::read_to_string(&mut zip.by_name("xl/workbook.xml").unwrap(), &mut workbook).unwrap();
            assert!(workbook.contains("填写说明") && workbook.contains("导入数据"));
        }
    }

    #[test]
    fn a_wrong_header_names_what_differs() {
        let head = ["*学员姓名", "*身份证号", "*个人成果编号"];
        let m = super::rows::header_difference(&["身份证号", "姓名", "个人成果编号"], &head);
        assert_eq!(
            m,
            "缺少列：“学员姓名”；模板中没有的列：“姓名”；列的顺序不对：“身份证号”应在第2列（现在第1列）"
        );
        assert_eq!(
            super::rows::header_difference(&["学员姓名", "身份证号", "个人成果编号"], &head),
            "表头不在前5行"
        );
    }
}
