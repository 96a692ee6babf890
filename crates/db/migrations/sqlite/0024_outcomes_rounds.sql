-- Outcomes on the seven axes (财办建〔2024〕23号) per project, and on-site acceptance rounds.

-- One indicator of a project: its baseline and, once delivery started, its result. Values are
-- exact decimals kept ×10⁴ in integers (never floats). Region, programme and sub-industry are
-- copied from the project and its enrolment so the summaries read one table by region.
CREATE TABLE outcome_lines (
    id             INTEGER PRIMARY KEY,
    project_id     BIGINT NOT NULL REFERENCES projects(id),
    enterprise_id  BIGINT NOT NULL REFERENCES enterprises(id),
    region_code    TEXT NOT NULL,
    programme_id   TEXT NOT NULL,
    sub_industry   TEXT NOT NULL,
    axis           TEXT NOT NULL,
    indicator      TEXT NOT NULL,
    unit           TEXT NOT NULL,
    better         TEXT NOT NULL,
    baseline_e4    BIGINT NOT NULL,
    baseline_date  TEXT NOT NULL,
    result_e4      BIGINT,
    result_date    TEXT,
    note           TEXT NOT NULL,
    created_by     TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL,
    version        BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX outcome_lines_project ON outcome_lines(project_id, id);
CREATE INDEX outcome_lines_region ON outcome_lines(region_code, programme_id, id);

-- The evidence (project evidence rows, hashed on upload) behind a line.
CREATE TABLE outcome_evidence (
    outcome_id  BIGINT NOT NULL REFERENCES outcome_lines(id),
    evidence_id BIGINT NOT NULL REFERENCES evidence(id),
    PRIMARY KEY (outcome_id, evidence_id)
);

-- An on-site acceptance round (现场验收批次).
CREATE TABLE onsite_rounds (
    id            INTEGER PRIMARY KEY,
    programme_id  TEXT NOT NULL,
    region_code   TEXT NOT NULL,
    round_date    TEXT NOT NULL,
    place         TEXT NOT NULL,
    note          TEXT NOT NULL,
    status        TEXT NOT NULL,
    created_by    TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    version       BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX onsite_rounds_region ON onsite_rounds(region_code, id);

-- The acceptances a round takes. `open` follows the round: an acceptance sits in at most one
-- open round, which the partial unique index keeps even under concurrent additions.
CREATE TABLE round_acceptances (
    round_id      BIGINT NOT NULL REFERENCES onsite_rounds(id),
    acceptance_id BIGINT NOT NULL REFERENCES acceptances(id),
    open          BOOLEAN NOT NULL,
    added_by      TEXT NOT NULL,
    added_at      BIGINT NOT NULL,
    PRIMARY KEY (round_id, acceptance_id)
);
CREATE UNIQUE INDEX round_acceptances_one_open ON round_acceptances(acceptance_id) WHERE open;

CREATE TABLE round_assessors (
    round_id     BIGINT NOT NULL REFERENCES onsite_rounds(id),
    user_id      BIGINT NOT NULL REFERENCES users(id),
    assigned_by  TEXT NOT NULL,
    assigned_at  BIGINT NOT NULL,
    PRIMARY KEY (round_id, user_id)
);
CREATE INDEX round_assessors_user ON round_assessors(user_id, round_id);

-- Conflicts of interest an assessor declared with an enterprise or a provider.
CREATE TABLE assessor_conflicts (
    id             INTEGER PRIMARY KEY,
    user_id        BIGINT NOT NULL REFERENCES users(id),
    enterprise_id  BIGINT REFERENCES enterprises(id),
    provider_id    BIGINT REFERENCES providers(id),
    note           TEXT NOT NULL,
    declared_at    BIGINT NOT NULL
);
CREATE INDEX assessor_conflicts_user ON assessor_conflicts(user_id, id);
