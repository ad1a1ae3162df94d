//! Recovery of overpayment (追回, issue 12 point 5): when a decision or a
//! death makes months already paid not owed (or owed less), what is to be
//! recovered, from whom, and how it is settled.
//!
//! The rules:
//! - **What was overpaid** is computed month by month for one payee line
//!   (a household's own entitlement, or one member's): what each paid month
//!   now owes by the entitlements (after the decision or the death ended or
//!   changed them) against what was paid for it. Only the excess is
//!   recovered; a month paid less than it owes is the roll's back-pay, never
//!   a recovery.
//! - **Never a negative payment line.** A recovery is its own record. It is
//!   settled by repayment, by an offset against later payments where the
//!   region's policy allows it (each offset takes at most the later line's
//!   amount, so the line paid is never below zero), or written off with a
//!   reason; settlements never exceed what is outstanding.

use serde::{Deserialize, Serialize};

use crate::entitlement::{Entitlement, Recipient, YearMonth};
use crate::household::Program;
use crate::i18n::Message;
use crate::money::Fen;
use crate::payment::roll::{LineResult, PayeeKey, RollState};

labeled_enum! {
    /// Why months already paid are no longer owed.
    RecoveryCause {
        Decision = "decision" ["决定变更", "停保", "调减"],
        Death = "death" ["死亡"],
        Error = "error" ["错发", "重复发放"]
    }
}

labeled_enum! {
    /// How a recovery is settled.
    SettlementKind {
        Repaid = "repaid" ["退回", "已退回", "缴回"],
        Offset = "offset" ["抵扣", "冲抵"],
        WrittenOff = "written_off" ["核销"]
    }
}

/// A payee line: the household's own entitlement of a programme, or one
/// member's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PayeeLine {
    pub household: i64,
    pub recipient: Recipient,
    pub program: Program,
}

impl PayeeLine {
    /// What the entitlements owe this line for `month` (at most one of a
    /// line covers a month; a sum all the same).
    pub fn owed(&self, entitlements: &[Entitlement], month: YearMonth) -> Fen {
        Fen(entitlements
            .iter()
            .filter(|e| e.same_line(self.household, self.recipient, self.program) && e.covers(month))
            .map(|e| e.monthly.0)
            .sum())
    }
}

/// A month paid to a line, with what it now owes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Overpaid {
    pub month: YearMonth,
    pub paid: Fen,
    pub owed: Fen,
}

impl Overpaid {
    /// Paid beyond what is owed.
    pub fn excess(&self) -> Fen {
        Fen(self.paid.0 - self.owed.0)
    }
}

/// What a line was overpaid: the months paid more than they now owe, and
/// the sum to recover.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecoveryPlan {
    pub line: PayeeLine,
    pub months: Vec<Overpaid>,
    pub amount: Fen,
}

/// The months of `paid` (month, amount paid for it; several payments of one
/// month are added) that the line's entitlements now owe less than was paid,
/// in month order; none when nothing was overpaid.
pub fn overpaid(line: PayeeLine, entitlements: &[Entitlement], paid: &[(YearMonth, Fen)]) -> Option<RecoveryPlan> {
    let mut by_month: std::collections::BTreeMap<YearMonth, i64> = std::collections::BTreeMap::new();
    for (month, fen) in paid {
        *by_month.entry(*month).or_default() += fen.0;
    }
    let months: Vec<Overpaid> = by_month
        .into_iter()
        .map(|(month, paid)| Overpaid { month, paid: Fen(paid), owed: line.owed(entitlements, month) })
        .filter(|o| o.excess() > Fen::ZERO)
        .collect();
    let amount = Fen(months.iter().map(|o| o.excess().0).sum());
    (amount > Fen::ZERO).then_some(RecoveryPlan { line, months, amount })
}

impl RecoveryPlan {
    /// The plan less what recoveries already recorded took of each month
    /// (month, excess recorded): a month is recovered once, so finding
    /// again after a recovery was recorded finds only a later change; none
    /// when nothing is left.
    pub fn less_recorded(self, recorded: &[(YearMonth, Fen)]) -> Option<RecoveryPlan> {
        let mut taken: std::collections::BTreeMap<YearMonth, i64> = std::collections::BTreeMap::new();
        for (month, fen) in recorded {
            *taken.entry(*month).or_default() += fen.0;
        }
        let months: Vec<Overpaid> = self
            .months
            .into_iter()
            .map(|o| {
                let before = taken.get(&o.month).copied().unwrap_or(0);
                Overpaid { owed: Fen(o.owed.0 + before), ..o }
            })
            .filter(|o| o.excess() > Fen::ZERO)
            .collect();
        let amount = Fen(months.iter().map(|o| o.excess().0).sum());
        (amount > Fen::ZERO).then_some(RecoveryPlan { line: self.line, months, amount })
    }
}

