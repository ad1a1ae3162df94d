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

use chrono::{DateTime, Days, NaiveDate, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::assistance::{AmountError, Area, AssistancePolicy, CaseKind, Level, Limits, Material, temp_route};
use crate::calendar::{Calendar, CalendarError};
use crate::i18n::Message;
use crate::money::Fen;

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
        match self {
            Command::CheckMaterials { .. } => "check_materials",
            Command::StartInvestigation => "start_investigation",
            Command::RequestVerification => "request_verification",
            Command::AttachVerification { .. } => "attach_verification",
            Command::RecordSurvey { .. } => "record_survey",
            Command::GiveOpinion { .. } => "give_opinion",
            Command::LodgeObjection => "lodge_objection",
            Command::CloseNotice => "close_notice",
            Command::Reinvestigate => "reinvestigate",
            Command::DemocraticReview => "democratic_review",
            Command::Approve { .. } => "approve",
            Command::Reject => "reject",
            Command::Return => "return",
            Command::PayFirst { .. } => "pay_first",
            Command::CompletePaperwork => "complete_paperwork",
            Command::Suspend => "suspend",
            Command::Resume => "resume",
            Command::Extend => "extend",
            Command::Withdraw => "withdraw",
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
                .arg("stage", crate::i18n::t(crate::i18n::Lang::Zh, stage.message_key()))
                .arg("action", action),
            WorkflowError::NotAllowed { action, .. } => Message::new("case.error.not_allowed").arg("action", action),
            WorkflowError::Calendar(e) => e.to_message(),
            WorkflowError::Amount(e) => e.to_message(),
            WorkflowError::NeedsVerification => Message::new("case.error.needs_verification"),
            WorkflowError::VerificationNotRequested => Message::new("case.error.verification_not_requested"),
            WorkflowError::NeedsSurvey => Message::new("case.error.needs_survey"),
            WorkflowError::NeedsCountySurvey => Message::new("case.error.needs_county_survey"),
            WorkflowError::TooFewInvestigators => Message::new("case.error.too_few_investigators"),
            WorkflowError::NotSigned => Message::new("case.error.not_signed"),
            WorkflowError::NoticeNotOver { until } => Message::new("case.error.notice_not_over").arg("until", until),
            WorkflowError::AlreadyExtended => Message::new("case.error.already_extended"),
            WorkflowError::Suspended => Message::new("case.error.suspended"),
            WorkflowError::NotSuspended => Message::new("case.error.not_suspended"),
            WorkflowError::AboveLimit { amount, limit } => {
                Message::new("case.error.above_limit").arg("value", amount).arg("limit", limit)
            }
            WorkflowError::MaterialsMissing(list) => Message::new("case.error.materials_missing")
                .arg("list", list.iter().map(|m| m.label(crate::i18n::Lang::Zh)).collect::<Vec<_>>().join("、")),
        }
    }
}

type Step = Result<Vec<EventKind>, WorkflowError>;

impl Case {
    /// Opens a case: entered on someone's behalf it waits for the
    /// township's materials check; at the window the check is made at once.
    pub fn open(new: NewCase, ctx: &Ctx<'_>) -> Result<(Case, Vec<EventKind>), WorkflowError> {
        if new.kind.is_temporary() && new.helped_this_year >= ctx.policy.temp_per_cause_per_year {
            return Err(AmountError::CauseLimitReached { times: new.helped_this_year }.into());
        }
        let level = match (new.kind, new.requested) {
            (CaseKind::TempExpense | CaseKind::TempEmergency, Some(requested)) => {
                temp_route(ctx.policy, new.area, requested, new.helped_this_year)?.level
            }
            // 急难 without an amount yet: the township pays first within its limit.
            (CaseKind::TempEmergency, None) => Level::Township,
            (CaseKind::TempExpense, None) => Level::County,
            _ => ctx.policy.confirmation,
        };
        let mut case = Case {
            kind: new.kind,
            stage: Stage::Submitted,
            area: new.area,
            reported_at: ctx.now,
            submitted_on: ctx.today,
            on_behalf: new.on_behalf,
            accepted_on: None,
            missing: Vec::new(),
            step_due: None,
            verification_due: None,
            overall_limit: None,
            paused_wd: 0,
            suspended_on: None,
            extended: false,
            level,
            staff_relative: new.staff_relative,
            spot_check: false,
            verification_requested: false,
            verification: None,
            township_surveys: 0,
            county_survey: false,
            opinion: None,
            notice: None,
            objections: 0,
            reviewed: false,
            requested: new.requested,
            paid_first: None,
            decided_on: None,
            amount: None,
            rejection_notice_due: None,
            counted: Counting::default(),
        };
        case.count_step(ctx, Counted { from: ctx.today, wd: ctx.policy.materials_check_wd })?;
        let mut events = vec![EventKind::Submitted];
        if case.staff_relative {
            events.push(EventKind::StaffRelative);
        }
        if let Some(missing) = new.missing {
            events.extend(case.check_materials(missing, ctx)?);
        }
        Ok((case, events))
    }

    /// Applies one step. On an error the case is unchanged.
    pub fn apply(&self, command: &Command, ctx: &Ctx<'_>) -> Result<(Case, Vec<EventKind>), WorkflowError> {
        let mut next = self.clone();
        let events = next.step(command, ctx)?;
        Ok((next, events))
    }

