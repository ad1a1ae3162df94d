//! Given/when/then walks of a household's entitlements through changes, and
//! property tests: no two entitlements of one recipient and programme
//! overlap, and what a month owes is the sum of the entitlements covering it.

use super::*;
use proptest::prelude::*;

const HOME: i64 = 7;
const GRANDMOTHER: i64 = 71;

fn m(s: &str) -> YearMonth {
    YearMonth::parse(s).unwrap()
}

fn yuan(n: i64) -> Fen {
    Fen(n * 100)
}

/// A household's entitlements as the store would hold them: ids given in
/// order, each start and end applied by the rules.
#[derive(Default)]
struct Given {
    held: Vec<Entitlement>,
}

impl Given {
    fn start(
        &mut self,
        recipient: Recipient,
        program: Program,
        monthly: Fen,
        first: &str,
    ) -> Result<i64, EntitlementError> {
        let grant = Grant {
            household: HOME,
            recipient,
            program,
            monthly,
            first: m(first),
            decision: Some(100 + self.held.len() as i64),
            policy_versions: vec![1],
        };
        let start = start(&self.held, grant)?;
        self.apply_endings(&start.endings);
        let g = start.grant;
        let id = self.held.len() as i64 + 1;
        self.held.push(Entitlement {
            id,
            household: g.household,
            recipient: g.recipient,
            program: g.program,
            monthly: g.monthly,
            first: g.first,
            last: None,
            decision: g.decision,
            policy_versions: g.policy_versions,
            ended: None,
        });
        Ok(id)
    }

    fn end(&mut self, id: i64, last: &str, reason: EndReason) -> Result<(), EntitlementError> {
        let e = self.get(id).clone();
        let ending = end(&e, m(last), reason)?;
        self.apply_endings(&[ending]);
        Ok(())
    }

    fn apply_endings(&mut self, endings: &[Ending]) {
        for ending in endings {
            let e = self.held.iter_mut().find(|e| e.id == ending.id).unwrap();
            *e = e.clone().ended_by(ending);
        }
    }

    fn get(&self, id: i64) -> &Entitlement {
        self.held.iter().find(|e| e.id == id).unwrap()
    }

    fn owed_total(&self, month: &str) -> Fen {
        Fen(owed(&self.held, HOME, m(month)).iter().map(|(_, f)| f.0).sum())
    }
}

#[test]
fn a_members_tekun_does_not_replace_the_households_dibao() {
    // Given a household on 低保 since January, 1,260 元 a month
    let mut given = Given::default();
    let dibao = given.start(Recipient::Household, Program::Dibao, yuan(1260), "2026-01").unwrap();
    // When the grandmother is approved for 特困 from March
    let tekun = given.start(Recipient::Person(GRANDMOTHER), Program::Tekun, yuan(1100), "2026-03").unwrap();
    // Then the household keeps its 低保, open, and both are owed from March
    assert_eq!(given.get(dibao).last, None);
    assert_eq!(given.get(dibao).ended, None);
    assert_eq!(given.owed_total("2026-02"), yuan(1260));
    let march: Vec<i64> = owed(&given.held, HOME, m("2026-03")).iter().map(|(e, _)| e.id).collect();
    assert_eq!(march, vec![dibao, tekun]);
    assert_eq!(given.owed_total("2026-03"), yuan(2360));
}

#[test]
fn an_individual_dibao_is_its_own_line_beside_the_households() {
    let mut given = Given::default();
    given.start(Recipient::Household, Program::Dibao, yuan(900), "2026-01").unwrap();
    let single = given.start(Recipient::Person(GRANDMOTHER), Program::Dibao, yuan(600), "2026-02").unwrap();
    assert_eq!(given.get(single).program_key(), "CaseKind.dibao_individual");
    assert_eq!(given.held[0].program_key(), "CaseKind.dibao");
    assert_eq!(given.owed_total("2026-02"), yuan(1500));
}