/// The cause of an overpayment as the line's entitlements tell it: a death
/// when the last of them ended by the recipient's death, otherwise a
/// decision.
pub fn cause_of(line: PayeeLine, entitlements: &[Entitlement]) -> RecoveryCause {
    let last = entitlements
        .iter()
        .filter(|e| e.same_line(line.household, line.recipient, line.program) && !e.is_void())
        .max_by_key(|e| (e.first, e.id));
    match last.and_then(|e| e.ended) {
        Some(crate::entitlement::EndReason::Death) => RecoveryCause::Death,
        _ => RecoveryCause::Decision,
    }
}

labeled_enum! {
    /// Whether anything is still to recover.
    RecoveryState {
        Open = "open" ["未结清", "追回中"],
        Settled = "settled" ["已结清"]
    }
}

/// One settlement of a recovery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settlement {
    pub kind: SettlementKind,
    pub amount: Fen,
    /// The reason of a write-off, the receipt of a repayment, the roll of an
    /// offset.
    pub note: String,
}

/// A recovery as recorded: the amount to recover and its settlements so far.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recovery {
    pub amount: Fen,
    pub cause: RecoveryCause,
    pub settlements: Vec<Settlement>,
}

/// Why a settlement is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecoveryError {
    /// A settlement of nothing, or of less than nothing.
    NotPositive,
    /// More than is still outstanding.
    MoreThanOutstanding { outstanding: Fen, amount: Fen },
    /// The region's policy does not allow offsets against later payments.
    OffsetNotAllowed,
    /// A write-off without a reason.
    WriteOffWithoutReason,
    /// Nothing is outstanding.
    AlreadySettled,
}

impl RecoveryError {
    pub fn message(&self) -> Message {
        match self {
            RecoveryError::NotPositive => Message::new("recovery.error.not_positive"),
            RecoveryError::MoreThanOutstanding { outstanding, amount } => {
                Message::new("recovery.error.more_than_outstanding")
                    .arg("outstanding", outstanding.to_string())
                    .arg("amount", amount.to_string())
            }
            RecoveryError::OffsetNotAllowed => Message::new("recovery.error.offset_not_allowed"),
            RecoveryError::WriteOffWithoutReason => Message::new("recovery.error.write_off_without_reason"),
            RecoveryError::AlreadySettled => Message::new("recovery.error.already_settled"),
        }
    }
}

impl Recovery {
    /// A recovery of what `plan` found.
    pub fn open(plan: &RecoveryPlan, cause: RecoveryCause) -> Recovery {
        Recovery { amount: plan.amount, cause, settlements: Vec::new() }
    }

    /// Settled so far.
    pub fn settled(&self) -> Fen {
        Fen(self.settlements.iter().map(|s| s.amount.0).sum())
    }

    /// Still to recover.
    pub fn outstanding(&self) -> Fen {
        Fen(self.amount.0 - self.settled().0)
    }

    pub fn is_settled(&self) -> bool {
        self.outstanding() <= Fen::ZERO
    }

    /// Checks `settlement` against what is outstanding and the policy
    /// (`offset_allowed`); the recovery with it added.
    pub fn settle(&self, settlement: Settlement, offset_allowed: bool) -> Result<Recovery, RecoveryError> {
        let outstanding = self.outstanding();
        if outstanding <= Fen::ZERO {
            return Err(RecoveryError::AlreadySettled);
        }
        if settlement.amount <= Fen::ZERO {
            return Err(RecoveryError::NotPositive);
        }
        if settlement.amount > outstanding {
            return Err(RecoveryError::MoreThanOutstanding { outstanding, amount: settlement.amount });
        }
        match settlement.kind {
            SettlementKind::Offset if !offset_allowed => return Err(RecoveryError::OffsetNotAllowed),
            SettlementKind::WrittenOff if settlement.note.trim().is_empty() => {
                return Err(RecoveryError::WriteOffWithoutReason);
            }
            _ => {}
        }
        let mut next = self.clone();
        next.settlements.push(settlement);
        Ok(next)
    }
}

/// A later payment line set against what is outstanding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Offset {
    /// What the line still pays (never below zero).
    pub pays: Fen,
    /// What it settles of the recovery.
    pub offset: Fen,
}

/// Sets a later line of `line_amount` against `outstanding`: the offset is
/// at most the line, so the line paid is never negative.
pub fn offset_against(line_amount: Fen, outstanding: Fen) -> Offset {
    let offset = Fen(outstanding.0.clamp(0, line_amount.0.max(0)));
    Offset { pays: Fen(line_amount.0.max(0) - offset.0), offset }
}

