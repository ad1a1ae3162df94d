//! A step as the case page posts it or the API takes it, and its parsing,
//! once, into the domain's typed [`Step`]: codes into materials and
//! self-care items, 元 into fen, names split, invisible controls taken out
//! of free texts, and every problem named by its field in Chinese.

use jiuzhu_domain::case::{Step, StepField, StepKind, self_care_items};

use super::*;

/// What each step takes, as entered (`{"action": "approve", ...}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum StepForm {
    /// The materials received now (codes); the rest of the case's list stays missing.
    CheckMaterials {
        #[serde(default)]
        provided: Vec<String>,
    },
    StartInvestigation,
    RequestVerification,
    /// Runs the verification for the household and attaches its report.
    AttachVerification,
    /// A home survey (photos are uploaded through the page).
    RecordSurvey {
        /// The investigators' names, separated by 、 or commas (at least two).
        #[serde(default)]
        investigators: String,
        /// The family members who signed the survey form.
        #[serde(default)]
        family_signatures: String,
        #[serde(default)]
        findings: String,
    },
    /// The preliminary opinion: recommend approval or not.
    GiveOpinion {
        #[serde(default)]
        approve: bool,
        #[serde(default)]
        reason: String,
    },
    CloseNotice,
    Reinvestigate {
        #[serde(default)]
        reason: String,
    },
    DemocraticReview {
        #[serde(default, alias = "investigators")]
        participants: String,
        #[serde(default, alias = "findings")]
        conclusion: String,
    },
    /// Approval. 特困: the self-care items the person cannot do (`eat`,
    /// `dress`, `bed`, `toilet`, `walk`, `bathe`), `home` or `institution`,
    /// and whether the investigation found no able supporter; temporary
    /// assistance: the amount in 元 (empty: the amount asked for).
    Approve {
        #[serde(default)]
        amount_yuan: String,
        #[serde(default)]
        unable: Vec<String>,
        #[serde(default)]
        support_mode: String,
        #[serde(default)]
        no_able_supporter: bool,
    },
    Reject {
        #[serde(default)]
        reason: String,
    },
    Return {
        #[serde(default)]
        reason: String,
    },
    /// 急难: the amount paid first, in 元.
    PayFirst {
        #[serde(default)]
        amount_yuan: String,
        #[serde(default)]
        reason: String,
    },
    CompletePaperwork,
    Suspend {
        #[serde(default)]
        reason: String,
    },
    Resume,
    Extend {
        #[serde(default)]
        reason: String,
    },
    Withdraw {
        #[serde(default)]
        reason: String,
    },
}

/// A step on a case as entered on its page or sent to the API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ActionForm {
    /// The case version the user was shown.
    #[serde(default)]
    pub version: i64,
    #[serde(flatten)]
    pub step: StepForm,
}

fn names(raw: &str) -> Vec<String> {
    raw.split(['、', ',', '，', ';', '；', '\n']).map(str::trim).filter(|s| !s.is_empty()).map(String::from).collect()
}

/// A free text as kept: trimmed, without invisible controls (a right-to-left
/// override would reverse a reason in the printed notice).
fn text(raw: &str) -> String {
    strip_invisible(raw).trim().to_string()
}

fn required(errors: &mut Vec<FieldError>, field: &'static str, key: &'static str, raw: &str) -> String {
    let value = text(raw);
    if value.is_empty() {
        errors.push(FieldError { field, message: Message::new(key) });
    }
    value
}

fn yuan(errors: &mut Vec<FieldError>, raw: &str) -> Option<Fen> {
    match Fen::parse_yuan(raw) {
        Ok(f) if f.0 > 0 => Some(f),
        _ => {
            errors.push(FieldError { field: "amount_yuan", message: Message::new("case.error.amount") });
            None
        }
    }
}

impl StepForm {
    pub fn kind(&self) -> StepKind {
        match self {
            StepForm::CheckMaterials { .. } => StepKind::CheckMaterials,
            StepForm::StartInvestigation => StepKind::StartInvestigation,
            StepForm::RequestVerification => StepKind::RequestVerification,
            StepForm::AttachVerification => StepKind::AttachVerification,
            StepForm::RecordSurvey { .. } => StepKind::RecordSurvey,
            StepForm::GiveOpinion { .. } => StepKind::GiveOpinion,
            StepForm::CloseNotice => StepKind::CloseNotice,
            StepForm::Reinvestigate { .. } => StepKind::Reinvestigate,
            StepForm::DemocraticReview { .. } => StepKind::DemocraticReview,
            StepForm::Approve { .. } => StepKind::Approve,
            StepForm::Reject { .. } => StepKind::Reject,
            StepForm::Return { .. } => StepKind::Return,
            StepForm::PayFirst { .. } => StepKind::PayFirst,
            StepForm::CompletePaperwork => StepKind::CompletePaperwork,
            StepForm::Suspend { .. } => StepKind::Suspend,
            StepForm::Resume => StepKind::Resume,
            StepForm::Extend { .. } => StepKind::Extend,
            StepForm::Withdraw { .. } => StepKind::Withdraw,
        }
    }