    /// The date the whole case must be decided by (受理 + the overall
    /// limit + the working days suspended); none before 受理 and for 急难
    /// (which runs on its payment and paperwork limits).
    pub fn overall_due(&self, calendar: &Calendar) -> Result<Option<NaiveDate>, CalendarError> {
        match (self.accepted_on, self.overall_limit) {
            (Some(accepted), Some(limit)) => calendar.add_working_days(accepted, limit + self.paused_wd).map(Some),
            _ => Ok(None),
        }
    }

    /// The step is late (a suspended case's clock is stopped).
    pub fn is_overdue(&self, today: NaiveDate, now: DateTime<Utc>) -> bool {
        self.stage.is_open() && self.suspended_on.is_none() && self.step_due.is_some_and(|d| d.is_overdue(today, now))
    }

    /// Late: the step is overdue, or the whole case has passed its overall
    /// limit (a suspended case's clock is stopped). A limit past the
    /// calendar's years is not late yet: it cannot be counted.
    pub fn is_late(&self, today: NaiveDate, now: DateTime<Utc>, calendar: &Calendar) -> bool {
        let overall_passed = self.overall_due(calendar).ok().flatten().is_some_and(|d| today > d);
        self.is_overdue(today, now) || (self.stage.is_open() && self.suspended_on.is_none() && overall_passed)
    }

    /// The step falls due within `days` working days (and is not late).
    pub fn is_due_soon(&self, today: NaiveDate, now: DateTime<Utc>, calendar: &Calendar, days: u32) -> bool {
        let Ok(limit) = calendar.add_working_days(today, days) else { return false };
        !self.is_late(today, now, calendar)
            && self.suspended_on.is_none()
            && self.stage.is_open()
            && self.step_due.is_some_and(|d| d.date() <= limit)
    }

    /// Whether the next step is this office's to take (its inbox).
    pub fn waits_for(&self, office: Office) -> bool {
        match office {
            Office::Village => self.stage == Stage::Incomplete,
            Office::Township => self.stage.is_township_step(),
            Office::TownshipLeader => self.stage == Stage::Confirmation && self.level == Level::Township,
            Office::County => self.verification_requested && self.verification.is_none(),
            Office::CountyApprover => self.stage == Stage::Confirmation && self.level == Level::County,
        }
    }

