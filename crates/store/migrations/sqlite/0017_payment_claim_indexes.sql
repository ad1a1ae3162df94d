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
