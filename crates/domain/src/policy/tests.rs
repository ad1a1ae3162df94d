//! The policy: inheritance down the region tree, the thresholds derived
//! from it, every field labelled, and forms read as people write them.

use chrono::NaiveDate;
use proptest::prelude::*;

use super::*;
use crate::Lang;
use crate::i18n::has_key;

fn code(s: &str) -> RegionCode {
    RegionCode::parse(s).unwrap()
}

fn date(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn form(entries: &[(&str, &str)]) -> Vec<(String, String)> {
    entries.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

fn version(id: i64, region: &str, from: &str, patch: PolicyPatch) -> PolicyVersion {
    PolicyVersion { id, region_code: code(region), effective_from: date(from), patch }
}

#[test]
fn a_region_inherits_every_field_it_does_not_set() {
    let versions = vec![
        version(1, "349900", "2025-01-01", PolicyPatch { dibao_urban: Some(Fen(90_000)), ..Default::default() }),
        version(2, "349901", "2025-01-01", PolicyPatch { temp_township_months: Some(2), ..Default::default() }),
        version(3, "349900", "2026-01-01", PolicyPatch { dibao_urban: Some(Fen(95_000)), ..Default::default() }),
        version(4, "349902", "2025-01-01", PolicyPatch { dibao_urban: Some(Fen(1)), ..Default::default() }),
    ];
    let r = resolve(&versions, &code("349901001"), date("2025-06-30"));
    assert_eq!((r.policy.dibao_urban, r.policy.temp_township_months), (Fen(90_000), 2));
    assert_eq!(r.versions, vec![1, 2]);
    assert_eq!(
        (r.source("dibao_urban"), r.source("temp_township_months"), r.source("dibao_rural")),
        (Some(1), Some(2), None)
    );
    assert_eq!(r.policy.dibao_rural, Policy::default().dibao_rural);
    let r = resolve(&versions, &code("349901001"), date("2026-01-01"));
    assert_eq!((r.policy.dibao_urban, r.versions.clone()), (Fen(95_000), vec![3, 2]));
    assert_eq!(r.source("dibao_urban"), Some(3));
    assert_eq!(resolve(&versions, &code("349901"), date("2024-12-31")).versions, Vec::<i64>::new());
    // The township's fields win over its county's whatever the order of the versions.
    let reversed: Vec<PolicyVersion> = versions.iter().rev().cloned().collect();
    let r = resolve(&reversed, &code("349902001"), date("2026-02-01"));
    assert_eq!((r.policy.dibao_urban, r.versions.clone(), r.source("dibao_urban")), (Fen(1), vec![3, 4], Some(4)));
}

#[test]
fn given_a_county_standard_and_a_later_township_version_then_the_thresholds_follow_the_versions() {
    let county = PolicyPatch { dibao_rural: Some(Fen(62_000)), deposit_months: Some(24), ..Default::default() };
    let township = PolicyPatch { dibao_rural: Some(Fen(70_000)), ..Default::default() };
    let versions = vec![version(1, "349901", "2025-01-01", county), version(2, "349901001", "2026-07-01", township)];
    let standard = |region: &str, on: &str| {
        let p = resolve(&versions, &code(region), date(on)).policy;
        (p.thresholds(p.area).dibao_standard, p.thresholds(Area::Rural).deposit_months)
    };
    assert_eq!(standard("349901001001", "2026-06-30"), (Fen(62_000), 24));
    assert_eq!(standard("349901001001", "2026-07-01"), (Fen(70_000), 24), "the township's from its date");
    assert_eq!(standard("349901002001", "2026-07-01"), (Fen(62_000), 24), "the county's elsewhere");
    let p = Policy { area: Area::Urban, max_home_area_centi_m2: 4_000, ..Policy::default() };
    let t = p.thresholds(p.area);
    assert_eq!((t.dibao_standard, t.max_home_area_per_person_centi_m2), (p.dibao_urban, Some(4_000)));
    assert_eq!(Policy::default().thresholds(Area::Rural).max_home_area_per_person_centi_m2, None, "0: no area rule");
}

#[test]
fn every_field_its_section_parts_and_choices_have_labels() {
    assert_eq!(FIELDS.len(), PolicyPatch::FIELDS.len());
    for field in FIELDS {
        assert!(has_key(field.label), "no label for {}", field.name);
        assert!(has_key(field.section.message_key()), "no label for {:?}", field.section);
        let labels: Vec<&str> = match field.input {
            Input::Parts(parts) => parts.iter().map(|p| p.label).collect(),
            Input::Choice(choices) | Input::Set(choices) => choices().into_iter().map(|(_, k)| k).collect(),
            Input::Count(unit) => vec![unit.key(), unit.suffix_key()],
            _ => vec![],
        };
        for key in labels {
            assert!(has_key(key), "no label {key} for {}", field.name);
        }
        // Every value reads as words, never as a code or JSON.
        for lang in [Lang::Zh, Lang::En] {
            let shown = Policy::default().show(field.name, lang).unwrap();
            assert!(!shown.is_empty() && !shown.contains('{') && !shown.contains('_'), "{}: {shown}", field.name);
        }
    }
    for section in PolicySection::ALL {
        assert!(FIELDS.iter().any(|f| f.section == *section), "{section:?} has no field");
    }
}

#[test]
fn values_read_as_people_write_them() {
    let p = Policy { max_home_area_centi_m2: 4_050, employment_cost_permille: 125, ..Policy::default() };
    let zh = |field| p.show(field, Lang::Zh).unwrap();
    assert_eq!(zh("dibao_urban"), "800.00元");
    assert_eq!(zh("tekun_basic_permille"), "1.3倍");
    assert_eq!(zh("review_notice"), "是");
    assert_eq!(zh("notice_days"), "7天");
    assert_eq!(zh("investigation_start_wd"), "3个工作日");
    assert_eq!(zh("employment_cost_permille"), "12.5%");
    assert_eq!(zh("max_home_area_centi_m2"), "40.5平方米");
    assert_eq!(zh("deposit_months"), "24个月的低保标准");
    assert_eq!(zh("payment_day"), "每月10日前");
    assert_eq!(zh("confirmation"), "县级民政部门");
    assert_eq!(zh("excluded_income"), "城乡居民基础养老金、优待抚恤金及奖励性补助、社会救助款物");
    assert_eq!(
        zh("care_divisors"),
        "具备生活自理能力（全自理）1/10，部分丧失生活自理能力（半护理）1/6，完全丧失生活自理能力（全护理）1/3"
    );
    assert_eq!(zh("benefit_method"), "补差发放");
    assert_eq!(Policy::default().show("max_home_area_centi_m2", Lang::Zh).unwrap(), "不限");
    let banded = Policy {
        benefit_method: BenefitMethod::Banded(vec![Band { income_below: Fen(30_000), per_person: Fen(60_000) }]),
        ..Policy::default()
    };
    assert_eq!(banded.show("benefit_method", Lang::Zh).unwrap(), "分档发放：人均收入低于300.00元的，每人600.00元");
}

#[test]
fn a_form_entered_as_people_write_it_becomes_a_patch() {
    let patch = PolicyPatch::from_form(&form(&[
        ("dibao_urban", "850"),
        ("dibao_rural", "￥700.5"),
        ("area", "城市"),
        ("tekun_basic_permille", "1.4倍"),
        ("review_notice", "否"),
        ("notice_days", "7天"),
        ("employment_cost_permille", "10%"),
        ("max_home_area_centi_m2", "不限"),
        ("relatives_kinds", "set"),
        ("relatives_kinds.item", "tekun"),
        ("relatives_kinds.item", "dibao"),
        ("platform_materials", ""),
        ("platform_materials.item", "hukou"),
        ("care_divisors.full", "1/8"),
        ("care_divisors.partial", "5"),
        ("care_divisors.lost", "1/2"),
        ("dibao_limits.township", ""),
        ("benefit_method", "banded"),
        ("benefit_method.below.0", "300"),
        ("benefit_method.amount.0", "600"),
        ("benefit_method.below.1", ""),
        ("benefit_method.amount.1", ""),
        ("benefit_method.below.2", "620"),
        ("benefit_method.amount.2", "300"),
    ]))
    .unwrap();
    let expect = PolicyPatch {
        dibao_urban: Some(Fen(85_000)),
        dibao_rural: Some(Fen(70_050)),
        area: Some(Area::Urban),
        tekun_basic_permille: Some(1_400),
        review_notice: Some(false),
        notice_days: Some(7),
        employment_cost_permille: Some(100),
        max_home_area_centi_m2: Some(0),
        relatives_kinds: Some(vec![CaseKind::Dibao, CaseKind::Tekun]),
        care_divisors: Some([8, 5, 2]),
        benefit_method: Some(BenefitMethod::Banded(vec![
            Band { income_below: Fen(30_000), per_person: Fen(60_000) },
            Band { income_below: Fen(62_000), per_person: Fen(30_000) },
        ])),
        ..Default::default()
    };
    assert_eq!(patch, expect);
    assert_eq!(PolicyPatch::from_form(&[]).unwrap(), PolicyPatch::default(), "nothing entered: everything inherited");
}

#[test]
fn every_problem_names_its_field_in_chinese() {
    let problems = PolicyPatch::from_form(&form(&[
        ("dibao_urban", "八百"),
        ("near_margin_percent", "120"),
        ("payment_day", "31"),
        ("tekun_basic_permille", "0"),
        ("confirmation", "province"),
        ("dibao_limits.township", "6"),
        ("benefit_method", "banded"),
        ("benefit_method.below.0", "600"),
        ("benefit_method.amount.0", "100"),
        ("benefit_method.below.1", "300"),
        ("benefit_method.amount.1", "200"),
    ]))
    .unwrap_err();
    let zh: Vec<String> = problems.iter().map(|p| p.message().render(Lang::Zh)).collect();
    assert_eq!(
        zh,
        [
            "城市低保标准（每人每月）：“八百”不是有效金额，请按元填写，如800.00",
            "特困人员基本生活标准（低保标准的倍数）：“0”不是有效的倍数，如1.3",
            "收入接近低保标准预警幅度：“120”不是0到100之间的百分数",
            "低保、特困审核确认层级：“province”不是可选的项目",
            "低保（含单人保）办理时限（审核确认）：请填写全部各项，或全部留空沿用上级规定",
            "低保金计发方式：各档收入线须从低到高排列（“300”）",
            "救助金每月发放时间：“31”应为1日至28日之间的日子",
        ]
    );
    assert_eq!(problems[0].field, "dibao_urban");
    assert_eq!(
        problems[4].message().render(Lang::En),
        "Dibao time limits (Confirmation): fill in every part, or leave them all empty to inherit"
    );
    let no_bands = PolicyPatch::from_form(&form(&[("benefit_method", "分档")])).unwrap_err();
    assert_eq!(no_bands[0].message().render(Lang::Zh), "低保金计发方式：选择分档发放时至少填写一档");
}

/// Numbers drawn by proptest, turned into field values in their ranges.
struct Draw(Vec<u64>, usize);

impl Draw {
    fn next(&mut self) -> u64 {
        self.1 += 1;
        self.0[(self.1 - 1) % self.0.len()]
    }
    fn upto(&mut self, lo: u64, hi: u64) -> u32 {
        (lo + self.next() % (hi - lo + 1)) as u32
    }
    fn fen(&mut self) -> Fen {
        Fen((self.next() % 10_000_000) as i64)
    }
    fn flag(&mut self) -> bool {
        self.next().is_multiple_of(2)
    }
    fn maybe<T>(&mut self, f: impl FnOnce(&mut Self) -> T) -> Option<T> {
        if self.flag() { Some(f(self)) } else { None }
    }
    fn one<T: Copy>(&mut self, all: &[T]) -> T {
        all[(self.next() % all.len() as u64) as usize]
    }
    fn some<T: Copy>(&mut self, all: &[T]) -> Vec<T> {
        all.iter().copied().filter(|_| self.flag()).collect()
    }
    fn limits(&mut self) -> Limits {
        Limits {
            township: self.upto(0, 90),
            confirmation: self.upto(0, 90),
            overall: self.upto(0, 90),
            overall_delegated: self.upto(0, 90),
            extended: self.upto(0, 90),
        }
    }
}

fn arb_patch(d: &mut Draw) -> PolicyPatch {
    PolicyPatch {
        dibao_urban: d.maybe(Draw::fen),
        dibao_rural: d.maybe(Draw::fen),
        area: d.maybe(|d| d.one(Area::ALL)),
        edge_income_permille: d.maybe(|d| d.upto(1, 5_000)),
        tekun_basic_permille: d.maybe(|d| d.upto(1, 5_000)),
        min_wage: d.maybe(Draw::fen),
        max_homes: d.maybe(|d| d.upto(0, 5)),
        max_home_area_centi_m2: d.maybe(|d| i64::from(d.upto(0, 50_000))),
        deposit_months: d.maybe(|d| d.upto(0, 60)),
        near_margin_percent: d.maybe(|d| d.upto(0, 100)),
        excluded_income: d.maybe(|d| d.some(IncomeKind::ALL)),
        employment_cost_permille: d.maybe(|d| d.upto(0, 1_000)),
        confirmation: d.maybe(|d| d.one(Level::ALL)),
        review_notice: d.maybe(Draw::flag),
        notice_days: d.maybe(|d| d.upto(0, 30)),
        notice_working_days: d.maybe(Draw::flag),
        verification_first: d.maybe(Draw::flag),
        investigation_start_wd: d.maybe(|d| d.upto(0, 30)),
        verification_start_wd: d.maybe(|d| d.upto(0, 30)),
        materials_check_wd: d.maybe(|d| d.upto(0, 30)),
        rejection_notice_wd: d.maybe(|d| d.upto(0, 30)),
        dibao_limits: d.maybe(Draw::limits),
        tekun_limits: d.maybe(Draw::limits),
        temp_limits: d.maybe(Draw::limits),
        emergency_pay_hours: d.maybe(|d| d.upto(0, 72)),
        emergency_paperwork_wd: d.maybe(|d| d.upto(0, 60)),
        tekun_spot_check_percent: d.maybe(|d| d.upto(0, 100)),
        platform_materials: d.maybe(|d| d.some(Material::ALL)),
        relatives_kinds: d.maybe(|d| d.some(CaseKind::ALL)),
        benefit_method: d.maybe(|d| {
            if d.flag() {
                return BenefitMethod::Difference;
            }
            let mut below = 0;
            let bands = (0..d.upto(1, 4))
                .map(|_| {
                    below += i64::from(d.upto(1, 50_000));
                    Band { income_below: Fen(below), per_person: d.fen() }
                })
                .collect();
            BenefitMethod::Banded(bands)
        }),
        addons: d.maybe(|d| Addons {
            elderly_age: d.upto(0, 100),
            elderly: d.fen(),
            severe_disability: d.fen(),
            serious_illness: d.fen(),
            minor: d.fen(),
        }),
        care_divisors: d.maybe(|d| [d.upto(1, 20), d.upto(1, 20), d.upto(1, 20)]),
        institution_care_permille: d.maybe(|d| d.upto(1, 5_000)),
        temp_cap_months: d.maybe(|d| d.upto(0, 24)),
        temp_township_months: d.maybe(|d| d.upto(0, 24)),
        temp_min: d.maybe(Draw::fen),
        temp_per_cause_per_year: d.maybe(|d| d.upto(0, 5)),
        temp_township_approval: d.maybe(Draw::flag),
        payment_day: d.maybe(|d| d.upto(1, 28)),
        first_payment: d.maybe(|d| d.one(FirstPayment::ALL)),
        death_last_month: d.maybe(|d| d.one(crate::payment::roll::DeathLastMonth::ALL)),
        roll_level: d.maybe(|d| d.one(Level::ALL)),
        bank_file: d.maybe(|d| d.one(BankFileLayout::ALL)),
        recovery_offset: d.maybe(Draw::flag),
        review_dibao_months: d.maybe(|d| d.upto(1, 24)),
        review_dibao_unstable_months: d.maybe(|d| d.upto(1, 24)),
        review_tekun_months: d.maybe(|d| d.upto(1, 24)),
        exit_grace_months: d.maybe(|d| d.upto(0, 12)),
    }
}

proptest! {
    /// What the form shows for a version is read back as the same version.
    #[test]
    fn render_then_parse_gives_the_same_patch(nums in proptest::collection::vec(any::<u64>(), 64..256)) {
        let patch = arb_patch(&mut Draw(nums, 0));
        prop_assert_eq!(PolicyPatch::from_form(&patch.to_form()), Ok(patch.clone()));
        // Each field set reads as words in both languages.
        for field in patch.set_fields() {
            for lang in [Lang::Zh, Lang::En] {
                let shown = patch.show(field, lang).unwrap();
                prop_assert!(!shown.is_empty() && !shown.contains('{'), "{}: {}", field, shown);
            }
        }
    }

    /// The value in force renders into entries that read back as itself.
    #[test]
    fn a_resolved_policy_renders_into_entries_that_set_it(nums in proptest::collection::vec(any::<u64>(), 64..256)) {
        let mut policy = Policy::default();
        arb_patch(&mut Draw(nums, 0)).apply_to(&mut policy);
        let entries: Vec<(String, String)> = FIELDS.iter().flat_map(|f| policy.field_form(f.name)).collect();
        let mut again = Policy::default();
        PolicyPatch::from_form(&entries).unwrap().apply_to(&mut again);
        prop_assert_eq!(again, policy);
    }
}