    /// The steps the acting office may take now (action codes). A step that
    /// is possible here but still lacks something (a survey, a signature)
    /// is listed: trying it names what is missing.
    pub fn available_steps(&self, ctx: &Ctx<'_>) -> Vec<&'static str> {
        let candidates = [
            Command::CheckMaterials { missing: vec![] },
            Command::StartInvestigation,
            Command::RequestVerification,
            Command::AttachVerification { result_id: 0, eligible: true },
            Command::RecordSurvey { investigators: 2, family_signed: true },
            Command::GiveOpinion { approve: true },
            Command::CloseNotice,
            Command::Reinvestigate,
            Command::DemocraticReview,
            Command::Approve { amount: Fen(0) },
            Command::Reject,
            Command::Return,
            Command::PayFirst { amount: Fen(1) },
            Command::CompletePaperwork,
            Command::Suspend,
            Command::Resume,
            Command::Extend,
            Command::Withdraw,
        ];
        candidates
            .iter()
            .filter(|c| match self.apply(c, ctx) {
                Ok(_) => true,
                Err(
                    WorkflowError::WrongStage { .. }
                    | WorkflowError::NotAllowed { .. }
                    | WorkflowError::Suspended
                    | WorkflowError::NotSuspended
                    | WorkflowError::AlreadyExtended,
                ) => false,
                Err(_) => true,
            })
            .map(Command::code)
            .collect()
    }

    /// The household size a public notice shows: one person for 单人保.
    pub fn published_household_size(&self, household_size: u32) -> u32 {
        if self.kind == CaseKind::DibaoIndividual { 1 } else { household_size }
    }

    /// The staff-relative rule applies to this programme (county survey required).
    pub fn needs_county_survey(&self, policy: &AssistancePolicy) -> bool {
        (self.staff_relative && policy.relatives_kinds.contains(&self.kind)) || self.spot_check
    }

    fn limits(&self, ctx: &Ctx<'_>) -> Limits {
        ctx.policy.limits(self.kind)
    }

    /// The step is due `wd` working days from today.
    fn due_in(&mut self, ctx: &Ctx<'_>, wd: u32) -> Result<(), WorkflowError> {
        self.count_step(ctx, Counted { from: ctx.today, wd })
    }

    fn count_step(&mut self, ctx: &Ctx<'_>, counted: Counted) -> Result<(), WorkflowError> {
        self.step_due = Some(Due::Date(counted.date(ctx.calendar)?));
        self.counted.step = Some(counted);
        Ok(())
    }

    /// Counts the working-day due dates again with `calendar` (an
    /// administrator loaded a year they were counted through). Returns
    /// whether any date moved.
    pub fn recount(&mut self, calendar: &Calendar) -> Result<bool, CalendarError> {
        let before = (self.step_due, self.verification_due, self.rejection_notice_due);
        if let (Some(Due::Date(_)), Some(c)) = (self.step_due, self.counted.step) {
            self.step_due = Some(Due::Date(c.date(calendar)?));
        }
        if let (Some(_), Some(c)) = (self.verification_due, self.counted.verification) {
            self.verification_due = Some(c.date(calendar)?);
        }
        if let (Some(_), Some(c)) = (self.rejection_notice_due, self.counted.rejection_notice) {
            self.rejection_notice_due = Some(c.date(calendar)?);
        }
        Ok(before != (self.step_due, self.verification_due, self.rejection_notice_due))
    }

    /// Whether a due date of this case was counted through a year without
    /// its arrangement (shown as 暂定): the step's, the overall one, or the
    /// verification or rejection notice's.
    pub fn provisional_dates(&self, calendar: &Calendar) -> ProvisionalDates {
        let p = |d: Option<NaiveDate>| d.is_some_and(|d| calendar.is_provisional(d));
        ProvisionalDates {
            step: matches!(self.step_due, Some(Due::Date(d)) if calendar.is_provisional(d)),
            overall: p(self.overall_due(calendar).ok().flatten()),
            verification: p(self.verification_due),
            rejection_notice: p(self.rejection_notice_due),
        }
    }

    fn step(&mut self, command: &Command, ctx: &Ctx<'_>) -> Step {
        let action = command.code();
        let wrong = |stage| WorkflowError::WrongStage { stage, action };
        if !self.stage.is_open() {
            return Err(wrong(self.stage));
        }
        if self.suspended_on.is_some() && !matches!(command, Command::Resume | Command::Withdraw) {
            return Err(WorkflowError::Suspended);
        }
        let handles =
            |ok: bool| if ok { Ok(()) } else { Err(WorkflowError::NotAllowed { office: ctx.office, action }) };
        match command {
            Command::LodgeObjection => {}
            Command::RecordSurvey { .. } | Command::AttachVerification { .. } => handles(ctx.office.handles_cases())?,
            Command::Approve { .. } | Command::Reject | Command::Return if self.stage == Stage::Confirmation => {
                handles(ctx.office.may_confirm(self.level))?
            }
            _ => handles(ctx.office.handles_cases())?,
        }
        match (command, self.stage) {
            (Command::CheckMaterials { missing }, Stage::Submitted | Stage::Incomplete) => {
                self.check_materials(missing.clone(), ctx)
            }
            (Command::CheckMaterials { missing }, Stage::Paperwork) => {
                // 急难: the paperwork after the payment completes what was missing.
                self.missing = missing.clone();
                Ok(vec![EventKind::MaterialsChecked])
            }
            (Command::StartInvestigation, Stage::Accepted) => {
                self.stage = Stage::Investigating;
                self.due_in(ctx, self.limits(ctx).township)?;
                Ok(vec![EventKind::InvestigationStarted])
            }
            (Command::RequestVerification, Stage::Accepted | Stage::Investigating | Stage::Paperwork) => {
                if self.stage == Stage::Accepted {
                    self.stage = Stage::Investigating;
                    self.due_in(ctx, self.limits(ctx).township)?;
                }
                self.verification_requested = true;
                let counted = Counted { from: ctx.today, wd: ctx.policy.verification_start_wd };
                self.verification_due = Some(counted.date(ctx.calendar)?);
                self.counted.verification = Some(counted);
                Ok(vec![EventKind::VerificationRequested])
            }
            (Command::AttachVerification { result_id, eligible }, Stage::Investigating | Stage::Paperwork) => {
                if !self.verification_requested {
                    return Err(WorkflowError::VerificationNotRequested);
                }
                self.verification = Some(Verified { result_id: *result_id, eligible: *eligible });
                self.verification_due = None;
                Ok(vec![EventKind::VerificationAttached])
            }
            (Command::RecordSurvey { investigators, family_signed }, stage) => {
                if *investigators < 2 {
                    return Err(WorkflowError::TooFewInvestigators);
                }
                if !family_signed {
                    return Err(WorkflowError::NotSigned);
                }
                if ctx.office.is_county() {
                    if !matches!(stage, Stage::Investigating | Stage::Notice | Stage::Confirmation | Stage::Paperwork) {
                        return Err(wrong(stage));
                    }
                    self.county_survey = true;
                    return Ok(vec![EventKind::CountySurveyed]);
                }
                if !matches!(stage, Stage::Investigating | Stage::Paperwork) {
                    return Err(wrong(stage));
                }
                if ctx.policy.verification_first && self.verification.is_none() && stage == Stage::Investigating {
                    return Err(WorkflowError::NeedsVerification);
                }
                self.township_surveys += 1;
                Ok(vec![EventKind::Surveyed])
            }
            (Command::GiveOpinion { approve }, Stage::Investigating) => {
                if self.verification.is_none() {
                    return Err(WorkflowError::NeedsVerification);
                }
                if self.township_surveys == 0 {
                    return Err(WorkflowError::NeedsSurvey);
                }
                self.opinion = Some(*approve);
                let mut events = vec![EventKind::Opinion];
                // 特困 is re-noticed after an objection (S3 art. 15); 低保 goes on to confirmation.
                let notice_due = ctx.policy.review_notice && (!self.reviewed || self.kind == CaseKind::Tekun);
                if *approve && notice_due {
                    events.extend(self.start_notice(ctx)?);
                } else {
                    events.extend(self.send_for_confirmation(ctx)?);
                }
                Ok(events)
            }
            (Command::LodgeObjection, Stage::Notice) => {
                self.objections += 1;
                Ok(vec![EventKind::Objection])
            }
            (Command::CloseNotice, Stage::Notice) => {
                let window = self.notice.ok_or(wrong(Stage::Notice))?;
                if ctx.today < window.until {
                    return Err(WorkflowError::NoticeNotOver { until: window.until });
                }
                let mut events = vec![EventKind::NoticeClosed];
                if self.objections == 0 {
                    events.extend(self.send_for_confirmation(ctx)?);
                } else {
                    self.stage = Stage::Disputed;
                    self.due_in(ctx, self.limits(ctx).township)?;
                }
                Ok(events)
            }
            (Command::Reinvestigate, Stage::Disputed) => {
                self.back_to_investigation(ctx)?;
                self.township_surveys = 0;
                self.reviewed = true;
                Ok(vec![EventKind::Reinvestigation])
            }
            (Command::DemocraticReview, Stage::Disputed) => {
                self.back_to_investigation(ctx)?;
                self.reviewed = true;
                Ok(vec![EventKind::DemocraticReview])
            }
            (Command::Approve { amount }, Stage::Confirmation) => {
                if self.needs_county_survey(ctx.policy) && !self.county_survey {
                    return Err(WorkflowError::NeedsCountySurvey);
                }
                if self.kind.is_temporary() {
                    let limit = match self.level {
                        Level::Township => ctx.policy.temp_township_limit(self.area),
                        Level::County => ctx.policy.temp_cap(self.area),
                    };
                    if amount.0 > limit.0 {
                        return Err(WorkflowError::AboveLimit { amount: *amount, limit });
                    }
                }
                self.decide(ctx, Stage::Approved, Some(*amount));
                Ok(vec![EventKind::Approved])
            }
            (Command::Reject, Stage::Confirmation | Stage::Paperwork) => {
                self.decide(ctx, Stage::Rejected, None);
                let counted = Counted { from: ctx.today, wd: ctx.policy.rejection_notice_wd };
                self.rejection_notice_due = Some(counted.date(ctx.calendar)?);
                self.counted.rejection_notice = Some(counted);
                Ok(vec![EventKind::Rejected])
            }
            (Command::Return, Stage::Confirmation | Stage::Notice) => {
                self.back_to_investigation(ctx)?;
                Ok(vec![EventKind::Returned])
            }
            (Command::PayFirst { amount }, Stage::EmergencyPayment) => {
                let limit = ctx.policy.temp_township_limit(self.area);
                if amount.0 > limit.0 {
                    return Err(WorkflowError::AboveLimit { amount: *amount, limit });
                }
                if amount.0 <= 0 || amount.0 < ctx.policy.temp_min.0 {
                    let min = ctx.policy.temp_min;
                    return Err(AmountError::BelowMinimum { requested: *amount, min }.into());
                }
                self.paid_first = Some(*amount);
                self.stage = Stage::Paperwork;
                self.due_in(ctx, ctx.policy.emergency_paperwork_wd)?;
                Ok(vec![EventKind::PaidFirst])
            }
            (Command::CompletePaperwork, Stage::Paperwork) => {
                if !self.missing.is_empty() {
                    return Err(WorkflowError::MaterialsMissing(self.missing.clone()));
                }
                let paid = self.paid_first;
                self.decide(ctx, Stage::Approved, paid);
                Ok(vec![EventKind::PaperworkCompleted])
            }
            (Command::Suspend, stage) if self.accepted_on.is_some() && stage != Stage::EmergencyPayment => {
                self.suspended_on = Some(ctx.today);
                Ok(vec![EventKind::Suspended])
            }
            (Command::Resume, _) => {
                let since = self.suspended_on.ok_or(WorkflowError::NotSuspended)?;
                let paused = ctx.calendar.working_days_between(since, ctx.today)?;
                if let Some(Due::Date(d)) = self.step_due {
                    let counted = self.counted.step.unwrap_or(Counted { from: d, wd: 0 }).plus(paused);
                    self.count_step(ctx, counted)?;
                }
                if let Some(d) = self.verification_due {
                    let counted = self.counted.verification.unwrap_or(Counted { from: d, wd: 0 }).plus(paused);
                    self.verification_due = Some(counted.date(ctx.calendar)?);
                    self.counted.verification = Some(counted);
                }
                self.paused_wd += paused;
                self.suspended_on = None;
                Ok(vec![EventKind::Resumed])
            }
            (Command::Extend, _) if self.overall_limit.is_some() => {
                if self.extended {
                    return Err(WorkflowError::AlreadyExtended);
                }
                self.extended = true;
                self.overall_limit = Some(self.limits(ctx).extended);
                Ok(vec![EventKind::Extended])
            }
            (Command::Withdraw, _) => {
                self.stage = Stage::Withdrawn;
                self.step_due = None;
                self.verification_due = None;
                self.suspended_on = None;
                self.decided_on = Some(ctx.today);
                Ok(vec![EventKind::Withdrawn])
            }
            (_, stage) => Err(wrong(stage)),
        }
    }

    fn check_materials(&mut self, missing: Vec<Material>, ctx: &Ctx<'_>) -> Step {
        if self.kind == CaseKind::TempEmergency {
            // 先行救助: pay first, whatever is missing is completed afterwards.
            self.missing = missing;
            self.accepted_on = Some(ctx.today);
            self.stage = Stage::EmergencyPayment;
            let hours = TimeDelta::hours(i64::from(ctx.policy.emergency_pay_hours));
            self.step_due = Some(Due::Instant(self.reported_at + hours));
            return Ok(vec![EventKind::Accepted]);
        }
        if !missing.is_empty() {
            self.missing = missing;
            self.stage = Stage::Incomplete;
            self.step_due = None;
            return Ok(vec![EventKind::MaterialsIncomplete]);
        }
        self.missing.clear();
        self.accepted_on = Some(ctx.today);
        self.stage = Stage::Accepted;
        self.due_in(ctx, ctx.policy.investigation_start_wd)?;
        let limits = self.limits(ctx);
        self.overall_limit = Some(match self.level {
            Level::Township => limits.overall_delegated,
            Level::County => limits.overall,
        });
        Ok(vec![EventKind::Accepted])
    }

    fn start_notice(&mut self, ctx: &Ctx<'_>) -> Step {
        let days = ctx.policy.notice_days;
        let until = if ctx.policy.notice_working_days {
            ctx.calendar.add_working_days(ctx.today, days)?
        } else {
            ctx.today + Days::new(u64::from(days))
        };
        self.notice = Some(NoticeWindow { from: ctx.today, until });
        self.objections = 0;
        self.stage = Stage::Notice;
        // The first working day on or after `until`: the first after the day before.
        let day_before = until.pred_opt().unwrap_or(until);
        self.count_step(ctx, Counted { from: day_before, wd: 1 })?;
        Ok(vec![EventKind::NoticeStarted])
    }

    fn send_for_confirmation(&mut self, ctx: &Ctx<'_>) -> Step {
        self.stage = Stage::Confirmation;
        self.due_in(ctx, self.limits(ctx).confirmation)?;
        let mut events = vec![EventKind::SentForConfirmation];
        if self.kind == CaseKind::Tekun
            && self.level == Level::County
            && !self.spot_check
            && ctx.spot_tally.next_is_checked(ctx.policy.tekun_spot_check_percent)
        {
            self.spot_check = true;
            events.push(EventKind::SpotCheck);
        }
        Ok(events)
    }

    fn back_to_investigation(&mut self, ctx: &Ctx<'_>) -> Result<(), WorkflowError> {
        self.stage = Stage::Investigating;
        self.opinion = None;
        self.due_in(ctx, self.limits(ctx).township)?;
        Ok(())
    }

    fn decide(&mut self, ctx: &Ctx<'_>, stage: Stage, amount: Option<Fen>) {
        self.stage = stage;
        self.decided_on = Some(ctx.today);
        self.amount = amount;
        self.step_due = None;
        self.verification_due = None;
    }
}

/// The first month paid: the month after the approval decision (S2 art. 21;
/// S3 art. 17). Temporary assistance is paid once, at once.
pub fn first_payment_month(kind: CaseKind, decided_on: NaiveDate) -> NaiveDate {
    use chrono::Datelike;
    let first = decided_on.with_day(1).unwrap_or(decided_on);
    if kind.is_temporary() { first } else { first.checked_add_months(chrono::Months::new(1)).unwrap_or(first) }
}

/// The texts of the workflow steps (part of the one catalogue).
pub static MESSAGES: &[(&str, &str, &str)] = &[
    ("Stage.submitted", "待乡镇受理", "Awaiting the township"),
    ("Stage.incomplete", "材料不全（已一次性告知）", "Materials missing (notified once)"),
    ("Stage.accepted", "已受理，待调查", "Accepted, investigation due"),
    ("Stage.investigating", "调查核实", "Investigation"),
    ("Stage.notice", "公示中", "Public notice"),
    ("Stage.disputed", "公示有异议", "Objection raised"),
    ("Stage.confirmation", "审核确认", "Confirmation"),
    ("Stage.emergency_payment", "急难先行救助", "Emergency payment due"),
    ("Stage.paperwork", "补办手续", "Paperwork after payment"),
    ("Stage.approved", "已批准", "Approved"),
    ("Stage.rejected", "不予批准", "Rejected"),
    ("Stage.withdrawn", "已撤回", "Withdrawn"),
    ("EventKind.submitted", "提交申请", "Application submitted"),
    ("EventKind.materials_incomplete", "材料不全，出具一次性告知书", "Materials missing: one-time notice issued"),
    ("EventKind.materials_checked", "补齐材料", "Materials completed"),
    ("EventKind.accepted", "受理", "Accepted"),
    ("EventKind.staff_relative", "近亲属备案", "Staff-relative case registered"),
    ("EventKind.investigation_started", "开始家庭经济状况调查", "Investigation started"),
    ("EventKind.verification_requested", "提请信息核对", "Verification requested"),
    ("EventKind.verification_attached", "核对报告已附", "Verification report attached"),
    ("EventKind.surveyed", "入户调查", "Home survey"),
    ("EventKind.county_surveyed", "县级入户调查", "County home survey"),
    ("EventKind.opinion", "初审意见", "Preliminary opinion"),
    ("EventKind.notice_started", "开始公示", "Public notice started"),
    ("EventKind.objection", "公示异议", "Objection lodged"),
    ("EventKind.notice_closed", "公示期满", "Public notice closed"),
    ("EventKind.reinvestigation", "重新调查", "Re-investigation"),
    ("EventKind.democratic_review", "民主评议", "Democratic review"),
    ("EventKind.sent_for_confirmation", "报送审核确认", "Sent for confirmation"),
    ("EventKind.spot_check", "列入县级抽查", "Selected for the county spot check"),
    ("EventKind.returned", "退回", "Returned"),
    ("EventKind.approved", "批准", "Approved"),
    ("EventKind.rejected", "不予批准", "Rejected"),
    ("EventKind.paid_first", "先行救助发放", "Paid first"),
    ("EventKind.paperwork_completed", "补办手续完成", "Paperwork completed"),
    ("EventKind.suspended", "中止（等待申请人）", "Suspended (waiting for the applicant)"),
    ("EventKind.resumed", "恢复办理", "Resumed"),
    ("EventKind.extended", "延长办理时限", "Time limit extended"),
    ("EventKind.withdrawn", "撤回申请", "Withdrawn"),
    (
        "EventKind.dates_recounted",
        "按新载入的放假安排重新计算办理时限",
        "Due dates recounted with the loaded holiday arrangement",
    ),
    (
        "case.error.wrong_stage",
        "当前环节（{stage}）不能办理“{action}”",
        "{action} is not possible at this step ({stage})",
    ),
    ("case.error.not_allowed", "您的岗位不能办理“{action}”", "Your post may not do {action}"),
    ("case.error.needs_verification", "尚未附家庭经济状况核对报告", "The verification report is not attached yet"),
    ("case.error.verification_not_requested", "尚未提请信息核对", "Verification has not been requested"),
    ("case.error.needs_survey", "尚未入户调查", "No home survey recorded yet"),
    (
        "case.error.needs_county_survey",
        "近亲属备案或抽查案件须先由县级入户调查",
        "The county must survey this household first (staff relative or spot check)",
    ),
    ("case.error.too_few_investigators", "入户调查人员不得少于2人", "A home survey needs at least two investigators"),
    (
        "case.error.not_signed",
        "入户调查表须由调查人员和在场家庭成员签字",
        "The survey form must be signed by the investigators and the family",
    ),
    ("case.error.notice_not_over", "公示期至{until}，期满后方可结束", "The notice runs until {until}"),
    ("case.error.already_extended", "办理时限只能延长一次", "The time limit can be extended only once"),
    ("case.error.suspended", "案件已中止，请先恢复办理", "The case is suspended; resume it first"),
    ("case.error.not_suspended", "案件未中止", "The case is not suspended"),
    ("case.error.above_limit", "金额{value}超过审批额度{limit}", "{value} is above the approval limit {limit}"),
    ("case.error.materials_missing", "仍缺少材料：{list}", "Materials still missing: {list}"),
    ("case.error.amount", "金额应为大于0的数字（元）", "The amount must be a number of yuan above 0"),
    ("case.error.amount_line", "金额有误：{kind} {value}", "Bad amount: {kind} {value}"),
    ("case.error.applicant", "申请人不是该户成员", "The applicant is not a member of this household"),
    ("case.error.area", "请选择城市或农村", "Choose urban or rural"),
    ("case.error.cause", "临时救助须选择救助事由", "Temporary assistance needs a cause"),
    ("case.error.conclusion", "请填写民主评议结论", "Enter the conclusion of the democratic review"),
    ("case.error.id_number", "身份证号有误", "The ID number is not valid"),
    ("case.error.no_kind", "请至少选择一个申请事项", "Choose at least one programme"),
    ("case.error.notice_closed", "公示期已结束或不接受异议", "This notice is closed or takes no objections"),
    ("case.error.objection_text", "请填写异议内容（不超过2000字）", "Enter the objection (at most 2,000 characters)"),
    ("case.error.reason", "请填写理由", "Enter the reasons"),
    ("case.error.stale", "案件已被他人更新，请刷新后重试", "Someone else changed this case; reload and try again"),
    ("case.error.unknown_code", "无法识别：{value}", "Not recognised: {value}"),
    ("household.error.region", "区划代码有误", "The region code is not valid"),
    ("calendar.error.empty", "文件中没有任何日期", "The file lists no dates"),
    (
        "calendar.warning",
        "{year}年放假安排尚未载入：跨入该年的办理时限暂按周末和法定节假日计算（标“暂定”），载入后自动重算。请导入国务院办公厅的放假通知。",
        "The {year} holiday arrangement is not loaded: limits reaching into that year are counted provisionally from weekends and statutory holidays (marked provisional) and recounted once it is loaded. Please load the State Council's notice.",
    ),
    ("calendar.title", "工作日历", "Working-day calendar"),
    // Provisional due dates (issue 10 point 11: a year without its holiday arrangement).
    ("case.provisional", "暂定", "provisional"),
    (
        "case.provisional.hint",
        "该年放假安排尚未载入，此日期按周末和法定节假日暂定，载入后重算",
        "The year's holiday arrangement is not loaded; this date is counted from weekends and statutory holidays and will be recounted",
    ),
    (
        "calendar.provisional_rule",
        "未载入放假安排的年份暂按周末和《全国年节及纪念日放假办法》的法定节假日（元旦1天、春节4天、清明节1天、劳动节2天、端午节1天、中秋节1天、国庆节3天）计算，不含调休，日期标“暂定”；载入该年安排后，未办结案件的时限自动重算。",
        "A year without a loaded arrangement is counted provisionally from weekends and the statutory holidays (New Year 1 day, Spring Festival 4, Qingming 1, Labour Day 2, Dragon Boat 1, Mid-Autumn 1, National Day 3), without make-up days; such dates are marked provisional and the limits of open cases are recounted when the year is loaded.",
    ),
    (
        "calendar.format",
        "每行一个日期：日期,类型,名称（类型为 holiday 放假 或 workday 调休上班），例如 2027-01-01,holiday,元旦。导入的年份整体替换原有安排。",
        "One date per line: date,kind,name (kind holiday or workday), e.g. 2027-01-01,holiday,New Year. A loaded year replaces that year's arrangement.",
    ),
    ("calendar.load", "导入节假日安排", "Load a holiday file"),
    ("calendar.loaded", "已导入", "Loaded"),
    ("calendar.year", "年份", "Year"),
    ("calendar.years", "已覆盖年份", "Years covered"),
    ("nav.cases", "申请与案件", "Cases"),
    ("cases.title", "申请与案件", "Applications and cases"),
    ("cases.apply_hint", "新申请：在家庭页面点击“受理申请”。", "New application: open the household and choose Apply."),
    ("cases.escalated", "超期督办", "Overdue, escalated"),
    ("cases.inbox", "待办案件（按办理时限）", "Open cases by due date"),
    ("cases.none", "没有在办案件。", "No open cases."),
    ("cases.open", "在办", "Open"),
    ("cases.township", "乡镇（街道）", "Township"),
    ("cases.townships", "各乡镇在办案件", "Open cases per township"),
    ("cases.yours", "待我办理", "Waiting for you"),
    ("apply.title", "受理申请（一窗受理）", "New application (one window)"),
    ("apply.applicant", "申请人", "Applicant"),
    ("apply.area", "城乡类别", "Urban or rural"),
    ("apply.cause", "临时救助事由", "Cause of temporary assistance"),
    (
        "apply.declared_relative",
        "申报的近亲属关系（与经办人员或村居委成员）",
        "Declared relation to staff or village cadres",
    ),
    ("apply.income", "家庭月收入与刚性支出（元）", "Monthly income and rigid spending (yuan)"),
    ("apply.kinds", "申请事项", "Programmes applied for"),
    ("apply.materials", "申请材料", "Materials"),
    (
        "apply.materials_hint",
        "勾选已收到的材料；未勾选的将列入一次性告知书。括号内为需要该材料的事项。",
        "Tick what was received; the rest goes on the one-time notice. In brackets: the programmes needing it.",
    ),
    ("apply.note", "备注", "Note"),
    ("apply.other", "其他需求与声明", "Other needs and declarations"),
    ("apply.per_month", "每月", "per month"),
    ("apply.requested", "申请金额（元）", "Amount asked for (yuan)"),
    ("apply.standards", "现行低保标准", "Standards in force"),
    ("apply.submit", "提交申请", "Submit the application"),
    ("apply.temporary", "临时救助", "Temporary assistance"),
    ("case.title", "案件", "Case"),
    ("case.amount", "金额（元）", "Amount (yuan)"),
    ("case.amount_preview", "按现行政策测算月金额", "Monthly amount under the policy in force"),
    ("case.applicant", "申请人", "Applicant"),
    ("case.check_hint", "材料齐全时直接受理。", "Accept when every material is in."),
    ("case.conclusion", "评议结论", "Conclusion"),
    ("case.decision", "决定与金额计算", "Decision and how the amount was derived"),
    ("case.declared", "申报", "Declared"),
    ("case.department", "承办部门", "Department"),
    ("case.detected", "备案库比对", "Found in the register"),
    ("case.documents", "文书", "Documents"),
    ("case.due_soon", "即将到期", "Due soon"),
    ("case.family_signatures", "签字的家庭成员", "Family members who signed"),
    ("case.findings", "调查情况", "Findings"),
    ("case.history", "办理记录", "History"),
    ("case.household", "家庭", "Household"),
    ("case.investigators", "调查人员（不少于2人）", "Investigators (at least two)"),
    ("case.kind", "申请事项", "Programme"),
    ("case.missing", "尚缺材料", "Materials missing"),
    ("case.need", "需求", "Need"),
    ("case.note", "说明", "Note"),
    ("case.overall_due", "总办理时限", "Case due by"),
    ("case.overdue", "已超期", "Overdue"),
    ("case.participants", "参加人员", "Participants"),
    ("case.persons", "人", " persons"),
    ("case.photos", "入户照片", "Survey photos"),
    ("case.public_objections", "群众异议", "Objections from the public"),
    ("case.reason", "理由", "Reasons"),
    ("case.recommend_approve", "建议批准", "Recommend approval"),
    ("case.recommend_reject", "建议不予批准", "Recommend rejection"),
    ("case.referral_status", "转介状态", "Referral status"),
    ("case.referrals", "转介其他部门", "Referrals to other departments"),
    ("case.region", "区划", "Region"),
    ("case.staff_relative", "近亲属备案", "Staff relative"),
    (
        "case.staff_relative_note",
        "申请家庭成员为经办人员或村（居）委会成员的近亲属，已单独登记备案，须由县级入户调查。",
        "A member is a close relative of staff or a village cadre: registered separately, the county must survey the household.",
    ),
    ("case.stage", "办理环节", "Step"),
    ("case.step_due", "本环节时限", "Step due"),
    ("case.steps", "办理", "Steps"),
    ("case.support_mode", "供养方式", "Support"),
    ("case.suspended", "已中止", "Suspended"),
    ("case.verified", "经调查核实", "found by the investigation"),
    ("case.unable", "不能完成的生活自理项目", "Self-care items the person cannot do"),
    ("case.detail.on_behalf", "帮办代办", "On behalf"),
    ("case.detail.missing", "缺少材料", "Missing"),
    ("case.detail.provided", "收到材料", "Received"),
    ("case.detail.policy_versions", "政策版本", "Policy versions"),
    ("case.detail.result_id", "核对报告", "Verification report"),
    ("case.detail.eligible", "核对未发现问题", "No findings"),
    ("case.detail.investigators", "调查人员", "Investigators"),
    ("case.detail.family_signatures", "家庭成员签字", "Signed by"),
    ("case.detail.findings", "情况", "Findings"),
    ("case.detail.photos", "照片", "Photos"),
    ("case.detail.approve", "建议批准", "Recommends approval"),
    ("case.detail.reason", "理由", "Reasons"),
    ("case.detail.participants", "参加人员", "Participants"),
    ("case.detail.conclusion", "结论", "Conclusion"),
    ("case.detail.amount_fen", "金额", "Amount"),
    ("case.detail.notice", "公示", "Notice"),
    ("case.detail.text", "内容", "Text"),
    ("action.check_materials", "审查材料（受理）", "Check materials (accept)"),
    ("action.start_investigation", "开始调查", "Start the investigation"),
    ("action.request_verification", "提请信息核对", "Request verification"),
    ("action.attach_verification", "核对并附报告", "Verify and attach the report"),
    ("action.record_survey", "入户调查", "Home survey"),
    ("action.give_opinion", "初审意见", "Preliminary opinion"),
    ("action.close_notice", "结束公示", "Close the notice"),
    ("action.reinvestigate", "重新调查", "Re-investigate"),
    ("action.democratic_review", "民主评议", "Democratic review"),
    ("action.approve", "批准", "Approve"),
    ("action.reject", "不予批准", "Reject"),
    ("action.return", "退回", "Return"),
    ("action.pay_first", "先行救助", "Pay first"),
    ("action.complete_paperwork", "补办手续完成", "Complete the paperwork"),
    ("action.suspend", "中止（等待申请人）", "Suspend (waiting for the applicant)"),
    ("action.resume", "恢复办理", "Resume"),
    ("action.extend", "延长时限", "Extend the limit"),
    ("action.withdraw", "撤回申请", "Withdraw"),
    ("document.one_time_notice", "一次性告知书", "One-time notice of missing materials"),
    ("document.decision", "审批确认通知书", "Decision notice"),
    ("document.rejection", "不予批准通知书", "Rejection notice"),
    ("notice.review", "初审公示", "Notice of the preliminary review"),
    ("notice.result", "审批结果公布", "Published result"),
    ("policy.entry.dibao_urban", "城市低保标准（元/月）", "Urban standard (yuan a month)"),
    ("policy.entry.dibao_rural", "农村低保标准（元/月）", "Rural standard (yuan a month)"),
    ("policy.entry.min_wage", "上年度最低工资（元/月）", "Prior-year minimum wage (yuan a month)"),
    ("policy.entry.inherit", "沿用上级", "Inherited"),
    (
        "policy.entry.hint",
        "留空的项目沿用上级区划的政策；下表列出全部字段及全国默认值。",
        "Empty settings are inherited from the region above; the table lists every field with its national default.",
    ),
    ("policy.entry.other", "其他字段（JSON，可留空）", "Other fields (JSON, may be empty)"),
    ("policy.error.bad_value", "无法识别：{value}", "Not recognised: {value}"),
    ("policy.assistance.title", "救助政策", "Assistance policy"),
    ("policy.assistance.defaults", "全国默认值", "National defaults"),
    ("policy.assistance.fields", "设置的字段（JSON）", "Fields set (JSON)"),
    ("policy.assistance.new", "新增政策版本", "New policy version"),
    ("policy.assistance.none", "尚无地方政策，使用全国默认值。", "No local policy; the national defaults apply."),
    (
        "policy.assistance.versions",
        "政策版本（下级未设置的字段沿用上级）",
        "Versions (a region inherits what it does not set)",
    ),
    ("public.title", "社会救助公示", "Social assistance notices"),
    ("public.intro", "按村（社区）公示社会救助申请与审批结果。", "Notices of applications and results, by village."),
    ("public.none", "暂无公示。", "No notices."),
    (
        "public.privacy",
        "依法只公示姓名、家庭人口、金额、救助类别和日期，不公开身份证号、电话、住址、健康和收入等个人信息。",
        "Only name, household size, amount, programme and dates are shown, as the law allows; never ID numbers, phones, addresses, health or income.",
    ),
    ("public.name", "申请人", "Applicant"),
    ("public.household_size", "家庭人口", "Household size"),
    ("public.amount", "金额", "Amount"),
    ("public.posted_on", "公示日期", "Posted"),
    ("public.until", "公示截止", "Open until"),
    ("public.objection", "对此公示有异议？请写明事实", "Object to this notice? State the facts"),
    ("public.contact", "联系方式（可不填，不会公开）", "Contact (optional, never published)"),
    ("public.submit", "提交异议", "Submit the objection"),
    ("public.hotline", "也可拨打社会救助服务热线12349。", "Or call the assistance hotline 12349."),
    ("public.objection.thanks", "异议已收到，乡镇将依法调查核实。", "Received; the township will look into it."),
    ("relatives.title", "近亲属备案", "Staff-relatives register"),
    ("relatives.add", "登记备案", "Register"),
    ("relatives.none", "尚无备案。", "No entries."),
    ("relatives.relation", "亲属关系", "Relation"),
    ("relatives.relative_name", "亲属姓名", "Relative"),
    ("relatives.staff_name", "工作人员姓名", "Staff member"),
    ("relatives.staff_post", "岗位", "Post"),
    ("household.region_code", "区划代码", "Region code"),
    ("household.apply", "受理申请", "Apply"),
    ("household.cases", "申请与案件", "Applications and cases"),
];

#[cfg(test)]
mod tests;
