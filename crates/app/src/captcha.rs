//! Arithmetic image captchas ("9+8=?") drawn by the app as PNG. Each captcha has a random
//! id kept in the database with its answer; it is checked at most once and expires.

use rand::Rng;
use store::{Db, now};

use crate::{AppError, AppResult};

pub const TTL_SECONDS: i64 = 300;
const WIDTH: usize = 120;
const HEIGHT: usize = 40;

/// 5×7 bitmaps, one row per byte, low five bits used.
fn glyph(c: char) -> [u8; 7] {
    match c {
        '0' => [0x0E, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0E],
        '1' => [0x04, 0x0C, 0x04, 0x04, 0x04, 0x04, 0x0E],
        '2' => [0x0E, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1F],
        '3' => [0x1F, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0E],
        '4' => [0x02, 0x06, 0x0A, 0x12, 0x1F, 0x02, 0x02],
        '5' => [0x1F, 0x10, 0x1E, 0x01, 0x01, 0x11, 0x0E],
        '6' => [0x06, 0x08, 0x10, 0x1E, 0x11, 0x11, 0x0E],
        '7' => [0x1F, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08],
        '8' => [0x0E, 0x11, 0x11, 0x0E, 0x11, 0x11, 0x0E],
        '9' => [0x0E, 0x11, 0x11, 0x0F, 0x01, 0x02, 0x0C],
        '+' => [0x00, 0x04, 0x04, 0x1F, 0x04, 0x04, 0x00],
        '-' => [0x00, 0x00, 0x00, 0x1F, 0x00, 0x00, 0x00],
        'x' => [0x00, 0x11, 0x0A, 0x04, 0x0A, 0x11, 0x00],
        '=' => [0x00, 0x00, 0x1F, 0x00, 0x1F, 0x00, 0x00],
        '?' => [0x0E, 0x11, 0x01, 0x02, 0x04, 0x00, 0x04],
        _ => [0; 7],
    }
}

/// A new question and its answer: addition, subtraction (never negative) or a small
/// multiplication.
pub fn question(rng: &mut impl Rng) -> (String, i64) {
    let a: i64 = rng.gen_range(1..=9);
    let b: i64 = rng.gen_range(1..=9);
    match rng.gen_range(0..3) {
        0 => (format!("{a}+{b}=?"), a + b),
        1 => {
            let (hi, lo) = if a >= b { (a, b) } else { (b, a) };
            (format!("{hi}-{lo}=?"), hi - lo)
        }
        _ => (format!("{a}x{b}=?"), a * b),
    }
}

/// Draws the question with per-glyph jitter, noise lines and speckles, as a PNG.
pub fn render(text: &str, rng: &mut impl Rng) -> AppResult<Vec<u8>> {
    let mut px = vec![[245u8, 247, 250]; WIDTH * HEIGHT];
    let put = |x: i64, y: i64, c: [u8; 3], px: &mut Vec<[u8; 3]>| {
        if (0..WIDTH as i64).contains(&x) && (0..HEIGHT as i64).contains(&y) {
            px[y as usize * WIDTH + x as usize] = c;
        }
    };
    for _ in 0..4 {
        let (x0, y0) = (rng.gen_range(0..WIDTH) as f32, rng.gen_range(0..HEIGHT) as f32);
        let (x1, y1) = (rng.gen_range(0..WIDTH) as f32, rng.gen_range(0..HEIGHT) as f32);
        let color = [
            rng.gen_range(120..200),
            rng.gen_range(120..200),
            rng.gen_range(120..200),
        ];
        for i in 0..=200 {
            let t = i as f32 / 200.0;
            put((x0 + (x1 - x0) * t) as i64, (y0 + (y1 - y0) * t) as i64, color, &mut px);
        }
    }
    let scale = 3i64;
    let mut x = 6i64;
    for c in text.chars() {
        let dy = rng.gen_range(-3..=3);
        let color = [rng.gen_range(10..90), rng.gen_range(30..110), rng.gen_range(90..170)];
        for (row, bits) in glyph(c).iter().enumerate() {
            for col in 0..5 {
                if bits & (0x10 >> col) != 0 {
                    for sy in 0..scale {
                        for sx in 0..scale {
                            put(x + col * scale + sx, 9 + dy + row as i64 * scale + sy, color, &mut px);
                        }
                    }
                }
            }
        }
        x += 5 * scale + rng.gen_range(2..=4);
    }
    for _ in 0..120 {
        let c = rng.gen_range(100..220);
        put(
            rng.gen_range(0..WIDTH as i64),
            rng.gen_range(0..HEIGHT as i64),
            [c, c, c],
            &mut px,
        );
    }
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, WIDTH as u32, HEIGHT as u32);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        let mut w = enc.write_header().map_err(|e| anyhow::anyhow!(e))?;
        w.write_image_data(&px.concat()).map_err(|e| anyhow::anyhow!(e))?;
    }
    Ok(out)
}

