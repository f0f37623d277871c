-- Accounts of the four roles, registration codes, sessions, outbox and audit.
-- `{{ID}}` becomes the auto-increment primary key of the backend. Times are unix
-- seconds (UTC); flags are 0/1 integers so both backends read them the same way.

CREATE TABLE departments (
    id {{ID}},
    name TEXT NOT NULL UNIQUE,
    parent_id BIGINT REFERENCES departments(id),
    created_at BIGINT NOT NULL
);

-- Known schools and organisations a registrant can pick from (院校目录).
CREATE TABLE institution_directory (
    code TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    department_id BIGINT NOT NULL REFERENCES departments(id)
);

CREATE TABLE staff_users (
    id {{ID}},
    role TEXT NOT NULL CHECK (role IN ('department', 'expert')),
    account TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    mobile TEXT,
    department_id BIGINT REFERENCES departments(id),
    committee TEXT,
    password_hash TEXT NOT NULL,
    must_change_password BIGINT NOT NULL DEFAULT 0,
    failed_attempts BIGINT NOT NULL DEFAULT 0,
    locked_until BIGINT,
    disabled BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);

CREATE TABLE institutions (
    id {{ID}},
    kind TEXT NOT NULL,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    department_id BIGINT NOT NULL REFERENCES departments(id),
    status TEXT NOT NULL,
    reject_reason TEXT,
    registrant_name TEXT,
    registrant_id_type TEXT,
    registrant_id_number TEXT,
    supervisor TEXT,
    uscc TEXT,
    school_type TEXT,
    legal_rep TEXT,
    contact_name TEXT,
    contact_mobile TEXT,
    contact_email TEXT,
    post_code TEXT,
    address TEXT,
    business_scope TEXT,
    intro TEXT,
    submitted_at BIGINT,
    reviewed_at BIGINT,
    reviewed_by BIGINT REFERENCES staff_users(id),
    created_at BIGINT NOT NULL
);
CREATE INDEX institutions_department ON institutions(department_id, status);

CREATE TABLE institution_users (
    id {{ID}},
    institution_id BIGINT NOT NULL REFERENCES institutions(id) ON DELETE CASCADE,
    account TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    mobile TEXT,
    is_primary BIGINT NOT NULL,
    areas TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    must_change_password BIGINT NOT NULL DEFAULT 0,
    failed_attempts BIGINT NOT NULL DEFAULT 0,
    locked_until BIGINT,
    disabled BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);
CREATE INDEX institution_users_institution ON institution_users(institution_id);
CREATE UNIQUE INDEX institution_users_primary_mobile ON institution_users(mobile) WHERE is_primary = 1;

CREATE TABLE learners (
    id {{ID}},
    name TEXT NOT NULL,
    id_type TEXT NOT NULL,
    id_number TEXT NOT NULL UNIQUE,
    mobile TEXT UNIQUE,
    email TEXT,
    password_hash TEXT NOT NULL,
    -- 'active' (已激活) or 'inactive' (未激活: pre-imported, must complete the account)
    status TEXT NOT NULL,
    card_no TEXT NOT NULL UNIQUE,
    id_valid_from TEXT,
    id_valid_to TEXT,
    created_by_institution BIGINT REFERENCES institutions(id),
    failed_attempts BIGINT NOT NULL DEFAULT 0,
    locked_until BIGINT,
    created_at BIGINT NOT NULL,
    activated_at BIGINT
);
CREATE INDEX learners_institution ON learners(created_by_institution);

CREATE TABLE sms_codes (
    id {{ID}},
    mobile TEXT NOT NULL,
    purpose TEXT NOT NULL,
    code_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    consumed BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX sms_codes_lookup ON sms_codes(mobile, purpose, created_at);

CREATE TABLE captchas (
    id TEXT PRIMARY KEY,
    answer TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);

CREATE TABLE outbox (
    id {{ID}},
    channel TEXT NOT NULL,
    recipient TEXT NOT NULL,
    subject TEXT,
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE audit_log (
    id {{ID}},
    at BIGINT NOT NULL,
    actor_role TEXT,
    actor_id BIGINT,
    actor_name TEXT,
    action TEXT NOT NULL,
    target TEXT,
    detail TEXT,
    ip TEXT
);
CREATE INDEX audit_log_at ON audit_log(at);

-- Server-side sessions; `id` is the SHA-256 of the cookie value.
CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    data TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);

-- Fixed-window counters (sign-in attempts per IP, SMS sends per IP).
CREATE TABLE rate_limits (
    key TEXT PRIMARY KEY,
    window_start BIGINT NOT NULL,
    hits BIGINT NOT NULL
);
