//! Given/when/then walks of recoveries: a death found after months were
//! paid, a decrease decided back to an earlier month, settlements by
//! repayment, offset and write-off; property tests: an offset never leaves a
//! negative line and settlements never exceed the amount.

use super::*;
use crate::entitlement::{EndReason, Entitlement};
use proptest::prelude::*;

const HOME: i64 = 7;

fn m(s: &str) -> YearMonth {
    YearMonth::parse(s).unwrap()
}

fn yuan(n: i64) -> Fen {
    Fen(n * 100)
}

fn entitlement(id: i64, monthly: Fen, first: &str, last: Option<&str>, ended: Option<EndReason>) -> Entitlement {
    Entitlement {
        id,
        household: HOME,
        recipient: Recipient::Household,
        program: Program::Dibao,
        monthly,
        first: m(first),
        last: last.map(m),
        decision: Some(100 + id),
        policy_versions: vec![1],
        ended,
    }
}

fn dibao() -> PayeeLine {
    PayeeLine { household: HOME, recipient: Recipient::Household, program: Program::Dibao }
}

fn paid(from: &str, to: &str, amount: Fen) -> Vec<(YearMonth, Fen)> {
    m(from).through(m(to)).map(|month| (month, amount)).collect()
}

#[test]
fn a_death_reported_late_recovers_the_months_paid_after_it() {
    // Given 低保 of 1,260元 a month paid January through May 2026,
    let paid = paid("2026-01", "2026-05", yuan(1260));
    // when the department data shows the only member died in March, and the
    // entitlement ends with March (owed up to the month of death),
    let held = [entitlement(1, yuan(1260), "2025-06", Some("2026-03"), Some(EndReason::Death))];
    let plan = overpaid(dibao(), &held, &paid).expect("overpaid");
    // then April and May are to be recovered, in full.
    assert_eq!(plan.months.iter().map(|o| o.month).collect::<Vec<_>>(), [m("2026-04"), m("2026-05")]);
    assert!(plan.months.iter().all(|o| o.owed == Fen::ZERO && o.excess() == yuan(1260)));
    assert_eq!(plan.amount, yuan(2520));
    let recovery = Recovery::open(&plan, RecoveryCause::Death);
    assert_eq!(recovery.outstanding(), yuan(2520));
}

#[test]
fn a_decrease_decided_back_to_an_earlier_month_recovers_only_the_difference() {
    // Given 1,260元 paid for March through May,
    let paid = paid("2026-03", "2026-05", yuan(1260));
    // when a review decides 900元 from April (the old entitlement ends with
    // March, the new one starts in April),
    let held = [
        entitlement(1, yuan(1260), "2025-06", Some("2026-03"), Some(EndReason::Changed)),
        entitlement(2, yuan(900), "2026-04", None, None),
    ];
    let plan = overpaid(dibao(), &held, &paid).expect("overpaid");
    // then 360元 of April and of May are recovered, March is untouched.
    assert_eq!(plan.months.len(), 2);
    assert!(plan.months.iter().all(|o| o.excess() == yuan(360)));
    assert_eq!(plan.amount, yuan(720));
}

#[test]
fn nothing_is_recovered_where_every_paid_month_is_still_owed() {
    let held = [entitlement(1, yuan(1260), "2025-06", None, None)];
    assert_eq!(overpaid(dibao(), &held, &paid("2026-01", "2026-05", yuan(1260))), None);
    // A month paid less than it owes is back-pay, not a negative recovery.
    assert_eq!(overpaid(dibao(), &held, &[(m("2026-06"), yuan(1000))]), None);
}

#[test]
fn only_the_line_s_own_entitlements_count() {
    // Given a member's 特困 and the household's 低保,
    let mut tekun = entitlement(2, yuan(1500), "2025-06", None, None);
    tekun.recipient = Recipient::Person(71);
    tekun.program = Program::Tekun;
    let held = [entitlement(1, yuan(1260), "2025-06", Some("2026-03"), Some(EndReason::Stopped)), tekun];
    // the 低保 stopped after March owes nothing in April whatever 特困 owes.
    let plan = overpaid(dibao(), &held, &paid("2026-04", "2026-04", yuan(1260))).unwrap();
    assert_eq!(plan.amount, yuan(1260));
}

