-- The bank's returns (回盘, issue 12): one accepted return per roll, and the
-- correction list of failed payments. A return is stored only when every
-- line reconciled with the roll (jiuzhu_domain::payment::reconcile), in the
-- same transaction as its outcomes: the lines paid or failed, the failed
-- lines' claims held, a correction opened for each. The unique index on
-- roll_id makes a second import of the same roll a conflict.
CREATE TABLE payment_return (
    id INTEGER PRIMARY KEY,
    roll_id BIGINT NOT NULL REFERENCES payment_roll (id),
    file_name TEXT NOT NULL,
    file_sha256 TEXT NOT NULL,
    line_count BIGINT NOT NULL,
    paid_count BIGINT NOT NULL,
    paid_fen BIGINT NOT NULL,
    failed_count BIGINT NOT NULL,
    failed_fen BIGINT NOT NULL,
    imported_by TEXT NOT NULL,
    imported_at TEXT NOT NULL
);
CREATE UNIQUE INDEX payment_return_roll_id_key ON payment_return (roll_id);

-- A failed payment to correct (账户已销户, 户名不符…): the account is fixed,
-- then the correction is resolved, which releases the line's held claims so
-- that the next roll (supplementary or regular) pays those months once.
CREATE TABLE payment_correction (
    id INTEGER PRIMARY KEY,
    line_id BIGINT NOT NULL REFERENCES payment_line (id),
    roll_id BIGINT NOT NULL REFERENCES payment_roll (id),
    return_id BIGINT NOT NULL REFERENCES payment_return (id),
    household_id BIGINT NOT NULL REFERENCES household (id),
    region_code TEXT NOT NULL,
    amount_fen BIGINT NOT NULL,
    reason TEXT NOT NULL,
    state TEXT NOT NULL CONSTRAINT payment_correction_state_check CHECK (state IN ('open', 'resolved')),
    opened_at TEXT NOT NULL,
    resolved_at TEXT,
    resolved_by TEXT,
    CONSTRAINT payment_correction_line_id_key UNIQUE (line_id)
);
CREATE INDEX payment_correction_region_idx ON payment_correction (region_code, state, id);
CREATE INDEX payment_correction_household_idx ON payment_correction (household_id, id);
