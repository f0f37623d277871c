-- X证书 synchronisation (I-03, NCB): each run of the certificate feed, what it did, and
-- the records it refused with their reasons. At most one run of a source at a time.
CREATE TABLE sync_runs (
    id {{ID}},
    source TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'running',
    trigger TEXT NOT NULL,
    cursor_from TEXT,
    cursor_to TEXT,
    fetched BIGINT NOT NULL DEFAULT 0,
    stored BIGINT NOT NULL DEFAULT 0,
    updated BIGINT NOT NULL DEFAULT 0,
    revoked BIGINT NOT NULL DEFAULT 0,
    rejected BIGINT NOT NULL DEFAULT 0,
    error TEXT,
    started_at BIGINT NOT NULL,
    finished_at BIGINT
);
CREATE UNIQUE INDEX sync_runs_one_running ON sync_runs(source) WHERE status = 'running';
CREATE INDEX sync_runs_source ON sync_runs(source, id);

CREATE TABLE sync_rejections (
    id {{ID}},
    run_id BIGINT NOT NULL REFERENCES sync_runs(id),
    record_no TEXT NOT NULL,
    reason TEXT NOT NULL
);
CREATE INDEX sync_rejections_run ON sync_rejections(run_id, id);

CREATE INDEX learner_outcomes_source_number ON learner_outcomes(source, number);

-- @postgres
ALTER TABLE sync_runs ADD CONSTRAINT sync_runs_status_check CHECK (status IN ('running', 'done', 'failed'));
-- @end
-- @sqlite
CREATE TRIGGER sync_runs_check_insert BEFORE INSERT ON sync_runs
WHEN NEW.status NOT IN ('running', 'done', 'failed')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: sync_runs.status'); END;
CREATE TRIGGER sync_runs_check_update BEFORE UPDATE OF status ON sync_runs
WHEN NEW.status NOT IN ('running', 'done', 'failed')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: sync_runs.status'); END;
-- @end
