//! What an application asks for and how much it gives: the programmes
//! (低保, 单人保, 特困, 临时救助 急难型/支出型), the assistance policy of a
//! region with its effective dates, the materials checklist, referrals of
//! other needs, and the amounts (`policy.md` §§2–4, 8, 13).
//!
//! A policy is stored as patches: each region may set any field from a date
//! on, and a region inherits every field it does not set from its parent.
//! [`resolve`] folds the national defaults, then each region from the top
//! down (its patch in force on the date), and names the versions it used, so
//! a decision records exactly which policy judged it.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::money::Fen;
use crate::region::RegionCode;

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

/// Facts about the household that decide which materials apply.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MaterialFacts {
    pub any_disabled: bool,
    pub any_serious_illness: bool,
}

impl MaterialFacts {
    /// The facts of a household's members.
    pub fn of(members: &[MemberFacts]) -> MaterialFacts {
        MaterialFacts {
            any_disabled: members.iter().any(|m| m.disability_level.is_some()),
            any_serious_illness: members.iter().any(|m| m.serious_illness),
        }
    }
}

/// The checklist for one programme: the national list plus what the
/// household's facts call for, minus what the region obtains through the
/// government platform (S2 art. 10: never asked for again).
pub fn required_materials(kind: CaseKind, facts: MaterialFacts, policy: &AssistancePolicy) -> Vec<Material> {
    use Material::*;
    let mut list = match kind {
        CaseKind::Dibao | CaseKind::DibaoIndividual | CaseKind::Tekun => {
            vec![ApplicationForm, IdCard, Hukou, IncomeDeclaration, Authorisation, Pledge]
        }
        CaseKind::TempExpense => {
            vec![ApplicationForm, IdCard, IncomeDeclaration, Authorisation, Pledge, ExpenseReceipts]
        }
        CaseKind::TempEmergency => vec![ApplicationForm, IdCard, HardshipEvidence],
    };
    if kind == CaseKind::Tekun {
        list.push(SupporterAuthorisation);
    }
    if facts.any_disabled && kind != CaseKind::TempEmergency {
        list.push(DisabilityCertificate);
    }
    if facts.any_serious_illness && matches!(kind, CaseKind::DibaoIndividual | CaseKind::TempEmergency) {
        list.push(IllnessDiagnosis);
    }
    list.retain(|m| !policy.platform_materials.contains(m));
    list
}

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

/// `value × num ÷ den`, rounded half up, in fen.
pub fn mul_div_round(value: Fen, num: u32, den: u32) -> Fen {
    if den == 0 {
        return Fen(0);
    }
    let (num, den) = (i128::from(num), i128::from(den));
    let v = i128::from(value.0) * num;
    Fen(((2 * v + den).div_euclid(2 * den)) as i64)
}

/// A member as the amount rules see them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberFacts {
    pub age: u32,
    /// Disability level 1–4, if any.
    pub disability_level: Option<u8>,
    /// Intellectual or mental disability (grade 3 of these counts as severe for 单人保).
    #[serde(default)]
    pub cognitive_disability: bool,
    /// Visual disability (only grade 1 of it means no capacity to work, S3 art. 5).
    #[serde(default)]
    pub visual_disability: bool,
    pub serious_illness: bool,
}

impl MemberFacts {
    /// May be included alone (单人保, S2 art. 8): disability grade 1 or 2,
    /// grade 3 intellectual or mental disability, or a serious illness.
    pub fn may_be_included_alone(&self) -> bool {
        matches!(self.disability_level, Some(1 | 2))
            || (self.disability_level == Some(3) && self.cognitive_disability)
            || self.serious_illness
    }
}

/// The household's declared monthly income and rigid spending.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncomeDeclaration {
    pub items: Vec<(IncomeKind, Fen)>,
    pub deductions: Vec<(DeductionKind, Fen)>,
}

/// How the monthly income that counts was reached.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CountedIncome {
    pub declared: Fen,
    pub excluded: Fen,
    pub employment_cost: Fen,
    pub deductions: Fen,
    /// Declared − excluded − employment cost − deductions, never below zero.
    pub counted: Fen,
}

