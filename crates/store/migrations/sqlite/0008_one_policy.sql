-- One policy (issue 11): the verification thresholds each region set in
-- `verification_policy` become policy versions in `assistance_policy`, and
-- the old table goes.
--
-- A region's latest version in force replaces its earlier ones (fields it
-- does not set come from the region above), so a region's two timelines
-- are merged: for every date on which the region has either kind of entry
-- and a verification policy is in force, a new version (insert only; old
-- versions stay as decisions named them) holds
--   * the region's assistance version in force on that date, unchanged;
--   * the thresholds of the verification policy in force on that date
--     (max homes, home area per person with "none" as 0, deposit months,
--     near margin);
--   * its 低保 standard as the urban and the rural standard, but only
--     where that assistance version does not set them: a standard set for
--     applications wins, since decisions were made with it.
-- Regions no longer in the region table are skipped.
INSERT INTO assistance_policy (region_code, effective_from, patch, created_by, created_at)
SELECT d.region_code, d.effective_from,
    json_patch(
        json_patch(
            json_object(
                'dibao_urban', json_extract(v.policy, '$.dibao_standard'),
                'dibao_rural', json_extract(v.policy, '$.dibao_standard')),
            COALESCE((SELECT a.patch FROM assistance_policy a
                WHERE a.region_code = d.region_code AND a.effective_from <= d.effective_from
                ORDER BY a.effective_from DESC, a.id DESC LIMIT 1), '{}')),
        json_object(
            'max_homes', json_extract(v.policy, '$.max_homes'),
            'max_home_area_centi_m2', IFNULL(json_extract(v.policy, '$.max_home_area_per_person_centi_m2'), 0),
            'deposit_months', json_extract(v.policy, '$.deposit_months'),
            'near_margin_percent', json_extract(v.policy, '$.near_margin_percent'))),
    v.updated_by, v.updated_at
FROM (SELECT region_code, effective_from FROM verification_policy
      UNION SELECT region_code, effective_from FROM assistance_policy) d
JOIN verification_policy v ON v.region_code = d.region_code
    AND v.effective_from = (SELECT MAX(w.effective_from) FROM verification_policy w
        WHERE w.region_code = d.region_code AND w.effective_from <= d.effective_from)
WHERE d.region_code IN (SELECT code FROM region)
ORDER BY d.effective_from, d.region_code;

DROP TABLE verification_policy;
