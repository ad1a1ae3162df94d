//! Payment rolls through the use cases on SQLite and PostgreSQL (issue 12):
//! a roll generated as a background job (a worker killed mid-job leaves no
//! roll), regenerated, refused to its preparer, approved by a second
//! person; a missed month paid back at each month's amount after a change;
//! a payee without an account paid back once one is recorded; every month
//! owed claimed exactly once; a second approved roll over the same months
//! refused by the database; an auditor reads every roll and changes none.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};
use jiuzhu_app::entitlement::{self as ent, EntitlementChange};
use jiuzhu_app::import::import_roster;
use jiuzhu_app::job::{self, AfterChunk, JobOutcome, Ran, WorkerConfig, work_one};
use jiuzhu_app::payment::roll::{self as pay, GenerateRoll, RollView};
use jiuzhu_app::{Actor, AppError, Db, Scope, registry};
use jiuzhu_domain::entitlement::YearMonth;
use jiuzhu_domain::job::JobState;
use jiuzhu_domain::payment::roll::{LineKind, LineResult, PayeeKey, ProgramGroup, RollKind, RollState};
use jiuzhu_domain::{Fen, RegionCode, Role};
use jiuzhu_store::Within;
use jiuzhu_testkit::RawDb;
use tokio::sync::watch;

jiuzhu_testkit::on_both_databases!(every_month_owed_is_paid_exactly_once);

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

fn preparer() -> Actor {
    Actor::user(201, "xianjingban", &[Role::CountyClerk], Scope::Region(code("340102")))
}

fn approver() -> Actor {
    Actor::user(202, "xianshenpi", &[Role::CountyApprover], Scope::Region(code("340102")))
}

fn auditor() -> Actor {
    Actor::user(203, "shenji", &[Role::Auditor], Scope::Region(code("340102")))
}

fn ask(month: &str, region: Option<&str>, group: ProgramGroup, kind: RollKind) -> GenerateRoll {
    GenerateRoll { month: m(month), region: region.map(code), group, kind }
}

fn worker(name: &str) -> WorkerConfig {
    WorkerConfig { idle: std::time::Duration::from_millis(5), ..WorkerConfig::new(name) }
}

async fn work(db: &Db, config: &WorkerConfig, at: DateTime<Utc>) -> Option<Ran> {
    let (_stop, stop) = watch::channel(false);
    work_one(db, config, &move || at, &stop).await.unwrap()
}

/// Records the current account of a household's line (in the head's name).
async fn account(raw: &RawDb, external_id: &str, number: &str) {
    raw.execute(&format!(
        "INSERT INTO payee_account (household_id, person_id, holder, institution_id, account_name, bank,
         account_number, recorded_at, recorded_by)
         SELECT h.id, NULL, 'head', NULL, p.name, '农业银行清河支行', '{number}', '2026-01-01T00:00:00Z', 'test'
         FROM household h JOIN person p ON p.household_id = h.id AND p.relation = 'head'
         WHERE h.external_id = '{external_id}'"
    ))
    .await;
}

fn conflict_key(e: AppError) -> &'static str {
    match e {
        AppError::Conflict(m) => m.key,
        other => panic!("expected a conflict, got {other:?}"),
    }
}

