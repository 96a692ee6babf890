-- Import jobs: one row per uploaded file, updated as the import streams, so
-- progress survives a page reload and the outcome survives a restart.
CREATE TABLE import_jobs (
    id           INTEGER PRIMARY KEY,
    kind         TEXT NOT NULL,
    file_name    TEXT NOT NULL,
    file_sm3     TEXT NOT NULL,
    user_id      BIGINT,
    username     TEXT NOT NULL,
    region_code  TEXT NOT NULL,
    status       TEXT NOT NULL,
    rows_read    BIGINT NOT NULL DEFAULT 0,
    inserted     BIGINT NOT NULL DEFAULT 0,
    updated      BIGINT NOT NULL DEFAULT 0,
    unchanged    BIGINT NOT NULL DEFAULT 0,
    failed       BIGINT NOT NULL DEFAULT 0,
    message      TEXT,
    error_report TEXT,
    created_at   BIGINT NOT NULL,
    finished_at  BIGINT
);
CREATE INDEX import_jobs_user ON import_jobs(user_id, id);
