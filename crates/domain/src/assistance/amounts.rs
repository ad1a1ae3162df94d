//! The amounts: counted income, the 低保 amount and its 分类施保 add-ons,
//! 单人保, the 特困 conditions and amount, and the routing of temporary
//! assistance (`policy.md` §§4, 8, 13).

use serde::{Deserialize, Serialize};

use super::{Addons, Area, AssistancePolicy, BenefitMethod, DeductionKind, IncomeKind, Level, SelfCare, SupportMode};
use crate::money::Fen;

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

pub(super) fn addon_for(addons: &Addons, m: &MemberFacts) -> Option<(AddonKind, Fen)> {
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
