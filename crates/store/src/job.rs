//! Background jobs: the `job` rows, the files a job reads (`job_upload`)
//! and the results a verification run job has computed so far
//! (`job_verification_result`).
//!
//! The rules (who may claim, renew, end) are the domain's
//! (`jiuzhu_domain::job`); here are the rows. A worker claims a job in one
//! write transaction: [`claim_candidates`] locks the active rows (on
//! PostgreSQL `FOR UPDATE SKIP LOCKED`, so two workers never wait on or
//! take the same job; SQLite has one writer at a time anyway), the app
//! lets the domain pick one and writes it back with [`update_job`]. Every
//! later change takes the row with [`job_for_update`] first. The unique
//! index `job_kind_key` holds one active job of a kind per region: a
//! second insert is [`crate::StoreError::Conflict`].

use chrono::{DateTime, Utc};

use crate::sql::{Param, Sql, bind_params};
use crate::{Backend, Result, ResultRecord, RunRecord, Tx, on_tx};

/// A job as stored. `kind` and `state` are the domain's codes; `params`,
/// `result` and `error` the app's JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobRow {
    pub id: i64,
    pub kind: String,
    /// Empty: the whole installation.
    pub region_code: String,
    pub params: String,
    pub started_by: String,
    pub created_at: DateTime<Utc>,
    pub state: String,
    pub done: i64,
    pub total: i64,
    pub result: Option<String>,
    pub error: Option<String>,
    pub lease_owner: Option<String>,
    pub lease_until: Option<DateTime<Utc>>,
    pub attempts: i64,
    pub cancel_requested: bool,
    pub finished_at: Option<DateTime<Utc>>,
}

const JOB_COLUMNS: &str = "id, kind, region_code, params, started_by, created_at, state, done, total, result, error, \
     lease_owner, lease_until, attempts, cancel_requested, finished_at";

type JobTuple = (
    i64,
    String,
    String,
    String,
    String,
    DateTime<Utc>,
    String,
    i64,
    i64,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<DateTime<Utc>>,
    i64,
    bool,
    Option<DateTime<Utc>>,
);

fn job_from(t: JobTuple) -> JobRow {
    let (
        id,
        kind,
        region_code,
        params,
        started_by,
        created_at,
        state,
        done,
        total,
        result,
        error,
        lease_owner,
        lease_until,
        attempts,
        cancel_requested,
        finished_at,
    ) = t;
    JobRow {
        id,
        kind,
        region_code,
        params,
        started_by,
        created_at,
        state,
        done,
        total,
        result,
        error,
        lease_owner,
        lease_until,
        attempts,
        cancel_requested,
        finished_at,
    }
}

/// Queues a job (its `id`, progress, lease and outcome are ignored: a new
/// job is queued with none). Another active job of the same kind and
/// region is a conflict on `job_kind_key`.
pub async fn insert_job(tx: &mut Tx, job: &JobRow) -> Result<i64> {
    let (id,): (i64,) = on_tx!(tx, |conn| {
        sqlx::query_as(
            "INSERT INTO job (kind, region_code, params, started_by, created_at, state)
             VALUES ($1, $2, $3, $4, $5, 'queued') RETURNING id",
        )
        .bind(&job.kind)
        .bind(&job.region_code)
        .bind(&job.params)
        .bind(&job.started_by)
        .bind(job.created_at)
        .fetch_one(&mut *conn)
        .await?
    });
    Ok(id)
}

pub async fn get_job(tx: &mut Tx, id: i64) -> Result<Option<JobRow>> {
    let sql = format!("SELECT {JOB_COLUMNS} FROM job WHERE id = $1");
    let row: Option<JobTuple> =
        on_tx!(tx, |conn| sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(&mut *conn).await?);
    Ok(row.map(job_from))
}

/// `FOR UPDATE` on PostgreSQL (SQLite's write transaction already holds
/// the database).
fn row_lock(tx: &Tx, skip_locked: bool) -> &'static str {
    match (tx.db.backend(), skip_locked) {
        (Backend::Sqlite, _) => "",
        (Backend::Postgres, false) => " FOR UPDATE",
        (Backend::Postgres, true) => " FOR UPDATE SKIP LOCKED",
    }
}

