//! The worker: claims jobs and runs them, chunk by chunk.
//!
//! [`run_worker`] loops until told to stop: it claims the oldest job that
//! is queued or whose lease ran out ([`work_one`]), runs it, and waits a
//! little when there is none. A job kind's work calls
//! [`JobCtx::begin_chunk`] (which takes the job's row and checks this worker
//! still holds the lease) and [`JobCtx::commit_chunk`] (which records the
//! progress, renews the lease and commits what the chunk wrote), and ends
//! with [`JobCtx::finish`] in the transaction that makes its work visible.
//!
//! Between chunks the worker stops when the job was asked to stop (it then
//! removes what the job staged and marks it cancelled), when another worker
//! took the job over (it leaves everything to that one), and when it is
//! itself told to stop (it releases the job for the next claim). A worker
//! that dies holds its lease until it runs out; then another resumes the
//! job. The clock is a function given by the binary.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use jiuzhu_domain::i18n::Message;
use jiuzhu_domain::job::{Job, JobError, JobKind, LEASE, Progress};
use jiuzhu_store::{self as store, Db, JobRow, Tx};
use serde_json::json;
use tokio::sync::watch;

use super::{JobOutcome, Work, job_of, params_of, write_back};
use crate::Actor;
use crate::error::{AppError, Result};

/// What the worker does after a chunk was committed (a test's hook).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterChunk {
    Continue,
    /// Stop at once as if the process had been killed: nothing more is
    /// written, the lease is kept until it runs out.
    Vanish,
}

/// Called after every committed chunk with the number of chunks so far.
pub type ChunkHook = Arc<dyn Fn(u64) -> AfterChunk + Send + Sync>;

/// The clock the worker reads (the binary's system clock, a test's).
pub type Clock = dyn Fn() -> DateTime<Utc> + Send + Sync;

/// How a worker works.
#[derive(Clone)]
pub struct WorkerConfig {
    /// Names the worker in the leases it holds (host and process).
    pub name: String,
    /// How long a claim or a chunk's renewal holds the job.
    pub lease: Duration,
    /// How long to wait before looking again when there is no job.
    pub idle: std::time::Duration,
    /// Households whose results one chunk writes.
    pub chunk: usize,
    /// Department records read per chunk.
    pub page: i64,
    pub after_chunk: Option<ChunkHook>,
}

impl WorkerConfig {
    pub fn new(name: impl Into<String>) -> WorkerConfig {
        WorkerConfig {
            name: name.into(),
            lease: LEASE,
            idle: std::time::Duration::from_secs(1),
            chunk: 5_000,
            page: 50_000,
            after_chunk: None,
        }
    }
}

impl std::fmt::Debug for WorkerConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WorkerConfig")
            .field("name", &self.name)
            .field("lease", &self.lease)
            .field("chunk", &self.chunk)
            .field("page", &self.page)
            .finish_non_exhaustive()
    }
}

/// How a claimed job's run ended for this worker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ran {
    /// The job ended: done, failed or cancelled.
    Ended(jiuzhu_domain::job::JobState),
    /// This worker was told to stop and released the job.
    Released,
    /// Another worker took the job over.
    LeaseLost,
    /// The test hook made the worker vanish mid-job.
    Vanished,
}

/// Why a job's work stopped before its end.
#[derive(Debug)]
pub(crate) enum Halt {
    Cancelled,
    /// The job's input was refused: it fails with this message, keeping
    /// the outcome that says why (a file's problems).
    Rejected(Message, JobOutcome),
    LeaseLost,
    Shutdown,
    Vanished,
    Failed(AppError),
}

impl From<AppError> for Halt {
    fn from(e: AppError) -> Halt {
        Halt::Failed(e)
    }
}

impl From<store::StoreError> for Halt {
    fn from(e: store::StoreError) -> Halt {
        Halt::Failed(e.into())
    }
}

impl From<JobError> for Halt {
    fn from(e: JobError) -> Halt {
        match e {
            JobError::LeaseLost | JobError::Leased => Halt::LeaseLost,
            // Ended while running: someone else ended it (only cancelling
            // a queued job does, so this cannot happen to a held lease).
            JobError::Ended | JobError::AlreadyActive => Halt::LeaseLost,
        }
    }
}

/// A chunk's transaction, the job's row taken.
pub(crate) struct Chunk {
    pub(crate) tx: Tx,
    row: JobRow,
    job: Job,
}

/// What a job kind's work sees of its job and worker.
pub(crate) struct JobCtx<'a> {
    pub(crate) db: &'a Db,
    pub(crate) config: &'a WorkerConfig,
    now: &'a Clock,
    stop: &'a watch::Receiver<bool>,
    pub(crate) id: i64,
    /// The actor who started the job, as the job runs as them.
    pub(crate) actor: Actor,
    chunks: u64,
}

