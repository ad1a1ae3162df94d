//! The documents of an application that are stored and read back: the
//! application as recorded at intake ([`ApplicationDoc`]) and a case's
//! decision ([`DecisionDoc`]). Each is a typed, versioned value; its JSON
//! is what the database holds, so the shape is fixed by snapshot tests and
//! documents stored before a field existed still read (defaults, old
//! names as aliases).

use chrono::NaiveDate;
use serde::{Deserialize, Deserializer, Serialize};

use crate::assistance::{Area, AssistancePolicy, CaseKind, IncomeDeclaration, Material, MemberFacts, Need, TempCause};
use crate::money::Fen;

fn version_1() -> u32 {
    1
}

/// An application as recorded at intake: the programmes asked for, the
/// household as the amount rules see it, the materials received, the
/// declaration of income, the other needs and the staff-relative checks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplicationDoc {
    /// 1: the shape below (documents stored before versions were written are 1).
    #[serde(default = "version_1")]
    pub version: u32,
    pub kinds: Vec<CaseKind>,
    pub area: Area,
    pub applicant_name: String,
    pub applicant_person_id: i64,
    /// Members living together (the household counted).
    pub household_size: u32,
    pub members: Vec<MemberFacts>,
    /// The applicant (the person included alone for 单人保).
    #[serde(default)]
    pub applicant: MemberFacts,
    pub provided: Vec<Material>,
    pub declared_relative: String,
    /// Matches in the staff-relatives register: "name (post), relation".
    pub detected_relatives: Vec<String>,
    pub declaration: IncomeDeclaration,
    pub needs: Vec<Need>,
    pub cause: Option<TempCause>,
    pub requested: Option<Fen>,
    pub note: String,
    pub on_behalf: bool,
}

impl ApplicationDoc {
    pub const VERSION: u32 = 1;
}

labeled_enum! {
    /// What a decision decided.
    DecisionOutcome {
        Approved = "approved" [],
        Rejected = "rejected" []
    }
}

/// A case's decision: approved with its amount and how it was derived, or
/// rejected with the reasons; the date, the first month paid and the
/// policy it was made under.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecisionDoc {
    /// 1: the shape below (decisions stored before versions were written,
    /// with `amount_fen`, read as 1).
    #[serde(default = "version_1")]
    pub version: u32,
    pub outcome: DecisionOutcome,
    pub decided_on: NaiveDate,
    /// The amount approved: monthly for 低保 and 特困, once for temporary assistance.
    #[serde(default, alias = "amount_fen", skip_serializing_if = "Option::is_none")]
    pub amount: Option<Fen>,
    /// The first month paid (the month after the decision; temporary
    /// assistance: the month of the decision).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_month: Option<NaiveDate>,
    /// How the amount was derived, as printed on the notice: label and value.
    #[serde(default)]
    pub derivation: Vec<(String, String)>,
    /// Rejection: the reasons.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The policy versions in force (their ids).
    #[serde(default)]
    pub policy_versions: Vec<i64>,
    /// The policy resolved from them. A stored policy that no longer reads
    /// as today's policy type is kept out rather than failing the decision.
    #[serde(default, deserialize_with = "lenient_policy", skip_serializing_if = "Option::is_none")]
    pub policy: Option<AssistancePolicy>,
}

impl DecisionDoc {
    pub const VERSION: u32 = 1;

    /// An approval.
    pub fn approved(amount: Fen, decided_on: NaiveDate, first_month: Option<NaiveDate>) -> DecisionDoc {
        DecisionDoc {
            version: DecisionDoc::VERSION,
            outcome: DecisionOutcome::Approved,
            decided_on,
            amount: Some(amount),
            first_month,
            derivation: Vec::new(),
            reason: None,
            policy_versions: Vec::new(),
            policy: None,
        }
    }

    /// A rejection with its reasons.
    pub fn rejected(reason: &str, decided_on: NaiveDate) -> DecisionDoc {
        DecisionDoc {
            outcome: DecisionOutcome::Rejected,
            amount: None,
            first_month: None,
            reason: Some(reason.to_string()),
            ..DecisionDoc::approved(Fen(0), decided_on, None)
        }
    }
}

