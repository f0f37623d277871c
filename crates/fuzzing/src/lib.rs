//! Fuzz target bodies: each takes untrusted bytes, must never panic, and checks a
//! property stronger than "no crash" where there is one (a parsed value parses again
//! to itself; a rule match only uses what the learner holds). `fuzz/` wraps each in
//! libFuzzer; `tests/regressions.rs` replays the saved inputs on stable Rust.
// A broken property must crash the target: that is how the fuzzer reports it.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use arbitrary::{Arbitrary, Unstructured};
use chrono::NaiveDate;
use domain::conversion::{Held, History, RuleSpec, applicable};
use domain::id_card::{IdNumber, IdType};
use domain::ids::{CatalogOutcomeId, HoldingId, RuleId};

/// The targets by name, as `fuzz/fuzz_targets/<name>.rs` and `fuzz/regressions/<name>/`.
pub type Target = fn(&[u8]);

pub const TARGETS: [(&str, Target); 5] = [
    ("id_mobile", id_mobile),
    ("form_fields", form_fields),
    ("rule_engine", rule_engine),
    ("spreadsheet", spreadsheet),
    ("certificate", certificate),
];

fn text(data: &[u8]) -> String {
    String::from_utf8_lossy(data).into_owned()
}

/// ID numbers of every document type and mobile numbers: what is accepted parses again
/// to the same value.
pub fn id_mobile(data: &[u8]) {
    let s = text(data);
    for kind in IdType::ALL {
        if let Ok(n) = IdNumber::parse(kind, &s) {
            let again = IdNumber::parse(kind, n.as_str()).expect("an accepted number parses again");
            assert_eq!(again, n);
            let _ = domain::id_card::initial_password(n.as_str());
        }
    }
    if let Ok(m) = domain::mobile::Mobile::parse(&s) {
        assert_eq!(
            domain::mobile::Mobile::parse(m.as_str())
                .map(|x| x.as_str().to_string())
                .ok(),
            Some(m.as_str().to_string())
        );
        let _ = domain::mask::mobile(m.as_str());
    }
    let _ = domain::mask::id_number(&s);
}

/// The decoders of form fields: names, labels, opinions, credits, passwords, dates,
/// account names, e-mail addresses, credit codes. The input is split on NUL into fields.
pub fn form_fields(data: &[u8]) {
    let s = text(data);
    let mut parts = s.split('\0');
    let a = parts.next().unwrap_or_default();
    let b = parts.next().unwrap_or_default();
    if let Ok(n) = domain::name::PersonName::parse(a) {
        assert!(
            domain::name::PersonName::parse(n.as_str()).is_ok(),
            "a name parses again"
        );
    }
    if let Ok(l) = domain::name::parse_label("f", "字段", a, 100) {
        assert_eq!(domain::name::parse_label("f", "字段", &l, 100).ok(), Some(l.clone()));
        assert!(!l.contains(['<', '>']), "labels carry no markup");
    }
    for required in [true, false] {
        if let Ok(o) = domain::opinion::Opinion::parse("opinion", "审核意见", a, required) {
            assert!(!o.as_str().contains(['<', '>']), "opinions carry no markup");
        }
    }
    if let Some(c) = domain::credits::Credits::parse_decimal(a) {
        assert!(c >= 0, "credits are never negative");
    }
    let _ = domain::credits::Credits::parse("credits", "学分", a);
    let _ = domain::password::NewPassword::parse(a, b);
    let _ = domain::id_card::parse_date(a);
    let _ = domain::account::AccountName::parse(a);
    let _ = domain::account::UserName::parse(a);
    let _ = domain::account::Email::parse("email", a);
    let _ = domain::institution::parse_uscc(a);
    let _ = domain::text::plain("body", "正文", a, 2000, true);
    if let Ok((_, html)) = domain::text::rich("body", "正文", a, true) {
        // Text may mention anything; markup may not run it.
        let lower = html.to_lowercase();
        for tag in lower.split('<').skip(1).filter_map(|t| t.split('>').next()) {
            assert!(
                !tag.starts_with("script") && !tag.contains(" on") && !tag.contains("javascript:"),
                "rich text is cleaned: {html}"
            );
        }
    }
}

