-- Digital-level assessments (数字化水平评测): one row per questionnaire, kept as
-- answered. The instrument id, version and SM3 fingerprint are frozen when the
-- row is created, so a later instrument version never rescores old answers.
CREATE TABLE assessments (
    id                     INTEGER PRIMARY KEY,
    enterprise_id          BIGINT NOT NULL REFERENCES enterprises(id),
    instrument_id          TEXT NOT NULL,
    instrument_version     BIGINT NOT NULL,
    instrument_fingerprint TEXT NOT NULL,
    kind                   TEXT NOT NULL CHECK (kind IN ('self', 'provider', 'onsite')),
    status                 TEXT NOT NULL CHECK (status IN ('draft', 'submitted')),
    answers_json           TEXT NOT NULL,
    result_json            TEXT,
    total_thousandths      BIGINT,
    level                  BIGINT,
    pledge_by              TEXT,
    pledge_at              BIGINT,
    pledge_text            TEXT,
    created_by             TEXT NOT NULL,
    created_at             BIGINT NOT NULL,
    updated_at             BIGINT NOT NULL,
    submitted_at           BIGINT,
    previous_id            BIGINT REFERENCES assessments(id),
    adjust_reason          TEXT,
    version                BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX assessments_enterprise ON assessments(enterprise_id, id);
-- At most one open draft per enterprise and kind.
CREATE UNIQUE INDEX assessments_one_draft ON assessments(enterprise_id, kind) WHERE status = 'draft';