#[test]
fn a_year_reconstructed_across_a_change_in_april_and_an_end_in_september() {
    // Given 低保 of 1,000 元 from January
    let mut given = Given::default();
    let first = given.start(Recipient::Household, Program::Dibao, yuan(1000), "2026-01").unwrap();
    // When a review changes the amount to 1,200 元 from April
    let second = given.start(Recipient::Household, Program::Dibao, yuan(1200), "2026-04").unwrap();
    // Then the first ends in March as changed
    assert_eq!((given.get(first).last, given.get(first).ended), (Some(m("2026-03")), Some(EndReason::Changed)));
    // When assistance stops after September
    given.end(second, "2026-09", EndReason::Stopped).unwrap();
    // Then every month of the year owes what the entitlement then in force said
    let year: Vec<(String, i64)> = monthly_totals(&given.held, HOME, m("2026-01"), m("2026-12"))
        .into_iter()
        .map(|o| (o.month.to_string(), o.total.0 / 100))
        .collect();
    let expected: Vec<(String, i64)> = [1000, 1000, 1000, 1200, 1200, 1200, 1200, 1200, 1200, 0, 0, 0]
        .into_iter()
        .enumerate()
        .map(|(i, y)| (format!("2026-{:02}", i + 1), y))
        .collect();
    assert_eq!(year, expected);
    // And another household's months are not its
    assert!(owed(&given.held, HOME + 1, m("2026-05")).is_empty());
}

#[test]
fn a_grant_replaced_before_it_began_owes_nothing_and_stays_in_the_history() {
    // Given 低保 granted from April
    let mut given = Given::default();
    let april = given.start(Recipient::Household, Program::Dibao, yuan(1000), "2026-04").unwrap();
    // When a correction in the same month grants 1,100 元 from April instead
    let corrected = given.start(Recipient::Household, Program::Dibao, yuan(1100), "2026-04").unwrap();
    // Then the first is void: ended before its first month, owing nothing
    let first = given.get(april);
    assert_eq!((first.last, first.ended), (Some(m("2026-03")), Some(EndReason::Changed)));
    assert!(first.is_void() && !first.covers(m("2026-04")) && !first.is_current(m("2026-04")));
    assert_eq!(given.owed_total("2026-04"), yuan(1100));
    // And a decision reaching back to February replaces that one too
    given.start(Recipient::Household, Program::Dibao, yuan(1200), "2026-02").unwrap();
    assert!(given.get(corrected).is_void());
    assert_eq!(given.get(corrected).last, Some(m("2026-03")));
    assert_eq!(given.owed_total("2026-02"), yuan(1200));
    assert_eq!(given.owed_total("2026-05"), yuan(1200));
    assert_eq!(given.held.len(), 3);
}

#[test]
fn a_start_after_an_ended_one_leaves_it_as_it_was() {
    let mut given = Given::default();
    let old = given.start(Recipient::Household, Program::Dibao, yuan(1000), "2025-01").unwrap();
    given.end(old, "2025-06", EndReason::Stopped).unwrap();
    given.start(Recipient::Household, Program::Dibao, yuan(1100), "2026-01").unwrap();
    assert_eq!((given.get(old).last, given.get(old).ended), (Some(m("2025-06")), Some(EndReason::Stopped)));
    assert_eq!(given.owed_total("2025-09"), Fen::ZERO);
}

#[test]
fn ending_is_checked() {
    let mut given = Given::default();
    let id = given.start(Recipient::Person(GRANDMOTHER), Program::Tekun, yuan(1100), "2026-03").unwrap();
    assert_eq!(
        given.end(id, "2026-02", EndReason::Death),
        Err(EntitlementError::EndsBeforeStart { first: m("2026-03"), last: m("2026-02") })
    );
    // Ending in its first month owes that one month
    given.end(id, "2026-03", EndReason::Death).unwrap();
    assert_eq!(given.owed_total("2026-03"), yuan(1100));
    assert_eq!(given.owed_total("2026-04"), Fen::ZERO);
    assert_eq!(given.end(id, "2026-03", EndReason::Death), Err(EntitlementError::AlreadyEnded));
}

