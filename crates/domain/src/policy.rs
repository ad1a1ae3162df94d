//! The one policy of a region (`policy.md`, `payments.md`): every setting a
//! region decides, in sections — the 低保 standards, the verification
//! thresholds, the workflow's limits, the amounts and add-ons, payments and
//! reviews — each with a national (or sample) default.
//!
//! A region sets any field from a date on ([`PolicyPatch`], stored as a
//! version that is never changed); everything it does not set is inherited
//! from the region above. [`resolve`] is the only way a policy is read: it
//! folds the defaults, then from the top of the region tree down each
//! region's latest version in force on the date, and names the versions it
//! used and which version set each field. The verification engine's
//! thresholds are derived from the same resolved policy
//! ([`Policy::thresholds`]), so the standard shown anywhere for a region and
//! date is the same number.
//!
//! [`fields`] describes every field for people: its section, its label and
//! how it is entered (元, 是/否, days, a multiple…); a form of such entries
//! parses into a [`PolicyPatch`] with an error naming the field.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::assistance::{Area, CaseKind, IncomeKind, Level, Material};
use crate::money::Fen;
use crate::payment::roll::DeathLastMonth;
use crate::region::RegionCode;
use crate::verification::Thresholds;

mod fields;
mod messages;
#[cfg(test)]
mod tests;

pub use fields::{Field, FieldProblem, Input, Problem, Unit};
pub use messages::MESSAGES;

/// Time limits of one programme, in working days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    /// From the start of the investigation to the township's preliminary
    /// opinion (初审).
    pub township: u32,
    /// Confirmation (审核确认) from receipt of the township's materials.
    pub confirmation: u32,
    /// The whole case from 受理 when the county confirms.
    pub overall: u32,
    /// The whole case from 受理 when confirmation is delegated to the township.
    pub overall_delegated: u32,
    /// The whole case after the one extension.
    pub extended: u32,
}

/// Banded amounts (分档): a household whose income per person is below
/// `income_below` receives `per_person` for each member.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Band {
    pub income_below: Fen,
    pub per_person: Fen,
}

/// How the 低保 amount is set (S2 art. 23).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "method", content = "bands")]
pub enum BenefitMethod {
    /// 补差: (standard − income per person) × members.
    Difference,
    /// 分档: the first band the income per person falls below (bands in
    /// ascending order of income).
    Banded(Vec<Band>),
}

/// 分类施保: a monthly add-on per person who still struggles on 低保 (S1
/// art. 12; S2 art. 27); zero means none. A person receives the largest one
/// they qualify for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Addons {
    /// Age from which the elderly add-on applies.
    pub elderly_age: u32,
    pub elderly: Fen,
    /// Disability level 1 or 2.
    pub severe_disability: Fen,
    pub serious_illness: Fen,
    /// Under 18.
    pub minor: Fen,
}

labeled_enum! {
    /// The sections of the policy page.
    PolicySection {
        Standards = "standards" ["保障标准"],
        Verification = "verification" ["核对认定"],
        Workflow = "workflow" ["办理流程与时限"],
        Amounts = "amounts" ["救助金额与分类施保"],
        Payments = "payments" ["资金发放"],
        Reviews = "reviews" ["动态管理"]
    }
}

labeled_enum! {
    /// The first month an approved monthly benefit is paid for
    /// (`payments.md`: the month after approval by default).
    FirstPayment {
        ApplicationMonth = "application_month" ["申请当月"],
        ApprovalMonth = "approval_month" ["批准当月"],
        NextMonth = "next_month" ["批准次月"]
    }
}

labeled_enum! {
    /// The layout of the file sent to the paying bank (`payments.md`).
    BankFileLayout {
        YikatongCsv = "yikatong_csv" ["一卡通"],
        Custom = "custom" ["本地格式", "自定义格式"]
    }
}

