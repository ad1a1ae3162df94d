//! The statutory workflow of one case (`policy.md` §§2.3, 3.2, 4, 8, 12):
//! intake and the materials check, investigation with verification and the
//! home survey, the preliminary opinion, the public notice with objections
//! and their handling, confirmation at the configured level, the decision;
//! the 急难 fast track (pay first, paperwork after); and at any open step
//! return, suspension (the clock pauses), one extension and withdrawal.
//!
//! [`Case::apply`] is the whole state machine: it takes a [`Command`], the
//! date and time, the calendar, the policy in force and the acting office,
//! and answers the new case and the events to record, or why the command is
//! not allowed now. Every due date is counted in working days by the
//! [`Calendar`] (start day not counted); steps and limits come from the
//! [`AssistancePolicy`], so the 放管服 variant (verification first, township
//! confirmation, no review-stage notice) is a setting, not a branch.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::assistance::{AmountError, Area, AssistancePolicy, CaseKind, Level, Material};
use crate::calendar::{Calendar, CalendarError};
use crate::i18n::{Message, Part};
use crate::money::Fen;

mod event;
mod messages;
mod step;
mod workflow;

pub use event::{CaseEvent, DueDates, LegacyDetail, StoredEvent, Survey, VersionedEvent};
pub use messages::MESSAGES;
pub use step::{Input, Step, StepField, StepKind, self_care_items};
pub use workflow::first_payment_month;

labeled_enum! {
    /// Where a case stands.
    Stage {
        Submitted = "submitted" ["已提交"],
        Incomplete = "incomplete" ["材料不全"],
        Accepted = "accepted" ["已受理"],
        Investigating = "investigating" ["调查核实"],
        Notice = "notice" ["公示"],
        Disputed = "disputed" ["公示有异议"],
        Confirmation = "confirmation" ["审核确认"],
        EmergencyPayment = "emergency_payment" ["先行救助"],
        Paperwork = "paperwork" ["补办手续"],
        Approved = "approved" ["批准"],
        Rejected = "rejected" ["不予批准"],
        Withdrawn = "withdrawn" ["撤回"]
    }
}

impl Stage {
    pub fn is_open(self) -> bool {
        !matches!(self, Stage::Approved | Stage::Rejected | Stage::Withdrawn)
    }

    /// Stages in which the township handles the case (its inbox).
    pub fn is_township_step(self) -> bool {
        matches!(
            self,
            Stage::Submitted
                | Stage::Incomplete
                | Stage::Accepted
                | Stage::Investigating
                | Stage::Notice
                | Stage::Disputed
                | Stage::EmergencyPayment
                | Stage::Paperwork
        )
    }
}

labeled_enum! {
    /// What happened to a case; one history entry each.
    EventKind {
        Submitted = "submitted" [],
        MaterialsIncomplete = "materials_incomplete" [],
        MaterialsChecked = "materials_checked" [],
        Accepted = "accepted" [],
        StaffRelative = "staff_relative" [],
        InvestigationStarted = "investigation_started" [],
        VerificationRequested = "verification_requested" [],
        VerificationAttached = "verification_attached" [],
        Surveyed = "surveyed" [],
        CountySurveyed = "county_surveyed" [],
        Opinion = "opinion" [],
        NoticeStarted = "notice_started" [],
        Objection = "objection" [],
        NoticeClosed = "notice_closed" [],
        Reinvestigation = "reinvestigation" [],
        DemocraticReview = "democratic_review" [],
        SentForConfirmation = "sent_for_confirmation" [],
        SpotCheck = "spot_check" [],
        Returned = "returned" [],
        Approved = "approved" [],
        Rejected = "rejected" [],
        PaidFirst = "paid_first" [],
        PaperworkCompleted = "paperwork_completed" [],
        Suspended = "suspended" [],
        Resumed = "resumed" [],
        Extended = "extended" [],
        Withdrawn = "withdrawn" [],
        DatesRecounted = "dates_recounted" []
    }
}

/// The kind of office a user acts for in the workflow (from their roles).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Office {
    /// 村(居)委会: enters applications on someone's behalf (帮办代办).
    Village,
    /// 乡镇经办: the window, the investigation, the notice.
    Township,
    /// 乡镇领导: confirms where confirmation is delegated.
    TownshipLeader,
    /// 县级经办: county home surveys, verification.
    County,
    /// 县级审批: confirms at the county.
    CountyApprover,
}