#[test]
fn a_planned_last_month_may_be_brought_forward_not_pushed_back() {
    let e = Entitlement {
        id: 1,
        household: HOME,
        recipient: Recipient::Household,
        program: Program::Dibao,
        monthly: yuan(500),
        first: m("2026-01"),
        last: Some(m("2026-06")),
        decision: None,
        policy_versions: vec![],
        ended: None,
    };
    assert_eq!(end(&e, m("2026-04"), EndReason::Stopped).map(|x| x.last), Ok(m("2026-04")));
    assert_eq!(
        end(&e, m("2026-08"), EndReason::Stopped),
        Err(EntitlementError::EndsAfterPlanned { planned: m("2026-06"), last: m("2026-08") })
    );
}

#[test]
fn a_negative_amount_is_refused() {
    let mut given = Given::default();
    assert_eq!(
        given.start(Recipient::Household, Program::Dibao, Fen(-1), "2026-01"),
        Err(EntitlementError::NegativeAmount)
    );
}

#[test]
fn the_first_month_follows_the_regions_rule() {
    let applied = NaiveDate::from_ymd_opt(2026, 1, 28).unwrap();
    let decided = NaiveDate::from_ymd_opt(2026, 2, 20).unwrap();
    assert_eq!(first_month(FirstPayment::NextMonth, applied, decided), m("2026-03"));
    assert_eq!(first_month(FirstPayment::ApprovalMonth, applied, decided), m("2026-02"));
    assert_eq!(first_month(FirstPayment::ApplicationMonth, applied, decided), m("2026-01"));
    let december = NaiveDate::from_ymd_opt(2026, 12, 31).unwrap();
    assert_eq!(first_month(FirstPayment::NextMonth, december, december), m("2027-01"));
}

#[test]
fn months_read_and_print_as_offices_write_them() {
    for raw in ["2026-04", "2026-4", "202604", "2026/04", "2026年4月", " 2026.4 "] {
        assert_eq!(YearMonth::parse(raw), YearMonth::new(2026, 4), "{raw}");
    }
    for raw in ["2026-13", "2026-00", "20261", "April", "", "1899-12"] {
        assert_eq!(YearMonth::parse(raw), None, "{raw}");
    }
    let april = m("2026-04");
    assert_eq!(april.label(Lang::Zh), "2026年4月");
    assert_eq!(april.label(Lang::En), "2026-04");
    assert_eq!(april.yyyymm(), 202604);
    assert_eq!(YearMonth::from_yyyymm(202604), Some(april));
    assert_eq!(m("2026-12").next(), m("2027-01"));
    assert_eq!(m("2027-01").prev(), m("2026-12"));
    assert_eq!(YearMonth::of(NaiveDate::from_ymd_opt(2026, 4, 30).unwrap()), april);
    assert_eq!(april.first_day(), NaiveDate::from_ymd_opt(2026, 4, 1).unwrap());
    assert_eq!(m("2026-11").plus(3), m("2027-02"));
    assert_eq!(m("2026-11").plus(-11), m("2025-12"));
    assert_eq!(m("2026-11").plus(-23), m("2024-12"));
    assert_eq!(m("2026-11").through(m("2027-02")).count(), 4);
    assert_eq!(m("2026-11").through(m("2026-10")).count(), 0);
    assert_eq!(String::from(april), "2026-04");
    assert_eq!(YearMonth::try_from("2026-04".to_string()), Ok(april));
}

#[test]
fn every_error_has_a_message_in_the_catalogue() {
    let april = m("2026-04");
    for e in [
        EntitlementError::NegativeAmount,
        EntitlementError::AlreadyEnded,
        EntitlementError::EndsBeforeStart { first: april, last: april },
        EntitlementError::EndsAfterPlanned { planned: april, last: april },
    ] {
        assert!(crate::i18n::has_key(e.message().key), "{e}");
    }
    for reason in EndReason::ALL {
        assert!(crate::i18n::has_key(reason.message_key()));
    }
}

