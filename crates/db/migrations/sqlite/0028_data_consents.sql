-- An enterprise's consent for its data to be counted in the data products of a scope (数据产品
-- 授权): every giving and withdrawal is a row, so the history is kept; the latest row of an
-- enterprise and scope is its consent now.
CREATE TABLE data_consents (
    id            INTEGER PRIMARY KEY,
    enterprise_id BIGINT NOT NULL REFERENCES enterprises(id),
    scope         TEXT NOT NULL,
    given         BOOLEAN NOT NULL,
    by_user       TEXT NOT NULL,
    at            BIGINT NOT NULL
);
CREATE INDEX data_consents_enterprise ON data_consents(enterprise_id, scope, id);
