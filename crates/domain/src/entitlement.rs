//! Entitlements (待遇): what a decision grants, month by month.
//!
//! An approval does not overwrite the household; it starts an entitlement:
//! who receives (the household, or one member for 单人保 and 特困), the
//! programme, the monthly amount in fen, the first month and the last (open
//! until ended), the decision (case) that granted it and the policy versions
//! it used. Every later change (dynamic management) ends one entitlement and
//! starts the next, so what was owed for any month is a query over
//! entitlements, never a column that a later decision overwrites.
//!
//! The rules:
//! - **One line at a time.** A recipient holds at most one entitlement of a
//!   programme in any month. Starting a new one ends the previous one the
//!   month before the new one's first month ([`EndReason::Changed`]). One
//!   that had not begun by then (a decision corrected in the month it was
//!   taken, a roster enrolment replaced by a decision from the same month)
//!   is replaced before it began: it stays in the history, ended the month
//!   before its own first month, and owes nothing ([`Entitlement::is_void`]).
//! - **Several lines per household.** A household may hold several at once:
//!   its 低保 and a member's 特困 (or 单人保). `policy.md` says nothing about
//!   whether a 特困 member stays counted in the household's 低保, so both are
//!   kept and both are owed; whether the household's 低保 amount should be
//!   recomputed without that member is a decision a later 低保 review takes
//!   (and records as a change), not something an approval does silently.
//! - **Whole months.** An entitlement owes its full monthly amount for every
//!   month from its first through its last, both included. The first month of
//!   a monthly programme is the month after approval unless the region's
//!   policy says the month of the application or of the approval
//!   ([`first_month`]; S2 art. 21; S3 art. 17).
//! - **Ending** sets the last month (never before the first, never later than
//!   a last month already set) and says why ([`EndReason`]).
//!
//! [`owed`] answers what a household is owed for a month, entitlement by
//! entitlement (the lines a payment roll of issue 12 pays), and
//! [`monthly_totals`] the totals of each month of a range.

use std::fmt;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::household::Program;
use crate::i18n::{Lang, Message};
use crate::money::Fen;
use crate::policy::FirstPayment;

/// A calendar month (`2026-04`); stored as the integer `202604` (the
/// 补贴期号 of a payment roll), shown as `2026年4月`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct YearMonth {
    year: i32,
    month: u32,
}

impl YearMonth {
    /// A month of the years 1900–9999.
    pub fn new(year: i32, month: u32) -> Option<YearMonth> {
        ((1900..=9999).contains(&year) && (1..=12).contains(&month)).then_some(YearMonth { year, month })
    }

    /// The month a date falls in.
    pub fn of(date: NaiveDate) -> YearMonth {
        YearMonth { year: date.year(), month: date.month() }
    }

    /// From the stored integer `YYYYMM`.
    pub fn from_yyyymm(n: i64) -> Option<YearMonth> {
        let year = i32::try_from(n / 100).ok()?;
        let month = u32::try_from(n % 100).ok()?;
        YearMonth::new(year, month)
    }

    /// The stored integer `YYYYMM` (`202604`).
    pub fn yyyymm(self) -> i64 {
        i64::from(self.year) * 100 + i64::from(self.month)
    }

    pub fn year(self) -> i32 {
        self.year
    }

    pub fn month(self) -> u32 {
        self.month
    }

    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).unwrap_or(NaiveDate::MIN)
    }

    pub fn next(self) -> YearMonth {
        if self.month == 12 {
            YearMonth { year: self.year + 1, month: 1 }
        } else {
            YearMonth { year: self.year, month: self.month + 1 }
        }
    }

    pub fn prev(self) -> YearMonth {
        if self.month == 1 {
            YearMonth { year: self.year - 1, month: 12 }
        } else {
            YearMonth { year: self.year, month: self.month - 1 }
        }
    }

    /// The month `n` months later (earlier when negative).
    pub fn plus(self, n: i32) -> YearMonth {
        let index = self.year * 12 + self.month as i32 - 1 + n;
        YearMonth { year: index.div_euclid(12), month: index.rem_euclid(12) as u32 + 1 }
    }

    /// Every month from `self` through `last`, both included (none if
    /// `last` is earlier).
    pub fn through(self, last: YearMonth) -> impl Iterator<Item = YearMonth> {
        std::iter::successors(Some(self), |m| Some(m.next())).take_while(move |m| *m <= last)
    }

    /// Reads `2026-04`, `2026-4`, `202604`, `2026/04`, `2026年4月`.
    pub fn parse(raw: &str) -> Option<YearMonth> {
        let s = crate::text::clean(raw);
        let s = s.trim().trim_end_matches('月');
        if s.len() == 6 && s.bytes().all(|b| b.is_ascii_digit()) {
            return YearMonth::from_yyyymm(s.parse().ok()?);
        }
        let (y, m) = s.split_once(['-', '/', '.', '年'])?;
        let year = y.trim().parse().ok()?;
        let month = m.trim().parse().ok()?;
        YearMonth::new(year, month)
    }

    /// `2026年4月` or `2026-04`.
    pub fn label(self, lang: Lang) -> String {
        match lang {
            Lang::Zh => format!("{}年{}月", self.year, self.month),
            Lang::En => self.to_string(),
        }
    }
}