#[test]
fn history_entries_read_as_sentences() {
    let started = EntitlementEvent::Started {
        program: Program::Tekun,
        recipient: Some("李秀英".into()),
        monthly: yuan(1100),
        first: m("2026-03"),
        decision: Some(12),
    };
    assert_eq!(started.action(), "entitlement_started");
    assert_eq!(started.render(Lang::Zh), "特困人员救助供养（李秀英），每月1,100.00元，自2026年3月起");
    assert_eq!(started.render(Lang::En), "Extreme-poverty support (tekun) (李秀英), 1,100.00元 a month from 2026-03");
    let ended = EntitlementEvent::Ended {
        program: Program::Dibao,
        recipient: None,
        last: m("2026-09"),
        reason: EndReason::Stopped,
    };
    assert_eq!(ended.action(), "entitlement_ended");
    assert_eq!(ended.render(Lang::Zh), "最低生活保障（全户）发放至2026年9月止，原因：停止救助");
    let single = EntitlementEvent::Started {
        program: Program::Dibao,
        recipient: Some("王芳".into()),
        monthly: yuan(600),
        first: m("2026-02"),
        decision: None,
    };
    assert!(single.render(Lang::Zh).starts_with("低保（单人保）（王芳）"));
}

/// One operation of a random history: start a line from a month with an
/// amount, or end the latest entitlement of a line at a month.
#[derive(Debug, Clone)]
enum Op {
    Start { line: usize, month: u32, yuan: i64 },
    End { line: usize, month: u32 },
}

const LINES: [(Recipient, Program); 4] = [
    (Recipient::Household, Program::Dibao),
    (Recipient::Person(GRANDMOTHER), Program::Tekun),
    (Recipient::Person(GRANDMOTHER), Program::Dibao),
    (Recipient::Person(72), Program::Tekun),
];

/// Month `n` counted from January 2025.
fn nth(n: u32) -> YearMonth {
    YearMonth::new(2025 + (n / 12) as i32, n % 12 + 1).unwrap()
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0..LINES.len(), 0u32..36, 0i64..3000).prop_map(|(line, month, yuan)| Op::Start { line, month, yuan }),
        (0..LINES.len(), 0u32..36).prop_map(|(line, month)| Op::End { line, month }),
    ]
}

proptest! {
    #[test]
    fn lines_never_overlap_and_months_owe_the_sum_covering_them(ops in prop::collection::vec(op(), 0..40)) {
        let mut given = Given::default();
        for op in ops {
            // Refused operations change nothing; the rules decide which.
            let _ = match op {
                Op::Start { line, month, yuan: y } => {
                    let (recipient, program) = LINES[line];
                    given.start(recipient, program, yuan(y), &nth(month).to_string()).map(|_| ())
                }
                Op::End { line, month } => {
                    let (recipient, program) = LINES[line];
                    match given.held.iter().rev().find(|e| e.same_line(HOME, recipient, program)) {
                        Some(e) => given.end(e.id, &nth(month).to_string(), EndReason::Stopped),
                        None => Ok(()),
                    }
                }
            };
        }
        // No two entitlements of one line share a month.
        for (i, a) in given.held.iter().enumerate() {
            prop_assert!(!a.is_void() || a.ended == Some(EndReason::Changed), "emptied otherwise {a:?}");
            for b in &given.held[i + 1..] {
                // A void entitlement covers no month, so overlaps nothing.
                if a.same_line(b.household, b.recipient, b.program) && !a.is_void() && !b.is_void() {
                    let a_before_b = a.last.is_some_and(|l| l < b.first);
                    let b_before_a = b.last.is_some_and(|l| l < a.first);
                    prop_assert!(a_before_b || b_before_a, "overlap: {a:?} {b:?}");
                }
            }
        }
        // A month owes the sum of the entitlements covering it, counted
        // independently by month indices.
        let horizon = 40usize;
        let mut expected = vec![0i64; horizon];
        for e in &given.held {
            let index = |ym: YearMonth| i64::from((ym.year() - 2025) * 12 + ym.month() as i32 - 1);
            let last = e.last.map_or(horizon as i64 - 1, |l| index(l).min(horizon as i64 - 1));
            let first = index(e.first);
            for slot in expected.iter_mut().take((last + 1).max(0) as usize).skip(first.max(0) as usize) {
                *slot += e.monthly.0;
            }
        }
        let totals = monthly_totals(&given.held, HOME, nth(0), nth(horizon as u32 - 1));
        let got: Vec<i64> = totals.iter().map(|o| o.total.0).collect();
        prop_assert_eq!(got, expected);
    }
}
