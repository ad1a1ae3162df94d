//! The inbox with more open cases than it lists, on SQLite and PostgreSQL:
//! the counts per township (open, late, due soon) and the leaders' list of
//! late cases are made in SQL from the stored columns, and they agree with
//! the domain's `Case::is_late` and `Case::is_due_soon` case by case.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Days, Duration, NaiveDate, TimeZone, Utc};
use jiuzhu_app::case::{self as c, ApplicationForm, INBOX_LINES, set_state};
use jiuzhu_app::import::import_roster;
use jiuzhu_app::{Actor, Db, Scope, registry};
use jiuzhu_domain::case::{Case, Due, Stage};
use jiuzhu_domain::{RegionCode, RegionLevel, Role};
use jiuzhu_store::Within;
use jiuzhu_store::case::{CaseFilter, CaseRow, insert_case, list_cases};

jiuzhu_testkit::on_both_databases!(inbox_counts_every_open_case_however_many);

/// Friday 2025-10-31, 10:00 in Beijing.
fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 10, 31, 2, 0, 0).unwrap()
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 10, 31).unwrap()
}

fn code(s: &str) -> RegionCode {
    RegionCode::parse(s).unwrap()
}

fn approver() -> Actor {
    Actor::user(104, "shenpi", &[Role::CountyApprover], Scope::Region(code("340102")))
}

fn clerk() -> Actor {
    Actor::user(102, "jingban", &[Role::TownshipClerk], Scope::Region(code("340102001")))
}

/// The open cases of each township as the domain counts them: (open, late, due soon).
type Expected = BTreeMap<String, (i64, i64, i64)>;

/// Three households in two townships, each with one real application.
async fn county(db: &Db) -> Vec<CaseRow> {
    registry::upsert_regions(db, &Actor::system(), now(), &jiuzhu_testkit::sample_regions()).await.unwrap();
    let roster =
        std::fs::read(format!("{}/../files/tests/fixtures/roster_utf8.csv", env!("CARGO_MANIFEST_DIR"))).unwrap();
    import_roster(db, &Actor::system(), now(), &roster).await.unwrap();
    let mut rows = Vec::new();
    for external in ["SF-0001", "SF-0002", "SF-0003"] {
        let mut tx = db.begin().await.unwrap();
        let household = jiuzhu_store::get_household_by_external_id(&mut tx, external).await.unwrap().unwrap().id;
        drop(tx);
        let form = ApplicationForm {
            household_id: household,
            kinds: vec!["dibao".into()],
            area: "urban".into(),
            provided: jiuzhu_domain::assistance::Material::ALL.iter().map(|m| m.code().to_string()).collect(),
            ..Default::default()
        };
        let created = c::submit_application(db, &Actor::system(), now(), &form).await.unwrap();
        let mut tx = db.begin().await.unwrap();
        rows.push(jiuzhu_store::case::get_case(&mut tx, created.case_ids[0]).await.unwrap().unwrap());
    }
    rows
}

/// A small deterministic generator (no clock, no seed from outside).
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u64) -> i64 {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) % n) as i64
    }
}

/// A mix of every clock: steps due on a day around today or at an instant
/// around now (now itself included), undated; overall limits passed or
/// not; suspended; closed.
fn vary(base: &Case, rng: &mut Lcg) -> Case {
    let mut case = base.clone();
    case.step_due = match rng.below(4) {
        0 => Some(Due::Date(today() + Duration::days(rng.below(9) - 4))),
        1 => Some(Due::Instant(now() + Duration::seconds(rng.below(7_201) - 3_600))),
        2 => None,
        _ => Some(Due::Date(today() + Days::new(30))),
    };
    case.accepted_on = (rng.below(5) > 0).then(|| today() - Days::new(rng.below(80) as u64));
    case.overall_limit = case.accepted_on.map(|_| 30);
    case.paused_wd = rng.below(3) as u32;
    case.suspended_on = (rng.below(6) == 0).then(|| today() - Days::new(2));
    if rng.below(13) == 0 {
        case.stage = Stage::Approved;
    }
    case
}

fn township(region_code: &str) -> String {
    let code = code(region_code);
    code.at_level(RegionLevel::Township).unwrap_or(code).to_string()
}

