//! The demo bank loads on both databases, twice without duplicating, and its accounts
//! sign in to working pages.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::TestApp;

both!(demo_bank_loads_and_works, every_link_of_every_role_opens);

async fn demo_bank_loads_and_works(t: &TestApp) {
    let accounts = app::demo::load(&t.app).await.unwrap();
    let again = app::demo::load(&t.app).await.unwrap();
    assert_eq!(accounts.len(), again.len());
    assert_eq!(t.scalar("SELECT COUNT(*) FROM institutions").await, 3);
    assert_eq!(
        t.scalar("SELECT COUNT(*) FROM conversion_rules WHERE status = 'published'")
            .await,
        1
    );
    for a in accounts
        .iter()
        .filter(|a| a.note.contains("已激活") || a.role != "个人用户")
    {
        let role = match a.role {
            "个人用户" => "learner",
            "机构用户" => "institution",
            "专家用户" => "expert",
            _ => "department",
        };
        let mut c = t.client();
        let r = c.sign_in(role, &a.login, &a.password).await;
        assert_eq!(r.status, 303, "{} {}", a.role, a.login);
        let home = c.get(r.location.as_deref().unwrap()).await;
        assert!(
            home.status == 200 || home.status == 303,
            "{} {} {}",
            a.role,
            a.login,
            home.status
        );
    }
    // The demo learner has a rule to apply for and credits already.
    let learner = store::learners::by_id_number(&t.app.db.pool, &app::demo::learner_id())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(app::conversion::matches(&t.app, learner.id).await.unwrap().len(), 1);
    // The published method's and rule's documents are real PDFs with their text.
    for name in ["转换办法.pdf", "转换规则.pdf"] {
        let f: (String,) = sqlx::query_as("SELECT storage_key FROM files WHERE original_name = $1")
            .bind(name)
            .fetch_one(&t.app.db.pool)
            .await
            .unwrap();
        let bytes = t.app.files.get(&f.0).await.unwrap();
        assert!(
            bytes.starts_with(b"%PDF-") && bytes.len() > 5_000,
            "{name}: {} bytes",
            bytes.len()
        );
        std::fs::write(std::env::temp_dir().join(format!("demo-{name}")), &bytes).unwrap();
    }
    assert_eq!(
        store::ledger::balance(&t.app.db.pool, learner.id).await.unwrap(),
        12_400
    );
}

/// Signs in as every demo account and follows every link of its pages two levels deep:
/// none may fail or be forbidden to the role that was shown it.
async fn every_link_of_every_role_opens(t: &TestApp) {
    let accounts = app::demo::load(&t.app).await.unwrap();
    for a in accounts.iter().filter(|a| !a.note.contains("预导入")) {
        let role = match a.role {
            "个人用户" => "learner",
            "机构用户" => "institution",
            "专家用户" => "expert",
            _ => "department",
        };
        let mut c = t.client();
        let r = c.sign_in(role, &a.login, &a.password).await;
        let mut queue = vec![(r.location.clone().unwrap(), 0)];
        let mut seen = std::collections::BTreeSet::new();
        while let Some((path, depth)) = queue.pop() {
            if !seen.insert(path.clone()) || seen.len() > 150 {
                continue;
            }
            let page = c.get(&path).await;
            assert!(
                page.status == 200 || page.status == 303,
                "{} {}: {} gave {}",
                a.role,
                a.login,
                path,
                page.status
            );
            if let Some(next) = page.location.clone().filter(|_| page.status == 303) {
                queue.push((next, depth));
            }
            if depth >= 2 || !page.content_type.starts_with("text/html") {
                continue;
            }
            // The Content-Security-Policy (style-src 'self') drops inline styles.
            assert!(!page.has(" style=\""), "{path} has an inline style the CSP blocks");
            for part in page.body.split("href=\"").skip(1) {
                let href = part.split('"').next().unwrap_or("").replace("&amp;", "&");
                let skip = !href.starts_with('/')
                    || href.starts_with("/static")
                    || href.starts_with("/files/")
                    || href.contains("/template")
                    || href == "/logout";
                if !skip {
                    queue.push((href, depth + 1));
                }
            }
        }
        assert!(seen.len() >= 3, "{} saw only {:?}", a.login, seen);
    }
}
