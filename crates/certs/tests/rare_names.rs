//! Any name an ID card can carry prints, and long outcome names wrap instead of being cut:
//! rendered, then read back with poppler's `pdftotext` (Debian's poppler-utils; .ci/run
//! installs it).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use certs::Facts;

fn text_of(pdf: &[u8]) -> String {
    let dir = std::env::temp_dir().join(format!("creditbank-pdf-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("c.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = std::process::Command::new("pdftotext")
        .args(["-enc", "UTF-8"])
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (apt-get install -y poppler-utils) reads the certificates back");
    let _ = std::fs::remove_dir_all(&dir);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn rare_characters_print_and_long_names_wrap() {
    let long = "经济统计学毕业证书（本科）——国家开放大学经济管理学院统计与数据科学方向（2019级春季）";
    let f = Facts {
        number: "ZM2026120200000001".into(),
        kind: "holdings".into(),
        issuer: "国家开放大学学分银行".into(),
        issued_on: "2026-12-02".into(),
        learner: "欧阳喆".into(),
        id_number: "110101********8515".into(),
        lines: vec!["兹证明王镕、李堃、𠮷田在学分银行存储有以下学习成果。".into()],
        // One column, so the text read back is the cell's own lines in order.
        headers: vec!["成果名称".into()],
        rows: vec![vec![long.into()], vec!["高等数学".into()]],
        verify_url: "https://xfyh.example.cn/verify?number=ZM2026120200000001".into(),
    };
    let pdf = certs::render(&f, true).unwrap();
    let text = text_of(&pdf);
    let flat: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    for name in ["欧阳喆", "王镕", "李堃", "𠮷田", "国家开放大学学分银行"] {
        assert!(flat.contains(name), "{name} missing from:\n{text}");
    }
    // Wrapped over lines, the whole name is there: nothing was cut with an ellipsis.
    let cell: String = long.chars().filter(|c| !c.is_whitespace()).collect();
    assert!(flat.contains(&cell), "the long name is cut:\n{text}");
    assert!(!text.contains('…'));
    // Only the glyphs used are embedded: the 16 MB face makes a small certificate.
    assert!(pdf.len() < 200_000, "{} bytes", pdf.len());
}

/// The printed QR code is readable: the page rasterised by poppler's `pdftoppm` at a
/// scanner's 150 dpi, as PNG and as JPEG, gives back the verification address.
#[test]
fn the_printed_qr_code_reads_back() {
    let f = Facts {
        number: "ZM2026120300000002".into(),
        kind: "holdings".into(),
        issuer: "国家开放大学学分银行".into(),
        issued_on: "2026-12-03".into(),
        learner: "张三".into(),
        id_number: "110101********8515".into(),
        lines: vec![],
        headers: vec!["成果名称".into()],
        rows: vec![vec!["高等数学".into()]],
        verify_url: "https://xfyh.example.cn/verify?number=ZM2026120300000002".into(),
    };
    let pdf = certs::render(&f, true).unwrap();
    let dir = std::env::temp_dir().join(format!("creditbank-qr-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("c.pdf"), &pdf).unwrap();
    // A scan (PNG) and a photo's format (JPEG) alike.
    for (format, ext) in [("-png", "png"), ("-jpeg", "jpg")] {
        let out = std::process::Command::new("pdftoppm")
            .args([format, "-r", "150", "-singlefile"])
            .arg(dir.join("c.pdf"))
            .arg(dir.join("page"))
            .output()
            .expect("pdftoppm (apt-get install -y poppler-utils) rasterises the certificate");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let image = std::fs::read(dir.join(format!("page.{ext}"))).unwrap();
        assert_eq!(certs::qr::read(&image).unwrap(), f.verify_url, "{ext}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
