-- The months a roll claims, indexed for what is asked of them (issue 12's
-- benchmark: a roll of 1,000,000 payees).
--
-- A draft claim is looked up only by its roll or its line, so it enters no
-- index by payee: generation writes each claim into the primary key and
-- two indexes that grow at their end. The payee's months are asked only of
-- live claims (what was paid: the unique index payment_claim_payee_key_key,
-- unchanged) and of held ones (a failed payment waiting for its
-- correction: payment_claim_held_idx, a handful of rows).
DROP INDEX payment_claim_month_idx;
DROP INDEX payment_claim_roll_idx;
CREATE INDEX payment_claim_roll_idx ON payment_claim (roll_id, line_id);
CREATE INDEX payment_claim_held_idx ON payment_claim (payee_key, program, month) WHERE state = 'held';

-- A roll's lines are matched payee by payee (the differences from the
-- month before) within their household, through payment_line_household_idx:
-- the index by roll and payee cost a random insertion per line.
DROP INDEX payment_line_payee_idx;

-- A roll's lines and claims are written only by generation, set-based, from
-- the very rows they reference, in the same transaction; nothing deletes a
-- roll, household, person, entitlement or (but a draft's, with its claims)
-- line. PostgreSQL checks a foreign key by locking the referenced row for
-- each row inserted — a million locks of one roll and a million households
-- dirtied for a million-line roll (52 of 74 seconds of inserting the lines
-- in the benchmark) — so these tables keep their references unchecked here.
-- SQLite's checks are plain index probes and stay.
ALTER TABLE payment_line DROP CONSTRAINT payment_line_roll_id_fkey;
ALTER TABLE payment_line DROP CONSTRAINT payment_line_household_id_fkey;
ALTER TABLE payment_line DROP CONSTRAINT payment_line_person_id_fkey;
ALTER TABLE payment_line DROP CONSTRAINT payment_line_entitlement_id_fkey;
ALTER TABLE payment_claim DROP CONSTRAINT payment_claim_roll_id_fkey;
ALTER TABLE payment_claim DROP CONSTRAINT payment_claim_line_id_fkey;
ALTER TABLE payment_claim DROP CONSTRAINT payment_claim_entitlement_id_fkey;

-- A return marks every line of a roll paid in one statement; with room left
-- on each page the new version of a line stays on its page and no index is
-- touched (a heap-only update: 5 s instead of 15 s for a million lines in
-- the benchmark). The room is taken by the next rolls' lines once pruned.
ALTER TABLE payment_line SET (fillfactor = 50);
