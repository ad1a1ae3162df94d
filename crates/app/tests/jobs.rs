//! Background jobs on SQLite and PostgreSQL: a county-wide verification
//! run as a job gives what the run in one go gives; a worker that vanishes
//! mid-job (as a killed process does) leaves nothing visible and the next
//! worker completes it with exactly one result per household; one job of a
//! kind per region; cancelling; a worker told to stop hands its job on; a
//! job that keeps losing its worker is given up; scope.

use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};
use jiuzhu_app::demo;
use jiuzhu_app::job::{self, AfterChunk, JobOutcome, JobView, Ran, RunOutcome, WorkerConfig, work_one};
use jiuzhu_app::verification::{self as v, DeliveryMeta, Selection, run_verification};
use jiuzhu_app::{Actor, AppError, Db, Scope};
use jiuzhu_domain::job::{JobState, MAX_ATTEMPTS};
use jiuzhu_domain::{RegionCode, Role};
use tokio::sync::watch;

jiuzhu_testkit::on_both_databases!(
    a_county_run_as_a_job_matches_the_run_in_one_go,
    a_worker_killed_mid_job_is_resumed_with_one_result_per_household,
    one_job_of_a_kind_per_region_at_a_time,
    cancelling_a_job_leaves_nothing,
    a_worker_told_to_stop_hands_its_job_on,
    a_job_that_keeps_losing_its_worker_is_given_up,
    jobs_are_seen_and_cancelled_within_the_scope,
    a_roster_imported_as_a_job_is_all_or_nothing,
    a_delivery_imported_as_a_job_is_written_once_after_a_restart,
);

const SEED: u64 = 11;
const HOUSEHOLDS: usize = 240;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 10, 31, 2, 0, 0).unwrap()
}

fn code(s: &str) -> RegionCode {
    RegionCode::parse(s).unwrap()
}

fn officer() -> Actor {
    Actor::user(9001, "hedui", &[Role::VerificationOfficer], Scope::All)
}

/// The demo county with its department data: `(delivery count)`.
async fn county(db: &Db) -> usize {
    demo::load_demo(db, &Actor::system(), now(), SEED, HOUSEHOLDS, &mut |_, _| {}).await.unwrap();
    let files = demo::department_files(SEED, HOUSEHOLDS, now().date_naive());
    let count = files.len();
    for (kind, text) in files {
        let meta = DeliveryMeta {
            kind,
            department: kind.department_zh().to_string(),
            as_of: now().date_naive(),
            file_name: format!("{}.csv", kind.code()),
        };
        v::import_delivery(db, &officer(), now(), meta, text.as_bytes()).await.unwrap();
    }
    count
}

/// A worker writing 50 households per chunk and reading each delivery in
/// one chunk.
fn worker(name: &str) -> WorkerConfig {
    WorkerConfig { chunk: 50, page: 1_000_000, idle: std::time::Duration::from_millis(5), ..WorkerConfig::new(name) }
}

/// Runs one job with `config` at `at`.
async fn work(db: &Db, config: &WorkerConfig, at: DateTime<Utc>) -> Option<Ran> {
    let (_stop, stop) = watch::channel(false);
    work_one(db, config, &move || at, &stop).await.unwrap()
}

async fn status(db: &Db, id: i64) -> JobView {
    job::job_status(db, &officer(), now(), id).await.unwrap()
}

fn run_outcome(view: &JobView) -> RunOutcome {
    match &view.outcome {
        Some(JobOutcome::VerificationRun(run)) => run.clone(),
        other => panic!("no run outcome: {other:?}"),
    }
}

/// The results of `run_id` per household of the demo county.
async fn results_per_household(db: &Db, run_id: i64) -> Vec<usize> {
    let mut tx = db.begin_read().await.unwrap();
    let members =
        jiuzhu_store::members_for_verification(&mut tx, &jiuzhu_store::Within::everything(), None).await.unwrap();
    let mut households: Vec<i64> = members.iter().map(|m| m.household_id).collect();
    households.dedup();
    let mut counts = Vec::new();
    for id in households {
        let results = jiuzhu_store::results_of(&mut tx, id).await.unwrap();
        counts.push(results.iter().filter(|r| r.run_id == run_id).count());
    }
    counts
}