async fn every_month_owed_is_paid_exactly_once(db: Db) {
    let raw = RawDb::new(db).await;
    let db = raw.db.clone();
    registry::upsert_regions(&db, &Actor::system(), now(), &jiuzhu_testkit::sample_regions()).await.unwrap();
    let roster =
        std::fs::read(format!("{}/../files/tests/fixtures/roster_utf8.csv", env!("CARGO_MANIFEST_DIR"))).unwrap();
    import_roster(&db, &Actor::system(), now(), &roster).await.unwrap();
    // SF-0001 (低保 1,360元) and SF-0003 (低保 680元) have accounts; SF-0002
    // (特困 1,105.50元) has none yet.
    account(&raw, "SF-0001", "6217001234567890123").await;
    account(&raw, "SF-0003", "6228480012345678").await;

    // January's roll as a job: a worker killed after its first chunk
    // leaves no roll; the next worker makes it.
    let county = ask("2026-01", None, ProgramGroup::All, RollKind::Regular);
    let started = pay::start_generate(&db, &preparer(), now(), county.clone()).await.unwrap();
    let dying = WorkerConfig { after_chunk: Some(Arc::new(|_| AfterChunk::Vanish)), ..worker("dying") };
    assert_eq!(work(&db, &dying, now()).await, Some(Ran::Vanished));
    assert!(pay::list_rolls(&db, &preparer(), now(), None, None).await.unwrap().is_empty(), "no partial roll");
    let later = now() + Duration::seconds(61);
    assert_eq!(work(&db, &worker("next"), later).await, Some(Ran::Ended(JobState::Done)));
    let done = job::job_status(&db, &preparer(), now(), started.id).await.unwrap();
    let Some(JobOutcome::PaymentRoll(outcome)) = done.outcome else { panic!("{done:?}") };
    assert_eq!((outcome.lines, outcome.total_fen, outcome.no_account_lines), (2, 136_000 + 68_000, 1));
    let january = outcome.roll_id;

    // A second regular roll of the same county and month is refused.
    let again = pay::generate(&db, &preparer(), now(), county.clone()).await.unwrap_err();
    assert_eq!(conflict_key(again), "payment.roll.error.exists");

    // Regenerated as a job: the same lines.
    let before = pay::roll_detail(&db, &preparer(), now(), january, 1).await.unwrap();
    pay::start_regenerate(&db, &preparer(), now(), january).await.unwrap();
    assert_eq!(work(&db, &worker("w"), now()).await, Some(Ran::Ended(JobState::Done)));
    let after = pay::roll_detail(&db, &preparer(), now(), january, 1).await.unwrap();
    assert_eq!(after.lines, before.lines);
    assert_eq!(after.roll.state, RollState::Draft);
    let missing: Vec<_> = after.lines.iter().filter(|l| l.result == LineResult::NoAccount).collect();
    assert_eq!(missing.len(), 1);
    assert!(missing[0].account_masked.is_none());
    let sent = after.lines.iter().find(|l| l.amount_fen == 136_000).unwrap();
    assert_eq!(sent.account_masked.as_deref(), Some("6217***********0123"));
    assert!(!sent.id_number_masked.contains("195803120137"), "ID numbers masked");
    assert_eq!(after.difference_counts.new, 3, "no previous roll: every current line is new");
    assert_eq!(after.by_township.iter().map(|t| t.lines).sum::<i64>(), 2);

    // The preparer cannot approve; an auditor reads and changes nothing.
    assert!(!after.roll.can_approve);
    let refused = pay::approve(&db, &preparer(), now(), january, after.roll.version).await.unwrap_err();
    assert!(matches!(refused, AppError::Forbidden), "a county clerk has no approval permission: {refused:?}");
    let both =
        Actor::user(204, "xianjingban", &[Role::CountyClerk, Role::CountyApprover], Scope::Region(code("340102")));
    let refused = pay::approve(&db, &both, now(), january, after.roll.version).await.unwrap_err();
    assert_eq!(conflict_key(refused), "payment.roll.error.same_person");
    assert_eq!(pay::list_rolls(&db, &auditor(), now(), None, None).await.unwrap().len(), 1);
    assert_eq!(pay::roll_detail(&db, &auditor(), now(), january, 1).await.unwrap().lines.len(), 3);
    for attempt in [
        pay::approve(&db, &auditor(), now(), january, after.roll.version).await.map(|_| ()),
        pay::start_generate(&db, &auditor(), now(), county.clone()).await.map(|_| ()),
        pay::start_regenerate(&db, &auditor(), now(), january).await.map(|_| ()),
        pay::generate(&db, &auditor(), now(), ask("2026-02", None, ProgramGroup::All, RollKind::Regular))
            .await
            .map(|_| ()),
    ] {
        assert!(matches!(attempt, Err(AppError::Forbidden)), "{attempt:?}");
    }
    // Another county's staff do not see it.
    let elsewhere = Actor::user(205, "other", &[Role::CountyApprover], Scope::Region(code("340103")));
    assert!(matches!(pay::get_roll(&db, &elsewhere, now(), january).await, Err(AppError::NotFound)));

    // A draft made before migration 0018 also had a draft claim for each
    // one-month line; the migration drops them, so its approval below
    // claims each month once (it was refused as paid twice).
    raw.execute(&format!(
        "INSERT INTO payment_claim (roll_id, line_id, kind, payee_key, household_id, person_id, program, month, fen,
             entitlement_id, state)
         SELECT roll_id, id, kind, payee_key, household_id, person_id, program, first_month, amount_fen,
             entitlement_id, 'draft'
         FROM payment_line WHERE roll_id = {january} AND month_count = 1"
    ))
    .await;
    raw.rerun_migration(
        18,
        "DROP INDEX payment_line_roll_household_idx;
         CREATE INDEX payment_line_household_idx ON payment_line (household_id, roll_id)",
    )
    .await;
    assert_eq!(raw.count(&format!("SELECT COUNT(*) FROM payment_claim WHERE roll_id = {january}")).await, 0);

    // The approver approves what they saw; the roll is then frozen.
    let seen = pay::get_roll(&db, &approver(), now(), january).await.unwrap();
    assert!(seen.can_approve);
    let approved = pay::approve(&db, &approver(), now(), january, seen.version).await.unwrap();
    assert_eq!((approved.state, approved.approved_by.as_deref()), (RollState::Approved, Some("xianshenpi")));
    assert_eq!(
        conflict_key(pay::approve(&db, &approver(), now(), january, approved.version).await.unwrap_err()),
        "payment.roll.error.not_draft"
    );
    assert!(matches!(
        pay::regenerate(&db, &preparer(), now(), january).await,
        Err(AppError::Conflict(m)) if m.key == "payment.roll.error.not_draft"
    ));

    // SF-0001's 低保 rises to 1,500元 from March; February's roll is missed.
    let mut tx = db.begin_read().await.unwrap();
    let sf1 = jiuzhu_store::get_household_by_external_id(&mut tx, "SF-0001").await.unwrap().unwrap().id;
    drop(tx);
    let held = ent::household_entitlements(&db, &Actor::system(), sf1, now()).await.unwrap();
    let change = EntitlementChange { monthly: Fen(150_000), from: m("2026-03"), decision: None, policy_versions: None };
    ent::change_entitlement(&db, &Actor::system(), now(), held[0].id, &change).await.unwrap();
    // SF-0002's account is recorded.
    account(&raw, "SF-0002", "6228480098765432").await;

    // March's roll: March at the new amount, February paid back at the old
    // one, and SF-0002's January and February paid back with its March.
    let march = pay::generate(&db, &preparer(), now(), ask("2026-03", None, ProgramGroup::All, RollKind::Regular))
        .await
        .unwrap();
    assert_eq!(march.paid_from, m("2026-01"));
    let detail = pay::roll_detail(&db, &preparer(), now(), march.id, 1).await.unwrap();
    let line = |amount: i64, kind: LineKind| detail.lines.iter().any(|l| l.amount_fen == amount && l.kind == kind);
    assert!(line(150_000, LineKind::Current), "{:?}", detail.lines);
    assert!(line(136_000 + 68_000, LineKind::Backpay) || line(136_000, LineKind::Backpay));
    assert!(line(2 * 110_550, LineKind::Backpay), "SF-0002's January and February: {:?}", detail.lines);
    assert_eq!(detail.roll.no_account_lines, 0);

    // Before March's county roll is approved, a township's supplementary
    // roll over the same months is generated; approving both: the second
    // is refused by the database.
    let township = pay::generate(
        &db,
        &preparer(),
        now(),
        ask("2026-03", Some("340102001000"), ProgramGroup::Dibao, RollKind::Supplementary),
    )
    .await
    .unwrap();
    assert!(township.lines > 0);
    let seen = pay::get_roll(&db, &approver(), now(), march.id).await.unwrap();
    pay::approve(&db, &approver(), now(), march.id, seen.version).await.unwrap();
    let refused = pay::approve(&db, &approver(), now(), township.id, township.version).await.unwrap_err();
    assert_eq!(conflict_key(refused), "payment.roll.error.already_paid");

    // Every month owed from January to March is claimed exactly once, at
    // that month's amount.
    let mut tx = db.begin_read().await.unwrap();
    let live = jiuzhu_store::payment_roll::live_claims(&mut tx, &Within::everything()).await.unwrap();
    drop(tx);
    let mut claimed: BTreeMap<(PayeeKey, YearMonth), Vec<Fen>> = BTreeMap::new();
    for (key, month, fen) in live {
        claimed.entry((key, month)).or_default().push(fen);
    }
    let mut owed: BTreeMap<(PayeeKey, YearMonth), Vec<Fen>> = BTreeMap::new();
    for external in ["SF-0001", "SF-0002", "SF-0003"] {
        let mut tx = db.begin_read().await.unwrap();
        let id = jiuzhu_store::get_household_by_external_id(&mut tx, external).await.unwrap().unwrap().id;
        drop(tx);
        for e in ent::household_entitlements(&db, &Actor::system(), id, now()).await.unwrap() {
            let e = jiuzhu_store::entitlement::get_entitlement(&mut db.begin_read().await.unwrap(), e.id)
                .await
                .unwrap()
                .unwrap();
            for month in m("2026-01").through(m("2026-03")).filter(|month| e.covers(*month)) {
                owed.entry((PayeeKey::of(&e), month)).or_default().push(e.monthly);
            }
        }
    }
    assert_eq!(claimed, owed);
    assert_eq!(owed.len(), 9);

    // Nothing more to pay for March: a supplementary roll finds nothing.
    let nothing =
        pay::generate(&db, &preparer(), now(), ask("2026-03", None, ProgramGroup::All, RollKind::Supplementary))
            .await
            .unwrap();
    assert_eq!((nothing.lines, nothing.no_account_lines), (0, 0));
    let refused = pay::approve(&db, &approver(), now(), nothing.id, nothing.version).await.unwrap_err();
    assert_eq!(conflict_key(refused), "payment.roll.error.empty");
    let listed: Vec<RollView> = pay::list_rolls(&db, &auditor(), now(), None, Some(m("2026-03"))).await.unwrap();
    assert_eq!(listed.len(), 3);
}