/// Creates a captcha and returns its id; the image is fetched by id.
pub async fn create(db: &Db) -> AppResult<String> {
    let (id, answer) = {
        let mut rng = rand::thread_rng();
        let id: [u8; 16] = rng.r#gen();
        let (_, answer) = question(&mut rng);
        (hex::encode(id), answer)
    };
    // The question is derived again from the answer at draw time; keep both.
    store::codes::insert_captcha(&db.pool, &id, &answer.to_string(), now() + TTL_SECONDS).await?;
    Ok(id)
}

/// The PNG for a captcha id: a question whose answer is the stored one.
pub async fn image(db: &Db, id: &str) -> AppResult<Vec<u8>> {
    let answer: i64 = store::codes::captcha_answer(&db.pool, id, now())
        .await?
        .and_then(|a| a.parse().ok())
        .ok_or_else(|| AppError::NotFound("验证码已过期，请刷新".into()))?;
    let mut rng = rand::thread_rng();
    let text = question_for(answer, &mut rng);
    render(&text, &mut rng)
}

/// A question with the given answer (0..=81), so the stored row needs only the answer.
fn question_for(answer: i64, rng: &mut impl Rng) -> String {
    for _ in 0..64 {
        let (q, a) = question(rng);
        if a == answer {
            return q;
        }
    }
    // Any answer reachable by `question` is reachable by an addition or a subtraction,
    // except products; fall back to an explicit form.
    if (2..=18).contains(&answer) {
        let a = (answer / 2).max(1);
        format!("{a}+{}=?", answer - a)
    } else if answer <= 8 {
        format!("9-{}=?", 9 - answer)
    } else {
        (1..=9)
            .find(|d| answer % d == 0 && answer / d <= 9)
            .map(|d| format!("{d}x{}=?", answer / d))
            .unwrap_or_else(|| format!("{answer}+0=?"))
    }
}

/// Checks an answer and burns the captcha whatever the outcome.
pub async fn check(db: &Db, id: &str, answer: &str) -> AppResult<()> {
    let answer = domain::normalize::half_width(answer);
    if answer.is_empty() {
        return Err(AppError::field("captcha", "请输入验证码"));
    }
    match store::codes::take_captcha(&db.pool, id, now()).await? {
        None => Err(AppError::field("captcha", "验证码已过期，请点击图片刷新")),
        Some(expected) if expected == answer => Ok(()),
        Some(_) => Err(AppError::field("captcha", "验证码错误，请重新输入")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn questions_match_answers() {
        let mut rng = rand::thread_rng();
        for _ in 0..200 {
            let (_, a) = question(&mut rng);
            let q = question_for(a, &mut rng);
            let body = q.trim_end_matches("=?");
            let (l, r, op) = if let Some((l, r)) = body.split_once('+') {
                (l, r, '+')
            } else if let Some((l, r)) = body.split_once('-') {
                (l, r, '-')
            } else {
                let (l, r) = body.split_once('x').unwrap_or(("0", "0"));
                (l, r, 'x')
            };
            let (l, r): (i64, i64) = (l.parse().unwrap_or(-1), r.parse().unwrap_or(-1));
            let v = match op {
                '+' => l + r,
                '-' => l - r,
                _ => l * r,
            };
            assert_eq!(v, a, "{q}");
        }
    }

    #[test]
    fn renders_png() {
        let png = render("9+8=?", &mut rand::thread_rng()).unwrap_or_default();
        assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
    }
}
