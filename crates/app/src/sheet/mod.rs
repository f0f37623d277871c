//! Reading spreadsheets row by row (X-03). Files are checked before any parser sees
//! them: the real type by content, and for .xlsx every zip entry is inflated against
//! limits (total size and compression ratio) and the shared-strings count is checked
//! against the bytes behind it, so a 3 KB file declaring four billion strings or a
//! deflate bomb is refused instead of taking the process down.
//!
//! An .xlsx is then read as a stream on a blocking thread that hands rows over in
//! chunks: the worksheet XML is parsed event by event and the shared strings are kept
//! in an unlinked temporary file, so memory does not grow with the file (a million-row
//! sheet holds millions of strings). An .xls (at most 65 536 rows by its format) is read
//! whole with calamine.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Cursor, Read, Seek, Write};
use std::os::unix::fs::FileExt;

use quick_xml::events::{BytesStart, Event};

use crate::{AppError, AppResult};

mod bounded;
mod xlsx;
use xlsx::*;

/// Uploads and stored import files larger than this are refused.
pub const MAX_FILE_BYTES: u64 = 100 * 1024 * 1024;
/// An .xls is parsed in memory: a smaller cap.
pub const MAX_XLS_BYTES: u64 = 20 * 1024 * 1024;
/// All entries of an .xlsx together, inflated.
pub const MAX_INFLATED_BYTES: u64 = 1536 * 1024 * 1024;
/// An entry inflating to more than this many times its compressed size (and to more
/// than `RATIO_FLOOR` bytes) is a bomb: real sheets compress 5–30 times.
const MAX_RATIO: u64 = 200;
const RATIO_FLOOR: u64 = 10 * 1024 * 1024;
pub const MAX_ENTRIES: usize = 2_000;
/// Columns beyond this are ignored (no template has more than a few dozen).
pub const MAX_COLS: usize = 256;
/// A cell is cut here while reading (Excel itself holds at most 32 767 characters); the
/// importer then reports the row as too long.
pub const MAX_READ_CHARS: usize = 32_768;
/// Rows handed over at a time.
const CHUNK: usize = 1_000;
/// The last row of an Excel sheet.
const MAX_SHEET_ROW: usize = 1_048_576;
/// Rows a sheet may hold above its data (title rows and the header), beyond the limit
/// of data rows; the importer, which knows where the header is, counts data rows exactly.
pub const HEADER_ROWS: usize = 5;

fn bad_file(m: &str) -> AppError {
    AppError::field("file", m)
}

fn corrupt() -> AppError {
    bad_file("文件已损坏或不完整，无法读取")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Xlsx,
    Xls,
}

/// What the checks learned besides the file being safe to parse.
#[derive(Debug)]
pub struct Checked {
    pub kind: Kind,
    /// `<row>` elements per worksheet entry, for the progress total.
    rows: HashMap<String, u64>,
}

