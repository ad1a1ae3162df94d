//! Entitlement queries and migration 0009 on SQLite and PostgreSQL: rows
//! round-trip, ending is once, the database refuses a second open
//! entitlement of one line, and the migration turns approved cases and
//! roster enrolments into entitlements.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use jiuzhu_domain::entitlement::{EndReason, Ending, Grant, Recipient, YearMonth};
use jiuzhu_domain::household::{HouseholdFields, MemberFields, PersonName};
use jiuzhu_domain::{Fen, IdNumber, Program, RegionCode, Relation};
use jiuzhu_store::case::{ApplicationRow, CaseRow, insert_application, insert_case};
use jiuzhu_store::entitlement::*;
use jiuzhu_store::*;
use jiuzhu_testkit::RawDb;

jiuzhu_testkit::on_both_databases!(
    rows_round_trip_and_end_once,
    one_open_entitlement_per_line,
    migration_moves_enrolments,
    roster_enrolments_start_once,
);

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 10, 31, 8, 30, 0).unwrap()
}

fn m(s: &str) -> YearMonth {
    YearMonth::parse(s).unwrap()
}

fn member(seq: u16, name: &str, relation: Relation) -> MemberFields {
    MemberFields {
        id_number: IdNumber::from_parts("340102", NaiveDate::from_ymd_opt(1950, 1, 1 + u32::from(seq)).unwrap(), seq)
            .unwrap(),
        name: PersonName::parse(name).unwrap(),
        relation,
        co_residing: true,
        disability: None,
        serious_illness: false,
    }
}

/// A household of two in 东村 with the roster's programme and amount; the
/// household's id and the grandmother's.
async fn household(tx: &mut Tx, external_id: &str, seq: u16, program: Option<Program>, fen: Option<i64>) -> (i64, i64) {
    let fields = HouseholdFields {
        external_id: external_id.into(),
        region_code: RegionCode::parse("340102001001").unwrap(),
        address: "东村1号".into(),
        phone: String::new(),
        program,
        monthly_benefit: fen.map(Fen),
    };
    let id = insert_household(tx, &fields, t0()).await.unwrap();
    insert_person(tx, id, &member(seq, "张建国", Relation::Head), t0()).await.unwrap();
    let grandmother = insert_person(tx, id, &member(seq + 1, "李秀英", Relation::Parent), t0()).await.unwrap();
    (id, grandmother)
}

async fn seeded(db: &Db) -> Tx {
    let mut tx = db.begin().await.unwrap();
    upsert_regions(&mut tx, &jiuzhu_testkit::sample_regions()).await.unwrap();
    tx
}

fn grant(household: i64, recipient: Recipient, program: Program, yuan: i64, first: &str) -> Grant {
    Grant {
        household,
        recipient,
        program,
        monthly: Fen(yuan * 100),
        first: m(first),
        decision: None,
        policy_versions: vec![3, 5],
    }
}

async fn rows_round_trip_and_end_once(db: Db) {
    let mut tx = seeded(&db).await;
    let (home, grandmother) = household(&mut tx, "H1", 1, None, None).await;
    let dibao = insert_entitlement(&mut tx, &grant(home, Recipient::Household, Program::Dibao, 1260, "2026-01"), t0())
        .await
        .unwrap();
    let tekun = insert_entitlement(
        &mut tx,
        &grant(home, Recipient::Person(grandmother), Program::Tekun, 1100, "2026-03"),
        t0(),
    )
    .await
    .unwrap();
    let ending = Ending { id: dibao, last: m("2026-09"), reason: EndReason::Stopped };
    end_entitlement(&mut tx, &ending, t0()).await.unwrap();
    assert!(matches!(end_entitlement(&mut tx, &ending, t0()).await, Err(StoreError::NotFound)));

    let held = household_entitlements(&mut tx, home).await.unwrap();
    assert_eq!(held.iter().map(|e| e.id).collect::<Vec<_>>(), vec![dibao, tekun]);
    let e = &held[0];
    assert_eq!((e.program, e.recipient, e.monthly), (Program::Dibao, Recipient::Household, Fen(126_000)));
    assert_eq!((e.first, e.last, e.ended), (m("2026-01"), Some(m("2026-09")), Some(EndReason::Stopped)));
    assert_eq!(e.policy_versions, vec![3, 5]);
    assert_eq!(held[1].recipient, Recipient::Person(grandmother));
    assert_eq!(held[1].last, None);
    assert_eq!(get_entitlement(&mut tx, tekun).await.unwrap().as_ref(), Some(&held[1]));
    assert_eq!(get_entitlement(&mut tx, tekun + 100).await.unwrap(), None);

    let line = line_entitlements(&mut tx, home, Recipient::Person(grandmother), Program::Tekun).await.unwrap();
    assert_eq!(line.len(), 1);
    assert!(line_entitlements(&mut tx, home, Recipient::Household, Program::Tekun).await.unwrap().is_empty());
    assert_eq!(line_entitlements(&mut tx, home, Recipient::Household, Program::Dibao).await.unwrap().len(), 1);
}

