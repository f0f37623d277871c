-- Machine access (X-06): API keys of institutions and the answers kept for
-- `Idempotency-Key` retries. And every lifecycle column gets the states the domain
-- knows as a constraint: a CHECK on PostgreSQL; on SQLite, which cannot add a CHECK to
-- an existing table, triggers that refuse the same rows.

CREATE TABLE api_keys (
    id {{ID}},
    institution_id BIGINT NOT NULL REFERENCES institutions(id),
    name TEXT NOT NULL,
    -- The public part of the key (shown in lists and logs); the secret is only hashed.
    prefix TEXT NOT NULL UNIQUE,
    secret_sha256 TEXT NOT NULL,
    scopes TEXT NOT NULL,
    created_by BIGINT NOT NULL REFERENCES institution_users(id),
    created_at BIGINT NOT NULL,
    last_used_at BIGINT,
    revoked_at BIGINT
);
CREATE INDEX api_keys_institution ON api_keys(institution_id, id);

-- One row per (caller, Idempotency-Key) of a POST: the request's hash and, once
-- answered, the answer. A retry with the same key and body gets the same answer.
CREATE TABLE idempotency_keys (
    caller TEXT NOT NULL,
    key TEXT NOT NULL,
    request_sha256 TEXT NOT NULL,
    status BIGINT,
    body TEXT,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (caller, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys(created_at);

-- @postgres
ALTER TABLE institutions ADD CONSTRAINT institutions_status_check CHECK (status IN ('draft', 'pending', 'approved', 'rejected', 'disabled'));
ALTER TABLE learners ADD CONSTRAINT learners_status_check CHECK (status IN ('active', 'inactive'));
ALTER TABLE institution_outcomes ADD CONSTRAINT institution_outcomes_recognition_check CHECK (recognition IN ('unrecognised', 'recognising', 'recognised'));
ALTER TABLE learner_outcomes ADD CONSTRAINT learner_outcomes_status_check CHECK (status IN ('registered', 'submitted', 'stored', 'withdrawn'));
ALTER TABLE learner_outcomes ADD CONSTRAINT learner_outcomes_recognition_check CHECK (recognition IN ('none', 'applied', 'initial_passed', 'recognised', 'rejected'));
ALTER TABLE conversion_methods ADD CONSTRAINT conversion_methods_status_check CHECK (status IN ('draft', 'published', 'withdrawn'));
ALTER TABLE conversion_rules ADD CONSTRAINT conversion_rules_status_check CHECK (status IN ('draft', 'published', 'withdrawn', 'taken_down'));
ALTER TABLE conversion_applications ADD CONSTRAINT conversion_applications_status_check CHECK (status IN ('pending', 'initial_passed', 'passed', 'failed'));
ALTER TABLE jobs ADD CONSTRAINT jobs_status_check CHECK (status IN ('queued', 'running', 'done', 'failed'));
-- @end
-- @sqlite
CREATE TRIGGER institutions_status_check_insert BEFORE INSERT ON institutions
WHEN NEW.status NOT IN ('draft', 'pending', 'approved', 'rejected', 'disabled')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: institutions.status'); END;
CREATE TRIGGER institutions_status_check_update BEFORE UPDATE OF status ON institutions
WHEN NEW.status NOT IN ('draft', 'pending', 'approved', 'rejected', 'disabled')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: institutions.status'); END;
CREATE TRIGGER learners_status_check_insert BEFORE INSERT ON learners
WHEN NEW.status NOT IN ('active', 'inactive')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: learners.status'); END;
CREATE TRIGGER learners_status_check_update BEFORE UPDATE OF status ON learners
WHEN NEW.status NOT IN ('active', 'inactive')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: learners.status'); END;
CREATE TRIGGER institution_outcomes_recognition_check_insert BEFORE INSERT ON institution_outcomes
WHEN NEW.recognition NOT IN ('unrecognised', 'recognising', 'recognised')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: institution_outcomes.recognition'); END;
CREATE TRIGGER institution_outcomes_recognition_check_update BEFORE UPDATE OF recognition ON institution_outcomes
WHEN NEW.recognition NOT IN ('unrecognised', 'recognising', 'recognised')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: institution_outcomes.recognition'); END;
CREATE TRIGGER learner_outcomes_status_check_insert BEFORE INSERT ON learner_outcomes
WHEN NEW.status NOT IN ('registered', 'submitted', 'stored', 'withdrawn')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: learner_outcomes.status'); END;
CREATE TRIGGER learner_outcomes_status_check_update BEFORE UPDATE OF status ON learner_outcomes
WHEN NEW.status NOT IN ('registered', 'submitted', 'stored', 'withdrawn')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: learner_outcomes.status'); END;
CREATE TRIGGER learner_outcomes_recognition_check_insert BEFORE INSERT ON learner_outcomes
WHEN NEW.recognition NOT IN ('none', 'applied', 'initial_passed', 'recognised', 'rejected')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: learner_outcomes.recognition'); END;
CREATE TRIGGER learner_outcomes_recognition_check_update BEFORE UPDATE OF recognition ON learner_outcomes
WHEN NEW.recognition NOT IN ('none', 'applied', 'initial_passed', 'recognised', 'rejected')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: learner_outcomes.recognition'); END;
CREATE TRIGGER conversion_methods_status_check_insert BEFORE INSERT ON conversion_methods
WHEN NEW.status NOT IN ('draft', 'published', 'withdrawn')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: conversion_methods.status'); END;
CREATE TRIGGER conversion_methods_status_check_update BEFORE UPDATE OF status ON conversion_methods
WHEN NEW.status NOT IN ('draft', 'published', 'withdrawn')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: conversion_methods.status'); END;
CREATE TRIGGER conversion_rules_status_check_insert BEFORE INSERT ON conversion_rules
WHEN NEW.status NOT IN ('draft', 'published', 'withdrawn', 'taken_down')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: conversion_rules.status'); END;
CREATE TRIGGER conversion_rules_status_check_update BEFORE UPDATE OF status ON conversion_rules
WHEN NEW.status NOT IN ('draft', 'published', 'withdrawn', 'taken_down')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: conversion_rules.status'); END;
CREATE TRIGGER conversion_applications_status_check_insert BEFORE INSERT ON conversion_applications
WHEN NEW.status NOT IN ('pending', 'initial_passed', 'passed', 'failed')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: conversion_applications.status'); END;
CREATE TRIGGER conversion_applications_status_check_update BEFORE UPDATE OF status ON conversion_applications
WHEN NEW.status NOT IN ('pending', 'initial_passed', 'passed', 'failed')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: conversion_applications.status'); END;
CREATE TRIGGER jobs_status_check_insert BEFORE INSERT ON jobs
WHEN NEW.status NOT IN ('queued', 'running', 'done', 'failed')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: jobs.status'); END;
CREATE TRIGGER jobs_status_check_update BEFORE UPDATE OF status ON jobs
WHEN NEW.status NOT IN ('queued', 'running', 'done', 'failed')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: jobs.status'); END;
-- @end
