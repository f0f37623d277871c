//! The machinery of every import: rejected rows and their file, the walk through a file a chunk at a time, the duplicate check, and valid rows spilled to disk until the write.

use super::*;

/// The rejected rows: counted, the first few kept for the job's page, and all of them
/// written (as the template's columns plus a reason) to a workbook in constant memory.
pub struct Rejections {
    pub(super) head: Vec<String>,
    pub(super) book: Option<Workbook>,
    pub(super) count: usize,
    /// (row number as Excel shows it, reason), the first `SHOWN_REASONS`.
    pub(super) shown: Vec<(usize, String)>,
}

impl Rejections {
    pub(super) fn new(head: &[&str]) -> Self {
        Self {
            head: head.iter().map(|h| h.trim_start_matches('*').to_string()).collect(),
            book: None,
            count: 0,
            shown: Vec::new(),
        }
    }

    pub(super) fn add(&mut self, row: &Row, reason: String) -> AppResult<()> {
        let err = |e: rust_xlsxwriter::XlsxError| AppError::Internal(anyhow::anyhow!(e));
        let width = self.head.len();
        if self.book.is_none() {
            let mut book = Workbook::new();
            let bold = Format::new().set_bold();
            let sheet = book.add_worksheet_with_constant_memory();
            for (c, h) in self
                .head
                .iter()
                .chain(["未导入原因".to_string(), "原文件行号".to_string()].iter())
                .enumerate()
            {
                sheet.write_string_with_format(0, c as u16, h, &bold).map_err(err)?;
                sheet.set_column_width(c as u16, 20).map_err(err)?;
            }
            self.book = Some(book);
        }
        if let Some(book) = self.book.as_mut() {
            let sheet = book.worksheet_from_index(0).map_err(err)?;
            let r = self.count as u32 + 1;
            for (c, v) in row.cells.iter().take(width).enumerate() {
                // Excel cells hold at most 32 767 characters; a crafted file may hold more.
                let v: String = v.chars().take(32_000).collect();
                sheet.write_string(r, c as u16, &v).map_err(err)?;
            }
            sheet.write_string(r, width as u16, &reason).map_err(err)?;
            // After the reason, so that the corrected file imports again as it is.
            sheet
                .write_number(r, width as u16 + 1, row.number as f64)
                .map_err(err)?;
        }
        self.count += 1;
        if self.shown.len() < SHOWN_REASONS {
            self.shown.push((row.number, reason));
        }
        Ok(())
    }

    /// The workbook of rejected rows, written to a temporary file (a re-imported million
    /// rows make a workbook of tens of megabytes, which need not be held in memory).
    pub(super) fn file(&mut self) -> AppResult<Option<tempfile::NamedTempFile>> {
        let err = |e: rust_xlsxwriter::XlsxError| AppError::Internal(anyhow::anyhow!(e));
        match self.book.as_mut() {
            Some(book) => {
                let f = tempfile::NamedTempFile::new().map_err(|e| AppError::Internal(e.into()))?;
                book.save(f.path()).map_err(err)?;
                Ok(Some(f))
            }
            None => Ok(None),
        }
    }
}

/// Walks an import file: finds the header row, hands over the data rows a chunk at a
/// time while reporting progress (and renewing the job's lease), and collects rejections.
pub(super) struct Walk<'a> {
    pub(super) app: &'a App,
    pub(super) job: Option<store::jobs::Claim>,
    pub(super) rows: sheet::Rows,
    pub(super) pending: Option<Vec<Row>>,
    /// The header and any title rows above it.
    pub(super) header_rows: usize,
    /// Data rows handed over so far.
    pub(super) done: usize,
    pub(super) rejected: Rejections,
}

