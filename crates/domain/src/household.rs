//! Households (家庭) and their members: the people social assistance is about.
//!
//! A household is the unit of assistance: income and property are summed over
//! its co-residing members (共同生活的家庭成员). A person belongs to at most one
//! household at a time; the store enforces it with a unique ID number, the
//! rules here check what one household may look like.

use serde::{Deserialize, Serialize};

use crate::IdNumber;
use crate::money::Fen;
use crate::region::RegionCode;

labeled_enum! {
    /// Relation of a member to the head of the household (与户主关系).
    Relation {
        Head = "head" ["本人"],
        Spouse = "spouse" ["妻", "夫", "妻子", "丈夫"],
        Child = "child" ["子", "女", "儿子", "女儿", "长子", "长女", "次子", "次女"],
        Parent = "parent" ["父亲", "母亲", "父", "母"],
        Grandparent = "grandparent" ["祖父", "祖母", "外祖父", "外祖母"],
        Grandchild = "grandchild" ["孙子", "孙女", "外孙", "外孙女"],
        Sibling = "sibling" ["兄", "弟", "姐", "妹", "兄弟", "姐妹"],
        Other = "other" []
    }
}

labeled_enum! {
    /// Kind of disability (残疾类别) as on the disability certificate.
    DisabilityKind {
        Visual = "visual" ["视力残疾"],
        Hearing = "hearing" ["听力残疾"],
        Speech = "speech" ["言语残疾"],
        Physical = "physical" ["肢体残疾"],
        Intellectual = "intellectual" ["智力残疾"],
        Mental = "mental" ["精神残疾"],
        Multiple = "multiple" ["多重残疾"]
    }
}

labeled_enum! {
    /// Assistance programme a household is enrolled in (救助类别).
    Program {
        Dibao = "dibao" ["最低生活保障", "城市低保", "农村低保", "城乡低保"],
        Tekun = "tekun" ["特困供养", "特困人员", "特困人员救助供养", "五保"],
        NearDibao = "near_dibao" ["低保边缘家庭", "边缘"],
        Temporary = "temporary" ["临时"],
        RigidExpense = "rigid_expense" ["刚性支出困难家庭", "支出型困难"]
    }
}

/// Disability level (残疾等级) 1–4; level 1 is the most severe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DisabilityLevel(u8);

impl DisabilityLevel {
    pub fn new(level: u8) -> Option<Self> {
        (1..=4).contains(&level).then_some(DisabilityLevel(level))
    }

    /// `1`, `1级`, `一级`, `一`, `I级`, `四级`…
    pub fn parse(raw: &str) -> Option<Self> {
        let s = crate::text::clean(raw);
        let s = s.trim_end_matches('级').trim_end_matches(".0");
        let n = match s {
            "1" | "一" | "I" => 1,
            "2" | "二" | "II" => 2,
            "3" | "三" | "III" => 3,
            "4" | "四" | "IV" => 4,
            _ => return None,
        };
        Self::new(n)
    }

    pub fn get(self) -> u8 {
        self.0
    }
}

/// A member's disability: both level and kind are known, or neither.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Disability {
    pub level: DisabilityLevel,
    pub kind: DisabilityKind,
}

/// A person's name as registered: trimmed, non-empty, at most 50 characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PersonName(String);

impl PersonName {
    pub fn parse(raw: &str) -> Option<Self> {
        let s = crate::text::clean(raw);
        let n = s.chars().count();
        (n > 0 && n <= 50 && !s.chars().any(|c| c.is_ascii_digit() || c.is_control())).then_some(PersonName(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A phone number: digits with optional `-`/`+`, 5 to 20 characters.
pub fn parse_phone(raw: &str) -> Option<String> {
    let s: String = crate::text::clean(raw).chars().filter(|c| *c != ' ').collect();
    let ok = (5..=20).contains(&s.len()) && s.chars().all(|c| c.is_ascii_digit() || c == '-' || c == '+');
    ok.then_some(s)
}

/// Masks a phone number for lists: `138****5678`.
pub fn mask_phone(phone: &str) -> String {
    let chars: Vec<char> = phone.chars().collect();
    if chars.len() < 7 {
        return "*".repeat(chars.len());
    }
    let head: String = chars[..3].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}{}{tail}", "*".repeat(chars.len() - 7))
}

/// Yes/no as written in rosters: `是/否`, `Y/N`, `1/0`, `有/无`, `true/false`.
pub fn parse_yes_no(raw: &str) -> Option<bool> {
    match crate::text::header_key(raw).as_str() {
        "是" | "y" | "yes" | "1" | "有" | "true" | "√" => Some(true),
        "否" | "n" | "no" | "0" | "无" | "false" | "" => Some(false),
        _ => None,
    }
}

/// The household fields, validated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HouseholdFields {
    /// The bureau's own key (户编号), unique in the registry.
    pub external_id: String,
    pub region_code: RegionCode,
    pub address: String,
    pub phone: String,
    pub program: Option<Program>,
    pub monthly_benefit: Option<Fen>,
}

/// A member's fields, validated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberFields {
    pub id_number: IdNumber,
    pub name: PersonName,
    pub relation: Relation,
    /// Lives with the household (共同生活); only co-residing members count
    /// in income and property sums.
    pub co_residing: bool,
    pub disability: Option<Disability>,
    pub serious_illness: bool,
}

/// What can be wrong with the shape of a household.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HouseholdRuleError {
    #[error("the household has no head")]
    NoHead,
    #[error("the household has more than one head")]
    SeveralHeads,
    #[error("the same person appears twice")]
    DuplicateMember,
    #[error("the household has no members")]
    NoMembers,
}

