//! Given/when/then tests of what a month owes and how a roll is composed
//! (the acceptance cases of issue 12), and a property test that composing
//! again after a roll is paid finds nothing more to pay.

use chrono::NaiveDate;
use proptest::prelude::*;

use super::*;
use crate::assistance::SupportMode;
use crate::entitlement::{EndReason, first_month};
use crate::payment::account::{AccountHolder, required_holder};
use crate::policy::{FirstPayment, Policy};

fn ym(y: i32, m: u32) -> YearMonth {
    YearMonth::new(y, m).unwrap()
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn ent(id: i64, household: i64, recipient: Recipient, program: Program, fen: i64, first: YearMonth) -> Entitlement {
    Entitlement {
        id,
        household,
        recipient,
        program,
        monthly: Fen(fen),
        first,
        last: None,
        decision: None,
        policy_versions: vec![],
        ended: None,
    }
}

fn ended(mut e: Entitlement, last: YearMonth, reason: EndReason) -> Entitlement {
    e.last = Some(last);
    e.ended = Some(reason);
    e
}

fn roll(month: YearMonth, paid_from: YearMonth) -> Compose {
    Compose { month, paid_from, group: ProgramGroup::All }
}

fn months(line: &DraftLine) -> Vec<YearMonth> {
    line.months.iter().map(|m| m.month).collect()
}

fn household_dibao(household: i64) -> PayeeKey {
    PayeeKey { payee: Payee::Household(household), program: Program::Dibao }
}

#[test]
fn a_recipient_approved_on_the_20th_is_paid_from_the_month_after_by_default() {
    // Given a 低保 household approved on 20 November 2026 under the default rule
    let policy = Policy::default();
    assert_eq!(policy.first_payment, FirstPayment::NextMonth);
    let first = first_month(policy.first_payment, day(2026, 11, 3), day(2026, 11, 20));
    let e = ent(1, 10, Recipient::Household, Program::Dibao, 78_000, first);
    // When November's roll is composed, then it is not on it
    assert!(compose(roll(ym(2026, 11), ym(2026, 1)), std::slice::from_ref(&e), &Taken::new()).is_empty());
    // When December's roll is composed, then it has one current line of the full month
    let lines = compose(roll(ym(2026, 12), ym(2026, 1)), std::slice::from_ref(&e), &Taken::new());
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0].kind, LineKind::Current);
    assert_eq!(lines[0].amount(), Fen(78_000));
    assert_eq!(months(&lines[0]), vec![ym(2026, 12)]);
    // And where the region pays from the month of approval, November's roll pays it
    let first = first_month(FirstPayment::ApprovalMonth, day(2026, 11, 3), day(2026, 11, 20));
    let e = ent(1, 10, Recipient::Household, Program::Dibao, 78_000, first);
    let lines = compose(roll(ym(2026, 11), ym(2026, 1)), &[e], &Taken::new());
    assert_eq!(lines.iter().map(DraftLine::amount).collect::<Vec<_>>(), vec![Fen(78_000)]);
}

#[test]
fn a_missed_month_is_paid_back_on_the_next_roll_naming_its_months() {
    // Given an entitlement from September, September paid, October's roll missed
    let e = ent(1, 10, Recipient::Household, Program::Dibao, 60_000, ym(2026, 9));
    let taken: Taken = [(household_dibao(10), ym(2026, 9))].into_iter().collect();
    // When November's roll is composed
    let lines = compose(roll(ym(2026, 11), ym(2026, 9)), &[e], &taken);
    // Then it pays November as the current line and October as back-pay
    assert_eq!(lines.len(), 2);
    assert_eq!(
        (lines[0].kind, months(&lines[0]), lines[0].amount()),
        (LineKind::Current, vec![ym(2026, 11)], Fen(60_000))
    );
    assert_eq!(
        (lines[1].kind, months(&lines[1]), lines[1].amount()),
        (LineKind::Backpay, vec![ym(2026, 10)], Fen(60_000))
    );
}

#[test]
fn months_before_the_system_paid_are_not_paid_back() {
    // Given an entitlement from January and the region's first roll in June
    let e = ent(1, 10, Recipient::Household, Program::Dibao, 60_000, ym(2026, 1));
    // When June's roll is composed with June as the first month the system pays
    let lines = compose(roll(ym(2026, 6), ym(2026, 6)), &[e], &Taken::new());
    // Then only June is paid
    assert_eq!(lines.len(), 1);
    assert_eq!(months(&lines[0]), vec![ym(2026, 6)]);
}

