//! The storage conformance suite: every query of the store, run on SQLite
//! and on PostgreSQL. Each case is written once and instantiated for both
//! backends by `conformance!`, so the test names show which backend ran.

use chrono::{DateTime, TimeZone, Utc};
use jiuzhu_domain::household::{Disability, DisabilityLevel, HouseholdFields, MemberFields, PersonName};
use jiuzhu_domain::{DisabilityKind, Fen, IdNumber, Program, Region, RegionCode, Relation};
use jiuzhu_store::*;

jiuzhu_testkit::on_both_databases!(
    migrations_are_idempotent,
    regions_upsert_and_list,
    household_round_trip_and_search,
    constraints_are_named,
    stale_edits_are_refused,
    members_move_between_households,
    bulk_insert_and_export_order,
    rollback_leaves_nothing,
);

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 10, 31, 8, 30, 0).unwrap()
}

fn code(s: &str) -> RegionCode {
    RegionCode::parse(s).unwrap()
}

fn person(seq: u16, name: &str, relation: Relation) -> MemberFields {
    let birth =
        chrono::NaiveDate::from_ymd_opt(1960 + i32::from(seq % 40), 1 + u32::from(seq % 12), 1 + u32::from(seq % 28))
            .unwrap();
    MemberFields {
        id_number: IdNumber::from_parts("340102", birth, seq).unwrap(),
        name: PersonName::parse(name).unwrap(),
        relation,
        co_residing: true,
        disability: None,
        serious_illness: false,
    }
}

fn household(external_id: &str, region: &str) -> HouseholdFields {
    HouseholdFields {
        external_id: external_id.to_string(),
        region_code: code(region),
        address: "城关镇东村1号".to_string(),
        phone: "13812345678".to_string(),
        program: Some(Program::Dibao),
        monthly_benefit: Some(Fen(68000)),
    }
}

async fn seed_regions(db: &Db) {
    let mut tx = db.begin().await.unwrap();
    upsert_regions(&mut tx, &jiuzhu_testkit::sample_regions()).await.unwrap();
    tx.commit().await.unwrap();
}

async fn migrations_are_idempotent(db: Db) {
    let db = &db;
    db.migrate().await.unwrap();
    db.migrate().await.unwrap();
    let mut tx = db.begin().await.unwrap();
    assert!(list_regions(&mut tx).await.unwrap().is_empty());
}

async fn regions_upsert_and_list(db: Db) {
    let db = &db;
    seed_regions(db).await;
    let mut tx = db.begin().await.unwrap();
    upsert_regions(&mut tx, &[Region { code: code("340102002"), name: "河口街道".into() }]).await.unwrap();
    let regions = list_regions(&mut tx).await.unwrap();
    assert_eq!(regions.len(), 6);
    assert_eq!(regions[0].code, code("340102"));
    assert_eq!(regions.iter().find(|r| r.code == code("340102002")).unwrap().name, "河口街道");
}

