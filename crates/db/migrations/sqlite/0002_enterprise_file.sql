-- The enterprise file (一企一档): identity details, flags, size history,
-- credit flags, change history, claims and cloud-adoption records.

ALTER TABLE enterprises ADD COLUMN uscc_legacy_reason TEXT;
ALTER TABLE enterprises ADD COLUMN address TEXT;
ALTER TABLE enterprises ADD COLUMN above_scale BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE enterprises ADD COLUMN srdi_tier TEXT NOT NULL DEFAULT 'none';
ALTER TABLE enterprises ADD COLUMN size_class TEXT;
ALTER TABLE enterprises ADD COLUMN size_year BIGINT;
ALTER TABLE enterprises ADD COLUMN cloud_verified BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE enterprises ADD COLUMN serious_dishonesty BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE enterprises ADD COLUMN pi_collected_at BIGINT;
ALTER TABLE enterprises ADD COLUMN updated_at BIGINT;
CREATE INDEX enterprises_industry ON enterprises(industry_code, id);
CREATE INDEX enterprises_region_size ON enterprises(region_code, size_class, id);

CREATE TABLE enterprise_sizes (
    enterprise_id BIGINT NOT NULL REFERENCES enterprises(id),
    year          BIGINT NOT NULL,
    employees     BIGINT,
    revenue_fen   BIGINT,
    assets_fen    BIGINT,
    size_class    TEXT NOT NULL,
    rules_id      TEXT NOT NULL,
    explanation   TEXT NOT NULL,
    recorded_by   TEXT NOT NULL,
    recorded_at   BIGINT NOT NULL,
    PRIMARY KEY (enterprise_id, year)
);

CREATE TABLE credit_flags (
    id            INTEGER PRIMARY KEY,
    enterprise_id BIGINT NOT NULL REFERENCES enterprises(id),
    kind          TEXT NOT NULL,
    source        TEXT NOT NULL,
    listed_on     TEXT NOT NULL,
    removed_on    TEXT,
    recorded_by   TEXT NOT NULL,
    recorded_at   BIGINT NOT NULL
);
CREATE INDEX credit_flags_enterprise ON credit_flags(enterprise_id, id);

CREATE TABLE enterprise_history (
    id            INTEGER PRIMARY KEY,
    enterprise_id BIGINT NOT NULL REFERENCES enterprises(id),
    at_ms         BIGINT NOT NULL,
    username      TEXT NOT NULL,
    action        TEXT NOT NULL,
    before_json   TEXT NOT NULL,
    after_json    TEXT NOT NULL
);
CREATE INDEX enterprise_history_enterprise ON enterprise_history(enterprise_id, id);

CREATE TABLE enterprise_claims (
    id            INTEGER PRIMARY KEY,
    user_id       BIGINT NOT NULL REFERENCES users(id),
    uscc          TEXT NOT NULL,
    name          TEXT NOT NULL,
    region_code   TEXT NOT NULL REFERENCES regions(code),
    contact_name  TEXT,
    contact_phone TEXT,
    status        TEXT NOT NULL,
    enterprise_id BIGINT REFERENCES enterprises(id),
    decided_by    TEXT,
    decided_at    BIGINT,
    reason        TEXT,
    created_at    BIGINT NOT NULL
);
CREATE INDEX enterprise_claims_region ON enterprise_claims(region_code, status, id);
CREATE INDEX enterprise_claims_user ON enterprise_claims(user_id, id);

CREATE TABLE cloud_records (
    id            INTEGER PRIMARY KEY,
    enterprise_id BIGINT NOT NULL REFERENCES enterprises(id),
    provider_name TEXT NOT NULL,
    service       TEXT NOT NULL,
    layer         TEXT NOT NULL,
    category      TEXT NOT NULL,
    started_on    TEXT NOT NULL,
    voucher       TEXT,
    evidence      TEXT,
    status        TEXT NOT NULL,
    reported_by   TEXT NOT NULL,
    reported_at   BIGINT NOT NULL,
    verified_by   TEXT,
    verified_at   BIGINT,
    version       BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX cloud_records_enterprise ON cloud_records(enterprise_id, id);

-- Counts kept in the write transaction, read in O(1) by dashboards:
-- one row per (metric, region node) for every node on the path to the root.
CREATE TABLE rollups (
    metric      TEXT NOT NULL,
    region_code TEXT NOT NULL,
    value       BIGINT NOT NULL,
    PRIMARY KEY (metric, region_code)
);
