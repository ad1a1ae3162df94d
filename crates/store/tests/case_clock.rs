//! The columns the inbox counts from, on SQLite and PostgreSQL: open cases
//! counted per township, late (by the step's day, the step's instant or the
//! overall limit; never while suspended) and due soon, the late list, and
//! migration 0011 filling `suspended` and `step_due_at` in from the stored
//! state of cases written before it.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use jiuzhu_domain::case::Due;
use jiuzhu_domain::household::{HouseholdFields, MemberFields, PersonName};
use jiuzhu_domain::{IdNumber, RegionCode, Relation};
use jiuzhu_store::case::{
    ApplicationRow, CaseFilter, CaseRow, OpenCounts, get_case, insert_application, insert_case, list_cases,
    open_case_counts,
};
use jiuzhu_store::*;
use jiuzhu_testkit::RawDb;

jiuzhu_testkit::on_both_databases!(
    open_cases_are_counted_late_and_due_soon_from_the_columns,
    migration_fills_the_columns_in_from_the_state
);

/// Friday 2025-10-31, 11:00:00.500 in Beijing.
fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 10, 31, 3, 0, 0).unwrap() + chrono::Duration::milliseconds(500)
}

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// A household in `village` with an application; (household, application).
async fn applicant(tx: &mut Tx, village: &str, seq: u16) -> (i64, i64) {
    let fields = HouseholdFields {
        external_id: format!("H{seq}"),
        region_code: RegionCode::parse(village).unwrap(),
        address: "1号".into(),
        phone: String::new(),
        program: None,
        monthly_benefit: None,
    };
    let household = insert_household(tx, &fields, now()).await.unwrap();
    let member = MemberFields {
        id_number: IdNumber::from_parts("340102", day("1950-01-01"), seq).unwrap(),
        name: PersonName::parse("张建国").unwrap(),
        relation: Relation::Head,
        co_residing: true,
        disability: None,
        serious_illness: false,
    };
    insert_person(tx, household, &member, now()).await.unwrap();
    let row = ApplicationRow {
        id: 0,
        household_id: household,
        region_code: village.into(),
        detail: "{}".into(),
        created_by: "test".into(),
        created_at: now(),
    };
    (household, insert_application(tx, &row).await.unwrap())
}

/// A case's columns and the state they were written from (only the parts
/// migration 0011 reads, in the domain's own serialisation).
#[derive(Clone, Copy, Default)]
struct Clock {
    open: bool,
    step: Option<Due>,
    overall: Option<&'static str>,
    suspended_on: Option<&'static str>,
}

async fn case(tx: &mut Tx, (household, application): (i64, i64), village: &str, c: Clock) -> i64 {
    let state = serde_json::json!({
        "step_due": c.step,
        "suspended_on": c.suspended_on.map(day),
    });
    let row = CaseRow {
        id: 0,
        application_id: application,
        household_id: household,
        region_code: village.into(),
        kind: "dibao".into(),
        stage: if c.open { "investigation" } else { "approved" }.into(),
        open: c.open,
        step_due: c.step.map(Due::date),
        step_due_at: match c.step {
            Some(Due::Instant(at)) => Some(at),
            _ => None,
        },
        overall_due: c.overall.map(day),
        suspended: c.suspended_on.is_some(),
        cause: None,
        decided_on: None,
        amount_fen: None,
        state: state.to_string(),
        decision: None,
        version: 1,
        created_at: now(),
    };
    insert_case(tx, &row).await.unwrap()
}

fn open(step: Option<Due>, overall: Option<&'static str>) -> Clock {
    Clock { open: true, step, overall, suspended_on: None }
}

fn date(s: &str) -> Option<Due> {
    Some(Due::Date(day(s)))
}

fn at(t: DateTime<Utc>) -> Option<Due> {
    Some(Due::Instant(t))
}

/// Cases of 城关镇 (two villages) and 河口镇 with every kind of clock; the
/// ids of the late ones.
async fn county(tx: &mut Tx) -> Vec<i64> {
    upsert_regions(tx, &jiuzhu_testkit::sample_regions()).await.unwrap();
    let east = applicant(tx, "340102001001", 1).await;
    let south = applicant(tx, "340102001002", 3).await;
    let west = applicant(tx, "340102002001", 5).await;
    let ms = chrono::Duration::milliseconds;
    let mut late = Vec::new();
    // 城关镇东村: late by the step's day (yesterday), not late on the day itself.
    late.push(case(tx, east, "340102001001", open(date("2025-10-30"), None)).await);
    case(tx, east, "340102001001", open(date("2025-10-31"), None)).await;
    // Due soon: within two working days (Monday 11-03 and Tuesday 11-04; not Wednesday).
    case(tx, east, "340102001001", open(date("2025-11-03"), Some("2025-12-31"))).await;
    case(tx, east, "340102001001", open(date("2025-11-05"), None)).await;
    // Late by the overall limit although the step is not due yet.
    late.push(case(tx, east, "340102001001", open(date("2025-11-04"), Some("2025-10-30"))).await);
    // 城关镇南村: 急难 due at an instant: a millisecond ago is late, now or later is not.
    late.push(case(tx, south, "340102001002", open(at(now() - ms(1)), None)).await);
    case(tx, south, "340102001002", open(at(now()), None)).await;
    case(tx, south, "340102001002", open(at(now() + ms(1)), None)).await;
    // Its day is today, but the instant decides.
    case(tx, south, "340102001002", open(at(now() + ms(3_600_000)), None)).await;
    // Suspended: every clock stopped, neither late nor due soon.
    let suspended = Clock { suspended_on: Some("2025-10-20"), ..open(date("2025-10-21"), Some("2025-10-22")) };
    case(tx, south, "340102001002", suspended).await;
    let suspended_soon = Clock { suspended_on: Some("2025-10-20"), ..open(date("2025-11-03"), None) };
    case(tx, south, "340102001002", suspended_soon).await;
    // Closed cases are not counted at all.
    case(tx, south, "340102001002", Clock { open: false, ..open(date("2025-10-01"), Some("2025-10-01")) }).await;
    // 河口镇西村: undated, and late by its day.
    case(tx, west, "340102002001", open(None, None)).await;
    late.push(case(tx, west, "340102002001", open(date("2025-10-01"), None)).await);
    late
}

