-- Upward reporting: a city instance signs an aggregate package (dashboard counters of its region
-- subtree, no personal data) with its Ed25519 key; a province or national instance trusts the
-- city's public key and imports its packages, and its dashboards include them.

CREATE TABLE report_keys (
    region_code TEXT NOT NULL,
    public_key  TEXT NOT NULL,
    added_by    TEXT NOT NULL,
    added_at    BIGINT NOT NULL,
    PRIMARY KEY (region_code, public_key)
);

CREATE TABLE imported_reports (
    region_code  TEXT PRIMARY KEY,
    generated_at BIGINT NOT NULL,
    public_key   TEXT NOT NULL,
    package_json TEXT NOT NULL,
    imported_by  TEXT NOT NULL,
    imported_at  BIGINT NOT NULL
);

-- The imported counters, one row per source package, node and metric, read by index.
CREATE TABLE imported_counters (
    source_region TEXT NOT NULL,
    region_code   TEXT NOT NULL,
    metric        TEXT NOT NULL,
    value         BIGINT NOT NULL,
    -- The row of the package's own region (what counts toward every region above it).
    top           BOOLEAN NOT NULL,
    PRIMARY KEY (source_region, region_code, metric)
);
CREATE INDEX imported_counters_node ON imported_counters(region_code, metric);
CREATE INDEX imported_counters_top ON imported_counters(top, source_region);
