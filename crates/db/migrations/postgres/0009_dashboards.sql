-- Dashboards: what each enterprise and project last contributed to the roll-ups (so a write can
-- add exactly the difference), and targets per region.

CREATE TABLE enterprise_facts (
    enterprise_id BIGINT PRIMARY KEY REFERENCES enterprises(id),
    facts_json    TEXT NOT NULL
);

CREATE TABLE project_facts (
    project_id BIGINT PRIMARY KEY REFERENCES projects(id),
    facts_json TEXT NOT NULL
);

-- Targets an authority sets for its region (e.g. enterprises on the cloud); a programme's own
-- targets come from its data file.
CREATE TABLE targets (
    region_code TEXT NOT NULL REFERENCES regions(code),
    metric      TEXT NOT NULL,
    value       BIGINT NOT NULL,
    set_by      TEXT NOT NULL,
    set_at      BIGINT NOT NULL,
    PRIMARY KEY (region_code, metric)
);