#[test]
fn a_stop_mid_year_ends_the_payments_and_shows_as_stopped() {
    // Given an entitlement stopped with June as its last month, paid through June
    let e =
        ended(ent(1, 10, Recipient::Household, Program::Dibao, 60_000, ym(2026, 1)), ym(2026, 6), EndReason::Stopped);
    let taken: Taken = ym(2026, 1).through(ym(2026, 6)).map(|m| (household_dibao(10), m)).collect();
    let june = compose(roll(ym(2026, 6), ym(2026, 1)), std::slice::from_ref(&e), &Taken::new());
    assert_eq!(june.iter().filter(|l| l.kind == LineKind::Current).count(), 1);
    // When July's roll is composed
    let july = compose(roll(ym(2026, 7), ym(2026, 1)), std::slice::from_ref(&e), &taken);
    // Then nobody is paid, and the difference from June says stopped
    assert!(july.is_empty());
    let previous = [(household_dibao(10), Fen(60_000))];
    assert_eq!(
        differences(&previous, &july),
        vec![Difference::Stopped { key: household_dibao(10), amount: Fen(60_000) }]
    );
}

#[test]
fn an_amount_change_is_paid_back_month_by_month_at_each_months_amount() {
    // Given 500元 from January to March, changed to 650元 from April, nothing paid yet
    let a =
        ended(ent(1, 10, Recipient::Household, Program::Dibao, 50_000, ym(2026, 1)), ym(2026, 3), EndReason::Changed);
    let b = ent(2, 10, Recipient::Household, Program::Dibao, 65_000, ym(2026, 4));
    // When May's roll is composed paying from January
    let lines = compose(roll(ym(2026, 5), ym(2026, 1)), &[a, b], &Taken::new());
    // Then the current line is 650元 and the back-pay is 3 × 500元 + 650元
    assert_eq!(lines[0].kind, LineKind::Current);
    assert_eq!(lines[0].amount(), Fen(65_000));
    assert_eq!(lines[0].entitlement(), 2);
    assert_eq!(lines[1].kind, LineKind::Backpay);
    assert_eq!(months(&lines[1]), vec![ym(2026, 1), ym(2026, 2), ym(2026, 3), ym(2026, 4)]);
    assert_eq!(lines[1].amount(), Fen(3 * 50_000 + 65_000));
    assert_eq!(lines[1].months.iter().map(|m| m.entitlement).collect::<Vec<_>>(), vec![1, 1, 1, 2]);
    // And against April's 500元, the difference says changed
    let diffs = differences(&[(household_dibao(10), Fen(50_000))], &lines);
    assert!(diffs.contains(&Difference::Changed { key: household_dibao(10), from: Fen(50_000), to: Fen(65_000) }));
    assert!(diffs.iter().any(|d| matches!(d, Difference::Backpay { months: 4, .. })));
}

#[test]
fn a_death_is_owed_up_to_the_month_of_death_by_default() {
    // Given a recipient who died on 15 July 2026
    let died = day(2026, 7, 15);
    let policy = Policy::default();
    assert_eq!(policy.death_last_month, DeathLastMonth::MonthOfDeath);
    // When the entitlement ends by the default rule, then July is still owed
    let last = last_month_after_death(policy.death_last_month, died);
    assert_eq!(last, ym(2026, 7));
    let e = ended(ent(1, 10, Recipient::Person(7), Program::Tekun, 90_000, ym(2026, 1)), last, EndReason::Death);
    let july = compose(roll(ym(2026, 7), ym(2026, 7)), std::slice::from_ref(&e), &Taken::new());
    assert_eq!(july.iter().map(DraftLine::amount).collect::<Vec<_>>(), vec![Fen(90_000)]);
    assert!(compose(roll(ym(2026, 8), ym(2026, 8)), &[e], &Taken::new()).is_empty());
    // And where the region pays up to the month before, July is not owed
    let last = last_month_after_death(DeathLastMonth::MonthBefore, died);
    assert_eq!(last, ym(2026, 6));
    let e = ended(ent(1, 10, Recipient::Person(7), Program::Tekun, 90_000, ym(2026, 1)), last, EndReason::Death);
    assert!(compose(roll(ym(2026, 7), ym(2026, 7)), &[e], &Taken::new()).is_empty());
}

