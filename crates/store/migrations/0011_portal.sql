-- The public portal (P-01, P-04) and the qualifications framework (M-02): news and the
-- pages the bank's management centre edits, questions answered online, framework levels
-- with their descriptors, industry standards, and the level of a catalog outcome.

-- 工作动态. The body is kept as typed and as sanitised HTML rendered from it.
CREATE TABLE news (
    id {{ID}},
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    body_html TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'draft',
    author_id BIGINT NOT NULL REFERENCES staff_users(id),
    published_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX news_published ON news(status, published_at);

-- 业务介绍 and 关于我们.
CREATE TABLE portal_pages (
    slug TEXT PRIMARY KEY,
    body TEXT NOT NULL,
    body_html TEXT NOT NULL,
    updated_by BIGINT REFERENCES staff_users(id),
    updated_at BIGINT NOT NULL
);

-- 在线解答: a signed-in user asks; the bank answers, publicly or to the asker alone.
CREATE TABLE questions (
    id {{ID}},
    asker_role TEXT NOT NULL,
    asker_id BIGINT NOT NULL,
    asker_name TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    answer TEXT,
    answered_by BIGINT REFERENCES staff_users(id),
    status TEXT NOT NULL DEFAULT 'open',
    created_at BIGINT NOT NULL,
    answered_at BIGINT
);
CREATE INDEX questions_status ON questions(status, id);
CREATE INDEX questions_asker ON questions(asker_role, asker_id, id);

-- 资历框架等级标准: a level and its descriptors of knowledge, skills and competence.
CREATE TABLE framework_levels (
    id {{ID}},
    level BIGINT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    knowledge TEXT NOT NULL,
    skills TEXT NOT NULL,
    competence TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- 行业标准.
CREATE TABLE industry_standards (
    id {{ID}},
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    industry TEXT NOT NULL,
    level_id BIGINT REFERENCES framework_levels(id),
    file_id BIGINT REFERENCES files(id),
    created_at BIGINT NOT NULL
);
CREATE INDEX industry_standards_industry ON industry_standards(industry, id);

ALTER TABLE institution_outcomes ADD COLUMN framework_level_id BIGINT REFERENCES framework_levels(id);

-- @postgres
ALTER TABLE news ADD CONSTRAINT news_status_check CHECK (status IN ('draft', 'published', 'withdrawn'));
ALTER TABLE portal_pages ADD CONSTRAINT portal_pages_slug_check CHECK (slug IN ('business', 'about'));
ALTER TABLE questions ADD CONSTRAINT questions_status_check CHECK (status IN ('open', 'answered', 'published'));
ALTER TABLE framework_levels ADD CONSTRAINT framework_levels_level_check CHECK (level BETWEEN 1 AND 20);
-- @end
-- @sqlite
CREATE TRIGGER news_check_insert BEFORE INSERT ON news
WHEN NEW.status NOT IN ('draft', 'published', 'withdrawn')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: news.status'); END;
CREATE TRIGGER news_check_update BEFORE UPDATE OF status ON news
WHEN NEW.status NOT IN ('draft', 'published', 'withdrawn')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: news.status'); END;
CREATE TRIGGER portal_pages_check BEFORE INSERT ON portal_pages
WHEN NEW.slug NOT IN ('business', 'about')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: portal_pages.slug'); END;
CREATE TRIGGER questions_check_insert BEFORE INSERT ON questions
WHEN NEW.status NOT IN ('open', 'answered', 'published')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: questions.status'); END;
CREATE TRIGGER questions_check_update BEFORE UPDATE OF status ON questions
WHEN NEW.status NOT IN ('open', 'answered', 'published')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: questions.status'); END;
CREATE TRIGGER framework_levels_check BEFORE INSERT ON framework_levels
WHEN NEW.level NOT BETWEEN 1 AND 20
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: framework_levels.level'); END;
-- @end