/// What a header row lacks, has in excess and has out of place, against the template.
pub(super) fn header_difference(found: &[&str], head: &[&str]) -> String {
    let want: Vec<&str> = head.iter().map(|h| header_text(h)).collect();
    let found: Vec<&str> = found.iter().copied().filter(|c| !c.is_empty()).collect();
    let quote = |v: Vec<String>| v.join("、");
    let missing: Vec<String> = want
        .iter()
        .filter(|w| !found.contains(w))
        .map(|w| format!("“{w}”"))
        .collect();
    let unknown: Vec<String> = found
        .iter()
        .filter(|f| !want.contains(f))
        .map(|f| format!("“{f}”"))
        .collect();
    let misplaced: Vec<String> = want
        .iter()
        .enumerate()
        .filter_map(|(i, w)| {
            let at = found.iter().position(|f| f == w)?;
            (at != i).then(|| format!("“{w}”应在第{}列（现在第{}列）", i + 1, at + 1))
        })
        .collect();
    let mut parts = Vec::new();
    if !missing.is_empty() {
        parts.push(format!("缺少列：{}", quote(missing)));
    }
    if !unknown.is_empty() {
        parts.push(format!("模板中没有的列：{}", quote(unknown)));
    }
    if !misplaced.is_empty() {
        parts.push(format!("列的顺序不对：{}", quote(misplaced)));
    }
    if parts.is_empty() {
        parts.push("表头不在前5行".into());
    }
    parts.join("；")
}

/// A header cell without the required mark.
pub(super) fn header_text(h: &str) -> &str {
    h.trim().trim_start_matches('*').trim()
}

impl<'a> Walk<'a> {
    /// Opens the file and finds its header: the first row, or a row under a title (a
    /// merged cell across the template) among the first five.
    pub(super) async fn open(app: &'a App, src: &Source<'_>, head: &[&str], mismatch: &str) -> AppResult<Walk<'a>> {
        Ok(Self::open_either(app, src, &[head], mismatch).await?.0)
    }

    /// The same for a file that may follow any of several layouts of the template (an
    /// older one kept working): also says which one it follows.
    pub(super) async fn open_either(
        app: &'a App,
        src: &Source<'_>,
        heads: &[&[&str]],
        mismatch: &str,
    ) -> AppResult<(Walk<'a>, usize)> {
        let file = src.file.try_clone().map_err(|e| AppError::Internal(e.into()))?;
        let mut rows = sheet::Rows::open(BufReader::new(file), app.config.import_max_rows).await?;
        let Some(mut chunk) = rows.next_chunk().await? else {
            return Err(bad_file("文件中没有数据"));
        };
        let matches = |r: &Row, head: &[&str]| {
            r.cells.len() >= head.len() && r.cells.iter().zip(head).all(|(c, h)| header_text(c) == header_text(h))
        };
        let found = chunk
            .iter()
            .take(5)
            .enumerate()
            .find_map(|(at, r)| heads.iter().position(|h| matches(r, h)).map(|layout| (at, layout)));
        let head = heads[0];
        let Some((at, layout)) = found else {
            // Say what differs from the template, against the row most like a header.
            let likely = chunk.iter().take(5).max_by_key(|r| {
                r.cells
                    .iter()
                    .filter(|c| head.iter().any(|h| header_text(h) == header_text(c)))
                    .count()
            });
            let found: Vec<&str> = likely
                .map(|r| r.cells.iter().map(|c| header_text(c)).collect())
                .unwrap_or_default();
            return Err(bad_file(&format!("{mismatch}。{}", header_difference(&found, head))));
        };
        let data = chunk.split_off(at + 1);
        let walk = Walk {
            app,
            job: src.job,
            rows,
            pending: Some(data),
            header_rows: at + 1,
            done: 0,
            rejected: Rejections::new(heads[layout]),
        };
        Ok((walk, layout))
    }

    /// The next non-empty chunk of data rows, or None at the end.
    pub(super) async fn next(&mut self) -> AppResult<Option<Vec<Row>>> {
        loop {
            let chunk = match self.pending.take() {
                Some(c) => c,
                None => match self.rows.next_chunk().await? {
                    Some(c) => c,
                    None => {
                        if self.done == 0 {
                            return Err(bad_file("模板中没有填写数据"));
                        }
                        return Ok(None);
                    }
                },
            };
            if chunk.is_empty() {
                continue;
            }
            self.done += chunk.len();
            if self.done > self.app.config.import_max_rows {
                return Err(sheet::too_many(self.app.config.import_max_rows));
            }
            if let Some(job) = self.job {
                let total = self.rows.total.saturating_sub(self.header_rows).max(self.done);
                let lease = now() + self.app.config.job_lease_seconds;
                if !store::jobs::progress(&self.app.db.pool, job, self.done as i64, total as i64, lease).await? {
                    return Err(AppError::Conflict(crate::jobs::TAKEN_OVER.into()));
                }
            }
            return Ok(Some(chunk));
        }
    }

    pub(super) fn reject(&mut self, row: &Row, reason: String) -> AppResult<()> {
        self.rejected.add(row, reason)
    }
}