impl Office {
    /// The office a user acts for, from their roles: the highest one held
    /// (a county approver who also clerks acts as the approver).
    pub fn of(roles: &[crate::Role]) -> Office {
        use crate::Role;
        [
            (Role::CountyApprover, Office::CountyApprover),
            (Role::CountyClerk, Office::County),
            (Role::TownshipLeader, Office::TownshipLeader),
            (Role::TownshipClerk, Office::Township),
        ]
        .into_iter()
        .find(|(role, _)| roles.contains(role))
        .map_or(Office::Village, |(_, office)| office)
    }

    /// Township or county staff, who carry a case through its steps.
    pub fn handles_cases(self) -> bool {
        !matches!(self, Office::Village)
    }

    pub fn is_county(self) -> bool {
        matches!(self, Office::County | Office::CountyApprover)
    }

    /// Who may decide at a confirmation level: the township leader where it
    /// is delegated (or the county approver), otherwise the county approver.
    pub fn may_confirm(self, level: Level) -> bool {
        match level {
            Level::Township => matches!(self, Office::TownshipLeader | Office::CountyApprover),
            Level::County => self == Office::CountyApprover,
        }
    }
}

/// A due date: a working-day limit ends on a date, the 急难 payment at an instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type", content = "value")]
pub enum Due {
    Date(NaiveDate),
    Instant(DateTime<Utc>),
}

impl Due {
    pub fn is_overdue(self, today: NaiveDate, now: DateTime<Utc>) -> bool {
        match self {
            Due::Date(d) => today > d,
            Due::Instant(t) => now > t,
        }
    }

    /// The date shown and sorted by (an instant's Beijing date).
    pub fn date(self) -> NaiveDate {
        match self {
            Due::Date(d) => d,
            Due::Instant(t) => crate::i18n::china_date(t),
        }
    }
}

/// How a working-day date was counted: the `wd`-th working day after
/// `from`. Kept beside the date so it can be counted again when the
/// calendar changes (a year counted provisionally gets its arrangement).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counted {
    pub from: NaiveDate,
    pub wd: u32,
}

impl Counted {
    pub fn date(self, calendar: &Calendar) -> Result<NaiveDate, CalendarError> {
        calendar.add_working_days(self.from, self.wd)
    }

    /// `paused` more working days (a suspension): the n-th working day
    /// after the m-th is the (m+n)-th.
    fn plus(self, paused: u32) -> Counted {
        Counted { from: self.from, wd: self.wd + paused }
    }
}

/// How the case's working-day due dates were counted (none for a case
/// stored before they were kept; such dates were never provisional).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counting {
    pub step: Option<Counted>,
    pub verification: Option<Counted>,
    pub rejection_notice: Option<Counted>,
}

/// The verification report attached to a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verified {
    pub result_id: i64,
    /// No findings that exclude the household.
    pub eligible: bool,
}

/// The public notice window: posted on `from`, open through `until`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoticeWindow {
    pub from: NaiveDate,
    pub until: NaiveDate,
}

/// County spot checks of 特困 cases so far this year in the county.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpotTally {
    pub checked: u32,
    pub total: u32,
}

impl SpotTally {
    /// Whether the next case is checked: yes while fewer than `percent` of
    /// the cases so far (this one included) have been, so the share never
    /// falls below it.
    pub fn next_is_checked(self, percent: u32) -> bool {
        u64::from(self.checked) * 100 < u64::from(percent) * u64::from(self.total + 1)
    }
}

/// One case of an application: a household asking for one programme.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Case {
    pub kind: CaseKind,
    pub stage: Stage,
    pub area: Area,
    /// When the application or the emergency was reported.
    pub reported_at: DateTime<Utc>,
    pub submitted_on: NaiveDate,
    /// Entered by a village assistant on the applicant's behalf (帮办代办).
    pub on_behalf: bool,
    /// 受理: the overall limit runs from here.
    pub accepted_on: Option<NaiveDate>,
    /// Materials still missing (the one-time notice lists them).
    pub missing: Vec<Material>,
    /// Due date of the current step.
    pub step_due: Option<Due>,
    /// The county starts verification by this date once requested.
    pub verification_due: Option<NaiveDate>,
    /// The overall limit in working days (set at 受理).
    pub overall_limit: Option<u32>,
    /// Working days spent suspended, added to every limit.
    pub paused_wd: u32,
    pub suspended_on: Option<NaiveDate>,
    pub extended: bool,
    /// Who confirms.
    pub level: Level,
    /// A member is a close relative of staff or a village cadre (备案).
    pub staff_relative: bool,
    /// Chosen for the county's spot check (特困).
    pub spot_check: bool,
    pub verification_requested: bool,
    pub verification: Option<Verified>,
    pub township_surveys: u32,
    pub county_survey: bool,
    /// The township's preliminary opinion: recommend approval or not.
    pub opinion: Option<bool>,
    pub notice: Option<NoticeWindow>,
    /// Objections raised during the current notice.
    pub objections: u32,
    /// An objection has been handled (re-investigation or democratic review).
    pub reviewed: bool,
    /// Temporary assistance: the amount asked for.
    pub requested: Option<Fen>,
    /// 急难: the amount paid first.
    pub paid_first: Option<Fen>,
    pub decided_on: Option<NaiveDate>,
    pub amount: Option<Fen>,
    /// The written rejection notice is due by this date.
    pub rejection_notice_due: Option<NaiveDate>,
    /// How the working-day due dates above were counted.
    #[serde(default)]
    pub counted: Counting,
}

