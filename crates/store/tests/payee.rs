//! Payee queries (migration 0012) on SQLite and PostgreSQL: institutions
//! recorded and listed within a region, an account set and replaced with
//! its history, one current account per line held by the database, and the
//! lines owed in a month without an account.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use jiuzhu_domain::entitlement::{EndReason, Ending, Grant, Recipient, YearMonth};
use jiuzhu_domain::household::{HouseholdFields, MemberFields, PersonName};
use jiuzhu_domain::{Fen, IdNumber, Program, RegionCode, Relation};
use jiuzhu_store::entitlement::{end_entitlement, insert_entitlement};
use jiuzhu_store::payee::*;
use jiuzhu_store::*;

jiuzhu_testkit::on_both_databases!(
    institutions_are_recorded_and_listed_within_a_region,
    an_account_is_replaced_and_its_history_kept,
    the_database_holds_one_current_account_per_line,
    lines_owed_without_an_account_are_listed,
);

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 2, 8, 30, 0).unwrap()
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

/// A household of two in `region`; its id, the head's and the grandmother's.
async fn household(tx: &mut Tx, external_id: &str, region: &str, seq: u16) -> (i64, i64, i64) {
    let fields = HouseholdFields {
        external_id: external_id.into(),
        region_code: RegionCode::parse(region).unwrap(),
        address: "东村1号".into(),
        phone: String::new(),
        program: None,
        monthly_benefit: None,
    };
    let id = insert_household(tx, &fields, t0()).await.unwrap();
    let head = insert_person(tx, id, &member(seq, "张建国", Relation::Head), t0()).await.unwrap();
    let grandmother = insert_person(tx, id, &member(seq + 1, "李秀英", Relation::Parent), t0()).await.unwrap();
    (id, head, grandmother)
}

async fn seeded(db: &Db) -> Tx {
    let mut tx = db.begin().await.unwrap();
    upsert_regions(&mut tx, &jiuzhu_testkit::sample_regions()).await.unwrap();
    tx
}

fn account(household_id: i64, person_id: Option<i64>, number: &str) -> NewPayeeAccount {
    NewPayeeAccount {
        household_id,
        person_id,
        holder: if person_id.is_some() { "own" } else { "head" }.into(),
        institution_id: None,
        account_name: "张建国".into(),
        bank: "农业银行清河支行".into(),
        account_number: number.into(),
        custodian: String::new(),
        custody_agreement: String::new(),
        recorded_by: "clerk".into(),
    }
}

fn institution(region: &str, name: &str) -> NewInstitution {
    NewInstitution {
        region_code: region.into(),
        name: name.into(),
        account_name: name.into(),
        bank: "农村商业银行城关支行".into(),
        account_number: "20000123456789".into(),
    }
}

async fn institutions_are_recorded_and_listed_within_a_region(db: Db) {
    let mut tx = seeded(&db).await;
    let a = insert_institution(&mut tx, &institution("340102001000", "东镇敬老院"), t0()).await.unwrap();
    let b = insert_institution(&mut tx, &institution("340102002000", "西镇敬老院"), t0()).await.unwrap();
    tx.commit().await.unwrap();

    let mut tx = db.begin().await.unwrap();
    let in_east = list_institutions(&mut tx, &Within::region(RegionCode::parse("340102001").unwrap())).await.unwrap();
    assert_eq!(in_east.iter().map(|i| i.id).collect::<Vec<_>>(), vec![a]);
    let all = list_institutions(&mut tx, &Within::everything()).await.unwrap();
    assert_eq!(all.iter().map(|i| i.name.as_str()).collect::<Vec<_>>(), vec!["东镇敬老院", "西镇敬老院"]);
    let read = get_institution(&mut tx, b).await.unwrap().unwrap();
    assert_eq!((read.region_code.as_str(), read.account_number.as_str()), ("340102002000", "20000123456789"));
    assert_eq!(read.created_at, t0());
    assert_eq!(get_institution(&mut tx, b + 100).await.unwrap(), None);
    // The same name twice in a region is refused by name.
    match insert_institution(&mut tx, &institution("340102001000", "东镇敬老院"), t0()).await {
        Err(StoreError::Conflict { constraint }) => assert_eq!(constraint, "institution_region_code_key"),
        other => panic!("expected a conflict, got {other:?}"),
    }
}