async fn a_county_run_as_a_job_matches_the_run_in_one_go(db: Db) {
    county(&db).await;
    let started = job::start_verification_run(&db, &officer(), now(), None).await.unwrap();
    assert_eq!((started.state, started.done, started.total), (JobState::Queued, 0, 0));
    assert_eq!(work(&db, &worker("w1"), now()).await, Some(Ran::Ended(JobState::Done)));
    let done = status(&db, started.id).await;
    assert_eq!(done.state, JobState::Done);
    assert_eq!((done.done, done.percent), (done.total, 100));
    assert!(done.total > HOUSEHOLDS as u64, "records read and households written: {}", done.total);
    let run = run_outcome(&done);
    assert_eq!(run.households, HOUSEHOLDS as i64);
    assert!(run.with_findings > 0);
    assert_eq!(work(&db, &worker("w1"), now()).await, None, "nothing left to do");

    let direct = run_verification(&db, &officer(), now(), Selection::Region(None), &mut |_, _| {}).await.unwrap();
    assert_eq!(
        (run.households, run.members, run.with_findings, &run.by_rule, &run.matches),
        (direct.households, direct.members, direct.with_findings, &direct.by_rule, &direct.matches)
    );
    let listed = v::list_runs(&db, &officer(), now()).await.unwrap();
    assert_eq!(listed.iter().map(|r| r.id).collect::<Vec<_>>(), [direct.run_id, run.run_id]);
    assert!(results_per_household(&db, run.run_id).await.iter().all(|n| *n == 1));
}

async fn a_worker_killed_mid_job_is_resumed_with_one_result_per_household(db: Db) {
    let deliveries = county(&db).await;
    let id = job::start_verification_run(&db, &officer(), now(), None).await.unwrap().id;
    // The worker reads every delivery, writes two chunks of households and
    // vanishes, holding its lease.
    let vanish_after = deliveries as u64 + 2;
    let dying = WorkerConfig {
        after_chunk: Some(Arc::new(move |n| if n >= vanish_after { AfterChunk::Vanish } else { AfterChunk::Continue })),
        ..worker("dying")
    };
    assert_eq!(work(&db, &dying, now()).await, Some(Ran::Vanished));
    let halfway = status(&db, id).await;
    assert_eq!(halfway.state, JobState::Running);
    assert!(0 < halfway.done && halfway.done < halfway.total, "{} of {}", halfway.done, halfway.total);
    let mut tx = db.begin_read().await.unwrap();
    assert_eq!(jiuzhu_store::staged_counts(&mut tx, id).await.unwrap().0, 100, "two chunks of 50 staged");
    drop(tx);
    assert!(v::list_runs(&db, &officer(), now()).await.unwrap().is_empty(), "no half-written run is seen");

    // While the lease holds nobody takes the job; then the next worker does.
    assert_eq!(work(&db, &worker("next"), now() + Duration::seconds(30)).await, None);
    let later = now() + Duration::seconds(61);
    assert_eq!(work(&db, &worker("next"), later).await, Some(Ran::Ended(JobState::Done)));
    let done = status(&db, id).await;
    assert_eq!(done.state, JobState::Done);
    let run = run_outcome(&done);
    assert_eq!(run.households, HOUSEHOLDS as i64);
    let counts = results_per_household(&db, run.run_id).await;
    assert_eq!(counts.len(), HOUSEHOLDS);
    assert!(counts.iter().all(|n| *n == 1), "exactly one result per household");
    let mut tx = db.begin_read().await.unwrap();
    assert_eq!(jiuzhu_store::staged_counts(&mut tx, id).await.unwrap().0, 0, "nothing left staged");
    let row = jiuzhu_store::get_job(&mut tx, id).await.unwrap().unwrap();
    assert_eq!((row.attempts, row.lease_owner), (2, None));
    drop(tx);

    // The same findings as a run in one go.
    let direct = run_verification(&db, &officer(), later, Selection::Region(None), &mut |_, _| {}).await.unwrap();
    assert_eq!((run.with_findings, &run.by_rule), (direct.with_findings, &direct.by_rule));
}

