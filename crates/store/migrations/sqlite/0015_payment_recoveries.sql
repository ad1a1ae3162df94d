-- Recoveries of overpayment (追回, issue 12 point 5). When a decision or a
-- death makes months already paid not owed (or owed less), the excess of
-- each month is recorded as a recovery of the payee line (a household's own
-- entitlement, or one member's), from the payee or the person liable. It is
-- settled by repayment, by an offset against a later payment line where the
-- region's policy allows it, or written off with a reason. Never a negative
-- payment line: a recovery is its own record, and settlements never exceed
-- its amount (settled_fen, kept in the same transaction as each settlement,
-- is checked against amount_fen by the database too).
CREATE TABLE payment_recovery (
    id INTEGER PRIMARY KEY,
    household_id BIGINT NOT NULL REFERENCES household (id),
    person_id BIGINT REFERENCES person (id),
    -- 'h<household>' or 'p<person>', as on payment_claim.
    payee_key TEXT NOT NULL,
    program TEXT NOT NULL,
    -- The household's region when recorded (scope).
    region_code TEXT NOT NULL,
    cause TEXT NOT NULL CONSTRAINT payment_recovery_cause_check CHECK (cause IN ('decision', 'death', 'error')),
    -- What caused it, in words (the decision, the death and its date).
    cause_note TEXT NOT NULL,
    -- From whom: the payee's name, or the person liable.
    debtor_name TEXT NOT NULL,
    amount_fen BIGINT NOT NULL CONSTRAINT payment_recovery_amount_check CHECK (amount_fen > 0),
    settled_fen BIGINT NOT NULL DEFAULT 0,
    state TEXT NOT NULL CONSTRAINT payment_recovery_state_check CHECK (state IN ('open', 'settled')),
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    CONSTRAINT payment_recovery_settled_check CHECK (settled_fen >= 0 AND settled_fen <= amount_fen),
    CONSTRAINT payment_recovery_state_settled_check CHECK ((state = 'settled') = (settled_fen = amount_fen))
);
CREATE INDEX payment_recovery_region_idx ON payment_recovery (region_code, state, id);
CREATE INDEX payment_recovery_household_idx ON payment_recovery (household_id, id);

-- The months a recovery takes back: what was paid, what is owed now, the excess.
CREATE TABLE payment_recovery_month (
    recovery_id BIGINT NOT NULL REFERENCES payment_recovery (id),
    payee_key TEXT NOT NULL,
    program TEXT NOT NULL,
    month BIGINT NOT NULL,
    paid_fen BIGINT NOT NULL,
    owed_fen BIGINT NOT NULL CONSTRAINT payment_recovery_month_owed_check CHECK (owed_fen >= 0),
    excess_fen BIGINT NOT NULL CONSTRAINT payment_recovery_month_excess_check CHECK (excess_fen > 0 AND excess_fen <= paid_fen),
    CONSTRAINT payment_recovery_month_key PRIMARY KEY (recovery_id, month)
);
CREATE INDEX payment_recovery_month_payee_idx ON payment_recovery_month (payee_key, program, month);

-- A settlement: repaid (its receipt), offset against a later payment line
-- (the line named; the offsets of a line never exceed its amount, checked in
-- the same transaction), or written off (its reason).
CREATE TABLE payment_recovery_settlement (
    id INTEGER PRIMARY KEY,
    recovery_id BIGINT NOT NULL REFERENCES payment_recovery (id),
    kind TEXT NOT NULL CONSTRAINT payment_recovery_settlement_kind_check CHECK (kind IN ('repaid', 'offset', 'written_off')),
    amount_fen BIGINT NOT NULL CONSTRAINT payment_recovery_settlement_amount_check CHECK (amount_fen > 0),
    note TEXT NOT NULL,
    line_id BIGINT REFERENCES payment_line (id),
    settled_by TEXT NOT NULL,
    settled_at TEXT NOT NULL,
    CONSTRAINT payment_recovery_settlement_line_check CHECK ((kind = 'offset') = (line_id IS NOT NULL)),
    CONSTRAINT payment_recovery_settlement_reason_check CHECK (kind <> 'written_off' OR note <> '')
);
CREATE INDEX payment_recovery_settlement_recovery_idx ON payment_recovery_settlement (recovery_id, id);
CREATE INDEX payment_recovery_settlement_line_idx ON payment_recovery_settlement (line_id);
