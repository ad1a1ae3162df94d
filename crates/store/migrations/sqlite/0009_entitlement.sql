-- Entitlements (待遇, issue 11): what a decision grants, month by month.
-- Who receives: the household (person_id NULL) or one member (单人保, 特困).
-- Months are integers YYYYMM (the 补贴期号 of a payment roll); last_month is
-- NULL while the entitlement runs. A later decision ends one entitlement and
-- starts the next, so what was owed for a month is a query. At most one
-- open entitlement per household line and per person line (partial unique
-- indexes, a safety net behind the domain rule). One replaced before its
-- first month (changed) ends before it and owes nothing.
CREATE TABLE entitlement (
    id INTEGER PRIMARY KEY,
    household_id BIGINT NOT NULL REFERENCES household (id),
    person_id BIGINT REFERENCES person (id),
    program TEXT NOT NULL,
    monthly_fen BIGINT NOT NULL CONSTRAINT entitlement_monthly_check CHECK (monthly_fen >= 0),
    first_month BIGINT NOT NULL,
    last_month BIGINT,
    case_id BIGINT REFERENCES assistance_case (id),
    policy_versions TEXT NOT NULL,
    ended_reason TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CONSTRAINT entitlement_months_check CHECK (last_month IS NULL OR last_month >= first_month OR ended_reason = 'changed')
);
CREATE INDEX entitlement_household_idx ON entitlement (household_id, first_month, id);
CREATE INDEX entitlement_person_idx ON entitlement (person_id, first_month);
CREATE INDEX entitlement_month_idx ON entitlement (program, first_month, last_month);
CREATE INDEX entitlement_case_idx ON entitlement (case_id);
CREATE UNIQUE INDEX entitlement_household_id_key ON entitlement (household_id, program)
    WHERE person_id IS NULL AND last_month IS NULL;
CREATE UNIQUE INDEX entitlement_person_id_key ON entitlement (person_id, program)
    WHERE person_id IS NOT NULL AND last_month IS NULL;

-- Every approved monthly case becomes an entitlement from the month after its
-- decision (the first month its decision notice names); of several approved
-- cases of one line, each runs until the month before the next one starts
-- (ended as changed), and of two starting in the same month the later case
-- stands alone. 低保 is the household's; 单人保 and 特困 the applicant's.
WITH approved AS (
    SELECT c.id AS case_id,
           c.household_id,
           CASE WHEN c.kind = 'dibao' THEN NULL
                ELSE CAST(json_extract(a.detail, '$.applicant_person_id') AS INTEGER) END AS person_id,
           CASE WHEN c.kind = 'tekun' THEN 'tekun' ELSE 'dibao' END AS program,
           c.amount_fen,
           CAST(strftime('%Y%m', c.decided_on, 'start of month', '+1 month') AS INTEGER) AS first_month,
           COALESCE(json_extract(c.decision, '$.policy_versions'), '[]') AS policy_versions,
           c.updated_at
    FROM assistance_case c
    JOIN application a ON a.id = c.application_id
    WHERE c.stage = 'approved' AND c.kind IN ('dibao', 'dibao_individual', 'tekun')
      AND c.amount_fen IS NOT NULL AND c.decided_on IS NOT NULL
),
lined AS (
    SELECT approved.*,
           CASE WHEN person_id IS NULL THEN 'h' || household_id ELSE 'p' || person_id END AS line,
           ROW_NUMBER() OVER (
               PARTITION BY CASE WHEN person_id IS NULL THEN 'h' || household_id ELSE 'p' || person_id END,
                            program, first_month
               ORDER BY case_id DESC) AS dup
    FROM approved
),
kept AS (
    SELECT lined.*,
           LEAD(first_month) OVER (PARTITION BY line, program ORDER BY first_month, case_id) AS next_first
    FROM lined
    WHERE dup = 1
)
INSERT INTO entitlement (household_id, person_id, program, monthly_fen, first_month, last_month, case_id,
                         policy_versions, ended_reason, created_at, updated_at)
SELECT household_id, person_id, program, amount_fen, first_month,
       CASE WHEN next_first IS NULL THEN NULL
            WHEN next_first % 100 = 1 THEN next_first - 89
            ELSE next_first - 1 END,
       case_id, policy_versions,
       CASE WHEN next_first IS NULL THEN NULL ELSE 'changed' END,
       updated_at, updated_at
FROM kept;

-- Households enrolled through the roster (a programme and an amount, no
-- approved case of that programme): a household entitlement without a
-- decision, from the month the household was registered (nothing earlier is
-- known). Only the monthly programmes (低保, 特困) are entitlements.
INSERT INTO entitlement (household_id, person_id, program, monthly_fen, first_month, last_month, case_id,
                         policy_versions, ended_reason, created_at, updated_at)
SELECT h.id, NULL, h.program, h.monthly_benefit_fen,
       CAST(substr(h.created_at, 1, 4) || substr(h.created_at, 6, 2) AS INTEGER),
       NULL, NULL, '[]', NULL, h.updated_at, h.updated_at
FROM household h
WHERE h.program IN ('dibao', 'tekun') AND h.monthly_benefit_fen IS NOT NULL AND h.monthly_benefit_fen >= 0
  AND NOT EXISTS (SELECT 1 FROM entitlement e WHERE e.household_id = h.id AND e.program = h.program);
