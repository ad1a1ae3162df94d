//! The bank's return matched to the roll (对账, `payments.md`).
//!
//! Every line of the return is matched to its roll line by 序号 and checked
//! against the roll's 身份证号, 账号 and 金额. A return line that differs
//! from its roll line, a 序号 the roll does not have, a 序号 returned twice,
//! a roll line the return does not mention, and totals that do not add up
//! are each a [`Problem`] naming the return file's line and what differs
//! (expected against found; money as `1,260.00元`, ID numbers and accounts
//! masked as lists show them). Nothing is applied unless the list is empty:
//! [`reconcile`] gives either every problem, or the outcome of every roll
//! line — paid, or failed with the bank's reason.
//!
//! Pure: the roll's lines come from the store, the return's from
//! `jiuzhu-files`, and what an outcome does (mark the line paid or failed,
//! release its claim, open a correction) is the app's.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::entitlement::YearMonth;
use crate::i18n::{Lang, Message, Part};
use crate::id_number::IdNumber;
use crate::money::Fen;

/// What reconciliation needs of a roll line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RollEntry {
    pub seq: u32,
    pub name: String,
    pub id_number: IdNumber,
    pub account: String,
    pub amount: Fen,
}

/// What the bank did with a line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum BankResult {
    Paid,
    /// Not credited; the bank's reason as written (empty if none given).
    Failed {
        reason: String,
    },
}

/// A line of the bank's return, as read from the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReturnLine {
    /// The line (CSV, fixed-width) or row (xlsx) of the file.
    pub line: usize,
    pub seq: u32,
    pub name: String,
    pub id_number: IdNumber,
    /// Digits only.
    pub account: String,
    pub period: Option<YearMonth>,
    pub amount: Fen,
    pub result: BankResult,
}

/// The outcome of one roll line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub seq: u32,
    pub result: BankResult,
}

/// What differs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Difference {
    /// The roll has no line of this 序号.
    UnknownSeq,
    /// The 序号 was already returned at `first_line`.
    DuplicateSeq {
        first_line: usize,
    },
    IdNumber {
        expected: IdNumber,
        found: IdNumber,
    },
    Account {
        expected: String,
        found: String,
    },
    Amount {
        expected: Fen,
        found: Fen,
    },
    /// A roll line the return does not mention.
    Missing {
        name: String,
    },
    /// The return's lines and total against the roll's.
    Totals {
        expected_count: usize,
        expected_total: Fen,
        found_count: usize,
        found_total: Fen,
    },
}

/// One reconciliation problem: the return file's line (none for a missing
/// roll line or the totals), the 序号 concerned, and what differs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub line: Option<usize>,
    pub seq: Option<u32>,
    pub difference: Difference,
}