async fn an_account_is_replaced_and_its_history_kept(db: Db) {
    let mut tx = seeded(&db).await;
    let (home, _, grandmother) = household(&mut tx, "H1", "340102001001", 1).await;
    assert_eq!(current_account(&mut tx, home, None).await.unwrap(), None);

    let (previous, first) = set_account(&mut tx, &account(home, None, "6217001234567890128"), t0()).await.unwrap();
    assert_eq!(previous, None);
    let later = t0() + Duration::days(30);
    let (previous, second) = set_account(&mut tx, &account(home, None, "6228480012345678"), later).await.unwrap();
    let previous = previous.unwrap();
    assert_eq!(
        (previous.id, previous.account_number.as_str(), previous.replaced_at),
        (first, "6217001234567890128", None)
    );
    // The grandmother's own line is a separate line.
    let mut own = account(home, Some(grandmother), "12345678901234");
    own.account_name = "李秀英".into();
    own.custodian = "王五（东村村委会主任）".into();
    own.custody_agreement = "东民代管〔2026〕3号".into();
    let (none, third) = set_account(&mut tx, &own, later).await.unwrap();
    assert_eq!(none, None);
    tx.commit().await.unwrap();

    let mut tx = db.begin_read().await.unwrap();
    let current = current_account(&mut tx, home, None).await.unwrap().unwrap();
    assert_eq!((current.id, current.account_number.as_str()), (second, "6228480012345678"));
    let hers = current_account(&mut tx, home, Some(grandmother)).await.unwrap().unwrap();
    assert_eq!((hers.id, hers.holder.as_str(), hers.custodian.as_str()), (third, "own", "王五（东村村委会主任）"));
    let all = household_accounts(&mut tx, home).await.unwrap();
    assert_eq!(
        all.iter().map(|a| (a.id, a.replaced_at)).collect::<Vec<_>>(),
        vec![(first, Some(later)), (second, None), (third, None)]
    );
    assert_eq!(get_account(&mut tx, first).await.unwrap().unwrap().recorded_at, t0());
}

async fn the_database_holds_one_current_account_per_line(db: Db) {
    let raw = std::sync::Arc::new(jiuzhu_testkit::RawDb::new(db).await);
    let db = raw.db.clone();
    let mut tx = seeded(&db).await;
    let (home, _, grandmother) = household(&mut tx, "H1", "340102001001", 1).await;
    let inst = insert_institution(&mut tx, &institution("340102001000", "东镇敬老院"), t0()).await.unwrap();
    set_account(&mut tx, &account(home, None, "6217001234567890128"), t0()).await.unwrap();
    tx.commit().await.unwrap();

    // A second current row of a line, written past set_account (a bug, a
    // racing writer), is refused by the partial unique index.
    let sneaked = format!(
        "INSERT INTO payee_account (household_id, person_id, holder, account_name, bank, account_number,
         recorded_at, recorded_by) VALUES ({home}, NULL, 'head', 'x', 'y', '12345678', '2026-11-02T08:30:00Z', 'z')"
    );
    let raw2 = raw.clone();
    assert!(tokio::spawn(async move { raw2.execute(&sneaked).await }).await.is_err());

    // An institution's account must name the institution, and only it;
    // custody needs its agreement.
    let mut no_inst = account(home, Some(grandmother), "20000123456789");
    no_inst.holder = "institution".into();
    let mut own_with_inst = account(home, Some(grandmother), "20000123456789");
    own_with_inst.institution_id = Some(inst);
    let mut custody = account(home, Some(grandmother), "20000123456789");
    custody.custodian = "王五".into();
    for bad in [no_inst, own_with_inst, custody] {
        let mut tx = db.begin().await.unwrap();
        assert!(set_account(&mut tx, &bad, t0()).await.is_err(), "{bad:?}");
    }
    let mut tx = db.begin().await.unwrap();
    let mut paid_there = account(home, Some(grandmother), "20000123456789");
    paid_there.holder = "institution".into();
    paid_there.institution_id = Some(inst);
    set_account(&mut tx, &paid_there, t0()).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(raw.count("SELECT COUNT(*) FROM payee_account WHERE replaced_at IS NULL").await, 2);
}

