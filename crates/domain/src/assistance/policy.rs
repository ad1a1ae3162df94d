//! The assistance policy of a region: its settings with national defaults,
//! the patches regions set from a date on, and [`resolve`], which folds them
//! for one region and date (`policy.md`).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{Area, CaseKind, IncomeKind, Level, Material};
use crate::money::Fen;
use crate::region::RegionCode;

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
    /// 分档: the first band the income per person falls below.
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

/// Declares the policy, its patch (every field optional) and the field list
/// once, so the two never disagree.
macro_rules! policy_fields {
    ($( $(#[$meta:meta])* $field:ident : $ty:ty = $default:expr ),+ $(,)?) => {
        /// The assistance policy in force for a region on a date: every
        /// setting of `policy.md` the workflow uses, with its national default.
        #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
        pub struct AssistancePolicy { $( $(#[$meta])* pub $field: $ty ),+ }

        impl Default for AssistancePolicy {
            fn default() -> Self {
                AssistancePolicy { $( $field: $default ),+ }
            }
        }

        /// What one region sets from one date; everything else is inherited.
        #[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
        #[serde(default, deny_unknown_fields)]
        pub struct PolicyPatch {
            $( #[serde(skip_serializing_if = "Option::is_none")] pub $field: Option<$ty> ),+
        }

        impl PolicyPatch {
            /// The names of the fields, as in storage and the API.
            pub const FIELDS: &'static [&'static str] = &[$( stringify!($field) ),+];

            pub fn apply_to(&self, policy: &mut AssistancePolicy) {
                $( if let Some(v) = &self.$field { policy.$field = v.clone(); } )+
            }

            /// The fields this patch sets.
            pub fn set_fields(&self) -> Vec<&'static str> {
                let mut v = Vec::new();
                $( if self.$field.is_some() { v.push(stringify!($field)); } )+
                v
            }
        }
    };
}

policy_fields! {
    /// Monthly 低保 standard, urban (set by the province or city; a sample default).
    dibao_urban: Fen = Fen(80_000),
    /// Monthly 低保 standard, rural.
    dibao_rural: Fen = Fen(60_000),
    benefit_method: BenefitMethod = BenefitMethod::Difference,
    addons: Addons = Addons { elderly_age: 70, elderly: Fen(0), severe_disability: Fen(0), serious_illness: Fen(0), minor: Fen(0) },
    /// Income kinds not counted (S2 art. 13: rewards, assistance, the basic pension).
    excluded_income: Vec<IncomeKind> = vec![IncomeKind::BasicPension, IncomeKind::Reward, IncomeKind::Assistance],
    /// Employment cost deducted from wages, per mille (0 = none; 兴安盟 uses 100).
    employment_cost_permille: u32 = 0,
    /// 低保边缘 test: income per person below this multiple of the standard, per mille.
    edge_income_permille: u32 = 1_500,
    /// 特困 basic living = this multiple of the 低保 standard, per mille (1.3).
    tekun_basic_permille: u32 = 1_300,
    /// Prior-year monthly minimum wage, the base of the care standards.
    min_wage: Fen = Fen(180_000),
    /// Care standard = minimum wage ÷ divisor, for full / partial / lost self-care (1/10, 1/6, 1/3).
    care_divisors: [u32; 3] = [10, 6, 3],
    /// Care in an institution (集中供养), per mille of the home rate (+50%).
    institution_care_permille: u32 = 1_500,
    /// County spot-check share of 特困 cases, percent (S3 art. 16).
    tekun_spot_check_percent: u32 = 30,
    /// Temporary assistance cap, in months of the 低保 standard.
    temp_cap_months: u32 = 10,
    /// Township approval limit for temporary assistance, in months of the standard.
    temp_township_months: u32 = 4,
    /// Smallest temporary-assistance payment.
    temp_min: Fen = Fen(0),
    /// Times the same cause is helped in one calendar year.
    temp_per_cause_per_year: u32 = 1,
    /// Temporary assistance within the township limit is approved by the township (S1 art. 48).
    temp_township_approval: bool = true,
    /// Who confirms 低保 and 特困 cases.
    confirmation: Level = Level::County,
    /// Review-stage public notice (初审公示); 放管服 drops it.
    review_notice: bool = true,
    /// Notice period, days.
    notice_days: u32 = 7,
    /// Whether the notice period counts working days (S2 says "7天": calendar).
    notice_working_days: bool = false,
    /// Verification before the home survey (放管服: "先行开展家庭经济状况核对").
    verification_first: bool = false,
    /// Investigation starts within this many working days of 受理 (S2 art. 15).
    investigation_start_wd: u32 = 3,
    /// The county starts verification within this many working days of the request (S2 art. 17).
    verification_start_wd: u32 = 3,
    /// A case entered on someone's behalf is checked by the township within this many working days.
    materials_check_wd: u32 = 3,
    /// Rejection notice within this many working days of the decision (S2 art. 21).
    rejection_notice_wd: u32 = 3,
    /// 低保 and 单人保 time limits (S2 arts. 20, 22; S5 IV(一)).
    dibao_limits: Limits = Limits { township: 10, confirmation: 10, overall: 30, overall_delegated: 20, extended: 45 },
    /// 特困 time limits (S3 arts. 13, 16: 15 + notice + 15; S3 sets no overall limit).
    tekun_limits: Limits = Limits { township: 15, confirmation: 15, overall: 35, overall_delegated: 20, extended: 45 },
    /// 支出型 临时救助 time limits (sample: 喀什 15 working days).
    temp_limits: Limits = Limits { township: 10, confirmation: 5, overall: 15, overall_delegated: 15, extended: 30 },
    /// 急难型: paid within this many hours of the report.
    emergency_pay_hours: u32 = 24,
    /// 急难型: paperwork completed within this many working days of payment (宁国: 20).
    emergency_paperwork_wd: u32 = 20,
    /// Materials the region obtains through the government platform.
    platform_materials: Vec<Material> = Vec::new(),
    /// Programmes whose staff-relative cases need a county home survey (S2 art. 20).
    relatives_kinds: Vec<CaseKind> = vec![CaseKind::Dibao, CaseKind::DibaoIndividual],
}

impl AssistancePolicy {
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

    /// The policy of the demo county, from seed 001 (放管服): confirmation
    /// delegated to the townships, verification first, no review-stage
    /// notice (the result is published), 低保/特困/支出型 decided within 10
    /// working days, 急难 paid within 24 hours.
    pub fn demo_patch() -> PolicyPatch {
        let ten = Limits { township: 6, confirmation: 4, overall: 10, overall_delegated: 10, extended: 20 };
        PolicyPatch {
            dibao_urban: Some(Fen(80_000)),
            dibao_rural: Some(Fen(62_000)),
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
    pub policy: AssistancePolicy,
    /// Ids of the versions applied, from the top of the tree down.
    pub versions: Vec<i64>,
}

/// The policy in force for `region` on `on`: the national defaults, then for
/// each region from the top down to `region` its latest version in force on
/// that date. Fields a region does not set are inherited.
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
    let mut policy = AssistancePolicy::default();
    for v in &chain {
        v.patch.apply_to(&mut policy);
    }
    ResolvedPolicy { policy, versions: chain.iter().map(|v| v.id).collect() }
}