pub fn counted_income(declaration: &IncomeDeclaration, policy: &AssistancePolicy) -> CountedIncome {
    let sum =
        |f: &dyn Fn(IncomeKind) -> bool| Fen(declaration.items.iter().filter(|(k, _)| f(*k)).map(|(_, a)| a.0).sum());
    let declared = sum(&|_| true);
    let excluded = sum(&|k| policy.excluded_income.contains(&k));
    let wages = sum(&|k| k == IncomeKind::Wage && !policy.excluded_income.contains(&k));
    let employment_cost = mul_div_round(wages, policy.employment_cost_permille, 1_000);
    let deductions = Fen(declaration.deductions.iter().map(|(_, a)| a.0).sum());
    let counted = Fen((declared.0 - excluded.0 - employment_cost.0 - deductions.0).max(0));
    CountedIncome { declared, excluded, employment_cost, deductions, counted }
}

/// Why an amount cannot be granted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(rename_all = "snake_case", tag = "reason")]
pub enum AmountError {
    #[error("income per person {per_person} is not below the standard {standard}")]
    IncomeNotBelowStandard { per_person: Fen, standard: Fen },
    #[error("no members")]
    NoMembers,
    #[error("{requested} is above the cap {cap}")]
    AboveCap { requested: Fen, cap: Fen },
    #[error("{requested} is below the smallest payment {min}")]
    BelowMinimum { requested: Fen, min: Fen },
    #[error("already helped {times} times for this cause this year")]
    CauseLimitReached { times: u32 },
    #[error("the person cannot be included alone")]
    NotIndividuallyEligible,
    #[error("income per person {per_person} is not below the edge line {line}")]
    NotEdgeFamily { per_person: Fen, line: Fen },
}

impl AmountError {
    pub fn to_message(&self) -> crate::i18n::Message {
        use crate::i18n::Message;
        match self {
            AmountError::IncomeNotBelowStandard { per_person, standard } => {
                Message::new("amount.error.income_not_below").arg("value", per_person).arg("standard", standard)
            }
            AmountError::NoMembers => Message::new("amount.error.no_members"),
            AmountError::AboveCap { requested, cap } => {
                Message::new("amount.error.above_cap").arg("value", requested).arg("cap", cap)
            }
            AmountError::BelowMinimum { requested, min } => {
                Message::new("amount.error.below_min").arg("value", requested).arg("min", min)
            }
            AmountError::CauseLimitReached { times } => Message::new("amount.error.cause_limit").arg("times", times),
            AmountError::NotIndividuallyEligible => Message::new("amount.error.not_individual"),
            AmountError::NotEdgeFamily { per_person, line } => {
                Message::new("amount.error.not_edge").arg("value", per_person).arg("line", line)
            }
        }
    }
}

/// One 分类施保 add-on granted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AddonKind {
    Elderly,
    SevereDisability,
    SeriousIllness,
    Minor,
}

impl AddonKind {
    pub fn message_key(self) -> &'static str {
        match self {
            AddonKind::Elderly => "addon.elderly",
            AddonKind::SevereDisability => "addon.severe_disability",
            AddonKind::SeriousIllness => "addon.serious_illness",
            AddonKind::Minor => "addon.minor",
        }
    }
}

/// A monthly 低保 amount and how it was derived.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DibaoAmount {
    pub area: Area,
    pub standard: Fen,
    pub members: u32,
    pub income: CountedIncome,
    /// Counted income per person, rounded half up (shown; the comparison
    /// with the standard is exact).
    pub per_person: Fen,
    /// The difference (standard × members − counted income), or the band's
    /// amount × members.
    pub base: Fen,
    pub addons: Vec<(AddonKind, Fen)>,
    pub total: Fen,
}

