//! Reading an .xlsx sheet as a stream of XML events: the zip entries, the first sheet, date styles, shared strings kept on disk, and the cells.

use super::*;

pub(super) fn entry_text<R: Read + Seek>(zip: &mut Zip<R>, name: &str) -> AppResult<Option<String>> {
    let Ok(mut e) = zip.by_name(name) else {
        return Ok(None);
    };
    // The workbook, its relationships and styles are small in any real file.
    let mut s = String::new();
    (&mut e)
        .take(MAX_PART_BYTES + 1)
        .read_to_string(&mut s)
        .map_err(|_| corrupt())?;
    if s.len() as u64 > MAX_PART_BYTES {
        return Err(bad_file("文件结构异常（工作簿描述过大），已拒绝"));
    }
    Ok(Some(s))
}

/// The most a workbook, relationships or styles part may hold.
const MAX_PART_BYTES: u64 = 16 * 1024 * 1024;

pub(super) fn attr(e: &BytesStart<'_>, local: &[u8]) -> Option<String> {
    e.attributes().flatten().find_map(|a| {
        let key = a.key.as_ref();
        let matches = key == local || key.rsplit(|b| *b == b':').next() == Some(local);
        let raw = std::str::from_utf8(&a.value).ok()?;
        matches
            .then(|| quick_xml::escape::unescape(raw).map(|v| v.into_owned()).ok())
            .flatten()
    })
}

/// The first worksheet's entry, as the workbook orders its sheets.
pub(super) fn first_sheet<R: Read + Seek>(zip: &mut Zip<R>) -> AppResult<String> {
    let fallback = "xl/worksheets/sheet1.xml".to_string();
    let Some(book) = entry_text(zip, "xl/workbook.xml")? else {
        return Ok(fallback);
    };
    let mut r = quick_xml::Reader::from_str(&book);
    let mut rid = None;
    loop {
        match r.read_event() {
            Ok(Event::Start(e) | Event::Empty(e)) if e.local_name().as_ref() == b"sheet" => {
                rid = attr(&e, b"id");
                break;
            }
            Ok(Event::Eof) | Err(_) => break,
            _ => {}
        }
    }
    let (Some(rid), Some(rels)) = (rid, entry_text(zip, "xl/_rels/workbook.xml.rels")?) else {
        return Ok(fallback);
    };
    let mut r = quick_xml::Reader::from_str(&rels);
    loop {
        match r.read_event() {
            Ok(Event::Start(e) | Event::Empty(e))
                if e.local_name().as_ref() == b"Relationship" && attr(&e, b"Id").as_deref() == Some(rid.as_str()) =>
            {
                let target = attr(&e, b"Target").unwrap_or_default();
                return Ok(match target.strip_prefix('/') {
                    Some(abs) => abs.to_string(),
                    None => format!("xl/{target}"),
                });
            }
            Ok(Event::Eof) | Err(_) => return Ok(fallback),
            _ => {}
        }
    }
}

/// Which cell styles show dates (numbers in them are Excel serial dates).
pub(super) fn date_styles<R: Read + Seek>(zip: &mut Zip<R>) -> AppResult<Vec<bool>> {
    let Some(xml) = entry_text(zip, "xl/styles.xml")? else {
        return Ok(Vec::new());
    };
    let mut custom: HashMap<u32, bool> = HashMap::new();
    let mut styles = Vec::new();
    let mut in_xfs = false;
    let mut r = quick_xml::Reader::from_str(&xml);
    loop {
        match r.read_event() {
            Ok(Event::Start(e) | Event::Empty(e)) => match e.local_name().as_ref() {
                b"numFmt" => {
                    if let (Some(id), Some(code)) = (
                        attr(&e, b"numFmtId").and_then(|v| v.parse().ok()),
                        attr(&e, b"formatCode"),
                    ) {
                        custom.insert(id, is_date_format(&code));
                    }
                }
                b"cellXfs" => in_xfs = true,
                b"xf" if in_xfs => {
                    let id: u32 = attr(&e, b"numFmtId").and_then(|v| v.parse().ok()).unwrap_or(0);
                    let builtin = matches!(id, 14..=22 | 27..=36 | 45..=47 | 50..=58);
                    styles.push(custom.get(&id).copied().unwrap_or(builtin));
                }
                _ => {}
            },
            Ok(Event::End(e)) if e.local_name().as_ref() == b"cellXfs" => in_xfs = false,
            Ok(Event::Eof) | Err(_) => break,
            _ => {}
        }
    }
    Ok(styles)
}

