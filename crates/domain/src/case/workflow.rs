//! The state machine of a case: opening it, applying a [`Command`] step by
//! step, the due dates counted in working days, and what a case waits for;
//! and the first month paid after the decision.

use chrono::{DateTime, Days, NaiveDate, TimeDelta, Utc};

use super::{
    Case, Command, Counted, Counting, Ctx, Due, EventKind, NewCase, NoticeWindow, Office, ProvisionalDates, Stage,
    StepKind, Verified, WorkflowError,
};
use crate::assistance::{AmountError, AssistancePolicy, CaseKind, Level, Limits, Material, temp_route};
use crate::calendar::{Calendar, CalendarError};
use crate::money::Fen;

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

    /// The steps the acting office may take now. A step that is possible
    /// here but still lacks something (a survey, a signature) is listed:
    /// trying it names what is missing.
    pub fn steps_now(&self, ctx: &Ctx<'_>) -> Vec<StepKind> {
        StepKind::ALL
            .iter()
            .copied()
            .filter(|kind| match self.apply(&Command::probe(*kind), ctx) {
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
        let action = command.label_key();
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
