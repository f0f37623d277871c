-- Background jobs (imports): claimed with a lease, so a job whose worker died is picked
-- up again when the lease runs out; its rows and its record commit with its completion.
CREATE TABLE jobs (
    id {{ID}},
    kind TEXT NOT NULL,
    institution_id BIGINT NOT NULL REFERENCES institutions(id),
    -- what the import fills: a subtype (catalog), a catalog outcome (holdings), or none.
    target_id BIGINT,
    user_id BIGINT NOT NULL,
    user_name TEXT NOT NULL,
    file_id BIGINT NOT NULL REFERENCES files(id),
    file_name TEXT NOT NULL,
    status TEXT NOT NULL,
    total BIGINT NOT NULL DEFAULT 0,
    done BIGINT NOT NULL DEFAULT 0,
    result TEXT,
    error TEXT,
    attempts BIGINT NOT NULL DEFAULT 0,
    lease_until BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX jobs_status ON jobs(status, id);
