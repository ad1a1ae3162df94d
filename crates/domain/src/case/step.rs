//! The steps people take on a case, typed: what each step is called, which
//! permission it needs, which fields its form takes, and the values entered.
//!
//! A form or an API body is parsed once (in `jiuzhu-app`) into a [`Step`];
//! from there on nothing looks at an action name. The web renders each
//! step's form from [`StepKind::fields`], the permission comes from
//! [`Step::permission`], and the history entry from the step's values
//! ([`super::CaseEvent::record`]).

use serde::{Deserialize, Serialize};

use crate::access::Permission;
use crate::assistance::{CaseKind, Material, SELF_CARE_ITEMS, SupportMode};
use crate::money::Fen;

labeled_enum! {
    /// The kind of a step somebody takes on a case (its name in the API and
    /// on the page: `StepKind.approve` → 批准).
    StepKind {
        CheckMaterials = "check_materials" [],
        StartInvestigation = "start_investigation" [],
        RequestVerification = "request_verification" [],
        AttachVerification = "attach_verification" [],
        RecordSurvey = "record_survey" [],
        GiveOpinion = "give_opinion" [],
        CloseNotice = "close_notice" [],
        Reinvestigate = "reinvestigate" [],
        DemocraticReview = "democratic_review" [],
        Approve = "approve" [],
        Reject = "reject" [],
        Return = "return" [],
        PayFirst = "pay_first" [],
        CompletePaperwork = "complete_paperwork" [],
        Suspend = "suspend" [],
        Resume = "resume" [],
        Extend = "extend" [],
        Withdraw = "withdraw" []
    }
}

impl StepKind {
    /// Deciding needs [`Permission::CaseDecide`]; every other step (a return
    /// from confirmation too: whoever decides also handles cases) needs
    /// [`Permission::CaseHandle`]. Which office may confirm at which level
    /// is the state machine's to say.
    pub fn permission(self) -> Permission {
        match self {
            StepKind::Approve | StepKind::Reject => Permission::CaseDecide,
            _ => Permission::CaseHandle,
        }
    }

    /// The fields of the step's form for a case of `kind`, in order.
    pub fn fields(self, kind: CaseKind) -> &'static [StepField] {
        use StepField as F;
        match self {
            StepKind::CheckMaterials => &[F::Provided],
            StepKind::RecordSurvey => &[F::Investigators, F::FamilySignatures, F::Findings, F::Photos],
            StepKind::GiveOpinion => &[F::Recommend, F::Reason],
            StepKind::DemocraticReview => &[F::Participants, F::Conclusion],
            StepKind::Approve => match kind {
                CaseKind::Tekun => &[F::Unable, F::NoAbleSupporter, F::SupportMode],
                CaseKind::TempExpense | CaseKind::TempEmergency => &[F::Amount],
                CaseKind::Dibao | CaseKind::DibaoIndividual => &[],
            },
            StepKind::PayFirst => &[F::Amount, F::Reason],
            StepKind::Reinvestigate
            | StepKind::Reject
            | StepKind::Return
            | StepKind::Suspend
            | StepKind::Extend
            | StepKind::Withdraw => &[F::RequiredReason],
            StepKind::StartInvestigation
            | StepKind::RequestVerification
            | StepKind::AttachVerification
            | StepKind::CloseNotice
            | StepKind::CompletePaperwork
            | StepKind::Resume => &[],
        }
    }
}

/// How a field is entered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input {
    /// One line of text (names separated by 、).
    Line,
    /// Several lines of text.
    Text,
    /// An amount in 元.
    Yuan,
    /// One checkbox: yes when ticked.
    Tick,
    /// Recommend approval or not (two radio buttons).
    YesNo,
    /// Checkboxes of the case's missing materials (their codes).
    Materials,
    /// Checkboxes of the six self-care items (their codes).
    SelfCareItems,
    /// A choice of [`SupportMode`].
    SupportMode,
    /// Photos (the page's file input; the API takes none).
    Photos,
}

/// A field of a step's form: its name in the form and the API, its label,
/// how it is entered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepField {
    Provided,
    Investigators,
    FamilySignatures,
    Findings,
    Photos,
    Recommend,
    Reason,
    RequiredReason,
    Participants,
    Conclusion,
    Amount,
    Unable,
    NoAbleSupporter,
    SupportMode,
}

