-- 业绩类成果转换申请 (Guangdong): a learner asks to convert one informal outcome it
-- entered into a catalog outcome it picked, without a published rule. The target
-- institution checks the materials (初审), an expert decides (终审); a pass grants the
-- target as a 转换获取 outcome (granted_id).
CREATE TABLE performance_conversions (
    id {{ID}},
    learner_id BIGINT NOT NULL REFERENCES learners(id),
    source_id BIGINT NOT NULL REFERENCES learner_outcomes(id),
    target_id BIGINT NOT NULL REFERENCES institution_outcomes(id),
    target_institution_id BIGINT NOT NULL REFERENCES institutions(id),
    status TEXT NOT NULL CHECK (status IN ('pending', 'initial_passed', 'passed', 'failed')),
    granted_id BIGINT REFERENCES learner_outcomes(id),
    created_at BIGINT NOT NULL,
    decided_at BIGINT
);
CREATE INDEX performance_conversions_learner ON performance_conversions(learner_id, id);
CREATE INDEX performance_conversions_target ON performance_conversions(target_institution_id, status);
CREATE INDEX performance_conversions_status ON performance_conversions(status, id);
-- One live (or successful) request per source outcome; after a refusal it may ask again.
CREATE UNIQUE INDEX performance_conversions_live ON performance_conversions(source_id)
    WHERE status IN ('pending', 'initial_passed', 'passed');

CREATE TABLE performance_reviews (
    id {{ID}},
    conversion_id BIGINT NOT NULL REFERENCES performance_conversions(id) ON DELETE CASCADE,
    stage TEXT NOT NULL,
    decision TEXT NOT NULL,
    opinion TEXT,
    reviewer_role TEXT,
    reviewer_id BIGINT,
    reviewer_name TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX performance_reviews_conversion ON performance_reviews(conversion_id);
