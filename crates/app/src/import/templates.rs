//! The import templates: each kind's header row, its drop-downs and its 填写说明 sheet,
//! and plain row files (rejected rows, tests, benchmarks).

use super::*;
use domain::ids::SubtypeId;

pub(super) fn headers(specs: &[FieldSpec]) -> Vec<(String, bool)> {
    let mut h = vec![("成果名称".to_string(), true)];
    h.extend(specs.iter().map(|f| (f.label.clone(), f.required)));
    h
}

/// The .xlsx template of a subtype: one header row (required fields marked *), drop-down
/// validation for fields with allowed values, and an instructions sheet with an example.
pub async fn template(app: &App, subtype_id: SubtypeId) -> AppResult<(String, Vec<u8>)> {
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
                .add_data_validation(1, (i + 1) as u16, TEMPLATE_ROWS, (i + 1) as u16, &v)
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

/// Rows as a simple .xlsx, written in constant memory.
pub fn rows_xlsx(headers: &[&str], rows: &[Vec<String>]) -> AppResult<Vec<u8>> {
    let err = |e: rust_xlsxwriter::XlsxError| AppError::Internal(anyhow::anyhow!(e));
    let mut book = Workbook::new();
    let sheet = book.add_worksheet_with_constant_memory();
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

/// A template: the header row on the first sheet (导入数据), then a 填写说明 sheet with
/// the rules of each column and an example row under the header names.
/// `lists` are the columns whose cells choose from a drop-down.
fn template_with_help(
    headers: &[&str],
    help: &[(&str, &str)],
    example: &[&str],
    lists: &[(u16, &[&str])],
) -> AppResult<Vec<u8>> {
    let err = |e: rust_xlsxwriter::XlsxError| AppError::Internal(anyhow::anyhow!(e));
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let sheet = book.add_worksheet().set_name("导入数据").map_err(err)?;
    for (c, h) in headers.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *h, &bold).map_err(err)?;
        sheet.set_column_width(c as u16, 20).map_err(err)?;
    }
    for (c, options) in lists {
        let v = DataValidation::new().allow_list_strings(options).map_err(err)?;
        sheet.add_data_validation(1, *c, TEMPLATE_ROWS, *c, &v).map_err(err)?;
    }
    let notes = book.add_worksheet().set_name("填写说明").map_err(err)?;
    notes.set_column_width(0, 16).map_err(err)?;
    notes.set_column_width(1, 80).map_err(err)?;
    notes.write_string_with_format(0, 0, "列", &bold).map_err(err)?;
    notes.write_string_with_format(0, 1, "填写要求", &bold).map_err(err)?;
    for (r, (column, rule)) in help.iter().enumerate() {
        notes.write_string(r as u32 + 1, 0, *column).map_err(err)?;
        notes.write_string(r as u32 + 1, 1, *rule).map_err(err)?;
    }
    let at = help.len() as u32 + 2;
    notes
        .write_string_with_format(at, 0, "示例（导入时请填在“导入数据”页，表头请勿修改）", &bold)
        .map_err(err)?;
    for (c, (h, v)) in headers.iter().zip(example).enumerate() {
        notes
            .write_string_with_format(at + 1, c as u16, *h, &bold)
            .map_err(err)?;
        notes.write_string(at + 2, c as u16, *v).map_err(err)?;
    }
    book.save_to_buffer().map_err(err)
}

/// The learner-account template (学员信息导入).
pub fn learners_template() -> AppResult<Vec<u8>> {
    template_with_help(
        &LEARNER_HEADERS.map(|h| format!("*{h}")).each_ref().map(String::as_str),
        &[
            ("学员姓名", "必填，与身份证件上的姓名一致，2-30个字。"),
            ("身份证号", "必填，18位居民身份证号码，末位X大小写均可。"),
            (
                "说明",
                "导入的学员为“未激活”状态，初始密码为身份证号后六位；学员首次登录后完善账户信息。同一身份证号只导入一次。",
            ),
        ],
        &["张晓明", "440106199001011235"],
        &[],
    )
}

pub(super) const LEARNER_HEADERS: [&str; 2] = ["学员姓名", "身份证号"];

/// The template of learners' outcomes for one catalog outcome (学员成果导入).
pub fn holdings_template() -> AppResult<Vec<u8>> {
    let id_types = domain::id_card::IdType::ALL.map(domain::id_card::IdType::label);
    template_with_help(
        &HOLDING_HEADERS
            .map(|h| if h == "成绩" { h.to_string() } else { format!("*{h}") })
            .each_ref()
            .map(String::as_str),
        &[
            (
                "学员姓名",
                "必填，与证件上的姓名一致；已有账户的学员须与其账户姓名相同。",
            ),
            (
                "证件类型",
                "必填，从下拉列表选择：居民身份证、港澳居民来往内地通行证、台湾居民来往大陆通行证、护照、外国人永久居留身份证；留空按居民身份证处理。",
            ),
            (
                "证件号码",
                "必填，与证件类型相符（居民身份证为18位并校验末位）。没有学分银行账户的学员将自动建立“未激活”账户，初始密码为证件号码后六位。",
            ),
            ("个人成果编号", "必填，证书编号、学号等，不超过50个字符。"),
            (
                "颁证日期",
                "必填，格式为 YYYY-MM-DD（也接受 2024/1/1、2024年1月1日 和 Excel 日期），不能晚于今天。",
            ),
            ("成绩", "选填，课程类成果填写0-100之间的数字。"),
            (
                "说明",
                "每次最多导入10MB（约30万行）。不符合要求的行不予导入，可在导入记录中下载“未导入数据”（含原因和原文件行号），修改后重新导入。同一学员不能重复持有同一成果。",
            ),
        ],
        &[
            "张晓明",
            "居民身份证",
            "440106199001011235",
            "ZS2024-0001",
            "2024-06-30",
            "85",
        ],
        &[(1, &id_types)],
    )
}

pub(super) const HOLDING_HEADERS: [&str; 6] = ["学员姓名", "证件类型", "证件号码", "个人成果编号", "颁证日期", "成绩"];
/// The template before 证件类型 (居民身份证 only); such files still import.
pub(super) const HOLDING_HEADERS_V1: [&str; 5] = ["学员姓名", "身份证号", "个人成果编号", "颁证日期", "成绩"];
