//! Files refused before any parser sees them (renamed executables, truncated zips,
//! deflate and count bombs), and uploads up to the promised size reaching the checks.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::Write;

use common::{HEAD, TestApp, import, seed_bank, seed_institution, sheet, subtype};

both!(
    hostile_files_are_refused,
    uploads_up_to_the_promised_size_reach_the_checks,
    ids_that_excel_turned_into_numbers_are_refused
);

fn zip_with(entries: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut buf = std::io::Cursor::new(Vec::new());
    {
        let mut z = zip::ZipWriter::new(&mut buf);
        let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        for (name, bytes) in entries {
            z.start_file(*name, opts).unwrap();
            z.write_all(bytes).unwrap();
        }
        z.finish().unwrap();
    }
    buf.into_inner()
}

async fn hostile_files_are_refused(t: &TestApp) {
    let bank = seed_bank(t).await;
    seed_institution(t, "4144051234", "广东开放大学", bank.guangdong, "13900000001").await;
    let course = subtype(t, "higher_course").await.to_string();
    let mut c = t.client();
    c.sign_in("institution", "4144051234", "Pass1234").await;
    c.get("/institution/outcomes/import").await;
    let good = sheet(&HEAD, &[vec!["高等数学", "MATH101", "", "", "", "4", ""]]);
    let bomb = zip_with(&[
        ("xl/workbook.xml", b"<workbook/>".to_vec()),
        ("xl/worksheets/sheet1.xml", vec![b' '; 210 * 1024 * 1024]),
    ]);
    assert!(bomb.len() < 1024 * 1024, "the bomb is small: {}", bomb.len());
    let strings = zip_with(&[
        ("xl/workbook.xml", b"<workbook/>".to_vec()),
        ("xl/sharedStrings.xml", br#"<?xml version="1.0"?><sst xmlns="x" count="4294967295" uniqueCount="4294967295"><si><t>a</t></si></sst>"#.to_vec()),
    ]);
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "setup.xlsx",
            b"MZ\x90\x00\x03 this is an executable".to_vec(),
            "不是Excel表格",
        ),
        ("a.xlsx", b"%PDF-1.4 a pdf".to_vec(), "不是Excel表格"),
        ("a.xlsx", b"<html><body>table</body></html>".to_vec(), "不是Excel表格"),
        ("a.xlsx", good[..good.len() / 2].to_vec(), "已损坏"),
        ("a.xlsx", bomb, "压缩炸弹"),
        ("a.xlsx", strings, "字符串数量与内容不符"),
        ("a.xlsx", Vec::new(), "请选择要导入的文件"),
    ];
    for (name, bytes, expected) in cases {
        let r = import(
            t,
            &mut c,
            "/institution/outcomes/import",
            &[("subtype", &course)],
            &[("file", name, &bytes)],
        )
        .await;
        assert_eq!(r.status, 422, "{expected}");
        assert!(r.has(expected), "{expected}: {}", r.excerpt(0, 600));
    }
    // A cell of 30 000 characters (Excel allows 32 767) is a row error, not a crash.
    let long = "长".repeat(30_000);
    let file = sheet(
        &HEAD,
        &[
            vec![&long, "MATH101", "", "", "", "4", ""],
            vec!["高等数学", "MATH101", "", "", "", "4", ""],
        ],
    );
    let r = import(
        t,
        &mut c,
        "/institution/outcomes/import",
        &[("subtype", &course)],
        &[("file", "long.xlsx", &file)],
    )
    .await;
    assert!(
        r.has("成功导入符合要求数据1条") && r.has("内容超过2000个字"),
        "{}",
        r.excerpt(2500, 1500)
    );
    assert_eq!(t.scalar("SELECT COUNT(*) FROM institution_outcomes").await, 1);
    assert_eq!(
        t.scalar("SELECT COUNT(*) FROM imports").await,
        1,
        "refused files leave no record"
    );
    // A crafted file with a cell of 100 000 characters (more than Excel can hold).
    let huge = "长".repeat(100_000);
    let crafted = inline_xlsx(&[
        HEAD.to_vec(),
        vec!["线性代数", "MATH102", "", "", "", "4", &huge],
        vec!["概率论", "MATH103", "", "", "", "4", ""],
    ]);
    let r = import(
        t,
        &mut c,
        "/institution/outcomes/import",
        &[("subtype", &course)],
        &[("file", "huge.xlsx", &crafted)],
    )
    .await;
    assert!(r.has("成功导入符合要求数据1条") && r.has("第7列内容超过2000个字"));
    assert_eq!(t.scalar("SELECT COUNT(*) FROM institution_outcomes").await, 2);
}

