//! The materials checklist of an application (申请材料): which documents a
//! programme asks for, given the household's facts and the region's policy.

use super::{AssistancePolicy, CaseKind, Material, MemberFacts};

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
