-- Verifiable credentials (Open Badges 3.0) issued to learners. The row id is the serial
-- that fixes the credential's bit in the revocation status lists, so ids are never reused
-- (AUTOINCREMENT / a sequence) and rows are never deleted: revoking sets revoked_at.
CREATE TABLE credentials (
    id {{ID}},
    number TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('outcome', 'grant')),
    learner_id BIGINT NOT NULL REFERENCES learners(id),
    holding_id BIGINT NOT NULL REFERENCES learner_outcomes(id),
    document TEXT NOT NULL,
    revoked_at BIGINT,
    revoked_reason TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX credentials_holding ON credentials(holding_id);
CREATE INDEX credentials_learner ON credentials(learner_id, id);
-- The bits of one list are the revoked ids of its range.
CREATE INDEX credentials_revoked ON credentials(id) WHERE revoked_at IS NOT NULL;
