//! The conversion-rule matcher: which published rules a learner's stored outcomes meet,
//! with which holdings, and what they would newly grant. Pure, so it can be checked
//! by property tests: it never offers what was not earned and never grants twice.

use chrono::{Datelike, NaiveDate};

use crate::ids::{CatalogOutcomeId, HoldingId, RuleId};

/// A rule as the matcher needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleSpec {
    pub id: RuleId,
    /// Catalog outcomes the learner must hold, stored.
    pub sources: Vec<CatalogOutcomeId>,
    /// Minimum score (hundredths) each source holding must have, when set.
    pub min_score: Option<i64>,
    /// Maximum age in years of each source holding (by its issue date), when set.
    pub max_age_years: Option<i64>,
    /// Catalog outcomes the rule grants.
    pub targets: Vec<CatalogOutcomeId>,
}

/// One of the learner's outcomes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Held {
    pub holding_id: HoldingId,
    pub catalog_id: Option<CatalogOutcomeId>,
    pub stored: bool,
    pub score: Option<i64>,
    pub issued_on: Option<NaiveDate>,
}

/// An applicable rule: the holdings it would use (one per source, in source order) and
/// the targets the learner does not hold yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Match {
    pub rule_id: RuleId,
    pub holdings: Vec<HoldingId>,
    pub new_targets: Vec<CatalogOutcomeId>,
}

/// What the learner already has that bears on matching.
#[derive(Debug, Clone, Default)]
pub struct History {
    /// Rules with a live (pending, in review, or passed) application.
    pub live_rules: Vec<RuleId>,
    /// (rule, holding) pairs consumed by a successful conversion.
    pub consumed: Vec<(RuleId, HoldingId)>,
}

fn within_age(issued: NaiveDate, max_years: i64, today: NaiveDate) -> bool {
    let years = i64::from(today.year() - issued.year())
        - i64::from((today.month(), today.day()) < (issued.month(), issued.day()));
    issued <= today && years < max_years
}

fn qualifies(h: &Held, rule: &RuleSpec, source: CatalogOutcomeId, history: &History, today: NaiveDate) -> bool {
    h.stored
        && h.catalog_id == Some(source)
        && !history.consumed.contains(&(rule.id, h.holding_id))
        && rule.min_score.is_none_or(|min| h.score.is_some_and(|s| s >= min))
        && rule
            .max_age_years
            .is_none_or(|max| h.issued_on.is_some_and(|d| within_age(d, max, today)))
}