/// The spreadsheet kind by content, after the size and zip checks.
pub fn check<R: Read + Seek>(mut r: R) -> AppResult<Checked> {
    let len = r.seek(std::io::SeekFrom::End(0)).map_err(|_| corrupt())?;
    r.rewind().map_err(|_| corrupt())?;
    if len == 0 {
        return Err(bad_file("文件为空，请选择填写好的导入模板"));
    }
    if len > MAX_FILE_BYTES {
        return Err(bad_file("文件超过100MB，请拆分后分批导入"));
    }
    let mut magic = [0u8; 8];
    let n = r.read(&mut magic).map_err(|_| corrupt())?;
    r.rewind().map_err(|_| corrupt())?;
    if magic[..n] == [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1] {
        // A password-protected .xlsx is an OLE compound file holding the encrypted
        // package; Excel saves it so whatever the name says.
        let encrypted =
            cfb::CompoundFile::open(&mut r).is_ok_and(|c| c.exists("/EncryptionInfo") || c.exists("/EncryptedPackage"));
        r.rewind().map_err(|_| corrupt())?;
        if encrypted {
            return Err(bad_file("文件已加密，请取消密码保护后重新导入"));
        }
        if len > MAX_XLS_BYTES {
            return Err(bad_file("xls文件超过20MB，请另存为xlsx或拆分后导入"));
        }
        return Ok(Checked {
            kind: Kind::Xls,
            rows: HashMap::new(),
        });
    }
    if !magic[..n].starts_with(b"PK\x03\x04") {
        return Err(bad_file("文件不是Excel表格（.xls或.xlsx），请使用导入模板"));
    }
    let mut zip = zip::ZipArchive::new(r).map_err(|_| corrupt())?;
    if zip.len() > MAX_ENTRIES {
        return Err(bad_file("文件结构异常（条目过多），已拒绝"));
    }
    let mut total: u64 = 0;
    let mut has_workbook = false;
    let mut rows = HashMap::new();
    let finder = memchr::memmem::Finder::new(b"<row");
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).map_err(|_| corrupt())?;
        let name = entry.name().to_string();
        let compressed = entry.compressed_size();
        has_workbook |= name == "xl/workbook.xml";
        let is_sheet = name.starts_with("xl/worksheets/") && name.ends_with(".xml");
        // Inflate for real, whatever size the entry declares.
        let budget = MAX_INFLATED_BYTES - total;
        let mut head = Vec::new();
        let mut limited = (&mut entry).take(budget + 1);
        let mut buf = vec![0u8; 64 * 1024];
        let mut carry = 0usize;
        let mut inflated: u64 = 0;
        let mut row_tags: u64 = 0;
        loop {
            let n = limited.read(&mut buf[carry..]).map_err(|_| corrupt())?;
            if n == 0 {
                break;
            }
            let filled = carry + n;
            if head.len() < 4096 {
                head.extend_from_slice(&buf[carry..carry + n.min(4096 - head.len())]);
            }
            inflated += n as u64;
            if inflated > RATIO_FLOOR && inflated > compressed.saturating_mul(MAX_RATIO) {
                return Err(bad_file("文件解压后过大（疑似压缩炸弹），已拒绝"));
            }
            if is_sheet {
                // `<row ` and `<row>`, not `<rowBreaks`. The last four bytes are carried
                // into the next read, so a tag cut before its next byte counts there.
                let data = &buf[..filled];
                row_tags += finder
                    .find_iter(data)
                    .filter(|&p| matches!(data.get(p + 4), Some(b' ' | b'>')))
                    .count() as u64;
                carry = 4.min(filled);
                buf.copy_within(filled - carry..filled, 0);
            }
        }
        total += inflated;
        if total > MAX_INFLATED_BYTES {
            return Err(bad_file("文件解压后过大（疑似压缩炸弹），已拒绝"));
        }
        if is_sheet {
            rows.insert(name.clone(), row_tags);
        }
        if name.ends_with("sharedStrings.xml") {
            let text = String::from_utf8_lossy(&head);
            for attr in ["count=\"", "uniqueCount=\""] {
                if let Some(v) = text
                    .split(attr)
                    .nth(1)
                    .and_then(|r| r.split('"').next())
                    .and_then(|v| v.parse::<u64>().ok())
                    && v > inflated / 7 + 1
                {
                    return Err(bad_file("文件声明的字符串数量与内容不符，已拒绝"));
                }
            }
        }
    }
    if !has_workbook {
        return Err(bad_file("文件不是Excel表格（.xlsx），请使用导入模板"));
    }
    Ok(Checked { kind: Kind::Xlsx, rows })
}

/// A non-blank row: its number as Excel shows it, and its cells as text.
#[derive(Debug, Clone)]
pub struct Row {
    pub number: usize,
    pub cells: Vec<String>,
}

enum Msg {
    Total(usize),
    Rows(Vec<Row>),
}

/// The rows of a sheet being read on a blocking thread.
pub struct Rows {
    rx: tokio::sync::mpsc::Receiver<AppResult<Msg>>,
    /// Rows the sheet declares (for progress; blank rows included).
    pub total: usize,
}

impl Rows {
    /// Checks the file, then starts reading the first sheet; file-level problems are
    /// reported here, row-level ones by the importer.
    pub async fn open<R: Read + Seek + Send + 'static>(reader: R, max_rows: usize) -> AppResult<Rows> {
        let (tx, mut rx) = tokio::sync::mpsc::channel(4);
        tokio::task::spawn_blocking(move || {
            let mut send = |m: AppResult<Msg>| tx.blocking_send(m).is_ok();
            if let Err(e) = read(reader, max_rows, &mut send) {
                send(Err(e));
            }
        });
        match rx.recv().await {
            Some(Ok(Msg::Total(total))) => Ok(Rows { rx, total }),
            Some(Err(e)) => Err(e),
            _ => Err(AppError::Internal(anyhow::anyhow!("sheet reader stopped"))),
        }
    }

    /// The next rows, or None at the end of the sheet.
    pub async fn next_chunk(&mut self) -> AppResult<Option<Vec<Row>>> {
        match self.rx.recv().await {
            Some(Ok(Msg::Rows(r))) => Ok(Some(r)),
            Some(Ok(Msg::Total(_))) => Err(AppError::Internal(anyhow::anyhow!("total sent twice"))),
            Some(Err(e)) => Err(e),
            None => Ok(None),
        }
    }
}

