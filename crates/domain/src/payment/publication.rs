//! What people see of payments (issue 12 points 6 and 7): a household's
//! payments, a payee's yearly statement and the month's publication per
//! village (发放公布).
//!
//! - **The publication** shows, for a village and a month, the lines of the
//!   month's approved rolls that were sent to the bank and are paid or
//!   waiting for the bank ([`publishable`]): never a line not sent for lack
//!   of an account, nor one the bank failed (its correction is paid by a
//!   later roll, published with it). It shows the payee's name, the
//!   household's size ([`published_size`]: one for a personal line, as the
//!   case notices do for 单人保), the programme and the amount; never an ID
//!   number, an account or an address.
//! - **The statement** of a year counts what was paid ([`StatementTotals`]):
//!   lines paid, and apart those still waiting or failed.
//! - Months are written as people write them ([`months_label`]):
//!   `2026年3月`, or `2026年1月至2026年3月，共3个月` for a back-pay line.

use crate::entitlement::YearMonth;
use crate::i18n::{Lang, tf};
use crate::money::Fen;
use crate::payment::roll::LineResult;

pub use messages::MESSAGES;

mod messages;

/// Whether a roll line is shown in the month's publication: sent and paid,
/// or sent and waiting for the bank's return.
pub fn publishable(result: LineResult) -> bool {
    matches!(result, LineResult::Pending | LineResult::Paid)
}

/// The household size a publication shows: the household's members for a
/// household's line, one for a personal line (单人保, 特困 of one person).
pub fn published_size(personal_line: bool, members: i64) -> i64 {
    if personal_line { 1 } else { members.max(1) }
}

/// The months a line pays, in words: one month, or a range with its count.
pub fn months_label(lang: Lang, first: YearMonth, last: YearMonth, months: i64) -> String {
    if months <= 1 && first == last {
        first.label(lang)
    } else {
        tf(
            lang,
            "payment.months_range",
            &[("first", &first.label(lang)), ("last", &last.label(lang)), ("n", &months.to_string())],
        )
    }
}

/// What a year's statement adds up.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StatementTotals {
    /// Paid (the bank's return said so).
    pub paid: Fen,
    /// Sent and waiting for the bank's return.
    pub pending: Fen,
    /// Failed at the bank (paid again by a later roll once corrected).
    pub failed: Fen,
}

impl StatementTotals {
    /// The totals of a payee's lines (their results and amounts); lines not
    /// sent count nowhere.
    pub fn of(lines: impl IntoIterator<Item = (LineResult, Fen)>) -> StatementTotals {
        let mut t = StatementTotals::default();
        for (result, amount) in lines {
            match result {
                LineResult::Paid => t.paid = Fen(t.paid.0 + amount.0),
                LineResult::Pending => t.pending = Fen(t.pending.0 + amount.0),
                LineResult::Failed => t.failed = Fen(t.failed.0 + amount.0),
                LineResult::NoAccount => {}
            }
        }
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(s: &str) -> YearMonth {
        YearMonth::parse(s).unwrap()
    }

    #[test]
    fn only_lines_sent_and_not_failed_are_published() {
        // Given each result a line can have, when the publication is made,
        // then the paid and the waiting are shown, the rest are not.
        assert!(publishable(LineResult::Paid));
        assert!(publishable(LineResult::Pending));
        assert!(!publishable(LineResult::Failed));
        assert!(!publishable(LineResult::NoAccount));
    }

    #[test]
    fn a_personal_line_publishes_one_person() {
        assert_eq!(published_size(true, 4), 1);
        assert_eq!(published_size(false, 4), 4);
        assert_eq!(published_size(false, 0), 1, "a household line pays at least its head");
    }

    #[test]
    fn months_in_words() {
        assert_eq!(months_label(Lang::Zh, m("2026-03"), m("2026-03"), 1), "2026年3月");
        assert_eq!(months_label(Lang::Zh, m("2026-01"), m("2026-03"), 3), "2026年1月至2026年3月，共3个月");
        assert_eq!(months_label(Lang::En, m("2026-01"), m("2026-03"), 3), "2026-01 to 2026-03, 3 months");
    }

    #[test]
    fn a_statement_counts_what_was_paid_apart_from_the_rest() {
        // Given a year with three paid months, one waiting, one failed and
        // one not sent, when totalled, then each counts where it belongs.
        let lines = [
            (LineResult::Paid, Fen(136_000)),
            (LineResult::Paid, Fen(136_000)),
            (LineResult::Paid, Fen(272_000)),
            (LineResult::Pending, Fen(136_000)),
            (LineResult::Failed, Fen(136_000)),
            (LineResult::NoAccount, Fen(136_000)),
        ];
        let t = StatementTotals::of(lines);
        assert_eq!((t.paid, t.pending, t.failed), (Fen(544_000), Fen(136_000), Fen(136_000)));
    }
}
