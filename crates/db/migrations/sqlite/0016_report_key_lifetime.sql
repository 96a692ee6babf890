-- Trusted upward-report keys get an expiry and can be revoked (with who, when and why); an
-- expired or revoked key signs nothing that is imported. Keys trusted before this get a year.

ALTER TABLE report_keys ADD COLUMN expires_at BIGINT;
ALTER TABLE report_keys ADD COLUMN revoked_at BIGINT;
ALTER TABLE report_keys ADD COLUMN revoked_by TEXT;
ALTER TABLE report_keys ADD COLUMN revoke_reason TEXT;
UPDATE report_keys SET expires_at = added_at + 31536000000;