async fn one_job_of_a_kind_per_region_at_a_time(db: Db) {
    county(&db).await;
    let county_code = code(demo::COUNTY_CODE);
    let first = job::start_verification_run(&db, &officer(), now(), Some(county_code.clone())).await.unwrap();
    let again = job::start_verification_run(&db, &officer(), now(), Some(county_code.clone())).await.unwrap_err();
    let AppError::Conflict(message) = again else { panic!("{again:?}") };
    assert_eq!(
        message.render(jiuzhu_domain::Lang::Zh),
        "本辖区已有一项同类任务正在排队或进行，请等其完成或取消后再发起。"
    );
    // Another region, and the whole installation, are other regions.
    let township = code(&format!("{}001", demo::COUNTY_CODE));
    let other = job::start_verification_run(&db, &officer(), now(), Some(township.clone())).await.unwrap();
    job::start_verification_run(&db, &officer(), now(), None).await.unwrap();
    // Once the county's job ended, the county may start another.
    job::cancel_job(&db, &officer(), now(), first.id).await.unwrap();
    job::start_verification_run(&db, &officer(), now(), Some(county_code)).await.unwrap();
    assert!(job::start_verification_run(&db, &officer(), now(), Some(township)).await.is_err());
    assert_eq!(status(&db, other.id).await.state, JobState::Queued);
}

async fn cancelling_a_job_leaves_nothing(db: Db) {
    let deliveries = county(&db).await;
    // A queued job ends at once.
    let queued = job::start_verification_run(&db, &officer(), now(), None).await.unwrap();
    let cancelled = job::cancel_job(&db, &officer(), now(), queued.id).await.unwrap();
    assert_eq!((cancelled.state, cancelled.finished_at), (JobState::Cancelled, Some(now())));
    assert_eq!(work(&db, &worker("w"), now()).await, None);
    let ended = job::cancel_job(&db, &officer(), now(), queued.id).await.unwrap_err();
    assert!(matches!(ended, AppError::Conflict(ref m) if m.key == "job.error.ended"), "{ended:?}");

    // A running job stops at its next chunk and removes what it staged.
    let id = job::start_verification_run(&db, &officer(), now(), None).await.unwrap().id;
    let stop_after = deliveries as u64 + 1;
    let vanishing = WorkerConfig {
        after_chunk: Some(Arc::new(move |n| if n >= stop_after { AfterChunk::Vanish } else { AfterChunk::Continue })),
        ..worker("w1")
    };
    assert_eq!(work(&db, &vanishing, now()).await, Some(Ran::Vanished));
    let asked = job::cancel_job(&db, &officer(), now(), id).await.unwrap();
    assert_eq!((asked.state, asked.cancel_requested, asked.can_cancel), (JobState::Running, true, false));
    // The worker comes back (its lease still holds) and is told at its next chunk.
    let returning = WorkerConfig { name: "w1".into(), ..worker("w1") };
    let mut tx = db.begin_read().await.unwrap();
    assert_eq!(jiuzhu_store::staged_counts(&mut tx, id).await.unwrap().0, 50);
    drop(tx);
    // Another worker after the lease ran out sees the request before any work.
    assert_eq!(work(&db, &returning, now() + Duration::seconds(61)).await, Some(Ran::Ended(JobState::Cancelled)));
    let view = status(&db, id).await;
    assert_eq!(view.state, JobState::Cancelled);
    assert!(view.outcome.is_none());
    let mut tx = db.begin_read().await.unwrap();
    assert_eq!(jiuzhu_store::staged_counts(&mut tx, id).await.unwrap().0, 0, "what it staged is gone");
    drop(tx);
    assert!(v::list_runs(&db, &officer(), now()).await.unwrap().is_empty());

    // Cancelled between chunks by a hook that asks as a person would.
    let id = job::start_verification_run(&db, &officer(), now(), None).await.unwrap().id;
    let db2 = db.clone();
    let (asks, asked_rx) = std::sync::mpsc::channel::<()>();
    let asking = WorkerConfig {
        after_chunk: Some(Arc::new(move |n| {
            if n == 1 {
                asks.send(()).unwrap();
            }
            AfterChunk::Continue
        })),
        ..worker("w2")
    };
    let canceller = tokio::spawn(async move {
        tokio::task::spawn_blocking(move || asked_rx.recv().unwrap()).await.unwrap();
        job::cancel_job(&db2, &officer(), now(), id).await.unwrap();
    });
    let ran = work(&db, &asking, now() + Duration::seconds(200)).await;
    canceller.await.unwrap();
    // Depending on when the request lands the job is cancelled or done;
    // either way nothing is half-written.
    match ran {
        Some(Ran::Ended(JobState::Cancelled)) => {
            assert!(v::list_runs(&db, &officer(), now()).await.unwrap().is_empty())
        }
        Some(Ran::Ended(JobState::Done)) => {
            let run = run_outcome(&status(&db, id).await);
            assert!(results_per_household(&db, run.run_id).await.iter().all(|n| *n == 1));
        }
        other => panic!("{other:?}"),
    }
}

