-- Whether the request of an Idempotency-Key committed a change (set in the change's own
-- transaction): such a key is never forgotten, even when its answer was lost, so that a
-- retry cannot run the change twice.
ALTER TABLE idempotency_keys ADD COLUMN committed BIGINT NOT NULL DEFAULT 0;
