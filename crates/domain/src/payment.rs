//! Payments (待遇发放, `payments.md`): who is paid and where, what a month
//! owes, the monthly roll, the bank file's layout, the bank's return matched
//! to the roll, and overpayments to recover. Pure rules: the store runs the
//! roll's generation as set-based SQL that agrees with [`roll`], and a test
//! holds the two together.
//!
//! - [`account`]: payees and their bank accounts (validation, the card check
//!   digit as a warning, masking, custody by an official).
//! - [`roll`]: what a month owes a payee (new recipients, back-pay, stops,
//!   changes, deaths, 集中供养 paid to the institution), a roll's lines and
//!   its differences from last month, the roll's states and the two-person
//!   rule.
//! - [`layout`]: the bank file's layout (the default 一卡通 CSV, and
//!   configurable columns, header, trailer, encoding and format).
//! - [`reconcile`]: the bank's return lines matched to the roll's lines,
//!   every problem named with its line.
//! - [`publication`]: what people see of payments: the month's publication
//!   per village (what is published, never a number or an address), the
//!   yearly statement's totals, months in words.
//! - [`recovery`]: overpayment to recover (追回) after a decision or a death,
//!   and its settlement (repaid, offset, written off); never a negative line.
//! - [`totals`]: a roll's totals (prepared, sent, paid, failed, re-paid,
//!   outstanding) and the overview chart's scale.

pub mod account;
pub mod layout;
pub mod publication;
pub mod reconcile;
pub mod recovery;
pub mod roll;
pub mod totals;
