//! 转换规则管理 (I-08): a rule is edited and deleted while 未提交, withdrawing a published
//! rule returns it to 未提交, a rule with applications keeps what it says, and the list
//! filters by code, kind, source, target and status.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{TestApp, actor, seed_bank, seed_institution};
use domain::ids::{CatalogOutcomeId, InstitutionId, RuleId};

both!(
    drafts_are_edited_and_deleted,
    the_rules_list_filters,
    a_page_of_rules_reads_its_details_at_once
);

const PDF: &[u8] = b"%PDF-1.4 rule";

struct World {
    source: CatalogOutcomeId,
    target: CatalogOutcomeId,
    other_target: CatalogOutcomeId,
}

async fn world(t: &TestApp) -> World {
    let bank = seed_bank(t).await;
    let a = seed_institution(t, "4144051234", "广东开放大学", bank.guangdong, "13900000001").await;
    let b = seed_institution(t, "4144051235", "广州番禺职业技术学院", bank.guangdong, "13900000002").await;
    let source = common::course(t, a, "高等数学", "M1").await;
    let target = common::course(t, b, "工程数学", "E1").await;
    let other_target = common::course(t, b, "线性代数", "E2").await;
    common::published_method(t, b).await;
    World {
        source,
        target,
        other_target,
    }
}

fn rule_fields<'a>(name: &'a str, source: &'a str, target: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("name", name),
        ("kind", "学历→学历"),
        ("source", source),
        ("target", target),
        ("ratio", "1:1"),
        ("explanation", "课程内容相同"),
    ]
}

async fn drafts_are_edited_and_deleted(t: &TestApp) {
    let w = world(t).await;
    let (src, tgt, other) = (w.source.to_string(), w.target.to_string(), w.other_target.to_string());
    let mut inst = t.client();
    inst.sign_in("institution", "4144051235", "Pass1234").await;
    inst.get("/institution/rules/new").await;
    let r = inst
        .post_multipart(
            "/institution/rules/new",
            &rule_fields("数学互认", &src, &tgt),
            &[("file", "规则.pdf", PDF)],
        )
        .await;
    let rule: RuleId = t.id("SELECT id FROM conversion_rules").await;
    assert!(r.redirects_to(&format!("/institution/rules/{rule}")));
    let list = inst.get("/institution/rules").await;
    assert!(list.has(&format!("/institution/rules/{rule}/edit\">修改</a>")) && list.has("删除"));

    // 修改: the form shows what the rule says; a refused edit keeps what was typed.
    let edit = inst.get(&format!("/institution/rules/{rule}/edit")).await;
    assert!(edit.has("修改转换规则") && edit.has("value=\"数学互认\"") && edit.has("课程内容相同"));
    assert!(edit.has(&format!("name=\"target\" value=\"{tgt}\" checked")));
    let mut bad = rule_fields("", &src, &other);
    bad.retain(|(k, _)| *k != "name");
    bad.push(("name", ""));
    bad.push(("explanation", "改为线性代数"));
    let r = inst
        .post_multipart(&format!("/institution/rules/{rule}/edit"), &bad, &[])
        .await;
    assert_eq!(r.status, 422);
    assert!(r.has("请输入规则名称") || r.has("规则名称"), "{}", r.excerpt(0, 600));
    assert!(r.has(&format!("name=\"target\" value=\"{other}\" checked")));
    let r = inst
        .post_multipart(
            &format!("/institution/rules/{rule}/edit"),
            &rule_fields("数学与线性代数互认", &src, &other),
            &[],
        )
        .await;
    assert!(
        r.redirects_to(&format!("/institution/rules/{rule}")),
        "{}",
        r.excerpt(0, 600)
    );
    let shown = inst.get(&format!("/institution/rules/{rule}")).await;
    assert!(shown.has("数学与线性代数互认") && shown.has("线性代数") && !shown.has("工程数学"));
    assert_eq!(
        t.scalar(&format!(
            "SELECT COUNT(*) FROM conversion_rules WHERE id = {rule} AND file_id IS NOT NULL"
        ))
        .await,
        1,
        "the document is kept"
    );

    // Published: neither edited nor deleted; withdrawn: 未提交 again, and editable.
    inst.post(&format!("/institution/rules/{rule}/publish"), &[]).await;
    let r = inst.get(&format!("/institution/rules/{rule}/edit")).await;
    assert!(r.redirects_to(&format!("/institution/rules/{rule}")));
    let r = inst.post(&format!("/institution/rules/{rule}/delete"), &[]).await;
    assert!(r.redirects_to("/institution/rules"));
    assert!(inst.get("/institution/rules").await.has("不能删除"));
    assert_eq!(t.scalar("SELECT COUNT(*) FROM conversion_rules").await, 1);
    inst.post(&format!("/institution/rules/{rule}/withdraw"), &[]).await;
    assert!(inst.get(&format!("/institution/rules/{rule}")).await.has("未提交"));
    assert_eq!(inst.get(&format!("/institution/rules/{rule}/edit")).await.status, 200);

    // Another institution can neither edit nor delete it.
    let mut other_inst = t.client();
    other_inst.sign_in("institution", "4144051234", "Pass1234").await;
    assert_eq!(
        other_inst.get(&format!("/institution/rules/{rule}/edit")).await.status,
        404
    );
    other_inst.get("/institution/rules").await;
    let r = other_inst.post(&format!("/institution/rules/{rule}/delete"), &[]).await;
    assert_eq!(r.status, 404);

    // 删除 a draft.
    inst.get("/institution/rules").await;
    let r = inst.post(&format!("/institution/rules/{rule}/delete"), &[]).await;
    assert!(r.redirects_to("/institution/rules"));
    assert!(inst.get("/institution/rules").await.has("规则已删除"));
    assert_eq!(t.scalar("SELECT COUNT(*) FROM conversion_rules").await, 0);
    assert_eq!(t.scalar("SELECT COUNT(*) FROM rule_sources").await, 0);
    assert_eq!(
        t.scalar("SELECT COUNT(*) FROM audit_log WHERE action IN ('rule_created', 'rule_updated', 'rule_deleted')")
            .await,
        3
    );
}