async fn one_open_entitlement_per_line(db: Db) {
    let mut tx = seeded(&db).await;
    let (home, grandmother) = household(&mut tx, "H1", 1, None, None).await;
    insert_entitlement(&mut tx, &grant(home, Recipient::Household, Program::Dibao, 900, "2026-01"), t0())
        .await
        .unwrap();
    insert_entitlement(&mut tx, &grant(home, Recipient::Person(grandmother), Program::Tekun, 900, "2026-01"), t0())
        .await
        .unwrap();
    tx.commit().await.unwrap();

    for (recipient, program, constraint) in [
        (Recipient::Household, Program::Dibao, "entitlement_household_id_key"),
        (Recipient::Person(grandmother), Program::Tekun, "entitlement_person_id_key"),
    ] {
        let mut tx = db.begin().await.unwrap();
        let res = insert_entitlement(&mut tx, &grant(home, recipient, program, 1000, "2026-05"), t0()).await;
        match res {
            Err(StoreError::Conflict { constraint: c }) => assert_eq!(c, constraint),
            other => panic!("expected a conflict, got {other:?}"),
        }
    }
    // Another programme of the same household, or an ended line, is fine.
    let mut tx = db.begin().await.unwrap();
    insert_entitlement(&mut tx, &grant(home, Recipient::Person(grandmother), Program::Dibao, 600, "2026-01"), t0())
        .await
        .unwrap();
}