/// A custom number format shows a date when, outside quotes, brackets and escapes, it
/// uses day, month or year codes.
pub(super) fn is_date_format(code: &str) -> bool {
    let mut quoted = false;
    let mut bracket = false;
    let mut escaped = false;
    for c in code.chars() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '"' => quoted = !quoted,
            '[' if !quoted => bracket = true,
            ']' if !quoted => bracket = false,
            'd' | 'D' | 'm' | 'M' | 'y' | 'Y' if !quoted && !bracket => return true,
            _ => {}
        }
    }
    false
}

/// The shared strings, kept in an unlinked temporary file: the text one after another,
/// and the end offset of each as eight bytes in a second file. Reads go through two
/// small caches: recent strings by index (repeated values: dates, scores, course
/// names), and a window of offsets (new strings appear in sheet order, so their
/// offsets are read a block at a time).
pub(super) struct SharedStrings {
    text: File,
    ends: File,
    len: u64,
    recent: Vec<Option<(u64, String)>>,
    window_start: u64,
    window: Vec<u64>,
}

pub(super) const RECENT_SLOTS: usize = 4096;
pub(super) const WINDOW: u64 = 1024;

impl SharedStrings {
    fn load<R: Read + Seek>(zip: &mut Zip<R>) -> AppResult<SharedStrings> {
        let io = |e: std::io::Error| AppError::Internal(e.into());
        let text = tempfile::tempfile().map_err(io)?;
        let ends = tempfile::tempfile().map_err(io)?;
        let mut len = 0u64;
        let Ok(entry) = zip.by_name("xl/sharedStrings.xml") else {
            return Ok(SharedStrings::new(text, ends, len));
        };
        let mut tw = BufWriter::new(&text);
        let mut ew = BufWriter::new(&ends);
        let mut r = quick_xml::Reader::from_reader(bounded::Bounded::new(BufReader::new(entry)));
        let mut buf = Vec::new();
        let mut s = String::new();
        let mut offset = 0u64;
        let mut state = TextState::default();
        loop {
            let ev = r.read_event_into(&mut buf).map_err(bounded::xml_error)?;
            match &ev {
                Event::Start(e) if e.local_name().as_ref() == b"si" => s.clear(),
                Event::End(e) if e.local_name().as_ref() == b"si" => {
                    let v = cut(domain::normalize::half_width(&s));
                    tw.write_all(v.as_bytes()).map_err(io)?;
                    offset += v.len() as u64;
                    ew.write_all(&offset.to_le_bytes()).map_err(io)?;
                    len += 1;
                }
                Event::Eof => break,
                _ => {}
            }
            state.take(&ev, &mut s)?;
            buf.clear();
        }
        tw.flush().map_err(io)?;
        ew.flush().map_err(io)?;
        drop((tw, ew));
        Ok(SharedStrings::new(text, ends, len))
    }

    fn new(text: File, ends: File, len: u64) -> Self {
        Self {
            text,
            ends,
            len,
            recent: vec![None; RECENT_SLOTS],
            window_start: 0,
            window: Vec::new(),
        }
    }

    /// The end offset of string `i`, from the window (loaded around `i` when needed).
    fn end(&mut self, i: u64) -> AppResult<u64> {
        if i < self.window_start || i >= self.window_start + self.window.len() as u64 {
            let start = i - i % WINDOW;
            let count = WINDOW.min(self.len - start) as usize;
            let mut bytes = vec![0u8; count * 8];
            self.ends
                .read_exact_at(&mut bytes, start * 8)
                .map_err(|e| AppError::Internal(e.into()))?;
            self.window = bytes
                .chunks_exact(8)
                .map(|b| u64::from_le_bytes(b.try_into().unwrap_or_default()))
                .collect();
            self.window_start = start;
        }
        Ok(self.window[(i - self.window_start) as usize])
    }

