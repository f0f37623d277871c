//! Spreadsheet import (X-03, I-03) and templates. Files are checked before any parser
//! sees them: the real type by content, and for .xlsx every zip entry is inflated against
//! a limit and the shared-strings count is checked against the bytes behind it (a 3 KB
//! file declaring four billion strings would otherwise make the parser reserve them).
//! Rows are validated with the same rules as the forms; valid rows, both files and the
//! import record commit together or not at all.

use std::collections::BTreeMap;
use std::io::{Cursor, Read};

use calamine::{Data, Reader};
use domain::taxonomy::{FieldKind, FieldSpec};
use rust_xlsxwriter::{DataValidation, Format, Workbook};
use sha2::{Digest, Sha256};
use store::audit::Actor;
use store::now;

use crate::{App, AppError, AppResult, taxonomy};

pub const MAX_FILE_BYTES: usize = 20 * 1024 * 1024;
pub const MAX_INFLATED_BYTES: u64 = 200 * 1024 * 1024;
pub const MAX_ENTRIES: usize = 2_000;
pub const MAX_ROWS: usize = 100_000;
pub const MAX_CELL_CHARS: usize = 2_000;
const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

fn bad_file(m: &str) -> AppError {
    AppError::field("file", m)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Xlsx,
    Xls,
}

/// The spreadsheet kind by content, after the size and zip checks.
pub fn check(bytes: &[u8]) -> AppResult<Kind> {
    if bytes.is_empty() {
        return Err(bad_file("文件为空，请选择填写好的导入模板"));
    }
    if bytes.len() > MAX_FILE_BYTES {
        return Err(bad_file("文件超过20MB，请拆分后分批导入"));
    }
    if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        return Ok(Kind::Xls);
    }
    if !bytes.starts_with(b"PK\x03\x04") {
        return Err(bad_file("文件不是Excel表格（.xls或.xlsx），请使用导入模板"));
    }
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| bad_file("文件已损坏或不完整，无法读取"))?;
    if zip.len() > MAX_ENTRIES {
        return Err(bad_file("文件结构异常（条目过多），已拒绝"));
    }
    let mut total: u64 = 0;
    let mut has_workbook = false;
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).map_err(|_| bad_file("文件已损坏或不完整，无法读取"))?;
        let name = entry.name().to_string();
        has_workbook |= name == "xl/workbook.xml";
        // Inflate for real, whatever size the entry declares.
        let budget = MAX_INFLATED_BYTES - total;
        let mut head = Vec::new();
        let mut limited = (&mut entry).take(budget + 1);
        let mut buf = [0u8; 64 * 1024];
        let mut n_total: u64 = 0;
        loop {
            let n = limited
                .read(&mut buf)
                .map_err(|_| bad_file("文件已损坏或不完整，无法读取"))?;
            if n == 0 {
                break;
            }
            if head.len() < 4096 {
                head.extend_from_slice(&buf[..n.min(4096 - head.len())]);
            }
            n_total += n as u64;
        }
        total += n_total;
        if total > MAX_INFLATED_BYTES {
            return Err(bad_file("文件解压后过大（疑似压缩炸弹），已拒绝"));
        }
        if name.ends_with("sharedStrings.xml") {
            let text = String::from_utf8_lossy(&head);
            for attr in ["count=\"", "uniqueCount=\""] {
                if let Some(v) = text
                    .split(attr)
                    .nth(1)
                    .and_then(|r| r.split('"').next())
                    .and_then(|v| v.parse::<u64>().ok())
                    && v > n_total / 7 + 1
                {
                    return Err(bad_file("文件声明的字符串数量与内容不符，已拒绝"));
                }
            }
        }
    }
    if !has_workbook {
        return Err(bad_file("文件不是Excel表格（.xlsx），请使用导入模板"));
    }
    Ok(Kind::Xlsx)
}

fn excel_date(serial: f64) -> Option<String> {
    if !(1.0..=2_958_465.0).contains(&serial) {
        return None;
    }
    let base = chrono::NaiveDate::from_ymd_opt(1899, 12, 30)?;
    Some((base + chrono::Duration::days(serial.trunc() as i64)).to_string())
}

