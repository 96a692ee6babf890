-- Pilot programmes (城市试点) and the pilot-enterprise pool (试点企业库). Programme rules
-- are versioned data files; the table keeps every version a record was decided under.

CREATE TABLE programmes (
    id          TEXT NOT NULL,
    version     BIGINT NOT NULL,
    name        TEXT NOT NULL,
    level       TEXT NOT NULL,
    region_code TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    body        TEXT NOT NULL,
    loaded_at   BIGINT NOT NULL,
    PRIMARY KEY (id, version)
);

CREATE TABLE enrolments (
    id                INTEGER PRIMARY KEY,
    programme_id      TEXT NOT NULL,
    programme_version BIGINT NOT NULL,
    enterprise_id     BIGINT NOT NULL REFERENCES enterprises(id),
    region_code       TEXT NOT NULL,
    sub_industry      TEXT,
    status            TEXT NOT NULL,
    eligibility_json  TEXT NOT NULL,
    eligible          BOOLEAN NOT NULL,
    override_reason   TEXT,
    publicity_ends_at BIGINT,
    applied_by        TEXT NOT NULL,
    created_at        BIGINT NOT NULL,
    version           BIGINT NOT NULL DEFAULT 1,
    UNIQUE (programme_id, enterprise_id)
);
CREATE INDEX enrolments_region ON enrolments(region_code, id);
CREATE INDEX enrolments_programme ON enrolments(programme_id, status, id);
CREATE INDEX enrolments_enterprise ON enrolments(enterprise_id, id);

-- Every step of every workflow (enrolment, project), shown as its history. `flagged` marks
-- an officer's override for the audit administrator.
CREATE TABLE workflow_events (
    id         INTEGER PRIMARY KEY,
    subject    TEXT NOT NULL,
    subject_id BIGINT NOT NULL,
    action     TEXT NOT NULL,
    from_state TEXT NOT NULL,
    to_state   TEXT NOT NULL,
    reason     TEXT NOT NULL DEFAULT '',
    flagged    BOOLEAN NOT NULL DEFAULT FALSE,
    actor      TEXT NOT NULL,
    at         BIGINT NOT NULL
);
CREATE INDEX workflow_events_subject ON workflow_events(subject, subject_id, id);
CREATE INDEX workflow_events_flagged ON workflow_events(flagged, id);

-- Evidence files, stored once per content (the path is derived from the SHA-256).
CREATE TABLE files (
    sha256     TEXT PRIMARY KEY,
    sm3        TEXT NOT NULL,
    size       BIGINT NOT NULL,
    media_type TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- Transformation projects (改造项目) of listed enterprises.
CREATE TABLE projects (
    id                INTEGER PRIMARY KEY,
    programme_id      TEXT NOT NULL,
    programme_version BIGINT NOT NULL,
    enrolment_id      BIGINT NOT NULL REFERENCES enrolments(id),
    enterprise_id     BIGINT NOT NULL REFERENCES enterprises(id),
    provider_id       BIGINT NOT NULL REFERENCES providers(id),
    region_code       TEXT NOT NULL,
    title             TEXT NOT NULL,
    status            TEXT NOT NULL,
    filing_no         TEXT UNIQUE,
    filed_at          BIGINT,
    due_at            BIGINT,
    created_by        TEXT NOT NULL,
    created_at        BIGINT NOT NULL,
    version           BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX projects_region ON projects(region_code, id);
CREATE INDEX projects_provider ON projects(provider_id, id);
CREATE INDEX projects_enrolment ON projects(enrolment_id, status);

-- The documents of a project, each validated by the domain before it is stored: the
-- diagnosis (诊断), the transformation plan (改造方案) and the contract with its parties,
-- investment lines, cost split and acceptance criteria.
CREATE TABLE project_docs (
    project_id          BIGINT PRIMARY KEY REFERENCES projects(id),
    diagnosis_json      TEXT,
    diagnosis_submitted BOOLEAN NOT NULL DEFAULT FALSE,
    report_sha256       TEXT REFERENCES files(sha256),
    plan_json           TEXT,
    contract_json       TEXT,
    updated_at          BIGINT NOT NULL
);

CREATE TABLE milestones (
    id         INTEGER PRIMARY KEY,
    project_id BIGINT NOT NULL REFERENCES projects(id),
    title      TEXT NOT NULL,
    due_date   TEXT NOT NULL,
    done_at    BIGINT,
    done_by    TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX milestones_project ON milestones(project_id, id);

-- Files attached to a project. `reused` marks a content already attached to another
-- enterprise's project (an integrity flag).
CREATE TABLE evidence (
    id            INTEGER PRIMARY KEY,
    project_id    BIGINT NOT NULL REFERENCES projects(id),
    enterprise_id BIGINT NOT NULL REFERENCES enterprises(id),
    milestone_id  BIGINT REFERENCES milestones(id),
    kind          TEXT NOT NULL,
    sha256        TEXT NOT NULL REFERENCES files(sha256),
    file_name     TEXT NOT NULL,
    media_type    TEXT NOT NULL,
    reused        BOOLEAN NOT NULL,
    uploaded_by   TEXT NOT NULL,
    at            BIGINT NOT NULL
);
CREATE INDEX evidence_project ON evidence(project_id, id);
CREATE INDEX evidence_sha ON evidence(sha256, enterprise_id);

-- Invoices and payments recorded against a project's investment lines.
CREATE TABLE project_payments (
    id          INTEGER PRIMARY KEY,
    project_id  BIGINT NOT NULL REFERENCES projects(id),
    kind        TEXT NOT NULL CHECK (kind IN ('invoice', 'payment')),
    category    TEXT NOT NULL,
    number      TEXT NOT NULL,
    amount_fen  BIGINT NOT NULL,
    on_date     TEXT NOT NULL,
    excluded    BOOLEAN NOT NULL,
    recorded_by TEXT NOT NULL,
    at          BIGINT NOT NULL
);
CREATE INDEX project_payments_project ON project_payments(project_id, id);