/// A job, its row locked until `tx` ends: every change to a job reads it
/// this way first, so a worker's renewal and another's claim or a cancel
/// never cross.
pub async fn job_for_update(tx: &mut Tx, id: i64) -> Result<Option<JobRow>> {
    let sql = format!("SELECT {JOB_COLUMNS} FROM job WHERE id = $1{}", row_lock(tx, false));
    let row: Option<JobTuple> =
        on_tx!(tx, |conn| sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(&mut *conn).await?);
    Ok(row.map(job_from))
}

/// The active (queued or running) jobs, oldest first.
pub async fn active_jobs(tx: &mut Tx) -> Result<Vec<JobRow>> {
    let sql = format!("SELECT {JOB_COLUMNS} FROM job WHERE state IN ('queued', 'running') ORDER BY id");
    let rows: Vec<JobTuple> = on_tx!(tx, |conn| sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_all(&mut *conn).await?);
    Ok(rows.into_iter().map(job_from).collect())
}

/// The active (queued or running) jobs, oldest first, their rows locked
/// until `tx` ends; on PostgreSQL rows another transaction holds (a worker
/// renewing its lease, another worker claiming) are skipped.
pub async fn claim_candidates(tx: &mut Tx, limit: i64) -> Result<Vec<JobRow>> {
    let sql = format!(
        "SELECT {JOB_COLUMNS} FROM job WHERE state IN ('queued', 'running') ORDER BY id LIMIT $1{}",
        row_lock(tx, true)
    );
    let rows: Vec<JobTuple> =
        on_tx!(tx, |conn| sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(limit).fetch_all(&mut *conn).await?);
    Ok(rows.into_iter().map(job_from).collect())
}

/// Writes a job's state, progress, lease and outcome.
pub async fn update_job(tx: &mut Tx, job: &JobRow) -> Result<()> {
    on_tx!(tx, |conn| {
        sqlx::query(
            "UPDATE job SET state = $2, done = $3, total = $4, result = $5, error = $6, lease_owner = $7,
                lease_until = $8, attempts = $9, cancel_requested = $10, finished_at = $11
             WHERE id = $1",
        )
        .bind(job.id)
        .bind(&job.state)
        .bind(job.done)
        .bind(job.total)
        .bind(&job.result)
        .bind(&job.error)
        .bind(&job.lease_owner)
        .bind(job.lease_until)
        .bind(job.attempts)
        .bind(job.cancel_requested)
        .bind(job.finished_at)
        .execute(&mut *conn)
        .await?
        .rows_affected()
    });
    Ok(())
}

/// The latest jobs of a kind whose region lies in `[from, to)` (the region
/// codes inside a scope) or is one of `also` (regions around it), newest
/// first.
pub async fn list_jobs(
    tx: &mut Tx,
    kind: &str,
    from: &str,
    to: &str,
    also: &[String],
    limit: i64,
) -> Result<Vec<JobRow>> {
    let mut sql = Sql::new(&format!("SELECT {JOB_COLUMNS} FROM job WHERE kind = "));
    sql.bind(Param::Text(kind.to_string())).push(" AND ((region_code >= ");
    sql.bind(Param::Text(from.to_string())).push(" AND region_code < ");
    sql.bind(Param::Text(to.to_string())).push(")");
    for code in also {
        sql.push(" OR region_code = ").bind(Param::Text(code.clone()));
    }
    sql.push(") ORDER BY id DESC LIMIT ").bind(Param::Int(limit));
    let rows: Vec<JobTuple> = on_tx!(tx, |conn| {
        bind_params!(sqlx::query_as(sqlx::AssertSqlSafe(sql.text)), sql.params).fetch_all(&mut *conn).await?
    });
    Ok(rows.into_iter().map(job_from).collect())
}

// ------------------------------------------------------------------ uploads

/// Keeps the file a job will read.
pub async fn insert_job_upload(tx: &mut Tx, job_id: i64, bytes: &[u8]) -> Result<()> {
    on_tx!(tx, |conn| {
        sqlx::query("INSERT INTO job_upload (job_id, bytes) VALUES ($1, $2)")
            .bind(job_id)
            .bind(bytes)
            .execute(&mut *conn)
            .await?
            .rows_affected()
    });
    Ok(())
}

