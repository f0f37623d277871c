//! Certificates (L-08, L-12, X-05): PDF with Chinese text in an embedded, freely licensed
//! font (the full Noto Sans CJK SC face, SIL OFL 1.1: any name an ID card can carry, 镕,
//! 喆, 堃 or 𠮷, prints; krilla embeds only the glyphs a document uses), a QR code to the verification
//! address, and an Ed25519 signature over the document so a holder can prove it offline.
//!
//! The signature is appended after the PDF's end as a comment line that PDF readers
//! ignore: `%CREDITBANK-SIGNATURE <base64 JSON {payload, signature}>`. It signs the
//! SHA-256 of every byte before that line together with the canonical payload, so any
//! change to the visible document or to the facts breaks it.

pub mod qr;

use std::sync::OnceLock;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use krilla::Document;
use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::Fill;
use krilla::surface::Surface;
use krilla::text::{Font, TextDirection};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

const FONT: &[u8] = include_bytes!("../fonts/NotoSansCJKsc-Regular.otf");
const MARKER: &[u8] = b"\n%CREDITBANK-SIGNATURE ";

#[derive(Debug, thiserror::Error)]
pub enum CertError {
    #[error("PDF生成失败：{0}")]
    Render(String),
    #[error("文件中没有学分银行签名")]
    Unsigned,
    #[error("签名格式不正确")]
    Malformed,
    #[error("签名无效：文件内容已被修改或不是本学分银行签发")]
    BadSignature,
}

fn font() -> Result<Font, CertError> {
    static F: OnceLock<Option<Font>> = OnceLock::new();
    F.get_or_init(|| Font::new(FONT.into(), 0))
        .clone()
        .ok_or_else(|| CertError::Render("font".into()))
}

/// The facts a certificate states, in a canonical (sorted, compact) JSON form.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Facts {
    pub number: String,
    /// `holdings` (成果证明) or `conversion` (转换证明).
    pub kind: String,
    pub issuer: String,
    pub issued_on: String,
    pub learner: String,
    pub id_number: String,
    /// Extra lines (rule code, source → target …).
    pub lines: Vec<String>,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
    pub verify_url: String,
}

impl Facts {
    pub fn canonical(&self) -> String {
        // serde_json keeps struct field order, which is fixed; values are plain strings.
        serde_json::to_string(self).unwrap_or_default()
    }
    pub fn title(&self) -> &'static str {
        if self.kind == "conversion" {
            "学习成果转换证明"
        } else {
            "学习成果证明"
        }
    }
}

fn text_width(s: &str, size: f32) -> f32 {
    s.chars().map(|c| if c.is_ascii() { 0.6 } else { 1.0 }).sum::<f32>() * size
}

fn fill(surface: &mut Surface, r: u8, g: u8, b: u8) {
    surface.set_fill(Some(Fill {
        paint: rgb::Color::new(r, g, b).into(),
        opacity: NormalizedF32::ONE,
        rule: Default::default(),
    }));
}

fn rect(surface: &mut Surface, x: f32, y: f32, w: f32, h: f32) {
    let mut pb = PathBuilder::new();
    if let Some(r) = Rect::from_xywh(x, y, w, h) {
        pb.push_rect(r);
    }
    if let Some(p) = pb.finish() {
        surface.draw_path(&p);
    }
}

fn draw_qr(surface: &mut Surface, url: &str, x: f32, y: f32, size: f32) -> Result<(), CertError> {
    let code = qrcode::QrCode::new(url.as_bytes()).map_err(|e| CertError::Render(e.to_string()))?;
    let n = code.width();
    let module = size / n as f32;
    fill(surface, 0, 0, 0);
    let mut pb = PathBuilder::new();
    for row in 0..n {
        for col in 0..n {
            if code[(col, row)] == qrcode::Color::Dark
                && let Some(r) = Rect::from_xywh(
                    x + col as f32 * module,
                    y + row as f32 * module,
                    module + 0.05,
                    module + 0.05,
                )
            {
                pb.push_rect(r);
            }
        }
    }
    if let Some(p) = pb.finish() {
        surface.draw_path(&p);
    }
    Ok(())
}