impl fmt::Display for YearMonth {
    /// `2026-04`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{:02}", self.year, self.month)
    }
}

impl From<YearMonth> for String {
    fn from(m: YearMonth) -> String {
        m.to_string()
    }
}

impl TryFrom<String> for YearMonth {
    type Error = String;
    fn try_from(s: String) -> Result<YearMonth, String> {
        YearMonth::parse(&s).ok_or_else(|| format!("not a month: {s}"))
    }
}

/// The first month an approval owes, by the region's rule (`payments.md`:
/// the month after approval by default; the month of the application or of
/// the approval are local choices).
pub fn first_month(rule: FirstPayment, applied_on: NaiveDate, decided_on: NaiveDate) -> YearMonth {
    match rule {
        FirstPayment::ApplicationMonth => YearMonth::of(applied_on),
        FirstPayment::ApprovalMonth => YearMonth::of(decided_on),
        FirstPayment::NextMonth => YearMonth::of(decided_on).next(),
    }
}

/// Who receives an entitlement: the whole household (低保), or one member
/// (单人保, 特困), by the member's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "person")]
pub enum Recipient {
    Household,
    Person(i64),
}

impl Recipient {
    /// The stored member id, none for the household.
    pub fn person(self) -> Option<i64> {
        match self {
            Recipient::Household => None,
            Recipient::Person(id) => Some(id),
        }
    }
}

labeled_enum! {
    /// Why an entitlement ended.
    EndReason {
        Changed = "changed" ["待遇变更"],
        Stopped = "stopped" ["停止救助", "停保"],
        Death = "death" ["死亡"],
        MovedAway = "moved_away" ["迁出"],
        Withdrawn = "withdrawn" ["申请退出", "自愿退出"]
    }
}

/// One entitlement as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entitlement {
    pub id: i64,
    /// The household it belongs to (a member's entitlement too).
    pub household: i64,
    pub recipient: Recipient,
    pub program: Program,
    pub monthly: Fen,
    pub first: YearMonth,
    /// The last month owed; none while it runs.
    pub last: Option<YearMonth>,
    /// The case whose decision granted it (none for enrolments migrated
    /// from the registry without a case).
    pub decision: Option<i64>,
    /// The policy versions the decision used.
    pub policy_versions: Vec<i64>,
    /// Why it ended; none while it runs (or runs to a planned last month).
    pub ended: Option<EndReason>,
}

impl Entitlement {
    /// Owed for this month.
    pub fn covers(&self, month: YearMonth) -> bool {
        self.first <= month && self.last.is_none_or(|last| month <= last)
    }

    /// Replaced before it began: owes no month.
    pub fn is_void(&self) -> bool {
        self.last.is_some_and(|last| last < self.first)
    }

    /// Still owed in this month or later (current or yet to start); the
    /// others are past.
    pub fn is_current(&self, month: YearMonth) -> bool {
        self.last.is_none_or(|last| month <= last)
    }

    /// The same recipient and programme: at most one of a line in a month.
    pub fn same_line(&self, household: i64, recipient: Recipient, program: Program) -> bool {
        self.program == program
            && self.recipient == recipient
            && (recipient != Recipient::Household || self.household == household)
    }

    /// The catalogue key of the programme as people name it: a person's
    /// 低保 is 单人保.
    pub fn program_key(&self) -> &'static str {
        program_key(self.program, self.recipient)
    }

    /// This entitlement once `ending` is applied.
    pub fn ended_by(mut self, ending: &Ending) -> Entitlement {
        if ending.id == self.id {
            self.last = Some(ending.last);
            self.ended = Some(ending.reason);
        }
        self
    }
}

/// The catalogue key of a programme held by a recipient.
pub fn program_key(program: Program, recipient: Recipient) -> &'static str {
    match (program, recipient) {
        (Program::Dibao, Recipient::Household) => "CaseKind.dibao",
        (Program::Dibao, Recipient::Person(_)) => "CaseKind.dibao_individual",
        (Program::Tekun, _) => "CaseKind.tekun",
        (other, _) => other.message_key(),
    }
}

