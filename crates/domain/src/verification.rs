//! Verification findings: what a household's sums mean under a region's
//! policy (`verification.md`: "the sums are facts; the findings are
//! policy. Keep them apart").
//!
//! [`findings`] is pure: the same sums and policy always give the same
//! findings, each naming its rule, the threshold in force and the number
//! that crossed it, so a report can show why. The thresholds come from the
//! one policy in force for the household's region (`crate::policy`).

use serde::{Deserialize, Serialize};

use crate::dataset::{DatasetKind, counts};
use crate::i18n::Message;
use crate::money::Fen;

/// The household sums computed by the verification engine.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HouseholdSums {
    pub household_id: String,
    pub members: u32,
    pub wage_fen: i64,
    pub pension_fen: i64,
    pub vehicles: u32,
    pub homes: u32,
    /// Hundredths of a square metre.
    pub home_area_centi_m2: i64,
    pub other_properties: u32,
    pub businesses: u32,
    pub deposits_fen: i64,
    pub deceased: u32,
    pub public_payroll: u32,
}

/// The thresholds the findings are drawn with: a plain value built from
/// the policy in force for the household's region and area
/// ([`crate::policy::Policy::thresholds`]); a result keeps it, so its report
/// reads the same later.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Thresholds {
    /// The local 低保 standard, per person per month.
    pub dibao_standard: Fen,
    /// More homes than this is a finding.
    pub max_homes: u32,
    /// Home area per person above this (hundredths of m²) is a finding;
    /// `None`: no area rule.
    pub max_home_area_per_person_centi_m2: Option<i64>,
    /// Deposits per person above this many months of the standard.
    pub deposit_months: i64,
    /// Income within this percentage below the standard is "near" it
    /// (exit early warning).
    pub near_margin_percent: i64,
}

impl Default for Thresholds {
    /// The thresholds of the default policy under the rural standard.
    fn default() -> Self {
        crate::policy::Policy::default().thresholds(crate::assistance::Area::Rural)
    }
}

/// The rules a finding can come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    OwnsCar,
    TooManyHomes,
    HomeAreaPerPerson,
    NonResidentialProperty,
    ActiveBusiness,
    DepositsAbove,
    PublicPayroll,
    Deceased,
    IncomeAtOrAboveStandard,
    IncomeNearStandard,
}

impl Rule {
    pub fn code(self) -> &'static str {
        match self {
            Rule::OwnsCar => "owns_car",
            Rule::TooManyHomes => "too_many_homes",
            Rule::HomeAreaPerPerson => "home_area_per_person",
            Rule::NonResidentialProperty => "non_residential_property",
            Rule::ActiveBusiness => "active_business",
            Rule::DepositsAbove => "deposits_above",
            Rule::PublicPayroll => "public_payroll",
            Rule::Deceased => "deceased",
            Rule::IncomeAtOrAboveStandard => "income_at_or_above_standard",
            Rule::IncomeNearStandard => "income_near_standard",
        }
    }
}

/// One finding: the rule, the threshold in force, and the household's
/// number that crossed it (counts, fen, or hundredths of m²).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub rule: Rule,
    pub threshold: i64,
    pub value: i64,
}

impl Finding {
    /// The finding in words.
    pub fn message(&self) -> Message {
        let money = |v: i64| Fen(v).to_string();
        let area = |v: i64| format!("{}.{:02}", v / 100, v % 100);
        let key = match self.rule {
            Rule::OwnsCar => "finding.owns_car",
            Rule::TooManyHomes => "finding.too_many_homes",
            Rule::HomeAreaPerPerson => "finding.home_area_per_person",
            Rule::NonResidentialProperty => "finding.non_residential_property",
            Rule::ActiveBusiness => "finding.active_business",
            Rule::DepositsAbove => "finding.deposits_above",
            Rule::PublicPayroll => "finding.public_payroll",
            Rule::Deceased => "finding.deceased",
            Rule::IncomeAtOrAboveStandard => "finding.income_at_or_above_standard",
            Rule::IncomeNearStandard => "finding.income_near_standard",
        };
        let (value, threshold) = match self.rule {
            Rule::DepositsAbove | Rule::IncomeAtOrAboveStandard | Rule::IncomeNearStandard => {
                (money(self.value), money(self.threshold))
            }
            Rule::HomeAreaPerPerson => (area(self.value), area(self.threshold)),
            _ => (self.value.to_string(), self.threshold.to_string()),
        };
        Message::new(key).arg("value", value).arg("threshold", threshold)
    }
}

/// A member's average of `n` amounts summing to `sum` fen, exact:
/// `floor((2s + n) / (2n))`, half rounding up (`verification.md`).
pub fn average_fen(sum: i64, n: u32) -> i64 {
    if n == 0 {
        return 0;
    }
    let n = i64::from(n);
    (2 * sum + n).div_euclid(2 * n)
}

