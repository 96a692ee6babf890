-- Service providers (服务商库): admission by expert review and 公示, lifecycle,
-- the 小快轻准 solution catalogue with its search index, contact requests.

ALTER TABLE providers ADD COLUMN status TEXT NOT NULL DEFAULT 'active';
ALTER TABLE providers ADD COLUMN stars BIGINT NOT NULL DEFAULT 0;
ALTER TABLE providers ADD COLUMN score_hundredths BIGINT;
ALTER TABLE providers ADD COLUMN publicity_ends_at BIGINT;
ALTER TABLE providers ADD COLUMN appeal_from TEXT;
ALTER TABLE providers ADD COLUMN rectify_deadline BIGINT;
ALTER TABLE providers ADD COLUMN founded_year BIGINT;
ALTER TABLE providers ADD COLUMN qualifications TEXT NOT NULL DEFAULT '';
ALTER TABLE providers ADD COLUMN cases TEXT NOT NULL DEFAULT '';
ALTER TABLE providers ADD COLUMN attachments TEXT NOT NULL DEFAULT '';
ALTER TABLE providers ADD COLUMN contact_name TEXT;
ALTER TABLE providers ADD COLUMN contact_phone TEXT;
ALTER TABLE providers ADD COLUMN applied_at BIGINT;
UPDATE providers SET kind = 'integrator' WHERE kind = '综合集成型';
UPDATE providers SET kind = 'product' WHERE kind = '小快轻准产品型';
UPDATE providers SET kind = 'chain_leader' WHERE kind = '链主企业型';
CREATE INDEX providers_status ON providers(status, id);
-- Demand signals read every gap roll-up of one region node.
CREATE INDEX rollups_region ON rollups(region_code, metric);

-- A pilot sub-industry (细分行业): a region's label over GB/T 4754 codes.
CREATE TABLE sub_industries (
    id          INTEGER PRIMARY KEY,
    region_code TEXT NOT NULL REFERENCES regions(code),
    name        TEXT NOT NULL,
    codes       TEXT NOT NULL,
    is_demo     BOOLEAN NOT NULL DEFAULT FALSE,
    created_at  BIGINT NOT NULL,
    UNIQUE (region_code, name)
);

CREATE TABLE provider_sub_industries (
    provider_id     BIGINT NOT NULL REFERENCES providers(id),
    sub_industry_id BIGINT NOT NULL REFERENCES sub_industries(id),
    PRIMARY KEY (provider_id, sub_industry_id)
);
CREATE INDEX provider_sub_industries_si ON provider_sub_industries(sub_industry_id, provider_id);

-- Admitted providers per sub-industry and kind. A conditional increment
-- (admitted < quota) enforces the quota even under concurrent admissions.
CREATE TABLE pool_counts (
    sub_industry_id BIGINT NOT NULL REFERENCES sub_industries(id),
    kind            TEXT NOT NULL,
    admitted        BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (sub_industry_id, kind)
);

-- Every lifecycle step of a provider, shown on its public page.
CREATE TABLE provider_events (
    id          INTEGER PRIMARY KEY,
    provider_id BIGINT NOT NULL REFERENCES providers(id),
    action      TEXT NOT NULL,
    from_state  TEXT NOT NULL,
    to_state    TEXT NOT NULL,
    reason      TEXT NOT NULL DEFAULT '',
    deadline_at BIGINT,
    actor       TEXT NOT NULL,
    at          BIGINT NOT NULL
);
CREATE INDEX provider_events_provider ON provider_events(provider_id, id);

