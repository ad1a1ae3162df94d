-- Issue 11: the inbox counts open, late and due-soon cases in SQL from
-- stored columns (it loaded up to 5,000 cases to count in Rust). Beside
-- `step_due` (a date) and `overall_due`, a case now keeps whether it is
-- suspended (its clocks stopped) and, for a step due at an instant (the
-- 急难 payment), that instant. Both are written from the case's state with
-- every change; existing cases are filled in from their stored state.
ALTER TABLE assistance_case ADD COLUMN suspended BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE assistance_case ADD COLUMN step_due_at TIMESTAMPTZ;

UPDATE assistance_case SET
    suspended = (state::jsonb ->> 'suspended_on') IS NOT NULL,
    step_due_at = CASE WHEN state::jsonb #>> '{step_due,type}' = 'instant'
        THEN (state::jsonb #>> '{step_due,value}')::timestamptz END;