/// Monthly income per person: wages and pensions, in fen (floor).
pub fn income_per_person(sums: &HouseholdSums) -> i64 {
    (sums.wage_fen + sums.pension_fen) / i64::from(sums.members.max(1))
}

/// The findings of a household under `policy`, in rule order.
pub fn findings(sums: &HouseholdSums, policy: &Thresholds) -> Vec<Finding> {
    let members = i64::from(sums.members.max(1));
    let standard = policy.dibao_standard.0;
    let mut res = Vec::new();
    let mut push = |rule, threshold: i64, value: i64, crossed: bool| {
        if crossed {
            res.push(Finding { rule, threshold, value });
        }
    };
    push(Rule::OwnsCar, 0, i64::from(sums.vehicles), sums.vehicles > 0);
    push(Rule::TooManyHomes, i64::from(policy.max_homes), i64::from(sums.homes), sums.homes > policy.max_homes);
    if let Some(limit) = policy.max_home_area_per_person_centi_m2 {
        let per_person = sums.home_area_centi_m2 / members;
        push(Rule::HomeAreaPerPerson, limit, per_person, per_person > limit);
    }
    push(Rule::NonResidentialProperty, 0, i64::from(sums.other_properties), sums.other_properties > 0);
    push(Rule::ActiveBusiness, 0, i64::from(sums.businesses), sums.businesses > 0);
    let deposits_limit = policy.deposit_months * standard;
    let deposits_per_person = sums.deposits_fen / members;
    push(Rule::DepositsAbove, deposits_limit, deposits_per_person, deposits_per_person > deposits_limit);
    push(Rule::PublicPayroll, 0, i64::from(sums.public_payroll), sums.public_payroll > 0);
    push(Rule::Deceased, 0, i64::from(sums.deceased), sums.deceased > 0);
    let income = income_per_person(sums);
    let near_from = standard * (100 - policy.near_margin_percent) / 100;
    push(Rule::IncomeAtOrAboveStandard, standard, income, income >= standard);
    push(Rule::IncomeNearStandard, near_from, income, income >= near_from && income < standard);
    res
}

