-- The audit log anchored outside the database (issue 10, point 4).
--
-- Outcomes are a closed set. SQLite cannot add a CHECK constraint to an
-- existing table, so the table is rebuilt with it: the records are copied
-- as they are (DROP TABLE removes the triggers before its implicit delete,
-- so the append-only triggers do not fire), then the indexes and the
-- append-only triggers are created again.
CREATE TABLE audit_event_checked (
    seq BIGINT PRIMARY KEY,
    at TEXT NOT NULL,
    user_id BIGINT,
    login TEXT NOT NULL,
    ip TEXT NOT NULL,
    action TEXT NOT NULL,
    target_kind TEXT NOT NULL,
    target_id TEXT NOT NULL,
    region_code TEXT NOT NULL,
    outcome TEXT NOT NULL CONSTRAINT audit_event_outcome_check CHECK (outcome IN ('allowed', 'denied')),
    before_value TEXT NOT NULL,
    after_value TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_event_checked (seq, at, user_id, login, ip, action, target_kind, target_id, region_code, outcome,
                                 before_value, after_value, prev_hash, hash)
    SELECT seq, at, user_id, login, ip, action, target_kind, target_id, region_code, outcome,
           before_value, after_value, prev_hash, hash
    FROM audit_event ORDER BY seq;
DROP TABLE audit_event;
ALTER TABLE audit_event_checked RENAME TO audit_event;
CREATE INDEX audit_event_at_idx ON audit_event (at);
CREATE INDEX audit_event_login_idx ON audit_event (login, seq);
CREATE INDEX audit_event_target_idx ON audit_event (target_kind, target_id);
CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event
BEGIN
    SELECT RAISE(ABORT, 'audit_event is append-only');
END;
CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event
BEGIN
    SELECT RAISE(ABORT, 'audit_event is append-only');
END;

-- The first record with a keyed hash (HMAC under the key file); NULL until
-- the first record is appended with a key. Records before it carry the
-- plain SHA-256 chain of migration 0002.
ALTER TABLE audit_head ADD COLUMN keyed_from BIGINT;
