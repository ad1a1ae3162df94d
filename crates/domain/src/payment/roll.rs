//! The monthly roll (发放花名册, `payments.md`): what a month owes each
//! payee, the roll's lines, its states and the two-person rule.
//!
//! - **The payee line.** A payee is the household (its line is paid in the
//!   head's name) or one member (单人保, 特困); with the programme it is one
//!   line of payment ([`PayeeKey`]). Its code `h<household>` / `p<person>` is
//!   what the store's claims are keyed by.
//! - **What a month owes.** Every entitlement covering the month owes its
//!   monthly amount ([`owed_months`]). An amount changed by a decision is a
//!   new entitlement, so months before the change are owed at the old amount
//!   and months after at the new one, month by month.
//! - **Composing a roll** ([`compose`]): for the roll's month `M`, every
//!   month from the first month the system pays (`paid_from`) through `M`
//!   that an entitlement owes and that is neither claimed by a live line
//!   (approved, sent or paid) nor held (a failed payment whose correction is
//!   still open) is due. The month `M` itself is the payee's current line;
//!   earlier months make one back-pay (补发) line naming its months, summed
//!   at each month's amount. Nothing before `paid_from` is back-paid: the
//!   months before the system paid were paid outside it. The app takes
//!   `paid_from` as the month of the region's first regular roll (the roll
//!   being made, when it is the first), so the first roll pays its own month
//!   only and every later roll pays back what it missed since. Amounts are
//!   never negative: a month that should not have been paid is recovered
//!   (追回), never netted against a line.
//! - **Deaths.** The last month owed after a death is the month of death by
//!   default, or the month before ([`DeathLastMonth`], a policy setting;
//!   [`last_month_after_death`]).
//! - **States** ([`RollState`]): draft → approved (frozen) → exported →
//!   closed. A draft may be regenerated; approval is by a different person
//!   from the preparer ([`approve`]).
//! - **Checking a draft**: totals ([`Totals`]) and the differences from last
//!   month's roll ([`differences`]: new, stopped, changed amount, back-pay).

use std::collections::{BTreeMap, HashSet};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::entitlement::{Entitlement, Recipient, YearMonth};
use crate::household::Program;
use crate::i18n::{Message, Part};
use crate::money::Fen;

pub use messages::MESSAGES;

mod messages;
#[cfg(test)]
mod tests;

labeled_enum! {
    /// The programmes a roll pays.
    ProgramGroup {
        All = "all" ["全部", "全部项目"],
        Dibao = "dibao" ["低保", "最低生活保障"],
        Tekun = "tekun" ["特困", "特困供养"]
    }
}

impl ProgramGroup {
    /// The entitlement programmes of the group.
    pub fn programs(self) -> &'static [Program] {
        match self {
            ProgramGroup::All => &[Program::Dibao, Program::Tekun],
            ProgramGroup::Dibao => &[Program::Dibao],
            ProgramGroup::Tekun => &[Program::Tekun],
        }
    }

    pub fn includes(self, program: Program) -> bool {
        self.programs().contains(&program)
    }
}

labeled_enum! {
    /// A month's regular roll, or a supplementary one (corrections of failed
    /// payments paid before the next month's roll).
    RollKind {
        Regular = "regular" ["正常发放"],
        Supplementary = "supplementary" ["补充发放"]
    }
}

labeled_enum! {
    /// Where a roll stands.
    RollState {
        Draft = "draft" ["草稿", "待审批"],
        Approved = "approved" ["已审批"],
        Exported = "exported" ["已导出"],
        Closed = "closed" ["已结束"]
    }
}

labeled_enum! {
    /// A line for the roll's month, or back-pay (补发) of earlier months.
    LineKind {
        Current = "current" ["当月"],
        Backpay = "backpay" ["补发"]
    }
}

labeled_enum! {
    /// What became of a line: waiting for the bank, paid, failed (with the
    /// bank's reason), or not sent because the payee has no account recorded
    /// (its months stay owed and are paid back once one is).
    LineResult {
        Pending = "pending" ["待发放"],
        Paid = "paid" ["成功", "已发放"],
        Failed = "failed" ["失败", "发放失败"],
        NoAccount = "no_account" ["未登记账户"]
    }
}

