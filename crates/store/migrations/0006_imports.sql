-- Import records (导入记录): who imported which file, how many rows went in and how many
-- were rejected, with the original file and a file of the rejected rows and reasons.
CREATE TABLE imports (
    id {{ID}},
    institution_id BIGINT NOT NULL REFERENCES institutions(id),
    kind TEXT NOT NULL,
    subtype_id BIGINT REFERENCES outcome_subtypes(id),
    user_id BIGINT NOT NULL,
    user_name TEXT NOT NULL,
    file_name TEXT NOT NULL,
    original_file_id BIGINT NOT NULL REFERENCES files(id),
    rejected_file_id BIGINT REFERENCES files(id),
    imported BIGINT NOT NULL,
    rejected BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX imports_institution ON imports(institution_id, created_at);
