-- Payees and accounts (收款账户, issue 12): where each recipient is paid.
-- A household entitlement is paid into an account in the household head's
-- name, a personal one (单人保, 特困) into the person's own, a 集中供养 特困
-- person's into the institution's collective account (payments.md). One
-- current account per payee line (the household, or one member); a change
-- replaces the current row (replaced_at set) and inserts the next, so the
-- history stays and the next roll reads the new one. Account numbers are
-- stored as digits only; a card or passbook held by an official (代管) names
-- the official and the filed agreement (57号 art. 26).
CREATE TABLE institution (
    id INTEGER PRIMARY KEY,
    region_code TEXT NOT NULL REFERENCES region (code),
    name TEXT NOT NULL,
    account_name TEXT NOT NULL,
    bank TEXT NOT NULL,
    account_number TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    CONSTRAINT institution_region_code_key UNIQUE (region_code, name)
);

CREATE TABLE payee_account (
    id INTEGER PRIMARY KEY,
    household_id BIGINT NOT NULL REFERENCES household (id),
    -- NULL: the household's own account (in the head's name).
    person_id BIGINT REFERENCES person (id),
    holder TEXT NOT NULL CONSTRAINT payee_account_holder_check CHECK (holder IN ('head', 'own', 'institution')),
    institution_id BIGINT REFERENCES institution (id),
    account_name TEXT NOT NULL,
    bank TEXT NOT NULL,
    account_number TEXT NOT NULL,
    custodian TEXT NOT NULL DEFAULT '',
    custody_agreement TEXT NOT NULL DEFAULT '',
    recorded_at TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    replaced_at TEXT,
    CONSTRAINT payee_account_institution_check CHECK ((holder = 'institution') = (institution_id IS NOT NULL)),
    CONSTRAINT payee_account_custody_check CHECK (custodian = '' OR custody_agreement <> '')
);
CREATE INDEX payee_account_household_idx ON payee_account (household_id, id);
CREATE UNIQUE INDEX payee_account_household_id_key ON payee_account (household_id)
    WHERE person_id IS NULL AND replaced_at IS NULL;
CREATE UNIQUE INDEX payee_account_person_id_key ON payee_account (person_id)
    WHERE person_id IS NOT NULL AND replaced_at IS NULL;
