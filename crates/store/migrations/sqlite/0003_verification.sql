-- Economic verification: department data deliveries (kept for ever, so a
-- report can be re-created as it was), region policies with effective
-- dates, verification runs and results, and objections (异议复核).
CREATE TABLE delivery (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    department TEXT NOT NULL,
    as_of TEXT NOT NULL,
    file_name TEXT NOT NULL,
    format TEXT NOT NULL,
    rows_read BIGINT NOT NULL,
    rows_rejected BIGINT NOT NULL,
    imported_by TEXT NOT NULL,
    imported_at TEXT NOT NULL
);
CREATE INDEX delivery_kind_idx ON delivery (kind, as_of, id);

CREATE TABLE dept_record (
    delivery_id BIGINT NOT NULL REFERENCES delivery (id),
    line BIGINT NOT NULL,
    person_key BIGINT NOT NULL,
    id_number TEXT NOT NULL,
    amount BIGINT,
    category TEXT,
    data TEXT NOT NULL,
    PRIMARY KEY (delivery_id, line)
);
CREATE INDEX dept_record_person_idx ON dept_record (person_key, delivery_id);

CREATE TABLE dept_rejection (
    delivery_id BIGINT NOT NULL REFERENCES delivery (id),
    seq BIGINT NOT NULL,
    line BIGINT,
    column_name TEXT NOT NULL,
    message TEXT NOT NULL,
    PRIMARY KEY (delivery_id, seq)
);

CREATE TABLE verification_policy (
    region_code TEXT NOT NULL,
    effective_from TEXT NOT NULL,
    policy TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (region_code, effective_from)
);

CREATE TABLE verification_run (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    run_by TEXT NOT NULL,
    region_code TEXT NOT NULL,
    deliveries TEXT NOT NULL,
    households BIGINT NOT NULL,
    with_findings BIGINT NOT NULL
);

CREATE TABLE verification_result (
    id INTEGER PRIMARY KEY,
    run_id BIGINT NOT NULL REFERENCES verification_run (id),
    household_id BIGINT NOT NULL REFERENCES household (id),
    at TEXT NOT NULL,
    members TEXT NOT NULL,
    sums TEXT NOT NULL,
    findings TEXT NOT NULL,
    finding_count BIGINT NOT NULL,
    policy TEXT NOT NULL,
    deliveries TEXT NOT NULL
);
CREATE INDEX verification_result_household_idx ON verification_result (household_id, id);
CREATE INDEX verification_result_run_idx ON verification_result (run_id, id);

CREATE TABLE verification_objection (
    id INTEGER PRIMARY KEY,
    result_id BIGINT NOT NULL REFERENCES verification_result (id),
    rule TEXT NOT NULL,
    reason TEXT NOT NULL,
    evidence TEXT NOT NULL,
    lodged_by TEXT NOT NULL,
    lodged_at TEXT NOT NULL,
    outcome TEXT,
    outcome_note TEXT NOT NULL DEFAULT '',
    decided_by TEXT,
    decided_at TEXT
);
CREATE INDEX verification_objection_result_idx ON verification_objection (result_id, id);