pub async fn job_upload(tx: &mut Tx, job_id: i64) -> Result<Option<Vec<u8>>> {
    let row: Option<(Vec<u8>,)> = on_tx!(tx, |conn| {
        sqlx::query_as("SELECT bytes FROM job_upload WHERE job_id = $1").bind(job_id).fetch_optional(&mut *conn).await?
    });
    Ok(row.map(|(bytes,)| bytes))
}

/// Forgets a job's file (when the job ends).
pub async fn delete_job_upload(tx: &mut Tx, job_id: i64) -> Result<()> {
    on_tx!(tx, |conn| {
        sqlx::query("DELETE FROM job_upload WHERE job_id = $1").bind(job_id).execute(&mut *conn).await?.rows_affected()
    });
    Ok(())
}

// ------------------------------------------- a verification run's results

/// Keeps results a verification run job computed (`run_id` and `id` are
/// ignored). A household staged twice for a job is a conflict.
pub async fn stage_results(tx: &mut Tx, job_id: i64, results: &[ResultRecord]) -> Result<()> {
    crate::verification::insert_result_rows(tx, "job_verification_result (job_id", |_| job_id, results).await
}

/// The highest household id staged for a job (results are staged in
/// household order, so a resumed job goes on after it).
pub async fn last_staged_household(tx: &mut Tx, job_id: i64) -> Result<Option<i64>> {
    let (max,): (Option<i64>,) = on_tx!(tx, |conn| {
        sqlx::query_as("SELECT MAX(household_id) FROM job_verification_result WHERE job_id = $1")
            .bind(job_id)
            .fetch_one(&mut *conn)
            .await?
    });
    Ok(max)
}

/// Staged results of a job: (households, households with findings).
pub async fn staged_counts(tx: &mut Tx, job_id: i64) -> Result<(i64, i64)> {
    let row: (i64, i64) = on_tx!(tx, |conn| {
        sqlx::query_as(
            "SELECT COUNT(*), COUNT(CASE WHEN finding_count > 0 THEN 1 END)
             FROM job_verification_result WHERE job_id = $1",
        )
        .bind(job_id)
        .fetch_one(&mut *conn)
        .await?
    });
    Ok(row)
}

/// Writes a job's staged results as the results of `run_id`, in household
/// order, and forgets them; returns how many.
pub async fn publish_staged_results(tx: &mut Tx, job_id: i64, run_id: i64) -> Result<u64> {
    let n = on_tx!(tx, |conn| {
        let n = sqlx::query(
            "INSERT INTO verification_result (run_id, household_id, at, members, sums, findings, finding_count, policy, deliveries)
             SELECT $2, household_id, at, members, sums, findings, finding_count, policy, deliveries
             FROM job_verification_result WHERE job_id = $1 ORDER BY household_id",
        )
        .bind(job_id)
        .bind(run_id)
        .execute(&mut *conn)
        .await?
        .rows_affected();
        sqlx::query("DELETE FROM job_verification_result WHERE job_id = $1").bind(job_id).execute(&mut *conn).await?;
        n
    });
    Ok(n)
}

/// Writes the run a job made (its `id` is ignored); a second run of one
/// job is a conflict on `verification_run_job_id_key`.
pub async fn insert_job_run(tx: &mut Tx, job_id: i64, run: &RunRecord) -> Result<i64> {
    let (id,): (i64,) = on_tx!(tx, |conn| {
        sqlx::query_as(
            "INSERT INTO verification_run (at, run_by, region_code, deliveries, households, with_findings, job_id)
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(run.at)
        .bind(&run.run_by)
        .bind(&run.region_code)
        .bind(&run.deliveries)
        .bind(run.households)
        .bind(run.with_findings)
        .bind(job_id)
        .fetch_one(&mut *conn)
        .await?
    });
    Ok(id)
}

/// Forgets what a job staged (it failed or was cancelled, or restarts).
pub async fn drop_staged_results(tx: &mut Tx, job_id: i64) -> Result<u64> {
    let n = on_tx!(tx, |conn| {
        sqlx::query("DELETE FROM job_verification_result WHERE job_id = $1")
            .bind(job_id)
            .execute(&mut *conn)
            .await?
            .rows_affected()
    });
    Ok(n)
}