/// All non-blank rows of the first sheet (templates, tests, small files).
pub fn read_all(bytes: &[u8], max_rows: usize) -> AppResult<Vec<Row>> {
    let mut out = Vec::new();
    read(Cursor::new(bytes.to_vec()), max_rows, &mut |m: AppResult<Msg>| {
        if let Ok(Msg::Rows(r)) = m {
            out.extend(r);
        }
        true
    })?;
    Ok(out)
}

/// Checks and reads the first sheet, handing rows over in chunks. `send` returns false
/// when nobody listens any more.
fn read<R: Read + Seek>(mut reader: R, max_rows: usize, send: &mut dyn FnMut(AppResult<Msg>) -> bool) -> AppResult<()> {
    let checked = check(&mut reader)?;
    reader.rewind().map_err(|_| corrupt())?;
    let mut out = Chunker {
        send,
        rows: Vec::new(),
        count: 0,
        max_rows,
    };
    match checked.kind {
        Kind::Xls => read_xls(reader, &mut out)?,
        Kind::Xlsx => read_xlsx(reader, &checked, &mut out)?,
    }
    out.flush();
    Ok(())
}

/// Collects rows into chunks and enforces the row limit.
struct Chunker<'a> {
    send: &'a mut dyn FnMut(AppResult<Msg>) -> bool,
    rows: Vec<Row>,
    count: usize,
    max_rows: usize,
}

impl Chunker<'_> {
    fn total(&mut self, total: usize) -> AppResult<bool> {
        if total > self.max_rows.saturating_add(HEADER_ROWS) {
            return Err(too_many(self.max_rows));
        }
        Ok((self.send)(Ok(Msg::Total(total))))
    }

    /// Takes a row; false when the reader should stop (nobody listens).
    fn push(&mut self, number: usize, mut cells: Vec<String>) -> AppResult<bool> {
        while cells.last().is_some_and(String::is_empty) {
            cells.pop();
        }
        if cells.is_empty() {
            return Ok(true);
        }
        self.count += 1;
        if self.count > self.max_rows.saturating_add(HEADER_ROWS) {
            return Err(too_many(self.max_rows));
        }
        self.rows.push(Row { number, cells });
        if self.rows.len() >= CHUNK {
            return Ok(self.flush());
        }
        Ok(true)
    }

    fn flush(&mut self) -> bool {
        if self.rows.is_empty() {
            return true;
        }
        (self.send)(Ok(Msg::Rows(std::mem::take(&mut self.rows))))
    }
}

pub fn too_many(max: usize) -> AppError {
    bad_file(&format!("数据超过{max}行，请拆分后分批导入"))
}

/// An Excel serial day number as `YYYY-MM-DD` (the 1900 system, as Excel counts).
pub fn excel_date(serial: f64) -> Option<String> {
    if !(1.0..=2_958_465.0).contains(&serial) {
        return None;
    }
    let base = chrono::NaiveDate::from_ymd_opt(1899, 12, 30)?;
    Some((base + chrono::Duration::days(serial.trunc() as i64)).to_string())
}

/// A number as a person typed it: integers without `.0`. From 10^15 on, Excel keeps
/// only 15 significant digits, so the number is shown as Excel shows it
/// (`3.60102199207063E+17`), never as made-up trailing zeros a check digit might accept.
fn number_text(f: f64) -> String {
    if f.abs() >= 1e15 {
        format!("{f:E}").replacen("E", "E+", usize::from(f.abs() >= 1.0))
    } else if f.fract() == 0.0 {
        format!("{}", f as i64)
    } else {
        f.to_string()
    }
}

