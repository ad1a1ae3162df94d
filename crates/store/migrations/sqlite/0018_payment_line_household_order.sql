-- A roll's lines are numbered (序号) in the order of their households, and
-- indexed by roll and household (issue 12's benchmark: a roll of 1,000,000
-- payees). Every index of a new roll's lines then grows at its end as the
-- lines are written in 序号 order: the index by household and roll took an
-- insertion at a random place per line (3 of the 9 seconds a million lines
-- cost to write on PostgreSQL). A household's lines across rolls are found
-- roll by roll (a county has a few hundred rolls, each one descent).
DROP INDEX payment_line_household_idx;
CREATE INDEX payment_line_roll_household_idx ON payment_line (roll_id, household_id);

-- A one-month line claims its month at approval, from the line itself; the
-- draft claims such lines got before this version go (they would be made
-- live beside the claim written at approval, and the approval refused).
DELETE FROM payment_claim WHERE state = 'draft'
    AND line_id IN (SELECT id FROM payment_line WHERE month_count = 1);