/// Renders the certificate as an A4 PDF; `with_qr` is off only for the benchmark floor.
pub fn render(f: &Facts, with_qr: bool) -> Result<Vec<u8>, CertError> {
    let font = font()?;
    let (w, h) = (595.0f32, 842.0f32);
    let mut document = Document::new();
    let mut page =
        document.start_page_with(PageSettings::from_wh(w, h).ok_or_else(|| CertError::Render("page".into()))?);
    let mut s = page.surface();
    let text = |s: &mut Surface, x: f32, y: f32, size: f32, t: &str| {
        s.draw_text(Point::from_xy(x, y), font.clone(), size, t, false, TextDirection::Auto);
    };
    // Border and heading.
    fill(&mut s, 30, 91, 184);
    rect(&mut s, 30.0, 30.0, w - 60.0, 4.0);
    rect(&mut s, 30.0, h - 34.0, w - 60.0, 4.0);
    fill(&mut s, 20, 20, 20);
    let title = f.title();
    text(&mut s, (w - text_width(title, 26.0)) / 2.0, 90.0, 26.0, title);
    fill(&mut s, 80, 80, 80);
    let no = format!("证书编号：{}", f.number);
    text(&mut s, (w - text_width(&no, 11.0)) / 2.0, 112.0, 11.0, &no);
    fill(&mut s, 20, 20, 20);
    let mut y = 150.0;
    for line in [format!("姓名：{}", f.learner), format!("证件号码：{}", f.id_number)]
        .iter()
        .chain(f.lines.iter())
    {
        for part in wrap(line, w - 120.0, 12.0) {
            text(&mut s, 60.0, y, 12.0, &part);
            y += 18.0;
        }
        y += 2.0;
    }
    // Table: cells wrap (a long outcome name is never cut); rows stop above the footer.
    y += 10.0;
    let cols = f.headers.len().max(1);
    let col_w = (w - 120.0) / cols as f32;
    let cells =
        |row: &[String]| -> Vec<Vec<String>> { row.iter().take(cols).map(|c| wrap(c, col_w - 6.0, 10.0)).collect() };
    let head = cells(&f.headers);
    let head_lines = head.iter().map(Vec::len).max().unwrap_or(1) as f32;
    fill(&mut s, 232, 240, 252);
    rect(&mut s, 60.0, y - 14.0, w - 120.0, 8.0 + 13.0 * head_lines);
    fill(&mut s, 20, 20, 20);
    for (i, lines) in head.iter().enumerate() {
        for (k, l) in lines.iter().enumerate() {
            text(&mut s, 64.0 + i as f32 * col_w, y + 13.0 * k as f32, 10.0, l);
        }
    }
    y += 9.0 + 13.0 * head_lines;
    let bottom = h - 215.0;
    let mut shown = 0;
    for row in &f.rows {
        let row = cells(row);
        let n = row.iter().map(Vec::len).max().unwrap_or(1) as f32;
        if y + 13.0 * n > bottom {
            break;
        }
        for (i, lines) in row.iter().enumerate() {
            for (k, l) in lines.iter().enumerate() {
                text(&mut s, 64.0 + i as f32 * col_w, y + 13.0 * k as f32, 10.0, l);
            }
        }
        let line_y = y + 13.0 * (n - 1.0) + 5.0;
        fill(&mut s, 221, 227, 236);
        rect(&mut s, 60.0, line_y, w - 120.0, 0.6);
        fill(&mut s, 20, 20, 20);
        y = line_y + 15.0;
        shown += 1;
    }
    if shown < f.rows.len() {
        text(
            &mut s,
            64.0,
            y,
            10.0,
            &format!("……共{}项，其余请在线核验", f.rows.len()),
        );
    }
    // Issuer, date and verification.
    let issuer = format!("签发机构：{}", f.issuer);
    let date = format!("签发日期：{}", f.issued_on);
    text(&mut s, w - 60.0 - text_width(&issuer, 12.0), h - 170.0, 12.0, &issuer);
    text(&mut s, w - 60.0 - text_width(&date, 12.0), h - 150.0, 12.0, &date);
    fill(&mut s, 80, 80, 80);
    let mut foot = h - 80.0;
    for part in wrap(&format!("在线核验：{}", f.verify_url), w - 120.0, 9.0)
        .into_iter()
        .chain(wrap(
            &format!(
                "本证明经{}数字签名，可使用 creditbank verify 离线核验，或扫描二维码在线核验。",
                f.issuer
            ),
            w - 120.0,
            9.0,
        ))
    {
        text(&mut s, 60.0, foot, 9.0, &part);
        foot += 13.0;
    }
    if with_qr {
        draw_qr(&mut s, &f.verify_url, 60.0, h - 190.0, 96.0)?;
    }
    s.finish();
    page.finish();
    document.finish().map_err(|e| CertError::Render(format!("{e:?}")))
}

