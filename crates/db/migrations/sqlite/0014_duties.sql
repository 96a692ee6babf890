-- Separation of duties (data/rules/duties.toml). `duty_holders` remembers which side of each
-- separation rule a person (by user id) has taken on an object; the unique key lets a person hold
-- only one side, so two concurrent incompatible steps by one person cannot both commit.
-- `account_requests` is the two-person procedure for administrator-class accounts: one
-- administrator requests, another of a different class approves.

CREATE TABLE duty_holders (
    subject    TEXT NOT NULL,
    subject_id BIGINT NOT NULL,
    rule       TEXT NOT NULL,
    user_id    BIGINT NOT NULL REFERENCES users(id),
    step       TEXT NOT NULL,
    at         BIGINT NOT NULL,
    PRIMARY KEY (subject, subject_id, rule, user_id)
);

CREATE TABLE account_requests (
    id             INTEGER PRIMARY KEY,
    action         TEXT NOT NULL,
    target_user_id BIGINT REFERENCES users(id),
    target_role    TEXT NOT NULL,
    region_code    TEXT NOT NULL,
    username       TEXT NOT NULL DEFAULT '',
    display_name   TEXT NOT NULL DEFAULT '',
    reason         TEXT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
    requested_by   BIGINT NOT NULL REFERENCES users(id),
    requested_role TEXT NOT NULL,
    requested_at   BIGINT NOT NULL,
    decided_by     BIGINT REFERENCES users(id),
    decided_at     BIGINT,
    version        BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX account_requests_status ON account_requests(status, id);
