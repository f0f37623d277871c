-- Learner accounts as each bank keeps them (L-01, L-02, L-03, M-01): Guangdong's user
-- name and personal facts, OUCN's e-mail confirmation and the bank's review of new
-- accounts.

ALTER TABLE learners ADD COLUMN username TEXT;
ALTER TABLE learners ADD COLUMN nationality TEXT;
ALTER TABLE learners ADD COLUMN ethnicity TEXT;
ALTER TABLE learners ADD COLUMN gender TEXT;
ALTER TABLE learners ADD COLUMN birth_date TEXT;
ALTER TABLE learners ADD COLUMN address TEXT;
-- When the account entered the bank's review, and when the review passed it.
ALTER TABLE learners ADD COLUMN submitted_at BIGINT;
ALTER TABLE learners ADD COLUMN reviewed_at BIGINT;
CREATE UNIQUE INDEX learners_username ON learners(username);
CREATE UNIQUE INDEX learners_email ON learners(email);
CREATE INDEX learners_review ON learners(status, submitted_at);

-- A link sent by e-mail to confirm an address: only its hash is kept; used once.
CREATE TABLE email_confirmations (
    token_hash TEXT PRIMARY KEY,
    learner_id BIGINT NOT NULL REFERENCES learners(id),
    email TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX email_confirmations_learner ON email_confirmations(learner_id, created_at);

-- 'unconfirmed': the e-mail is not confirmed yet; 'review': waiting for the bank.
-- @postgres
ALTER TABLE learners DROP CONSTRAINT learners_status_check;
ALTER TABLE learners ADD CONSTRAINT learners_status_check CHECK (status IN ('active', 'inactive', 'unconfirmed', 'review'));
-- @end
-- @sqlite
DROP TRIGGER learners_status_check_insert;
DROP TRIGGER learners_status_check_update;
CREATE TRIGGER learners_status_check_insert BEFORE INSERT ON learners
WHEN NEW.status NOT IN ('active', 'inactive', 'unconfirmed', 'review')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: learners.status'); END;
CREATE TRIGGER learners_status_check_update BEFORE UPDATE OF status ON learners
WHEN NEW.status NOT IN ('active', 'inactive', 'unconfirmed', 'review')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: learners.status'); END;
-- @end
