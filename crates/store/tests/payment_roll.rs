//! Payment rolls on SQLite and PostgreSQL: the set-based generation agrees
//! with the domain's `compose` on a generated county (a few hundred
//! entitlements with changes, stops and gaps; accounts missing for some
//! payees; months already claimed by an approved roll), lines snapshot the
//! payee and the account (an institution's for 集中供养), and the database
//! refuses a month claimed live twice.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use jiuzhu_domain::entitlement::{EndReason, Ending, Entitlement, Grant, Recipient, YearMonth};
use jiuzhu_domain::household::{HouseholdFields, MemberFields, PersonName};
use jiuzhu_domain::payment::roll::{
    Compose, LineKind, LineResult, Payee, PayeeKey, ProgramGroup, RollKind, RollState, Taken, compose,
};
use jiuzhu_domain::{Fen, IdNumber, Program, RegionCode, Relation};
use jiuzhu_store::entitlement::*;
use jiuzhu_store::payment_roll::*;
use jiuzhu_store::*;
use jiuzhu_testkit::RawDb;

jiuzhu_testkit::on_both_databases!(generation_agrees_with_the_domain, generation_agrees_on_another_county);

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 5, 8, 30, 0).unwrap()
}

fn m(s: &str) -> YearMonth {
    YearMonth::parse(s).unwrap()
}

/// A small deterministic generator (no randomness crate needed).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n
    }
}

const VILLAGES: [&str; 3] = ["340102001001", "340102001002", "340102002001"];

fn member(n: u32, name: &str, relation: Relation) -> MemberFields {
    let birth = NaiveDate::from_ymd_opt(1940, 1, 1).unwrap() + Duration::days(i64::from(n));
    MemberFields {
        id_number: IdNumber::from_parts("340102", birth, 100 + (n % 800) as u16).unwrap(),
        name: PersonName::parse(name).unwrap(),
        relation,
        co_residing: true,
        disability: None,
        serious_illness: false,
    }
}

/// A payee line's entitlements: consecutive segments from a random month,
/// with a gap (a stop, then a new decision) or a change between them; the
/// last one open or ended.
async fn line(tx: &mut Tx, rng: &mut Lcg, household: i64, recipient: Recipient, program: Program) {
    let mut first = m("2025-08").plus(rng.next(8) as i32);
    for segment in 0..=rng.next(3) {
        let fen = Fen(10_000 * (1 + rng.next(20) as i64) + 50 * rng.next(2) as i64);
        let grant =
            Grant { household, recipient, program, monthly: fen, first, decision: None, policy_versions: vec![] };
        let id = insert_entitlement(tx, &grant, t0()).await.unwrap();
        let len = 1 + rng.next(5) as i32;
        let last = rng.next(3) > 0 || segment < 2;
        if last {
            let reason = if rng.next(2) == 0 { EndReason::Changed } else { EndReason::Stopped };
            end_entitlement(tx, &Ending { id, last: first.plus(len - 1), reason }, t0()).await.unwrap();
            first = first.plus(len + rng.next(2) as i32);
        } else {
            break;
        }
    }
}

struct County {
    /// Payees with a current account (the others have none).
    with_account: HashSet<Payee>,
    institution_payee: Option<Payee>,
}