/// Breaks text into lines that fit a width (CJK breaks anywhere; nothing is cut off).
fn wrap(s: &str, width: f32, size: f32) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for c in s.chars() {
        if text_width(&line, size) + text_width(&c.to_string(), size) > width && !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        line.push(c);
    }
    lines.push(line);
    lines
}

/// A plain A4 document (a rule's or a method's text, say): a title, then paragraphs
/// wrapped to the page, on as many pages as they take.
pub fn document(title: &str, paragraphs: &[&str]) -> Result<Vec<u8>, CertError> {
    let font = font()?;
    let (w, h) = (595.0f32, 842.0f32);
    let (size, lead, margin) = (11.0f32, 19.0f32, 60.0f32);
    let mut lines: Vec<(f32, String)> = vec![(20.0, title.to_string()), (size, String::new())];
    for p in paragraphs {
        for l in wrap(p, w - 2.0 * margin, size) {
            lines.push((size, l));
        }
        lines.push((size, String::new()));
    }
    let mut document = Document::new();
    let per_page = ((h - 2.0 * margin) / lead) as usize;
    for chunk in lines.chunks(per_page.max(1)) {
        let mut page =
            document.start_page_with(PageSettings::from_wh(w, h).ok_or_else(|| CertError::Render("page".into()))?);
        let mut s = page.surface();
        fill(&mut s, 20, 20, 20);
        let mut y = margin;
        for (sz, l) in chunk {
            let x = if *sz > size {
                (w - text_width(l, *sz)) / 2.0
            } else {
                margin
            };
            s.draw_text(Point::from_xy(x, y), font.clone(), *sz, l, false, TextDirection::Auto);
            y += lead;
        }
        s.finish();
        page.finish();
    }
    document.finish().map_err(|e| CertError::Render(format!("{e:?}")))
}

#[derive(Serialize, Deserialize)]
struct Block {
    payload: String,
    signature: String,
}

fn message(body: &[u8], payload: &str) -> Vec<u8> {
    let mut m = Sha256::digest(body).to_vec();
    m.extend_from_slice(payload.as_bytes());
    m
}

/// Appends the signature block to a rendered PDF.
pub fn sign(mut pdf: Vec<u8>, facts: &Facts, key: &SigningKey) -> Vec<u8> {
    let payload = facts.canonical();
    let sig = key.sign(&message(&pdf, &payload));
    let block = Block {
        payload,
        signature: B64.encode(sig.to_bytes()),
    };
    let json = serde_json::to_string(&block).unwrap_or_default();
    pdf.extend_from_slice(MARKER);
    pdf.extend_from_slice(B64.encode(json).as_bytes());
    pdf.push(b'\n');
    pdf
}

/// Checks a signed PDF offline and returns the facts it states.
pub fn verify(file: &[u8], key: &VerifyingKey) -> Result<Facts, CertError> {
    let at = file
        .windows(MARKER.len())
        .rposition(|w| w == MARKER)
        .ok_or(CertError::Unsigned)?;
    let (body, rest) = file.split_at(at);
    let encoded = std::str::from_utf8(&rest[MARKER.len()..])
        .map_err(|_| CertError::Malformed)?
        .trim();
    let json = B64.decode(encoded).map_err(|_| CertError::Malformed)?;
    let block: Block = serde_json::from_slice(&json).map_err(|_| CertError::Malformed)?;
    let sig: [u8; 64] = B64
        .decode(&block.signature)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or(CertError::Malformed)?;
    key.verify(&message(body, &block.payload), &Signature::from_bytes(&sig))
        .map_err(|_| CertError::BadSignature)?;
    serde_json::from_str(&block.payload).map_err(|_| CertError::Malformed)
}