fn lenient_policy<'de, D: Deserializer<'de>>(d: D) -> Result<Option<AssistancePolicy>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either {
        Policy(Box<AssistancePolicy>),
        Other(serde::de::IgnoredAny),
    }
    Ok(match Option::<Either>::deserialize(d)? {
        Some(Either::Policy(p)) => Some(*p),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assistance::IncomeKind;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn application() -> ApplicationDoc {
        ApplicationDoc {
            version: ApplicationDoc::VERSION,
            kinds: vec![CaseKind::Dibao, CaseKind::TempExpense],
            area: Area::Rural,
            applicant_name: "张三".into(),
            applicant_person_id: 41,
            household_size: 2,
            members: vec![MemberFacts { age: 67, ..Default::default() }, MemberFacts { age: 12, ..Default::default() }],
            applicant: MemberFacts { age: 67, ..Default::default() },
            provided: vec![Material::ApplicationForm, Material::IdCard],
            declared_relative: String::new(),
            detected_relatives: vec!["李四（乡镇民政办）之子：张五".into()],
            declaration: IncomeDeclaration { items: vec![(IncomeKind::Wage, Fen(60_000))], deductions: vec![] },
            needs: vec![Need::Medical],
            cause: Some(TempCause::parse("accident").unwrap()),
            requested: Some(Fen(150_000)),
            note: "住院".into(),
            on_behalf: false,
        }
    }

    #[test]
    fn the_stored_shape_of_an_application() {
        insta::assert_json_snapshot!("application_doc_v1", application());
    }

    #[test]
    fn the_stored_shape_of_an_approval_and_a_rejection() {
        // The resolved policy a decision keeps is the policy's own shape
        // (snapshotted with the policy); here it is left out.
        let approval = DecisionDoc {
            derivation: vec![
                ("农村低保标准（月）".into(), "800.00元".into()),
                ("月保障金额".into(), "1,260.00元".into()),
            ],
            policy_versions: vec![3, 5],
            ..DecisionDoc::approved(Fen(126_000), d("2025-10-20"), Some(d("2025-11-01")))
        };
        let rejection = DecisionDoc {
            policy_versions: vec![3],
            ..DecisionDoc::rejected("家庭收入超过标准", d("2025-10-21"))
        };
        insta::assert_json_snapshot!("decision_doc_v1", [approval, rejection]);
    }

    #[test]
    fn documents_stored_before_versions_still_read() {
        // An application of issue 10 had no version.
        let mut old = serde_json::to_value(application()).unwrap();
        old.as_object_mut().unwrap().remove("version");
        let read: ApplicationDoc = serde_json::from_value(old).unwrap();
        assert_eq!(read, application());
        // A decision of issue 10: `amount_fen`, no version, a policy of its day.
        let old = r#"{"outcome":"approved","amount_fen":126000,"decided_on":"2025-10-20","first_month":"2025-11-01",
            "derivation":[["月保障金额","1,260.00元"]],"policy_versions":[1],"policy":{"no_longer":"a field"}}"#;
        let read: DecisionDoc = serde_json::from_str(old).unwrap();
        assert_eq!(
            read,
            DecisionDoc {
                derivation: vec![("月保障金额".into(), "1,260.00元".into())],
                policy_versions: vec![1],
                ..DecisionDoc::approved(Fen(126_000), d("2025-10-20"), Some(d("2025-11-01")))
            }
        );
        let old = r#"{"outcome":"rejected","reason":"收入超标","decided_on":"2025-10-21","policy_versions":[]}"#;
        let read: DecisionDoc = serde_json::from_str(old).unwrap();
        assert_eq!(
            (read.outcome, read.reason.as_deref(), read.amount),
            (DecisionOutcome::Rejected, Some("收入超标"), None)
        );
        // A policy that reads is kept.
        let policy = AssistancePolicy::default();
        let doc = DecisionDoc { policy: Some(policy.clone()), ..DecisionDoc::rejected("x", d("2025-10-21")) };
        let read: DecisionDoc = serde_json::from_str(&serde_json::to_string(&doc).unwrap()).unwrap();
        assert_eq!(read.policy, Some(policy));
    }
}