/// What a decision grants: an entitlement before it is stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grant {
    pub household: i64,
    pub recipient: Recipient,
    pub program: Program,
    pub monthly: Fen,
    pub first: YearMonth,
    pub decision: Option<i64>,
    pub policy_versions: Vec<i64>,
}

/// An entitlement to end: its last month and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ending {
    pub id: i64,
    pub last: YearMonth,
    pub reason: EndReason,
}

/// What starting a grant does: end these, then store the grant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Start {
    pub endings: Vec<Ending>,
    pub grant: Grant,
}

/// Why a start or an end is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum EntitlementError {
    #[error("negative monthly amount")]
    NegativeAmount,
    #[error("already ended")]
    AlreadyEnded,
    #[error("last month {last} before the first month {first}")]
    EndsBeforeStart { first: YearMonth, last: YearMonth },
    #[error("last month {last} after the planned last month {planned}")]
    EndsAfterPlanned { planned: YearMonth, last: YearMonth },
}

impl EntitlementError {
    /// The problem in the user's language.
    pub fn message(&self) -> Message {
        match self {
            EntitlementError::NegativeAmount => Message::new("entitlement.error.negative"),
            EntitlementError::AlreadyEnded => Message::new("entitlement.error.already_ended"),
            EntitlementError::EndsBeforeStart { first, .. } => {
                Message::new("entitlement.error.ends_before_start").arg("first", first.label(Lang::Zh))
            }
            EntitlementError::EndsAfterPlanned { planned, .. } => {
                Message::new("entitlement.error.ends_after_planned").arg("planned", planned.label(Lang::Zh))
            }
        }
    }
}

/// Starts `grant` among `existing` (at least the entitlements of its
/// recipient; others are ignored): every entitlement of the same line still
/// owed in or after the grant's first month ends the month before
/// ([`EndReason::Changed`]); one that had not begun by then ends before its
/// own first month (replaced before it began).
pub fn start(existing: &[Entitlement], grant: Grant) -> Result<Start, EntitlementError> {
    if grant.monthly < Fen::ZERO {
        return Err(EntitlementError::NegativeAmount);
    }
    let mut endings = Vec::new();
    for e in existing.iter().filter(|e| e.same_line(grant.household, grant.recipient, grant.program)) {
        if !e.is_current(grant.first) {
            continue;
        }
        let last = if e.first < grant.first { grant.first.prev() } else { e.first.prev() };
        endings.push(Ending { id: e.id, last, reason: EndReason::Changed });
    }
    Ok(Start { endings, grant })
}

/// Ends `e` with `last` as its last month owed.
pub fn end(e: &Entitlement, last: YearMonth, reason: EndReason) -> Result<Ending, EntitlementError> {
    if e.ended.is_some() {
        return Err(EntitlementError::AlreadyEnded);
    }
    if last < e.first {
        return Err(EntitlementError::EndsBeforeStart { first: e.first, last });
    }
    if let Some(planned) = e.last.filter(|planned| last > *planned) {
        return Err(EntitlementError::EndsAfterPlanned { planned, last });
    }
    Ok(Ending { id: e.id, last, reason })
}

/// What the household is owed for `month`: each entitlement of the household
/// (its own and its members') covering the month, with its amount.
pub fn owed(entitlements: &[Entitlement], household: i64, month: YearMonth) -> Vec<(&Entitlement, Fen)> {
    entitlements.iter().filter(|e| e.household == household && e.covers(month)).map(|e| (e, e.monthly)).collect()
}

/// One month of a household's history of what was owed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonthOwed {
    pub month: YearMonth,
    pub total: Fen,
    /// How many entitlements it sums.
    pub lines: u32,
}

/// What the household was owed for each month from `from` through `to`.
pub fn monthly_totals(entitlements: &[Entitlement], household: i64, from: YearMonth, to: YearMonth) -> Vec<MonthOwed> {
    from.through(to)
        .map(|month| {
            let lines = owed(entitlements, household, month);
            let total = Fen(lines.iter().map(|(_, fen)| fen.0).sum());
            MonthOwed { month, total, lines: u32::try_from(lines.len()).unwrap_or(u32::MAX) }
        })
        .collect()
}

/// A household history entry about an entitlement, stored as its JSON in
/// the history's detail and read as a sentence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "event")]
pub enum EntitlementEvent {
    Started {
        program: Program,
        /// The member's name; none: the whole household.
        recipient: Option<String>,
        monthly: Fen,
        first: YearMonth,
        /// The case whose decision granted it.
        decision: Option<i64>,
    },
    Ended {
        program: Program,
        recipient: Option<String>,
        last: YearMonth,
        reason: EndReason,
    },
}