/// A cell as text: numbers without a trailing `.0`, dates as `YYYY-MM-DD`, formulas by
/// their cached value, full-width characters made half-width.
fn cell(d: &Data) -> String {
    match d {
        Data::String(s) => domain::normalize::half_width(s),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => if *b { "是" } else { "否" }.to_string(),
        Data::DateTime(dt) => excel_date(dt.as_f64()).unwrap_or_default(),
        Data::DateTimeIso(s) => s.chars().take(10).collect(),
        Data::DurationIso(s) => s.clone(),
        Data::Error(_) | Data::Empty => String::new(),
    }
}

/// The first sheet's rows as text, without trailing blank rows.
pub fn read_rows(bytes: &[u8]) -> AppResult<Vec<Vec<String>>> {
    check(bytes)?;
    let mut book = calamine::open_workbook_auto_from_rs(Cursor::new(bytes))
        .map_err(|_| bad_file("文件无法解析，请使用导入模板重新填写"))?;
    let range = book
        .worksheet_range_at(0)
        .ok_or_else(|| bad_file("文件中没有工作表"))?
        .map_err(|_| bad_file("工作表无法解析"))?;
    let (height, width) = range.get_size();
    if height > MAX_ROWS + 1 {
        return Err(bad_file(&format!("数据超过{MAX_ROWS}行，请拆分后分批导入")));
    }
    let _ = width;
    let mut rows: Vec<Vec<String>> = range.rows().map(|r| r.iter().map(cell).collect()).collect();
    while rows.last().is_some_and(|r| r.iter().all(String::is_empty)) {
        rows.pop();
    }
    Ok(rows)
}

fn headers(specs: &[FieldSpec]) -> Vec<(String, bool)> {
    let mut h = vec![("成果名称".to_string(), true)];
    h.extend(specs.iter().map(|f| (f.label.clone(), f.required)));
    h
}

/// The .xlsx template of a subtype: one header row (required fields marked *), drop-down
/// validation for fields with allowed values, and an instructions sheet with an example.
pub async fn template(app: &App, subtype_id: i64) -> AppResult<(String, Vec<u8>)> {
    let (s, specs) = taxonomy::subtype(app, subtype_id).await?;
    let err = |e: rust_xlsxwriter::XlsxError| AppError::Internal(anyhow::anyhow!(e));
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let sheet = book.add_worksheet().set_name("导入数据").map_err(err)?;
    for (c, (label, required)) in headers(&specs).iter().enumerate() {
        let text = if *required { format!("*{label}") } else { label.clone() };
        sheet.write_string_with_format(0, c as u16, &text, &bold).map_err(err)?;
        sheet.set_column_width(c as u16, 20).map_err(err)?;
    }
    for (i, f) in specs.iter().enumerate() {
        if f.kind == FieldKind::Select && !f.options.is_empty() {
            let options: Vec<&str> = f.options.iter().map(String::as_str).collect();
            let v = DataValidation::new().allow_list_strings(&options).map_err(err)?;
            sheet
                .add_data_validation(1, (i + 1) as u16, MAX_ROWS as u32, (i + 1) as u16, &v)
                .map_err(err)?;
        }
    }
    let help = book.add_worksheet().set_name("填写说明").map_err(err)?;
    let lines = [
        format!("本模板用于批量导入“{}-{}”机构成果。", s.type_name, s.name),
        "1) 带 * 的列为必填项；若某行不符合要求，该行不予导入，并在导入记录中给出原因。".to_string(),
        "2) 日期格式为 YYYY-MM-DD（也接受 2024/1/1、2024年1月1日 和 Excel 日期）。".to_string(),
        "3) 带下拉选项的列请从下拉列表中选择。".to_string(),
        "4) 同名成果不能重复导入。示例行见下方（导入时请勿放在“导入数据”页）。".to_string(),
    ];
    for (r, l) in lines.iter().enumerate() {
        help.write_string(r as u32, 0, l).map_err(err)?;
    }
    for (c, (label, _)) in headers(&specs).iter().enumerate() {
        help.write_string_with_format(7, c as u16, label, &bold).map_err(err)?;
        let example = if c == 0 {
            format!("示例{}", s.name)
        } else {
            let f = &specs[c - 1];
            match f.kind {
                FieldKind::Select => f.options.first().cloned().unwrap_or_default(),
                FieldKind::Date => "2024-01-01".into(),
                FieldKind::Number => "4".into(),
                _ => format!("示例{}", f.label),
            }
        };
        help.write_string(8, c as u16, &example).map_err(err)?;
    }
    let bytes = book.save_to_buffer().map_err(err)?;
    Ok((format!("{}导入模板.xlsx", s.name), bytes))
}

