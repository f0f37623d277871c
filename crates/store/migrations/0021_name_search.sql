-- Substring search on the names of learners, conversion rules and institutions at
-- millions of rows (store::search): bigram indexes like the catalog's (0018) — tables kept
-- by triggers on SQLite, GIN over search_bigrams() on PostgreSQL.
-- @sqlite
CREATE TABLE learner_name_grams (
    gram TEXT NOT NULL,
    learner_id INTEGER NOT NULL,
    PRIMARY KEY (gram, learner_id)
) WITHOUT ROWID;
CREATE INDEX learner_name_grams_row ON learner_name_grams(learner_id);
INSERT OR IGNORE INTO learner_name_grams
    SELECT lower(substr(x.name, p.i, 2)), x.id FROM learners x JOIN search_positions p ON p.i < length(x.name);
CREATE TRIGGER learner_name_grams_insert AFTER INSERT ON learners BEGIN
    INSERT OR IGNORE INTO learner_name_grams
        SELECT lower(substr(new.name, i, 2)), new.id FROM search_positions WHERE i < length(new.name);
END;
CREATE TRIGGER learner_name_grams_update AFTER UPDATE OF name ON learners BEGIN
    DELETE FROM learner_name_grams WHERE learner_id = old.id;
    INSERT OR IGNORE INTO learner_name_grams
        SELECT lower(substr(new.name, i, 2)), new.id FROM search_positions WHERE i < length(new.name);
END;
CREATE TRIGGER learner_name_grams_delete AFTER DELETE ON learners BEGIN
    DELETE FROM learner_name_grams WHERE learner_id = old.id;
END;
CREATE TABLE rule_name_grams (
    gram TEXT NOT NULL,
    rule_id INTEGER NOT NULL,
    PRIMARY KEY (gram, rule_id)
) WITHOUT ROWID;
CREATE INDEX rule_name_grams_row ON rule_name_grams(rule_id);
INSERT OR IGNORE INTO rule_name_grams
    SELECT lower(substr(x.name, p.i, 2)), x.id FROM conversion_rules x JOIN search_positions p ON p.i < length(x.name);
CREATE TRIGGER rule_name_grams_insert AFTER INSERT ON conversion_rules BEGIN
    INSERT OR IGNORE INTO rule_name_grams
        SELECT lower(substr(new.name, i, 2)), new.id FROM search_positions WHERE i < length(new.name);
END;
CREATE TRIGGER rule_name_grams_update AFTER UPDATE OF name ON conversion_rules BEGIN
    DELETE FROM rule_name_grams WHERE rule_id = old.id;
    INSERT OR IGNORE INTO rule_name_grams
        SELECT lower(substr(new.name, i, 2)), new.id FROM search_positions WHERE i < length(new.name);
END;
CREATE TRIGGER rule_name_grams_delete AFTER DELETE ON conversion_rules BEGIN
    DELETE FROM rule_name_grams WHERE rule_id = old.id;
END;
CREATE TABLE institution_name_grams (
    gram TEXT NOT NULL,
    institution_id INTEGER NOT NULL,
    PRIMARY KEY (gram, institution_id)
) WITHOUT ROWID;
CREATE INDEX institution_name_grams_row ON institution_name_grams(institution_id);
INSERT OR IGNORE INTO institution_name_grams
    SELECT lower(substr(x.name, p.i, 2)), x.id FROM institutions x JOIN search_positions p ON p.i < length(x.name);
CREATE TRIGGER institution_name_grams_insert AFTER INSERT ON institutions BEGIN
    INSERT OR IGNORE INTO institution_name_grams
        SELECT lower(substr(new.name, i, 2)), new.id FROM search_positions WHERE i < length(new.name);
END;
CREATE TRIGGER institution_name_grams_update AFTER UPDATE OF name ON institutions BEGIN
    DELETE FROM institution_name_grams WHERE institution_id = old.id;
    INSERT OR IGNORE INTO institution_name_grams
        SELECT lower(substr(new.name, i, 2)), new.id FROM search_positions WHERE i < length(new.name);
END;
CREATE TRIGGER institution_name_grams_delete AFTER DELETE ON institutions BEGIN
    DELETE FROM institution_name_grams WHERE institution_id = old.id;
END;
-- @postgres
CREATE INDEX learners_name_bigrams ON learners USING gin (search_bigrams(name));
CREATE INDEX conversion_rules_name_bigrams ON conversion_rules USING gin (search_bigrams(name));
CREATE INDEX institutions_name_bigrams ON institutions USING gin (search_bigrams(name));
-- @end
