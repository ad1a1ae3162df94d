-- Payment rolls (发放花名册, issue 12): what is paid for a month.
-- A roll is made for a region (county or township), a programme group and a
-- month (YYYYMM, the 补贴期号), regular (one per region, group and month) or
-- supplementary (corrections after failed payments). Its lines are generated
-- set-based from the entitlements in force, and frozen when approved: each
-- line keeps a snapshot of the payee's name, ID number and account.
--
-- Exactly once: every line claims the months it pays (payment_claim, one
-- row per payee, programme and month). A claim is 'draft' while its roll is,
-- 'live' once approved (sent or paid), 'held' while a failed payment waits
-- for its correction, 'released' when the correction may pay it again. The
-- partial unique index payment_claim_payee_key_key lets at most one live
-- claim exist per (payee, programme, month): the database itself refuses
-- paying a month twice. The payee is 'h<household id>' for a household's
-- line (paid in the head's name) and 'p<person id>' for a person's.
CREATE TABLE payment_roll (
    id INTEGER PRIMARY KEY,
    region_code TEXT NOT NULL REFERENCES region (code),
    program_group TEXT NOT NULL CONSTRAINT payment_roll_group_check CHECK (program_group IN ('all', 'dibao', 'tekun')),
    month BIGINT NOT NULL,
    kind TEXT NOT NULL CONSTRAINT payment_roll_kind_check CHECK (kind IN ('regular', 'supplementary')),
    state TEXT NOT NULL CONSTRAINT payment_roll_state_check CHECK (state IN ('draft', 'approved', 'exported', 'closed')),
    -- The first month the roll may pay back (earlier months are not back-paid).
    paid_from BIGINT NOT NULL,
    prepared_by TEXT NOT NULL,
    prepared_at TEXT NOT NULL,
    approved_by TEXT,
    approved_at TEXT,
    -- Lines with an account (paid through the bank) and their total.
    line_count BIGINT NOT NULL DEFAULT 0,
    total_fen BIGINT NOT NULL DEFAULT 0,
    -- Lines whose payee has no current account (not sent; their months stay owed).
    no_account_count BIGINT NOT NULL DEFAULT 0,
    no_account_fen BIGINT NOT NULL DEFAULT 0,
    -- The bank file as exported.
    file_sha256 TEXT,
    file_lines BIGINT,
    file_total_fen BIGINT,
    exported_at TEXT,
    exported_by TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    CONSTRAINT payment_roll_two_person_check CHECK (approved_by IS NULL OR approved_by <> prepared_by)
);
CREATE UNIQUE INDEX payment_roll_region_code_key ON payment_roll (region_code, program_group, month)
    WHERE kind = 'regular';
CREATE INDEX payment_roll_month_idx ON payment_roll (month, region_code, id);

CREATE TABLE payment_line (
    id INTEGER PRIMARY KEY,
    roll_id BIGINT NOT NULL REFERENCES payment_roll (id),
    -- 序号, 1.. in the roll.
    seq BIGINT NOT NULL,
    -- 'current': the roll's month; 'backpay': 补发 of earlier months.
    kind TEXT NOT NULL CONSTRAINT payment_line_kind_check CHECK (kind IN ('current', 'backpay')),
    payee_key TEXT NOT NULL,
    household_id BIGINT NOT NULL REFERENCES household (id),
    person_id BIGINT REFERENCES person (id),
    program TEXT NOT NULL,
    -- The household's region when generated (totals by township).
    region_code TEXT NOT NULL,
    -- The entitlement of the latest month paid.
    entitlement_id BIGINT NOT NULL REFERENCES entitlement (id),
    first_month BIGINT NOT NULL,
    last_month BIGINT NOT NULL,
    month_count BIGINT NOT NULL,
    amount_fen BIGINT NOT NULL CONSTRAINT payment_line_amount_check CHECK (amount_fen >= 0),
    -- Snapshot when generated: the payee (the head for a household line).
    payee_name TEXT NOT NULL,
    id_number TEXT NOT NULL,
    -- The payee's current account; NULL: none recorded (the line is not sent).
    holder TEXT,
    account_name TEXT,
    bank TEXT,
    account_number TEXT,
    institution_name TEXT,
    result TEXT NOT NULL CONSTRAINT payment_line_result_check CHECK (result IN ('pending', 'paid', 'failed', 'no_account')),
    failure_reason TEXT,
    CONSTRAINT payment_line_roll_id_key UNIQUE (roll_id, seq)
);
CREATE INDEX payment_line_payee_idx ON payment_line (roll_id, payee_key, program, kind);
CREATE INDEX payment_line_household_idx ON payment_line (household_id, roll_id);

CREATE TABLE payment_claim (
    id INTEGER PRIMARY KEY,
    roll_id BIGINT NOT NULL REFERENCES payment_roll (id),
    line_id BIGINT REFERENCES payment_line (id),
    kind TEXT NOT NULL,
    payee_key TEXT NOT NULL,
    household_id BIGINT NOT NULL,
    person_id BIGINT,
    program TEXT NOT NULL,
    month BIGINT NOT NULL,
    fen BIGINT NOT NULL CONSTRAINT payment_claim_fen_check CHECK (fen >= 0),
    entitlement_id BIGINT NOT NULL REFERENCES entitlement (id),
    state TEXT NOT NULL CONSTRAINT payment_claim_state_check CHECK (state IN ('draft', 'live', 'held', 'released'))
);
CREATE UNIQUE INDEX payment_claim_payee_key_key ON payment_claim (payee_key, program, month) WHERE state = 'live';
CREATE INDEX payment_claim_month_idx ON payment_claim (payee_key, program, month, state);
CREATE INDEX payment_claim_roll_idx ON payment_claim (roll_id, payee_key, program, kind);
CREATE INDEX payment_claim_line_idx ON payment_claim (line_id);