    /// The step, parsed and checked; `photos` came with a survey. Every
    /// problem is named by its field.
    pub fn parse(&self, photos: u32) -> Result<Step> {
        let mut errors = Vec::new();
        let reason = |errors: &mut Vec<FieldError>, raw: &str| required(errors, "reason", "case.error.reason", raw);
        let step = match self {
            StepForm::CheckMaterials { provided } => {
                Step::CheckMaterials { provided: parse_codes(&mut errors, "provided", provided, Material::parse) }
            }
            StepForm::StartInvestigation => Step::StartInvestigation,
            StepForm::RequestVerification => Step::RequestVerification,
            StepForm::AttachVerification => Step::AttachVerification,
            StepForm::RecordSurvey { investigators, family_signatures, findings } => Step::RecordSurvey {
                investigators: names(&text(investigators)),
                family_signatures: names(&text(family_signatures)),
                findings: text(findings),
                photos,
            },
            StepForm::GiveOpinion { approve, reason } => Step::GiveOpinion { approve: *approve, reason: text(reason) },
            StepForm::CloseNotice => Step::CloseNotice,
            StepForm::Reinvestigate { reason: r } => Step::Reinvestigate { reason: reason(&mut errors, r) },
            StepForm::DemocraticReview { participants, conclusion } => Step::DemocraticReview {
                participants: text(participants),
                conclusion: required(&mut errors, "conclusion", "case.error.conclusion", conclusion),
            },
            StepForm::Approve { amount_yuan, unable, support_mode, no_able_supporter } => {
                let amount = if amount_yuan.trim().is_empty() { None } else { yuan(&mut errors, amount_yuan) };
                let items: Vec<(&str, &str)> = self_care_items().collect();
                let mut self_care_met = [true; 6];
                for code in unable.iter().filter(|c| !c.trim().is_empty()) {
                    match items.iter().position(|(c, _)| *c == code.trim()) {
                        Some(i) => self_care_met[i] = false,
                        None => errors.push(FieldError {
                            field: "unable",
                            message: Message::new("case.error.unknown_code").arg("value", code),
                        }),
                    }
                }
                let support_mode = if support_mode.trim().is_empty() {
                    SupportMode::Home
                } else {
                    SupportMode::parse(support_mode).unwrap_or_else(|| {
                        errors.push(FieldError {
                            field: "support_mode",
                            message: Message::new("case.error.unknown_code").arg("value", support_mode),
                        });
                        SupportMode::Home
                    })
                };
                Step::Approve { amount, self_care_met, support_mode, no_able_supporter: *no_able_supporter }
            }
            StepForm::Reject { reason: r } => Step::Reject { reason: reason(&mut errors, r) },
            StepForm::Return { reason: r } => Step::Return { reason: reason(&mut errors, r) },
            StepForm::PayFirst { amount_yuan, reason } => {
                Step::PayFirst { amount: yuan(&mut errors, amount_yuan).unwrap_or_default(), reason: text(reason) }
            }
            StepForm::CompletePaperwork => Step::CompletePaperwork,
            StepForm::Suspend { reason: r } => Step::Suspend { reason: reason(&mut errors, r) },
            StepForm::Resume => Step::Resume,
            StepForm::Extend { reason: r } => Step::Extend { reason: reason(&mut errors, r) },
            StepForm::Withdraw { reason: r } => Step::Withdraw { reason: reason(&mut errors, r) },
        };
        if errors.is_empty() { Ok(step) } else { Err(AppError::Invalid(errors)) }
    }

