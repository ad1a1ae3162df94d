//! What an application asks for and how much it gives: the programmes
//! (低保, 单人保, 特困, 临时救助 急难型/支出型), the materials checklist,
//! referrals of other needs, and the amounts (`policy.md` §§2–4, 8, 13),
//! each under the region's one policy (`crate::policy`, re-exported here
//! for the rules that read it).

use serde::{Deserialize, Serialize};

mod amounts;
mod materials;
mod messages;

/// The policy lives in [`crate::policy`]; these names stay for the rules
/// that read it here.
pub use crate::policy::{
    Addons, Band, BenefitMethod, Limits, Policy, Policy as AssistancePolicy, PolicyPatch, PolicyVersion,
    ResolvedPolicy, resolve,
};
pub use amounts::*;
pub use materials::*;
pub use messages::*;

labeled_enum! {
    /// What one case of an application asks for (申请事项).
    CaseKind {
        Dibao = "dibao" ["低保", "最低生活保障"],
        DibaoIndividual = "dibao_individual" ["单人保", "单人户"],
        Tekun = "tekun" ["特困", "特困人员救助供养"],
        TempEmergency = "temp_emergency" ["急难型", "急难型临时救助"],
        TempExpense = "temp_expense" ["支出型", "支出型临时救助"]
    }
}

impl CaseKind {
    /// Temporary assistance is a one-off payment; the others are monthly.
    pub fn is_temporary(self) -> bool {
        matches!(self, CaseKind::TempEmergency | CaseKind::TempExpense)
    }

    /// The programme a household is enrolled in once a monthly case is
    /// approved (temporary assistance enrols nobody).
    pub fn program(self) -> Option<crate::Program> {
        match self {
            CaseKind::Dibao | CaseKind::DibaoIndividual => Some(crate::Program::Dibao),
            CaseKind::Tekun => Some(crate::Program::Tekun),
            CaseKind::TempEmergency | CaseKind::TempExpense => None,
        }
    }
}

labeled_enum! {
    /// Urban or rural standard (城市/农村低保标准).
    Area {
        Urban = "urban" ["城市", "城镇"],
        Rural = "rural" ["农村"]
    }
}

labeled_enum! {
    /// Self-care level from the six-item assessment (S3 arts. 20–22).
    SelfCare {
        Full = "full" ["全自理", "具备生活自理能力"],
        Partial = "partial" ["半护理", "部分丧失生活自理能力"],
        Lost = "lost" ["全护理", "完全丧失生活自理能力"]
    }
}

impl SelfCare {
    /// All six items met → full; up to three not met → partial; four or
    /// more → lost. `met` lists the six items in the order of [`SELF_CARE_ITEMS`].
    pub fn assess(met: [bool; 6]) -> SelfCare {
        match met.iter().filter(|m| !**m).count() {
            0 => SelfCare::Full,
            1..=3 => SelfCare::Partial,
            _ => SelfCare::Lost,
        }
    }

    fn index(self) -> usize {
        match self {
            SelfCare::Full => 0,
            SelfCare::Partial => 1,
            SelfCare::Lost => 2,
        }
    }
}

/// The six items of the self-care assessment, as catalogue keys: eating,
/// dressing, getting in and out of bed, toileting, walking indoors, bathing.
pub const SELF_CARE_ITEMS: [&str; 6] =
    ["selfcare.eat", "selfcare.dress", "selfcare.bed", "selfcare.toilet", "selfcare.walk", "selfcare.bathe"];

labeled_enum! {
    /// Where a 特困 person is supported (S1 art. 19): at home (分散) or in an
    /// institution (集中).
    SupportMode {
        Home = "home" ["分散供养", "分散"],
        Institution = "institution" ["集中供养", "集中"]
    }
}

labeled_enum! {
    /// Kinds of declared monthly income (S2 art. 13).
    IncomeKind {
        Wage = "wage" ["工资性收入", "工资"],
        Business = "business" ["经营净收入", "经营"],
        Property = "property" ["财产净收入", "财产"],
        Transfer = "transfer" ["转移净收入", "赡养费"],
        BasicPension = "basic_pension" ["基础养老金"],
        Reward = "reward" ["优待抚恤金", "奖励性补助"],
        Assistance = "assistance" ["社会救助款物"],
        Other = "other" ["其他收入"]
    }
}