async fn open_cases_are_counted_late_and_due_soon_from_the_columns(db: Db) {
    let mut tx = db.begin().await.unwrap();
    let late = county(&mut tx).await;
    let today = day("2025-10-31");
    let soon_by = Some(day("2025-11-04"));
    let counts = open_case_counts(&mut tx, &Within::everything(), today, now(), soon_by).await.unwrap();
    let count = |township: &str, open, late, due_soon| OpenCounts { township: township.into(), open, late, due_soon };
    assert_eq!(counts, vec![count("340102001", 11, 3, 5), count("340102002", 2, 1, 0)]);
    // A township's clerk: only theirs; no working-day limit known: nothing due soon.
    let township = RegionCode::parse("340102002").unwrap();
    let theirs = open_case_counts(&mut tx, &Within::region(township), today, now(), None).await.unwrap();
    assert_eq!(theirs, vec![count("340102002", 2, 1, 0)]);
    let village = RegionCode::parse("340102001001").unwrap();
    let east = open_case_counts(&mut tx, &Within::region(village), today, now(), None).await.unwrap();
    assert_eq!(east, vec![count("340102001", 5, 2, 0)]);

    // The late list holds exactly the late ones, by step due date.
    let filter =
        CaseFilter { open_only: true, late_at: Some((today, now())), ..CaseFilter::new(Within::everything(), 100) };
    let listed: Vec<i64> = list_cases(&mut tx, &filter).await.unwrap().iter().map(|c| c.id).collect();
    assert_eq!(listed, vec![late[3], late[0], late[2], late[1]], "10-01, 10-30, today's instant, 11-04");
    let all = CaseFilter { open_only: true, ..CaseFilter::new(Within::everything(), 100) };
    assert_eq!(list_cases(&mut tx, &all).await.unwrap().len(), 13, "without late_at every open case");
    // A second later the instant due now is late too.
    let later = open_case_counts(&mut tx, &Within::everything(), today, now() + chrono::Duration::seconds(1), soon_by)
        .await
        .unwrap();
    assert_eq!(later[0].late, 5);
    // The columns round-trip.
    let row = get_case(&mut tx, late[2]).await.unwrap().unwrap();
    assert_eq!((row.step_due_at, row.suspended), (Some(now() - chrono::Duration::milliseconds(1)), false));
}

/// Cases written before migration 0011 had neither column: it adds them
/// and fills them in from each case's state, so that the counts and the
/// late list read them exactly as if the cases had been written since.
async fn migration_fills_the_columns_in_from_the_state(db: Db) {
    let raw = RawDb::new(db).await;
    let db = &raw.db;
    let mut tx = db.begin().await.unwrap();
    let late = county(&mut tx).await;
    tx.commit().await.unwrap();
    let before = {
        let mut tx = db.begin().await.unwrap();
        list_cases(&mut tx, &CaseFilter::new(Within::everything(), 100)).await.unwrap()
    };
    assert_eq!(before.iter().filter(|c| c.suspended).count(), 2);
    assert_eq!(before.iter().filter(|c| c.step_due_at.is_some()).count(), 4);

    // Given the cases as they were stored before 0011, when the migration runs,
    raw.rerun_migration(
        11,
        "ALTER TABLE assistance_case DROP COLUMN suspended; ALTER TABLE assistance_case DROP COLUMN step_due_at",
    )
    .await;
    // then every case reads as written, instants to the millisecond,
    let mut tx = db.begin().await.unwrap();
    let after = list_cases(&mut tx, &CaseFilter::new(Within::everything(), 100)).await.unwrap();
    assert_eq!(after, before);
    // and they count and list as before (an instant a millisecond away decides).
    let today = day("2025-10-31");
    let counts = open_case_counts(&mut tx, &Within::everything(), today, now(), Some(day("2025-11-04"))).await.unwrap();
    assert_eq!(counts.iter().map(|c| (c.open, c.late, c.due_soon)).collect::<Vec<_>>(), vec![(11, 3, 5), (2, 1, 0)]);
    let filter =
        CaseFilter { open_only: true, late_at: Some((today, now())), ..CaseFilter::new(Within::everything(), 100) };
    let listed: Vec<i64> = list_cases(&mut tx, &filter).await.unwrap().iter().map(|c| c.id).collect();
    assert_eq!(listed, vec![late[3], late[0], late[2], late[1]]);
}
