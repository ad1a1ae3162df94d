//! What people see of payments, through the use cases on SQLite and
//! PostgreSQL (issue 12 points 6 and 7): a household's payments (paid with
//! the day of the bank's return, failed with the bank's reason and its
//! correction, not sent for lack of an account), a payee's yearly
//! statement, and the month's publication per village (paid or waiting
//! lines of approved rolls only; who may publish; the board shows what was
//! published). Scope and permissions are checked and reads are audited.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use jiuzhu_app::import::import_roster;
use jiuzhu_app::payment::export::export_file;
use jiuzhu_app::payment::publication::{self, PublicationLine};
use jiuzhu_app::payment::returns::{import_return, list_corrections, resolve_correction};
use jiuzhu_app::payment::roll::{self as pay, GenerateRoll};
use jiuzhu_app::payment::statement::{household_payments, statement};
use jiuzhu_app::{Actor, AppError, Db, Scope, registry};
use jiuzhu_domain::entitlement::YearMonth;
use jiuzhu_domain::payment::roll::{LineKind, LineResult, ProgramGroup, RollKind};
use jiuzhu_domain::{Program, RegionCode, Role};
use jiuzhu_testkit::RawDb;

jiuzhu_testkit::on_both_databases!(a_household_sees_its_payments_and_a_village_its_publication);

/// Monday 2026-01-05, 10:00 in Beijing.
fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 5, 2, 0, 0).unwrap()
}

fn code(s: &str) -> RegionCode {
    RegionCode::parse(s).unwrap()
}

fn m(s: &str) -> YearMonth {
    YearMonth::parse(s).unwrap()
}

fn user(id: i64, login: &str, role: Role, region: &str) -> Actor {
    Actor::user(id, login, &[role], Scope::Region(code(region)))
}

fn preparer() -> Actor {
    user(201, "xianjingban", Role::CountyClerk, "340102")
}

fn approver() -> Actor {
    user(202, "xianshenpi", Role::CountyApprover, "340102")
}

fn ask(month: &str, kind: RollKind) -> GenerateRoll {
    GenerateRoll { month: m(month), region: None, group: ProgramGroup::All, kind }
}

/// Records the current account of a household's line, replacing the one it had.
async fn account(raw: &RawDb, external_id: &str, number: &str) {
    raw.execute(&format!(
        "UPDATE payee_account SET replaced_at = '2026-01-20T00:00:00Z'
         WHERE replaced_at IS NULL AND person_id IS NULL
           AND household_id = (SELECT id FROM household WHERE external_id = '{external_id}')"
    ))
    .await;
    raw.execute(&format!(
        "INSERT INTO payee_account (household_id, person_id, holder, institution_id, account_name, bank,
         account_number, recorded_at, recorded_by)
         SELECT h.id, NULL, 'head', NULL, p.name, '农业银行清河支行', '{number}', '2026-01-01T00:00:00Z', 'test'
         FROM household h JOIN person p ON p.household_id = h.id AND p.relation = 'head'
         WHERE h.external_id = '{external_id}'"
    ))
    .await;
}

/// Approves, exports and returns a roll at `at`, the lines of `failed` failing.
async fn paid_roll(db: &Db, month: &str, kind: RollKind, at: DateTime<Utc>, failed: &[(&str, &str)]) -> i64 {
    let roll = pay::generate(db, &preparer(), at, ask(month, kind)).await.unwrap();
    pay::approve(db, &approver(), at, roll.id, roll.version).await.unwrap();
    let file = export_file(db, &preparer(), at, roll.id).await.unwrap();
    import_return(db, &preparer(), at, roll.id, "回盘.csv", &jiuzhu_testkit::bank::bank_return(&file.bytes, failed))
        .await
        .unwrap();
    roll.id
}

async fn household(raw: &RawDb, external_id: &str) -> i64 {
    raw.count(&format!("SELECT id FROM household WHERE external_id = '{external_id}'")).await
}

async fn audited(raw: &RawDb, action: &str) -> i64 {
    raw.count(&format!("SELECT COUNT(*) FROM audit_event WHERE action = '{action}' AND outcome = 'allowed'")).await
}

