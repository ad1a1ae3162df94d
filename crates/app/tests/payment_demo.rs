//! The demo county's payment history (issue 12 point 9) on SQLite and
//! PostgreSQL: given a freshly loaded demo county, the last four months are
//! paid by regular rolls prepared by `county` and approved by `shenpi`
//! (two people), their returns imported with every line paid but one
//! 账户已销户; that correction is resolved after the payee's new card is
//! recorded and the month paid to it once, by a supplementary roll into the
//! new card; a head's death entered late is recovered from the family and
//! partly repaid; the current month's roll waits as a draft that `shenpi`
//! may approve.

use chrono::{DateTime, TimeZone, Utc};
use jiuzhu_app::payment::demo as demo_payments;
use jiuzhu_app::payment::recovery;
use jiuzhu_app::payment::returns::list_corrections;
use jiuzhu_app::payment::roll::{self as pay};
use jiuzhu_app::{Actor, Db, Scope, demo};
use jiuzhu_domain::entitlement::YearMonth;
use jiuzhu_domain::payment::roll::{LineResult, RollKind, RollState};
use jiuzhu_domain::{RegionCode, Role};
use jiuzhu_testkit::RawDb;

jiuzhu_testkit::on_both_databases!(the_demo_county_has_paid_months_and_one_failure_corrected_and_paid_once);

/// Wednesday 2026-12-02, 10:00 in Beijing.
fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 2, 2, 0, 0).unwrap()
}

fn county() -> RegionCode {
    RegionCode::parse(demo::COUNTY_CODE).unwrap()
}

