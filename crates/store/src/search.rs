//! Substring search on names at millions of rows (issue 14): a query of two characters or
//! more is narrowed through an index of the names' bigrams — every bigram of the query
//! must be among the row's — and confirmed with LIKE (which also keeps the bigrams in
//! order and adjacent). On SQLite the bigrams are tables kept by triggers (0021, like the
//! catalog's in 0018), lower-cased as SQLite's LIKE folds ASCII case; on PostgreSQL a GIN
//! index over `search_bigrams(name)`. A one-character query scans.

use crate::db::{Backend, Db, Where};

/// A table's name index: the SQLite bigram table and its row column.
pub struct NameIndex {
    grams: &'static str,
    row: &'static str,
}

pub const LEARNERS: NameIndex = NameIndex {
    grams: "learner_name_grams",
    row: "learner_id",
};
pub const RULES: NameIndex = NameIndex {
    grams: "rule_name_grams",
    row: "rule_id",
};
pub const INSTITUTIONS: NameIndex = NameIndex {
    grams: "institution_name_grams",
    row: "institution_id",
};

/// The distinct bigrams of `q` (`数学课` → `数学`, `学课`).
pub fn bigrams(q: &str) -> Vec<String> {
    let chars: Vec<char> = q.chars().collect();
    let mut out: Vec<String> = chars.windows(2).map(|w| w.iter().collect()).collect();
    out.sort();
    out.dedup();
    out
}

/// The query as names are stored: trimmed, full-width letters, digits and punctuation
/// made half-width.
pub fn normalize(q: &str) -> String {
    domain::normalize::half_width(q.trim())
}

/// `name` (a column of the row whose id is `id`) contains `q`.
pub fn name_contains(db: &Db, w: &mut Where, index: &NameIndex, id: &str, name: &str, q: &str) {
    let q = normalize(q);
    let grams = bigrams(&q);
    if !grams.is_empty() {
        match db.backend {
            Backend::Sqlite => {
                let lowered: Vec<String> = grams.iter().map(|g| g.to_lowercase()).collect();
                let marks = w.bind_texts(&lowered);
                let each: Vec<String> = marks
                    .iter()
                    .map(|m| format!("SELECT {} FROM {} WHERE gram = {m}", index.row, index.grams))
                    .collect();
                w.raw(&format!("{id} IN ({})", each.join(" INTERSECT ")));
            }
            Backend::Postgres => {
                let marks: Vec<String> = w
                    .bind_texts(&grams)
                    .into_iter()
                    .map(|m| format!("CAST({m} AS TEXT)"))
                    .collect();
                w.raw(&format!("search_bigrams({name}) @> ARRAY[{}]", marks.join(", ")));
            }
        }
    }
    w.text(&format!("{name} LIKE ? ESCAPE '\\'"), crate::like_pattern(&q));
}

/// `name` contains `q`, or `code` does. Codes (ID numbers, school codes, rule codes) are
/// ASCII: a query with any other character can only be a name, and takes the index.
pub fn name_or_code(db: &Db, w: &mut Where, index: &NameIndex, id: &str, name: &str, code: &str, q: &str) {
    let q = normalize(q);
    if q.is_ascii() {
        // Codes are kept upper-case (an ID number's X, a credit code's letters).
        let marks = w.bind_texts(&[crate::like_pattern(&q), crate::like_pattern(&q.to_ascii_uppercase())]);
        w.raw(&format!(
            "({name} LIKE {} ESCAPE '\\' OR {code} LIKE {} ESCAPE '\\')",
            marks[0], marks[1]
        ));
    } else {
        name_contains(db, w, index, id, name, &q);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn bigrams_of_queries() {
        assert_eq!(super::bigrams("数学课"), ["学课", "数学"]);
        assert_eq!(super::bigrams("张"), Vec::<String>::new());
        assert_eq!(super::bigrams("哈哈哈"), ["哈哈"]);
        assert_eq!(super::bigrams("𠮷田"), ["𠮷田"]);
        assert_eq!(super::normalize(" ＡＢＣ１２ "), "ABC12");
    }
}