/// Declares the policy, its patch (every field optional), and the field
/// list with each field's section and input once, so they never disagree.
macro_rules! policy_fields {
    ($( $(#[$meta:meta])* $field:ident : $ty:ty = $default:expr ; $section:ident, $input:expr ),+ $(,)?) => {
        /// The policy in force for a region on a date: every setting the
        /// system uses, with its national (or sample) default.
        #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
        pub struct Policy { $( $(#[$meta])* pub $field: $ty ),+ }

        impl Default for Policy {
            fn default() -> Self {
                Policy { $( $field: $default ),+ }
            }
        }

        /// What one region sets from one date; everything else is inherited.
        #[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
        #[serde(default, deny_unknown_fields)]
        pub struct PolicyPatch {
            $( #[serde(skip_serializing_if = "Option::is_none")] pub $field: Option<$ty> ),+
        }

        /// Every field of the policy, in the order of the page.
        pub static FIELDS: &[Field] = &[
            $( Field {
                name: stringify!($field),
                section: PolicySection::$section,
                label: concat!("policy.field.", stringify!($field)),
                input: $input,
            } ),+
        ];

        impl PolicyPatch {
            /// The names of the fields, as in storage and the API.
            pub const FIELDS: &'static [&'static str] = &[$( stringify!($field) ),+];

            pub fn apply_to(&self, policy: &mut Policy) {
                $( if let Some(v) = &self.$field { policy.$field = v.clone(); } )+
            }

            /// The fields this patch sets.
            pub fn set_fields(&self) -> Vec<&'static str> {
                let mut v = Vec::new();
                $( if self.$field.is_some() { v.push(stringify!($field)); } )+
                v
            }

            /// A field's value as people read it, when this patch sets it.
            pub fn show(&self, field: &str, lang: crate::Lang) -> Option<String> {
                match field {
                    $( stringify!($field) => self.$field.as_ref().map(|v| fields::FieldValue::show(v, &$input, lang)), )+
                    _ => None,
                }
            }

            /// The form entries that set exactly this patch (the inverse of
            /// [`PolicyPatch::from_form`]).
            pub fn to_form(&self) -> Vec<(String, String)> {
                let mut out = Vec::new();
                $( if let Some(v) = &self.$field {
                    fields::FieldValue::to_form(v, &$input, stringify!($field), &mut out);
                } )+
                out
            }

            /// Reads a patch from form entries as people write them (`800.00`,
            /// `是`, `1.3`, …); an empty field is inherited. Every problem is
            /// listed, each naming its field.
            pub fn from_form(form: &[(String, String)]) -> Result<PolicyPatch, Vec<FieldProblem>> {
                let form = fields::Form(form);
                let mut patch = PolicyPatch::default();
                let mut problems = Vec::new();
                $( match <$ty as fields::FieldValue>::from_form(&$input, stringify!($field), &form) {
                    Ok(v) => patch.$field = v,
                    Err(mut p) => {
                        p.field = stringify!($field);
                        p.label = concat!("policy.field.", stringify!($field));
                        problems.push(p);
                    }
                } )+
                if problems.is_empty() { Ok(patch) } else { Err(problems) }
            }
        }

        impl Policy {
            /// A field's value as people read it (`800.00元`, `是`, `1.3倍`).
            pub fn show(&self, field: &str, lang: crate::Lang) -> Option<String> {
                match field {
                    $( stringify!($field) => Some(fields::FieldValue::show(&self.$field, &$input, lang)), )+
                    _ => None,
                }
            }

            /// The form entries of a field's value, as the form would show it
            /// (for the value in force beside an empty input).
            pub fn field_form(&self, field: &str) -> Vec<(String, String)> {
                let mut out = Vec::new();
                match field {
                    $( stringify!($field) => fields::FieldValue::to_form(&self.$field, &$input, stringify!($field), &mut out), )+
                    _ => {}
                }
                out
            }
        }
    };
}

use fields::Input as I;
use fields::Unit as U;

policy_fields! {
    // ---------------------------------------------------------------- standards
    /// Monthly 低保 standard, urban (set by the province or city; a sample default).
    dibao_urban: Fen = Fen(80_000); Standards, I::Money,
    /// Monthly 低保 standard, rural.
    dibao_rural: Fen = Fen(60_000); Standards, I::Money,
    /// Which standard applies to the households of the region (a township
    /// sets rural, its urban communities urban): verification compares their
    /// income with it, and it is the application form's default.
    area: Area = Area::Rural; Standards, I::Choice(fields::choices::<Area>),
    /// 低保边缘 test: income per person below this multiple of the standard, per mille.
    edge_income_permille: u32 = 1_500; Standards, I::Multiple,
    /// 特困 basic living = this multiple of the 低保 standard, per mille (1.3).
    tekun_basic_permille: u32 = 1_300; Standards, I::Multiple,
    /// Prior-year monthly minimum wage, the base of the care standards.
    min_wage: Fen = Fen(180_000); Standards, I::Money,

    // ------------------------------------------------------------ verification
    /// More homes than this is a finding (`policy.md` §2.5, 灌云县: 2 or more).
    max_homes: u32 = 1; Verification, I::Count(U::Homes),
    /// Home area per person above this (hundredths of m²) is a finding; 0: no area rule.
    max_home_area_centi_m2: i64 = 0; Verification, I::Area,
    /// Deposits per person above this many months of the standard (深圳: 24).
    deposit_months: u32 = 24; Verification, I::Count(U::MonthsOfStandard),
    /// Income within this percentage below the standard is "near" it (exit early warning).
    near_margin_percent: u32 = 10; Verification, I::Percent,
    /// Income kinds not counted (S2 art. 13: rewards, assistance, the basic pension).
    excluded_income: Vec<IncomeKind> = vec![IncomeKind::BasicPension, IncomeKind::Reward, IncomeKind::Assistance];
        Verification, I::Set(fields::choices::<IncomeKind>),
    /// Employment cost deducted from wages, per mille (0 = none; 兴安盟 uses 100).
    employment_cost_permille: u32 = 0; Verification, I::PermillePercent,

    // ---------------------------------------------------------------- workflow
    /// Who confirms 低保 and 特困 cases.
    confirmation: Level = Level::County; Workflow, I::Choice(fields::choices::<Level>),
    /// Review-stage public notice (初审公示); 放管服 drops it.
    review_notice: bool = true; Workflow, I::YesNo,
    /// Notice period, days.
    notice_days: u32 = 7; Workflow, I::Count(U::Days),
    /// Whether the notice period counts working days (S2 says "7天": calendar).
    notice_working_days: bool = false; Workflow, I::YesNo,
    /// Verification before the home survey (放管服: "先行开展家庭经济状况核对").
    verification_first: bool = false; Workflow, I::YesNo,
    /// Investigation starts within this many working days of 受理 (S2 art. 15).
    investigation_start_wd: u32 = 3; Workflow, I::Count(U::WorkingDays),
    /// The county starts verification within this many working days of the request (S2 art. 17).
    verification_start_wd: u32 = 3; Workflow, I::Count(U::WorkingDays),
    /// A case entered on someone's behalf is checked by the township within this many working days.
    materials_check_wd: u32 = 3; Workflow, I::Count(U::WorkingDays),
    /// Rejection notice within this many working days of the decision (S2 art. 21).
    rejection_notice_wd: u32 = 3; Workflow, I::Count(U::WorkingDays),
    /// 低保 and 单人保 time limits (S2 arts. 20, 22; S5 IV(一)).
    dibao_limits: Limits = Limits { township: 10, confirmation: 10, overall: 30, overall_delegated: 20, extended: 45 };
        Workflow, I::Parts(fields::LIMIT_PARTS),
    /// 特困 time limits (S3 arts. 13, 16: 15 + notice + 15; S3 sets no overall limit).
    tekun_limits: Limits = Limits { township: 15, confirmation: 15, overall: 35, overall_delegated: 20, extended: 45 };
        Workflow, I::Parts(fields::LIMIT_PARTS),
    /// 支出型 临时救助 time limits (sample: 喀什 15 working days).
    temp_limits: Limits = Limits { township: 10, confirmation: 5, overall: 15, overall_delegated: 15, extended: 30 };
        Workflow, I::Parts(fields::LIMIT_PARTS),
    /// 急难型: paid within this many hours of the report.
    emergency_pay_hours: u32 = 24; Workflow, I::Count(U::Hours),
    /// 急难型: paperwork completed within this many working days of payment (宁国: 20).
    emergency_paperwork_wd: u32 = 20; Workflow, I::Count(U::WorkingDays),
    /// County spot-check share of 特困 cases, percent (S3 art. 16).
    tekun_spot_check_percent: u32 = 30; Workflow, I::Percent,
    /// Materials the region obtains through the government platform.
    platform_materials: Vec<Material> = Vec::new(); Workflow, I::Set(fields::choices::<Material>),
    /// Programmes whose staff-relative cases need a county home survey (S2 art. 20).
    relatives_kinds: Vec<CaseKind> = vec![CaseKind::Dibao, CaseKind::DibaoIndividual];
        Workflow, I::Set(fields::choices::<CaseKind>),

    // ----------------------------------------------------------------- amounts
    benefit_method: BenefitMethod = BenefitMethod::Difference; Amounts, I::Bands,
    addons: Addons = Addons { elderly_age: 70, elderly: Fen(0), severe_disability: Fen(0), serious_illness: Fen(0), minor: Fen(0) };
        Amounts, I::Parts(fields::ADDON_PARTS),
    /// Care standard = minimum wage ÷ divisor, for full / partial / lost self-care (1/10, 1/6, 1/3).
    care_divisors: [u32; 3] = [10, 6, 3]; Amounts, I::Parts(fields::CARE_PARTS),
    /// Care in an institution (集中供养), per mille of the home rate (+50%).
    institution_care_permille: u32 = 1_500; Amounts, I::Multiple,
    /// Temporary assistance cap, in months of the 低保 standard.
    temp_cap_months: u32 = 10; Amounts, I::Count(U::MonthsOfStandard),
    /// Township approval limit for temporary assistance, in months of the standard.
    temp_township_months: u32 = 4; Amounts, I::Count(U::MonthsOfStandard),
    /// Smallest temporary-assistance payment.
    temp_min: Fen = Fen(0); Amounts, I::Money,
    /// Times the same cause is helped in one calendar year.
    temp_per_cause_per_year: u32 = 1; Amounts, I::Count(U::Times),
    /// Temporary assistance within the township limit is approved by the township (S1 art. 48).
    temp_township_approval: bool = true; Amounts, I::YesNo,

    // ---------------------------------------------------------------- payments
    /// Monthly benefits are paid by this day of the month (财社〔2012〕171号: before the 10th).
    payment_day: u32 = 10; Payments, I::Count(U::DayOfMonth),
    /// The first month paid (`payments.md`: the month after approval).
    first_payment: FirstPayment = FirstPayment::NextMonth; Payments, I::Choice(fields::choices::<FirstPayment>),
    /// The last month paid after a recipient's death: the month of death, or the month before.
    death_last_month: DeathLastMonth = DeathLastMonth::MonthOfDeath; Payments, I::Choice(fields::choices::<DeathLastMonth>),
    /// One payment roll per county, or per township.
    roll_level: Level = Level::County; Payments, I::Choice(fields::choices::<Level>),
    /// The layout of the bank file.
    bank_file: BankFileLayout = BankFileLayout::YikatongCsv; Payments, I::Choice(fields::choices::<BankFileLayout>),
    /// An overpayment (追回) may be offset against the payee's later payments (only where the county allows it).
    recovery_offset: bool = false; Payments, I::YesNo,

    // ----------------------------------------------------------------- reviews
    /// 低保 households whose situation changes little are reviewed yearly (S2 art. 31).
    review_dibao_months: u32 = 12; Reviews, I::Count(U::Months),
    /// Households with unstable income and members able to work: every 6 months (S2 art. 31).
    review_dibao_unstable_months: u32 = 6; Reviews, I::Count(U::Months),
    /// 特困 persons are reviewed yearly (S4 item 7).
    review_tekun_months: u32 = 12; Reviews, I::Count(U::Months),
    /// 渐退期: at most this many months of benefit after employment lifts income above the standard (S5 I(三)).
    exit_grace_months: u32 = 6; Reviews, I::Count(U::Months),
}

impl Policy {
    /// The 低保 standard of an area.
    pub fn standard(&self, area: Area) -> Fen {
        match area {
            Area::Urban => self.dibao_urban,
            Area::Rural => self.dibao_rural,
        }
    }

    pub fn limits(&self, kind: CaseKind) -> Limits {
        match kind {
            CaseKind::Dibao | CaseKind::DibaoIndividual => self.dibao_limits,
            CaseKind::Tekun => self.tekun_limits,
            CaseKind::TempEmergency | CaseKind::TempExpense => self.temp_limits,
        }
    }

    pub fn temp_cap(&self, area: Area) -> Fen {
        Fen(self.standard(area).0 * i64::from(self.temp_cap_months))
    }

    pub fn temp_township_limit(&self, area: Area) -> Fen {
        Fen(self.standard(area).0 * i64::from(self.temp_township_months))
    }

    /// The verification thresholds of this policy for a household under the
    /// standard of `area`: the engine judges with exactly these numbers.
    pub fn thresholds(&self, area: Area) -> Thresholds {
        Thresholds {
            dibao_standard: self.standard(area),
            max_homes: self.max_homes,
            max_home_area_per_person_centi_m2: (self.max_home_area_centi_m2 > 0).then_some(self.max_home_area_centi_m2),
            deposit_months: i64::from(self.deposit_months),
            near_margin_percent: i64::from(self.near_margin_percent),
        }
    }

    /// The policy of the demo county, from seed 001 (放管服): confirmation
    /// delegated to the townships, verification first, no review-stage
    /// notice (the result is published), 低保/特困/支出型 decided within 10
    /// working days, 急难 paid within 24 hours; its standards and the
    /// verification thresholds it judges by.
    pub fn demo_patch() -> PolicyPatch {
        let ten = Limits { township: 6, confirmation: 4, overall: 10, overall_delegated: 10, extended: 20 };
        PolicyPatch {
            dibao_urban: Some(Fen(80_000)),
            dibao_rural: Some(Fen(62_000)),
            area: Some(Area::Rural),
            max_homes: Some(1),
            deposit_months: Some(24),
            near_margin_percent: Some(10),
            confirmation: Some(Level::Township),
            review_notice: Some(false),
            verification_first: Some(true),
            dibao_limits: Some(ten),
            tekun_limits: Some(ten),
            temp_limits: Some(ten),
            temp_min: Some(Fen(80_000)),
            ..PolicyPatch::default()
        }
    }
}

/// Where a field of a policy to be stored is named: the field metadata.
impl Field {
    /// The field of this name.
    pub fn named(name: &str) -> Option<&'static Field> {
        FIELDS.iter().find(|f| f.name == name)
    }
}

/// One stored version of a region's policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyVersion {
    pub id: i64,
    pub region_code: RegionCode,
    pub effective_from: NaiveDate,
    pub patch: PolicyPatch,
}

/// A policy resolved for one region and date, with the versions it folded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResolvedPolicy {
    pub policy: Policy,
    /// Ids of the versions applied, from the top of the tree down.
    pub versions: Vec<i64>,
    /// For each field set by a version, the id of the version whose value is
    /// in force (the nearest region's); a field not listed has its default.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub set_by: BTreeMap<String, i64>,
}

impl ResolvedPolicy {
    /// The version whose value of `field` is in force (`None`: the default).
    pub fn source(&self, field: &str) -> Option<i64> {
        self.set_by.get(field).copied()
    }
}

/// The policy in force for `region` on `on`: the national defaults, then for
/// each region from the top down to `region` its latest version in force on
/// that date (the higher id among versions of the same date). Fields a region
/// does not set are inherited.
pub fn resolve(versions: &[PolicyVersion], region: &RegionCode, on: NaiveDate) -> ResolvedPolicy {
    let mut chain: Vec<&PolicyVersion> = Vec::new();
    for v in versions {
        if !v.region_code.contains(region) || v.effective_from > on {
            continue;
        }
        match chain.iter_mut().find(|c| c.region_code == v.region_code) {
            Some(c) if (c.effective_from, c.id) < (v.effective_from, v.id) => *c = v,
            Some(_) => {}
            None => chain.push(v),
        }
    }
    chain.sort_by_key(|v| v.region_code.level());
    let mut policy = Policy::default();
    let mut set_by = BTreeMap::new();
    for v in &chain {
        v.patch.apply_to(&mut policy);
        for field in v.patch.set_fields() {
            set_by.insert(field.to_string(), v.id);
        }
    }
    ResolvedPolicy { policy, versions: chain.iter().map(|v| v.id).collect(), set_by }
}