#[test]
fn a_member_in_an_institution_is_a_line_of_their_own_paid_to_the_institution() {
    // Given a household's 低保 and a member's 集中供养 特困
    let dibao = ent(1, 10, Recipient::Household, Program::Dibao, 60_000, ym(2026, 1));
    let tekun = ent(2, 10, Recipient::Person(77), Program::Tekun, 190_000, ym(2026, 1));
    // When December's roll is composed
    let lines = compose(roll(ym(2026, 12), ym(2026, 12)), &[dibao, tekun.clone()], &Taken::new());
    // Then the 特困 is a line of the member, whose account is the institution's
    assert_eq!(lines.len(), 2);
    let line = lines.iter().find(|l| l.key.program == Program::Tekun).unwrap();
    assert_eq!(line.key.payee, Payee::Person(77));
    assert_eq!(line.household, 10);
    assert_eq!(
        required_holder(tekun.recipient, tekun.program, Some(SupportMode::Institution)),
        AccountHolder::Institution
    );
    // And a programme group pays only its programmes
    let only_tekun = Compose { month: ym(2026, 12), paid_from: ym(2026, 12), group: ProgramGroup::Tekun };
    let lines = compose(only_tekun, &[tekun], &Taken::new());
    assert_eq!(lines.len(), 1);
}

#[test]
fn a_held_month_is_not_paid_until_its_correction_releases_it() {
    // Given October failed at the bank and its correction still open (held)
    let e = ent(1, 10, Recipient::Household, Program::Dibao, 60_000, ym(2026, 10));
    let held: Taken = [(household_dibao(10), ym(2026, 10))].into_iter().collect();
    // When November's roll is composed, then only November is paid
    let lines = compose(roll(ym(2026, 11), ym(2026, 10)), std::slice::from_ref(&e), &held);
    assert_eq!(lines.len(), 1);
    // And once released, October is paid back once
    let lines = compose(roll(ym(2026, 11), ym(2026, 10)), &[e], &Taken::new());
    assert_eq!(
        lines.iter().filter(|l| l.kind == LineKind::Backpay).map(months).collect::<Vec<_>>(),
        vec![vec![ym(2026, 10)]]
    );
}

#[test]
fn a_zero_amount_is_a_line_of_zero_never_negative() {
    let e = ent(1, 10, Recipient::Household, Program::Dibao, 0, ym(2026, 10));
    let lines = compose(roll(ym(2026, 10), ym(2026, 10)), &[e], &Taken::new());
    assert_eq!(lines[0].amount(), Fen(0));
}

#[test]
fn the_preparer_cannot_approve_and_only_a_draft_is_approved() {
    assert_eq!(approve(RollState::Draft, "clerk", "clerk", 3), Err(RollError::SamePerson));
    assert_eq!(approve(RollState::Draft, "clerk", "approver", 3), Ok(RollState::Approved));
    assert_eq!(approve(RollState::Draft, "clerk", "approver", 0), Err(RollError::Empty));
    assert_eq!(approve(RollState::Approved, "clerk", "approver", 3), Err(RollError::NotDraft(RollState::Approved)));
    assert_eq!(may_regenerate(RollState::Exported), Err(RollError::NotDraft(RollState::Exported)));
    assert_eq!(export(RollState::Draft), Err(RollError::NotApproved(RollState::Draft)));
    assert_eq!(export(RollState::Approved), Ok(RollState::Exported));
    assert_eq!(export(RollState::Exported), Ok(RollState::Exported));
    assert_eq!(export(RollState::Closed), Err(RollError::Closed), "no payable copy once the return is in");
    assert!(crate::i18n::has_key(RollError::Closed.message().key));
    assert_eq!(close(RollState::Exported), Ok(RollState::Closed));
    assert!(crate::i18n::has_key(RollError::SamePerson.message().key));
}

#[test]
fn payee_codes_read_back() {
    for p in [Payee::Household(12), Payee::Person(3)] {
        assert_eq!(Payee::parse(&p.code()), Some(p));
    }
    assert_eq!(Payee::parse("x1"), None);
    assert_eq!(Payee::parse(""), None);
}

