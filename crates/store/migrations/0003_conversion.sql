-- Conversion: methods (转换办法), rules (转换规则) with their sources and targets,
-- applications with every review opinion, and issued certificates.

CREATE TABLE conversion_methods (
    id {{ID}},
    institution_id BIGINT NOT NULL REFERENCES institutions(id),
    title TEXT NOT NULL,
    file_id BIGINT NOT NULL REFERENCES files(id),
    status TEXT NOT NULL,
    published_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX conversion_methods_one_published ON conversion_methods(institution_id) WHERE status = 'published';

-- 信息发布安全承诺书, accepted once per institution.
CREATE TABLE publication_pledges (
    institution_id BIGINT PRIMARY KEY REFERENCES institutions(id),
    accepted_by BIGINT NOT NULL,
    accepted_at BIGINT NOT NULL
);

-- Per-day counters for rule codes YYYYMMDD + 4 digits.
CREATE TABLE rule_code_counters (
    day TEXT PRIMARY KEY,
    last BIGINT NOT NULL
);

CREATE TABLE conversion_rules (
    id {{ID}},
    code TEXT NOT NULL UNIQUE,
    institution_id BIGINT NOT NULL REFERENCES institutions(id),
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    ratio TEXT NOT NULL,
    explanation TEXT NOT NULL,
    file_id BIGINT REFERENCES files(id),
    min_score BIGINT,
    max_age_years BIGINT,
    status TEXT NOT NULL,
    taken_down_reason TEXT,
    published_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX conversion_rules_institution ON conversion_rules(institution_id, status);
CREATE INDEX conversion_rules_status ON conversion_rules(status, published_at);

CREATE TABLE rule_sources (
    rule_id BIGINT NOT NULL REFERENCES conversion_rules(id) ON DELETE CASCADE,
    institution_outcome_id BIGINT NOT NULL REFERENCES institution_outcomes(id),
    PRIMARY KEY (rule_id, institution_outcome_id)
);
CREATE INDEX rule_sources_outcome ON rule_sources(institution_outcome_id);

-- What a rule grants: the publisher's catalog outcomes; `credits` and `note` describe an
-- exempted module of a certificate target (免考模块) when given.
CREATE TABLE rule_targets (
    rule_id BIGINT NOT NULL REFERENCES conversion_rules(id) ON DELETE CASCADE,
    institution_outcome_id BIGINT NOT NULL REFERENCES institution_outcomes(id),
    credits BIGINT,
    note TEXT,
    PRIMARY KEY (rule_id, institution_outcome_id)
);

CREATE TABLE conversion_applications (
    id {{ID}},
    rule_id BIGINT NOT NULL REFERENCES conversion_rules(id),
    learner_id BIGINT NOT NULL REFERENCES learners(id),
    initiator TEXT NOT NULL,
    initiator_institution_id BIGINT REFERENCES institutions(id),
    batch TEXT,
    status TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    decided_at BIGINT
);
CREATE INDEX conversion_applications_learner ON conversion_applications(learner_id, status);
CREATE INDEX conversion_applications_rule ON conversion_applications(rule_id, status);
CREATE UNIQUE INDEX conversion_applications_live ON conversion_applications(rule_id, learner_id)
    WHERE status IN ('pending', 'initial_passed', 'passed');

CREATE TABLE application_sources (
    application_id BIGINT NOT NULL REFERENCES conversion_applications(id) ON DELETE CASCADE,
    learner_outcome_id BIGINT NOT NULL REFERENCES learner_outcomes(id),
    PRIMARY KEY (application_id, learner_outcome_id)
);
CREATE INDEX application_sources_outcome ON application_sources(learner_outcome_id);

CREATE TABLE application_reviews (
    id {{ID}},
    application_id BIGINT NOT NULL REFERENCES conversion_applications(id) ON DELETE CASCADE,
    stage TEXT NOT NULL,
    decision TEXT NOT NULL,
    opinion TEXT,
    reviewer_role TEXT,
    reviewer_id BIGINT,
    reviewer_name TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX application_reviews_application ON application_reviews(application_id);

-- Holdings granted by a conversion point back to it.
ALTER TABLE learner_outcomes ADD COLUMN granted_by_application BIGINT REFERENCES conversion_applications(id);
