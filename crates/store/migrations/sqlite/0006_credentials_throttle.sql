-- Credentials that end, and throttling that holds across restarts and
-- server processes (issue 10).
--
-- API tokens get a number (to list and revoke them), an expiry, the time of
-- their last use and the time they were revoked. Tokens issued before this
-- migration expire 90 days after their creation.
CREATE TABLE api_token_new (
    id INTEGER PRIMARY KEY,
    token_hash TEXT NOT NULL CONSTRAINT api_token_hash_key UNIQUE,
    user_id BIGINT NOT NULL REFERENCES app_user (id),
    name TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    last_used_at TEXT,
    revoked_at TEXT
);
INSERT INTO api_token_new (token_hash, user_id, name, created_at, expires_at, revoked_at)
SELECT token_hash, user_id, name, created_at,
       strftime('%Y-%m-%dT%H:%M:%S+00:00', created_at, '+90 days'),
       CASE WHEN revoked THEN created_at END
FROM api_token ORDER BY created_at;
DROP TABLE api_token;
ALTER TABLE api_token_new RENAME TO api_token;
CREATE INDEX api_token_user_idx ON api_token (user_id, id);

-- Failed sign-ins (and wrong current passwords) per client address, for
-- throttling across accounts; rows older than the window are deleted.
CREATE TABLE login_failure (
    id INTEGER PRIMARY KEY,
    address TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX login_failure_address_idx ON login_failure (address, at);
CREATE INDEX login_failure_at_idx ON login_failure (at);

-- Anonymous objections are counted per address and notice.
CREATE INDEX public_objection_address_idx ON public_objection (from_address, notice_id, at);
