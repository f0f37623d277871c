-- Two-character queries (数学, 会计: the commonest Chinese searches) have no trigram to
-- look up, so they scanned every catalog name. A bigram index answers them on both
-- backends: a table kept by triggers on SQLite (a positions table stands in for the
-- loop a trigger cannot write; grams lower-cased, as SQLite's LIKE folds ASCII case), a
-- GIN index over an immutable function on PostgreSQL (whose LIKE is case-sensitive).
-- @sqlite
CREATE TABLE search_positions (i INTEGER PRIMARY KEY);
WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 400)
INSERT INTO search_positions SELECT i FROM s;
CREATE TABLE institution_outcome_bigrams (
    gram TEXT NOT NULL,
    outcome_id INTEGER NOT NULL,
    PRIMARY KEY (gram, outcome_id)
) WITHOUT ROWID;
CREATE INDEX institution_outcome_bigrams_outcome ON institution_outcome_bigrams(outcome_id);
INSERT OR IGNORE INTO institution_outcome_bigrams
    SELECT lower(substr(o.name, p.i, 2)), o.id FROM institution_outcomes o JOIN search_positions p ON p.i < length(o.name);
CREATE TRIGGER institution_outcome_bigrams_insert AFTER INSERT ON institution_outcomes BEGIN
    INSERT OR IGNORE INTO institution_outcome_bigrams
        SELECT lower(substr(new.name, i, 2)), new.id FROM search_positions WHERE i < length(new.name);
END;
CREATE TRIGGER institution_outcome_bigrams_update AFTER UPDATE OF name ON institution_outcomes BEGIN
    DELETE FROM institution_outcome_bigrams WHERE outcome_id = old.id;
    INSERT OR IGNORE INTO institution_outcome_bigrams
        SELECT lower(substr(new.name, i, 2)), new.id FROM search_positions WHERE i < length(new.name);
END;
CREATE TRIGGER institution_outcome_bigrams_delete AFTER DELETE ON institution_outcomes BEGIN
    DELETE FROM institution_outcome_bigrams WHERE outcome_id = old.id;
END;
-- The trigram index missed renames (it had insert and delete triggers only).
CREATE TRIGGER institution_outcomes_fts_update AFTER UPDATE OF name ON institution_outcomes BEGIN
    INSERT INTO institution_outcomes_fts(institution_outcomes_fts, rowid, name) VALUES ('delete', old.id, old.name);
    INSERT INTO institution_outcomes_fts(rowid, name) VALUES (new.id, new.name);
END;
-- @postgres
CREATE FUNCTION search_bigrams(t TEXT) RETURNS TEXT[] LANGUAGE SQL IMMUTABLE PARALLEL SAFE AS
    'SELECT COALESCE(array_agg(DISTINCT substr(t, i, 2)), ''{}'') FROM generate_series(1, char_length(t) - 1) AS i';
CREATE INDEX institution_outcomes_name_bigrams ON institution_outcomes USING gin (search_bigrams(name));
-- @end