/// The monthly 低保 amount for `members` (the co-residing members; one for
/// 单人保). With the difference method the household receives
/// `standard × members − counted income`, which is `(standard − income per
/// person) × members` without rounding the per-person figure.
pub fn dibao_amount(
    policy: &AssistancePolicy,
    area: Area,
    members: &[MemberFacts],
    declaration: &IncomeDeclaration,
) -> Result<DibaoAmount, AmountError> {
    let n = u32::try_from(members.len()).unwrap_or(u32::MAX);
    if n == 0 {
        return Err(AmountError::NoMembers);
    }
    let standard = policy.standard(area);
    let income = counted_income(declaration, policy);
    let per_person = Fen(crate::verification::average_fen(income.counted.0, n));
    let line = standard.0 * i64::from(n);
    if income.counted.0 >= line {
        return Err(AmountError::IncomeNotBelowStandard { per_person, standard });
    }
    let base = match &policy.benefit_method {
        BenefitMethod::Difference => Fen(line - income.counted.0),
        BenefitMethod::Banded(bands) => {
            let band = bands
                .iter()
                .find(|b| income.counted.0 < b.income_below.0 * i64::from(n))
                .ok_or(AmountError::IncomeNotBelowStandard { per_person, standard })?;
            Fen(band.per_person.0 * i64::from(n))
        }
    };
    let addons: Vec<(AddonKind, Fen)> = members.iter().filter_map(|m| addon_for(&policy.addons, m)).collect();
    let total = Fen(base.0 + addons.iter().map(|(_, a)| a.0).sum::<i64>());
    Ok(DibaoAmount { area, standard, members: n, income, per_person, base, addons, total })
}

labeled_enum! {
    /// The three conditions of 特困 (S3 arts. 4–8).
    TekunCondition {
        NoWorkCapacity = "no_work_capacity" ["无劳动能力"],
        NoIncome = "no_income" ["无生活来源"],
        NoSupporter = "no_supporter" ["无法定赡养抚养扶养义务人"]
    }
}

impl MemberFacts {
    /// 无劳动能力 (S3 art. 5): aged 60 or over or under 16; intellectual or
    /// mental disability grade 1–3; visual grade 1; other disability grade 1–2.
    pub fn cannot_work(&self) -> bool {
        let severe = match self.disability_level {
            Some(level) if self.cognitive_disability => level <= 3,
            Some(level) if self.visual_disability => level == 1,
            Some(level) => level <= 2,
            None => false,
        };
        self.age >= 60 || self.age < 16 || severe
    }
}

/// The 特困 conditions a person does not meet: no capacity to work, income
/// below the 低保 standard (the household's counted income per person, as
/// the form records it), and no supporter able to support them (found by
/// the investigation and confirmed by the approver: `no_able_supporter`).
pub fn tekun_unmet(
    policy: &AssistancePolicy,
    area: Area,
    person: &MemberFacts,
    household: &[MemberFacts],
    declaration: &IncomeDeclaration,
    no_able_supporter: bool,
) -> Vec<TekunCondition> {
    let mut unmet = Vec::new();
    if !person.cannot_work() {
        unmet.push(TekunCondition::NoWorkCapacity);
    }
    let n = i64::try_from(household.len().max(1)).unwrap_or(i64::MAX);
    if counted_income(declaration, policy).counted.0 >= policy.standard(area).0 * n {
        unmet.push(TekunCondition::NoIncome);
    }
    if !no_able_supporter {
        unmet.push(TekunCondition::NoSupporter);
    }
    unmet
}

/// 单人保 (S2 art. 8): a person of a 低保边缘 family (income per person
/// below the edge multiple of the standard) who is severely disabled or
/// seriously ill is included alone. The amount is the standard for one
/// person with their 分类施保 add-on; their own income is taken as none
/// (the form records the household's income, not each member's).
pub fn individual_amount(
    policy: &AssistancePolicy,
    area: Area,
    person: &MemberFacts,
    household: &[MemberFacts],
    declaration: &IncomeDeclaration,
) -> Result<DibaoAmount, AmountError> {
    if !person.may_be_included_alone() {
        return Err(AmountError::NotIndividuallyEligible);
    }
    let n = u32::try_from(household.len().max(1)).unwrap_or(u32::MAX);
    let income = counted_income(declaration, policy);
    let line = mul_div_round(policy.standard(area), policy.edge_income_permille, 1_000);
    if income.counted.0 >= line.0 * i64::from(n) {
        let per_person = Fen(crate::verification::average_fen(income.counted.0, n));
        return Err(AmountError::NotEdgeFamily { per_person, line });
    }
    dibao_amount(policy, area, std::slice::from_ref(person), &IncomeDeclaration::default())
}

