-- Notices outside the platform (issue #17): where a person wants them — an e-mail address and a
-- mainland mobile number, both optional personal data — and whether they want them at all
-- (off unless they turn it on). The language of their notices is the one they used when they
-- last saved this.
CREATE TABLE user_contacts (
    user_id    BIGINT PRIMARY KEY REFERENCES users(id),
    email      TEXT NOT NULL DEFAULT '',
    mobile     TEXT NOT NULL DEFAULT '',
    email_on   BOOLEAN NOT NULL DEFAULT FALSE,
    sms_on     BOOLEAN NOT NULL DEFAULT FALSE,
    lang       TEXT NOT NULL DEFAULT 'zh-CN',
    updated_at BIGINT NOT NULL
);

-- An outbox of mails and SMS: one row per message (站内信) sent on by a channel, made in the
-- transaction of the message itself, and only when the channel is on in this installation's
-- configuration (meta 'outbound.email' / 'outbound.sms' = 'on'), the person opted in and gave
-- an address. The worker sends it, retrying with backoff until sent or given up ('failed').
CREATE TABLE outbound_messages (
    id              INTEGER PRIMARY KEY,
    channel         TEXT NOT NULL CHECK (channel IN ('email', 'sms')),
    user_id         BIGINT NOT NULL REFERENCES users(id),
    notification_id BIGINT NOT NULL REFERENCES notifications(id),
    event_id        BIGINT NOT NULL REFERENCES events(id),
    address         TEXT NOT NULL,
    lang            TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_at         BIGINT NOT NULL,
    last_error      TEXT NOT NULL DEFAULT '',
    created_at      BIGINT NOT NULL,
    sent_at         BIGINT,
    UNIQUE (notification_id, channel)
);
CREATE INDEX outbound_messages_due ON outbound_messages(status, next_at);
CREATE INDEX outbound_messages_user ON outbound_messages(user_id, id);
CREATE INDEX outbound_messages_event ON outbound_messages(event_id);
