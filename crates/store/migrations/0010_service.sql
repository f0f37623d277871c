-- Everyday service (L-09, L-14, L-15, I-06, I-11, I-12): messages for every role, the
-- learners' feedback on outcomes others created, avatars, and a session epoch per
-- account so that changing or resetting a password ends every other session.

-- An institution's message may concern one area of its space; a sub-user sees only
-- messages of the areas it was given (NULL: every user of the institution).
ALTER TABLE messages ADD COLUMN area TEXT;

ALTER TABLE learners ADD COLUMN session_epoch BIGINT NOT NULL DEFAULT 0;
ALTER TABLE learners ADD COLUMN avatar_file_id BIGINT REFERENCES files(id);
ALTER TABLE institution_users ADD COLUMN session_epoch BIGINT NOT NULL DEFAULT 0;
ALTER TABLE institution_users ADD COLUMN avatar_file_id BIGINT REFERENCES files(id);
ALTER TABLE staff_users ADD COLUMN session_epoch BIGINT NOT NULL DEFAULT 0;

-- 问题反馈: a learner reports a mistake in an outcome an institution or the bank created.
-- Exactly one of institution_id (the institution that created the outcome) and
-- department_id (the bank, for its own outcomes) answers it.
CREATE TABLE feedback (
    id {{ID}},
    learner_outcome_id BIGINT NOT NULL REFERENCES learner_outcomes(id),
    learner_id BIGINT NOT NULL REFERENCES learners(id),
    institution_id BIGINT REFERENCES institutions(id),
    department_id BIGINT REFERENCES departments(id),
    problem TEXT NOT NULL,
    content TEXT NOT NULL,
    file_id BIGINT REFERENCES files(id),
    status TEXT NOT NULL DEFAULT 'open',
    created_at BIGINT NOT NULL,
    decided_at BIGINT
);
CREATE INDEX feedback_learner ON feedback(learner_id, id);
CREATE INDEX feedback_institution ON feedback(institution_id, status, id);
CREATE INDEX feedback_department ON feedback(department_id, status, id);

-- The conversation of a feedback: the learner's additions and the answers.
CREATE TABLE feedback_replies (
    id {{ID}},
    feedback_id BIGINT NOT NULL REFERENCES feedback(id),
    author_role TEXT NOT NULL,
    author_name TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX feedback_replies_feedback ON feedback_replies(feedback_id, id);

-- @postgres
ALTER TABLE feedback ADD CONSTRAINT feedback_status_check CHECK (status IN ('open', 'resolved', 'rejected'));
ALTER TABLE feedback ADD CONSTRAINT feedback_problem_check CHECK (problem IN ('name', 'id_number', 'number', 'issued_on', 'photo'));
ALTER TABLE feedback ADD CONSTRAINT feedback_answerer_check CHECK ((institution_id IS NULL) <> (department_id IS NULL));
-- @end
-- @sqlite
CREATE TRIGGER feedback_check_insert BEFORE INSERT ON feedback
WHEN NEW.status NOT IN ('open', 'resolved', 'rejected')
  OR NEW.problem NOT IN ('name', 'id_number', 'number', 'issued_on', 'photo')
  OR (NEW.institution_id IS NULL) = (NEW.department_id IS NULL)
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: feedback'); END;
CREATE TRIGGER feedback_check_update BEFORE UPDATE OF status ON feedback
WHEN NEW.status NOT IN ('open', 'resolved', 'rejected')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: feedback.status'); END;
-- @end