    /// The free texts and codes as entered, with their field names (for the length limits).
    pub(crate) fn texts(&self) -> Vec<(&'static str, &str)> {
        let mut out: Vec<(&'static str, &str)> = Vec::new();
        match self {
            StepForm::CheckMaterials { provided } => out.extend(provided.iter().map(|p| ("provided", p.as_str()))),
            StepForm::RecordSurvey { investigators, family_signatures, findings } => out.extend([
                ("investigators", investigators.as_str()),
                ("family_signatures", family_signatures.as_str()),
                ("findings", findings.as_str()),
            ]),
            StepForm::DemocraticReview { participants, conclusion } => {
                out.extend([("participants", participants.as_str()), ("conclusion", conclusion.as_str())])
            }
            StepForm::Approve { amount_yuan, unable, support_mode, .. } => {
                out.extend([("amount_yuan", amount_yuan.as_str()), ("support_mode", support_mode.as_str())]);
                out.extend(unable.iter().map(|u| ("unable", u.as_str())));
            }
            StepForm::PayFirst { amount_yuan, reason } => {
                out.extend([("amount_yuan", amount_yuan.as_str()), ("reason", reason.as_str())])
            }
            StepForm::GiveOpinion { reason, .. }
            | StepForm::Reinvestigate { reason }
            | StepForm::Reject { reason }
            | StepForm::Return { reason }
            | StepForm::Suspend { reason }
            | StepForm::Extend { reason }
            | StepForm::Withdraw { reason } => out.push(("reason", reason.as_str())),
            StepForm::StartInvestigation
            | StepForm::RequestVerification
            | StepForm::AttachVerification
            | StepForm::CloseNotice
            | StepForm::CompletePaperwork
            | StepForm::Resume => {}
        }
        out
    }
}

impl ActionForm {
    /// The form as the page posts it: `action`, `version`, and each step
    /// field by its name (repeated for checkboxes). The fields are read as
    /// the domain describes them ([`StepField`]): lists, yes/no, or text.
    pub fn from_pairs(pairs: &[(String, String)]) -> Result<ActionForm> {
        let mut body = serde_json::Map::new();
        for (name, value) in pairs {
            let field = StepField::ALL.iter().find(|f| f.name() == name);
            match (name.as_str(), field) {
                ("action", _) => {
                    body.insert(name.clone(), value.clone().into());
                }
                ("version", _) => {
                    body.insert(name.clone(), value.trim().parse::<i64>().unwrap_or(0).into());
                }
                (_, Some(f)) if f.is_list() => {
                    let list = body.entry(name.clone()).or_insert_with(|| serde_json::Value::Array(Vec::new()));
                    if let Some(items) = list.as_array_mut() {
                        items.push(value.clone().into());
                    }
                }
                (_, Some(f)) if f.is_flag() => {
                    body.insert(name.clone(), (value == "true").into());
                }
                (_, Some(_)) => {
                    body.entry(name.clone()).or_insert_with(|| value.clone().into());
                }
                (_, None) => {}
            }
        }
        let action = pairs.iter().find(|(k, _)| k == "action").map(|(_, v)| v.as_str()).unwrap_or_default();
        serde_json::from_value(serde_json::Value::Object(body))
            .map_err(|_| AppError::invalid("action", Message::new("case.error.unknown_code").arg("value", action)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn the_page_form_parses_into_the_typed_step_once() {
        let form = ActionForm::from_pairs(&pairs(&[
            ("csrf", "x"),
            ("action", "approve"),
            ("version", "4"),
            ("unable", "eat"),
            ("unable", "walk"),
            ("support_mode", "institution"),
            ("no_able_supporter", "true"),
        ]))
        .unwrap();
        assert_eq!(form.version, 4);
        let step = form.step.parse(0).unwrap();
        assert_eq!(
            step,
            Step::Approve {
                amount: None,
                self_care_met: [false, true, true, true, false, true],
                support_mode: SupportMode::Institution,
                no_able_supporter: true,
            }
        );
        let survey = ActionForm::from_pairs(&pairs(&[
            ("action", "record_survey"),
            ("investigators", "李明、王芳\u{202e}"),
            ("family_signatures", "张三"),
            ("findings", " 无车 "),
        ]))
        .unwrap();
        assert_eq!(
            survey.step.parse(2).unwrap(),
            Step::RecordSurvey {
                investigators: vec!["李明".into(), "王芳".into()],
                family_signatures: vec!["张三".into()],
                findings: "无车".into(),
                photos: 2,
            }
        );
    }

    #[test]
    fn the_json_body_is_the_same_tagged_step() {
        let form: ActionForm =
            serde_json::from_str(r#"{"action":"pay_first","version":2,"amount_yuan":"800","reason":"火灾"}"#).unwrap();
        assert_eq!(form.step.parse(0).unwrap(), Step::PayFirst { amount: Fen(80_000), reason: "火灾".into() });
        let old: ActionForm =
            serde_json::from_str(r#"{"action":"democratic_review","investigators":"代表7人","findings":"同意"}"#)
                .unwrap();
        assert_eq!(
            old.step.parse(0).unwrap(),
            Step::DemocraticReview { participants: "代表7人".into(), conclusion: "同意".into() }
        );
    }

    #[test]
    fn bad_steps_are_named_by_field_in_chinese() {
        let render = |form: StepForm| match form.parse(0) {
            Err(AppError::Invalid(errors)) => {
                errors.iter().map(|e| format!("{}={}", e.field, e.message.render(Lang::Zh))).collect::<Vec<_>>()
            }
            other => panic!("accepted: {other:?}"),
        };
        assert_eq!(render(StepForm::Reject { reason: " \u{200b} ".into() }), vec!["reason=请填写理由"]);
        assert_eq!(
            render(StepForm::PayFirst { amount_yuan: "八百".into(), reason: String::new() }),
            vec!["amount_yuan=金额应为大于0的数字（元）"]
        );
        assert_eq!(
            render(StepForm::Approve {
                amount_yuan: String::new(),
                unable: vec!["fly".into()],
                support_mode: "boat".into(),
                no_able_supporter: false
            }),
            vec!["unable=无法识别：fly", "support_mode=无法识别：boat"]
        );
        assert_eq!(
            render(StepForm::DemocraticReview { participants: String::new(), conclusion: String::new() }),
            vec!["conclusion=请填写民主评议结论"]
        );
        let Err(AppError::Invalid(errors)) = ActionForm::from_pairs(&pairs(&[("action", "approve_all")])) else {
            panic!("an unknown action was taken")
        };
        assert_eq!(errors[0].message.render(Lang::Zh), "无法识别：approve_all");
    }
}