async fn the_rules_list_filters(t: &TestApp) {
    let w = world(t).await;
    let ia = actor("institution", 2);
    let b: InstitutionId = t.id("SELECT id FROM institutions WHERE code = '4144051235'").await;
    for (name, kind, target) in [
        ("数学互认", "学历→学历", w.target),
        ("代数互认", "学历→非学历", w.other_target),
    ] {
        let doc = app::files::check_and_put(&t.app, "file", "规则.pdf", PDF, app::files::Accept::Pdf)
            .await
            .unwrap();
        let f = app::conversion::RuleForm {
            name: name.into(),
            kind: kind.into(),
            sources: vec![w.source],
            targets: vec![target],
            ratio: "1:1".into(),
            explanation: "说明".into(),
            document: Some(doc),
            ..Default::default()
        };
        app::conversion::create_rule(&t.app, b, &f, &ia).await.unwrap();
    }
    let first: RuleId = t.id("SELECT MIN(id) FROM conversion_rules").await;
    app::conversion::act_on_rule(&t.app, b, first, app::conversion::RuleAction::Publish, &ia)
        .await
        .unwrap();
    let mut inst = t.client();
    inst.sign_in("institution", "4144051235", "Pass1234").await;
    let all = inst.get("/institution/rules").await;
    assert!(all.has("数学互认") && all.has("代数互认"));
    assert!(
        all.has("我发布的转换规则 2") && all.has("与我相关的转换规则 0"),
        "counts on the tabs"
    );
    for (query, shows, hides) in [
        ("kind=学历→非学历", "代数互认", "数学互认"),
        ("status=published", "数学互认", "代数互认"),
        ("target=线性代数", "代数互认", "数学互认"),
        ("code=数学", "数学互认", "代数互认"),
    ] {
        let page = inst
            .get(&format!("/institution/rules?{}", query.replace('→', "%E2%86%92")))
            .await;
        assert!(page.has(shows) && !page.has(hides), "{query}");
    }
    assert!(inst.get("/institution/rules?source=高等数学").await.has("代数互认"));
    assert!(
        inst.get("/institution/rules?source=物理")
            .await
            .has("没有符合条件的转换规则")
    );
}