/// The file being imported: its bytes, the stored original, and the job running it.
pub struct Source<'a> {
    pub file_name: &'a str,
    pub bytes: &'a [u8],
    pub file_id: i64,
    pub job: Option<i64>,
}

/// Reports progress of a job every this many rows (and renews its lease).
const PROGRESS_EVERY: usize = 500;

async fn progress(app: &App, src: &Source<'_>, done: usize, total: usize) -> AppResult<()> {
    if let Some(job) = src.job
        && done.is_multiple_of(PROGRESS_EVERY)
    {
        store::jobs::progress(
            &app.db.pool,
            job,
            done as i64,
            total as i64,
            now() + crate::jobs::LEASE_SECONDS,
        )
        .await?;
    }
    Ok(())
}

/// What an import did.
#[derive(Debug, Clone)]
pub struct Summary {
    pub record: i64,
    pub imported: usize,
    /// (row number as Excel shows it, reason).
    pub rejected: Vec<(usize, String)>,
}

async fn put(app: &App, bytes: &[u8]) -> AppResult<String> {
    let sha = hex::encode(Sha256::digest(bytes));
    let random: [u8; 8] = rand::random();
    let key = format!("{}/{}{}", &sha[..2], sha, hex::encode(random));
    app.files.put(&key, bytes).await.map_err(AppError::Internal)?;
    Ok(key)
}