fn read_xls<R: Read + Seek>(reader: R, out: &mut Chunker<'_>) -> AppResult<()> {
    use calamine::{Data, Reader};
    let mut book = calamine::Xls::new(reader).map_err(|_| bad_file("文件无法解析，请使用导入模板重新填写"))?;
    let range = book
        .worksheet_range_at(0)
        .ok_or_else(|| bad_file("文件中没有工作表"))?
        .map_err(|_| bad_file("工作表无法解析"))?;
    let start = range.start().map_or(0, |(r, _)| r as usize);
    let col0 = range.start().map_or(0, |(_, c)| c as usize);
    if !out.total(range.height())? {
        return Ok(());
    }
    for (i, r) in range.rows().enumerate() {
        let mut cells = vec![String::new(); col0];
        cells.extend(r.iter().take(MAX_COLS).map(|d| match d {
            Data::String(s) => cut(domain::normalize::half_width(s)),
            Data::Int(i) => i.to_string(),
            Data::Float(f) => number_text(*f),
            Data::Bool(b) => if *b { "是" } else { "否" }.to_string(),
            Data::DateTime(dt) => excel_date(dt.as_f64()).unwrap_or_default(),
            Data::DateTimeIso(s) => s.chars().take(10).collect(),
            Data::DurationIso(s) => s.clone(),
            Data::Error(_) | Data::Empty => String::new(),
        }));
        if !out.push(start + i + 1, cells)? {
            return Ok(());
        }
    }
    Ok(())
}

fn cut(s: String) -> String {
    if s.len() > MAX_READ_CHARS {
        s.chars().take(MAX_READ_CHARS).collect()
    } else {
        s
    }
}

