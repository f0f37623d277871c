-- The bank's management department imports learner accounts too (L-03): a job and an
-- import record belong to an institution or, for the bank's own imports, a department.
-- @postgres
ALTER TABLE jobs ALTER COLUMN institution_id DROP NOT NULL;
ALTER TABLE jobs ADD COLUMN department_id BIGINT REFERENCES departments(id);
ALTER TABLE imports ALTER COLUMN institution_id DROP NOT NULL;
ALTER TABLE imports ADD COLUMN department_id BIGINT REFERENCES departments(id);
-- @end
-- @sqlite
CREATE TABLE jobs_new (
    id {{ID}},
    kind TEXT NOT NULL,
    institution_id BIGINT REFERENCES institutions(id),
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
    updated_at BIGINT NOT NULL,
    department_id BIGINT REFERENCES departments(id)
);
INSERT INTO jobs_new (id, kind, institution_id, target_id, user_id, user_name, file_id, file_name, status, total, done,
    result, error, attempts, lease_until, created_at, updated_at)
    SELECT id, kind, institution_id, target_id, user_id, user_name, file_id, file_name, status, total, done,
    result, error, attempts, lease_until, created_at, updated_at FROM jobs;
DROP TABLE jobs;
ALTER TABLE jobs_new RENAME TO jobs;
CREATE INDEX jobs_status ON jobs(status, id);
CREATE TABLE imports_new (
    id {{ID}},
    institution_id BIGINT REFERENCES institutions(id),
    kind TEXT NOT NULL,
    subtype_id BIGINT REFERENCES outcome_subtypes(id),
    user_id BIGINT NOT NULL,
    user_name TEXT NOT NULL,
    file_name TEXT NOT NULL,
    original_file_id BIGINT NOT NULL REFERENCES files(id),
    rejected_file_id BIGINT REFERENCES files(id),
    imported BIGINT NOT NULL,
    rejected BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    department_id BIGINT REFERENCES departments(id)
);
INSERT INTO imports_new (id, institution_id, kind, subtype_id, user_id, user_name, file_name, original_file_id,
    rejected_file_id, imported, rejected, created_at)
    SELECT id, institution_id, kind, subtype_id, user_id, user_name, file_name, original_file_id,
    rejected_file_id, imported, rejected, created_at FROM imports;
DROP TABLE imports;
ALTER TABLE imports_new RENAME TO imports;
CREATE INDEX imports_institution ON imports(institution_id, created_at);
-- @end
CREATE INDEX imports_department ON imports(department_id, created_at);