async fn the_demo_county_has_paid_months_and_one_failure_corrected_and_paid_once(db: Db) {
    let raw = RawDb::new(db).await;
    let db = raw.db.clone();
    demo::load_demo(&db, &Actor::system(), now(), 7, 300, &mut |_, _| {}).await.unwrap();
    let auditor = Actor::user(301, "auditor", &[Role::Auditor], Scope::Region(county()));
    let approver = Actor::user(302, "shenpi", &[Role::CountyApprover], Scope::Region(county()));
    let this_month = YearMonth::of(jiuzhu_domain::i18n::china_date(now()));

    // Given the demo: six rolls, newest first.
    let rolls = pay::list_rolls(&db, &auditor, now(), None, None).await.unwrap();
    let regular: Vec<_> = rolls.iter().filter(|r| r.kind == RollKind::Regular).collect();
    let months: Vec<YearMonth> = regular.iter().map(|r| r.month).collect();
    assert_eq!(months, (0..=4).map(|ago| this_month.plus(-ago)).collect::<Vec<_>>());
    for r in &regular[1..] {
        assert_eq!(r.state, RollState::Closed, "{}", r.month);
        assert_eq!((r.prepared_by.as_str(), r.approved_by.as_deref()), ("county", Some("shenpi")));
        assert!(r.lines > 100 && r.file_lines == Some(r.lines) && r.file_total_fen == Some(r.total_fen), "{r:?}");
        assert!(r.prepared_at < now() && r.approved_at.unwrap() > r.prepared_at);
        assert_eq!(jiuzhu_domain::i18n::china_date(r.prepared_at), r.month.first_day() + chrono::Days::new(2));
    }
    // The current month's roll waits for a second person.
    let draft = regular[0];
    assert_eq!(
        (draft.state, draft.prepared_by.as_str(), draft.approved_by.clone()),
        (RollState::Draft, "county", None)
    );
    assert!(pay::get_roll(&db, &approver, now(), draft.id).await.unwrap().can_approve);

    // One payment failed, 账户已销户, in one month; everything else was paid.
    let failed_month = this_month.plus(-2);
    assert_eq!(raw.count("SELECT COUNT(*) FROM payment_line WHERE result = 'failed'").await, 1);
    assert_eq!(
        raw.count(&format!(
            "SELECT COUNT(*) FROM payment_line l JOIN payment_roll r ON r.id = l.roll_id
             WHERE l.result = 'failed' AND l.failure_reason = '账户已销户' AND r.month = {} AND r.kind = 'regular'",
            failed_month.yyyymm()
        ))
        .await,
        1
    );
    assert_eq!(
        raw.count(
            "SELECT COUNT(*) FROM payment_line l JOIN payment_roll r ON r.id = l.roll_id
             WHERE r.state = 'closed' AND l.result NOT IN ('paid', 'failed')"
        )
        .await,
        0,
        "every line of a closed roll paid but the failure (every payee has an account)"
    );

    // Its correction was resolved by the clerk.
    let corrections = list_corrections(&db, &auditor, now(), None, false).await.unwrap();
    assert_eq!(corrections.len(), 1);
    let c = &corrections[0];
    assert_eq!((c.open, c.reason.as_str(), c.resolved_by.as_deref()), (false, "账户已销户", Some("county")));
    assert_eq!(c.roll_month, failed_month.yyyymm());

    // A supplementary roll of that month paid it, once, into the new card.
    let supplementary: Vec<_> = rolls.iter().filter(|r| r.kind == RollKind::Supplementary).collect();
    assert_eq!(supplementary.len(), 1);
    let s = supplementary[0];
    assert_eq!((s.month, s.state, s.lines), (failed_month, RollState::Closed, 1));
    assert_eq!((s.prepared_by.as_str(), s.approved_by.as_deref()), ("county", Some("shenpi")));
    assert_eq!(s.total_fen, c.amount_fen);
    let detail = pay::roll_detail(&db, &auditor, now(), s.id, 1).await.unwrap();
    let paid = &detail.lines[0];
    assert_eq!((paid.household_id, paid.result, paid.amount_fen), (c.household_id, LineResult::Paid, c.amount_fen));
    assert_ne!(paid.account_masked.as_deref(), Some(c.account_masked.as_str()), "paid into the new card");
    let household = c.household_id;
    assert_eq!(
        raw.count(&format!(
            "SELECT COUNT(*) FROM payment_claim WHERE household_id = {household} AND month = {} AND state = 'live'",
            failed_month.yyyymm()
        ))
        .await,
        1,
        "the failed month paid once"
    );
    assert_eq!(
        raw.count(&format!(
            "SELECT COUNT(*) FROM payment_claim WHERE household_id = {household} AND roll_id = {} AND state = 'live'",
            s.id
        ))
        .await,
        1
    );
    assert_eq!(raw.count("SELECT COUNT(*) FROM payment_claim WHERE state = 'held'").await, 0);
    // The account closed is history; the new one is current.
    assert_eq!(
        raw.count(&format!(
            "SELECT COUNT(*) FROM payee_account WHERE household_id = {household} AND replaced_at IS NOT NULL"
        ))
        .await,
        1
    );
    // Every month paid from the first roll on is claimed live once per
    // payee and programme (the database's unique index), and no month
    // before the first roll is paid.
    assert_eq!(
        raw.count(&format!("SELECT COUNT(*) FROM payment_claim WHERE month < {}", this_month.plus(-4).yyyymm())).await,
        0
    );

    // One recovery: a head's death three months ago entered this month;
    // the two months paid after it are recovered from the family, one of
    // them repaid; nothing of it is left to find again.
    let recoveries = recovery::list_recoveries(&db, &auditor, now(), None, false).await.unwrap();
    assert_eq!(recoveries.len(), 1);
    let r = &recoveries[0];
    let died = this_month.plus(-demo_payments::DEATH_MONTHS_AGO);
    assert_eq!(r.cause, "death");
    assert_eq!(r.months.iter().map(|m| m.month).collect::<Vec<_>>(), [died.plus(1).yyyymm(), died.plus(2).yyyymm()]);
    assert!(r.months.iter().all(|m| m.owed_fen == 0 && m.excess_fen == m.paid_fen && m.paid_fen > 0));
    assert_eq!(r.amount_fen, r.months.iter().map(|m| m.excess_fen).sum::<i64>());
    assert_eq!((r.state.as_str(), r.settled_fen), ("open", r.months[0].excess_fen));
    assert_eq!(r.settlements.len(), 1);
    assert_eq!((r.recorded_by.as_str(), r.settlements[0].settled_by.as_str()), ("county", "county"));
    assert!(recovery::find_overpayments(&db, &auditor, now(), r.household_id).await.unwrap().is_empty());
    // The draft roll of this month does not pay the deceased's household.
    assert_eq!(
        raw.count(&format!(
            "SELECT COUNT(*) FROM payment_line WHERE roll_id = {} AND household_id = {} AND program = 'dibao'
                 AND person_id IS NULL",
            draft.id, r.household_id
        ))
        .await,
        0
    );
}