type Zip<R> = zip::ZipArchive<R>;

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn zip_of(entries: &[(&str, &str)]) -> Vec<u8> {
        let mut buf = Cursor::new(Vec::new());
        {
            let mut z = zip::ZipWriter::new(&mut buf);
            let opts = zip::write::SimpleFileOptions::default();
            for (name, text) in entries {
                z.start_file(*name, opts).unwrap();
                z.write_all(text.as_bytes()).unwrap();
            }
            z.finish().unwrap();
        }
        buf.into_inner()
    }

    /// What real spreadsheets hold: a merged title row, Excel dates by style, formulas
    /// with cached values, inline and rich-text strings, full-width digits, leading
    /// zeros kept as text, cells without references, trailing blank rows.
    #[test]
    fn reads_what_real_spreadsheets_hold() {
        let book = r#"<workbook xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="数据" sheetId="1" r:id="rId7"/></sheets></workbook>"#;
        let rels = r#"<Relationships><Relationship Id="rId7" Target="worksheets/data.xml"/></Relationships>"#;
        let styles = r#"<styleSheet><numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;"/></numFmts>
            <cellStyleXfs count="1"><xf numFmtId="0"/></cellStyleXfs>
            <cellXfs count="3"><xf numFmtId="0"/><xf numFmtId="14"/><xf numFmtId="164"/></cellXfs></styleSheet>"#;
        let sst = r#"<sst count="4" uniqueCount="4"><si><t>学员成果导入</t></si><si><t>姓名</t></si><si><r><t>张</t></r><r><t>三&amp;</t></r><rPh><t>ちょう</t></rPh></si><si><t>００１２３</t></si></sst>"#;
        let sheet = r#"<worksheet><dimension ref="A1:D6"/><sheetData>
            <row r="1"><c r="A1" t="s"><v>0</v></c></row>
            <row r="2"><c r="A2" t="s"><v>1</v></c><c r="B2" t="inlineStr"><is><t>日期</t></is></c><c t="inlineStr"><is><t>分数</t></is></c></row>
            <row r="3"><c r="A3" t="s"><v>2</v></c><c r="B3" s="1"><v>45292</v></c><c r="C3"><f>1+2</f><v>3</v></c><c r="D3" t="s"><v>3</v></c></row>
            <row r="4"><c r="A4" t="str"><f>A3</f><v>张三&amp;</v></c><c r="B4" s="2"><v>45293.5</v></c><c r="C4"><v>2.5</v></c><c r="D4" t="b"><v>1</v></c></row>
            <row r="5"/><row r="6"><c r="A6" s="1"/></row>
            </sheetData><mergeCells count="1"><mergeCell ref="A1:D1"/></mergeCells></worksheet>"#;
        let file = zip_of(&[
            ("xl/workbook.xml", book),
            ("xl/_rels/workbook.xml.rels", rels),
            ("xl/styles.xml", styles),
            ("xl/sharedStrings.xml", sst),
            ("xl/worksheets/data.xml", sheet),
        ]);
        let rows = read_all(&file, 10).unwrap();
        let got: Vec<(usize, Vec<&str>)> = rows
            .iter()
            .map(|r| (r.number, r.cells.iter().map(String::as_str).collect()))
            .collect();
        assert_eq!(
            got,
            vec![
                (1, vec!["学员成果导入"]),
                (2, vec!["姓名", "日期", "分数"]),
                (3, vec!["张三&", "2024-01-01", "3", "00123"]),
                (4, vec!["张三&", "2024-01-02", "2.5", "是"]),
            ]
        );
        assert_eq!(check(Cursor::new(&file)).unwrap().rows["xl/worksheets/data.xml"], 6);
    }

    /// Crafted references (a row past the sheet's end, a column past any) are a file
    /// error or ignored, never a panic.
    #[test]
    fn crafted_references() {
        let book = "<workbook><sheets><sheet name=\"a\" sheetId=\"1\"/></sheets></workbook>";
        let wide = r#"<worksheet><sheetData><row r="1"><c r="ZZZZZZZZZZZZZ1" t="inlineStr"><is><t>x</t></is></c><c t="inlineStr"><is><t>y</t></is></c></row></sheetData></worksheet>"#;
        let file = zip_of(&[("xl/workbook.xml", book), ("xl/worksheets/sheet1.xml", wide)]);
        assert!(read_all(&file, 10).unwrap().is_empty());
        let deep = r#"<worksheet><sheetData><row r="18446744073709551615"><c t="inlineStr"><is><t>x</t></is></c></row><row><c t="inlineStr"><is><t>y</t></is></c></row></sheetData></worksheet>"#;
        let file = zip_of(&[("xl/workbook.xml", book), ("xl/worksheets/sheet1.xml", deep)]);
        assert!(read_all(&file, 10).unwrap_err().to_string().contains("已损坏"));
    }

    /// A BIFF8 record.
    fn record(out: &mut Vec<u8>, typ: u16, data: &[u8]) {
        out.extend_from_slice(&typ.to_le_bytes());
        out.extend_from_slice(&(data.len() as u16).to_le_bytes());
        out.extend_from_slice(data);
    }

    fn utf16(s: &str) -> Vec<u8> {
        s.encode_utf16().flat_map(u16::to_le_bytes).collect()
    }

    /// A minimal .xls (an OLE compound file holding a BIFF8 `Workbook` stream) with one
    /// sheet of text cells and one number, since no .xls writer is at hand.
    fn xls_of(rows: &[Vec<&str>], number: f64) -> Vec<u8> {
        let bof = |kind: u16| [&0x0600u16.to_le_bytes()[..], &kind.to_le_bytes(), &[0u8; 12]].concat();
        let mut globals = Vec::new();
        record(&mut globals, 0x0809, &bof(0x0005));
        record(&mut globals, 0x0042, &1200u16.to_le_bytes());
        let name = utf16("导入数据");
        let sheet_record_len = 4 + 6 + 2 + name.len();
        let sheet_at = (globals.len() + sheet_record_len + 4) as u32;
        let boundsheet = [&sheet_at.to_le_bytes()[..], &[0, 0, 4, 1], &name].concat();
        record(&mut globals, 0x0085, &boundsheet);
        record(&mut globals, 0x000A, &[]);
        assert_eq!(globals.len() as u32, sheet_at);
        let mut stream = globals;
        record(&mut stream, 0x0809, &bof(0x0010));
        for (r, row) in rows.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                let text = utf16(v);
                let cch = (text.len() / 2) as u16;
                let head = [
                    (r as u16).to_le_bytes(),
                    (c as u16).to_le_bytes(),
                    [0, 0],
                    cch.to_le_bytes(),
                ]
                .concat();
                record(&mut stream, 0x0204, &[&head[..], &[1], &text].concat());
            }
        }
        let r = rows.len() as u16;
        record(
            &mut stream,
            0x0203,
            &[&r.to_le_bytes()[..], &[0, 0, 0, 0], &number.to_le_bytes()].concat(),
        );
        record(&mut stream, 0x000A, &[]);
        // Streams under 4 096 bytes live in the mini stream; pad past it to keep one FAT.
        stream.resize(stream.len().max(4096).div_ceil(512) * 512, 0);
        let data_sectors = (stream.len() / 512) as u32;
        let (end, free, fat_sect, no_stream) = (0xFFFF_FFFEu32, 0xFFFF_FFFFu32, 0xFFFF_FFFDu32, 0xFFFF_FFFFu32);
        let mut header = vec![0u8; 512];
        header[..8].copy_from_slice(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]);
        header[24..26].copy_from_slice(&0x003Eu16.to_le_bytes());
        header[26..28].copy_from_slice(&3u16.to_le_bytes());
        header[28..30].copy_from_slice(&0xFFFEu16.to_le_bytes());
        header[30..32].copy_from_slice(&9u16.to_le_bytes());
        header[32..34].copy_from_slice(&6u16.to_le_bytes());
        header[44..48].copy_from_slice(&1u32.to_le_bytes()); // one FAT sector
        header[48..52].copy_from_slice(&1u32.to_le_bytes()); // directory in sector 1
        header[56..60].copy_from_slice(&4096u32.to_le_bytes());
        header[60..64].copy_from_slice(&end.to_le_bytes());
        header[68..72].copy_from_slice(&end.to_le_bytes());
        for i in 0..109 {
            let v = if i == 0 { 0 } else { free };
            header[76 + i * 4..80 + i * 4].copy_from_slice(&v.to_le_bytes());
        }
        let mut fat = vec![fat_sect, end];
        fat.extend((0..data_sectors).map(|i| if i + 1 == data_sectors { end } else { 3 + i }));
        fat.resize(128, free);
        let entry = |name: &str, kind: u8, child: u32, start: u32, size: u32| {
            let mut e = vec![0u8; 128];
            let n = utf16(name);
            e[..n.len()].copy_from_slice(&n);
            e[64..66].copy_from_slice(&((n.len() + 2) as u16).to_le_bytes());
            e[66] = kind;
            e[67] = 1;
            e[68..72].copy_from_slice(&no_stream.to_le_bytes());
            e[72..76].copy_from_slice(&no_stream.to_le_bytes());
            e[76..80].copy_from_slice(&child.to_le_bytes());
            e[116..120].copy_from_slice(&start.to_le_bytes());
            e[120..124].copy_from_slice(&size.to_le_bytes());
            e
        };
        let mut dir = [
            entry("Root Entry", 5, 1, end, 0),
            entry("Workbook", 2, no_stream, 2, stream.len() as u32),
        ]
        .concat();
        dir.resize(512, 0);
        let fat: Vec<u8> = fat.iter().flat_map(|v| v.to_le_bytes()).collect();
        [header, fat, dir, stream].concat()
    }

    #[test]
    fn an_encrypted_workbook_says_so() {
        use std::io::Write;
        let mut c = cfb::CompoundFile::create(Cursor::new(Vec::new())).unwrap();
        c.create_stream("/EncryptionInfo")
            .unwrap()
            .write_all(&[4, 0, 4, 0, 0x40, 0, 0, 0])
            .unwrap();
        c.create_stream("/EncryptedPackage")
            .unwrap()
            .write_all(&[0; 64])
            .unwrap();
        c.flush().unwrap();
        let file = c.into_inner().into_inner();
        let e = check(Cursor::new(&file)).err().unwrap().to_string();
        assert!(e.contains("文件已加密"), "{e}");
        // A plain .xls is still an .xls.
        let xls = xls_of(&[vec!["学员姓名"]], 1.0);
        assert_eq!(check(Cursor::new(&xls)).unwrap().kind, Kind::Xls);
    }

    #[test]
    fn reads_xls() {
        let file = xls_of(&[vec!["学员姓名", "身份证号"], vec!["王芳", "００１２３"]], 45292.0);
        assert_eq!(check(Cursor::new(&file)).unwrap().kind, Kind::Xls);
        let rows: Vec<Vec<String>> = read_all(&file, 10).unwrap().into_iter().map(|r| r.cells).collect();
        assert_eq!(
            rows,
            vec![vec!["学员姓名", "身份证号"], vec!["王芳", "00123"], vec!["45292"]]
        );
    }

    #[test]
    fn date_formats() {
        assert!(is_date_format("yyyy/m/d"));
        assert!(is_date_format("[$-804]yyyy\"年\"m\"月\"d\"日\""));
        assert!(!is_date_format("0.00"));
        assert!(!is_date_format("\"day\"0"));
        assert!(!is_date_format("[Red]0"));
        assert!(!is_date_format("General"));
    }
}
