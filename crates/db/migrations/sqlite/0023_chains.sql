-- Chain and cluster projects (链式 / 面状, 工信部联企业〔2024〕239号): a lead brings N SMEs into one
-- programme. The lead's project carries the frame contract; each participating SME has its own
-- project (a line of the frame) and is diagnosed, delivered and accepted one by one.
CREATE TABLE chains (
    id                 INTEGER PRIMARY KEY,
    programme_id       TEXT NOT NULL,
    region_code        TEXT NOT NULL,
    kind               TEXT NOT NULL,
    name               TEXT NOT NULL,
    park               TEXT NOT NULL DEFAULT '',
    lead_enterprise_id BIGINT NOT NULL REFERENCES enterprises(id),
    lead_project_id    BIGINT NOT NULL UNIQUE REFERENCES projects(id),
    provider_id        BIGINT NOT NULL REFERENCES providers(id),
    target_members     BIGINT,
    target_l2_pct      BIGINT,
    status             TEXT NOT NULL,
    created_by         TEXT NOT NULL,
    created_at         BIGINT NOT NULL,
    decided_at         BIGINT,
    version            BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX chains_region ON chains(region_code, id);
-- The workbench reads a state's chains (chain.approve, chain.submit).
CREATE INDEX chains_status ON chains(status, region_code);
CREATE TABLE chain_members (
    chain_id      BIGINT NOT NULL REFERENCES chains(id),
    line_no       BIGINT NOT NULL,
    programme_id  TEXT NOT NULL,
    enterprise_id BIGINT NOT NULL REFERENCES enterprises(id),
    project_id    BIGINT NOT NULL UNIQUE REFERENCES projects(id),
    joined_by     TEXT NOT NULL,
    joined_at     BIGINT NOT NULL,
    PRIMARY KEY (chain_id, line_no),
    -- An SME takes part in at most one chain of a programme.
    UNIQUE (programme_id, enterprise_id)
);
-- A participating SME's award is split with the lead as the programme says: the lead's share of
-- this subsidy, held back from the SME and granted to the lead once the cohort is decided.
ALTER TABLE subsidies ADD COLUMN chain_lead_fen BIGINT NOT NULL DEFAULT 0;