/// A new signing key.
pub fn generate_key() -> SigningKey {
    SigningKey::generate(&mut rand::rngs::OsRng)
}

pub fn key_to_hex(k: &SigningKey) -> String {
    k.to_bytes().iter().map(|b| format!("{b:02x}")).collect()
}

fn from_hex32(s: &str) -> Option<[u8; 32]> {
    let s = s.trim();
    if s.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, b) in out.iter_mut().enumerate() {
        *b = u8::from_str_radix(&s[i * 2..i * 2 + 2], 16).ok()?;
    }
    Some(out)
}

pub fn key_from_hex(s: &str) -> Option<SigningKey> {
    from_hex32(s).map(|b| SigningKey::from_bytes(&b))
}

pub fn public_to_hex(k: &VerifyingKey) -> String {
    k.to_bytes().iter().map(|b| format!("{b:02x}")).collect()
}

pub fn public_from_hex(s: &str) -> Option<VerifyingKey> {
    from_hex32(s).and_then(|b| VerifyingKey::from_bytes(&b).ok())
}

pub use ed25519_dalek::{SigningKey as Key, VerifyingKey as PublicKey};

#[cfg(test)]
mod document_tests {
    #[test]
    #[allow(clippy::unwrap_used)]
    fn documents_are_pdfs_over_pages() {
        let long = "学习成果转换应遵循公平公正、质量保证的原则。".repeat(200);
        let pdf = super::document("转换办法", &["第一条 总则", &long]).unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
        // The page tree says how many pages: 200 sentences of 22 characters take more than one.
        let text = String::from_utf8_lossy(&pdf);
        let count: usize = text
            .split("/Count ")
            .nth(1)
            .and_then(|r| r.split(|c: char| !c.is_ascii_digit()).next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        assert!(count >= 2, "{count} page(s)");
        assert_eq!(super::wrap("一二三四", 22.0, 11.0), vec!["一二", "三四"]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts() -> Facts {
        Facts {
            number: "ZM202611260001".into(),
            kind: "holdings".into(),
            issuer: "学分银行管理中心".into(),
            issued_on: "2026-11-26".into(),
            learner: "张晓明".into(),
            id_number: "440106*****1235".into(),
            lines: vec![],
            headers: vec!["成果名称".into(), "颁证机构".into(), "学分".into()],
            rows: vec![vec![
                "经济统计学毕业证书(本科)".into(),
                "广东开放大学".into(),
                "120".into(),
            ]],
            verify_url: "http://127.0.0.1:8080/verify?number=ZM202611260001".into(),
        }
    }

    #[test]
    fn sign_and_verify_and_tamper() {
        let key = generate_key();
        let pdf = render(&facts(), true).unwrap_or_default();
        assert!(pdf.starts_with(b"%PDF-"));
        let signed = sign(pdf, &facts(), &key);
        assert_eq!(verify(&signed, &key.verifying_key()).ok(), Some(facts()));
        // Any changed byte of the document breaks it.
        let mut tampered = signed.clone();
        tampered[200] ^= 1;
        assert!(matches!(
            verify(&tampered, &key.verifying_key()),
            Err(CertError::BadSignature)
        ));
        // Another key, no block.
        assert!(verify(&signed, &generate_key().verifying_key()).is_err());
        assert!(matches!(
            verify(b"%PDF-1.7 nothing", &key.verifying_key()),
            Err(CertError::Unsigned)
        ));
        // Keys round-trip through hex.
        assert_eq!(
            key_from_hex(&key_to_hex(&key)).map(|k| k.to_bytes()),
            Some(key.to_bytes())
        );
        assert!(public_from_hex(&public_to_hex(&key.verifying_key())).is_some());
    }
}