/// Imports catalog outcomes of one subtype for an institution (机构成果导入).
pub async fn catalog(
    app: &App,
    institution_id: i64,
    subtype_id: i64,
    src: &Source<'_>,
    actor: &Actor,
) -> AppResult<Summary> {
    let bytes = src.bytes;
    let (s, specs) = taxonomy::subtype(app, subtype_id).await?;
    if let Err(m) = taxonomy::may_store(app, institution_id, &s).await? {
        return Err(AppError::Forbidden(m));
    }
    let rows = read_rows(bytes)?;
    let expected: Vec<String> = headers(&specs).into_iter().map(|h| h.0).collect();
    let Some(header) = rows.first() else {
        return Err(bad_file("文件中没有数据"));
    };
    let got: Vec<String> = header
        .iter()
        .map(|h| h.trim().trim_start_matches('*').trim().to_string())
        .take(expected.len())
        .collect();
    if got != expected {
        return Err(bad_file(&format!(
            "表头与“{}”导入模板不一致，请下载该类型的最新模板",
            s.name
        )));
    }
    if rows.len() < 2 {
        return Err(bad_file("模板中没有填写数据"));
    }
    let existing: std::collections::BTreeSet<String> = store::catalog::list(
        &app.db,
        &store::catalog::Filter {
            institution_id: Some(institution_id),
            subtype_id: Some(s.id),
            ..Default::default()
        },
        1,
        1_000_000,
    )
    .await?
    .rows
    .into_iter()
    .map(|o| o.name)
    .collect();
    let today = chrono::Utc::now().date_naive();
    let mut valid: Vec<(String, String)> = Vec::new();
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut rejected: Vec<(usize, String)> = Vec::new();
    let mut rejected_rows: Vec<Vec<String>> = Vec::new();
    for (i, row) in rows.iter().enumerate().skip(1) {
        let excel_row = i + 1;
        progress(app, src, i, rows.len() - 1).await?;
        if row.iter().all(String::is_empty) {
            continue;
        }
        let get = |c: usize| row.get(c).cloned().unwrap_or_default();
        let mut reasons: Vec<String> = Vec::new();
        if let Some((c, _)) = row.iter().enumerate().find(|(_, v)| v.chars().count() > MAX_CELL_CHARS) {
            reasons.push(format!("第{}列内容超过{MAX_CELL_CHARS}个字", c + 1));
        }
        let name = match domain::name::parse_label("name", "成果名称", &get(0), 100) {
            Ok(n) => Some(n),
            Err(e) => {
                reasons.push(format!("成果名称：{}", e.message));
                None
            }
        };
        let mut values = BTreeMap::new();
        for (c, f) in specs.iter().enumerate() {
            let mut v = get(c + 1);
            if f.kind == FieldKind::Date
                && let Ok(serial) = v.parse::<f64>()
                && let Some(d) = excel_date(serial)
            {
                v = d;
            }
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
            if existing.contains(n) {
                reasons.push("已存在同名成果，不能重复导入".into());
            } else if let Some(first) = seen.get(n) {
                reasons.push(format!("与第{first}行重复"));
            }
        }
        match (name, fields, reasons.is_empty()) {
            (Some(n), Some(f), true) => {
                seen.insert(n.clone(), excel_row);
                valid.push((n, serde_json::to_string(&f).map_err(anyhow::Error::from)?));
            }
            _ => {
                let reason = reasons.join("；");
                // Excel cells hold at most 32 767 characters; a crafted file may hold more.
                let mut r: Vec<String> = row.iter().map(|c| c.chars().take(32_000).collect()).collect();
                r.push(reason.clone());
                rejected_rows.push(r);
                rejected.push((excel_row, reason));
            }
        }
    }
    // The rejected rows with a reason column, for the person to fix and import again.
    let rejected_bytes = if rejected_rows.is_empty() {
        None
    } else {
        let mut head: Vec<&str> = expected.iter().map(String::as_str).collect();
        head.push("未导入原因");
        Some(rows_xlsx(&head, &rejected_rows)?)
    };
    let mut o = open(app, src, rejected_bytes, actor).await?;
    store::catalog::insert_many(
        &mut o.tx,
        institution_id,
        s.id,
        &valid,
        actor.id.unwrap_or_default(),
        o.t,
    )
    .await?;
    let record = close(
        o,
        institution_id,
        "catalog",
        Some(s.id),
        (valid.len(), &rejected),
        src.job,
        actor,
    )
    .await?;
    Ok(Summary {
        record,
        imported: valid.len(),
        rejected,
    })
}

/// Rows as a simple .xlsx.
pub fn rows_xlsx(headers: &[&str], rows: &[Vec<String>]) -> AppResult<Vec<u8>> {
    let err = |e: rust_xlsxwriter::XlsxError| AppError::Internal(anyhow::anyhow!(e));
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    let bold = Format::new().set_bold();
    for (c, h) in headers.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *h, &bold).map_err(err)?;
        sheet.set_column_width(c as u16, 20).map_err(err)?;
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            sheet.write_string(r as u32 + 1, c as u16, v).map_err(err)?;
        }
    }
    book.save_to_buffer().map_err(err)
}

/// The learner-account template (学员信息导入).
pub fn learners_template() -> AppResult<Vec<u8>> {
    rows_xlsx(&["*学员姓名", "*身份证号"], &[])
}