/// A later payment line, as an offset sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LaterLine {
    pub key: PayeeKey,
    pub roll_state: RollState,
    /// The last month it pays.
    pub last_month: YearMonth,
    pub result: LineResult,
}

/// Whether an offset of a recovery of payee line `key`, whose months
/// recovered end with `last_recovered`, may name `line`: the same payee
/// line, in a roll past its draft, paying a month after the months
/// recovered, and a payment made or on its way — a failed line's months
/// are paid again by another line, and a line without an account was never
/// sent.
pub fn may_offset_against(key: PayeeKey, last_recovered: Option<YearMonth>, line: &LaterLine) -> bool {
    line.key == key
        && line.roll_state != RollState::Draft
        && last_recovered.is_none_or(|last| line.last_month > last)
        && matches!(line.result, LineResult::Paid | LineResult::Pending)
}

/// The texts of recoveries (part of the one catalogue).
pub static MESSAGES: &[(&str, &str, &str)] = &[
    ("RecoveryCause.decision", "决定变更", "A later decision"),
    ("RecoveryCause.death", "死亡", "Death"),
    ("RecoveryCause.error", "错发", "Paid in error"),
    ("SettlementKind.repaid", "退回", "Repaid"),
    ("SettlementKind.offset", "抵扣", "Offset against later payments"),
    ("SettlementKind.written_off", "核销", "Written off"),
    ("recovery.error.not_positive", "结算金额必须大于零。", "A settlement must be more than zero."),
    (
        "recovery.error.more_than_outstanding",
        "结算金额{amount}超过尚未追回的{outstanding}。",
        "The settlement of {amount} is more than the {outstanding} still outstanding.",
    ),
    (
        "recovery.error.offset_not_allowed",
        "本地区政策不允许从以后的发放中抵扣。",
        "This region's policy does not allow offsets against later payments.",
    ),
    ("recovery.error.write_off_without_reason", "核销须写明理由。", "A write-off needs a reason."),
    ("recovery.error.already_settled", "该笔追回已结清。", "This recovery is already settled."),
    ("audit.action.payment_overpayments_found", "查询多发待遇", "Overpayments looked up"),
    ("audit.action.payment_recovery_recorded", "登记追回", "Recovery recorded"),
    ("audit.action.payment_recovery_settled", "追回结算", "Recovery settled"),
    ("audit.action.payment_recoveries_listed", "查看追回清单", "Recoveries listed"),
    ("audit.action.payment_recovery_viewed", "查看追回记录", "Recovery viewed"),
    ("audit.action.payment_recoveries_of_household_viewed", "查看家庭追回记录", "A household's recoveries viewed"),
    ("audit.target_kind.payment_recovery", "追回记录", "Recovery of overpayment"),
    ("audit.field.recovery_cause", "追回原因", "Cause"),
    ("audit.field.settlement", "结算方式", "Settled by"),
    ("audit.field.settlement_id", "结算记录", "Settlement"),
    ("audit.field.months", "月份", "Months"),
    ("audit.field.outstanding", "尚未追回", "Outstanding"),
    ("audit.field.line_id", "发放明细", "Payment line"),
    ("audit.field.household_id", "家庭", "Household"),
    ("audit.field.person_id", "人员", "Person"),
    ("audit.field.lines", "条数", "Lines"),
    ("audit.field.open_only", "仅未结清", "Open only"),
    ("RecoveryState.open", "未结清", "Open"),
    ("RecoveryState.settled", "已结清", "Settled"),
    ("recovery.error.line", "请选择要追回的发放对象和救助类别。", "Choose the payee and programme to recover from."),
    (
        "recovery.error.cause_note",
        "请写明追回原因（如变更决定、死亡日期）。",
        "Say what caused it (the decision, the date of death).",
    ),
    (
        "recovery.error.nothing_overpaid",
        "该发放对象没有尚未登记的多发金额。",
        "Nothing overpaid to this payee is left to record.",
    ),
    (
        "recovery.error.changed",
        "追回记录已被他人修改或金额已变化，请刷新后重试。",
        "The recovery changed meanwhile; reload and try again.",
    ),
    ("recovery.error.cause", "追回原因类别不正确。", "Not a cause of recovery."),
    (
        "recovery.error.kind",
        "请选择结算方式：退回、抵扣或核销。",
        "Choose how it is settled: repaid, offset or written off.",
    ),
    (
        "recovery.error.offset_line",
        "抵扣须指定同一发放对象在多发月份之后、已审批的发放明细。",
        "An offset names an approved later payment line of the same payee.",
    ),
    (
        "recovery.error.offset_beyond_line",
        "抵扣金额超过该笔发放尚可抵扣的{left}，发放金额不能为负。",
        "The offset is more than the {left} left of that payment; a payment is never negative.",
    ),
    ("recovery.page.title", "多发资金追回", "Recoveries of overpayment"),
    ("recovery.page.show_open", "只看未结清的", "Open ones only"),
    ("recovery.page.show_all", "查看全部（含已结清）", "All, settled ones too"),
    (
        "recovery.page.hint",
        "因变更决定或死亡等原因已发放但不应发放的月份，按月登记追回，并记录退回、抵扣或核销。要查找某户的多发金额，请打开该户页面的“追回记录”。",
        "Months paid that a later decision or a death made not owed are recovered month by month, and settled by repayment, offset or write-off. To find what a household was overpaid, open its page's recoveries section.",
    ),
    ("recovery.page.none", "没有追回记录。", "No recoveries."),
    ("recovery.page.debtor", "追回对象", "From whom"),
    ("recovery.page.program", "救助类别", "Programme"),
    ("recovery.page.cause", "追回原因", "Cause"),
    ("recovery.page.months", "多发月份", "Months overpaid"),
    ("recovery.page.amount", "应追回金额", "To recover"),
    ("recovery.page.settled", "已结算", "Settled"),
    ("recovery.page.outstanding", "尚未追回", "Outstanding"),
    ("recovery.page.state", "状态", "State"),
    ("recovery.page.recorded", "登记", "Recorded"),
    ("recovery.page.household", "家庭", "Household"),
    ("recovery.page.find_title", "查找多发待遇", "Find overpayments"),
    ("recovery.page.back_household", "返回家庭页面", "Back to the household"),
    (
        "recovery.page.find_hint",
        "按实际已发放的月份与现行待遇逐月比对，列出多发且尚未登记追回的金额。",
        "What was actually paid, month by month, against what the entitlements now owe: the excess not yet recorded as a recovery.",
    ),
    (
        "recovery.page.nothing_found",
        "该户没有尚未登记的多发金额。",
        "Nothing overpaid is left to record for this household.",
    ),
    ("recovery.page.month", "月份", "Month"),
    ("recovery.page.paid", "已发放", "Paid"),
    ("recovery.page.owed", "应发放", "Owed now"),
    ("recovery.page.excess", "多发", "Overpaid"),
    (
        "recovery.page.cause_note",
        "追回原因说明（如变更决定文号、死亡日期）",
        "What caused it (the decision, the date of death)",
    ),
    ("recovery.page.debtor_name", "追回对象（收款人或责任人）", "From whom (the payee or the person liable)"),
    ("recovery.page.paid_in_error", "属于错发、重复发放", "Paid in error or twice"),
    ("recovery.page.record", "登记追回", "Record the recovery"),
    ("recovery.page.one_title", "追回记录", "Recovery"),
    ("recovery.page.settlements", "结算情况", "Settlements"),
    ("recovery.page.no_settlements", "尚无结算。", "Nothing settled yet."),
    ("recovery.page.kind", "结算方式", "Settled by"),
    ("recovery.page.note", "说明", "Note"),
    ("recovery.page.who", "经办人", "By"),
    ("recovery.page.when", "日期", "Date"),
    ("recovery.page.settle", "登记结算", "Record a settlement"),
    ("recovery.page.amount_yuan", "金额（元）", "Amount (yuan)"),
    (
        "recovery.page.note_hint",
        "说明（退回写收据号，核销须写明理由）",
        "Note (a repayment's receipt; a write-off's reason)",
    ),
    ("recovery.page.offset_line", "从哪一笔以后发放中抵扣", "The later payment to offset against"),
    (
        "recovery.page.offset_choice",
        "{month}发放{amount}，尚可抵扣{left}",
        "{month}: paid {amount}, {left} left to offset",
    ),
    ("recovery.page.offset_line_set", "从以后发放中抵扣", "Against a later payment"),
    (
        "recovery.page.offset_not_allowed",
        "本地区政策不允许从以后的发放中抵扣，只能退回或核销。",
        "This region's policy does not allow offsets: repaid or written off only.",
    ),
    ("recovery.page.section", "追回记录", "Recoveries"),
    ("recovery.page.section_none", "没有追回记录。", "No recoveries."),
    ("recovery.page.find_link", "查找多发并登记追回", "Find overpayments and record a recovery"),
    ("recovery.page.find_link_read", "查看多发待遇", "See overpayments"),
    ("payment.recoveries_link", "多发资金追回", "Recoveries of overpayment"),
];

#[cfg(test)]
mod tests;
