//! Given/when/then tests and properties of reconciliation.

use chrono::NaiveDate;
use proptest::prelude::*;

use super::*;

fn id(n: u16) -> IdNumber {
    IdNumber::from_parts("340102", NaiveDate::from_ymd_opt(1960, 1, 1).unwrap(), n).unwrap()
}

fn entry(seq: u32, amount: i64) -> RollEntry {
    RollEntry {
        seq,
        name: format!("张{seq}"),
        id_number: id(seq as u16),
        account: format!("62170012345678{seq:05}"),
        amount: Fen(amount),
    }
}

/// The return a bank would send for `roll` with every line paid, on lines 2….
fn returned(roll: &[RollEntry]) -> Vec<ReturnLine> {
    roll.iter()
        .enumerate()
        .map(|(i, e)| ReturnLine {
            line: i + 2,
            seq: e.seq,
            name: e.name.clone(),
            id_number: e.id_number,
            account: e.account.clone(),
            period: YearMonth::new(2026, 12),
            amount: e.amount,
            result: BankResult::Paid,
        })
        .collect()
}

fn zh(problems: &[Problem]) -> Vec<String> {
    problems.iter().map(|p| p.render(Lang::Zh)).collect()
}

#[test]
fn given_a_return_that_matches_when_reconciled_then_each_line_is_paid_or_failed_with_the_reason() {
    let roll = vec![entry(1, 126_000), entry(2, 80_050)];
    let mut lines = returned(&roll);
    lines[1].result = BankResult::Failed { reason: "账户已销户".into() };
    lines.reverse();
    let outcomes = reconcile(&roll, &lines).unwrap();
    assert_eq!(
        outcomes,
        [
            Outcome { seq: 1, result: BankResult::Paid },
            Outcome { seq: 2, result: BankResult::Failed { reason: "账户已销户".into() } },
        ]
    );
}

#[test]
fn given_a_wrong_amount_then_the_line_and_both_amounts_are_named_and_the_totals_differ() {
    let roll = vec![entry(1, 126_000), entry(2, 80_050)];
    let mut lines = returned(&roll);
    lines[1].amount = Fen(80_000);
    let problems = reconcile(&roll, &lines).unwrap_err();
    assert_eq!(
        zh(&problems),
        [
            "回盘文件第3行（序号2）：金额与花名册不符：花名册为800.50元，回盘为800.00元。",
            "合计不符：花名册2笔、2,060.50元，回盘2笔、2,060.00元。",
        ]
    );
    assert_eq!(
        problems[0].render(Lang::En),
        "Return file line 3 (no. 2): The amount differs from the roll: roll 800.50元, return 800.00元."
    );
}

#[test]
fn given_a_wrong_account_and_id_number_then_both_are_named_masked() {
    let roll = vec![entry(1, 126_000)];
    let mut lines = returned(&roll);
    lines[0].account = "6228480012345678901".into();
    lines[0].id_number = id(7);
    let problems = reconcile(&roll, &lines).unwrap_err();
    assert_eq!(
        zh(&problems),
        [
            format!(
                "回盘文件第2行（序号1）：身份证号与花名册不符：花名册为{}，回盘为{}。",
                id(1).masked(),
                id(7).masked()
            ),
            "回盘文件第2行（序号1）：账号与花名册不符：花名册为6217***********0001，回盘为6228***********8901。".into(),
        ]
    );
}

#[test]
fn given_an_account_differing_only_in_its_middle_then_the_message_says_so() {
    let roll = vec![entry(1, 126_000)];
    let mut lines = returned(&roll);
    lines[0].account = "6217009999999900001".into();
    assert_eq!(
        zh(&reconcile(&roll, &lines).unwrap_err()),
        ["回盘文件第2行（序号1）：账号与花名册不符（差异在隐去的中间几位，花名册与回盘均显示为6217***********0001）。"]
    );
}

#[test]
fn given_spaces_in_a_returned_account_then_it_still_matches() {
    let roll = vec![entry(1, 126_000)];
    let mut lines = returned(&roll);
    lines[0].account = "6217 0012 3456 7800 001".into();
    assert!(reconcile(&roll, &lines).is_ok());
}

#[test]
fn given_an_unknown_a_duplicated_and_a_missing_line_then_each_is_listed_in_order() {
    let roll = vec![entry(1, 100), entry(2, 200), entry(3, 300)];
    let mut lines = returned(&roll);
    lines[2] = ReturnLine { seq: 9, line: 4, ..lines[2].clone() };
    lines.push(ReturnLine { line: 5, ..lines[0].clone() });
    let problems = reconcile(&roll, &lines).unwrap_err();
    assert_eq!(
        zh(&problems),
        [
            "回盘文件第4行（序号9）：本期花名册中没有这个序号。",
            "回盘文件第5行（序号1）：序号重复，已在回盘文件第2行出现。",
            "花名册序号3：回盘文件中没有这一行（张3）。",
            "合计不符：花名册3笔、6.00元，回盘4笔、7.00元。",
        ]
    );
}