/// A holding: id, catalog outcome, stored, score, issue date.
type HeldCase = (u8, Option<u8>, bool, Option<u16>, Option<(u16, u8, u8)>);

#[derive(Debug, Arbitrary)]
struct RuleCase {
    sources: Vec<u8>,
    targets: Vec<u8>,
    min_score: Option<u16>,
    max_age_years: Option<u8>,
    held: Vec<HeldCase>,
    live: Vec<u8>,
    consumed: Vec<(u8, u8)>,
    today: (u16, u8, u8),
}

fn date((y, m, d): (u16, u8, u8)) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(1900 + i32::from(y % 300), u32::from(m % 13), u32::from(d % 32))
}

/// The rule engine: a match uses one stored holding of each source, never a consumed
/// one, never one under the minimum score, and grants only targets the learner lacks.
pub fn rule_engine(data: &[u8]) {
    let Ok(c) = RuleCase::arbitrary(&mut Unstructured::new(data)) else {
        return;
    };
    let rule = RuleSpec {
        id: RuleId::new(1),
        sources: c
            .sources
            .iter()
            .map(|s| CatalogOutcomeId::new(i64::from(*s % 8)))
            .collect(),
        min_score: c.min_score.map(i64::from),
        max_age_years: c.max_age_years.map(i64::from),
        targets: c
            .targets
            .iter()
            .map(|t| CatalogOutcomeId::new(i64::from(*t % 8)))
            .collect(),
    };
    // Holding ids are unique in the bank: keep the first of each.
    let mut seen = std::collections::HashSet::new();
    let held: Vec<Held> = c
        .held
        .iter()
        .filter(|(id, ..)| seen.insert(*id))
        .map(|(id, catalog, stored, score, issued)| Held {
            holding_id: HoldingId::new(i64::from(*id)),
            catalog_id: catalog.map(|x| CatalogOutcomeId::new(i64::from(x % 8))),
            stored: *stored,
            score: score.map(i64::from),
            issued_on: issued.and_then(date),
        })
        .collect();
    let history = History {
        live_rules: c.live.iter().map(|r| RuleId::new(i64::from(r % 3))).collect(),
        consumed: c
            .consumed
            .iter()
            .map(|(r, h)| (RuleId::new(i64::from(r % 3)), HoldingId::new(i64::from(*h))))
            .collect(),
    };
    let Some(today) = date(c.today) else { return };
    let Some(m) = applicable(&rule, &held, &history, today) else {
        return;
    };
    assert!(!history.live_rules.contains(&rule.id), "no second live application");
    assert_eq!(m.holdings.len(), rule.sources.len(), "one holding per source");
    for (h, source) in m.holdings.iter().zip(&rule.sources) {
        let used = held
            .iter()
            .find(|x| x.holding_id == *h && x.catalog_id == Some(*source) && x.stored)
            .expect("a used holding is a stored holding of its source");
        assert!(!history.consumed.contains(&(rule.id, *h)), "never a consumed holding");
        if let Some(min) = rule.min_score {
            assert!(used.score.is_some_and(|s| s >= min), "never under the minimum score");
        }
    }
    for t in &m.new_targets {
        assert!(rule.targets.contains(t), "grants only the rule's targets");
    }
}

/// The spreadsheet reader on arbitrary bytes: the bomb check first, as every import
/// does, then at most 2 000 rows.
pub fn spreadsheet(data: &[u8]) {
    if app::sheet::check(std::io::Cursor::new(data)).is_ok() {
        let _ = app::sheet::read_all(data, 2_000);
    }
}

/// The certificate verifier on arbitrary bytes: a verdict, never a panic; a forged
/// file never verifies under a key it was not signed with.
pub fn certificate(data: &[u8]) {
    let key = certs::key_from_hex(&"11".repeat(32)).expect("a fixed key");
    assert!(
        certs::verify(data, &key.verifying_key()).is_err() || data.windows(4).any(|w| w == b"%PDF"),
        "only a PDF can verify"
    );
}