/// Matches the return to the roll. Either every roll line's outcome, in
/// the roll's order, or every problem, in the return's line order, then the
/// roll lines missing, then the totals.
pub fn reconcile(roll: &[RollEntry], returned: &[ReturnLine]) -> Result<Vec<Outcome>, Vec<Problem>> {
    let by_seq: HashMap<u32, &RollEntry> = roll.iter().map(|e| (e.seq, e)).collect();
    let mut first_line: HashMap<u32, (usize, &ReturnLine)> = HashMap::with_capacity(returned.len());
    let mut problems = Vec::new();
    for line in returned {
        let problem = |difference| Problem { line: Some(line.line), seq: Some(line.seq), difference };
        let Some(expected) = by_seq.get(&line.seq) else {
            problems.push(problem(Difference::UnknownSeq));
            continue;
        };
        if let Some((first, _)) = first_line.get(&line.seq) {
            problems.push(problem(Difference::DuplicateSeq { first_line: *first }));
            continue;
        }
        first_line.insert(line.seq, (line.line, line));
        if line.id_number != expected.id_number {
            problems.push(problem(Difference::IdNumber { expected: expected.id_number, found: line.id_number }));
        }
        if !same_digits(&line.account, &expected.account) {
            problems
                .push(problem(Difference::Account { expected: expected.account.clone(), found: line.account.clone() }));
        }
        if line.amount != expected.amount {
            problems.push(problem(Difference::Amount { expected: expected.amount, found: line.amount }));
        }
    }
    for entry in roll {
        if !first_line.contains_key(&entry.seq) {
            problems.push(Problem {
                line: None,
                seq: Some(entry.seq),
                difference: Difference::Missing { name: entry.name.clone() },
            });
        }
    }
    let sum = |amounts: &mut dyn Iterator<Item = Fen>| amounts.fold(Fen::ZERO, |a, b| Fen(a.0.saturating_add(b.0)));
    let expected_total = sum(&mut roll.iter().map(|e| e.amount));
    let found_total = sum(&mut returned.iter().map(|l| l.amount));
    if expected_total != found_total || roll.len() != returned.len() {
        problems.push(Problem {
            line: None,
            seq: None,
            difference: Difference::Totals {
                expected_count: roll.len(),
                expected_total,
                found_count: returned.len(),
                found_total,
            },
        });
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(roll
        .iter()
        .filter_map(|e| first_line.get(&e.seq).map(|(_, l)| Outcome { seq: e.seq, result: l.result.clone() }))
        .collect())
}

/// Whether two account numbers have the same digits (spaces and dashes
/// aside), without allocating: a return has a million lines.
fn same_digits(a: &str, b: &str) -> bool {
    let keep = |c: &char| !c.is_whitespace() && *c != '-';
    a == b || a.chars().filter(keep).eq(b.chars().filter(keep))
}

fn digits(account: &str) -> String {
    account.chars().filter(|c| !c.is_whitespace() && *c != '-').collect()
}

/// An account as lists show it (as [`super::account::mask`] does).
pub fn mask_account(account: &str) -> String {
    super::account::mask(&digits(account))
}

impl Problem {
    /// What differs, for a person.
    pub fn message(&self) -> Message {
        let masked_pair = |key: &'static str, expected: String, found: String| {
            let key = if expected == found { "payment.reconcile.differs_hidden" } else { key };
            Message::new(key).arg("expected", expected).arg("found", found)
        };
        match &self.difference {
            Difference::UnknownSeq => Message::new("payment.reconcile.unknown_seq"),
            Difference::DuplicateSeq { first_line } => {
                Message::new("payment.reconcile.duplicate_seq").arg("first", first_line)
            }
            Difference::IdNumber { expected, found } => {
                masked_pair("payment.reconcile.id_number", expected.masked(), found.masked())
                    .part("field", Part::Label("BankField.id_number"))
            }
            Difference::Account { expected, found } => {
                masked_pair("payment.reconcile.account", mask_account(expected), mask_account(found))
                    .part("field", Part::Label("BankField.account"))
            }
            Difference::Amount { expected, found } => {
                Message::new("payment.reconcile.amount").arg("expected", expected).arg("found", found)
            }
            Difference::Missing { name } => Message::new("payment.reconcile.missing").arg("name", name),
            Difference::Totals { expected_count, expected_total, found_count, found_total } => {
                Message::new("payment.reconcile.totals")
                    .arg("expected_count", expected_count)
                    .arg("expected_total", expected_total)
                    .arg("found_count", found_count)
                    .arg("found_total", found_total)
            }
        }
    }

    /// Where: `回盘文件第5行（序号3）`, `花名册序号3`, or none (the totals).
    pub fn place_message(&self) -> Option<Message> {
        Some(match (self.line, self.seq) {
            (Some(line), Some(seq)) => Message::new("payment.reconcile.at_line_seq").arg("line", line).arg("seq", seq),
            (Some(line), None) => Message::new("payment.reconcile.at_line").arg("line", line),
            (None, Some(seq)) => Message::new("payment.reconcile.at_seq").arg("seq", seq),
            (None, None) => return None,
        })
    }

    /// `回盘文件第5行（序号3）` / `Return file line 5 (no. 3)`, or nothing.
    pub fn place(&self, lang: Lang) -> String {
        self.place_message().map(|m| m.render(lang)).unwrap_or_default()
    }

    /// The place and what differs, as one message.
    pub fn full_message(&self) -> Message {
        match self.place_message() {
            Some(place) => Message::new("payment.reconcile.problem")
                .part("place", Part::Message(Box::new(place)))
                .part("message", Part::Message(Box::new(self.message()))),
            None => self.message(),
        }
    }

    /// The whole problem on one line.
    pub fn render(&self, lang: Lang) -> String {
        let place = self.place(lang);
        let sep = if lang == Lang::Zh { "：" } else { ": " };
        if place.is_empty() {
            self.message().render(lang)
        } else {
            format!("{place}{sep}{}", self.message().render(lang))
        }
    }
}

pub use pages::PAGES;

mod pages;

/// The texts of reconciliation (part of the one catalogue).
pub static MESSAGES: &[(&str, &str, &str)] = &[
    ("payment.reconcile.at_line_seq", "回盘文件第{line}行（序号{seq}）", "Return file line {line} (no. {seq})"),
    ("payment.reconcile.at_line", "回盘文件第{line}行", "Return file line {line}"),
    ("payment.reconcile.at_seq", "花名册序号{seq}", "Roll line no. {seq}"),
    ("payment.reconcile.unknown_seq", "本期花名册中没有这个序号。", "The roll has no line with this number."),
    (
        "payment.reconcile.duplicate_seq",
        "序号重复，已在回盘文件第{first}行出现。",
        "The number is repeated; it already appears on line {first} of the return.",
    ),
    (
        "payment.reconcile.id_number",
        "身份证号与花名册不符：花名册为{expected}，回盘为{found}。",
        "The ID number differs from the roll: roll {expected}, return {found}.",
    ),
    (
        "payment.reconcile.account",
        "账号与花名册不符：花名册为{expected}，回盘为{found}。",
        "The account number differs from the roll: roll {expected}, return {found}.",
    ),
    (
        "payment.reconcile.differs_hidden",
        "{field}与花名册不符（差异在隐去的中间几位，花名册与回盘均显示为{expected}）。",
        "The {field} differs from the roll in its hidden middle digits (both show as {expected}).",
    ),
    (
        "payment.reconcile.amount",
        "金额与花名册不符：花名册为{expected}，回盘为{found}。",
        "The amount differs from the roll: roll {expected}, return {found}.",
    ),
    (
        "payment.reconcile.missing",
        "回盘文件中没有这一行（{name}）。",
        "The return has no line for this payee ({name}).",
    ),
    (
        "payment.reconcile.totals",
        "合计不符：花名册{expected_count}笔、{expected_total}，回盘{found_count}笔、{found_total}。",
        "Totals differ: the roll has {expected_count} lines, {expected_total}; the return {found_count} lines, {found_total}.",
    ),
];

#[cfg(test)]
mod tests;