/// The details of a page of rules come from three queries (CTDL's rule pages list 50 at
/// a time): each rule gets exactly its own sources and targets, the same as reading the
/// rules one by one; a batch of catalog outcomes keeps the order asked for.
async fn a_page_of_rules_reads_its_details_at_once(t: &TestApp) {
    let w = world(t).await;
    let ia = actor("institution", 2);
    let a: InstitutionId = t.id("SELECT id FROM institutions WHERE code = '4144051234'").await;
    let b: InstitutionId = t.id("SELECT id FROM institutions WHERE code = '4144051235'").await;
    let second = common::course(t, a, "概率论", "M2").await;
    for (name, sources, targets) in [
        ("一对一", vec![w.source], vec![w.target]),
        ("二对二", vec![second, w.source], vec![w.other_target, w.target]),
        ("另一门", vec![second], vec![w.other_target]),
    ] {
        let doc = app::files::check_and_put(&t.app, "file", "规则.pdf", PDF, app::files::Accept::Pdf)
            .await
            .unwrap();
        let f = app::conversion::RuleForm {
            name: name.into(),
            kind: "学历→学历".into(),
            sources,
            targets,
            ratio: "1:1".into(),
            explanation: "说明".into(),
            document: Some(doc),
            ..Default::default()
        };
        app::conversion::create_rule(&t.app, b, &f, &ia).await.unwrap();
    }
    let rules = app::queries::conversion::rules(&t.app, app::queries::conversion::RuleList::Mine(b), 1, 20)
        .await
        .unwrap()
        .rows;
    assert_eq!(rules.len(), 3);
    let details = app::queries::conversion::rule_details(&t.app, &rules).await.unwrap();
    let pool = &t.app.db.pool;
    for (r, d) in rules.iter().zip(&details) {
        let sources: Vec<CatalogOutcomeId> = d.sources.iter().map(|o| o.id).collect();
        assert_eq!(
            sources,
            store::conversion::sources(pool, r.id).await.unwrap(),
            "{}",
            r.name
        );
        let targets: Vec<CatalogOutcomeId> = d
            .targets
            .iter()
            .map(|(t, o)| {
                assert_eq!(t.institution_outcome_id, o.id);
                o.id
            })
            .collect();
        let one_by_one: Vec<CatalogOutcomeId> = store::conversion::targets(pool, r.id)
            .await
            .unwrap()
            .into_iter()
            .map(|t| t.institution_outcome_id)
            .collect();
        assert_eq!(targets, one_by_one, "{}", r.name);
        let single = app::queries::conversion::rule_detail(&t.app, r).await.unwrap();
        assert_eq!(single.sources.len(), d.sources.len());
        assert_eq!(single.targets.len(), d.targets.len());
    }
    let two_by_two = rules.iter().position(|r| r.name == "二对二").unwrap();
    assert_eq!(details[two_by_two].sources.len(), 2);
    assert_eq!(details[two_by_two].targets.len(), 2);
    let asked = [w.other_target, CatalogOutcomeId::new(999_999), w.source];
    let found: Vec<CatalogOutcomeId> = app::queries::catalog::many(&t.app, &asked)
        .await
        .unwrap()
        .into_iter()
        .map(|o| o.id)
        .collect();
    assert_eq!(
        found,
        vec![w.other_target, w.source],
        "in order, the missing one left out"
    );
}