async fn county(raw: &RawDb, seed: u64) -> County {
    let db = &raw.db;
    let mut rng = Lcg(seed);
    let mut tx = db.begin().await.unwrap();
    upsert_regions(&mut tx, &jiuzhu_testkit::sample_regions()).await.unwrap();
    let mut payees = Vec::new();
    for n in 0..90u32 {
        let fields = HouseholdFields {
            external_id: format!("H{n}"),
            region_code: RegionCode::parse(VILLAGES[n as usize % 3]).unwrap(),
            address: String::new(),
            phone: String::new(),
            program: None,
            monthly_benefit: None,
        };
        let household = insert_household(&mut tx, &fields, t0()).await.unwrap();
        insert_person(&mut tx, household, &member(2 * n, "张建国", Relation::Head), t0()).await.unwrap();
        let other =
            insert_person(&mut tx, household, &member(2 * n + 1, "李秀英", Relation::Parent), t0()).await.unwrap();
        if rng.next(5) > 0 {
            line(&mut tx, &mut rng, household, Recipient::Household, Program::Dibao).await;
            payees.push((Payee::Household(household), household));
        }
        if rng.next(3) == 0 {
            line(&mut tx, &mut rng, household, Recipient::Person(other), Program::Tekun).await;
            payees.push((Payee::Person(other), household));
        }
    }
    tx.commit().await.unwrap();

    raw.execute(
        "INSERT INTO institution (region_code, name, account_name, bank, account_number, created_at, updated_at)
         VALUES ('340102000000', '示范区社会福利院', '示范区社会福利院', '农业银行示范区支行', '12345678901234', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')",
    )
    .await;
    let mut with_account = HashSet::new();
    let mut institution_payee = None;
    let mut sql = String::new();
    for (payee, household) in payees {
        if rng.next(6) == 0 {
            continue;
        }
        with_account.insert(payee);
        let (person, holder, institution) = match payee {
            Payee::Household(_) => ("NULL".to_string(), "head", "NULL"),
            Payee::Person(p) if institution_payee.is_none() => {
                institution_payee = Some(payee);
                (p.to_string(), "institution", "(SELECT id FROM institution)")
            }
            Payee::Person(p) => (p.to_string(), "own", "NULL"),
        };
        sql.push_str(&format!(
            "INSERT INTO payee_account (household_id, person_id, holder, institution_id, account_name, bank,
             account_number, recorded_at, recorded_by)
             VALUES ({household}, {person}, '{holder}', {institution}, '张建国', '农业银行清河支行',
             '62170012345{household:08}', '2026-01-01T00:00:00Z', 'clerk');\n"
        ));
    }
    raw.execute(&sql).await;
    County { with_account, institution_payee }
}

type Months = Vec<(i64, i64, i64)>;

/// The domain's lines for a roll: (payee line, kind) → (month, fen, entitlement).
fn expected(ask: Compose, entitlements: &[Entitlement], taken: &Taken) -> BTreeMap<(PayeeKey, &'static str), Months> {
    compose(ask, entitlements, taken)
        .into_iter()
        .map(|l| {
            let months = l.months.iter().map(|d| (d.month.yyyymm(), d.fen.0, d.entitlement)).collect();
            ((l.key, l.kind.code()), months)
        })
        .collect()
}

