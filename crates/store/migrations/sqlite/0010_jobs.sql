-- Background jobs (issue 11): work too long for one request (a county-wide
-- verification run, a large import) is queued here and done by a worker in
-- chunks, each committed with its progress. A worker holds a job by a lease
-- it renews at every chunk; a job whose lease ran out is claimed again and
-- resumed. At most one job of a kind is active per region.
CREATE TABLE job (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    -- Empty: the whole installation.
    region_code TEXT NOT NULL,
    -- The job's parameters (the app's typed JSON).
    params TEXT NOT NULL,
    started_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed', 'cancelled')),
    done BIGINT NOT NULL DEFAULT 0,
    total BIGINT NOT NULL DEFAULT 0,
    -- What a finished job produced (the app's typed JSON).
    result TEXT,
    -- Why it failed: a message key and its arguments, as JSON.
    error TEXT,
    lease_owner TEXT,
    lease_until TEXT,
    attempts BIGINT NOT NULL DEFAULT 0,
    cancel_requested BOOLEAN NOT NULL DEFAULT FALSE,
    finished_at TEXT
);
-- One active job of a kind per region (the name follows the convention the
-- store maps SQLite's unique violations by).
CREATE UNIQUE INDEX job_kind_key ON job (kind, region_code) WHERE state IN ('queued', 'running');
CREATE INDEX job_state_idx ON job (state, id);
CREATE INDEX job_kind_region_idx ON job (kind, region_code, id);

-- An uploaded file a job reads (a roster, a department delivery), kept
-- until the job ends.
CREATE TABLE job_upload (
    job_id BIGINT PRIMARY KEY REFERENCES job (id),
    bytes BLOB NOT NULL
);

-- The results a verification run job has computed so far, one per
-- household: the run and its results are written from these in the job's
-- last transaction, so no half-written run is ever seen.
CREATE TABLE job_verification_result (
    job_id BIGINT NOT NULL REFERENCES job (id),
    household_id BIGINT NOT NULL,
    at TEXT NOT NULL,
    members TEXT NOT NULL,
    sums TEXT NOT NULL,
    findings TEXT NOT NULL,
    finding_count BIGINT NOT NULL,
    policy TEXT NOT NULL,
    deliveries TEXT NOT NULL,
    PRIMARY KEY (job_id, household_id)
);

-- A run made by a job names it; one result per household in a run.
ALTER TABLE verification_run ADD COLUMN job_id BIGINT REFERENCES job (id);
CREATE UNIQUE INDEX verification_run_job_id_key ON verification_run (job_id);
CREATE UNIQUE INDEX verification_result_run_id_key ON verification_result (run_id, household_id);
