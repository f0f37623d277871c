-- Who runs a job: the background workers ('worker'), or the `creditbank import` command
-- that queued it ('command'), which no worker picks up: the job of a command killed before
-- it finished is cancelled by the next command (nothing of it was stored), never re-run
-- into the records behind the operator's back.
ALTER TABLE jobs ADD COLUMN runner TEXT NOT NULL DEFAULT 'worker';
