-- Leases on background work (the personal-data retention sweep, expired sessions) so that it
-- runs on one server at a time when several serve one database: a server takes a named lease
-- that is free, expired or already its own, until a time it renews before then.
CREATE TABLE leases (
    name     TEXT PRIMARY KEY,
    holder   TEXT NOT NULL,
    until_ms BIGINT NOT NULL
);