    fn get(&mut self, i: u64) -> AppResult<String> {
        if i >= self.len {
            return Err(bad_file("文件引用了不存在的共享字符串，已损坏"));
        }
        let slot = (i % RECENT_SLOTS as u64) as usize;
        if let Some((k, v)) = &self.recent[slot]
            && *k == i
        {
            return Ok(v.clone());
        }
        let start = if i == 0 { 0 } else { self.end(i - 1)? };
        let end = self.end(i)?;
        let mut bytes = vec![0u8; end.saturating_sub(start) as usize];
        self.text
            .read_exact_at(&mut bytes, start)
            .map_err(|e| AppError::Internal(e.into()))?;
        let v = String::from_utf8(bytes).map_err(|_| corrupt())?;
        self.recent[slot] = Some((i, v.clone()));
        Ok(v)
    }
}

/// Collects the text of `<t>` elements (plain or in rich-text runs), skipping phonetic
/// runs (`<rPh>`), with entity references resolved.
#[derive(Default)]
pub(super) struct TextState {
    in_t: bool,
    in_phonetic: bool,
}

impl TextState {
    fn take(&mut self, ev: &Event<'_>, s: &mut String) -> AppResult<()> {
        match ev {
            Event::Start(e) => match e.local_name().as_ref() {
                b"t" => self.in_t = true,
                b"rPh" => self.in_phonetic = true,
                _ => {}
            },
            Event::End(e) => match e.local_name().as_ref() {
                b"t" => self.in_t = false,
                b"rPh" => self.in_phonetic = false,
                _ => {}
            },
            Event::Text(t) if self.in_t && !self.in_phonetic && s.len() <= MAX_READ_CHARS * 4 => {
                if let Ok(v) = t.xml_content() {
                    s.push_str(&v);
                }
            }
            Event::CData(t) if self.in_t && !self.in_phonetic => {
                if let Ok(v) = t.decode() {
                    s.push_str(&v);
                }
            }
            Event::GeneralRef(r) if self.in_t && !self.in_phonetic => push_ref(r, s)?,
            _ => {}
        }
        Ok(())
    }
}

/// Resolves a character or predefined entity reference. Spreadsheets define no other
/// entities, so any other name (`&xxe;`) is a crafted file: dropping it silently would
/// store `王&xxe;芳` as `王芳`.
pub(super) fn push_ref(r: &quick_xml::events::BytesRef<'_>, s: &mut String) -> AppResult<()> {
    if let Ok(Some(c)) = r.resolve_char_ref() {
        s.push(c);
        return Ok(());
    }
    let name: &[u8] = r;
    let named = match name {
        b"amp" => '&',
        b"lt" => '<',
        b"gt" => '>',
        b"quot" => '"',
        b"apos" => '\'',
        _ => {
            let shown: String = String::from_utf8_lossy(name).chars().take(20).collect();
            return Err(bad_file(&format!(
                "文件含有无法识别的XML实体（&{shown};），疑似伪造的文件，已拒绝"
            )));
        }
    };
    s.push(named);
    Ok(())
}

/// "AB12" → column 27 (zero-based), ignoring the row digits.
pub(super) fn column_of(reference: &str) -> Option<usize> {
    let mut col = 0usize;
    let mut any = false;
    for b in reference.bytes() {
        if b.is_ascii_uppercase() {
            col = col.checked_mul(26)?.checked_add((b - b'A' + 1) as usize)?;
            any = true;
        } else {
            break;
        }
    }
    any.then(|| col - 1)
}

pub(super) fn read_xlsx<R: Read + Seek>(reader: R, checked: &Checked, out: &mut Chunker<'_>) -> AppResult<()> {
    let mut zip = zip::ZipArchive::new(reader).map_err(|_| corrupt())?;
    let sheet = first_sheet(&mut zip)?;
    let total = checked.rows.get(&sheet).copied().unwrap_or(0) as usize;
    if !out.total(total)? {
        return Ok(());
    }
    let dates = date_styles(&mut zip)?;
    let mut strings = SharedStrings::load(&mut zip)?;
    let entry = zip.by_name(&sheet).map_err(|_| bad_file("文件中没有工作表"))?;
    let mut r = quick_xml::Reader::from_reader(bounded::Bounded::new(BufReader::with_capacity(64 * 1024, entry)));
    parse_sheet(&mut r, &mut strings, &dates, out)
}