labeled_enum! {
    /// The last month owed after a recipient's death (a policy setting).
    DeathLastMonth {
        MonthOfDeath = "month_of_death" ["死亡当月"],
        MonthBefore = "month_before" ["死亡上月", "死亡前一月"]
    }
}

/// The last month owed to someone who died on `died_on`.
pub fn last_month_after_death(rule: DeathLastMonth, died_on: NaiveDate) -> YearMonth {
    match rule {
        DeathLastMonth::MonthOfDeath => YearMonth::of(died_on),
        DeathLastMonth::MonthBefore => YearMonth::of(died_on).prev(),
    }
}

/// Who is paid: a household (in the head's name) or one member.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "id")]
pub enum Payee {
    Household(i64),
    Person(i64),
}

impl Payee {
    /// The payee of an entitlement.
    pub fn of(e: &Entitlement) -> Payee {
        match e.recipient {
            Recipient::Household => Payee::Household(e.household),
            Recipient::Person(id) => Payee::Person(id),
        }
    }

    /// The stored key: `h<household id>` or `p<person id>`.
    pub fn code(self) -> String {
        match self {
            Payee::Household(id) => format!("h{id}"),
            Payee::Person(id) => format!("p{id}"),
        }
    }

    /// Reads a stored key.
    pub fn parse(code: &str) -> Option<Payee> {
        let (kind, id) = code.split_at_checked(1)?;
        let id = id.parse().ok()?;
        match kind {
            "h" => Some(Payee::Household(id)),
            "p" => Some(Payee::Person(id)),
            _ => None,
        }
    }
}

/// One line of payment: a payee and a programme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PayeeKey {
    pub payee: Payee,
    pub program: Program,
}

impl Ord for PayeeKey {
    /// By payee, then programme code.
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.payee, self.program.code()).cmp(&(other.payee, other.program.code()))
    }
}

impl PartialOrd for PayeeKey {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl PayeeKey {
    pub fn of(e: &Entitlement) -> PayeeKey {
        PayeeKey { payee: Payee::of(e), program: e.program }
    }
}

/// One month owed, by the entitlement that owes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct MonthDue {
    pub month: YearMonth,
    pub fen: Fen,
    pub entitlement: i64,
}

/// The months `e` owes from `from` through `to` (none if void).
pub fn owed_months(e: &Entitlement, from: YearMonth, to: YearMonth) -> Vec<MonthDue> {
    let first = e.first.max(from);
    let last = e.last.map_or(to, |last| last.min(to));
    first.through(last).map(|month| MonthDue { month, fen: e.monthly, entitlement: e.id }).collect()
}

/// A (payee, programme, month) already paid or on its way: claimed by a
/// live line, or held while a failed payment's correction is open.
pub type Taken = HashSet<(PayeeKey, YearMonth)>;

/// What a roll asks to compose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Compose {
    /// The roll's month (补贴期号).
    pub month: YearMonth,
    /// The first month the system pays; earlier months are not back-paid.
    pub paid_from: YearMonth,
    pub group: ProgramGroup,
}

/// A line of a roll being composed: the months it pays.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DraftLine {
    pub key: PayeeKey,
    /// The household the payee belongs to (its own for a household line).
    pub household: i64,
    pub kind: LineKind,
    /// Oldest first, never empty.
    pub months: Vec<MonthDue>,
}

impl DraftLine {
    pub fn amount(&self) -> Fen {
        Fen(self.months.iter().map(|m| m.fen.0).sum())
    }

    pub fn first(&self) -> YearMonth {
        self.months.first().map_or(YearMonth::of(NaiveDate::MIN), |m| m.month)
    }

    pub fn last(&self) -> YearMonth {
        self.months.last().map_or(YearMonth::of(NaiveDate::MIN), |m| m.month)
    }