impl EntitlementEvent {
    /// The history action of a start.
    pub const STARTED: &'static str = "entitlement_started";
    /// The history action of an end.
    pub const ENDED: &'static str = "entitlement_ended";

    /// The history action this event is recorded under.
    pub fn action(&self) -> &'static str {
        match self {
            EntitlementEvent::Started { .. } => EntitlementEvent::STARTED,
            EntitlementEvent::Ended { .. } => EntitlementEvent::ENDED,
        }
    }

    /// The event as a sentence: `最低生活保障（全户），每月1,260.00元，自2026年1月起`.
    pub fn render(&self, lang: Lang) -> String {
        use crate::i18n::{t, tf};
        let who = |program: Program, recipient: &Option<String>| {
            let key =
                program_key(program, if recipient.is_some() { Recipient::Person(0) } else { Recipient::Household });
            let name = recipient.clone().unwrap_or_else(|| t(lang, "entitlement.recipient.household").to_string());
            (t(lang, key), name)
        };
        match self {
            EntitlementEvent::Started { program, recipient, monthly, first, .. } => {
                let (program, name) = who(*program, recipient);
                let args = [
                    ("program", program),
                    ("recipient", name.as_str()),
                    ("amount", &monthly.to_string()),
                    ("first", &first.label(lang)),
                ];
                tf(lang, "entitlement.event.started", &args)
            }
            EntitlementEvent::Ended { program, recipient, last, reason } => {
                let (program, name) = who(*program, recipient);
                let args = [
                    ("program", program),
                    ("recipient", name.as_str()),
                    ("last", &last.label(lang)),
                    ("reason", reason.label(lang)),
                ];
                tf(lang, "entitlement.event.ended", &args)
            }
        }
    }
}

/// The texts of entitlements (part of the one catalogue).
pub static MESSAGES: &[(&str, &str, &str)] = &[
    ("EndReason.changed", "待遇变更", "Changed by a later decision"),
    ("EndReason.stopped", "停止救助", "Assistance stopped"),
    ("EndReason.death", "死亡", "Death"),
    ("EndReason.moved_away", "户籍迁出", "Moved away"),
    ("EndReason.withdrawn", "本人申请退出", "Withdrawn at the recipient's request"),
    ("entitlement.title", "救助待遇", "Entitlements"),
    ("entitlement.current", "现享受待遇", "Current entitlements"),
    ("entitlement.past", "历史待遇", "Past entitlements"),
    ("entitlement.none", "暂无救助待遇。", "No entitlements."),
    ("entitlement.program", "救助类别", "Programme"),
    ("entitlement.recipient", "享受对象", "Recipient"),
    ("entitlement.recipient.household", "全户", "Whole household"),
    ("entitlement.monthly", "月救助金额", "Monthly amount"),
    ("entitlement.period", "享受期间", "Period"),
    ("entitlement.period.open", "{first}至今", "{first} to date"),
    ("entitlement.period.closed", "{first}至{last}", "{first} to {last}"),
    ("entitlement.period.void", "自{first}起，起始前已被替代", "From {first}, replaced before it began"),
    ("entitlement.decision", "审批决定", "Decision"),
    ("entitlement.decision.case", "案件{id}审批决定", "Decision of case {id}"),
    ("entitlement.decision.none", "原有在册", "Enrolled before cases were kept"),
    ("entitlement.ended", "终止原因", "Why it ended"),
    ("history.action.entitlement_started", "救助待遇开始", "Entitlement started"),
    ("history.action.entitlement_ended", "救助待遇终止", "Entitlement ended"),
    (
        "entitlement.event.started",
        "{program}（{recipient}），每月{amount}，自{first}起",
        "{program} ({recipient}), {amount} a month from {first}",
    ),
    (
        "entitlement.event.ended",
        "{program}（{recipient}）发放至{last}止，原因：{reason}",
        "{program} ({recipient}) owed through {last}; reason: {reason}",
    ),
    ("entitlement.error.range", "月份范围无效（最多十年）", "Not a valid range of months (ten years at most)"),
    (
        "entitlement.error.open_twice",
        "该对象已有正在享受的同类待遇",
        "The recipient already has this programme running",
    ),
    ("entitlement.error.negative", "月救助金额不能为负数", "The monthly amount cannot be negative"),
    ("entitlement.error.already_ended", "该待遇已终止", "This entitlement has already ended"),
    (
        "entitlement.error.ends_before_start",
        "终止月份不能早于待遇起始月份（{first}）",
        "The last month cannot be before the first month ({first})",
    ),
    (
        "entitlement.error.ends_after_planned",
        "终止月份不能晚于已定的截止月份（{planned}）",
        "The last month cannot be after the planned last month ({planned})",
    ),
];

#[cfg(test)]
mod tests;