/// An approved case as the workflow leaves it.
async fn approved(tx: &mut Tx, household: i64, applicant: i64, kind: &str, decided: &str, fen: i64) -> i64 {
    let application = insert_application(
        tx,
        &ApplicationRow {
            id: 0,
            household_id: household,
            region_code: "340102001001".into(),
            detail: format!(r#"{{"applicant_person_id":{applicant},"applicant_name":"x"}}"#),
            created_by: "test".into(),
            created_at: t0(),
        },
    )
    .await
    .unwrap();
    insert_case(
        tx,
        &CaseRow {
            id: 0,
            application_id: application,
            household_id: household,
            region_code: "340102001001".into(),
            kind: kind.into(),
            stage: "approved".into(),
            open: false,
            step_due: None,
            step_due_at: None,
            overall_due: None,
            suspended: false,
            cause: None,
            decided_on: Some(decided.parse().unwrap()),
            amount_fen: Some(fen),
            state: "{}".into(),
            decision: Some(r#"{"outcome":"approved","policy_versions":[1,4]}"#.into()),
            version: 1,
            created_at: t0(),
        },
    )
    .await
    .unwrap()
}

async fn migration_moves_enrolments(db: Db) {
    let raw = RawDb::new(db).await;
    let db = &raw.db;
    let mut tx = seeded(db).await;
    // A roster enrolment, never decided here.
    let (roster, _) = household(&mut tx, "H1", 1, Some(Program::Dibao), Some(68_000)).await;
    // 低保 approved in November, changed by a second approval in February,
    // and the grandmother's 特困 approved in January, which overwrote the
    // household's columns (the defect entitlements remove).
    let (home, grandmother) = household(&mut tx, "H2", 3, Some(Program::Tekun), Some(110_000)).await;
    let first = approved(&mut tx, home, 0, "dibao", "2025-11-20", 126_000).await;
    let tekun = approved(&mut tx, home, grandmother, "tekun", "2026-01-05", 110_000).await;
    let second = approved(&mut tx, home, 0, "dibao", "2026-02-10", 130_000).await;
    // Two approvals of one line in the same month: the later stands.
    let (twice, _) = household(&mut tx, "H3", 5, Some(Program::Dibao), Some(50_000)).await;
    approved(&mut tx, twice, 0, "dibao", "2026-03-02", 40_000).await;
    let later = approved(&mut tx, twice, 0, "dibao", "2026-03-20", 50_000).await;
    // Not monthly programmes: nothing.
    let (edge, _) = household(&mut tx, "H4", 7, Some(Program::NearDibao), Some(10_000)).await;
    approved(&mut tx, edge, 0, "temp_emergency", "2026-03-02", 200_000).await;
    tx.commit().await.unwrap();
    // Later tables refer to entitlements (payments); PostgreSQL drops their
    // references with the table, SQLite checks them only on use.
    let undo = match db.backend() {
        jiuzhu_store::Backend::Postgres => "DROP TABLE entitlement CASCADE",
        jiuzhu_store::Backend::Sqlite => "DROP TABLE entitlement",
    };
    raw.rerun_migration(9, undo).await;

    let mut tx = db.begin().await.unwrap();
    let rows = |v: Vec<jiuzhu_domain::entitlement::Entitlement>| {
        v.into_iter()
            .map(|e| {
                (
                    e.recipient,
                    e.program,
                    e.monthly.0,
                    e.first.to_string(),
                    e.last.map(|l| l.to_string()),
                    e.decision,
                    e.ended,
                )
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(
        rows(household_entitlements(&mut tx, roster).await.unwrap()),
        vec![(Recipient::Household, Program::Dibao, 68_000, "2025-10".into(), None, None, None)]
    );
    assert_eq!(
        rows(household_entitlements(&mut tx, home).await.unwrap()),
        vec![
            (
                Recipient::Household,
                Program::Dibao,
                126_000,
                "2025-12".into(),
                Some("2026-02".into()),
                Some(first),
                Some(EndReason::Changed)
            ),
            (Recipient::Person(grandmother), Program::Tekun, 110_000, "2026-02".into(), None, Some(tekun), None),
            (Recipient::Household, Program::Dibao, 130_000, "2026-03".into(), None, Some(second), None),
        ]
    );
    let all = household_entitlements(&mut tx, home).await.unwrap();
    assert_eq!(all[0].policy_versions, vec![1, 4]);
    assert_eq!(
        rows(household_entitlements(&mut tx, twice).await.unwrap()),
        vec![(Recipient::Household, Program::Dibao, 50_000, "2026-04".into(), None, Some(later), None)]
    );
    assert!(household_entitlements(&mut tx, edge).await.unwrap().is_empty());
}

async fn roster_enrolments_start_once(db: Db) {
    let mut tx = seeded(&db).await;
    let (listed, _) = household(&mut tx, "H1", 1, Some(Program::Dibao), Some(68_000)).await;
    let (stopped, _) = household(&mut tx, "H2", 3, Some(Program::Tekun), Some(110_000)).await;
    let (edge, _) = household(&mut tx, "H3", 5, Some(Program::NearDibao), Some(10_000)).await;
    let (none, _) = household(&mut tx, "H4", 7, None, None).await;
    let old = insert_entitlement(&mut tx, &grant(stopped, Recipient::Household, Program::Tekun, 1000, "2025-01"), t0())
        .await
        .unwrap();
    end_entitlement(&mut tx, &Ending { id: old, last: m("2025-06"), reason: EndReason::Death }, t0()).await.unwrap();

    let (later, _) = household(&mut tx, "H5", 9, Some(Program::Dibao), Some(50_000)).await;
    let hekou = RegionCode::parse("340102002").unwrap();
    let elsewhere =
        enrol_from_registry(&mut tx, &jiuzhu_store::Within::region(hekou.clone()), t0(), m("2025-10")).await.unwrap();
    assert_eq!(elsewhere, 0, "another township's import enrols nobody here");
    // Only the households written by the import: H5's update is later.
    touch_household(&mut tx, later, t0() + chrono::Duration::hours(1)).await.unwrap();
    let county = RegionCode::parse("340102").unwrap();
    assert_eq!(
        enrol_from_registry(&mut tx, &jiuzhu_store::Within::region(county.clone()), t0(), m("2025-10")).await.unwrap(),
        1
    );
    let held = household_entitlements(&mut tx, listed).await.unwrap();
    assert_eq!(held.len(), 1);
    assert_eq!((held[0].monthly, held[0].first, held[0].decision), (Fen(68_000), m("2025-10"), None));
    assert!(household_entitlements(&mut tx, later).await.unwrap().is_empty());
    // Once only; an ended entitlement is not started again; other programmes get none.
    assert_eq!(enrol_from_registry(&mut tx, &jiuzhu_store::Within::everything(), t0(), m("2025-11")).await.unwrap(), 0);
    assert_eq!(household_entitlements(&mut tx, stopped).await.unwrap().len(), 1);
    assert!(household_entitlements(&mut tx, edge).await.unwrap().is_empty());
    assert!(household_entitlements(&mut tx, none).await.unwrap().is_empty());
}
