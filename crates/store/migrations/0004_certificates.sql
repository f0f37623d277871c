-- Issued certificates: the signed PDF is a file; the facts are kept to verify online and
-- to tell whether the certificate still holds (a withdrawn outcome revokes it).
CREATE TABLE certificates (
    id {{ID}},
    number TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    learner_id BIGINT NOT NULL REFERENCES learners(id),
    application_id BIGINT REFERENCES conversion_applications(id),
    holding_ids TEXT NOT NULL,
    payload TEXT NOT NULL,
    file_id BIGINT NOT NULL REFERENCES files(id),
    created_at BIGINT NOT NULL
);
CREATE INDEX certificates_learner ON certificates(learner_id);