labeled_enum! {
    /// Rigid spending deducted from income (S2 art. 13, last paragraph).
    DeductionKind {
        Medical = "medical" ["医疗支出", "重病支出"],
        Disability = "disability" ["残疾支出", "康复支出"]
    }
}

labeled_enum! {
    /// Causes of temporary assistance; the same cause is helped a limited
    /// number of times a year.
    TempCause {
        Accident = "accident" ["意外事故", "火灾", "交通事故"],
        Illness = "illness" ["突发重病", "疾病"],
        MedicalExpense = "medical_expense" ["医疗支出"],
        EducationExpense = "education_expense" ["教育支出"],
        Unemployment = "unemployment" ["失业无收入"],
        Other = "other" ["其他"]
    }
}

labeled_enum! {
    /// A document of the materials checklist (申请材料).
    Material {
        ApplicationForm = "application_form" ["申请书"],
        IdCard = "id_card" ["身份证"],
        Hukou = "hukou" ["户口簿"],
        IncomeDeclaration = "income_declaration" ["收入财产申报"],
        Authorisation = "authorisation" ["授权书", "核对授权书"],
        Pledge = "pledge" ["承诺书"],
        DisabilityCertificate = "disability_certificate" ["残疾人证"],
        IllnessDiagnosis = "illness_diagnosis" ["诊断证明"],
        SupporterAuthorisation = "supporter_authorisation" ["赡养人授权书"],
        ExpenseReceipts = "expense_receipts" ["支出票据"],
        HardshipEvidence = "hardship_evidence" ["困难证明"]
    }
}

labeled_enum! {
    /// Needs the one window refers to other departments (一门受理、协同办理).
    Need {
        Medical = "medical" ["医疗救助"],
        Education = "education" ["教育救助"],
        Housing = "housing" ["住房救助"],
        Employment = "employment" ["就业救助"]
    }
}

impl Need {
    /// The catalogue key of the department responsible (S1 arts. 30, 36, 40, 44).
    pub fn department_key(self) -> &'static str {
        match self {
            Need::Medical => "department.medical",
            Need::Education => "department.education",
            Need::Housing => "department.housing",
            Need::Employment => "department.employment",
        }
    }
}

labeled_enum! {
    /// Where a referral stands.
    ReferralStatus {
        Sent = "sent" ["已转介"],
        Received = "received" ["已接收"],
        Done = "done" ["已办结"]
    }
}