#[test]
fn given_an_empty_return_then_every_roll_line_is_missing() {
    let roll = vec![entry(1, 100)];
    assert_eq!(
        zh(&reconcile(&roll, &[]).unwrap_err()),
        ["花名册序号1：回盘文件中没有这一行（张1）。", "合计不符：花名册1笔、1.00元，回盘0笔、0.00元。"]
    );
}

/// One change to a return that matched.
#[derive(Debug, Clone)]
enum Mutation {
    Amount(usize, i64),
    Account(usize),
    IdNumber(usize),
    Drop(usize),
    Duplicate(usize),
    Unknown(usize),
}

fn roll_strategy() -> impl Strategy<Value = Vec<RollEntry>> {
    proptest::collection::vec(1i64..10_000_000, 1..40)
        .prop_map(|amounts| amounts.into_iter().enumerate().map(|(i, a)| entry(i as u32 + 1, a)).collect())
}

fn mutation_strategy() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<prop::sample::Index>(), 1i64..1000).prop_map(|(i, d)| Mutation::Amount(i.index(usize::MAX), d)),
        any::<prop::sample::Index>().prop_map(|i| Mutation::Account(i.index(usize::MAX))),
        any::<prop::sample::Index>().prop_map(|i| Mutation::IdNumber(i.index(usize::MAX))),
        any::<prop::sample::Index>().prop_map(|i| Mutation::Drop(i.index(usize::MAX))),
        any::<prop::sample::Index>().prop_map(|i| Mutation::Duplicate(i.index(usize::MAX))),
        any::<prop::sample::Index>().prop_map(|i| Mutation::Unknown(i.index(usize::MAX))),
    ]
}

proptest! {
    #[test]
    fn a_return_made_from_the_roll_reconciles(roll in roll_strategy(), failed in proptest::collection::vec(any::<bool>(), 40)) {
        let mut lines = returned(&roll);
        for (line, failed) in lines.iter_mut().zip(&failed) {
            if *failed {
                line.result = BankResult::Failed { reason: "户名不符".into() };
            }
        }
        let outcomes = reconcile(&roll, &lines).unwrap();
        prop_assert_eq!(outcomes.len(), roll.len());
        for ((outcome, line), entry) in outcomes.iter().zip(&lines).zip(&roll) {
            prop_assert_eq!(outcome.seq, entry.seq);
            prop_assert_eq!(&outcome.result, &line.result);
        }
    }

    #[test]
    fn one_mutation_gives_exactly_its_problem(roll in roll_strategy(), mutation in mutation_strategy()) {
        let mut lines = returned(&roll);
        let n = lines.len();
        let (expected, line, totals) = match mutation {
            Mutation::Amount(i, d) => {
                let i = i % n;
                lines[i].amount = Fen(lines[i].amount.0 + d);
                (Difference::Amount { expected: roll[i].amount, found: lines[i].amount }, Some(lines[i].line), true)
            }
            Mutation::Account(i) => {
                let i = i % n;
                lines[i].account = "6228480099999999999".into();
                (Difference::Account { expected: roll[i].account.clone(), found: lines[i].account.clone() }, Some(lines[i].line), false)
            }
            Mutation::IdNumber(i) => {
                let i = i % n;
                lines[i].id_number = id(999);
                (Difference::IdNumber { expected: roll[i].id_number, found: id(999) }, Some(lines[i].line), false)
            }
            Mutation::Drop(i) => {
                let i = i % n;
                let gone = lines.remove(i);
                (Difference::Missing { name: roll[i].name.clone() }, None, gone.amount.0 >= 0)
            }
            Mutation::Duplicate(i) => {
                let i = i % n;
                let copy = ReturnLine { line: n + 2, ..lines[i].clone() };
                let first = lines[i].line;
                lines.push(copy);
                (Difference::DuplicateSeq { first_line: first }, Some(n + 2), true)
            }
            Mutation::Unknown(i) => {
                let i = i % n;
                let extra = ReturnLine { line: n + 2, seq: 1000 + i as u32, ..lines[i].clone() };
                lines.push(extra);
                (Difference::UnknownSeq, Some(n + 2), true)
            }
        };
        let problems = reconcile(&roll, &lines).unwrap_err();
        let (line_problems, total_problems): (Vec<_>, Vec<_>) =
            problems.iter().partition(|p| !matches!(p.difference, Difference::Totals { .. }));
        prop_assert_eq!(line_problems.len(), 1, "{:?}", problems);
        prop_assert_eq!(&line_problems[0].difference, &expected);
        prop_assert_eq!(line_problems[0].line, line);
        prop_assert_eq!(total_problems.len(), usize::from(totals));
    }
}
