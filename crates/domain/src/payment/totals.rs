//! What a roll came to, and what the county paid month by month (issue 12
//! points 4 and 7): a roll's totals — prepared, sent to the bank, paid,
//! failed, re-paid (failed months paid later by a supplementary or the next
//! roll) and outstanding (failed, not yet re-paid) — each as lines and 元;
//! and the scale of the overview's chart. The store counts; the rule that
//! ties the figures together lives here: outstanding is failed less re-paid,
//! never below nothing.

use crate::Fen;

/// Lines and their amount.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    pub lines: i64,
    pub amount: Fen,
}

impl Tally {
    pub fn new(lines: i64, fen: i64) -> Tally {
        Tally { lines, amount: Fen(fen) }
    }

    /// `self` less `other`, never below zero (a figure read twice while a
    /// return was being applied cannot make a negative outstanding).
    pub fn less(self, other: Tally) -> Tally {
        Tally { lines: (self.lines - other.lines).max(0), amount: Fen((self.amount.0 - other.amount.0).max(0)) }
    }
}

/// A roll's totals as counted from its lines and claims.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RollTotals {
    /// Lines with an account: what the roll prepared to send.
    pub prepared: Tally,
    /// Lines without an account: not sent, their months still owed.
    pub not_sent: Tally,
    /// Lines in the bank file (once exported).
    pub sent: Tally,
    /// Lines the bank's return says were paid.
    pub paid: Tally,
    /// Lines the bank's return says failed.
    pub failed: Tally,
    /// Of the failed lines, those whose every month a later roll paid, and
    /// the amount of the failed months paid later (a line partly re-paid
    /// counts its re-paid months in the amount, not in the lines).
    pub repaid: Tally,
}

impl RollTotals {
    /// Failed and not yet paid by a later roll: failed less re-paid.
    pub fn outstanding(&self) -> Tally {
        self.failed.less(self.repaid)
    }

    /// Sent lines the bank has not answered yet.
    pub fn awaiting_return(&self) -> Tally {
        self.sent.less(Tally {
            lines: self.paid.lines + self.failed.lines,
            amount: Fen(self.paid.amount.0 + self.failed.amount.0),
        })
    }
}

/// The top of a chart's scale for values up to `max`: 1, 2 or 5 times a
/// power of ten, at least `max` (and at least 1), so the axis reads in
/// round figures.
pub fn nice_ceiling(max: i64) -> i64 {
    let max = max.max(1);
    let mut step: i64 = 1;
    loop {
        for m in [1, 2, 5] {
            if let Some(top) = step.checked_mul(m)
                && top >= max
            {
                return top;
            }
        }
        match step.checked_mul(10) {
            Some(s) => step = s,
            None => return i64::MAX,
        }
    }
}