labeled_enum! {
    /// Who confirms a case (审核确认): the county, or the township where it
    /// has been delegated (放管服).
    Level {
        Township = "township" ["乡镇"],
        County = "county" ["县级"]
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::amounts::addon_for;
    use super::*;
    use crate::money::Fen;
    use proptest::prelude::*;

    fn adults(n: usize) -> Vec<MemberFacts> {
        vec![MemberFacts { age: 40, ..Default::default() }; n]
    }

    fn wages(yuan: i64) -> IncomeDeclaration {
        IncomeDeclaration { items: vec![(IncomeKind::Wage, Fen(yuan * 100))], deductions: vec![] }
    }

    #[test]
    fn given_three_people_with_900_yuan_under_an_800_standard_then_1500_a_month() {
        let policy = AssistancePolicy { dibao_urban: Fen(80_000), ..Default::default() };
        let a = dibao_amount(&policy, Area::Urban, &adults(3), &wages(900)).unwrap();
        assert_eq!(a.per_person, Fen(30_000));
        assert_eq!(a.base, Fen(150_000));
        assert_eq!(a.total.to_string(), "1,500.00元");
    }

    #[test]
    fn excluded_income_and_deductions_do_not_count() {
        let policy = AssistancePolicy { employment_cost_permille: 100, ..Default::default() };
        let decl = IncomeDeclaration {
            items: vec![
                (IncomeKind::Wage, Fen(100_000)),
                (IncomeKind::BasicPension, Fen(15_000)),
                (IncomeKind::Reward, Fen(5_000)),
            ],
            deductions: vec![(DeductionKind::Medical, Fen(20_000))],
        };
        let c = counted_income(&decl, &policy);
        assert_eq!(c.declared, Fen(120_000));
        assert_eq!(c.excluded, Fen(20_000));
        assert_eq!(c.employment_cost, Fen(10_000));
        assert_eq!(c.counted, Fen(70_000));
    }

    #[test]
    fn income_at_the_standard_is_not_eligible_and_bands_apply() {
        let policy = AssistancePolicy::default();
        let err = dibao_amount(&policy, Area::Urban, &adults(2), &wages(1_600)).unwrap_err();
        assert_eq!(err, AmountError::IncomeNotBelowStandard { per_person: Fen(80_000), standard: Fen(80_000) });
        let banded = AssistancePolicy {
            benefit_method: BenefitMethod::Banded(vec![
                Band { income_below: Fen(30_000), per_person: Fen(60_000) },
                Band { income_below: Fen(80_000), per_person: Fen(30_000) },
            ]),
            ..Default::default()
        };
        assert_eq!(dibao_amount(&banded, Area::Urban, &adults(2), &wages(500)).unwrap().total, Fen(120_000));
        assert_eq!(dibao_amount(&banded, Area::Urban, &adults(2), &wages(1_000)).unwrap().total, Fen(60_000));
    }

    #[test]
    fn each_person_gets_the_largest_addon_they_qualify_for() {
        let policy = AssistancePolicy {
            addons: Addons {
                elderly_age: 70,
                elderly: Fen(3_000),
                severe_disability: Fen(4_500),
                serious_illness: Fen(4_000),
                minor: Fen(3_000),
            },
            ..Default::default()
        };
        let members = [
            MemberFacts { age: 75, disability_level: Some(1), ..Default::default() },
            MemberFacts { age: 10, ..Default::default() },
            MemberFacts { age: 45, ..Default::default() },
        ];
        let a = dibao_amount(&policy, Area::Urban, &members, &wages(0)).unwrap();
        assert_eq!(a.addons, vec![(AddonKind::SevereDisability, Fen(4_500)), (AddonKind::Minor, Fen(3_000))]);
        assert_eq!(a.total, Fen(240_000 + 7_500));
    }

    /// Issue 10 point 13: the elderly add-on was never granted and no test
    /// noticed. Each add-on at its age and disability boundaries.
    #[test]
    fn addons_at_their_age_and_disability_boundaries() {
        let addons = Addons {
            elderly_age: 70,
            elderly: Fen(3_000),
            severe_disability: Fen(4_500),
            serious_illness: Fen(4_000),
            minor: Fen(2_000),
        };
        let person = |age, disability_level| MemberFacts { age, disability_level, ..Default::default() };
        let cases: &[(MemberFacts, Option<(AddonKind, Fen)>)] = &[
            (person(69, None), None),
            (person(70, None), Some((AddonKind::Elderly, Fen(3_000)))),
            (person(71, None), Some((AddonKind::Elderly, Fen(3_000)))),
            (person(100, None), Some((AddonKind::Elderly, Fen(3_000)))),
            (person(17, None), Some((AddonKind::Minor, Fen(2_000)))),
            (person(18, None), None),
            (person(0, None), Some((AddonKind::Minor, Fen(2_000)))),
            (person(40, Some(1)), Some((AddonKind::SevereDisability, Fen(4_500)))),
            (person(40, Some(2)), Some((AddonKind::SevereDisability, Fen(4_500)))),
            (person(40, Some(3)), None),
            (person(40, Some(4)), None),
            (MemberFacts { cognitive_disability: true, ..person(40, Some(3)) }, None),
            (person(70, Some(3)), Some((AddonKind::Elderly, Fen(3_000)))),
            (person(70, Some(2)), Some((AddonKind::SevereDisability, Fen(4_500)))),
            (person(17, Some(3)), Some((AddonKind::Minor, Fen(2_000)))),
            (MemberFacts { serious_illness: true, ..person(70, None) }, Some((AddonKind::SeriousIllness, Fen(4_000)))),
            (
                MemberFacts { serious_illness: true, ..person(40, Some(3)) },
                Some((AddonKind::SeriousIllness, Fen(4_000))),
            ),
        ];
        for (m, expect) in cases {
            assert_eq!(addon_for(&addons, m), *expect, "{m:?}");
        }
        // The largest wins whichever it is, and a zero add-on is none.
        let elderly_first = Addons { elderly: Fen(5_000), ..addons };
        assert_eq!(addon_for(&elderly_first, &person(70, Some(1))), Some((AddonKind::Elderly, Fen(5_000))));
        assert_eq!(addon_for(&Addons { elderly: Fen(0), ..addons }, &person(80, None)), None);
        assert_eq!(
            addon_for(&Addons { elderly_age: 60, ..addons }, &person(60, None)),
            Some((AddonKind::Elderly, Fen(3_000)))
        );
        assert_eq!(addon_for(&Addons { elderly_age: 60, ..addons }, &person(59, None)), None);
    }

    #[test]
    fn the_elderly_addon_starts_on_the_seventieth_birthday() {
        // Ages come from the ID number on the day: born 1956-12-02, 69 on
        // 2026-12-01 and 70 the next day; the household's amount follows.
        let policy = AssistancePolicy {
            addons: Addons { elderly_age: 70, elderly: Fen(3_000), ..AssistancePolicy::default().addons },
            ..Default::default()
        };
        let id = crate::IdNumber::parse("341122195612025715").unwrap();
        let on = |d| NaiveDate::from_ymd_opt(2026, 12, d).unwrap();
        let member = |day| MemberFacts { age: id.age_on(on(day)), ..Default::default() };
        let before = dibao_amount(&policy, Area::Urban, &[member(1)], &wages(0)).unwrap();
        let after = dibao_amount(&policy, Area::Urban, &[member(2)], &wages(0)).unwrap();
        assert_eq!(before.addons, vec![]);
        assert_eq!(after.addons, vec![(AddonKind::Elderly, Fen(3_000))]);
        assert_eq!(after.total.0 - before.total.0, 3_000);
    }

    #[test]
    fn individual_inclusion_needs_a_severe_condition_in_an_edge_family() {
        // Standard 800: the edge line is 1.5 × 800 = 1,200 per person.
        let policy = AssistancePolicy::default();
        let disabled =
            MemberFacts { age: 30, disability_level: Some(3), cognitive_disability: true, ..Default::default() };
        let household = [disabled, MemberFacts { age: 55, ..Default::default() }];
        let a = individual_amount(&policy, Area::Urban, &disabled, &household, &wages(2_000)).unwrap();
        assert_eq!((a.members, a.total), (1, Fen(80_000)));
        assert_eq!(
            individual_amount(&policy, Area::Urban, &disabled, &household, &wages(2_400)).unwrap_err(),
            AmountError::NotEdgeFamily { per_person: Fen(120_000), line: Fen(120_000) }
        );
        let physical3 = MemberFacts { cognitive_disability: false, ..disabled };
        assert!(!physical3.may_be_included_alone());
        assert!(MemberFacts { serious_illness: true, ..Default::default() }.may_be_included_alone());
        assert_eq!(
            individual_amount(&policy, Area::Urban, &physical3, &household, &wages(0)).unwrap_err(),
            AmountError::NotIndividuallyEligible
        );
    }

    #[test]
    fn tekun_needs_all_three_conditions() {
        let policy = AssistancePolicy::default();
        let old = MemberFacts { age: 72, ..Default::default() };
        assert_eq!(tekun_unmet(&policy, Area::Rural, &old, &[old], &wages(0), true), vec![]);
        let adult = MemberFacts { age: 40, ..Default::default() };
        assert_eq!(
            tekun_unmet(&policy, Area::Rural, &adult, &[adult], &wages(700), false),
            vec![TekunCondition::NoWorkCapacity, TekunCondition::NoIncome, TekunCondition::NoSupporter]
        );
        let blind2 = MemberFacts { age: 40, disability_level: Some(2), visual_disability: true, ..Default::default() };
        let mental3 =
            MemberFacts { age: 40, disability_level: Some(3), cognitive_disability: true, ..Default::default() };
        let physical2 = MemberFacts { age: 40, disability_level: Some(2), ..Default::default() };
        assert!(!blind2.cannot_work() && mental3.cannot_work() && physical2.cannot_work());
        assert!(MemberFacts { age: 15, ..Default::default() }.cannot_work());
    }

    #[test]
    fn tekun_amount_per_self_care_level() {
        // Standard 800, basic 1.3× = 1,040; minimum wage 1,800: care 180 / 300 / 600.
        let policy = AssistancePolicy::default();
        let at = |care, mode| tekun_amount(&policy, Area::Urban, care, mode).total;
        assert_eq!(at(SelfCare::Full, SupportMode::Home), Fen(104_000 + 18_000));
        assert_eq!(at(SelfCare::Partial, SupportMode::Home), Fen(104_000 + 30_000));
        assert_eq!(at(SelfCare::Lost, SupportMode::Home), Fen(104_000 + 60_000));
        assert_eq!(at(SelfCare::Lost, SupportMode::Institution), Fen(104_000 + 90_000));
        assert_eq!(SelfCare::assess([true; 6]), SelfCare::Full);
        assert_eq!(SelfCare::assess([false, false, false, true, true, true]), SelfCare::Partial);
        assert_eq!(SelfCare::assess([false, false, false, false, true, true]), SelfCare::Lost);
    }

    #[test]
    fn temporary_assistance_above_the_township_limit_goes_to_the_county() {
        // Standard 800: township limit 4 months = 3,200; cap 10 months = 8,000.
        let policy = AssistancePolicy::default();
        assert_eq!(temp_route(&policy, Area::Urban, Fen(320_000), 0).unwrap().level, Level::Township);
        assert_eq!(temp_route(&policy, Area::Urban, Fen(320_001), 0).unwrap().level, Level::County);
        assert_eq!(
            temp_route(&policy, Area::Urban, Fen(800_001), 0).unwrap_err(),
            AmountError::AboveCap { requested: Fen(800_001), cap: Fen(800_000) }
        );
        assert_eq!(
            temp_route(&policy, Area::Urban, Fen(10_000), 1).unwrap_err(),
            AmountError::CauseLimitReached { times: 1 }
        );
        let no_delegation = AssistancePolicy { temp_township_approval: false, ..Default::default() };
        assert_eq!(temp_route(&no_delegation, Area::Urban, Fen(10_000), 0).unwrap().level, Level::County);
    }

    #[test]
    fn materials_follow_the_programme_the_facts_and_the_platform() {
        let mut policy = AssistancePolicy::default();
        let facts = MaterialFacts { any_disabled: true, any_serious_illness: false };
        let tekun = required_materials(CaseKind::Tekun, facts, &policy);
        assert!(tekun.contains(&Material::SupporterAuthorisation) && tekun.contains(&Material::DisabilityCertificate));
        policy.platform_materials = vec![Material::Hukou];
        assert!(!required_materials(CaseKind::Dibao, facts, &policy).contains(&Material::Hukou));
        assert_eq!(
            required_materials(CaseKind::TempEmergency, MaterialFacts::default(), &policy),
            vec![Material::ApplicationForm, Material::IdCard, Material::HardshipEvidence]
        );
    }

    proptest! {
        #[test]
        fn difference_amount_is_the_gap_times_members(n in 1usize..8, per_person in 0i64..80_000, std in 1i64..200_000) {
            let policy = AssistancePolicy { dibao_rural: Fen(std), ..Default::default() };
            let decl = IncomeDeclaration { items: vec![(IncomeKind::Business, Fen(per_person * n as i64))], deductions: vec![] };
            match dibao_amount(&policy, Area::Rural, &adults(n), &decl) {
                Ok(a) => {
                    prop_assert!(per_person < std);
                    prop_assert_eq!(a.total, Fen((std - per_person) * n as i64));
                }
                Err(_) => prop_assert!(per_person >= std),
            }
        }

        #[test]
        fn temporary_requests_within_the_township_limit_stay_in_the_township(fen in 1i64..800_000) {
            let policy = AssistancePolicy::default();
            let route = temp_route(&policy, Area::Urban, Fen(fen), 0).unwrap();
            prop_assert_eq!(route.level == Level::Township, fen <= 320_000);
        }
    }
}