fn addon_for(addons: &Addons, m: &MemberFacts) -> Option<(AddonKind, Fen)> {
    let mut candidates = Vec::new();
    if m.age >= addons.elderly_age {
        candidates.push((AddonKind::Elderly, addons.elderly));
    }
    if matches!(m.disability_level, Some(1 | 2)) {
        candidates.push((AddonKind::SevereDisability, addons.severe_disability));
    }
    if m.serious_illness {
        candidates.push((AddonKind::SeriousIllness, addons.serious_illness));
    }
    if m.age < 18 {
        candidates.push((AddonKind::Minor, addons.minor));
    }
    candidates.into_iter().filter(|(_, a)| a.0 > 0).max_by_key(|(_, a)| a.0)
}

/// A monthly 特困 amount: basic living plus care.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TekunAmount {
    pub area: Area,
    pub standard: Fen,
    pub basic_permille: u32,
    pub basic: Fen,
    pub self_care: SelfCare,
    pub mode: SupportMode,
    pub min_wage: Fen,
    pub care: Fen,
    pub total: Fen,
}

pub fn tekun_amount(policy: &AssistancePolicy, area: Area, self_care: SelfCare, mode: SupportMode) -> TekunAmount {
    let standard = policy.standard(area);
    let basic = mul_div_round(standard, policy.tekun_basic_permille, 1_000);
    let home_care = mul_div_round(policy.min_wage, 1, policy.care_divisors[self_care.index()]);
    let care = match mode {
        SupportMode::Home => home_care,
        SupportMode::Institution => mul_div_round(home_care, policy.institution_care_permille, 1_000),
    };
    TekunAmount {
        area,
        standard,
        basic_permille: policy.tekun_basic_permille,
        basic,
        self_care,
        mode,
        min_wage: policy.min_wage,
        care,
        total: Fen(basic.0 + care.0),
    }
}

/// Where a temporary-assistance request is decided, and its limits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TempRoute {
    pub requested: Fen,
    pub cap: Fen,
    pub township_limit: Fen,
    pub level: Level,
}

/// Checks a temporary-assistance request against the cap, the smallest
/// payment and the once-per-cause rule (`helped_this_year`: earlier grants
/// for the same cause in the same year), and routes it: within the
/// township limit to the township where it may approve, above it to the county.
pub fn temp_route(
    policy: &AssistancePolicy,
    area: Area,
    requested: Fen,
    helped_this_year: u32,
) -> Result<TempRoute, AmountError> {
    if helped_this_year >= policy.temp_per_cause_per_year {
        return Err(AmountError::CauseLimitReached { times: helped_this_year });
    }
    let cap = policy.temp_cap(area);
    if requested.0 > cap.0 {
        return Err(AmountError::AboveCap { requested, cap });
    }
    if requested.0 < policy.temp_min.0 || requested.0 <= 0 {
        return Err(AmountError::BelowMinimum { requested, min: policy.temp_min });
    }
    let township_limit = policy.temp_township_limit(area);
    let level =
        if policy.temp_township_approval && requested.0 <= township_limit.0 { Level::Township } else { Level::County };
    Ok(TempRoute { requested, cap, township_limit, level })
}