#[test]
fn totals_group_lines() {
    let a = ent(1, 10, Recipient::Household, Program::Dibao, 60_000, ym(2026, 9));
    let b = ent(2, 11, Recipient::Person(5), Program::Tekun, 90_000, ym(2026, 10));
    let lines = compose(roll(ym(2026, 10), ym(2026, 9)), &[a, b], &Taken::new());
    let by_program = totals_by(&lines, |l| l.key.program.code());
    assert_eq!(by_program["dibao"], Totals { lines: 2, amount: Fen(120_000) });
    assert_eq!(by_program["tekun"], Totals { lines: 1, amount: Fen(90_000) });
}

/// Up to 12 payee lines with a few consecutive entitlements each (changes,
/// stops, gaps), and some months already taken.
fn scenario() -> impl Strategy<Value = (Vec<Entitlement>, Vec<(usize, i32)>, i32, i32)> {
    let segment = (0i32..4, 1i32..8, 0i64..200_000, any::<bool>());
    let line = (0i64..6, any::<bool>(), prop::collection::vec(segment, 1..4));
    (prop::collection::vec(line, 1..12), prop::collection::vec((0usize..12, 0i32..24), 0..20), 0i32..12, 0i32..24)
        .prop_map(|(lines, taken, paid_from, month)| {
            let base = ym(2025, 1);
            let mut out = Vec::new();
            let mut id = 0;
            for (n, (household, personal, segments)) in lines.into_iter().enumerate() {
                let recipient = if personal { Recipient::Person(1000 + n as i64) } else { Recipient::Household };
                let household = if personal { household } else { 100 + n as i64 };
                let program = if personal && n % 2 == 0 { Program::Tekun } else { Program::Dibao };
                let mut at = 0;
                for (gap, len, fen, open) in segments {
                    id += 1;
                    let first = base.plus(at + gap);
                    let mut e = ent(id, household, recipient, program, fen, first);
                    e.last = (!open).then(|| first.plus(len - 1));
                    at += gap + len;
                    out.push(e);
                    if open {
                        break;
                    }
                }
            }
            (out, taken, paid_from, month)
        })
}

proptest! {
    /// Composing again with the first roll's months taken pays nothing
    /// more; every month owed since `paid_from` is on exactly one line or
    /// was already taken; no line is negative.
    #[test]
    fn composing_twice_pays_nothing_more((entitlements, taken, paid_from, month) in scenario()) {
        let base = ym(2025, 1);
        let ask = roll(base.plus(month), base.plus(paid_from));
        let keys: Vec<PayeeKey> = entitlements.iter().map(PayeeKey::of).collect();
        let taken: Taken = taken.into_iter().filter(|(k, _)| *k < keys.len()).map(|(k, m)| (keys[k], base.plus(m))).collect();
        let first = compose(ask, &entitlements, &taken);
        prop_assert!(first.iter().all(|l| l.amount() >= Fen::ZERO && !l.months.is_empty()));
        let mut all = taken.clone();
        let paid = taken_by(&first);
        let count: usize = first.iter().map(|l| l.months.len()).sum();
        prop_assert_eq!(paid.len(), count, "a month on two lines");
        prop_assert!(paid.is_disjoint(&taken));
        all.extend(paid);
        prop_assert!(compose(ask, &entitlements, &all).is_empty());
        for e in &entitlements {
            for due in owed_months(e, ask.paid_from, ask.month) {
                prop_assert!(all.contains(&(PayeeKey::of(e), due.month)));
            }
        }
    }
}

#[test]
fn given_no_roll_yet_when_the_first_is_made_then_it_pays_back_nothing_before_its_month() {
    // Given a county that has never paid through the system
    // When its first roll, for 2026年3月, is made
    // Then it pays from 2026年3月: months before were paid outside it
    assert_eq!(paid_from(None, ym(2026, 3)), ym(2026, 3));
}

#[test]
fn given_a_first_roll_when_a_later_month_is_made_then_it_pays_back_to_the_first() {
    // Given the county's first regular roll was 2026年3月
    // When the roll of 2026年7月 is made
    // Then it may pay back every month owed since 2026年3月
    assert_eq!(paid_from(Some(ym(2026, 3)), ym(2026, 7)), ym(2026, 3));
    // and a roll of a month before the first pays from its own month
    assert_eq!(paid_from(Some(ym(2026, 3)), ym(2026, 1)), ym(2026, 1));
}
