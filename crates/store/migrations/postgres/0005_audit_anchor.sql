-- The audit log anchored outside the database (issue 10, point 4).
--
-- Outcomes are a closed set (existing records are checked when the
-- constraint is added).
ALTER TABLE audit_event ADD CONSTRAINT audit_event_outcome_check CHECK (outcome IN ('allowed', 'denied'));

-- The first record with a keyed hash (HMAC under the key file); NULL until
-- the first record is appended with a key. Records before it carry the
-- plain SHA-256 chain of migration 0002.
ALTER TABLE audit_head ADD COLUMN keyed_from BIGINT;