async fn household_round_trip_and_search(db: Db) {
    let db = &db;
    seed_regions(db).await;
    let mut tx = db.begin().await.unwrap();
    let h1 = insert_household(&mut tx, &household("H001", "340102001001"), t0()).await.unwrap();
    let h2 = insert_household(&mut tx, &household("H002", "340102002001"), t0()).await.unwrap();
    let mut wife = person(2, "李四", Relation::Spouse);
    wife.disability = Some(Disability { level: DisabilityLevel::new(2).unwrap(), kind: DisabilityKind::Physical });
    wife.serious_illness = true;
    insert_person(&mut tx, h1, &person(1, "张三", Relation::Head), t0()).await.unwrap();
    insert_person(&mut tx, h1, &wife, t0()).await.unwrap();
    insert_person(&mut tx, h2, &person(3, "王五", Relation::Head), t0()).await.unwrap();
    insert_event(&mut tx, h1, t0(), "system", "household_created", "{}").await.unwrap();
    tx.commit().await.unwrap();

    let mut tx = db.begin().await.unwrap();
    let got = get_household(&mut tx, h1).await.unwrap().unwrap();
    assert_eq!(got.fields, household("H001", "340102001001"));
    assert_eq!((got.created_at, got.version), (t0(), 1));
    let members = members_of(&mut tx, h1).await.unwrap();
    assert_eq!(members.len(), 2);
    assert_eq!(members[1].fields, wife);

    let filter = |region: &str, person: Option<PersonMatch>| HouseholdFilter {
        within: Within::region(code(region)),
        program: None,
        person,
        offset: 0,
        limit: 20,
        count_cap: 1000,
    };
    let ids = |rows: &[HouseholdSummary]| rows.iter().map(|r| r.external_id.clone()).collect::<Vec<_>>();

    let (rows, count) = list_households(&mut tx, &filter("340102", None)).await.unwrap();
    assert_eq!((ids(&rows), count), (vec!["H001".to_string(), "H002".to_string()], 2));
    assert_eq!(rows[0].head_name.as_deref(), Some("张三"));
    assert_eq!(rows[0].member_count, 2);
    assert_eq!(rows[0].monthly_benefit, Some(Fen(68000)));

    let (rows, count) = list_households(&mut tx, &filter("340102002", None)).await.unwrap();
    assert_eq!((ids(&rows), count), (vec!["H002".to_string()], 1));

    let by_id = PersonMatch::IdNumber(wife.id_number);
    let (rows, _) = list_households(&mut tx, &filter("340102", Some(by_id.clone()))).await.unwrap();
    assert_eq!(ids(&rows), ["H001"]);
    let (rows, count) = list_households(&mut tx, &filter("340102002", Some(by_id))).await.unwrap();
    assert_eq!((rows.len(), count), (0, 0), "outside the region filter");

    let (rows, _) =
        list_households(&mut tx, &filter("340102", Some(PersonMatch::NamePrefix("王".into())))).await.unwrap();
    assert_eq!(ids(&rows), ["H002"]);
    let (rows, _) =
        list_households(&mut tx, &filter("340102", Some(PersonMatch::InitialsPrefix("ls".into())))).await.unwrap();
    assert_eq!(ids(&rows), ["H001"]);
    let (rows, _) =
        list_households(&mut tx, &filter("340102", Some(PersonMatch::ExternalId("H002".into())))).await.unwrap();
    assert_eq!(ids(&rows), ["H002"]);

    let mut capped = filter("340102", None);
    capped.count_cap = 1;
    capped.limit = 1;
    capped.offset = 1;
    let (rows, count) = list_households(&mut tx, &capped).await.unwrap();
    assert_eq!((ids(&rows), count), (vec!["H002".to_string()], 1));

    let mut by_program = filter("340102", None);
    by_program.program = Some(Program::Tekun);
    assert_eq!(list_households(&mut tx, &by_program).await.unwrap().1, 0);

    let found =
        persons_by_id_numbers(&mut tx, &[wife.id_number, person(9, "无名", Relation::Head).id_number]).await.unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].household_id, h1);

    let events = events_of(&mut tx, h1).await.unwrap();
    assert_eq!((events.len(), events[0].action.as_str(), events[0].at), (1, "household_created", t0()));

    let counts = household_counts(&mut tx).await.unwrap();
    assert_eq!(counts.len(), 2);
}

async fn constraints_are_named(db: Db) {
    let db = &db;
    seed_regions(db).await;
    let mut tx = db.begin().await.unwrap();
    let h1 = insert_household(&mut tx, &household("H001", "340102001001"), t0()).await.unwrap();
    insert_person(&mut tx, h1, &person(1, "张三", Relation::Head), t0()).await.unwrap();
    tx.commit().await.unwrap();

    let mut tx = db.begin().await.unwrap();
    let err = insert_household(&mut tx, &household("H001", "340102001001"), t0()).await.unwrap_err();
    assert!(
        matches!(err, StoreError::Conflict { ref constraint } if constraint == "household_external_id_key"),
        "{err:?}"
    );
    drop(tx);

    let mut tx = db.begin().await.unwrap();
    let err = insert_person(&mut tx, h1, &person(1, "张三", Relation::Other), t0()).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict { ref constraint } if constraint == "person_id_number_key"), "{err:?}");
}

async fn stale_edits_are_refused(db: Db) {
    let db = &db;
    seed_regions(db).await;
    let mut tx = db.begin().await.unwrap();
    let h1 = insert_household(&mut tx, &household("H001", "340102001001"), t0()).await.unwrap();
    let mut changed = household("H001", "340102001001");
    changed.address = "新地址".into();
    assert_eq!(update_household(&mut tx, h1, 1, &changed, t0()).await.unwrap(), 2);
    let err = update_household(&mut tx, h1, 1, &changed, t0()).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict { ref constraint } if constraint == "household_version"));
    assert!(matches!(update_household(&mut tx, 999, 1, &changed, t0()).await, Err(StoreError::NotFound)));
    assert_eq!(get_household(&mut tx, h1).await.unwrap().unwrap().fields.address, "新地址");
}

