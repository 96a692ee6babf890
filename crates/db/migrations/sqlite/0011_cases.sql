-- Typical cases (典型案例) and 小灯塔 enterprises: nominated with their measured outcome, reviewed,
-- published on the public portal, revoked if found wrong.
CREATE TABLE cases (
    id            INTEGER PRIMARY KEY,
    kind          TEXT NOT NULL,
    enterprise_id BIGINT NOT NULL REFERENCES enterprises(id),
    project_id    BIGINT REFERENCES projects(id),
    region_code   TEXT NOT NULL,
    title         TEXT NOT NULL,
    summary       TEXT NOT NULL,
    outcome       TEXT NOT NULL,
    status        TEXT NOT NULL,
    nominated_by  TEXT NOT NULL,
    opinion       TEXT NOT NULL DEFAULT '',
    reviewed_by   TEXT,
    published_at  BIGINT,
    created_at    BIGINT NOT NULL,
    version       BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX cases_region ON cases(region_code, status, id);
CREATE INDEX cases_public ON cases(status, published_at);