/// Whether a record of `kind` (with its category value) is evidence for a
/// finding of `rule`: the report lists, under each finding, exactly the
/// records that produced it.
pub fn is_evidence(rule: Rule, kind: DatasetKind, category: &str) -> bool {
    use DatasetKind as K;
    match rule {
        Rule::OwnsCar => kind == K::Vehicle && counts(kind, category),
        Rule::TooManyHomes | Rule::HomeAreaPerPerson => kind == K::RealEstate && counts(kind, category),
        Rule::NonResidentialProperty => kind == K::RealEstate && !counts(kind, category),
        Rule::ActiveBusiness => kind == K::Business && counts(kind, category),
        Rule::DepositsAbove => kind == K::Deposit,
        Rule::PublicPayroll => kind == K::PublicPayroll,
        Rule::Deceased => kind == K::Death,
        Rule::IncomeAtOrAboveStandard | Rule::IncomeNearStandard => matches!(kind, K::SocialInsurance | K::Pension),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn averages_round_half_up_in_fen() {
        assert_eq!(average_fen(300_067, 2), 150_034);
        assert_eq!(average_fen(300_066, 2), 150_033);
        assert_eq!(average_fen(10, 3), 3);
        assert_eq!(average_fen(0, 0), 0);
    }

    fn sums() -> HouseholdSums {
        HouseholdSums { household_id: "H1".into(), members: 2, ..Default::default() }
    }

    fn rules(s: &HouseholdSums, p: &Thresholds) -> Vec<Rule> {
        findings(s, p).into_iter().map(|f| f.rule).collect()
    }

    #[test]
    fn each_rule_with_its_threshold() {
        let p = Thresholds { dibao_standard: Fen(78_000), ..Thresholds::default() };
        assert!(rules(&sums(), &p).is_empty());
        let check = |s: HouseholdSums, expect: &[Rule]| assert_eq!(rules(&s, &p), expect, "{s:?}");
        check(HouseholdSums { vehicles: 1, ..sums() }, &[Rule::OwnsCar]);
        check(HouseholdSums { homes: 1, ..sums() }, &[]);
        check(HouseholdSums { homes: 2, ..sums() }, &[Rule::TooManyHomes]);
        check(HouseholdSums { other_properties: 1, ..sums() }, &[Rule::NonResidentialProperty]);
        check(HouseholdSums { businesses: 1, ..sums() }, &[Rule::ActiveBusiness]);
        check(HouseholdSums { public_payroll: 1, ..sums() }, &[Rule::PublicPayroll]);
        check(HouseholdSums { deceased: 1, ..sums() }, &[Rule::Deceased]);
        // 24 months × 780元 = 18,720元 per person; two members.
        check(HouseholdSums { deposits_fen: 2 * 1_872_000, ..sums() }, &[]);
        check(HouseholdSums { deposits_fen: 2 * 1_872_000 + 2, ..sums() }, &[Rule::DepositsAbove]);
        // Income per person: at 780元 it is at the standard; 702元 to 779.99元 is near it.
        check(HouseholdSums { wage_fen: 156_000, ..sums() }, &[Rule::IncomeAtOrAboveStandard]);
        check(HouseholdSums { wage_fen: 100_000, pension_fen: 40_400, ..sums() }, &[Rule::IncomeNearStandard]);
        check(HouseholdSums { wage_fen: 140_398, ..sums() }, &[]);
        let f = findings(&HouseholdSums { deposits_fen: 5_000_000, ..sums() }, &p);
        assert_eq!(f, [Finding { rule: Rule::DepositsAbove, threshold: 1_872_000, value: 2_500_000 }]);
        assert_eq!(f[0].message().render(crate::Lang::Zh), "人均存款25,000.00元，超过标准18,720.00元");
    }

    #[test]
    fn the_area_rule_applies_only_where_set() {
        let s = HouseholdSums { homes: 1, home_area_centi_m2: 12_000, ..sums() };
        assert!(rules(&s, &Thresholds::default()).is_empty());
        let p = Thresholds { max_home_area_per_person_centi_m2: Some(5_000), ..Thresholds::default() };
        assert_eq!(findings(&s, &p), [Finding { rule: Rule::HomeAreaPerPerson, threshold: 5_000, value: 6_000 }]);
    }

    fn arb_sums() -> impl Strategy<Value = HouseholdSums> {
        (
            1u32..6,
            0i64..400_000,
            0i64..200_000,
            0u32..3,
            0u32..4,
            0i64..30_000,
            0u32..3,
            0u32..3,
            0i64..20_000_000,
            0u32..2,
            0u32..2,
        )
            .prop_map(
                |(members, wage, pension, vehicles, homes, area, other, businesses, deposits, deceased, payroll)| {
                    HouseholdSums {
                        household_id: "H".into(),
                        members,
                        wage_fen: wage,
                        pension_fen: pension,
                        vehicles,
                        homes,
                        home_area_centi_m2: area,
                        other_properties: other,
                        businesses,
                        deposits_fen: deposits,
                        deceased,
                        public_payroll: payroll,
                    }
                },
            )
    }

    #[test]
    fn evidence_follows_the_value_sets() {
        assert!(is_evidence(Rule::OwnsCar, DatasetKind::Vehicle, "小型轿车"));
        assert!(!is_evidence(Rule::OwnsCar, DatasetKind::Vehicle, "摩托车"));
        assert!(is_evidence(Rule::NonResidentialProperty, DatasetKind::RealEstate, "车位"));
        assert!(!is_evidence(Rule::TooManyHomes, DatasetKind::RealEstate, "车位"));
        assert!(is_evidence(Rule::IncomeNearStandard, DatasetKind::Pension, ""));
        assert!(!is_evidence(Rule::Deceased, DatasetKind::Pension, ""));
    }

    proptest! {
        /// Changing one threshold changes the findings of that rule and of
        /// no other.
        #[test]
        fn one_threshold_moves_one_rule(s in arb_sums(), months in 1i64..60, homes in 0u32..4, margin in 0i64..50) {
            let base = Thresholds::default();
            let others = |f: Vec<Finding>, rule: &[Rule]| f.into_iter().filter(|x| !rule.contains(&x.rule)).collect::<Vec<_>>();
            let changed = Thresholds { deposit_months: months, ..base.clone() };
            prop_assert_eq!(others(findings(&s, &changed), &[Rule::DepositsAbove]), others(findings(&s, &base), &[Rule::DepositsAbove]));
            let changed = Thresholds { max_homes: homes, ..base.clone() };
            prop_assert_eq!(others(findings(&s, &changed), &[Rule::TooManyHomes]), others(findings(&s, &base), &[Rule::TooManyHomes]));
            let changed = Thresholds { near_margin_percent: margin, ..base.clone() };
            prop_assert_eq!(others(findings(&s, &changed), &[Rule::IncomeNearStandard]), others(findings(&s, &base), &[Rule::IncomeNearStandard]));
        }

        #[test]
        fn at_and_near_never_both(s in arb_sums(), standard in 1i64..200_000) {
            let p = Thresholds { dibao_standard: Fen(standard), ..Thresholds::default() };
            let r = rules(&s, &p);
            prop_assert!(!(r.contains(&Rule::IncomeAtOrAboveStandard) && r.contains(&Rule::IncomeNearStandard)));
        }
    }
}