/// The texts of the applications workflow (part of the one catalogue).
pub static MESSAGES: &[(&str, &str, &str)] = &[
    ("CaseKind.dibao", "最低生活保障", "Minimum living guarantee (dibao)"),
    ("CaseKind.dibao_individual", "低保（单人保）", "Dibao, individual inclusion"),
    ("CaseKind.tekun", "特困人员救助供养", "Extreme-poverty support (tekun)"),
    ("CaseKind.temp_emergency", "临时救助（急难型）", "Temporary assistance, emergency"),
    ("CaseKind.temp_expense", "临时救助（支出型）", "Temporary assistance, expense"),
    ("Area.urban", "城市", "Urban"),
    ("Area.rural", "农村", "Rural"),
    ("SelfCare.full", "具备生活自理能力（全自理）", "Fully self-caring"),
    ("SelfCare.partial", "部分丧失生活自理能力（半护理）", "Partly dependent"),
    ("SelfCare.lost", "完全丧失生活自理能力（全护理）", "Fully dependent"),
    ("selfcare.eat", "进食", "Eating"),
    ("selfcare.dress", "穿衣", "Dressing"),
    ("selfcare.bed", "上下床", "Getting in and out of bed"),
    ("selfcare.toilet", "如厕", "Toileting"),
    ("selfcare.walk", "室内行走", "Walking indoors"),
    ("selfcare.bathe", "洗澡", "Bathing"),
    ("SupportMode.home", "分散供养", "Supported at home"),
    ("SupportMode.institution", "集中供养", "Supported in an institution"),
    ("IncomeKind.wage", "工资性收入", "Wages"),
    ("IncomeKind.business", "经营净收入", "Business income"),
    ("IncomeKind.property", "财产净收入", "Property income"),
    ("IncomeKind.transfer", "转移净收入", "Transfer income"),
    ("IncomeKind.basic_pension", "城乡居民基础养老金", "Basic residents' pension"),
    ("IncomeKind.reward", "优待抚恤金及奖励性补助", "Allowances and rewards"),
    ("IncomeKind.assistance", "社会救助款物", "Social assistance received"),
    ("IncomeKind.other", "其他收入", "Other income"),
    ("DeductionKind.medical", "重病刚性支出", "Rigid medical spending"),
    ("DeductionKind.disability", "残疾刚性支出", "Rigid disability spending"),
    ("TempCause.accident", "意外事故", "Accident"),
    ("TempCause.illness", "突发重病", "Sudden serious illness"),
    ("TempCause.medical_expense", "医疗支出", "Medical expense"),
    ("TempCause.education_expense", "教育支出", "Education expense"),
    ("TempCause.unemployment", "失业无收入", "Unemployed without income"),
    ("TempCause.other", "其他特殊困难", "Other hardship"),
    ("Material.application_form", "书面申请书", "Written application"),
    ("Material.id_card", "居民身份证", "Identity card"),
    ("Material.hukou", "户口簿", "Household register (hukou)"),
    ("Material.income_declaration", "家庭收入和财产申报表", "Income and property declaration"),
    ("Material.authorisation", "家庭经济状况核对授权书", "Authorisation for economic verification"),
    ("Material.pledge", "承诺书", "Truthfulness pledge"),
    ("Material.disability_certificate", "残疾人证", "Disability certificate"),
    ("Material.illness_diagnosis", "疾病诊断证明", "Diagnosis of illness"),
    (
        "Material.supporter_authorisation",
        "法定赡养（抚养、扶养）人核对授权书",
        "Supporters' authorisation for verification",
    ),
    ("Material.expense_receipts", "医疗或教育支出票据", "Receipts for medical or education spending"),
    ("Material.hardship_evidence", "困难情况证明材料", "Evidence of the hardship"),
    ("Need.medical", "医疗救助", "Medical assistance"),
    ("Need.education", "教育救助", "Education assistance"),
    ("Need.housing", "住房救助", "Housing assistance"),
    ("Need.employment", "就业救助", "Employment assistance"),
    ("department.medical", "县医疗保障局", "County medical security bureau"),
    ("department.education", "县教育局（就读学校）", "County education bureau (the school)"),
    ("department.housing", "县住房和城乡建设局", "County housing bureau"),
    ("department.employment", "县人力资源和社会保障局", "County human resources and social security bureau"),
    ("ReferralStatus.sent", "已转介", "Referred"),
    ("ReferralStatus.received", "部门已接收", "Received by the department"),
    ("ReferralStatus.done", "已办结", "Completed"),
    ("Level.township", "乡镇（街道）", "Township"),
    ("Level.county", "县级民政部门", "County civil-affairs bureau"),
    ("addon.elderly", "老年人分类施保", "Elderly add-on"),
    ("addon.severe_disability", "重度残疾人分类施保", "Severe disability add-on"),
    ("addon.serious_illness", "重病患者分类施保", "Serious illness add-on"),
    ("addon.minor", "未成年人分类施保", "Minor add-on"),
    (
        "amount.error.income_not_below",
        "家庭人均收入{value}不低于低保标准{standard}",
        "Income per person {value} is not below the standard {standard}",
    ),
    ("amount.error.no_members", "没有共同生活的家庭成员", "No co-residing members"),
    (
        "amount.error.above_cap",
        "申请金额{value}超过临时救助上限{cap}，应提交一事一议",
        "{value} is above the temporary-assistance cap {cap}; refer it for case-by-case deliberation",
    ),
    ("amount.error.below_min", "救助金额{value}低于最低救助金额{min}", "{value} is below the smallest payment {min}"),
    (
        "amount.error.cause_limit",
        "本年度已因同一事由获得临时救助{times}次",
        "Already helped {times} times this year for the same cause",
    ),
    ("policy.field.dibao_urban", "城市低保标准（分/月）", "Urban dibao standard (fen a month)"),
    ("policy.field.dibao_rural", "农村低保标准（分/月）", "Rural dibao standard (fen a month)"),
    ("policy.field.benefit_method", "低保金计算方式（补差或分档）", "Benefit method (difference or bands)"),
    ("policy.field.addons", "分类施保（分/人/月）", "Add-ons (fen a person a month)"),
    ("policy.field.excluded_income", "不计入收入的项目", "Income not counted"),
    ("policy.field.employment_cost_permille", "就业成本扣减（‰）", "Employment cost deducted (‰)"),
    ("policy.field.edge_income_permille", "低保边缘收入线（低保标准的‰）", "Edge income line (‰ of the standard)"),
    ("policy.field.tekun_basic_permille", "特困基本生活标准（低保标准的‰）", "Tekun basic living (‰ of the standard)"),
    ("policy.field.min_wage", "上年度最低工资（分/月）", "Prior-year minimum wage (fen a month)"),
    (
        "policy.field.care_divisors",
        "照料护理标准（最低工资的几分之一：全自理、半护理、全护理）",
        "Care standard divisors of the minimum wage",
    ),
    ("policy.field.institution_care_permille", "集中供养照料标准（‰）", "Institutional care (‰ of the home rate)"),
    ("policy.field.tekun_spot_check_percent", "特困县级抽查比例（%）", "Tekun county spot checks (%)"),
    (
        "policy.field.temp_cap_months",
        "临时救助上限（月低保标准的倍数）",
        "Temporary assistance cap (months of the standard)",
    ),
    (
        "policy.field.temp_township_months",
        "乡镇临时救助审批额度（月低保标准的倍数）",
        "Township approval limit (months of the standard)",
    ),
    ("policy.field.temp_min", "临时救助最低金额（分）", "Smallest temporary payment (fen)"),
    ("policy.field.temp_per_cause_per_year", "同一事由每年救助次数", "Times a year for the same cause"),
    ("policy.field.temp_township_approval", "额度内临时救助由乡镇审批", "Township approves within its limit"),
    ("policy.field.confirmation", "低保、特困审核确认层级", "Who confirms 低保 and 特困"),
    ("policy.field.review_notice", "审核阶段公示", "Review-stage notice"),
    ("policy.field.notice_days", "公示天数", "Notice days"),
    ("policy.field.notice_working_days", "公示按工作日计算", "Notice counted in working days"),
    ("policy.field.verification_first", "先行开展家庭经济状况核对", "Verification first"),
    ("policy.field.investigation_start_wd", "受理后开始调查（工作日）", "Investigation starts within (working days)"),
    ("policy.field.verification_start_wd", "提请后开始核对（工作日）", "Verification starts within (working days)"),
    (
        "policy.field.materials_check_wd",
        "代办申请的材料审查（工作日）",
        "Check of entries made on behalf (working days)",
    ),
    ("policy.field.rejection_notice_wd", "不予批准书面告知（工作日）", "Rejection notice within (working days)"),
    ("policy.field.dibao_limits", "低保办理时限（工作日）", "Dibao time limits (working days)"),
    ("policy.field.tekun_limits", "特困办理时限（工作日）", "Tekun time limits (working days)"),
    ("policy.field.temp_limits", "支出型临时救助办理时限（工作日）", "Expense assistance time limits (working days)"),
    ("policy.field.emergency_pay_hours", "急难型先行救助时限（小时）", "Emergency payment within (hours)"),
    (
        "policy.field.emergency_paperwork_wd",
        "急难型补办手续时限（工作日）",
        "Emergency paperwork within (working days)",
    ),
    ("policy.field.platform_materials", "通过政务平台获取、无需提交的材料", "Materials obtained through the platform"),
    (
        "policy.field.relatives_kinds",
        "近亲属须县级入户调查的项目",
        "Programmes where staff relatives need a county survey",
    ),
    ("TekunCondition.no_work_capacity", "无劳动能力", "No capacity to work"),
    ("TekunCondition.no_income", "无生活来源", "No means of living"),
    ("TekunCondition.no_supporter", "无法定赡养、抚养、扶养义务人或其无履行能力", "No supporter able to support them"),
    ("amount.error.tekun_unmet", "不符合特困人员认定条件：{list}", "The 特困 conditions are not met: {list}"),
    (
        "amount.error.not_individual",
        "单人保仅限一、二级残疾人，三级智力、精神残疾人和重特大疾病患者",
        "Only grade 1–2 disability, grade 3 intellectual or mental disability, or serious illness may be included alone",
    ),
    (
        "amount.error.not_edge",
        "家庭人均收入{value}不低于低保边缘标准{line}，不能单人保",
        "Income per person {value} is not below the edge line {line}",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;
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
    fn every_policy_field_has_a_label() {
        for field in PolicyPatch::FIELDS {
            assert!(crate::i18n::has_key(&format!("policy.field.{field}")), "no label for {field}");
        }
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

    fn code(s: &str) -> RegionCode {
        RegionCode::parse(s).unwrap()
    }

    fn date(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn a_region_inherits_every_field_it_does_not_set() {
        let versions = vec![
            PolicyVersion {
                id: 1,
                region_code: code("349900"),
                effective_from: date("2025-01-01"),
                patch: PolicyPatch { dibao_urban: Some(Fen(90_000)), ..Default::default() },
            },
            PolicyVersion {
                id: 2,
                region_code: code("349901"),
                effective_from: date("2025-01-01"),
                patch: PolicyPatch { temp_township_months: Some(2), ..Default::default() },
            },
            PolicyVersion {
                id: 3,
                region_code: code("349900"),
                effective_from: date("2026-01-01"),
                patch: PolicyPatch { dibao_urban: Some(Fen(95_000)), ..Default::default() },
            },
            PolicyVersion {
                id: 4,
                region_code: code("349902"),
                effective_from: date("2025-01-01"),
                patch: PolicyPatch { dibao_urban: Some(Fen(1)), ..Default::default() },
            },
        ];
        let r = resolve(&versions, &code("349901001"), date("2025-06-30"));
        assert_eq!((r.policy.dibao_urban, r.policy.temp_township_months), (Fen(90_000), 2));
        assert_eq!(r.versions, vec![1, 2]);
        assert_eq!(r.policy.dibao_rural, AssistancePolicy::default().dibao_rural);
        let r = resolve(&versions, &code("349901001"), date("2026-01-01"));
        assert_eq!((r.policy.dibao_urban, r.versions.clone()), (Fen(95_000), vec![3, 2]));
        assert_eq!(resolve(&versions, &code("349901"), date("2024-12-31")).versions, Vec::<i64>::new());
        // The township's fields win over its county's whatever the order of the versions.
        let reversed: Vec<PolicyVersion> = versions.iter().rev().cloned().collect();
        let r = resolve(&reversed, &code("349902001"), date("2026-02-01"));
        assert_eq!((r.policy.dibao_urban, r.versions.clone()), (Fen(1), vec![3, 4]));
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