-- An expert review round: admission or periodic evaluation, scored with a rubric version.
CREATE TABLE reviews (
    id                  INTEGER PRIMARY KEY,
    provider_id         BIGINT NOT NULL REFERENCES providers(id),
    purpose             TEXT NOT NULL CHECK (purpose IN ('admission', 'evaluation')),
    rubric_id           TEXT NOT NULL,
    rubric_version      BIGINT NOT NULL,
    status              TEXT NOT NULL CHECK (status IN ('open', 'closed')),
    combined_hundredths BIGINT,
    passed              BOOLEAN,
    stars               BIGINT,
    explanation         TEXT,
    created_by          TEXT NOT NULL,
    created_at          BIGINT NOT NULL,
    closed_at           BIGINT,
    version             BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX reviews_provider ON reviews(provider_id, id);
CREATE UNIQUE INDEX reviews_one_open ON reviews(provider_id) WHERE status = 'open';

CREATE TABLE review_experts (
    id             INTEGER PRIMARY KEY,
    review_id      BIGINT NOT NULL REFERENCES reviews(id),
    expert_user_id BIGINT NOT NULL REFERENCES users(id),
    conflict       TEXT NOT NULL DEFAULT 'pending' CHECK (conflict IN ('pending', 'none', 'declared')),
    conflict_note  TEXT NOT NULL DEFAULT '',
    scores_json    TEXT,
    total          BIGINT,
    submitted_at   BIGINT,
    version        BIGINT NOT NULL DEFAULT 1,
    UNIQUE (review_id, expert_user_id)
);
CREATE INDEX review_experts_expert ON review_experts(expert_user_id, id);

-- Objections lodged during a 公示 period.
CREATE TABLE objections (
    id          INTEGER PRIMARY KEY,
    subject     TEXT NOT NULL,
    subject_id  BIGINT NOT NULL,
    lodged_by   TEXT NOT NULL,
    contact     TEXT NOT NULL DEFAULT '',
    body        TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('open', 'upheld', 'dismissed')),
    resolution  TEXT NOT NULL DEFAULT '',
    resolved_by TEXT,
    created_at  BIGINT NOT NULL,
    resolved_at BIGINT,
    version     BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX objections_subject ON objections(subject, subject_id, id);

-- The catalogue. scenes/industries/sub_industries are kept twice: as child rows
-- for index lookups and as compact text on the row so that ranking needs one query.
CREATE TABLE solutions (
    id              INTEGER PRIMARY KEY,
    provider_id     BIGINT NOT NULL REFERENCES providers(id),
    name            TEXT NOT NULL,
    description     TEXT NOT NULL,
    is_xkqz         BOOLEAN NOT NULL,
    price_fen       BIGINT NOT NULL,
    delivery_days   BIGINT NOT NULL,
    deployment      TEXT NOT NULL CHECK (deployment IN ('saas', 'on_premises', 'hybrid')),
    cloud_layer     TEXT NOT NULL CHECK (cloud_layer IN ('iaas', 'paas', 'saas', 'none')),
    scenes_text     TEXT NOT NULL,
    industries_text TEXT NOT NULL,
    sub_industries_text TEXT NOT NULL,
    all_industries  BOOLEAN NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('draft', 'submitted', 'published', 'rejected', 'withdrawn')),
    review_note     TEXT NOT NULL DEFAULT '',
    is_demo         BOOLEAN NOT NULL DEFAULT FALSE,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    published_at    BIGINT,
    version         BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX solutions_provider ON solutions(provider_id, id);
CREATE INDEX solutions_status ON solutions(status, id);

CREATE TABLE solution_items (
    solution_id BIGINT NOT NULL REFERENCES solutions(id),
    seq         BIGINT NOT NULL,
    name        TEXT NOT NULL,
    unit        TEXT NOT NULL,
    price_fen   BIGINT NOT NULL,
    PRIMARY KEY (solution_id, seq)
);

CREATE TABLE solution_scenes (
    solution_id BIGINT NOT NULL REFERENCES solutions(id),
    scene       TEXT NOT NULL,
    level       BIGINT NOT NULL,
    PRIMARY KEY (solution_id, scene)
);
CREATE INDEX solution_scenes_scene ON solution_scenes(scene, level, solution_id);

CREATE TABLE solution_industries (
    solution_id BIGINT NOT NULL REFERENCES solutions(id),
    code        TEXT NOT NULL,
    PRIMARY KEY (solution_id, code)
);
CREATE INDEX solution_industries_code ON solution_industries(code, solution_id);

-- What matching reads: one narrow row per target scene of a published solution, so a
-- request walks the (scene, level) index of the gap scenes and never the catalogue.
CREATE TABLE solution_match (
    scene               TEXT NOT NULL,
    level               BIGINT NOT NULL,
    solution_id         BIGINT NOT NULL REFERENCES solutions(id),
    provider_id         BIGINT NOT NULL REFERENCES providers(id),
    price_fen           BIGINT NOT NULL,
    is_xkqz             BOOLEAN NOT NULL,
    all_industries      BOOLEAN NOT NULL,
    sub_industries_text TEXT NOT NULL,
    PRIMARY KEY (scene, level, solution_id)
);
CREATE INDEX solution_match_solution ON solution_match(solution_id);

-- Character n-gram index for Chinese full-text search (see domain::catalogue::search).
CREATE TABLE solution_terms (
    term        TEXT NOT NULL,
    solution_id BIGINT NOT NULL REFERENCES solutions(id),
    PRIMARY KEY (term, solution_id)
);
CREATE INDEX solution_terms_solution ON solution_terms(solution_id);

-- An enterprise asks a provider to contact it. Its contact details reach the
-- provider only while consent is given (个人信息保护法 Art. 23).
CREATE TABLE contact_requests (
    id                 INTEGER PRIMARY KEY,
    enterprise_id      BIGINT NOT NULL REFERENCES enterprises(id),
    provider_id        BIGINT NOT NULL REFERENCES providers(id),
    solution_id        BIGINT REFERENCES solutions(id),
    message            TEXT NOT NULL DEFAULT '',
    consent_at         BIGINT,
    consent_revoked_at BIGINT,
    created_by         TEXT NOT NULL,
    created_at         BIGINT NOT NULL,
    version            BIGINT NOT NULL DEFAULT 1,
    UNIQUE (enterprise_id, provider_id)
);
CREATE INDEX contact_requests_provider ON contact_requests(provider_id, id);