/// I-05 / L-03: imports learner accounts (未激活, initial password = last six characters
/// of the ID number) for an institution.
pub async fn learners(app: &App, institution_id: i64, src: &Source<'_>, actor: &Actor) -> AppResult<Summary> {
    let bytes = src.bytes;
    let rows = read_rows(bytes)?;
    let Some(header) = rows.first() else {
        return Err(bad_file("文件中没有数据"));
    };
    let got: Vec<String> = header
        .iter()
        .map(|h| h.trim().trim_start_matches('*').trim().to_string())
        .take(2)
        .collect();
    if got != ["学员姓名", "身份证号"] {
        return Err(bad_file("表头与学员信息导入模板不一致，请下载最新模板"));
    }
    let mut valid: Vec<(String, String)> = Vec::new();
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut rejected: Vec<(usize, String)> = Vec::new();
    let mut rejected_rows: Vec<Vec<String>> = Vec::new();
    for (i, row) in rows.iter().enumerate().skip(1) {
        let excel_row = i + 1;
        progress(app, src, i, rows.len() - 1).await?;
        if row.iter().all(String::is_empty) {
            continue;
        }
        let get = |c: usize| row.get(c).cloned().unwrap_or_default();
        let mut reasons = Vec::new();
        let name = domain::name::PersonName::parse(&get(0))
            .map_err(|e| reasons.push(format!("学员姓名：{}", e.message)))
            .ok();
        let id = domain::id_card::IdNumber::resident(&get(1))
            .map_err(|e| reasons.push(format!("身份证号：{}", e.message)))
            .ok();
        if let Some(id) = &id {
            if let Some(first) = seen.get(id.as_str()) {
                reasons.push(format!("与第{first}行重复"));
            } else if store::learners::by_id_number(&app.db.pool, id.as_str())
                .await?
                .is_some()
            {
                reasons.push("该身份证号已有学员账户".into());
            }
        }
        match (name, id, reasons.is_empty()) {
            (Some(n), Some(id), true) => {
                seen.insert(id.as_str().to_string(), excel_row);
                valid.push((n.as_str().to_string(), id.as_str().to_string()));
            }
            _ => {
                let reason = reasons.join("；");
                let mut r: Vec<String> = row.iter().take(2).map(|c| c.chars().take(32_000).collect()).collect();
                r.resize(2, String::new());
                r.push(reason.clone());
                rejected_rows.push(r);
                rejected.push((excel_row, reason));
            }
        }
    }
    let rejected_bytes = if rejected_rows.is_empty() {
        None
    } else {
        Some(rows_xlsx(&["学员姓名", "身份证号", "未导入原因"], &rejected_rows)?)
    };
    let mut o = open(app, src, rejected_bytes, actor).await?;
    for (n, id) in &valid {
        let row = store::learners::NewLearner {
            name: n,
            id_type: "resident",
            id_number: id,
            mobile: None,
            password_hash: crate::password::INITIAL,
            status: store::learners::INACTIVE,
            card_no: &crate::learners::new_card_no(),
            created_by_institution: Some(institution_id),
            now: o.t,
        };
        store::learners::insert(&mut *o.tx, &row).await?;
    }
    let record = close(
        o,
        institution_id,
        "learners",
        None,
        (valid.len(), &rejected),
        src.job,
        actor,
    )
    .await?;
    Ok(Summary {
        record,
        imported: valid.len(),
        rejected,
    })
}

/// An import under way: the files are stored and recorded in the open transaction; the
/// caller adds its rows, then `close` writes the record and commits everything at once.
struct Opened {
    tx: store::Tx,
    original_id: i64,
    rejected_id: Option<i64>,
    name: String,
    t: i64,
}