/// The pages promise 10 MB: a 3 MB upload reaches the content checks (axum's 2 MB
/// multipart default once cut it off as "文件过大"), and one over the request limit gets
/// a page, not the plain text `length limit exceeded`.
async fn uploads_up_to_the_promised_size_reach_the_checks(t: &TestApp) {
    let bank = seed_bank(t).await;
    seed_institution(t, "4144051234", "广东开放大学", bank.guangdong, "13900000001").await;
    let course = subtype(t, "higher_course").await.to_string();
    let mut c = t.client();
    c.sign_in("institution", "4144051234", "Pass1234").await;
    c.get("/institution/outcomes/import").await;
    let mut noise = vec![0u8; 3 * 1024 * 1024];
    for (i, b) in noise.iter_mut().enumerate() {
        *b = (i.wrapping_mul(2_654_435_761) >> 13) as u8;
    }
    let r = c
        .post_multipart(
            "/institution/outcomes/import",
            &[("subtype", &course)],
            &[("file", "成果.xlsx", &noise)],
        )
        .await;
    assert!(
        !r.has("文件过大") && !r.has("连接中断"),
        "a 3 MB file is not too large: {}",
        r.excerpt(0, 600)
    );
    assert_eq!(r.status, 422, "refused by the content check instead");
    let huge = vec![b'x'; 13 * 1024 * 1024];
    let r = c
        .post_multipart(
            "/institution/outcomes/import",
            &[("subtype", &course)],
            &[("file", "成果.xlsx", &huge)],
        )
        .await;
    assert_eq!(r.status, 413);
    assert!(
        r.content_type.starts_with("text/html") && r.has("不能超过10MB"),
        "{} {}",
        r.content_type,
        r.excerpt(0, 300)
    );
}

/// A minimal .xlsx written by hand with inline strings, for cells no writer would make.
fn inline_xlsx(rows: &[Vec<&str>]) -> Vec<u8> {
    let mut xml = String::from("<worksheet><sheetData>");
    for (r, row) in rows.iter().enumerate() {
        xml.push_str(&format!("<row r=\"{}\">", r + 1));
        for v in row {
            xml.push_str(&format!("<c t=\"inlineStr\"><is><t>{v}</t></is></c>"));
        }
        xml.push_str("</row>");
    }
    xml.push_str("</sheetData></worksheet>");
    zip_with(&[
        (
            "xl/workbook.xml",
            b"<workbook><sheets><sheet name=\"a\" sheetId=\"1\"/></sheets></workbook>".to_vec(),
        ),
        ("xl/worksheets/sheet1.xml", xml.into_bytes()),
    ])
}

/// Issue 13, item 8: an ID column typed as numbers. Excel keeps 15 digits
/// (`3.60102199207063E+17`); read as `360102199207063000`, one time in eleven the
/// rounded number passed the check digit and a person who does not exist got an
/// account. Now the row is refused with the reason, whatever the check digit says.
async fn ids_that_excel_turned_into_numbers_are_refused(t: &TestApp) {
    let bank = seed_bank(t).await;
    seed_institution(t, "4144051234", "广东开放大学", bank.guangdong, "13900000001").await;
    let mut c = t.client();
    c.sign_in("institution", "4144051234", "Pass1234").await;
    let real = common::id("44010619900101123");
    let mut xml = String::from("<worksheet><sheetData><row r=\"1\">");
    for h in ["*学员姓名", "*身份证号"] {
        xml.push_str(&format!("<c t=\"inlineStr\"><is><t>{h}</t></is></c>"));
    }
    xml.push_str("</row>");
    // 360102199207063000 happens to pass the check digit.
    for (r, (name, number)) in [("王芳", "3.60102199207063E+17"), ("李娜", "360102199207063000")]
        .iter()
        .enumerate()
    {
        xml.push_str(&format!(
            "<row r=\"{}\"><c t=\"inlineStr\"><is><t>{name}</t></is></c><c><v>{number}</v></c></row>",
            r + 2
        ));
    }
    xml.push_str(&format!(
        "<row r=\"4\"><c t=\"inlineStr\"><is><t>张三</t></is></c><c t=\"inlineStr\"><is><t>{real}</t></is></c></row>"
    ));
    xml.push_str("</sheetData></worksheet>");
    let file = zip_with(&[
        (
            "xl/workbook.xml",
            b"<workbook><sheets><sheet name=\"a\" sheetId=\"1\"/></sheets></workbook>".to_vec(),
        ),
        ("xl/worksheets/sheet1.xml", xml.into_bytes()),
    ]);
    c.get("/institution/learners").await;
    let page = import(
        t,
        &mut c,
        "/institution/learners/import",
        &[],
        &[("file", "学员.xlsx", &file)],
    )
    .await;
    assert!(
        page.has("成功导入符合要求数据1条；未导入不符合要求数据2条"),
        "{}",
        page.excerpt(1500, 800)
    );
    assert!(page.has("被Excel存成了数字"), "{}", page.excerpt(1500, 1200));
    assert_eq!(t.scalar("SELECT COUNT(*) FROM learners").await, 1);
}