/// Whether `rule` applies to a learner holding `held`, and how.
pub fn applicable(rule: &RuleSpec, held: &[Held], history: &History, today: NaiveDate) -> Option<Match> {
    if rule.sources.is_empty() || history.live_rules.contains(&rule.id) {
        return None;
    }
    let mut holdings = Vec::with_capacity(rule.sources.len());
    for source in &rule.sources {
        let h = held
            .iter()
            .find(|h| !holdings.contains(&h.holding_id) && qualifies(h, rule, *source, history, today))?;
        holdings.push(h.holding_id);
    }
    let owned: Vec<CatalogOutcomeId> = held.iter().filter_map(|h| h.catalog_id).collect();
    let new_targets: Vec<CatalogOutcomeId> = rule.targets.iter().copied().filter(|t| !owned.contains(t)).collect();
    if new_targets.is_empty() {
        return None;
    }
    Some(Match {
        rule_id: rule.id,
        holdings,
        new_targets,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn cats(ids: &[i64]) -> Vec<CatalogOutcomeId> {
        ids.iter().copied().map(CatalogOutcomeId::new).collect()
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    fn held(id: i64, catalog: i64, stored: bool, score: Option<i64>, issued: NaiveDate) -> Held {
        Held {
            holding_id: HoldingId::new(id),
            catalog_id: Some(CatalogOutcomeId::new(catalog)),
            stored,
            score,
            issued_on: Some(issued),
        }
    }

    #[test]
    fn examples() {
        let today = day(2026, 11, 26);
        let rule = RuleSpec {
            id: RuleId::new(1),
            sources: cats(&[10, 11]),
            min_score: Some(6000),
            max_age_years: Some(5),
            targets: cats(&[20, 21]),
        };
        let mine = vec![
            held(1, 10, true, Some(8000), day(2024, 1, 1)),
            held(2, 11, true, Some(7000), day(2023, 6, 1)),
        ];
        let m = applicable(&rule, &mine, &History::default(), today);
        assert_eq!(
            m,
            Some(Match {
                rule_id: RuleId::new(1),
                holdings: vec![HoldingId::new(1), HoldingId::new(2)],
                new_targets: cats(&[20, 21])
            })
        );
        // Only registered, too low, too old, a source missing.
        let mut x = mine.clone();
        x[0].stored = false;
        assert_eq!(applicable(&rule, &x, &History::default(), today), None);
        let mut x = mine.clone();
        x[1].score = Some(5999);
        assert_eq!(applicable(&rule, &x, &History::default(), today), None);
        let mut x = mine.clone();
        x[1].issued_on = Some(day(2021, 11, 26));
        assert_eq!(applicable(&rule, &x, &History::default(), today), None);
        assert_eq!(applicable(&rule, &mine[..1], &History::default(), today), None);
        // Already applied; a target already held is not granted again.
        let h = History {
            live_rules: vec![RuleId::new(1)],
            consumed: vec![],
        };
        assert_eq!(applicable(&rule, &mine, &h, today), None);
        let mut x = mine.clone();
        x.push(held(3, 20, true, None, day(2020, 1, 1)));
        assert_eq!(
            applicable(&rule, &x, &History::default(), today).map(|m| m.new_targets),
            Some(cats(&[21]))
        );
        x.push(held(4, 21, true, None, day(2020, 1, 1)));
        assert_eq!(applicable(&rule, &x, &History::default(), today), None);
    }

    fn arb_held() -> impl Strategy<Value = Vec<Held>> {
        prop::collection::vec(
            (1i64..6, any::<bool>(), prop::option::of(0i64..10_000), 0i64..4000),
            0..8,
        )
        .prop_map(|v| {
            v.into_iter()
                .enumerate()
                .map(|(i, (cat, stored, score, days))| Held {
                    holding_id: HoldingId::new(i as i64 + 1),
                    catalog_id: Some(CatalogOutcomeId::new(cat)),
                    stored,
                    score,
                    issued_on: Some(day(2015, 1, 1) + chrono::Duration::days(days)),
                })
                .collect()
        })
    }

    proptest! {
        #[test]
        fn never_grants_what_was_not_earned(
            held in arb_held(),
            sources in prop::collection::vec(1i64..6, 1..3),
            targets in prop::collection::vec(1i64..9, 1..3),
            min in prop::option::of(0i64..10_000),
            age in prop::option::of(1i64..8),
            live in any::<bool>(),
            consumed in prop::collection::vec((Just(7i64), 1i64..9), 0..3),
        ) {
            let today = day(2026, 11, 26);
            let (sources, targets) = (cats(&sources), cats(&targets));
            let consumed: Vec<(RuleId, HoldingId)> = consumed.iter().map(|&(r, h)| (RuleId::new(r), HoldingId::new(h))).collect();
            let rule = RuleSpec { id: RuleId::new(7), sources: sources.clone(), min_score: min, max_age_years: age, targets: targets.clone() };
            let history = History { live_rules: if live { vec![RuleId::new(7)] } else { vec![] }, consumed: consumed.clone() };
            if let Some(m) = applicable(&rule, &held, &history, today) {
                prop_assert!(!live, "a rule with a live application is never offered again");
                prop_assert_eq!(m.holdings.len(), sources.len());
                let mut seen = Vec::new();
                for (hid, src) in m.holdings.iter().zip(&sources) {
                    let h = held.iter().find(|h| h.holding_id == *hid);
                    prop_assert!(h.is_some());
                    let h = h.cloned().unwrap_or(Held { holding_id: HoldingId::new(0), catalog_id: None, stored: false, score: None, issued_on: None });
                    prop_assert!(h.stored, "only stored outcomes count");
                    prop_assert_eq!(h.catalog_id, Some(*src));
                    prop_assert!(!consumed.contains(&(RuleId::new(7), *hid)), "a consumed outcome is not used again for the rule");
                    prop_assert!(!seen.contains(hid), "one holding per source");
                    seen.push(*hid);
                    if let Some(min) = min { prop_assert!(h.score.is_some_and(|s| s >= min)); }
                }
                for t in &m.new_targets {
                    prop_assert!(targets.contains(t));
                    prop_assert!(!held.iter().any(|h| h.catalog_id == Some(*t)), "a held target is never granted twice");
                }
                prop_assert!(!m.new_targets.is_empty());
            }
        }
    }
}