#[test]
fn a_month_paid_twice_is_recovered_once_over() {
    // Given April paid twice (a duplicate found by an audit),
    let held = [entitlement(1, yuan(1260), "2025-06", None, None)];
    let twice = [(m("2026-04"), yuan(1260)), (m("2026-04"), yuan(1260))];
    // the second payment is the excess.
    let plan = overpaid(dibao(), &held, &twice).unwrap();
    assert_eq!((plan.months[0].paid, plan.months[0].owed, plan.amount), (yuan(2520), yuan(1260), yuan(1260)));
}

#[test]
fn a_month_already_recorded_is_not_recovered_again() {
    // Given April and May 2026 overpaid after a death, and the recovery of
    // April and May recorded,
    let paid = paid("2026-01", "2026-05", yuan(1260));
    let held = [entitlement(1, yuan(1260), "2025-06", Some("2026-03"), Some(EndReason::Death))];
    let plan = overpaid(dibao(), &held, &paid).unwrap();
    let recorded = [(m("2026-04"), yuan(1260)), (m("2026-05"), yuan(1260))];
    // when the line is looked at again, nothing is left;
    assert_eq!(plan.clone().less_recorded(&recorded), None);
    // and when only April was recorded, May alone is left.
    let rest = plan.less_recorded(&recorded[..1]).unwrap();
    assert_eq!((rest.months.len(), rest.months[0].month, rest.amount), (1, m("2026-05"), yuan(1260)));
}

#[test]
fn a_later_decrease_after_a_recorded_recovery_recovers_only_the_new_difference() {
    // Given May paid 1,260元, of which 260元 was already recorded as a
    // recovery (a decrease to 1,000元), and a later decision stops it in April,
    let paid = [(m("2026-05"), yuan(1260))];
    let held = [entitlement(1, yuan(1260), "2025-06", Some("2026-04"), Some(EndReason::Stopped))];
    let plan = overpaid(dibao(), &held, &paid).unwrap();
    // then the 1,000元 left of May is recovered, once.
    let rest = plan.less_recorded(&[(m("2026-05"), yuan(260))]).unwrap();
    assert_eq!(rest.amount, yuan(1000));
    assert_eq!(rest.months[0].excess(), yuan(1000));
}

#[test]
fn the_cause_is_a_death_when_the_line_ended_by_death_and_a_decision_otherwise() {
    let died = [entitlement(1, yuan(1260), "2025-06", Some("2026-03"), Some(EndReason::Death))];
    assert_eq!(cause_of(dibao(), &died), RecoveryCause::Death);
    let stopped = [entitlement(1, yuan(1260), "2025-06", Some("2026-03"), Some(EndReason::Stopped))];
    assert_eq!(cause_of(dibao(), &stopped), RecoveryCause::Decision);
    let changed = [
        entitlement(1, yuan(1260), "2025-06", Some("2026-02"), Some(EndReason::Changed)),
        entitlement(2, yuan(1000), "2026-03", None, None),
    ];
    assert_eq!(cause_of(dibao(), &changed), RecoveryCause::Decision);
}

fn settlement(kind: SettlementKind, amount: Fen, note: &str) -> Settlement {
    Settlement { kind, amount, note: note.to_string() }
}

#[test]
fn a_recovery_is_settled_by_repayment_offset_and_write_off_never_beyond_its_amount() {
    let held = [entitlement(1, yuan(1260), "2025-06", Some("2026-03"), Some(EndReason::Death))];
    let plan = overpaid(dibao(), &held, &paid("2026-04", "2026-05", yuan(1260))).unwrap();
    let r = Recovery::open(&plan, RecoveryCause::Death);
    // Repaid in part by the family,
    let r = r.settle(settlement(SettlementKind::Repaid, yuan(1000), "收据 0012"), false).unwrap();
    assert_eq!(r.outstanding(), yuan(1520));
    // an offset refused where the policy does not allow it,
    let refused = r.settle(settlement(SettlementKind::Offset, yuan(100), ""), false);
    assert_eq!(refused, Err(RecoveryError::OffsetNotAllowed));
    // more than outstanding refused, naming both amounts,
    let err = r.settle(settlement(SettlementKind::Repaid, yuan(2000), ""), true).unwrap_err();
    assert_eq!(err, RecoveryError::MoreThanOutstanding { outstanding: yuan(1520), amount: yuan(2000) });
    assert_eq!(err.message().render(crate::i18n::Lang::Zh), "结算金额2,000.00元超过尚未追回的1,520.00元。");
    // a write-off needs a reason,
    let bare = r.settle(settlement(SettlementKind::WrittenOff, yuan(1520), "  "), false);
    assert_eq!(bare, Err(RecoveryError::WriteOffWithoutReason));
    let r =
        r.settle(settlement(SettlementKind::WrittenOff, yuan(1520), "家庭无力偿还，经局务会研究核销"), false).unwrap();
    // and then it is settled: nothing more is taken.
    assert!(r.is_settled());
    let done = r.settle(settlement(SettlementKind::Repaid, yuan(1), ""), true);
    assert_eq!(done, Err(RecoveryError::AlreadySettled));
    assert_eq!(r.settle(settlement(SettlementKind::Repaid, Fen::ZERO, ""), true), Err(RecoveryError::AlreadySettled));
}

