-- Optimistic locking for members, as for households (issue 10): an edit
-- names the version it started from; a stale edit is refused.
ALTER TABLE person ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
