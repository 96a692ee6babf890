-- The enterprise's satisfaction evaluation (满意度评价) of its provider after acceptance: one
-- per project (the unique key makes a retry or a parallel second submission find the first),
-- with the form's id and version, the scores per dimension and their points (0–100). The
-- provider's page averages its rows by the provider index; the city evaluation reads the
-- roll-ups (p.satisfaction_points, p.satisfaction_count) kept from the project facts.
CREATE TABLE satisfaction_evaluations (
    id            INTEGER PRIMARY KEY,
    project_id    BIGINT NOT NULL UNIQUE REFERENCES projects(id),
    enterprise_id BIGINT NOT NULL REFERENCES enterprises(id),
    provider_id   BIGINT NOT NULL REFERENCES providers(id),
    region_code   TEXT NOT NULL,
    rules_id      TEXT NOT NULL,
    rules_version BIGINT NOT NULL,
    scores_json   TEXT NOT NULL,
    points        BIGINT NOT NULL CHECK (points BETWEEN 0 AND 100),
    comment       TEXT NOT NULL DEFAULT '',
    created_by    TEXT NOT NULL,
    created_at    BIGINT NOT NULL
);
CREATE INDEX satisfaction_provider ON satisfaction_evaluations(provider_id, id);
