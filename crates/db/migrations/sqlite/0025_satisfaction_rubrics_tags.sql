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

-- Catalogue tags from the closed list of data/rules/solution-tags.toml: kept on the solution
-- (tags_text, ids separated by spaces, for display) and one row per tag, keyed by tag first so
-- that the catalogue's tag filter reads the index instead of scanning solutions.
ALTER TABLE solutions ADD COLUMN tags_text TEXT NOT NULL DEFAULT '';
CREATE TABLE solution_tags (
    tag         TEXT NOT NULL,
    solution_id BIGINT NOT NULL REFERENCES solutions(id),
    PRIMARY KEY (tag, solution_id)
);
CREATE INDEX solution_tags_solution ON solution_tags(solution_id);