/// SF-0001 (东村, 3 people, 低保 1,360元) and SF-0003 (西村, 2 people, 低保
/// 680元) have accounts; SF-0002 (南村, 特困 1,105.50元) has none. January
/// is paid, SF-0003's payment fails (账户已销户).
async fn a_household_sees_its_payments_and_a_village_its_publication(db: Db) {
    let raw = RawDb::new(db).await;
    let db = raw.db.clone();
    registry::upsert_regions(&db, &Actor::system(), now(), &jiuzhu_testkit::sample_regions()).await.unwrap();
    let roster =
        std::fs::read(format!("{}/../files/tests/fixtures/roster_utf8.csv", env!("CARGO_MANIFEST_DIR"))).unwrap();
    import_roster(&db, &Actor::system(), now(), &roster).await.unwrap();
    account(&raw, "SF-0001", "6217001234567890123").await;
    account(&raw, "SF-0003", "6228480012345678").await;
    let (zhang, wang, zhao) =
        (household(&raw, "SF-0001").await, household(&raw, "SF-0002").await, household(&raw, "SF-0003").await);
    // A draft is not a payment yet: nothing to see or publish.
    let draft = pay::generate(&db, &preparer(), now(), ask("2026-01", RollKind::Regular)).await.unwrap();
    let township = user(301, "zhenjingban", Role::TownshipClerk, "340102001");
    assert!(household_payments(&db, &township, now(), zhang).await.unwrap().lines.is_empty());
    assert!(publication::villages(&db, &township, now(), m("2026-01")).await.unwrap().is_empty());
    pay::approve(&db, &approver(), now(), draft.id, draft.version).await.unwrap();
    let file = export_file(&db, &preparer(), now(), draft.id).await.unwrap();
    import_return(
        &db,
        &preparer(),
        now(),
        draft.id,
        "回盘.csv",
        &jiuzhu_testkit::bank::bank_return(&file.bytes, &[("680.00", "账户已销户")]),
    )
    .await
    .unwrap();

    // Given the township clerk of 城关镇, when they open SF-0001's payments,
    // then January is paid, returned on 5 January.
    let seen = household_payments(&db, &township, now(), zhang).await.unwrap();
    assert_eq!(seen.lines.len(), 1);
    let l = &seen.lines[0];
    assert_eq!(
        (l.roll_month, l.roll_kind, l.kind, l.program),
        (m("2026-01"), RollKind::Regular, LineKind::Current, Program::Dibao)
    );
    assert_eq!((l.payee_name.as_str(), l.amount_fen, l.result), ("张建国", 136_000, LineResult::Paid));
    assert_eq!(l.returned_on, NaiveDate::from_ymd_opt(2026, 1, 5));
    assert_eq!(seen.statements.len(), 1);
    assert_eq!((seen.statements[0].person_id, seen.statements[0].year), (None, 2026));
    // SF-0002 has no account: its line was not sent, and no statement.
    let seen = household_payments(&db, &township, now(), wang).await.unwrap();
    assert_eq!(seen.lines.iter().map(|l| l.result).collect::<Vec<_>>(), [LineResult::NoAccount]);
    assert!(seen.statements.is_empty());
    // SF-0003 is outside 城关镇: as if it did not exist, and recorded.
    assert!(matches!(household_payments(&db, &township, now(), zhao).await, Err(AppError::NotFound)));
    let village = user(302, "cunxiezhu", Role::VillageAssistant, "340102001001");
    assert!(matches!(household_payments(&db, &village, now(), zhang).await, Err(AppError::Forbidden)));
    let denied = raw
        .count("SELECT COUNT(*) FROM audit_event WHERE action = 'payment_history_viewed' AND outcome = 'denied'")
        .await;
    assert_eq!(denied, 2);
    assert_eq!(audited(&raw, "payment_history_viewed").await, 3);

    // SF-0003's payment failed: the reason and the open correction show.
    let county = preparer();
    let seen = household_payments(&db, &county, now(), zhao).await.unwrap();
    assert_eq!(seen.lines[0].result, LineResult::Failed);
    assert_eq!(seen.lines[0].failure_reason.as_deref(), Some("账户已销户"));
    assert_eq!(seen.lines[0].correction_open, Some(true));

    // The statement of SF-0001's 2026: name, masked ID, the paid total; audited.
    let s = statement(&db, &township, now(), zhang, None, 2026).await.unwrap();
    assert_eq!((s.payee_name.as_str(), s.id_number_masked.as_str()), ("张建国", "3401**********0137"));
    assert_eq!((s.county.as_str(), s.external_id.as_str(), s.year), ("示范区", "SF-0001", 2026));
    assert_eq!((s.lines.len(), s.paid_fen, s.pending_fen, s.failed_fen), (1, 136_000, 0, 0));
    assert_eq!(audited(&raw, "payment_statement_printed").await, 1);
    let empty = statement(&db, &township, now(), zhang, None, 2025).await.unwrap();
    assert!(empty.lines.is_empty() && empty.payee_name == "张建国", "a year without payments prints empty");
    assert!(matches!(statement(&db, &township, now(), zhao, None, 2026).await, Err(AppError::NotFound)));
    assert!(matches!(statement(&db, &township, now(), zhang, Some(999_999), 2026).await, Err(AppError::NotFound)));

    // The publication of January: only 东村 has a payee paid or waiting
    // (南村's line was not sent, 西村's failed).
    let listed = publication::villages(&db, &county, now(), m("2026-01")).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(
        (listed[0].village_name.as_str(), listed[0].payees, listed[0].total_fen),
        ("示范区城关镇东村", 1, 136_000)
    );
    assert_eq!(listed[0].published_at, None);
    let dongcun = code("340102001001");
    let shown = publication::preview(&db, &township, now(), &dongcun, m("2026-01")).await.unwrap();
    assert_eq!(
        shown.lines,
        [PublicationLine {
            name: "张建国".into(),
            household_size: 3,
            program: Program::Dibao,
            personal: false,
            kind: LineKind::Current,
            first_month: m("2026-01"),
            last_month: m("2026-01"),
            months: 1,
            amount_fen: 136_000,
        }]
    );
    assert!(shown.can_publish && shown.published_at.is_none());
    assert_eq!((shown.county.as_str(), shown.township.as_str(), shown.village.as_str()), ("示范区", "城关镇", "东村"));

    // Who publishes: the township or county staff who post notices; not an
    // auditor, nor city staff, nor another township; nothing to publish is refused.
    for outsider in [user(303, "shenji", Role::Auditor, "340102"), user(304, "shiju", Role::CityStaff, "3401")] {
        assert!(matches!(
            publication::publish(&db, &outsider, now(), &dongcun, m("2026-01")).await,
            Err(AppError::Forbidden)
        ));
    }
    let hekou = user(305, "hekou", Role::TownshipClerk, "340102002");
    assert!(matches!(publication::publish(&db, &hekou, now(), &dongcun, m("2026-01")).await, Err(AppError::NotFound)));
    let xicun = code("340102002001");
    assert!(matches!(publication::publish(&db, &hekou, now(), &xicun, m("2026-01")).await, Err(AppError::Conflict(_))));
    assert!(matches!(
        publication::publish(&db, &township, now(), &code("340102001"), m("2026-01")).await,
        Err(AppError::Invalid(_))
    ));
    assert!(matches!(
        publication::public_publication(&db, now(), &dongcun, m("2026-01")).await,
        Err(AppError::NotFound)
    ));
    publication::publish(&db, &township, now(), &dongcun, m("2026-01")).await.unwrap();
    assert_eq!(audited(&raw, "payment_publication_published").await, 1);

    // The board shows it without sign-in.
    let board = publication::public_villages(&db, now()).await.unwrap();
    assert_eq!(board.len(), 1);
    assert_eq!((board[0].name.as_str(), board[0].months.as_slice()), ("示范区城关镇东村", &[m("2026-01")][..]));
    let public = publication::public_publication(&db, now(), &dongcun, m("2026-01")).await.unwrap();
    assert_eq!(public.lines, shown.lines);
    assert_eq!((public.total_fen, public.published_at, public.can_publish), (136_000, Some(now()), false));

    // SF-0003's account is fixed and January paid by a supplementary roll a
    // day later: 西村 can be published then, with that line.
    account(&raw, "SF-0003", "6228480098765432").await;
    let open = list_corrections(&db, &county, now(), None, true).await.unwrap();
    let later = now() + Duration::days(1);
    resolve_correction(&db, &preparer(), later, open[0].id).await.unwrap();
    let seen = household_payments(&db, &county, later, zhao).await.unwrap();
    assert_eq!(seen.lines[0].correction_open, Some(false));
    paid_roll(&db, "2026-01", RollKind::Supplementary, later, &[]).await;
    let seen = household_payments(&db, &county, later, zhao).await.unwrap();
    assert_eq!(seen.lines.len(), 2);
    assert_eq!((seen.lines[0].roll_kind, seen.lines[0].result), (RollKind::Supplementary, LineResult::Paid));
    let s = statement(&db, &county, later, zhao, None, 2026).await.unwrap();
    assert_eq!((s.lines.len(), s.paid_fen, s.failed_fen), (2, 68_000, 68_000));
    publication::publish(&db, &hekou, later, &xicun, m("2026-01")).await.unwrap();
    let public = publication::public_publication(&db, later, &xicun, m("2026-01")).await.unwrap();
    assert_eq!(public.lines.len(), 1);
    assert_eq!((public.lines[0].name.as_str(), public.lines[0].household_size), ("赵大勇", 2));
    assert_eq!(publication::public_villages(&db, later).await.unwrap().len(), 2);
    // A year on, January is no longer on the board.
    let next_year = now() + Duration::days(400);
    assert!(publication::public_villages(&db, next_year).await.unwrap().is_empty());
    assert!(matches!(
        publication::public_publication(&db, next_year, &dongcun, m("2026-01")).await,
        Err(AppError::NotFound)
    ));
}