async fn members_move_between_households(db: Db) {
    let db = &db;
    seed_regions(db).await;
    let mut tx = db.begin().await.unwrap();
    let h1 = insert_household(&mut tx, &household("H001", "340102001001"), t0()).await.unwrap();
    let h2 = insert_household(&mut tx, &household("H002", "340102002001"), t0()).await.unwrap();
    let p = insert_person(&mut tx, h1, &person(5, "赵六", Relation::Child), t0()).await.unwrap();
    move_person(&mut tx, p, h2, Relation::Spouse, t0()).await.unwrap();
    tx.commit().await.unwrap();
    let mut tx = db.begin().await.unwrap();
    let moved = get_person(&mut tx, p).await.unwrap().unwrap();
    assert_eq!((moved.household_id, moved.fields.relation), (h2, Relation::Spouse));
    assert!(members_of(&mut tx, h1).await.unwrap().is_empty());
    let mut edited = moved.fields.clone();
    edited.co_residing = false;
    assert_eq!(moved.version, 2, "a move is a change of the member");
    assert_eq!(update_person(&mut tx, p, 2, &edited, t0()).await.unwrap(), 3);
    assert!(!get_person(&mut tx, p).await.unwrap().unwrap().fields.co_residing);
    // An edit from a version since changed is refused, and nothing changes.
    edited.co_residing = true;
    assert!(matches!(
        update_person(&mut tx, p, 2, &edited, t0()).await,
        Err(StoreError::Conflict { constraint }) if constraint == "person_version"
    ));
    assert!(!get_person(&mut tx, p).await.unwrap().unwrap().fields.co_residing);
    assert!(matches!(update_person(&mut tx, 999, 1, &edited, t0()).await, Err(StoreError::NotFound)));
    assert!(matches!(move_person(&mut tx, 999, h2, Relation::Other, t0()).await, Err(StoreError::NotFound)));
}

async fn bulk_insert_and_export_order(db: Db) {
    let db = &db;
    seed_regions(db).await;
    let households: Vec<HouseholdFields> = (0..1200)
        .map(|i| household(&format!("B{i:05}"), if i % 2 == 0 { "340102001001" } else { "340102002001" }))
        .collect();
    let mut tx = db.begin().await.unwrap();
    let ids = insert_households_bulk(&mut tx, &households, t0()).await.unwrap();
    assert_eq!(ids.len(), 1200);
    let members: Vec<(i64, MemberFields)> = ids
        .iter()
        .enumerate()
        .map(|(i, (_, id))| (*id, person(i as u16 % 1000, "钱七", Relation::Head)))
        .take(1000)
        .collect();
    insert_persons_bulk(&mut tx, &members, t0()).await.unwrap();
    let events: Vec<(i64, &str, String)> = ids.iter().map(|(_, id)| (*id, "imported", "{}".to_string())).collect();
    insert_events_bulk(&mut tx, &events, t0(), "system").await.unwrap();
    tx.commit().await.unwrap();

    let mut tx = db.begin().await.unwrap();
    let exported = households_with_members(&mut tx, &jiuzhu_store::Within::region(code("340102001"))).await.unwrap();
    assert_eq!(exported.len(), 600);
    assert!(exported.windows(2).all(|w| w[0].0.id < w[1].0.id));
    assert_eq!(exported.iter().map(|(_, m)| m.len()).sum::<usize>(), 500);
    let (_, count) = list_households(
        &mut tx,
        &HouseholdFilter {
            within: Within::everything(),
            program: None,
            person: None,
            offset: 0,
            limit: 10,
            count_cap: 5000,
        },
    )
    .await
    .unwrap();
    assert_eq!(count, 1200);
}

async fn rollback_leaves_nothing(db: Db) {
    let db = &db;
    seed_regions(db).await;
    {
        let mut tx = db.begin().await.unwrap();
        insert_household(&mut tx, &household("H001", "340102001001"), t0()).await.unwrap();
        // Dropped without commit.
    }
    let mut tx = db.begin().await.unwrap();
    assert!(get_household_by_external_id(&mut tx, "H001").await.unwrap().is_none());
}