impl HouseholdRuleError {
    pub fn message_key(self) -> &'static str {
        match self {
            HouseholdRuleError::NoHead => "household.error.no_head",
            HouseholdRuleError::SeveralHeads => "household.error.several_heads",
            HouseholdRuleError::DuplicateMember => "household.error.duplicate_member",
            HouseholdRuleError::NoMembers => "household.error.no_members",
        }
    }
}

/// Checks a complete household: it has members, exactly one head, and no
/// person twice.
pub fn check_members<'a>(
    members: impl IntoIterator<Item = (&'a IdNumber, Relation)>,
) -> Result<(), HouseholdRuleError> {
    let mut heads = 0;
    let mut seen = std::collections::HashSet::new();
    for (id, relation) in members {
        if !seen.insert(*id) {
            return Err(HouseholdRuleError::DuplicateMember);
        }
        if relation == Relation::Head {
            heads += 1;
        }
    }
    match (seen.len(), heads) {
        (0, _) => Err(HouseholdRuleError::NoMembers),
        (_, 0) => Err(HouseholdRuleError::NoHead),
        (_, 1) => Ok(()),
        _ => Err(HouseholdRuleError::SeveralHeads),
    }
}

/// Checks that adding or changing a member to `relation` keeps at most one
/// head: `other_relations` are the relations of the other members.
pub fn check_relation_change(
    other_relations: impl IntoIterator<Item = Relation>,
    relation: Relation,
) -> Result<(), HouseholdRuleError> {
    let other_heads = other_relations.into_iter().filter(|r| *r == Relation::Head).count();
    if relation == Relation::Head && other_heads > 0 {
        return Err(HouseholdRuleError::SeveralHeads);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relations_parse_from_labels_codes_and_aliases() {
        assert_eq!(Relation::parse("户主"), Some(Relation::Head));
        assert_eq!(Relation::parse("head"), Some(Relation::Head));
        assert_eq!(Relation::parse(" 配偶 "), Some(Relation::Spouse));
        assert_eq!(Relation::parse("女儿"), Some(Relation::Child));
        assert_eq!(Relation::parse("Spouse"), Some(Relation::Spouse));
        assert_eq!(Relation::parse("邻居"), None);
        assert_eq!(Relation::parse(""), None);
    }

    #[test]
    fn every_value_round_trips_through_its_labels() {
        for lang in [crate::i18n::Lang::Zh, crate::i18n::Lang::En] {
            for r in Relation::ALL {
                assert_eq!(Relation::parse(r.label(lang)), Some(*r));
            }
            for k in DisabilityKind::ALL {
                assert_eq!(DisabilityKind::parse(k.label(lang)), Some(*k));
            }
            for p in Program::ALL {
                assert_eq!(Program::parse(p.label(lang)), Some(*p));
                assert_eq!(Program::parse(p.code()), Some(*p));
            }
        }
    }

    #[test]
    fn disability_levels() {
        for (raw, level) in [("1", 1), ("一级", 1), ("2级", 2), ("三", 3), ("4.0", 4), ("IV级", 4)] {
            assert_eq!(DisabilityLevel::parse(raw).map(DisabilityLevel::get), Some(level), "{raw}");
        }
        assert_eq!(DisabilityLevel::parse("5"), None);
        assert_eq!(DisabilityLevel::parse("重度"), None);
    }

    #[test]
    fn names_phones_yes_no() {
        assert_eq!(PersonName::parse(" 张三 ").unwrap().as_str(), "张三");
        assert!(PersonName::parse("").is_none());
        assert!(PersonName::parse("张3").is_none());
        assert_eq!(parse_phone("138 1234 5678").as_deref(), Some("13812345678"));
        assert_eq!(parse_phone("0551-6288888").as_deref(), Some("0551-6288888"));
        assert!(parse_phone("call me").is_none());
        assert_eq!(mask_phone("13812345678"), "138****5678");
        assert_eq!(parse_yes_no("是"), Some(true));
        assert_eq!(parse_yes_no(""), Some(false));
        assert_eq!(parse_yes_no("也许"), None);
    }

    #[test]
    fn household_shape() {
        let a = IdNumber::parse("11010519491231002X").unwrap();
        let b = IdNumber::parse("110105491231002").unwrap();
        let c = IdNumber::from_parts("110105", chrono::NaiveDate::from_ymd_opt(1980, 1, 1).unwrap(), 11).unwrap();
        assert_eq!(check_members([(&a, Relation::Head), (&c, Relation::Spouse)]), Ok(()));
        assert_eq!(check_members([(&c, Relation::Spouse)]), Err(HouseholdRuleError::NoHead));
        assert_eq!(check_members([(&a, Relation::Head), (&c, Relation::Head)]), Err(HouseholdRuleError::SeveralHeads));
        assert_eq!(
            check_members([(&a, Relation::Head), (&b, Relation::Child)]),
            Err(HouseholdRuleError::DuplicateMember)
        );
        assert_eq!(check_members([]), Err(HouseholdRuleError::NoMembers));
        assert_eq!(check_relation_change([Relation::Head], Relation::Head), Err(HouseholdRuleError::SeveralHeads));
        assert_eq!(check_relation_change([Relation::Spouse], Relation::Head), Ok(()));
    }
}