async fn open(app: &App, src: &Source<'_>, rejected: Option<Vec<u8>>, actor: &Actor) -> AppResult<Opened> {
    let file_name = src.file_name;
    let rejected_key = match &rejected {
        Some(b) => Some(put(app, b).await?),
        None => None,
    };
    let t = now();
    let name = crate::files::clean_name(file_name);
    let by = actor.id.unwrap_or_default();
    let mut tx = app.db.begin().await?;
    let original_id = src.file_id;
    let rejected_name = format!("未导入数据-{name}");
    let rejected_id = match (&rejected_key, &rejected) {
        (Some(k), Some(b)) => {
            let sha = hex::encode(Sha256::digest(b));
            let f = store::files::NewFile {
                storage_key: k,
                sha256: &sha,
                size: b.len() as i64,
                mime: XLSX,
                original_name: &rejected_name,
                role: "institution",
                by,
                now: t,
            };
            Some(store::files::insert(&mut *tx, &f).await?)
        }
        _ => None,
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
    mut o: Opened,
    institution_id: i64,
    kind: &str,
    subtype_id: Option<i64>,
    outcome: (usize, &[(usize, String)]),
    job: Option<i64>,
    actor: &Actor,
) -> AppResult<i64> {
    let counts = (outcome.0, outcome.1.len());
    let row = store::imports::NewImport {
        institution_id,
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
    if let Some(job) = job {
        // The job is done exactly when its rows are in: the same transaction.
        let shown: Vec<&(usize, String)> = outcome.1.iter().take(200).collect();
        let result =
            serde_json::json!({ "record": record, "imported": counts.0, "rejected": counts.1, "reasons": shown });
        store::jobs::finish(&mut *o.tx, job, &result.to_string(), o.t).await?;
    }
    store::commit(o.tx).await?;
    Ok(record)
}

/// The template of learners' outcomes for one catalog outcome (学员成果导入).
pub fn holdings_template() -> AppResult<Vec<u8>> {
    rows_xlsx(
        &HOLDING_HEADERS
            .map(|h| if h == "成绩" { h.to_string() } else { format!("*{h}") })
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
        &[],
    )
}

const HOLDING_HEADERS: [&str; 5] = ["学员姓名", "身份证号", "个人成果编号", "颁证日期", "成绩"];

/// I-04: stores a catalog outcome for the learners listed in a file (导入学员). Learners
/// without an account get a pre-imported one; recognised outcomes credit them.
pub async fn holdings(
    app: &App,
    institution_id: i64,
    catalog_id: i64,
    src: &Source<'_>,
    actor: &Actor,
) -> AppResult<Summary> {
    let o = store::catalog::by_id(&app.db.pool, catalog_id)
        .await?
        .filter(|o| o.institution_id == institution_id)
        .ok_or_else(AppError::not_found)?;
    let rows = read_rows(src.bytes)?;
    let Some(header) = rows.first() else {
        return Err(bad_file("文件中没有数据"));
    };
    let got: Vec<String> = header
        .iter()
        .map(|h| h.trim().trim_start_matches('*').trim().to_string())
        .take(5)
        .collect();
    if got != HOLDING_HEADERS {
        return Err(bad_file("表头与学员成果导入模板不一致，请下载最新模板"));
    }
    let mut valid = Vec::new();
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut rejected: Vec<(usize, String)> = Vec::new();
    let mut rejected_rows: Vec<Vec<String>> = Vec::new();
    for (i, row) in rows.iter().enumerate().skip(1) {
        let excel_row = i + 1;
        progress(app, src, i, rows.len() - 1).await?;
        if row.iter().all(String::is_empty) {
            continue;
        }
        let get = |c: usize| row.get(c).cloned().unwrap_or_default();
        let mut issued = get(3);
        if let Ok(serial) = issued.parse::<f64>()
            && let Some(d) = excel_date(serial)
        {
            issued = d;
        }
        let form = crate::holdings::StoreForLearnerForm {
            learner_name: get(0),
            id_number: get(1),
            number: get(2),
            issued_on: issued,
            score: get(4),
        };
        let reason = match crate::holdings::validate_store(app, &o, &form).await {
            Ok(r) => match seen.get(r.id_number()) {
                Some(first) => Some(format!("与第{first}行重复")),
                None => {
                    seen.insert(r.id_number().to_string(), excel_row);
                    valid.push(r);
                    None
                }
            },
            Err(AppError::Invalid(errors)) => {
                Some(errors.into_iter().map(|e| e.message).collect::<Vec<_>>().join("；"))
            }
            Err(e) => return Err(e),
        };
        if let Some(reason) = reason {
            let mut r: Vec<String> = row.iter().take(5).map(|c| c.chars().take(32_000).collect()).collect();
            r.resize(5, String::new());
            r.push(reason.clone());
            rejected_rows.push(r);
            rejected.push((excel_row, reason));
        }
    }
    let rejected_bytes = if rejected_rows.is_empty() {
        None
    } else {
        let mut head: Vec<&str> = HOLDING_HEADERS.to_vec();
        head.push("未导入原因");
        Some(rows_xlsx(&head, &rejected_rows)?)
    };
    let mut o_tx = open(app, src, rejected_bytes, actor).await?;
    for r in &valid {
        crate::holdings::store_in(&mut o_tx.tx, &o, r, actor, o_tx.t).await?;
    }
    let record = close(
        o_tx,
        institution_id,
        "holdings",
        Some(o.id),
        (valid.len(), &rejected),
        src.job,
        actor,
    )
    .await?;
    Ok(Summary {
        record,
        imported: valid.len(),
        rejected,
    })
}