async fn a_worker_told_to_stop_hands_its_job_on(db: Db) {
    county(&db).await;
    let id = job::start_verification_run(&db, &officer(), now(), None).await.unwrap().id;
    let (stop_tx, stop) = watch::channel(false);
    let stop_tx = Arc::new(stop_tx);
    let stopping = WorkerConfig {
        after_chunk: Some(Arc::new(move |n| {
            if n == 3 {
                stop_tx.send_replace(true);
            }
            AfterChunk::Continue
        })),
        ..worker("leaving")
    };
    let ran = work_one(&db, &stopping, &now, &stop).await.unwrap();
    assert_eq!(ran, Some(Ran::Released));
    let view = status(&db, id).await;
    assert_eq!(view.state, JobState::Running);
    // Released: the next worker takes it at once, without waiting for the lease.
    assert_eq!(work(&db, &worker("next"), now()).await, Some(Ran::Ended(JobState::Done)));
    let run = run_outcome(&status(&db, id).await);
    assert!(results_per_household(&db, run.run_id).await.iter().all(|n| *n == 1));
}

async fn a_job_that_keeps_losing_its_worker_is_given_up(db: Db) {
    county(&db).await;
    let id = job::start_verification_run(&db, &officer(), now(), None).await.unwrap().id;
    let dying = WorkerConfig { after_chunk: Some(Arc::new(|_| AfterChunk::Vanish)), ..worker("dying") };
    let mut at = now();
    for _ in 0..MAX_ATTEMPTS {
        assert_eq!(work(&db, &dying, at).await, Some(Ran::Vanished));
        at += Duration::seconds(61);
    }
    assert_eq!(work(&db, &worker("next"), at).await, None, "given up, not run a fourth time");
    let view = status(&db, id).await;
    assert_eq!(view.state, JobState::Failed);
    let error = view.error.unwrap();
    assert_eq!(error.zh, "任务已尝试3次均未完成，已停止，请检查后重新发起。");
    let mut tx = db.begin_read().await.unwrap();
    assert_eq!(jiuzhu_store::staged_counts(&mut tx, id).await.unwrap().0, 0);
}

