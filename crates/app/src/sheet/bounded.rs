//! Memory per XML event is bounded while streaming. quick-xml gathers a whole text run
//! (everything between two tags) or a whole tag into its buffer before handing it over,
//! so one crafted cell inflating to a gigabyte would be held whole before any length cap
//! applies. This reader refuses a run longer than any real cell, after reading at most
//! that much plus one buffer.

use std::io::{self, BufRead, Read};

use crate::AppError;

/// Bytes allowed between two `<` / `>`: Excel cells hold at most 32 767 characters, and
/// even fully entity-escaped that is under 1 MiB.
pub(super) const MAX_RUN: usize = 1 << 20;

#[derive(Debug)]
struct RunTooLong;

impl std::fmt::Display for RunTooLong {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("XML text or tag longer than a cell can be")
    }
}

impl std::error::Error for RunTooLong {}

pub(super) struct Bounded<R> {
    inner: R,
    run: usize,
}

impl<R: BufRead> Bounded<R> {
    pub(super) fn new(inner: R) -> Self {
        Self { inner, run: 0 }
    }
}

impl<R: BufRead> BufRead for Bounded<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.run > MAX_RUN {
            return Err(io::Error::new(io::ErrorKind::InvalidData, RunTooLong));
        }
        self.inner.fill_buf()
    }

    fn consume(&mut self, amt: usize) {
        // The consumed bytes are still in the inner buffer: a non-empty buffer is
        // returned again without reading.
        if let Ok(buf) = self.inner.fill_buf() {
            let taken = &buf[..amt.min(buf.len())];
            self.run = match memchr::memrchr2(b'<', b'>', taken) {
                Some(p) => taken.len() - p - 1,
                None => self.run.saturating_add(taken.len()),
            };
        }
        self.inner.consume(amt);
    }
}

impl<R: BufRead> Read for Bounded<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let n = {
            let available = self.fill_buf()?;
            let n = available.len().min(out.len());
            out[..n].copy_from_slice(&available[..n]);
            n
        };
        self.consume(n);
        Ok(n)
    }
}

/// A parse error as the uploader should read it: an over-long cell says so, anything
/// else is a damaged file.
pub(super) fn xml_error(e: quick_xml::Error) -> AppError {
    let too_long = match &e {
        quick_xml::Error::Io(io) => io.get_ref().is_some_and(|inner| inner.is::<RunTooLong>()),
        _ => false,
    };
    if too_long {
        super::bad_file("文件中有单元格内容超过1MB（Excel单元格最多32767个字），疑似伪造的文件，已拒绝")
    } else {
        super::corrupt()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use std::io::{Cursor, Write};

    use super::super::read_all;

    fn xlsx(sheet: &[u8]) -> Vec<u8> {
        let mut buf = Cursor::new(Vec::new());
        {
            let mut z = zip::ZipWriter::new(&mut buf);
            let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
            z.start_file("xl/workbook.xml", opts).unwrap();
            z.write_all(b"<workbook><sheets><sheet name=\"a\" sheetId=\"1\"/></sheets></workbook>")
                .unwrap();
            z.start_file("xl/worksheets/sheet1.xml", opts).unwrap();
            z.write_all(sheet).unwrap();
            z.finish().unwrap();
        }
        buf.into_inner()
    }

    /// Letters that do not compress much, so the file passes the bomb checks.
    fn noise(n: usize) -> Vec<u8> {
        let mut x: u32 = 2_463_534_242;
        (0..n)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                b'a' + (x % 26) as u8
            })
            .collect()
    }

    /// One inline cell of 3 MB (a twin padded with spaces too): refused with the reason,
    /// instead of being gathered whole and then cut.
    #[test]
    fn an_oversized_cell_is_refused_while_streaming() {
        for filler in [noise(3 << 20), [b" ".as_slice(), &noise(3 << 20)].concat()] {
            let sheet = [
                b"<worksheet><sheetData><row r=\"1\"><c t=\"inlineStr\"><is><t>".as_slice(),
                &filler,
                b"</t></is></c></row></sheetData></worksheet>",
            ]
            .concat();
            let e = read_all(&xlsx(&sheet), 10).unwrap_err().to_string();
            assert!(e.contains("单元格内容超过1MB"), "{e}");
        }
        // A long tag is bounded the same way.
        let sheet = [
            b"<worksheet><sheetData><row r=\"1\" x=\"".as_slice(),
            &noise(3 << 20),
            b"\"/></sheetData></worksheet>",
        ]
        .concat();
        assert!(read_all(&xlsx(&sheet), 10).unwrap_err().to_string().contains("1MB"));
        // Cells of ordinary length read as before.
        let ok = b"<worksheet><sheetData><row r=\"1\"><c t=\"inlineStr\"><is><t>\xe5\xbc\xa0\xe4\xb8\x89</t></is></c></row></sheetData></worksheet>";
        assert_eq!(read_all(&xlsx(ok), 10).unwrap()[0].cells, vec!["张三"]);
    }

    /// `王&xxe;芳` is not silently read as `王芳`: an entity no spreadsheet defines
    /// refuses the file.
    #[test]
    fn unknown_entities_refuse_the_file() {
        let sheet = "<worksheet><sheetData><row r=\"1\"><c t=\"inlineStr\"><is><t>王&xxe;芳</t></is></c></row></sheetData></worksheet>";
        let e = read_all(&xlsx(sheet.as_bytes()), 10).unwrap_err().to_string();
        assert!(e.contains("无法识别的XML实体"), "{e}");
        let fine = "<worksheet><sheetData><row r=\"1\"><c t=\"inlineStr\"><is><t>A&amp;B&#x4E2D;</t></is></c></row></sheetData></worksheet>";
        assert_eq!(read_all(&xlsx(fine.as_bytes()), 10).unwrap()[0].cells, vec!["A&B中"]);
    }

    /// An 18-digit ID typed into a number cell comes back as Excel shows it, not as a
    /// number with invented trailing zeros.
    #[test]
    fn long_numbers_keep_excels_scientific_form() {
        let sheet = "<worksheet><sheetData><row r=\"1\"><c><v>3.60102199207063E+17</v></c><c><v>123456789012345</v></c></row></sheetData></worksheet>";
        let rows = read_all(&xlsx(sheet.as_bytes()), 10).unwrap();
        assert_eq!(rows[0].cells, vec!["3.60102199207063E+17", "123456789012345"]);
    }
}
