-- Foundation: organisation tree, accounts, sessions, API tokens, login throttling, audit chain, job queue.
-- Written once for both engines; `ID_PK` and `BLOB` are replaced per engine by the migration runner.
-- Timestamps are BIGINT milliseconds since the Unix epoch (UTC); flags are BIGINT 0/1 (sqlx Any
-- cannot decode SQLite BOOLEAN columns, and one representation keeps both engines alike).

CREATE TABLE agencies (
    id ID_PK,
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    short_name TEXT,
    level TEXT NOT NULL,
    parent_id BIGINT REFERENCES agencies(id),
    path TEXT NOT NULL,
    active BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    CONSTRAINT agencies_code_key UNIQUE (code)
);
CREATE INDEX agencies_path_idx ON agencies (path);
CREATE INDEX agencies_parent_idx ON agencies (parent_id);

CREATE TABLE units (
    id ID_PK,
    agency_id BIGINT NOT NULL REFERENCES agencies(id),
    parent_unit_id BIGINT REFERENCES units(id),
    name TEXT NOT NULL,
    path TEXT NOT NULL,
    active BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX units_agency_idx ON units (agency_id, path);

CREATE TABLE users (
    id ID_PK,
    username TEXT NOT NULL,
    full_name TEXT NOT NULL,
    email TEXT,
    phone TEXT,
    agency_id BIGINT NOT NULL REFERENCES agencies(id),
    password_hash TEXT NOT NULL,
    active BIGINT NOT NULL,
    locale TEXT NOT NULL,
    must_change_password BIGINT NOT NULL,
    totp_secret TEXT,
    totp_enabled BIGINT NOT NULL,
    totp_last_step BIGINT,
    password_changed_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    CONSTRAINT users_username_key UNIQUE (username)
);
CREATE INDEX users_agency_idx ON users (agency_id);

CREATE TABLE positions (
    id ID_PK,
    user_id BIGINT NOT NULL REFERENCES users(id),
    agency_id BIGINT NOT NULL REFERENCES agencies(id),
    unit_id BIGINT REFERENCES units(id),
    position TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX positions_user_idx ON positions (user_id);
CREATE INDEX positions_unit_idx ON positions (unit_id);

CREATE TABLE role_grants (
    id ID_PK,
    user_id BIGINT NOT NULL REFERENCES users(id),
    role TEXT NOT NULL,
    agency_id BIGINT NOT NULL REFERENCES agencies(id),
    created_at BIGINT NOT NULL,
    CONSTRAINT role_grants_unique_key UNIQUE (user_id, role, agency_id)
);

CREATE TABLE role_policies (
    role TEXT PRIMARY KEY,
    require_totp BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE sessions (
    id ID_PK,
    token_hash TEXT NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users(id),
    csrf_token TEXT NOT NULL,
    stage TEXT NOT NULL,
    ip TEXT,
    user_agent TEXT,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    CONSTRAINT sessions_token_key UNIQUE (token_hash)
);
CREATE INDEX sessions_user_idx ON sessions (user_id);
CREATE INDEX sessions_expires_idx ON sessions (expires_at);

CREATE TABLE api_tokens (
    id ID_PK,
    user_id BIGINT NOT NULL REFERENCES users(id),
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL,
    prefix TEXT NOT NULL,
    scopes TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT,
    revoked_at BIGINT,
    last_used_at BIGINT,
    CONSTRAINT api_tokens_hash_key UNIQUE (token_hash)
);
CREATE INDEX api_tokens_user_idx ON api_tokens (user_id);

CREATE TABLE login_throttle (
    throttle_key TEXT PRIMARY KEY,
    failures BIGINT NOT NULL,
    window_start BIGINT NOT NULL,
    locked_until BIGINT NOT NULL
);

CREATE TABLE audit_log (
    id ID_PK,
    seq BIGINT NOT NULL,
    at_ms BIGINT NOT NULL,
    actor_user_id BIGINT,
    actor TEXT NOT NULL,
    ip TEXT,
    action TEXT NOT NULL,
    object_type TEXT NOT NULL,
    object_id TEXT,
    before_json TEXT,
    after_json TEXT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    CONSTRAINT audit_log_seq_key UNIQUE (seq)
);
CREATE INDEX audit_log_object_idx ON audit_log (object_type, object_id);

CREATE TABLE audit_head (
    id BIGINT PRIMARY KEY,
    last_seq BIGINT NOT NULL,
    last_hash TEXT NOT NULL
);
INSERT INTO audit_head (id, last_seq, last_hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TABLE jobs (
    id ID_PK,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    run_at BIGINT NOT NULL,
    attempts BIGINT NOT NULL,
    locked_until BIGINT NOT NULL,
    last_error TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX jobs_due_idx ON jobs (run_at);