impl StepField {
    pub const ALL: &'static [StepField] = &[
        StepField::Provided,
        StepField::Investigators,
        StepField::FamilySignatures,
        StepField::Findings,
        StepField::Photos,
        StepField::Recommend,
        StepField::Reason,
        StepField::RequiredReason,
        StepField::Participants,
        StepField::Conclusion,
        StepField::Amount,
        StepField::Unable,
        StepField::NoAbleSupporter,
        StepField::SupportMode,
    ];

    /// The name in the form and in the API body.
    pub fn name(self) -> &'static str {
        match self {
            StepField::Provided => "provided",
            StepField::Investigators => "investigators",
            StepField::FamilySignatures => "family_signatures",
            StepField::Findings => "findings",
            StepField::Photos => "photos",
            StepField::Recommend => "approve",
            StepField::Reason | StepField::RequiredReason => "reason",
            StepField::Participants => "participants",
            StepField::Conclusion => "conclusion",
            StepField::Amount => "amount_yuan",
            StepField::Unable => "unable",
            StepField::NoAbleSupporter => "no_able_supporter",
            StepField::SupportMode => "support_mode",
        }
    }

    /// The catalogue key of the label.
    pub fn label_key(self) -> &'static str {
        match self {
            StepField::Provided => "case.materials_received",
            StepField::Investigators => "case.investigators",
            StepField::FamilySignatures => "case.family_signatures",
            StepField::Findings => "case.findings",
            StepField::Photos => "case.photos",
            StepField::Recommend => "case.opinion",
            StepField::Reason | StepField::RequiredReason => "case.reason",
            StepField::Participants => "case.participants",
            StepField::Conclusion => "case.conclusion",
            StepField::Amount => "case.amount",
            StepField::Unable => "case.unable",
            StepField::NoAbleSupporter => "case.no_able_supporter",
            StepField::SupportMode => "case.support_mode",
        }
    }

    pub fn input(self) -> Input {
        match self {
            StepField::Provided => Input::Materials,
            StepField::Investigators | StepField::FamilySignatures | StepField::Participants => Input::Line,
            StepField::Findings | StepField::Reason | StepField::RequiredReason | StepField::Conclusion => Input::Text,
            StepField::Photos => Input::Photos,
            StepField::Recommend => Input::YesNo,
            StepField::Amount => Input::Yuan,
            StepField::Unable => Input::SelfCareItems,
            StepField::NoAbleSupporter => Input::Tick,
            StepField::SupportMode => Input::SupportMode,
        }
    }

    /// The step is refused without it.
    pub fn required(self) -> bool {
        matches!(self, StepField::RequiredReason | StepField::Conclusion)
    }

    /// The field takes several values (checkboxes, files).
    pub fn is_list(self) -> bool {
        matches!(self.input(), Input::Materials | Input::SelfCareItems | Input::Photos)
    }

    /// The field is a yes or no.
    pub fn is_flag(self) -> bool {
        matches!(self.input(), Input::Tick | Input::YesNo)
    }
}

/// The self-care items of the assessment by their codes (`eat`, `dress`,
/// `bed`, `toilet`, `walk`, `bathe`), with their catalogue keys.
pub fn self_care_items() -> impl Iterator<Item = (&'static str, &'static str)> {
    SELF_CARE_ITEMS.iter().map(|key| (key.trim_start_matches("selfcare."), *key))
}

/// A step with what was entered for it, parsed and checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "action")]
pub enum Step {
    /// The materials received now; the rest of the case's list stays missing.
    CheckMaterials {
        provided: Vec<Material>,
    },
    StartInvestigation,
    RequestVerification,
    /// Runs the verification for the household and attaches its report.
    AttachVerification,
    /// A home survey: the investigators, the family members who signed the
    /// form, what was found, and how many photos came with it.
    RecordSurvey {
        investigators: Vec<String>,
        family_signatures: Vec<String>,
        findings: String,
        photos: u32,
    },
    GiveOpinion {
        approve: bool,
        reason: String,
    },
    CloseNotice,
    Reinvestigate {
        reason: String,
    },
    DemocraticReview {
        participants: String,
        conclusion: String,
    },
    /// Approval; the amount is computed from the policy for 低保 and 特困
    /// (from the self-care items the person cannot do and the support
    /// mode), entered for temporary assistance (none: the amount asked for).
    Approve {
        amount: Option<Fen>,
        /// The self-care items met, in the order of [`SELF_CARE_ITEMS`].
        self_care_met: [bool; 6],
        support_mode: SupportMode,
        no_able_supporter: bool,
    },
    Reject {
        reason: String,
    },
    Return {
        reason: String,
    },
    PayFirst {
        amount: Fen,
        reason: String,
    },
    CompletePaperwork,
    Suspend {
        reason: String,
    },
    Resume,
    Extend {
        reason: String,
    },
    Withdraw {
        reason: String,
    },
}

impl Step {
    pub fn kind(&self) -> StepKind {
        match self {
            Step::CheckMaterials { .. } => StepKind::CheckMaterials,
            Step::StartInvestigation => StepKind::StartInvestigation,
            Step::RequestVerification => StepKind::RequestVerification,
            Step::AttachVerification => StepKind::AttachVerification,
            Step::RecordSurvey { .. } => StepKind::RecordSurvey,
            Step::GiveOpinion { .. } => StepKind::GiveOpinion,
            Step::CloseNotice => StepKind::CloseNotice,
            Step::Reinvestigate { .. } => StepKind::Reinvestigate,
            Step::DemocraticReview { .. } => StepKind::DemocraticReview,
            Step::Approve { .. } => StepKind::Approve,
            Step::Reject { .. } => StepKind::Reject,
            Step::Return { .. } => StepKind::Return,
            Step::PayFirst { .. } => StepKind::PayFirst,
            Step::CompletePaperwork => StepKind::CompletePaperwork,
            Step::Suspend { .. } => StepKind::Suspend,
            Step::Resume => StepKind::Resume,
            Step::Extend { .. } => StepKind::Extend,
            Step::Withdraw { .. } => StepKind::Withdraw,
        }
    }

    /// The permission the step needs ([`StepKind::permission`]).
    pub fn permission(&self) -> Permission {
        self.kind().permission()
    }

    /// The reason entered, if the step takes one.
    pub fn reason(&self) -> Option<&str> {
        match self {
            Step::GiveOpinion { reason, .. }
            | Step::Reinvestigate { reason }
            | Step::Reject { reason }
            | Step::Return { reason }
            | Step::PayFirst { reason, .. }
            | Step::Suspend { reason }
            | Step::Extend { reason }
            | Step::Withdraw { reason } => Some(reason),
            _ => None,
        }
    }
}