async fn inbox_counts_every_open_case_however_many(db: Db) {
    let bases = county(&db).await;
    // Given 5,700 more cases (a thirteenth of them closed), written in one transaction with their columns
    // set from their state exactly as the use cases set them,
    let mut tx = db.begin().await.unwrap();
    let calendar = jiuzhu_app::calendar::calendar_in(&mut tx).await.unwrap();
    let mut rng = Lcg(11);
    for i in 0..5_700 {
        let base = &bases[i % bases.len()];
        let case = vary(&serde_json::from_str(&base.state).unwrap(), &mut rng);
        let mut row = base.clone();
        set_state(&mut row, &case, &calendar).unwrap();
        insert_case(&mut tx, &row).await.unwrap();
    }
    tx.commit().await.unwrap();

    // the domain's verdict on every open case:
    let mut tx = db.begin().await.unwrap();
    let all = CaseFilter { open_only: true, ..CaseFilter::new(Within::everything(), i64::MAX) };
    let mut expected = Expected::new();
    let (mut late_ids, mut suspended, mut instants_late) = (BTreeSet::new(), 0, 0);
    for row in list_cases(&mut tx, &all).await.unwrap() {
        let case: Case = serde_json::from_str(&row.state).unwrap();
        let late = case.is_late(today(), now(), &calendar);
        let soon = case.is_due_soon(today(), now(), &calendar, 2);
        let entry = expected.entry(township(&row.region_code)).or_default();
        *entry = (entry.0 + 1, entry.1 + i64::from(late), entry.2 + i64::from(soon));
        if late {
            late_ids.insert(row.id);
            instants_late += i32::from(matches!(case.step_due, Some(Due::Instant(_))));
        }
        suspended += i32::from(case.suspended_on.is_some());
    }
    let open: i64 = expected.values().map(|e| e.0).sum();
    let late: i64 = expected.values().map(|e| e.1).sum();
    assert!(open > 5_000, "{open} open cases");
    assert!(late > 500 && instants_late > 0 && suspended > 0, "a mixed sample: {late} late, {suspended} suspended");
    assert!(expected.values().all(|e| e.2 > 0), "some due soon in every township");

    // the late list in SQL holds exactly the cases the domain calls late,
    let filter = CaseFilter { late_at: Some((today(), now())), ..all.clone() };
    let listed: BTreeSet<i64> = list_cases(&mut tx, &filter).await.unwrap().iter().map(|r| r.id).collect();
    assert_eq!(listed, late_ids);
    drop(tx);

    // and the county approver's inbox counts every one of them.
    let inbox = c::inbox(&db, &approver(), now()).await.unwrap();
    assert_eq!((inbox.open, inbox.late), (open, late));
    let counted: Expected =
        inbox.townships.iter().map(|t| (t.region_code.clone(), (t.open, t.overdue, t.due_soon))).collect();
    assert_eq!(counted, expected);
    assert_eq!(
        inbox.townships.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(),
        vec!["城关镇", "河口镇"],
        "named, by code"
    );
    assert_eq!(inbox.cases.len() as i64, INBOX_LINES, "the list shows the first lines only");
    let summary = inbox.summary().render(jiuzhu_domain::i18n::Lang::Zh);
    let n = |n: i64| jiuzhu_domain::money::group_thousands(n.unsigned_abs());
    assert_eq!(summary, format!("在办 {} 件，其中逾期 {} 件；下表列出到期最早的 500 件。", n(open), n(late)));
    assert_eq!(inbox.escalated.len() as i64, INBOX_LINES.min(late));
    assert!(inbox.escalated.iter().all(|l| l.overdue), "every escalated line is late by the domain too");
    let first_lines: Vec<bool> = inbox.cases.iter().map(|l| late_ids.contains(&l.id)).collect();
    assert_eq!(first_lines, inbox.cases.iter().map(|l| l.overdue).collect::<Vec<_>>());

    // A township's clerk: the counts of their township only.
    let theirs = c::inbox(&db, &clerk(), now()).await.unwrap();
    assert_eq!(theirs.townships.len(), 1);
    let t = &theirs.townships[0];
    assert_eq!((t.open, t.overdue, t.due_soon), expected["340102001000"]);
    assert_eq!((theirs.open, theirs.late), (t.open, t.overdue));
    assert!(theirs.escalated.is_empty(), "a clerk is not a leader");
}