/// The texts of the overview and the totals.
pub static MESSAGES: &[(&str, &str, &str)] = &[
    ("payment.overview.menu", "发放情况总览", "Payments overview"),
    ("payment.overview.title", "发放情况总览", "Payments overview"),
    (
        "payment.overview.range",
        "{from}至{to}，按补贴期号（发放月份）统计，补发计入发放当月",
        "{from} to {to}, by the month paid (补贴期号); back-pay counts in the month it was paid",
    ),
    (
        "payment.overview.counts",
        "“已发放”指银行回盘为成功的金额；“已送银行”指已导出代发文件的金额；“已编制”指花名册中有收款账户的全部金额（含待审批）。人数按收款对象计，同一月份同一项目只计一次。",
        "“Paid” is what the bank's return says was paid; “sent” is what was exported in bank files; “prepared” is every line with an account in the rolls, drafts included. People are counted by payee, once per month and programme.",
    ),
    ("payment.overview.chart_amounts", "各月已发放金额（元）", "Amount paid per month (元)"),
    ("payment.overview.chart_people", "各月已发放人数（人）", "People paid per month"),
    ("payment.overview.axis_yuan", "元", "元"),
    ("payment.overview.axis_people", "人", "people"),
    ("payment.overview.table", "各月各项目发放情况", "Payments by month and programme"),
    ("payment.overview.month", "月份", "Month"),
    ("payment.overview.program", "项目", "Programme"),
    ("payment.overview.prepared", "已编制", "Prepared"),
    ("payment.overview.sent", "已送银行", "Sent"),
    ("payment.overview.paid", "已发放", "Paid"),
    ("payment.overview.failed", "发放失败", "Failed"),
    ("payment.overview.people", "人数", "People"),
    ("payment.overview.amount", "金额", "Amount"),
    ("payment.overview.none", "近12个月没有发放记录", "No payments in the last 12 months"),
    ("payment.overview.rolls", "各月花名册", "Rolls of these months"),
    ("payment.overview.chart_label", "{month}{program}：{value}", "{month} {program}: {value}"),
    ("payment.overview.people_value", "{count}人", "{count} people"),
    ("payment.totals.title", "发放结果合计", "Totals of the roll"),
    (
        "payment.totals.hint",
        "重新发放指发放失败的月份已由补充发放或以后月份的花名册发放成功；待补发指发放失败且尚未重新发放。",
        "Re-paid: failed months paid later by a supplementary or a later roll; outstanding: failed and not yet re-paid.",
    ),
    ("payment.totals.item", "项目", "Item"),
    ("payment.totals.lines", "笔数", "Lines"),
    ("payment.totals.amount", "金额", "Amount"),
    ("payment.totals.prepared", "已编制（有收款账户）", "Prepared (with an account)"),
    ("payment.totals.not_sent", "未送银行（无收款账户）", "Not sent (no account)"),
    ("payment.totals.sent", "已送银行", "Sent to the bank"),
    ("payment.totals.awaiting", "待银行回盘", "Awaiting the bank's return"),
    ("payment.totals.paid", "已发放", "Paid"),
    ("payment.totals.failed", "发放失败", "Failed"),
    ("payment.totals.repaid", "已重新发放", "Re-paid"),
    ("payment.totals.outstanding", "待补发", "Outstanding"),
    ("payment.totals.back", "返回花名册", "Back to the roll"),
    ("payment.export_xlsx", "导出Excel", "Export to Excel"),
    ("payment.xlsx.seq", "序号", "No."),
    ("payment.xlsx.kind", "类别", "Kind"),
    ("payment.xlsx.payee", "收款人", "Payee"),
    ("payment.xlsx.id_number", "身份证号", "ID number"),
    ("payment.xlsx.account_name", "户名", "Account name"),
    ("payment.xlsx.bank", "开户行", "Bank"),
    ("payment.xlsx.account", "账号", "Account"),
    ("payment.xlsx.institution", "供养机构", "Institution"),
    ("payment.xlsx.program", "补贴项目", "Programme"),
    ("payment.xlsx.months", "所属月份", "Months"),
    ("payment.xlsx.month_count", "月数", "Number of months"),
    ("payment.xlsx.amount", "金额（元）", "Amount (元)"),
    ("payment.xlsx.result", "发放结果", "Result"),
    ("payment.xlsx.reason", "失败原因", "Reason"),
    ("payment.xlsx.roll_month", "补贴期号", "Month paid"),
    ("payment.xlsx.status", "状态", "Status"),
    ("payment.xlsx.household", "户编号", "Household"),
    ("payment.xlsx.region", "所在地区", "Region"),
    ("payment.xlsx.monthly", "月发放金额（元）", "Monthly amount (元)"),
    ("payment.xlsx.people", "人数", "People"),
    ("payment.xlsx.lines_sheet", "花名册明细", "Roll lines"),
    ("payment.xlsx.corrections_sheet", "待更正发放", "Corrections"),
    ("payment.xlsx.missing_sheet", "未登记收款账户", "Without an account"),
    ("payment.xlsx.overview_sheet", "发放情况", "Payments"),
    ("payment.xlsx.open", "待更正", "Open"),
    ("payment.xlsx.resolved", "已更正", "Corrected"),
    ("audit.action.payment_overview_viewed", "查看发放情况总览", "Payments overview viewed"),
    ("audit.action.payment_roll_totals_viewed", "查看花名册发放结果合计", "Roll totals viewed"),
    ("audit.action.payment_list_exported", "导出发放清单（Excel）", "Payment list exported to Excel"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outstanding_is_failed_less_repaid() {
        // Given a roll whose return failed two lines (300元 and 500元)
        let mut totals = RollTotals {
            prepared: Tally::new(10, 500_000),
            sent: Tally::new(10, 500_000),
            paid: Tally::new(8, 420_000),
            failed: Tally::new(2, 80_000),
            ..RollTotals::default()
        };
        assert_eq!(totals.outstanding(), Tally::new(2, 80_000));
        assert_eq!(totals.awaiting_return(), Tally::default());
        // When a supplementary roll pays the 300元 line's month
        totals.repaid = Tally::new(1, 30_000);
        // Then one line of 500元 is outstanding
        assert_eq!(totals.outstanding(), Tally::new(1, 50_000));
    }

    #[test]
    fn a_line_partly_repaid_stays_outstanding_for_the_rest() {
        // Given a failed back-pay line of three months at 200元
        let mut totals = RollTotals { failed: Tally::new(1, 60_000), ..RollTotals::default() };
        // When a later roll paid two of its months (the line is not whole)
        totals.repaid = Tally::new(0, 40_000);
        // Then the line is outstanding with its third month
        assert_eq!(totals.outstanding(), Tally::new(1, 20_000));
    }

    #[test]
    fn outstanding_is_never_negative() {
        let totals = RollTotals { failed: Tally::new(1, 100), repaid: Tally::new(2, 300), ..RollTotals::default() };
        assert_eq!(totals.outstanding(), Tally::default());
    }

    #[test]
    fn before_the_return_everything_sent_awaits_it() {
        let totals = RollTotals { sent: Tally::new(3, 900), ..RollTotals::default() };
        assert_eq!(totals.awaiting_return(), Tally::new(3, 900));
        assert_eq!(totals.outstanding(), Tally::default());
    }

    #[test]
    fn the_scale_reads_in_round_figures() {
        assert_eq!(nice_ceiling(0), 1);
        assert_eq!(nice_ceiling(1), 1);
        assert_eq!(nice_ceiling(3), 5);
        assert_eq!(nice_ceiling(7), 10);
        assert_eq!(nice_ceiling(10), 10);
        assert_eq!(nice_ceiling(11), 20);
        assert_eq!(nice_ceiling(126_000), 200_000);
        assert_eq!(nice_ceiling(i64::MAX), i64::MAX);
    }
}