fn grant(household: i64, recipient: Recipient, program: Program, yuan: i64, first: &str) -> Grant {
    Grant {
        household,
        recipient,
        program,
        monthly: Fen(yuan * 100),
        first: m(first),
        decision: None,
        policy_versions: vec![],
    }
}

async fn lines_owed_without_an_account_are_listed(db: Db) {
    let mut tx = seeded(&db).await;
    let (east, _, grandmother) = household(&mut tx, "H1", "340102001001", 1).await;
    let (west, _, _) = household(&mut tx, "H2", "340102002001", 3).await;
    let (stopped, _, _) = household(&mut tx, "H3", "340102001001", 5).await;
    let (paid, _, _) = household(&mut tx, "H4", "340102001001", 7).await;
    let dibao = |h| grant(h, Recipient::Household, Program::Dibao, 1260, "2026-01");
    insert_entitlement(&mut tx, &dibao(east), t0()).await.unwrap();
    let tekun = grant(east, Recipient::Person(grandmother), Program::Tekun, 1100, "2026-11");
    let tekun_id = insert_entitlement(&mut tx, &tekun, t0()).await.unwrap();
    insert_entitlement(&mut tx, &dibao(west), t0()).await.unwrap();
    let ended = insert_entitlement(&mut tx, &dibao(stopped), t0()).await.unwrap();
    end_entitlement(&mut tx, &Ending { id: ended, last: m("2026-10"), reason: EndReason::Stopped }, t0())
        .await
        .unwrap();
    insert_entitlement(&mut tx, &dibao(paid), t0()).await.unwrap();
    set_account(&mut tx, &account(paid, None, "6217001234567890128"), t0()).await.unwrap();
    tx.commit().await.unwrap();

    let mut tx = db.begin_read().await.unwrap();
    let east_town = Within::region(RegionCode::parse("340102001").unwrap());
    let november = missing_accounts(&mut tx, &east_town, m("2026-11"), 100).await.unwrap();
    assert_eq!(
        november
            .iter()
            .map(|p| (p.household_id, p.person_id, p.payee_name.as_str(), p.program.as_str()))
            .collect::<Vec<_>>(),
        vec![(east, None, "张建国", "dibao"), (east, Some(grandmother), "李秀英", "tekun")]
    );
    assert_eq!((november[1].monthly_fen, november[1].entitlement_id), (110_000, tekun_id));
    // In October the 特困 had not begun and the stopped household was still owed.
    let october = missing_accounts(&mut tx, &east_town, m("2026-10"), 100).await.unwrap();
    assert_eq!(october.iter().map(|p| p.household_id).collect::<Vec<_>>(), vec![east, stopped]);
    let everywhere = missing_accounts(&mut tx, &Within::everything(), m("2026-11"), 100).await.unwrap();
    assert_eq!(everywhere.len(), 3);
    assert_eq!(missing_accounts(&mut tx, &Within::everything(), m("2026-11"), 1).await.unwrap().len(), 1);
    // In batches by household id: from the west household on, only it.
    let from_west = missing_accounts_from(&mut tx, &Within::everything(), m("2026-11"), west, 100).await.unwrap();
    assert_eq!(from_west.iter().map(|p| p.household_id).collect::<Vec<_>>(), vec![west]);
    drop(tx);
    // Many at once: the west household's line gets its account and drops out.
    let mut tx = db.begin().await.unwrap();
    insert_accounts_bulk(&mut tx, &[account(west, None, "6217001234567890122")], t0()).await.unwrap();
    assert!(missing_accounts_from(&mut tx, &Within::everything(), m("2026-11"), west, 100).await.unwrap().is_empty());
    assert!(matches!(
        insert_accounts_bulk(&mut tx, &[account(west, None, "6217001234567890122")], t0()).await,
        Err(StoreError::Conflict { .. })
    ));
    drop(tx);

    // Once the grandmother has an account, only the household's line remains.
    let mut tx = db.begin().await.unwrap();
    let mut own = account(east, Some(grandmother), "12345678901234");
    own.account_name = "李秀英".into();
    set_account(&mut tx, &own, t0()).await.unwrap();
    let left = missing_accounts(&mut tx, &east_town, m("2026-11"), 100).await.unwrap();
    assert_eq!(left.iter().map(|p| (p.household_id, p.person_id)).collect::<Vec<_>>(), vec![(east, None)]);
}
