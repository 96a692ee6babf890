-- Acceptance (验收), subsidies (奖补) with 公示, the double-entry ledger, integrity flags and
-- provider outcomes.

-- The contract total is kept on the project so clusters of identical amounts are found by index.
ALTER TABLE projects ADD COLUMN contract_total_fen BIGINT;
ALTER TABLE projects ADD COLUMN completed_at BIGINT;
CREATE INDEX projects_contract_total ON projects(programme_id, contract_total_fen);
-- A provider's receiving account, compared with its clients' (integrity flag).
ALTER TABLE providers ADD COLUMN bank_account TEXT;

-- One acceptance per project; a return for rectification and a re-application keep the row
-- and count the round (rework).
CREATE TABLE acceptances (
    id                 INTEGER PRIMARY KEY,
    project_id         BIGINT NOT NULL UNIQUE REFERENCES projects(id),
    enterprise_id      BIGINT NOT NULL REFERENCES enterprises(id),
    provider_id        BIGINT NOT NULL REFERENCES providers(id),
    region_code        TEXT NOT NULL,
    status             TEXT NOT NULL,
    round              BIGINT NOT NULL DEFAULT 1,
    declaration        TEXT NOT NULL,
    declared_by        TEXT NOT NULL,
    declared_at        BIGINT NOT NULL,
    bank_account       TEXT NOT NULL DEFAULT '',
    summary            TEXT NOT NULL DEFAULT '',
    onsite_assessment_id BIGINT REFERENCES assessments(id),
    finance_eligible_fen BIGINT,
    finance_note       TEXT NOT NULL DEFAULT '',
    finance_by         TEXT,
    evaluation_json    TEXT,
    applied_at         BIGINT NOT NULL,
    decided_at         BIGINT,
    version            BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX acceptances_region ON acceptances(region_code, status, id);

-- A subsidy per project and instalment stage, computed by the programme's rule version with
-- its trace; 公示 before approval; paid through the ledger.
CREATE TABLE subsidies (
    id                INTEGER PRIMARY KEY,
    project_id        BIGINT NOT NULL REFERENCES projects(id),
    enterprise_id     BIGINT NOT NULL REFERENCES enterprises(id),
    region_code       TEXT NOT NULL,
    programme_id      TEXT NOT NULL,
    programme_version BIGINT NOT NULL,
    pool_id           TEXT NOT NULL,
    stage             TEXT NOT NULL,
    amount_fen        BIGINT NOT NULL,
    award_fen         BIGINT NOT NULL,
    rule              TEXT NOT NULL,
    trace_json        TEXT NOT NULL,
    status            TEXT NOT NULL,
    seq               BIGINT NOT NULL,
    publicity_ends_at BIGINT,
    approved_by       TEXT,
    approved_at       BIGINT,
    paid_at           BIGINT,
    created_by        TEXT NOT NULL,
    created_at        BIGINT NOT NULL,
    version           BIGINT NOT NULL DEFAULT 1,
    UNIQUE (project_id, stage)
);
CREATE INDEX subsidies_region ON subsidies(region_code, status, id);
CREATE INDEX subsidies_programme ON subsidies(programme_id, seq);
CREATE INDEX subsidies_enterprise ON subsidies(enterprise_id, id);

-- Ledger accounts with their balance, updated in the transaction that appends a transfer, so a
-- balance is one row read. The update is conditional (never below zero for kinds that may not).
CREATE TABLE ledger_accounts (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL,
    key         TEXT NOT NULL,
    balance_fen BIGINT NOT NULL DEFAULT 0,
    version     BIGINT NOT NULL DEFAULT 0,
    UNIQUE (kind, key)
);

-- Append-only: a transfer is never updated or deleted; a reversal is a new transfer that names
-- the one it reverses. `idem_key` makes a retried request post at most once.
CREATE TABLE ledger_transfers (
    id          INTEGER PRIMARY KEY,
    idem_key    TEXT UNIQUE,
    request_sha TEXT NOT NULL DEFAULT '',
    reason      TEXT NOT NULL,
    reverses    BIGINT UNIQUE REFERENCES ledger_transfers(id),
    subsidy_id  BIGINT REFERENCES subsidies(id),
    actor       TEXT NOT NULL,
    at          BIGINT NOT NULL
);
CREATE INDEX ledger_transfers_subsidy ON ledger_transfers(subsidy_id, id);

CREATE TABLE ledger_legs (
    transfer_id BIGINT NOT NULL REFERENCES ledger_transfers(id),
    account_id  BIGINT NOT NULL REFERENCES ledger_accounts(id),
    amount_fen  BIGINT NOT NULL,
    PRIMARY KEY (transfer_id, account_id)
);
CREATE INDEX ledger_legs_account ON ledger_legs(account_id, transfer_id);

-- A payment of a subsidy: the transfer that paid it and, once reversed, the compensating one.
CREATE TABLE payments (
    id            INTEGER PRIMARY KEY,
    subsidy_id    BIGINT NOT NULL REFERENCES subsidies(id),
    transfer_id   BIGINT NOT NULL UNIQUE REFERENCES ledger_transfers(id),
    amount_fen    BIGINT NOT NULL,
    status        TEXT NOT NULL,
    bank_account  TEXT NOT NULL DEFAULT '',
    voucher       TEXT NOT NULL DEFAULT '',
    reversal_id   BIGINT REFERENCES ledger_transfers(id),
    reversal_reason TEXT NOT NULL DEFAULT '',
    created_by    TEXT NOT NULL,
    at            BIGINT NOT NULL,
    version       BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX payments_subsidy ON payments(subsidy_id, id);

-- Integrity flags (诚信预警) on a project, with the evidence that raised them; cleared only with
-- a reason. One open-or-cleared flag per kind and project.
CREATE TABLE integrity_flags (
    id           INTEGER PRIMARY KEY,
    project_id   BIGINT NOT NULL REFERENCES projects(id),
    region_code  TEXT NOT NULL,
    kind         TEXT NOT NULL,
    evidence     TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('open', 'cleared')),
    cleared_by   TEXT,
    cleared_reason TEXT NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL,
    cleared_at   BIGINT,
    UNIQUE (project_id, kind)
);
CREATE INDEX integrity_flags_region ON integrity_flags(region_code, status, id);

-- Acceptance outcomes per provider, kept in the decision's transaction.
CREATE TABLE provider_outcomes (
    provider_id   BIGINT PRIMARY KEY REFERENCES providers(id),
    decided       BIGINT NOT NULL DEFAULT 0,
    accepted      BIGINT NOT NULL DEFAULT 0,
    rejected      BIGINT NOT NULL DEFAULT 0,
    returned      BIGINT NOT NULL DEFAULT 0,
    days_to_accept BIGINT NOT NULL DEFAULT 0
);
