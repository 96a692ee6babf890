-- Account security: one-time passwords, TOTP second factor, token expiry, pending logins.

-- Set after a reset or when someone else chose the password: the session may only change it.
ALTER TABLE users ADD COLUMN must_change_password BOOLEAN NOT NULL DEFAULT FALSE;
-- The confirmed TOTP secret (base32), a secret offered at enrolment but not yet confirmed,
-- and the last time step accepted (a code is good once).
ALTER TABLE users ADD COLUMN totp_secret TEXT;
ALTER TABLE users ADD COLUMN totp_pending TEXT;
ALTER TABLE users ADD COLUMN totp_last_step BIGINT;

ALTER TABLE api_tokens ADD COLUMN expires_at BIGINT;

-- One-time recovery codes for the second factor, stored as SM3 hashes.
CREATE TABLE totp_recovery_codes (
    id        INTEGER PRIMARY KEY,
    user_id   BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL,
    used_at   BIGINT
);
CREATE INDEX totp_recovery_codes_user ON totp_recovery_codes(user_id, code_hash);

-- A password accepted, the second factor still to come: short-lived, stored hashed.
CREATE TABLE login_challenges (
    id_hash    TEXT PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    expires_at BIGINT NOT NULL
);
CREATE INDEX login_challenges_user ON login_challenges(user_id);

-- Tokens issued before expiry existed get the default lifetime (90 days) from their creation.
UPDATE api_tokens SET expires_at = created_at + 7776000000;