/// Which of a case's due dates are provisional (暂定).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProvisionalDates {
    pub step: bool,
    pub overall: bool,
    pub verification: bool,
    pub rejection_notice: bool,
}

/// What opens a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCase {
    pub kind: CaseKind,
    pub area: Area,
    pub on_behalf: bool,
    pub staff_relative: bool,
    /// The materials check at the window: `None` when a village assistant
    /// enters the application (the township checks later).
    pub missing: Option<Vec<Material>>,
    /// Temporary assistance: the amount asked for.
    pub requested: Option<Fen>,
    /// Temporary assistance: grants for the same cause earlier this year.
    pub helped_this_year: u32,
}

/// A step somebody takes on a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "action")]
pub enum Command {
    /// The township checks the materials; an empty list accepts (受理).
    CheckMaterials {
        missing: Vec<Material>,
    },
    StartInvestigation,
    RequestVerification,
    AttachVerification {
        result_id: i64,
        eligible: bool,
    },
    /// A home survey (入户调查): at least two investigators, the survey form
    /// signed by them and by the family members present.
    RecordSurvey {
        investigators: u32,
        family_signed: bool,
    },
    /// The preliminary opinion (初审意见).
    GiveOpinion {
        approve: bool,
    },
    LodgeObjection,
    CloseNotice,
    Reinvestigate,
    DemocraticReview,
    Approve {
        amount: Fen,
    },
    Reject,
    Return,
    PayFirst {
        amount: Fen,
    },
    CompletePaperwork,
    Suspend,
    Resume,
    Extend,
    Withdraw,
}

impl Command {
    /// The stable name of the action (audit, API).
    pub fn code(&self) -> &'static str {
        match self.step_kind() {
            Some(kind) => kind.code(),
            None => "lodge_objection",
        }
    }

    /// The kind of step that gives this command; none for an objection
    /// (lodged from the public notice board, not a step staff take).
    pub fn step_kind(&self) -> Option<StepKind> {
        Some(match self {
            Command::CheckMaterials { .. } => StepKind::CheckMaterials,
            Command::StartInvestigation => StepKind::StartInvestigation,
            Command::RequestVerification => StepKind::RequestVerification,
            Command::AttachVerification { .. } => StepKind::AttachVerification,
            Command::RecordSurvey { .. } => StepKind::RecordSurvey,
            Command::GiveOpinion { .. } => StepKind::GiveOpinion,
            Command::LodgeObjection => return None,
            Command::CloseNotice => StepKind::CloseNotice,
            Command::Reinvestigate => StepKind::Reinvestigate,
            Command::DemocraticReview => StepKind::DemocraticReview,
            Command::Approve { .. } => StepKind::Approve,
            Command::Reject => StepKind::Reject,
            Command::Return => StepKind::Return,
            Command::PayFirst { .. } => StepKind::PayFirst,
            Command::CompletePaperwork => StepKind::CompletePaperwork,
            Command::Suspend => StepKind::Suspend,
            Command::Resume => StepKind::Resume,
            Command::Extend => StepKind::Extend,
            Command::Withdraw => StepKind::Withdraw,
        })
    }

    /// The catalogue key of what the command does (errors name it).
    pub fn label_key(&self) -> &'static str {
        self.step_kind().map_or(EventKind::Objection.message_key(), StepKind::message_key)
    }

    /// A command of `kind` with stand-in values, to ask the state machine
    /// whether the step is possible now.
    fn probe(kind: StepKind) -> Command {
        match kind {
            StepKind::CheckMaterials => Command::CheckMaterials { missing: vec![] },
            StepKind::StartInvestigation => Command::StartInvestigation,
            StepKind::RequestVerification => Command::RequestVerification,
            StepKind::AttachVerification => Command::AttachVerification { result_id: 0, eligible: true },
            StepKind::RecordSurvey => Command::RecordSurvey { investigators: 2, family_signed: true },
            StepKind::GiveOpinion => Command::GiveOpinion { approve: true },
            StepKind::CloseNotice => Command::CloseNotice,
            StepKind::Reinvestigate => Command::Reinvestigate,
            StepKind::DemocraticReview => Command::DemocraticReview,
            StepKind::Approve => Command::Approve { amount: Fen(0) },
            StepKind::Reject => Command::Reject,
            StepKind::Return => Command::Return,
            StepKind::PayFirst => Command::PayFirst { amount: Fen(1) },
            StepKind::CompletePaperwork => Command::CompletePaperwork,
            StepKind::Suspend => Command::Suspend,
            StepKind::Resume => Command::Resume,
            StepKind::Extend => Command::Extend,
            StepKind::Withdraw => Command::Withdraw,
        }
    }
}