#[test]
fn an_offset_takes_at_most_the_later_line() {
    // Given 2,520元 outstanding and a later month's line of 900元,
    let o = offset_against(yuan(900), yuan(2520));
    // the line pays nothing and settles 900元;
    assert_eq!(o, Offset { pays: Fen::ZERO, offset: yuan(900) });
    // with 300元 outstanding it pays 600元.
    assert_eq!(offset_against(yuan(900), yuan(300)), Offset { pays: yuan(600), offset: yuan(300) });
}

proptest! {
    #[test]
    fn an_offset_never_leaves_a_negative_line(line in 0i64..10_000_000, outstanding in -1_000i64..10_000_000) {
        let o = offset_against(Fen(line), Fen(outstanding));
        prop_assert!(o.pays >= Fen::ZERO && o.offset >= Fen::ZERO);
        prop_assert_eq!(o.pays.0 + o.offset.0, line);
        prop_assert!(o.offset.0 <= outstanding.max(0));
    }

    #[test]
    fn settlements_never_exceed_the_amount(amount in 1i64..1_000_000, tries in prop::collection::vec((0u8..3, -10i64..600_000), 0..12)) {
        let mut r = Recovery { amount: Fen(amount), cause: RecoveryCause::Error, settlements: Vec::new() };
        for (kind, fen) in tries {
            let kind = [SettlementKind::Repaid, SettlementKind::Offset, SettlementKind::WrittenOff][kind as usize];
            if let Ok(next) = r.settle(settlement(kind, Fen(fen), "理由"), true) {
                r = next;
            }
            prop_assert!(r.settled() <= r.amount && r.outstanding() >= Fen::ZERO);
        }
    }
}

fn later(key: PayeeKey, state: RollState, last: &str, result: LineResult) -> LaterLine {
    LaterLine { key, roll_state: state, last_month: m(last), result }
}

fn dibao_key() -> PayeeKey {
    PayeeKey { payee: crate::payment::roll::Payee::Household(HOME), program: Program::Dibao }
}

#[test]
fn given_months_recovered_to_june_when_an_offset_names_a_later_line_then_only_a_payment_after_june_will_do() {
    // Given a recovery of the household's 低保 whose months recovered end in 2026年6月
    let key = dibao_key();
    let last = Some(m("2026-06"));
    // When the offset names the household's approved July line, paid or on its way
    // Then it may be set against it
    assert!(may_offset_against(key, last, &later(key, RollState::Closed, "2026-07", LineResult::Paid)));
    assert!(may_offset_against(key, last, &later(key, RollState::Exported, "2026-07", LineResult::Pending)));
    // But not a line of June or before: those are the months being recovered
    assert!(!may_offset_against(key, last, &later(key, RollState::Closed, "2026-06", LineResult::Paid)));
    // Nor a draft's line (it may still change), a failed line (paid again by
    // another) or a line never sent for want of an account
    assert!(!may_offset_against(key, last, &later(key, RollState::Draft, "2026-07", LineResult::Pending)));
    assert!(!may_offset_against(key, last, &later(key, RollState::Closed, "2026-07", LineResult::Failed)));
    assert!(!may_offset_against(key, last, &later(key, RollState::Approved, "2026-07", LineResult::NoAccount)));
    // Nor another payee line's payment, even of the same household
    let tekun = PayeeKey { program: Program::Tekun, ..key };
    assert!(!may_offset_against(key, last, &later(tekun, RollState::Closed, "2026-07", LineResult::Paid)));
}
