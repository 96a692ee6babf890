-- Foundation: regions, enterprises, providers, accounts, sessions, tokens, audit.
-- Timestamps are BIGINT milliseconds since the Unix epoch on both engines.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE regions (
    code        TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    parent_code TEXT REFERENCES regions(code),
    level       TEXT NOT NULL,
    is_demo     BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX regions_parent ON regions(parent_code, code);
INSERT INTO regions (code, name, parent_code, level) VALUES ('100000', '中华人民共和国', NULL, 'national');

CREATE TABLE enterprises (
    id            INTEGER PRIMARY KEY,
    uscc          TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    region_code   TEXT NOT NULL REFERENCES regions(code),
    industry_code TEXT NOT NULL,
    legal_rep     TEXT,
    contact_phone TEXT,
    is_demo       BOOLEAN NOT NULL DEFAULT FALSE,
    created_at    BIGINT NOT NULL,
    version       BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX enterprises_region ON enterprises(region_code, id);

CREATE TABLE providers (
    id          INTEGER PRIMARY KEY,
    uscc        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    region_code TEXT NOT NULL REFERENCES regions(code),
    kind        TEXT NOT NULL,
    is_demo     BOOLEAN NOT NULL DEFAULT FALSE,
    created_at  BIGINT NOT NULL,
    version     BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX providers_region ON providers(region_code, id);

CREATE TABLE users (
    id                   INTEGER PRIMARY KEY,
    username             TEXT NOT NULL UNIQUE,
    display_name         TEXT NOT NULL,
    password_hash        TEXT NOT NULL,
    role                 TEXT NOT NULL,
    region_code          TEXT NOT NULL REFERENCES regions(code),
    enterprise_id        BIGINT REFERENCES enterprises(id),
    provider_id          BIGINT REFERENCES providers(id),
    disabled             BOOLEAN NOT NULL DEFAULT FALSE,
    failed_logins        BIGINT NOT NULL DEFAULT 0,
    first_failed_at      BIGINT,
    locked_until         BIGINT,
    password_changed_at  BIGINT NOT NULL,
    is_demo              BOOLEAN NOT NULL DEFAULT FALSE,
    created_at           BIGINT NOT NULL,
    version              BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX users_region ON users(region_code, id);

CREATE TABLE sessions (
    id_hash      TEXT PRIMARY KEY,
    user_id      BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at   BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    user_id      BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    token_hash   TEXT NOT NULL UNIQUE,
    name         TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    revoked_at   BIGINT
);
CREATE INDEX api_tokens_user ON api_tokens(user_id);

-- The audit trail: append-only, each row chained to the previous by SM3.
CREATE TABLE audit_log (
    seq        BIGINT PRIMARY KEY,
    at_ms      BIGINT NOT NULL,
    user_id    BIGINT,
    username   TEXT NOT NULL,
    role       TEXT NOT NULL,
    region     TEXT NOT NULL,
    action     TEXT NOT NULL,
    object     TEXT NOT NULL,
    result     TEXT NOT NULL,
    request_id TEXT NOT NULL,
    detail     TEXT NOT NULL,
    prev_hash  TEXT NOT NULL,
    hash       TEXT NOT NULL
);
CREATE INDEX audit_log_user ON audit_log(username, seq);
CREATE INDEX audit_log_action ON audit_log(action, seq);
CREATE INDEX audit_log_at ON audit_log(at_ms, seq);

-- The chain head: one row, updated in the same transaction as each append,
-- which also serialises appends.
CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