    /// The entitlement of the latest month paid.
    pub fn entitlement(&self) -> i64 {
        self.months.last().map_or(0, |m| m.entitlement)
    }
}

/// The lines of a roll: for every payee line of the group, the current
/// month's line and one back-pay line, from the entitlements owing months
/// from `paid_from` through the roll's month that are not `taken`. Lines
/// are ordered by household, payee, programme, current before back-pay.
///
/// The entitlements of one payee line must not overlap (the entitlement
/// rules keep one at a time); a zero amount is a line of 0 (the month is
/// owed and claimed), never a negative one.
pub fn compose(ask: Compose, entitlements: &[Entitlement], taken: &Taken) -> Vec<DraftLine> {
    // Current (0) before back-pay (1).
    let mut lines: BTreeMap<(i64, PayeeKey, u8), Vec<MonthDue>> = BTreeMap::new();
    if ask.paid_from > ask.month {
        return Vec::new();
    }
    for e in entitlements.iter().filter(|e| ask.group.includes(e.program)) {
        let key = PayeeKey::of(e);
        for due in owed_months(e, ask.paid_from, ask.month) {
            if taken.contains(&(key, due.month)) {
                continue;
            }
            let kind = u8::from(due.month != ask.month);
            lines.entry((e.household, key, kind)).or_default().push(due);
        }
    }
    lines
        .into_iter()
        .map(|((household, key, kind), mut months)| {
            months.sort();
            let kind = if kind == 0 { LineKind::Current } else { LineKind::Backpay };
            DraftLine { key, household, kind, months }
        })
        .collect()
}

/// What composing `lines` takes: each month paid.
pub fn taken_by(lines: &[DraftLine]) -> Taken {
    lines.iter().flat_map(|l| l.months.iter().map(move |m| (l.key, m.month))).collect()
}

/// A count of lines and their total.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    pub lines: u64,
    pub amount: Fen,
}

impl Totals {
    pub fn add(&mut self, amount: Fen) {
        self.lines += 1;
        self.amount = Fen(self.amount.0 + amount.0);
    }
}

/// Totals of `lines` grouped by `by` (programme, township…).
pub fn totals_by<K: Ord>(lines: &[DraftLine], by: impl Fn(&DraftLine) -> K) -> BTreeMap<K, Totals> {
    let mut out: BTreeMap<K, Totals> = BTreeMap::new();
    for l in lines {
        out.entry(by(l)).or_default().add(l.amount());
    }
    out
}

/// How a payee line differs from last month's roll.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "change")]
pub enum Difference {
    /// Paid this month, not last month.
    New { key: PayeeKey, amount: Fen },
    /// Paid last month, not this month.
    Stopped { key: PayeeKey, amount: Fen },
    /// Paid both months, a different amount.
    Changed { key: PayeeKey, from: Fen, to: Fen },
    /// Back-pay of `months` months.
    Backpay { key: PayeeKey, months: u32, amount: Fen },
}

impl Difference {
    pub fn key(&self) -> PayeeKey {
        match self {
            Difference::New { key, .. }
            | Difference::Stopped { key, .. }
            | Difference::Changed { key, .. }
            | Difference::Backpay { key, .. } => *key,
        }
    }

    /// The difference in words (without the payee).
    pub fn message(&self) -> Message {
        match self {
            Difference::New { amount, .. } => Message::new("payment.roll.diff.new").arg("amount", amount.to_string()),
            Difference::Stopped { amount, .. } => {
                Message::new("payment.roll.diff.stopped").arg("amount", amount.to_string())
            }
            Difference::Changed { from, to, .. } => {
                Message::new("payment.roll.diff.changed").arg("from", from.to_string()).arg("to", to.to_string())
            }
            Difference::Backpay { months, amount, .. } => Message::new("payment.roll.diff.backpay")
                .arg("months", months.to_string())
                .arg("amount", amount.to_string()),
        }
    }
}

