-- Events (an outbox): each workflow step, written in the transaction that took it, so the
-- notifications and webhook deliveries made from it stand for exactly the committed steps.
CREATE TABLE events (
    id            INTEGER PRIMARY KEY,
    kind          TEXT NOT NULL,
    subject       TEXT NOT NULL,
    subject_id    BIGINT NOT NULL,
    region_code   TEXT NOT NULL,
    enterprise_id BIGINT,
    provider_id   BIGINT,
    project_id    BIGINT,
    actor         TEXT NOT NULL,
    payload_json  TEXT NOT NULL,
    created_at    BIGINT NOT NULL
);

-- In-platform messages (站内信): one row per recipient of an event.
CREATE TABLE notifications (
    id         INTEGER PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users(id),
    event_id   BIGINT NOT NULL REFERENCES events(id),
    created_at BIGINT NOT NULL,
    read_at    BIGINT
);
CREATE INDEX notifications_user ON notifications(user_id, id);
CREATE INDEX notifications_unread ON notifications(user_id, read_at);
CREATE INDEX notifications_event ON notifications(event_id);

-- Kinds of event a user asked not to be told about.
CREATE TABLE notification_mutes (
    user_id BIGINT NOT NULL REFERENCES users(id),
    kind    TEXT NOT NULL,
    PRIMARY KEY (user_id, kind)
);

-- The people an event concerns are found by their enterprise or provider.
CREATE INDEX users_enterprise ON users(enterprise_id);
CREATE INDEX users_provider ON users(provider_id);

-- Outbound webhooks: a receiver for the events of a region's subtree, of some kinds or all
-- ('*'), each payload signed with the subscription's secret (HMAC-SHA256).
CREATE TABLE webhooks (
    id          INTEGER PRIMARY KEY,
    url         TEXT NOT NULL,
    secret      TEXT NOT NULL,
    region_code TEXT NOT NULL,
    region_lo   TEXT NOT NULL,
    region_hi   TEXT NOT NULL,
    kinds       TEXT NOT NULL,
    active      BOOLEAN NOT NULL DEFAULT TRUE,
    created_by  TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);

-- One delivery of one event to one webhook, made in the event's own transaction: retried with backoff until delivered or given up;
-- a replay sets it pending again.
CREATE TABLE webhook_deliveries (
    id           INTEGER PRIMARY KEY,
    webhook_id   BIGINT NOT NULL REFERENCES webhooks(id),
    event_id     BIGINT NOT NULL REFERENCES events(id),
    status       TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts     BIGINT NOT NULL DEFAULT 0,
    next_at      BIGINT NOT NULL,
    last_status  BIGINT,
    last_error   TEXT NOT NULL DEFAULT '',
    delivered_at BIGINT,
    UNIQUE (webhook_id, event_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries(status, next_at);
CREATE INDEX webhook_deliveries_hook ON webhook_deliveries(webhook_id, id);
CREATE INDEX webhook_deliveries_event ON webhook_deliveries(event_id);
