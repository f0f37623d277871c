//! P-03 on both databases: a certificate is verified from its PDF and from a picture of
//! its QR code, at /verify and through `POST /api/v1/verify`; the answer follows the
//! certificate when its outcome is withdrawn; a tampered PDF, a code of another site, a
//! number that does not exist, a picture without a code and random bytes each get an
//! answer naming the failing check, never an error page.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use axum::body::Body;
use axum::http::{Request, header};
use common::{TestApp, actor, course, id, seed_bank, seed_institution, seed_learner};
use store::audit::Actor;

both!(certificates_verify_from_pdf_and_qr_code);

fn failed(v: &app::credentials::Verification) -> Option<(&'static str, String)> {
    v.checks.iter().find(|c| !c.passed).map(|c| (c.item, c.detail.clone()))
}

async fn post_file(t: &TestApp, content_type: &str, bytes: &[u8]) -> serde_json::Value {
    let req = Request::builder()
        .method("POST")
        .uri("/api/v1/verify")
        .header(header::CONTENT_TYPE, content_type);
    let r = t.api("").send(req, Body::from(bytes.to_vec())).await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.json()
}

async fn certificates_verify_from_pdf_and_qr_code(t: &TestApp) {
    let bank = seed_bank(t).await;
    let school = seed_institution(t, "4144051234", "广东开放大学", bank.guangdong, "13900000001").await;
    let x = course(t, school, "高等数学", "MATH-1").await;
    let dept = actor("department", 1);
    app::catalog::recognise(&t.app, &[bank.guangdong], &dept, x, true, "4")
        .await
        .unwrap();
    let me = seed_learner(t, "欧阳喆", &id("44010619900101123"), "13812345678", "abc12345").await;
    let form = app::holdings::StoreForLearnerForm {
        learner_name: "欧阳喆".into(),
        id_type: String::new(),
        id_number: id("44010619900101123"),
        number: "N1".into(),
        issued_on: "2023-07-01".into(),
        score: "85".into(),
    };
    let held = app::holdings::institution_store(&t.app, school, x, &form, &actor("institution", 1))
        .await
        .unwrap();
    let learner = store::learners::by_id(&t.app.db.pool, me).await.unwrap().unwrap();
    let la = actor("learner", me);
    let (number, pdf) = app::certificates::holdings(&t.app, &learner, &[held], &la)
        .await
        .unwrap();
    let base = t.app.config.public_url.trim_end_matches('/').to_string();
    let code = certs::qr::png_of(&format!("{base}/verify?number={number}"), 4).unwrap();

    // The PDF and its QR code say the same: valid, whose, which certificate.
    let v = app::credentials::verify_file(&t.app, &pdf).await.unwrap();
    assert!(v.valid, "{:?}", failed(&v));
    let q = app::credentials::verify_file(&t.app, &code).await.unwrap();
    assert!(q.valid, "{:?}", failed(&q));
    let items: Vec<&str> = q.checks.iter().map(|c| c.item).collect();
    assert_eq!(items, ["格式", "二维码", "状态"]);
    assert_eq!(q.checks[0].detail, "二维码图片");
    assert_eq!((q.name.clone(), q.holder.as_deref()), (v.name.clone(), Some("欧阳喆")));
    assert!(q.name.as_deref().unwrap().contains(&number));

    // The page and the API, signed in or not.
    let mut visitor = t.client();
    assert!(visitor.get("/verify").await.has("二维码"));
    let up = visitor
        .post_multipart("/verify", &[], &[("file", "二维码.png", &code)])
        .await;
    assert_eq!(up.status, 200);
    assert!(
        up.has("核验通过") && up.has("证书核验地址") && up.has("欧阳喆"),
        "{}",
        up.excerpt(0, 3000)
    );
    let r = post_file(t, "image/png", &code).await;
    assert_eq!(
        (r["valid"].clone(), r["checks"][1]["item"].clone()),
        (true.into(), "二维码".into())
    );
    let r = post_file(t, "application/pdf", &pdf).await;
    assert_eq!(
        (r["valid"].clone(), r["holder"].clone()),
        (true.into(), "欧阳喆".into())
    );

    // Bad input: each answer names what failed.
    let mut tampered = pdf.clone();
    tampered[300] ^= 0x20;
    let v = app::credentials::verify_file(&t.app, &tampered).await.unwrap();
    assert_eq!(failed(&v).unwrap().0, "签名");
    let foreign = certs::qr::png_of(&format!("https://evil.example.com/verify?number={number}"), 4).unwrap();
    let v = app::credentials::verify_file(&t.app, &foreign).await.unwrap();
    let (item, detail) = failed(&v).unwrap();
    assert_eq!(item, "二维码");
    assert!(detail.contains("不是本学分银行的核验地址"), "{detail}");
    let missing = certs::qr::png_of(&format!("{base}/verify?number=ZM000"), 4).unwrap();
    let v = app::credentials::verify_file(&t.app, &missing).await.unwrap();
    assert_eq!(failed(&v), Some(("状态", "证书编号不存在，请核对后重新输入".into())));
    let r = post_file(t, "application/octet-stream", b"\x00\x01 not a file").await;
    assert_eq!(
        (r["valid"].clone(), r["checks"][0]["item"].clone()),
        (false.into(), "格式".into())
    );
    let req = Request::builder().method("POST").uri("/api/v1/verify");
    let r = t.api("").send(req, Body::empty()).await;
    assert_eq!(r.status, 422);
    assert!(r.has("请在请求内容中附上要核验的文件"));
    let junk = visitor
        .post_multipart("/verify", &[], &[("file", "x.png", b"\x89PNG\r\n\x1a\n<script>")])
        .await;
    assert_eq!(junk.status, 200);
    assert!(junk.has("不是可识别的PNG或JPEG格式") && !junk.has("<script>"));

    // Withdrawn, the certificate fails from its PDF and from its code alike.
    app::holdings::withdraw(&t.app, school, &[held], "发证信息有误", None, &Actor::default())
        .await
        .unwrap();
    for file in [&pdf, &code] {
        let v = app::credentials::verify_file(&t.app, file).await.unwrap();
        let (item, detail) = failed(&v).unwrap();
        assert_eq!(item, "状态");
        assert!(detail.contains("已被撤回"), "{detail}");
    }
}