/// The store's lines of a roll, the same way, after checking each line
/// against its claims.
async fn stored(tx: &mut Tx, roll: i64) -> (BTreeMap<(PayeeKey, &'static str), Months>, Vec<LineRow>) {
    let lines = roll_lines(tx, roll, 0, 100_000).await.unwrap();
    let claims = roll_claims(tx, roll).await.unwrap();
    let mut by_line: BTreeMap<i64, Months> = BTreeMap::new();
    for (key, month, fen, ent, line) in claims {
        assert!(lines.iter().any(|l| l.id == line && l.key == key), "claim of an unknown line");
        by_line.entry(line).or_default().push((month.yyyymm(), fen.0, ent));
    }
    let mut out = BTreeMap::new();
    for (n, l) in lines.iter().enumerate() {
        assert_eq!(l.seq, n as i64 + 1, "序号 run 1..n");
        let months = by_line.remove(&l.id).unwrap_or_default();
        assert_eq!(l.amount.0, months.iter().map(|m| m.1).sum::<i64>());
        assert_eq!(l.months, months.len() as i64);
        assert_eq!((l.first.yyyymm(), l.last.yyyymm()), (months[0].0, months[months.len() - 1].0));
        assert!(l.amount >= Fen::ZERO);
        assert!(out.insert((l.key, l.kind.code()), months).is_none(), "one line per payee, programme and kind");
    }
    (out, lines)
}

async fn all_entitlements(tx: &mut Tx) -> Vec<Entitlement> {
    let mut out = Vec::new();
    for id in 1..2_000 {
        if let Some(e) = get_entitlement(tx, id).await.unwrap() {
            out.push(e);
        }
    }
    out
}

async fn generation_agrees_with_the_domain(db: Db) {
    agrees(db, 7).await;
}

async fn generation_agrees_on_another_county(db: Db) {
    agrees(db, 20_261_201).await;
}

async fn agrees(db: Db, seed: u64) {
    let raw = RawDb::new(db).await;
    let db = raw.db.clone();
    let county = county(&raw, seed).await;
    let region = RegionCode::parse("340102").unwrap();
    let new_roll = |month: &str, region: &RegionCode, group: ProgramGroup| NewRoll {
        region: region.clone(),
        group,
        month: m(month),
        kind: RollKind::Regular,
        paid_from: m("2025-10"),
        prepared_by: "clerk".into(),
    };

    // January's roll of the county: agrees with the domain with nothing taken.
    let mut tx = db.begin().await.unwrap();
    let entitlements = all_entitlements(&mut tx).await;
    assert!(entitlements.len() > 100, "{} entitlements", entitlements.len());
    let january = insert_roll(&mut tx, &new_roll("2026-01", &region, ProgramGroup::All), t0()).await.unwrap();
    let made = generate_lines(&mut tx, january, t0()).await.unwrap();
    let ask = |month: &str| Compose { month: m(month), paid_from: m("2025-10"), group: ProgramGroup::All };
    let (lines, rows) = stored(&mut tx, january).await;
    assert_eq!(lines, expected(ask("2026-01"), &entitlements, &Taken::new()));
    assert!(lines.keys().any(|(_, kind)| *kind == "backpay") && lines.keys().any(|(_, kind)| *kind == "current"));

    // Snapshots: the payee's name and ID number, the account or none.
    for l in &rows {
        let has = county.with_account.contains(&l.key.payee);
        assert_eq!(l.account_number.is_some(), has);
        assert_eq!(l.result, if has { LineResult::Pending } else { LineResult::NoAccount });
        assert_eq!(l.payee_name, if matches!(l.key.payee, Payee::Household(_)) { "张建国" } else { "李秀英" });
        assert_eq!(l.id_number.len(), 18);
        assert!(l.region.starts_with("340102"));
    }
    let institution = county.institution_payee.unwrap();
    let at_institution = rows.iter().find(|l| l.key.payee == institution).expect("the institution's payee is paid");
    assert_eq!(at_institution.institution.as_deref(), Some("示范区社会福利院"));
    assert_eq!(at_institution.holder.as_deref(), Some("institution"));
    assert_eq!(
        at_institution.account_number.as_deref(),
        Some(format!("62170012345{:08}", at_institution.household_id).as_str())
    );
    let sent: Vec<&LineRow> = rows.iter().filter(|l| l.result == LineResult::Pending).collect();
    assert_eq!(made.lines, sent.len() as i64);
    assert_eq!(made.total.0, sent.iter().map(|l| l.amount.0).sum::<i64>());
    assert_eq!(made.no_account_lines, (rows.len() - sent.len()) as i64);
    let by_program = totals_by_program(&mut tx, january).await.unwrap();
    assert_eq!(by_program.iter().map(|t| t.amount.0).sum::<i64>(), made.total.0);
    let by_township = totals_by_township(&mut tx, january).await.unwrap();
    assert_eq!(by_township.iter().map(|t| t.lines).sum::<i64>(), made.lines);
    assert!(by_township.iter().any(|t| t.name == "城关镇"));

    // Regenerating gives the same lines.
    clear_lines(&mut tx, january).await.unwrap();
    generate_lines(&mut tx, january, t0()).await.unwrap();
    assert_eq!(stored(&mut tx, january).await.0, lines);
    let roll = get_roll(&mut tx, january).await.unwrap().unwrap();
    assert_eq!((roll.state, roll.prepared_by.as_str(), roll.month), (RollState::Draft, "clerk", m("2026-01")));
    approve_roll(&mut tx, january, roll.version, "approver", t0()).await.unwrap();
    assert!(matches!(approve_roll(&mut tx, january, roll.version, "approver", t0()).await, Err(StoreError::NotFound)));
    tx.commit().await.unwrap();

    // Live claims: exactly the months of lines with an account.
    let mut tx = db.begin().await.unwrap();
    let live = live_claims(&mut tx, &Within::everything()).await.unwrap();
    let sent_months: usize = rows.iter().filter(|l| l.result == LineResult::Pending).map(|l| l.months as usize).sum();
    assert_eq!(live.len(), sent_months);

    // March's county roll (February missed): agrees with the domain given
    // what January took; payees without an account are paid back too.
    let taken: Taken = taken_claims(&mut tx, &Within::everything()).await.unwrap().into_iter().collect();
    assert_eq!(taken.len(), sent_months);
    let march = insert_roll(&mut tx, &new_roll("2026-03", &region, ProgramGroup::All), t0()).await.unwrap();
    generate_lines(&mut tx, march, t0()).await.unwrap();
    let (march_lines, _) = stored(&mut tx, march).await;
    assert_eq!(march_lines, expected(ask("2026-03"), &entitlements, &taken));
    for ((key, _), months) in &march_lines {
        for (month, _, _) in months {
            assert!(!taken.contains(&(*key, YearMonth::from_yyyymm(*month).unwrap())), "a month paid twice");
        }
    }
    // The differences from January (not the month before: none).
    let march_row = get_roll(&mut tx, march).await.unwrap().unwrap();
    assert_eq!(previous_roll(&mut tx, &march_row).await.unwrap(), None);
    let (diffs, counts) = differences(&mut tx, march, Some(january), 10_000).await.unwrap();
    assert_eq!(diffs.len() as i64, counts.new + counts.stopped + counts.changed + counts.backpay);
    assert!(counts.backpay > 0);
    // They agree with the domain's, from January's current lines and March's composed lines.
    let january_current: Vec<(PayeeKey, Fen)> =
        rows.iter().filter(|l| l.kind == LineKind::Current).map(|l| (l.key, l.amount)).collect();
    let march_composed = compose(ask("2026-03"), &entitlements, &taken);
    let mut domain = jiuzhu_domain::payment::roll::differences(&january_current, &march_composed);
    let mut from_sql: Vec<_> = diffs.iter().map(|d| d.difference).collect();
    domain.sort();
    from_sql.sort();
    assert_eq!(from_sql, domain);

    // A second roll over the same months (a township's 低保 roll of March)
    // is generated while March's county roll is a draft, then the county's
    // is approved: approving the township's is refused by the database.
    let township = RegionCode::parse("340102001").unwrap();
    let second = insert_roll(&mut tx, &new_roll("2026-03", &township, ProgramGroup::Dibao), t0()).await.unwrap();
    generate_lines(&mut tx, second, t0()).await.unwrap();
    assert!(!stored(&mut tx, second).await.0.is_empty());
    // (The fixture's 补发 is owed for want of an account; the lines of
    // several months are given one, so both rolls send them too.)
    execute_raw(
        &mut tx,
        "UPDATE payment_line SET result = 'pending', account_number = '6228480000000000'
         WHERE result = 'no_account' AND month_count > 1",
    )
    .await
    .unwrap();
    let version = get_roll(&mut tx, march).await.unwrap().unwrap().version;
    approve_roll(&mut tx, march, version, "approver", t0()).await.unwrap();
    // An approved roll is not cleared for regeneration: its lines stay.
    let approved_lines = roll_lines(&mut tx, march, 0, 100_000).await.unwrap().len();
    assert!(matches!(clear_lines(&mut tx, march).await, Err(StoreError::NotFound)));
    assert_eq!(roll_lines(&mut tx, march, 0, 100_000).await.unwrap().len(), approved_lines);
    tx.commit().await.unwrap();
    let mut tx = db.begin().await.unwrap();
    let version = get_roll(&mut tx, second).await.unwrap().unwrap().version;
    match approve_roll(&mut tx, second, version, "approver", t0()).await {
        Err(StoreError::Conflict { constraint }) => assert_eq!(constraint, ALREADY_PAID),
        other => panic!("a month approved twice: {other:?}"),
    }
    drop(tx);
    // Refused as well when only its lines of several months (their draft
    // claims made live) pay a month already paid: the one-month lines
    // (claims written at approval) taken away.
    let mut tx = db.begin().await.unwrap();
    let gone = format!("roll_id = {second} AND (month_count = 1 OR result = 'no_account')");
    execute_raw(
        &mut tx,
        &format!("DELETE FROM payment_claim WHERE line_id IN (SELECT id FROM payment_line WHERE {gone})"),
    )
    .await
    .unwrap();
    execute_raw(&mut tx, &format!("DELETE FROM payment_line WHERE {gone}")).await.unwrap();
    let left = roll_lines(&mut tx, second, 0, 100_000).await.unwrap();
    assert!(!left.is_empty() && left.iter().all(|l| l.months > 1), "{left:?}");
    let version = get_roll(&mut tx, second).await.unwrap().unwrap().version;
    match approve_roll(&mut tx, second, version, "approver", t0()).await {
        Err(StoreError::Conflict { constraint }) => assert_eq!(constraint, ALREADY_PAID),
        other => panic!("a month approved twice through a line of several months: {other:?}"),
    }
    drop(tx);

    // A second regular roll of the same region, group and month is refused.
    let mut tx = db.begin().await.unwrap();
    match insert_roll(&mut tx, &new_roll("2026-03", &region, ProgramGroup::All), t0()).await {
        Err(StoreError::Conflict { constraint }) => assert_eq!(constraint, ROLL_EXISTS),
        other => panic!("two regular rolls: {other:?}"),
    }
    drop(tx);

    // Listing by region: the county sees all three, a township its own.
    let mut tx = db.begin_read().await.unwrap();
    assert_eq!(list_rolls(&mut tx, &Within::region(region.clone()), None, 50).await.unwrap().len(), 3);
    let own = list_rolls(&mut tx, &Within::region(township.clone()), Some(m("2026-03")), 50).await.unwrap();
    assert_eq!(own.iter().map(|r| r.id).collect::<Vec<_>>(), vec![second]);
    assert_eq!(first_regular_month(&mut tx, &township, ProgramGroup::Dibao).await.unwrap(), Some(m("2026-01")));
    // Every month paid is paid once: no (payee, programme, month) live twice.
    let live = live_claims(&mut tx, &Within::everything()).await.unwrap();
    let distinct: HashSet<(PayeeKey, YearMonth)> = live.iter().map(|(k, month, _)| (*k, *month)).collect();
    assert_eq!(distinct.len(), live.len());
    tx.commit().await.unwrap();

    // A month can be live in one roll and held in others: a roll's line
    // failed (its months held) after a later draft had claimed them as 补发,
    // and that draft was then approved — once or twice. Such a month is
    // taken once: April still pays every payee its April.
    raw.execute(
        "INSERT INTO payment_claim (roll_id, line_id, kind, payee_key, household_id, person_id, program, month, fen,
             entitlement_id, state)
         SELECT roll_id, line_id, kind, payee_key, household_id, person_id, program, month, fen, entitlement_id, 'held'
         FROM payment_claim WHERE state = 'live' AND month = 202601;
         INSERT INTO payment_claim (roll_id, line_id, kind, payee_key, household_id, person_id, program, month, fen,
             entitlement_id, state)
         SELECT roll_id, line_id, kind, payee_key, household_id, person_id, program, month, fen, entitlement_id, 'held'
         FROM payment_claim WHERE state = 'live' AND month = 202601",
    )
    .await;
    let mut tx = db.begin().await.unwrap();
    let taken: Taken = taken_claims(&mut tx, &Within::everything()).await.unwrap().into_iter().collect();
    let april = insert_roll(&mut tx, &new_roll("2026-04", &region, ProgramGroup::All), t0()).await.unwrap();
    generate_lines(&mut tx, april, t0()).await.unwrap();
    let (april_lines, _) = stored(&mut tx, april).await;
    assert_eq!(april_lines, expected(ask("2026-04"), &entitlements, &taken));
    assert!(april_lines.keys().any(|(_, kind)| *kind == "current"));
    tx.commit().await.unwrap();
}