/// Everything a step is judged by besides the case itself.
#[derive(Debug, Clone, Copy)]
pub struct Ctx<'a> {
    /// The Beijing date of `now`.
    pub today: NaiveDate,
    pub now: DateTime<Utc>,
    pub calendar: &'a Calendar,
    pub policy: &'a AssistancePolicy,
    pub office: Office,
    /// The county's 特困 spot checks so far this year.
    pub spot_tally: SpotTally,
}

/// Why a step is not allowed now.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WorkflowError {
    /// `action`: the catalogue key of the step's label.
    #[error("{action} is not possible in stage {stage:?}")]
    WrongStage { stage: Stage, action: &'static str },
    #[error("{office:?} may not {action}")]
    NotAllowed { office: Office, action: &'static str },
    #[error(transparent)]
    Calendar(#[from] CalendarError),
    #[error(transparent)]
    Amount(#[from] AmountError),
    #[error("the verification report is not attached")]
    NeedsVerification,
    #[error("verification was not requested")]
    VerificationNotRequested,
    #[error("no home survey recorded")]
    NeedsSurvey,
    #[error("the county must survey the household first")]
    NeedsCountySurvey,
    #[error("a survey needs at least two investigators")]
    TooFewInvestigators,
    #[error("the survey form must be signed by the family")]
    NotSigned,
    #[error("the notice runs until {until}")]
    NoticeNotOver { until: NaiveDate },
    #[error("already extended")]
    AlreadyExtended,
    #[error("the case is suspended")]
    Suspended,
    #[error("the case is not suspended")]
    NotSuspended,
    #[error("{amount} is above the limit {limit}")]
    AboveLimit { amount: Fen, limit: Fen },
    #[error("materials missing")]
    MaterialsMissing(Vec<Material>),
}

impl WorkflowError {
    pub fn to_message(&self) -> Message {
        match self {
            WorkflowError::WrongStage { stage, action } => Message::new("case.error.wrong_stage")
                .part("stage", Part::Label(stage.message_key()))
                .part("action", Part::Label(action)),
            WorkflowError::NotAllowed { action, .. } => {
                Message::new("case.error.not_allowed").part("action", Part::Label(action))
            }
            WorkflowError::Calendar(e) => e.to_message(),
            WorkflowError::Amount(e) => e.to_message(),
            WorkflowError::NeedsVerification => Message::new("case.error.needs_verification"),
            WorkflowError::VerificationNotRequested => Message::new("case.error.verification_not_requested"),
            WorkflowError::NeedsSurvey => Message::new("case.error.needs_survey"),
            WorkflowError::NeedsCountySurvey => Message::new("case.error.needs_county_survey"),
            WorkflowError::TooFewInvestigators => Message::new("case.error.too_few_investigators"),
            WorkflowError::NotSigned => Message::new("case.error.not_signed"),
            WorkflowError::NoticeNotOver { until } => {
                Message::new("case.error.notice_not_over").part("until", Part::Date(*until))
            }
            WorkflowError::AlreadyExtended => Message::new("case.error.already_extended"),
            WorkflowError::Suspended => Message::new("case.error.suspended"),
            WorkflowError::NotSuspended => Message::new("case.error.not_suspended"),
            WorkflowError::AboveLimit { amount, limit } => {
                Message::new("case.error.above_limit").arg("value", amount).arg("limit", limit)
            }
            WorkflowError::MaterialsMissing(list) => Message::new("case.error.materials_missing")
                .part("list", Part::Labels(list.iter().map(|m| m.message_key()).collect())),
        }
    }
}

#[cfg(test)]
mod tests;