async fn jobs_are_seen_and_cancelled_within_the_scope(db: Db) {
    county(&db).await;
    let county_code = code(demo::COUNTY_CODE);
    let first = code(&format!("{}001", demo::COUNTY_CODE));
    let second = code(&format!("{}002", demo::COUNTY_CODE));
    let clerk = |r: &RegionCode| Actor::user(9100, "jingban", &[Role::TownshipClerk], Scope::Region(r.clone()));
    let leader = Actor::user(9102, "zhenzhang", &[Role::TownshipLeader], Scope::Region(first.clone()));
    let centre = Actor::user(9101, "zhongxin", &[Role::VerificationOfficer], Scope::Region(county_code.clone()));

    // A township leader may read verification results but not run them.
    let refused = job::start_verification_run(&db, &leader, now(), None).await.unwrap_err();
    assert!(matches!(refused, AppError::Forbidden), "{refused:?}");
    // The county centre's job over one township: the other township's
    // clerk does not see it; the township's leader sees it but may not
    // cancel it, its clerk may.
    let township_job = job::start_verification_run(&db, &centre, now(), Some(first.clone())).await.unwrap();
    let hidden = job::job_status(&db, &clerk(&second), now(), township_job.id).await.unwrap_err();
    assert!(matches!(hidden, AppError::NotFound), "{hidden:?}");
    let hidden = job::cancel_job(&db, &clerk(&second), now(), township_job.id).await.unwrap_err();
    assert!(matches!(hidden, AppError::NotFound), "{hidden:?}");
    assert!(!job::job_status(&db, &leader, now(), township_job.id).await.unwrap().can_cancel);
    let refused = job::cancel_job(&db, &leader, now(), township_job.id).await.unwrap_err();
    assert!(matches!(refused, AppError::Forbidden), "{refused:?}");
    assert!(job::job_status(&db, &clerk(&first), now(), township_job.id).await.unwrap().can_cancel);
    // A run asked for outside the centre's county is not found.
    let elsewhere = job::start_verification_run(&db, &centre, now(), Some(code("110101"))).await.unwrap_err();
    assert!(matches!(elsewhere, AppError::NotFound), "{elsewhere:?}");

    // The county's job: a township clerk sees its progress, not its outcome.
    let county_job = job::start_verification_run(&db, &centre, now(), None).await.unwrap();
    assert_eq!(county_job.region_code, county_code.to_string(), "narrowed to the centre's scope");
    while work(&db, &worker("w"), now()).await.is_some() {}
    let from_township = job::job_status(&db, &clerk(&first), now(), county_job.id).await.unwrap();
    assert_eq!((from_township.state, from_township.outcome.is_none()), (JobState::Done, true));
    let refused = job::cancel_job(&db, &clerk(&first), now(), county_job.id).await.unwrap_err();
    assert!(matches!(refused, AppError::NotFound | AppError::Conflict(_)), "{refused:?}");
    assert!(job::job_status(&db, &centre, now(), county_job.id).await.unwrap().outcome.is_some());
    let listed =
        job::list_jobs(&db, &clerk(&first), now(), jiuzhu_domain::job::JobKind::VerificationRun).await.unwrap();
    let ids: Vec<i64> = listed.iter().map(|j| j.id).collect();
    assert_eq!(ids, [county_job.id, township_job.id]);
    let listed =
        job::list_jobs(&db, &clerk(&second), now(), jiuzhu_domain::job::JobKind::VerificationRun).await.unwrap();
    assert_eq!(listed.iter().map(|j| j.id).collect::<Vec<_>>(), [county_job.id]);
}