/// Rows seen earlier in the file, by a key (name or ID number), to report duplicates,
/// in about 10 bytes a row (a million rows take 10 MB). Keys are 64-bit hashes, numbered
/// in the order they came: recent ones in a hash map, older ones in sorted runs of `RUN`
/// hashes with their place in the run (searched by bisection, never merged). A number
/// gives the row back through the places where row numbers jump (rejected or blank
/// rows between valid ones).
#[derive(Default)]
pub(super) struct Seen {
    pub(super) recent: HashMap<u64, u32>,
    pub(super) runs: Vec<(Vec<u64>, Vec<u16>)>,
    pub(super) count: u32,
    /// (number, row) wherever a row does not follow the previous one.
    pub(super) jumps: Vec<(u32, u32)>,
    pub(super) last_row: u32,
}

pub(super) const RUN: usize = 1 << 16;

pub(super) fn key_hash(key: &str) -> u64 {
    let mut h = std::hash::DefaultHasher::new();
    key.hash(&mut h);
    h.finish()
}

impl Seen {
    /// The row where this key first appeared.
    pub(super) fn first(&self, key: &str) -> Option<u32> {
        let number = self.number_of(key_hash(key))?;
        let at = self.jumps.partition_point(|(n, _)| *n <= number).checked_sub(1)?;
        let (n, row) = self.jumps[at];
        Some(row + (number - n))
    }

    /// The number of a hash seen before.
    pub(super) fn number_of(&self, k: u64) -> Option<u32> {
        self.recent.get(&k).copied().or_else(|| {
            self.runs.iter().enumerate().find_map(|(r, (keys, places))| {
                let i = keys.binary_search(&k).ok()?;
                Some((r * RUN) as u32 + u32::from(places[i]))
            })
        })
    }

    pub(super) fn add(&mut self, key: &str, row: usize) {
        let k = key_hash(key);
        if self.number_of(k).is_some() {
            return;
        }
        let (number, row) = (self.count, row as u32);
        if self.jumps.is_empty() || row != self.last_row + 1 {
            self.jumps.push((number, row));
        }
        self.last_row = row;
        self.count += 1;
        self.recent.insert(k, number);
        if self.recent.len() == RUN {
            let start = (self.runs.len() * RUN) as u32;
            let mut run: Vec<(u64, u16)> = self.recent.drain().map(|(k, n)| (k, (n - start) as u16)).collect();
            run.sort_unstable();
            self.runs.push(run.into_iter().unzip());
        }
    }
}

/// Valid rows waiting in an unlinked temporary file (one JSON line each) until the
/// whole file is checked.
pub(super) struct Spill<T> {
    pub(super) out: BufWriter<File>,
    pub(super) count: usize,
    pub(super) _row: PhantomData<T>,
}

impl<T: Serialize + DeserializeOwned> Spill<T> {
    pub(super) fn new() -> AppResult<Self> {
        let f = tempfile::tempfile().map_err(|e| AppError::Internal(e.into()))?;
        Ok(Self {
            out: BufWriter::new(f),
            count: 0,
            _row: PhantomData,
        })
    }

    pub(super) fn push(&mut self, row: &T) -> AppResult<()> {
        serde_json::to_writer(&mut self.out, row).map_err(anyhow::Error::from)?;
        self.out.write_all(b"\n").map_err(|e| AppError::Internal(e.into()))?;
        self.count += 1;
        Ok(())
    }

    /// The rows back, `WRITE_CHUNK` at a time.
    pub(super) fn chunks(self) -> AppResult<impl Iterator<Item = AppResult<Vec<T>>>> {
        let io = |e: std::io::Error| AppError::Internal(e.into());
        let mut f = self.out.into_inner().map_err(|e| io(e.into_error()))?;
        f.rewind().map_err(io)?;
        let mut lines = BufReader::new(f).lines();
        Ok(std::iter::from_fn(move || {
            let mut chunk = Vec::new();
            for line in lines.by_ref() {
                let row = line
                    .map_err(io)
                    .and_then(|l| serde_json::from_str(&l).map_err(|e| AppError::Internal(e.into())));
                match row {
                    Ok(r) => chunk.push(r),
                    Err(e) => return Some(Err(e)),
                }
                if chunk.len() == WRITE_CHUNK {
                    break;
                }
            }
            (!chunk.is_empty()).then_some(Ok(chunk))
        }))
    }
}