/// The cell being read.
#[derive(Default)]
pub(super) struct CellState {
    col: usize,
    kind: String,
    date: bool,
    value: String,
    in_v: bool,
    inline: TextState,
}

pub(super) fn parse_sheet<B: BufRead>(
    r: &mut quick_xml::Reader<B>,
    strings: &mut SharedStrings,
    dates: &[bool],
    out: &mut Chunker<'_>,
) -> AppResult<()> {
    let mut buf = Vec::new();
    let mut row_no = 0usize;
    let mut cells: Vec<String> = Vec::new();
    let mut next_col = 0usize;
    let mut cell: Option<CellState> = None;
    loop {
        let ev = r.read_event_into(&mut buf).map_err(bounded::xml_error)?;
        match &ev {
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == b"row" => {
                row_no = attr(e, b"r").and_then(|v| v.parse().ok()).unwrap_or(row_no + 1);
                // Excel sheets end at row 1 048 576; a larger number is a crafted file.
                if row_no > MAX_SHEET_ROW {
                    return Err(corrupt());
                }
                cells.clear();
                next_col = 0;
                if matches!(ev, Event::Empty(_)) && !out.push(row_no, Vec::new())? {
                    return Ok(());
                }
            }
            Event::End(e) if e.local_name().as_ref() == b"row" => {
                if !out.push(row_no, std::mem::take(&mut cells))? {
                    return Ok(());
                }
            }
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == b"c" => {
                let col = attr(e, b"r").and_then(|v| column_of(&v)).unwrap_or(next_col);
                next_col = col.saturating_add(1);
                let style: usize = attr(e, b"s").and_then(|v| v.parse().ok()).unwrap_or(0);
                if matches!(ev, Event::Start(_)) {
                    cell = Some(CellState {
                        col,
                        kind: attr(e, b"t").unwrap_or_default(),
                        date: dates.get(style).copied().unwrap_or(false),
                        ..Default::default()
                    });
                }
            }
            Event::End(e) if e.local_name().as_ref() == b"c" => {
                if let Some(c) = cell.take()
                    && c.col < MAX_COLS
                {
                    let v = cell_text(&c, strings)?;
                    if cells.len() <= c.col {
                        cells.resize(c.col + 1, String::new());
                    }
                    cells[c.col] = v;
                }
            }
            Event::Eof => break,
            _ => {
                if let Some(c) = cell.as_mut() {
                    match &ev {
                        Event::Start(e) if e.local_name().as_ref() == b"v" => c.in_v = true,
                        Event::End(e) if e.local_name().as_ref() == b"v" => c.in_v = false,
                        Event::Text(t) if c.in_v && c.value.len() <= MAX_READ_CHARS * 4 => {
                            if let Ok(v) = t.xml_content() {
                                c.value.push_str(&v);
                            }
                        }
                        Event::GeneralRef(x) if c.in_v => push_ref(x, &mut c.value)?,
                        _ => c.inline.take(&ev, &mut c.value)?,
                    }
                }
            }
        }
        buf.clear();
    }
    Ok(())
}

/// A cell's value as text: shared and inline strings made half-width, formulas by their
/// cached value, booleans as 是/否, numbers in date styles as `YYYY-MM-DD`.
pub(super) fn cell_text(c: &CellState, strings: &mut SharedStrings) -> AppResult<String> {
    let v = c.value.trim();
    Ok(match c.kind.as_str() {
        "s" => match v.parse::<u64>() {
            Ok(i) => strings.get(i)?,
            Err(_) => String::new(),
        },
        "inlineStr" | "str" => cut(domain::normalize::half_width(&c.value)),
        "b" => match v {
            "1" | "true" => "是".into(),
            "0" | "false" => "否".into(),
            _ => String::new(),
        },
        "e" => String::new(),
        "d" => v.chars().take(10).collect(),
        _ => match v.parse::<f64>() {
            Ok(f) if c.date => excel_date(f).unwrap_or_else(|| number_text(f)),
            Ok(f) => number_text(f),
            Err(_) => String::new(),
        },
    })
}
