//! Background jobs survive the worker process being killed (issue 11): a
//! county-wide verification queued from the terminal is taken by
//! `jiuzhu worker`, which is killed with SIGKILL mid-job; the next worker
//! takes the job over once the lease has run out and completes it with
//! exactly one result per household, and nothing of the killed attempt is
//! left over. On SQLite and PostgreSQL.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use jiuzhu_store::Db;

const HOUSEHOLDS: i64 = 3_000;

fn workdir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("jiuzhu-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The binary on the database `url`, with the audit key in `dir`.
fn jiuzhu(dir: &std::path::Path, url: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_jiuzhu"));
    command
        .args(["--db", url, "--audit-key-file", "audit.key"])
        .current_dir(dir)
        .env("RUST_LOG", "warn")
        .env_remove("JIUZHU_DATABASE_URL");
    command
}

fn run(dir: &std::path::Path, url: &str, args: &[&str]) {
    let out = jiuzhu(dir, url).args(args).output().expect("run jiuzhu");
    assert!(out.status.success(), "jiuzhu {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

/// Starts a worker that writes 100 households per chunk.
fn worker(dir: &std::path::Path, url: &str, extra: &[&str]) -> Child {
    jiuzhu(dir, url)
        .args(["worker", "--job-chunk", "100", "--job-lease", "2"])
        .args(extra)
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the worker")
}

/// The one job's row.
async fn job(db: &Db) -> jiuzhu_store::JobRow {
    let mut tx = db.begin_read().await.unwrap();
    jiuzhu_store::get_job(&mut tx, 1).await.unwrap().expect("the queued job")
}

async fn killed_worker_then_restart(dir: &std::path::Path, url: &str) {
    run(dir, url, &["audit", "init-key"]);
    run(dir, url, &["demo", "--households", &HOUSEHOLDS.to_string()]);
    run(dir, url, &["verify", "--background"]);
    let db = Db::connect(url).await.unwrap();
    assert_eq!(job(&db).await.state, "queued");

    // The first worker writes five chunks, says so, and waits: killed there.
    let mut first = worker(dir, url, &["--pause-after-chunks", "5"]);
    let mut lines = BufReader::new(first.stderr.take().unwrap()).lines();
    let paused = lines.by_ref().map_while(Result::ok).find(|l| l.contains("paused"));
    assert!(paused.is_some(), "the worker did not get to its fifth chunk");
    first.kill().unwrap(); // SIGKILL: no chance to clean up
    first.wait().unwrap();

    let halfway = job(&db).await;
    assert_eq!((halfway.state.as_str(), halfway.attempts), ("running", 1));
    assert!(halfway.done > 0 && halfway.done < halfway.total, "{} of {}", halfway.done, halfway.total);
    let mut tx = db.begin_read().await.unwrap();
    assert_eq!(jiuzhu_store::staged_counts(&mut tx, 1).await.unwrap().0, 500, "five chunks of 100 staged");
    assert!(jiuzhu_store::list_runs(&mut tx, 10).await.unwrap().is_empty(), "no half-written run");
    drop(tx);

    // The next worker waits for the lease to run out, then completes it.
    let mut second = worker(dir, url, &[]);
    let started = Instant::now();
    let done = loop {
        let row = job(&db).await;
        if row.state != "queued" && row.state != "running" {
            break row;
        }
        assert!(started.elapsed() < Duration::from_secs(180), "the job was not completed: {row:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    second.kill().unwrap();
    second.wait().unwrap();
    assert_eq!((done.state.as_str(), done.attempts, done.done, done.total), ("done", 2, done.total, HOUSEHOLDS));

    let mut tx = db.begin_read().await.unwrap();
    let runs = jiuzhu_store::list_runs(&mut tx, 10).await.unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].households, HOUSEHOLDS);
    let members =
        jiuzhu_store::members_for_verification(&mut tx, &jiuzhu_store::Within::everything(), None).await.unwrap();
    let mut households: Vec<i64> = members.iter().map(|m| m.household_id).collect();
    households.dedup();
    assert_eq!(households.len() as i64, HOUSEHOLDS);
    for id in households {
        let results = jiuzhu_store::results_of(&mut tx, id).await.unwrap();
        assert_eq!(results.iter().filter(|r| r.run_id == runs[0].id).count(), 1, "household {id}");
    }
    assert_eq!(jiuzhu_store::staged_counts(&mut tx, 1).await.unwrap().0, 0, "nothing left staged");
    drop(tx);
    db.close().await;
}

#[tokio::test]
async fn a_killed_worker_s_job_is_completed_by_the_next_on_sqlite() {
    let dir = workdir("jobs-sqlite");
    let url = format!("sqlite:{}", dir.join("jiuzhu.db").display());
    killed_worker_then_restart(&dir, &url).await;
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn a_killed_worker_s_job_is_completed_by_the_next_on_postgresql() {
    let dir = workdir("jobs-postgres");
    let (db, url) = jiuzhu_testkit::postgres_with_url().await;
    db.close().await;
    killed_worker_then_restart(&dir, &url).await;
    std::fs::remove_dir_all(&dir).unwrap();
}
