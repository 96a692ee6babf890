-- Instrument versions published by an administrator (the shipped ones live in
-- the binary). A version is never altered: a correction is a new version.
CREATE TABLE instrument_versions (
    instrument_id TEXT NOT NULL,
    version       BIGINT NOT NULL,
    file_name     TEXT NOT NULL,
    body          TEXT NOT NULL,
    fingerprint   TEXT NOT NULL,
    published_by  TEXT NOT NULL,
    published_at  BIGINT NOT NULL,
    PRIMARY KEY (instrument_id, version)
);
