//! Reading the QR code of a certificate from a photo or a scan (P-03): a PNG or JPEG is
//! decoded to grey levels and searched for codes. Images are refused past a pixel count
//! before any pixel is decoded, so a small file that claims a huge canvas costs nothing.

use std::io::Cursor;

/// The largest image read: a 20-megapixel phone photo.
pub const MAX_PIXELS: usize = 20_000_000;

/// Why an image gave no code.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum QrError {
    #[error("图片不是可识别的PNG或JPEG格式")]
    Unreadable,
    #[error("图片过大（超过2000万像素），请裁剪到二维码附近后重新上传")]
    TooLarge,
    #[error("图片中没有找到可识别的二维码，请上传清晰、完整的二维码图片")]
    NoCode,
}

/// Whether the bytes are an image this module reads.
pub fn is_image(raw: &[u8]) -> bool {
    raw.starts_with(b"\x89PNG\r\n\x1a\n") || raw.starts_with(&[0xFF, 0xD8, 0xFF])
}

/// The text of the first QR code found in a PNG or JPEG.
pub fn read(raw: &[u8]) -> Result<String, QrError> {
    let (w, h, luma) = if raw.starts_with(b"\x89PNG") {
        png_luma(raw)?
    } else {
        jpeg_luma(raw)?
    };
    let mut img = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| luma[y * w + x]);
    img.detect_grids()
        .iter()
        .find_map(|g| g.decode().ok().map(|(_, text)| text))
        .ok_or(QrError::NoCode)
}

fn checked(w: usize, h: usize) -> Result<(), QrError> {
    match w.checked_mul(h) {
        Some(0) | None => Err(QrError::Unreadable),
        Some(n) if n > MAX_PIXELS => Err(QrError::TooLarge),
        Some(_) => Ok(()),
    }
}

fn png_luma(raw: &[u8]) -> Result<(usize, usize, Vec<u8>), QrError> {
    let mut decoder = png::Decoder::new(Cursor::new(raw));
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    let mut reader = decoder.read_info().map_err(|_| QrError::Unreadable)?;
    let (w, h) = {
        let info = reader.info();
        (info.width as usize, info.height as usize)
    };
    checked(w, h)?;
    let size = reader.output_buffer_size().ok_or(QrError::TooLarge)?;
    let mut buf = vec![0; size];
    let frame = reader.next_frame(&mut buf).map_err(|_| QrError::Unreadable)?;
    let channels = frame.color_type.samples();
    let pixels = &buf[..frame.buffer_size()];
    let luma = pixels
        .chunks_exact(frame.line_size)
        .flat_map(|line| line.chunks_exact(channels).take(w))
        .map(|p| match (frame.color_type, p) {
            (png::ColorType::Rgb, [r, g, b]) | (png::ColorType::Rgba, [r, g, b, _]) => grey(*r, *g, *b),
            // Transparent pixels read as paper, so a code on a transparent canvas is found.
            (png::ColorType::GrayscaleAlpha, [_, 0]) => 255,
            (_, [l, ..]) => *l,
            _ => 255,
        })
        .collect::<Vec<u8>>();
    if luma.len() != w * h {
        return Err(QrError::Unreadable);
    }
    Ok((w, h, luma))
}

fn jpeg_luma(raw: &[u8]) -> Result<(usize, usize, Vec<u8>), QrError> {
    use zune_core::colorspace::ColorSpace;
    use zune_core::options::DecoderOptions;
    let options = DecoderOptions::default()
        .jpeg_set_out_colorspace(ColorSpace::Luma)
        .set_max_width(MAX_PIXELS)
        .set_max_height(MAX_PIXELS);
    let mut decoder = zune_jpeg::JpegDecoder::new_with_options(Cursor::new(raw), options);
    decoder.decode_headers().map_err(|_| QrError::Unreadable)?;
    let (w, h) = decoder.dimensions().ok_or(QrError::Unreadable)?;
    checked(w, h)?;
    let luma = decoder.decode().map_err(|_| QrError::Unreadable)?;
    if luma.len() != w * h {
        return Err(QrError::Unreadable);
    }
    Ok((w, h, luma))
}

/// ITU-R BT.601 luma.
fn grey(r: u8, g: u8, b: u8) -> u8 {
    ((299 * r as u32 + 587 * g as u32 + 114 * b as u32) / 1000) as u8
}

/// A PNG of `text` as a QR code, the way a phone's screenshot of a certificate shows it:
/// for tests and the demo.
pub fn png_of(text: &str, module: u32) -> Result<Vec<u8>, crate::CertError> {
    let render = |e: &dyn std::fmt::Display| crate::CertError::Render(e.to_string());
    let code = qrcode::QrCode::new(text.as_bytes()).map_err(|e| render(&e))?;
    let n = code.width() as u32;
    let quiet = 4;
    let side = (n + 2 * quiet) * module;
    let colors = code.to_colors();
    let mut pixels = vec![255u8; (side * side) as usize];
    for y in 0..n {
        for x in 0..n {
            if colors[(y * n + x) as usize] == qrcode::Color::Dark {
                for dy in 0..module {
                    let row = ((y + quiet) * module + dy) * side;
                    let start = (row + (x + quiet) * module) as usize;
                    pixels[start..start + module as usize].fill(0);
                }
            }
        }
    }
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, side, side);
        enc.set_color(png::ColorType::Grayscale);
        enc.set_depth(png::BitDepth::Eight);
        let mut w = enc.write_header().map_err(|e| render(&e))?;
        w.write_image_data(&pixels).map_err(|e| render(&e))?;
    }
    Ok(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn reads_back_what_it_drew() {
        let url = "https://bank.example.cn/verify?number=ZM2026112612345678";
        let png = png_of(url, 4).unwrap();
        assert!(is_image(&png));
        assert_eq!(read(&png).unwrap(), url);
    }

    #[test]
    fn refuses_what_is_not_a_code() {
        assert_eq!(read(b"\x89PNG\r\n\x1a\nnot really"), Err(QrError::Unreadable));
        assert_eq!(read(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0]), Err(QrError::Unreadable));
        let mut out = Vec::new();
        {
            let mut enc = png::Encoder::new(&mut out, 64, 64);
            enc.set_color(png::ColorType::Grayscale);
            let mut w = enc.write_header().unwrap();
            w.write_image_data(&[255; 64 * 64]).unwrap();
        }
        assert_eq!(read(&out), Err(QrError::NoCode));
    }

    #[test]
    fn refuses_a_huge_canvas_before_decoding_it() {
        // A header claiming 100 000 × 100 000 pixels, with no pixel data behind it.
        let mut out = Vec::new();
        {
            let mut enc = png::Encoder::new(&mut out, 8, 8);
            enc.set_color(png::ColorType::Grayscale);
            let mut w = enc.write_header().unwrap();
            w.write_image_data(&[0; 64]).unwrap();
        }
        // IHDR's width and height sit at bytes 16..24; the CRC is fixed below.
        out[16..20].copy_from_slice(&100_000u32.to_be_bytes());
        out[20..24].copy_from_slice(&100_000u32.to_be_bytes());
        let crc = crc32(&out[12..29]);
        out[29..33].copy_from_slice(&crc.to_be_bytes());
        assert_eq!(read(&out), Err(QrError::TooLarge));
    }

    fn crc32(bytes: &[u8]) -> u32 {
        let mut c = 0xFFFF_FFFFu32;
        for b in bytes {
            c ^= *b as u32;
            for _ in 0..8 {
                c = if c & 1 != 0 { 0xEDB8_8320 ^ (c >> 1) } else { c >> 1 };
            }
        }
        !c
    }
}