fn sample_roster() -> Vec<u8> {
    std::fs::read(format!("{}/../files/tests/fixtures/roster_utf8.csv", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

async fn a_roster_imported_as_a_job_is_all_or_nothing(db: Db) {
    jiuzhu_app::registry::upsert_regions(&db, &Actor::system(), now(), &jiuzhu_testkit::sample_regions())
        .await
        .unwrap();
    let clerk = Actor::user(9200, "luru", &[Role::CountyClerk], Scope::Region(code("340102")));
    // A file with a bad line: the job fails, listing the problem; nothing is written.
    let mut bad = sample_roster();
    bad.extend_from_slice("SF-9,340102001001,1234,某人,户主\n".as_bytes());
    let id = job::start_roster_import(&db, &clerk, now(), &bad).await.unwrap().id;
    let again = job::start_roster_import(&db, &clerk, now(), &bad).await.unwrap_err();
    assert!(matches!(again, AppError::Conflict(_)), "one roster import of the county at a time: {again:?}");
    assert_eq!(work(&db, &worker("w"), now()).await, Some(Ran::Ended(JobState::Failed)));
    let view = job::job_status(&db, &clerk, now(), id).await.unwrap();
    assert_eq!(view.error.unwrap().zh, "文件未导入：发现 1 处问题，数据库未作任何改动。");
    let Some(JobOutcome::Rejected(rejected)) = view.outcome else { panic!("{:?}", view.outcome) };
    assert_eq!(rejected.problems.len(), 1);
    assert_eq!(rejected.problems[0].line.zh, "第8行");
    let mut tx = db.begin_read().await.unwrap();
    assert!(jiuzhu_store::job_upload(&mut tx, id).await.unwrap().is_none(), "the file is not kept after the job");
    assert!(jiuzhu_store::get_household_by_external_id(&mut tx, "SF-0001").await.unwrap().is_none());
    drop(tx);

    // The good file: imported as the clerk, in her county.
    let id = job::start_roster_import(&db, &clerk, now(), &sample_roster()).await.unwrap().id;
    assert_eq!(work(&db, &worker("w"), now()).await, Some(Ran::Ended(JobState::Done)));
    let view = job::job_status(&db, &clerk, now(), id).await.unwrap();
    let Some(JobOutcome::RosterImport(roster)) = view.outcome else { panic!("{:?}", view.outcome) };
    assert_eq!((roster.created, roster.updated, roster.persons), (3, 0, 6));
    assert_eq!((view.done, view.total), (2, 2));
    let mut tx = db.begin_read().await.unwrap();
    assert!(jiuzhu_store::get_household_by_external_id(&mut tx, "SF-0001").await.unwrap().is_some());
}

async fn a_delivery_imported_as_a_job_is_written_once_after_a_restart(db: Db) {
    county(&db).await;
    let before = v::list_deliveries(&db, &officer(), now(), None).await.unwrap().len();
    let meta = DeliveryMeta {
        kind: jiuzhu_domain::dataset::DatasetKind::Vehicle,
        department: "公安交管".into(),
        as_of: now().date_naive(),
        file_name: "机动车.csv".into(),
    };
    let file = "身份证号,号牌号码,车辆类型\n340102195803120137,皖A12345,小型轿车\n1234,皖A1,小型轿车\n";
    let id = job::start_delivery_import(&db, &officer(), now(), meta, file.as_bytes()).await.unwrap().id;
    // The worker reads the file, records that, and vanishes before writing.
    let dying = WorkerConfig { after_chunk: Some(Arc::new(|_| AfterChunk::Vanish)), ..worker("dying") };
    assert_eq!(work(&db, &dying, now()).await, Some(Ran::Vanished));
    assert_eq!(status(&db, id).await.done, 1);
    assert_eq!(v::list_deliveries(&db, &officer(), now(), None).await.unwrap().len(), before, "nothing written yet");
    // The next worker imports it once.
    assert_eq!(work(&db, &worker("next"), now() + Duration::seconds(61)).await, Some(Ran::Ended(JobState::Done)));
    let view = status(&db, id).await;
    let Some(JobOutcome::DeliveryImport(delivery)) = view.outcome else { panic!("{:?}", view.outcome) };
    assert_eq!((delivery.rows_read, delivery.rows_rejected), (2, 1));
    let deliveries = v::list_deliveries(&db, &officer(), now(), None).await.unwrap();
    assert_eq!(deliveries.len(), before + 1);
    assert_eq!(deliveries[0].id, delivery.delivery_id);
}