/// The differences between last month's current lines (`previous`: each
/// payee line with its amount) and this roll's `lines`, ordered by payee.
pub fn differences(previous: &[(PayeeKey, Fen)], lines: &[DraftLine]) -> Vec<Difference> {
    let before: BTreeMap<PayeeKey, Fen> = previous.iter().copied().collect();
    let now: BTreeMap<PayeeKey, Fen> =
        lines.iter().filter(|l| l.kind == LineKind::Current).map(|l| (l.key, l.amount())).collect();
    let mut out = Vec::new();
    for (key, amount) in &now {
        match before.get(key) {
            None => out.push(Difference::New { key: *key, amount: *amount }),
            Some(from) if from != amount => out.push(Difference::Changed { key: *key, from: *from, to: *amount }),
            Some(_) => {}
        }
    }
    for (key, amount) in &before {
        if !now.contains_key(key) {
            out.push(Difference::Stopped { key: *key, amount: *amount });
        }
    }
    for l in lines.iter().filter(|l| l.kind == LineKind::Backpay) {
        let months = u32::try_from(l.months.len()).unwrap_or(u32::MAX);
        out.push(Difference::Backpay { key: l.key, months, amount: l.amount() });
    }
    out.sort_by_key(|d| (d.key(), *d));
    out
}

/// Why a roll's step is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RollError {
    #[error("the preparer may not approve the roll")]
    SamePerson,
    #[error("the roll is {0:?}, not a draft")]
    NotDraft(RollState),
    #[error("the roll is {0:?}, not approved")]
    NotApproved(RollState),
    #[error("the roll has no line to pay")]
    Empty,
    #[error("the roll's return is in; it is closed")]
    Closed,
}

impl RollError {
    pub fn message(&self) -> Message {
        match self {
            RollError::SamePerson => Message::new("payment.roll.error.same_person"),
            RollError::NotDraft(state) => {
                Message::new("payment.roll.error.not_draft").part("state", Part::Label(state.message_key()))
            }
            RollError::NotApproved(state) => {
                Message::new("payment.roll.error.not_approved").part("state", Part::Label(state.message_key()))
            }
            RollError::Empty => Message::new("payment.roll.error.empty"),
            RollError::Closed => Message::new("payment.roll.error.closed"),
        }
    }
}

/// The first month a roll may pay back: the month of the region's first
/// regular roll (`first_regular`, its own region or one containing it or
/// inside it), so nothing from before the system paid there is paid back;
/// the roll's own month for the region's first roll, or for a roll of a
/// month before it.
pub fn paid_from(first_regular: Option<YearMonth>, month: YearMonth) -> YearMonth {
    first_regular.map_or(month, |first| first.min(month))
}

/// A draft may be regenerated (its lines made anew); nothing else may.
pub fn may_regenerate(state: RollState) -> Result<(), RollError> {
    match state {
        RollState::Draft => Ok(()),
        other => Err(RollError::NotDraft(other)),
    }
}

/// Approving a draft of `lines` payable lines prepared by `prepared_by`:
/// the approver must be someone else (the two-person rule). The roll is
/// then frozen.
pub fn approve(state: RollState, prepared_by: &str, approver: &str, lines: u64) -> Result<RollState, RollError> {
    may_regenerate(state)?;
    if prepared_by == approver {
        return Err(RollError::SamePerson);
    }
    if lines == 0 {
        return Err(RollError::Empty);
    }
    Ok(RollState::Approved)
}

/// The bank file is exported from an approved (or already exported) roll
/// only; exporting again gives the same bytes. Once the bank's return is
/// in, no payable file leaves the system again: a copy sent to the bank
/// would be paid with no return to reconcile it.
pub fn export(state: RollState) -> Result<RollState, RollError> {
    match state {
        RollState::Approved | RollState::Exported => Ok(RollState::Exported),
        RollState::Closed => Err(RollError::Closed),
        other => Err(RollError::NotApproved(other)),
    }
}

/// A roll is closed once exported (its returns reconciled).
pub fn close(state: RollState) -> Result<RollState, RollError> {
    match state {
        RollState::Exported => Ok(RollState::Closed),
        other => Err(RollError::NotApproved(other)),
    }
}