impl JobCtx<'_> {
    pub(crate) fn now(&self) -> DateTime<Utc> {
        (self.now)()
    }

    /// Begins a chunk: a write transaction holding the job's row, after
    /// checking this worker still holds the lease.
    pub(crate) async fn begin_chunk(&self) -> Result<Chunk, Halt> {
        let mut tx = self.db.begin().await?;
        let Some(row) = store::job_for_update(&mut tx, self.id).await? else {
            return Err(Halt::Failed(AppError::NotFound));
        };
        let job = job_of(&row)?;
        // Checks the lease without changing anything yet.
        job.renew(&self.config.name, self.now(), self.config.lease, job.progress)?;
        Ok(Chunk { tx, row, job })
    }

    /// Records `progress`, renews the lease and commits the chunk; then
    /// tells the work to stop if the job was asked to, or the worker was.
    pub(crate) async fn commit_chunk(&mut self, chunk: Chunk, progress: Progress) -> Result<(), Halt> {
        let Chunk { mut tx, mut row, job } = chunk;
        let now = self.now();
        let next = job.renew(&self.config.name, now, self.config.lease, progress)?;
        write_back(&mut row, &next, now);
        store::update_job(&mut tx, &row).await?;
        tx.commit().await?;
        self.chunks += 1;
        if next.cancel_requested {
            return Err(Halt::Cancelled);
        }
        if let Some(hook) = &self.config.after_chunk
            && hook(self.chunks) == AfterChunk::Vanish
        {
            return Err(Halt::Vanished);
        }
        if *self.stop.borrow() {
            return Err(Halt::Shutdown);
        }
        Ok(())
    }

    /// A chunk that writes nothing but its progress.
    pub(crate) async fn progress(&mut self, progress: Progress) -> Result<(), Halt> {
        let chunk = self.begin_chunk().await?;
        self.commit_chunk(chunk, progress).await
    }

    /// Ends the job as done with `outcome`, committing the chunk (which
    /// holds the writes that make the work visible).
    pub(crate) async fn finish(&mut self, chunk: Chunk, outcome: &JobOutcome) -> Result<(), Halt> {
        let Chunk { mut tx, mut row, job } = chunk;
        let now = self.now();
        let done = job.finish(&self.config.name)?;
        write_back(&mut row, &done, now);
        row.result = Some(json!(outcome).to_string());
        store::delete_job_upload(&mut tx, self.id).await?;
        store::update_job(&mut tx, &row).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Removes what a job left behind when it ends without finishing.
async fn clean_up(tx: &mut Tx, id: i64) -> Result<()> {
    store::drop_staged_results(tx, id).await?;
    store::delete_job_upload(tx, id).await?;
    Ok(())
}

/// Claims the oldest claimable job, in one write transaction. A job whose
/// lease ran out once too often is failed (and cleaned up) on the way.
async fn claim(db: &Db, config: &WorkerConfig, now: DateTime<Utc>) -> Result<Option<(JobRow, Job)>> {
    // A look first, in a read transaction: an idle worker never queues for
    // SQLite's one writer.
    let mut look = db.begin_read().await?;
    let active = store::active_jobs(&mut look).await?;
    look.commit().await?;
    if !active.iter().any(|row| job_of(row).is_ok_and(|job| job.claimable(now))) {
        return Ok(None);
    }
    let mut tx = db.begin().await?;
    for mut row in store::claim_candidates(&mut tx, 20).await? {
        let job = job_of(&row)?;
        if !job.claimable(now) {
            continue;
        }
        let claimed = job.claim(&config.name, now, config.lease).map_err(|e| AppError::Internal(e.to_string()))?;
        write_back(&mut row, &claimed, now);
        store::update_job(&mut tx, &row).await?;
        if claimed.state.is_active() {
            tx.commit().await?;
            return Ok(Some((row, claimed)));
        }
        tracing::warn!(job = row.id, attempts = claimed.attempts, "job given up after repeated lost leases");
        clean_up(&mut tx, row.id).await?;
    }
    tx.commit().await?;
    Ok(None)
}

/// Ends a job that halted: cancelled or failed (removing what it staged),
/// released, or left alone.
async fn settle(db: &Db, config: &WorkerConfig, now: DateTime<Utc>, id: i64, halt: Halt) -> Result<Ran> {
    let end = |job: &Job| -> std::result::Result<Job, JobError> {
        match &halt {
            Halt::Cancelled => job.cancelled(&config.name),
            Halt::Shutdown => job.release(&config.name, now),
            Halt::Failed(e) => job.fail(&config.name, failure_message(e)),
            Halt::Rejected(message, _) => job.fail(&config.name, message.clone()),
            Halt::LeaseLost | Halt::Vanished => Err(JobError::LeaseLost),
        }
    };
    match &halt {
        Halt::LeaseLost => return Ok(Ran::LeaseLost),
        Halt::Vanished => return Ok(Ran::Vanished),
        Halt::Failed(e) => tracing::error!(job = id, error = %e, "job failed"),
        Halt::Cancelled | Halt::Shutdown | Halt::Rejected(..) => {}
    }
    let mut tx = db.begin().await?;
    let Some(mut row) = store::job_for_update(&mut tx, id).await? else { return Ok(Ran::LeaseLost) };
    let Ok(next) = end(&job_of(&row)?) else { return Ok(Ran::LeaseLost) };
    write_back(&mut row, &next, now);
    if let Halt::Rejected(_, outcome) = &halt {
        row.result = Some(json!(outcome).to_string());
    }
    if !next.state.is_active() {
        clean_up(&mut tx, id).await?;
    }
    store::update_job(&mut tx, &row).await?;
    tx.commit().await?;
    Ok(if next.state.is_active() { Ran::Released } else { Ran::Ended(next.state) })
}

/// What a failed job says: the use case's own message for a refusal
/// (invalid input, a conflict), a generic one for anything internal.
fn failure_message(e: &AppError) -> Message {
    match e {
        AppError::Conflict(m) | AppError::TooMany(m) => m.clone(),
        AppError::Invalid(errors) if !errors.is_empty() => errors[0].message.clone(),
        _ => Message::new("job.error.internal"),
    }
}

/// Claims one job and works on it until it ends, is taken over, or the
/// worker is told to stop; `None` when there was nothing to do.
pub async fn work_one(
    db: &Db,
    config: &WorkerConfig,
    now: &Clock,
    stop: &watch::Receiver<bool>,
) -> Result<Option<Ran>> {
    let Some((row, job)) = claim(db, config, now()).await? else { return Ok(None) };
    let id = row.id;
    tracing::info!(job = id, kind = job.kind.code(), attempt = job.attempts, worker = %config.name, "job claimed");
    let halt = match params_of(&row).and_then(|p| Ok((p.started_by.actor()?, p.work))) {
        // Asked to stop while its worker was gone: cancelled before any work.
        Ok(_) if job.cancel_requested => Halt::Cancelled,
        Ok((actor, work)) => {
            let mut ctx = JobCtx { db, config, now, stop, id, actor, chunks: 0 };
            match run(&mut ctx, job.kind, work).await {
                Ok(()) => return Ok(Some(Ran::Ended(jiuzhu_domain::job::JobState::Done))),
                Err(halt) => halt,
            }
        }
        Err(e) => Halt::Failed(e),
    };
    settle(db, config, now(), id, halt).await.map(Some)
}

/// Runs a job of `kind`.
async fn run(ctx: &mut JobCtx<'_>, kind: JobKind, work: Work) -> Result<(), Halt> {
    match (kind, work) {
        (JobKind::VerificationRun, Work::VerificationRun { region }) => {
            crate::verification::run_job(ctx, region.as_deref()).await
        }
        (JobKind::RosterImport, Work::RosterImport) => super::imports::run_roster_import(ctx).await,
        (JobKind::DeliveryImport, Work::DeliveryImport { meta }) => {
            super::imports::run_delivery_import(ctx, meta).await
        }
        (JobKind::PaymentRoll, Work::PaymentRoll { work }) => crate::payment::roll::run_job(ctx, work).await,
        (kind, _) => Err(Halt::Failed(AppError::Internal(format!("no work for a job of kind {}", kind.code())))),
    }
}

/// Runs jobs until `stop` turns true: claims one, runs it, and when there
/// is none waits `config.idle` (or until told to stop). Errors of one job
/// are logged and the loop goes on.
pub async fn run_worker(db: Db, config: WorkerConfig, now: Arc<Clock>, mut stop: watch::Receiver<bool>) {
    loop {
        if *stop.borrow() {
            return;
        }
        match work_one(&db, &config, &*now, &stop).await {
            Ok(Some(Ran::Vanished)) => return,
            Ok(Some(_)) => continue,
            Ok(None) => {}
            Err(e) => tracing::error!(error = %e, "worker could not claim a job"),
        }
        tokio::select! {
            _ = tokio::time::sleep(config.idle) => {}
            changed = stop.changed() => if changed.is_err() { return },
        }
    }
}
