-- Learning outcomes: the taxonomy as data, institution (catalog) outcomes, learner
-- outcomes, evidence files, the credit ledger, recognition reviews and messages.
-- Lines between `-- @sqlite` / `-- @postgres` and `-- @end` apply to that backend only.

CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE outcome_types (
    id {{ID}},
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    category TEXT NOT NULL,
    sort BIGINT NOT NULL
);

CREATE TABLE outcome_subtypes (
    id {{ID}},
    type_id BIGINT NOT NULL REFERENCES outcome_types(id),
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    restricted BIGINT NOT NULL DEFAULT 0,
    synced BIGINT NOT NULL DEFAULT 0,
    sort BIGINT NOT NULL
);

CREATE TABLE subtype_fields (
    id {{ID}},
    subtype_id BIGINT NOT NULL REFERENCES outcome_subtypes(id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    label TEXT NOT NULL,
    kind TEXT NOT NULL,
    required BIGINT NOT NULL,
    options TEXT NOT NULL DEFAULT '',
    sort BIGINT NOT NULL,
    UNIQUE (subtype_id, key)
);

-- Restricted subtypes an institution may store (M-02).
CREATE TABLE subtype_authorisations (
    institution_id BIGINT NOT NULL REFERENCES institutions(id) ON DELETE CASCADE,
    subtype_id BIGINT NOT NULL REFERENCES outcome_subtypes(id),
    granted_by BIGINT,
    granted_at BIGINT NOT NULL,
    PRIMARY KEY (institution_id, subtype_id)
);

-- 机构成果: immutable once saved; `credits` in hundredths once recognised.
CREATE TABLE institution_outcomes (
    id {{ID}},
    institution_id BIGINT NOT NULL REFERENCES institutions(id),
    subtype_id BIGINT NOT NULL REFERENCES outcome_subtypes(id),
    name TEXT NOT NULL,
    fields TEXT NOT NULL,
    recognition TEXT NOT NULL DEFAULT 'unrecognised',
    credits BIGINT,
    recognised_at BIGINT,
    recognised_by BIGINT,
    created_by BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX institution_outcomes_institution ON institution_outcomes(institution_id, subtype_id);
CREATE INDEX institution_outcomes_subtype ON institution_outcomes(subtype_id, recognition);

-- 学员成果: one person's holding; keeps its own copy of the name and fields so that
-- deleting the catalog entry does not take the holding with it.
CREATE TABLE learner_outcomes (
    id {{ID}},
    learner_id BIGINT NOT NULL REFERENCES learners(id),
    institution_outcome_id BIGINT REFERENCES institution_outcomes(id) ON DELETE SET NULL,
    subtype_id BIGINT NOT NULL REFERENCES outcome_subtypes(id),
    name TEXT NOT NULL,
    issuer TEXT NOT NULL,
    issuer_institution_id BIGINT REFERENCES institutions(id),
    number TEXT,
    issued_on TEXT,
    score TEXT,
    fields TEXT NOT NULL,
    source TEXT NOT NULL,
    status TEXT NOT NULL,
    stored_by TEXT,
    stored_by_id BIGINT,
    stored_at BIGINT,
    recognition TEXT NOT NULL DEFAULT 'none',
    credits BIGINT,
    withdraw_reason TEXT,
    withdraw_file BIGINT,
    withdrawn_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX learner_outcomes_learner ON learner_outcomes(learner_id, status);
CREATE INDEX learner_outcomes_catalog ON learner_outcomes(institution_outcome_id);
CREATE INDEX learner_outcomes_issuer ON learner_outcomes(issuer_institution_id, created_at);
CREATE UNIQUE INDEX learner_outcomes_once ON learner_outcomes(learner_id, institution_outcome_id)
    WHERE institution_outcome_id IS NOT NULL AND status <> 'withdrawn';

CREATE TABLE files (
    id {{ID}},
    storage_key TEXT NOT NULL UNIQUE,
    sha256 TEXT NOT NULL,
    size BIGINT NOT NULL,
    mime TEXT NOT NULL,
    original_name TEXT NOT NULL,
    uploaded_by_role TEXT,
    uploaded_by BIGINT,
    created_at BIGINT NOT NULL
);

CREATE TABLE outcome_files (
    learner_outcome_id BIGINT NOT NULL REFERENCES learner_outcomes(id) ON DELETE CASCADE,
    file_id BIGINT NOT NULL REFERENCES files(id),
    PRIMARY KEY (learner_outcome_id, file_id)
);

-- Append-only: balances are sums. `amount` in hundredths of a credit.
CREATE TABLE credit_ledger (
    id {{ID}},
    learner_id BIGINT NOT NULL REFERENCES learners(id),
    amount BIGINT NOT NULL,
    reason TEXT NOT NULL,
    learner_outcome_id BIGINT REFERENCES learner_outcomes(id),
    actor_role TEXT,
    actor_id BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX credit_ledger_learner ON credit_ledger(learner_id);

-- Every step of a recognition application (apply, initial review, final review).
CREATE TABLE recognition_reviews (
    id {{ID}},
    learner_outcome_id BIGINT NOT NULL REFERENCES learner_outcomes(id) ON DELETE CASCADE,
    stage TEXT NOT NULL,
    decision TEXT NOT NULL,
    opinion TEXT,
    reviewer_role TEXT,
    reviewer_id BIGINT,
    reviewer_name TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX recognition_reviews_outcome ON recognition_reviews(learner_outcome_id);

CREATE TABLE messages (
    id {{ID}},
    recipient_role TEXT NOT NULL,
    recipient_id BIGINT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    link TEXT,
    read_at BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX messages_recipient ON messages(recipient_role, recipient_id, read_at);

-- Chinese substring search of catalog names: trigram indexes on both backends.
-- @sqlite
CREATE VIRTUAL TABLE institution_outcomes_fts USING fts5(name, content='institution_outcomes', content_rowid='id', tokenize='trigram');
CREATE TRIGGER institution_outcomes_fts_insert AFTER INSERT ON institution_outcomes BEGIN
    INSERT INTO institution_outcomes_fts(rowid, name) VALUES (new.id, new.name);
END;
CREATE TRIGGER institution_outcomes_fts_delete AFTER DELETE ON institution_outcomes BEGIN
    INSERT INTO institution_outcomes_fts(institution_outcomes_fts, rowid, name) VALUES ('delete', old.id, old.name);
END;
-- @postgres
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX institution_outcomes_name_trgm ON institution_outcomes USING gin (name gin_trgm_ops);
-- @end
