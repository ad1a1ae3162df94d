//! Background jobs: starting one (permission, region, one active job of a
//! kind per region, audit), its status for the progress bar, the jobs of a
//! kind the actor may see, and cancelling.
//!
//! A job runs as the actor who started it (their login, roles and scope as
//! they were, kept in its parameters), in [`worker`]: the worker loop that
//! `jiuzhu serve` runs beside the web server and `jiuzhu worker` runs alone.
//! Each kind does its work in chunks, each committed with its progress;
//! what a job writes becomes visible only in its last transaction (a
//! verification run's results are staged per household until then), so a
//! job that is killed, fails or is cancelled leaves nothing half-written.

mod imports;
pub mod worker;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use jiuzhu_domain::i18n::{Lang, Message};
use jiuzhu_domain::job::{Job, JobKind, JobState, Lease, Progress};
use jiuzhu_domain::{Permission, RegionCode, Role};
use jiuzhu_store::{self as store, Db, JobRow, StoreError};
use serde::{Deserialize, Serialize};
use serde_json::json;

pub use imports::{DeliveryOutcome, Rejected, RosterOutcome, StoredProblem};
pub use worker::{AfterChunk, Ran, WorkerConfig, run_worker, work_one};

use crate::access::{Target, audit, deny_in, require};
use crate::error::{AppError, Result};
use crate::verification::DeliveryMeta;
use crate::{Actor, Scope};

/// Who started a job, as the job runs as them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct StartedBy {
    user_id: Option<i64>,
    login: String,
    name: String,
    roles: Vec<String>,
    /// `None`: the whole installation.
    scope: Option<String>,
    ip: String,
}

impl StartedBy {
    fn of(actor: &Actor) -> StartedBy {
        StartedBy {
            user_id: actor.user_id,
            login: actor.login.clone(),
            name: actor.name.clone(),
            roles: actor.roles.iter().map(|r| r.code().to_string()).collect(),
            scope: match &actor.scope {
                Scope::All => None,
                Scope::Region(r) => Some(r.to_string()),
            },
            ip: actor.ip.clone(),
        }
    }

    fn actor(&self) -> Result<Actor> {
        let scope = match &self.scope {
            None => Scope::All,
            Some(code) => Scope::Region(RegionCode::parse(code).map_err(|e| AppError::Internal(e.to_string()))?),
        };
        Ok(Actor {
            user_id: self.user_id,
            login: self.login.clone(),
            name: self.name.clone(),
            roles: self.roles.iter().filter_map(|r| Role::parse(r)).collect(),
            scope,
            ip: self.ip.clone(),
        })
    }
}

/// What a job is to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub(crate) enum Work {
    /// Verify every household of the region (`None`: the installation).
    VerificationRun { region: Option<String> },
    /// Import the roster file kept with the job.
    RosterImport,
    /// Import the department delivery kept with the job.
    DeliveryImport { meta: DeliveryMeta },
    /// Generate (or regenerate) a payment roll.
    PaymentRoll { work: crate::payment::roll::RollWork },
}

impl Work {
    fn kind(&self) -> JobKind {
        match self {
            Work::VerificationRun { .. } => JobKind::VerificationRun,
            Work::RosterImport => JobKind::RosterImport,
            Work::DeliveryImport { .. } => JobKind::DeliveryImport,
            Work::PaymentRoll { .. } => JobKind::PaymentRoll,
        }
    }
}

/// A job's parameters as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Params {
    started_by: StartedBy,
    work: Work,
}

/// What a finished verification run job made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RunOutcome {
    pub run_id: i64,
    pub households: i64,
    pub members: i64,
    pub with_findings: i64,
    /// Per rule, the number of households with that finding.
    pub by_rule: BTreeMap<String, i64>,
    /// Records matched per dataset kind.
    pub matches: BTreeMap<String, u64>,
}

/// What a finished job made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum JobOutcome {
    VerificationRun(RunOutcome),
    RosterImport(RosterOutcome),
    DeliveryImport(DeliveryOutcome),
    PaymentRoll(crate::payment::roll::RollOutcome),
    /// The file had problems; nothing was imported.
    Rejected(Rejected),
}

/// A text in both languages (a job's error, stored when it happened).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct StoredText {
    /// The catalogue key, stable for programs.
    pub key: String,
    pub zh: String,
    pub en: String,
}

impl StoredText {
    fn of(message: &Message) -> StoredText {
        StoredText { key: message.key.to_string(), zh: message.render(Lang::Zh), en: message.render(Lang::En) }
    }

    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Zh => &self.zh,
            Lang::En => &self.en,
        }
    }
}

/// A job as its starter and the people of its region see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct JobView {
    pub id: i64,
    #[schema(value_type = String, example = "verification_run")]
    pub kind: JobKind,
    /// Empty: the whole installation.
    pub region_code: String,
    #[schema(value_type = String, example = "running")]
    pub state: JobState,
    pub done: u64,
    pub total: u64,
    /// Whole percent done.
    pub percent: u8,
    pub started_by: String,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    /// Someone asked it to stop; the worker stops at its next chunk.
    pub cancel_requested: bool,
    /// Why it failed.
    pub error: Option<StoredText>,
    /// What it made, once done; `None` also for a job over a wider region
    /// than the viewer's (a township clerk sees the county run's progress;
    /// the run's page shows her township's part).
    pub outcome: Option<JobOutcome>,
    /// The viewer may cancel it now.
    pub can_cancel: bool,
}

/// The domain's job from its row. A row the domain cannot read is corrupt.
pub(crate) fn job_of(row: &JobRow) -> Result<Job> {
    let corrupt = |what: &str| AppError::Internal(format!("job {}: unreadable {what}", row.id));
    let lease = match (&row.lease_owner, row.lease_until) {
        (Some(owner), Some(until)) => Some(Lease { owner: owner.clone(), until }),
        _ => None,
    };
    Ok(Job {
        kind: JobKind::parse(&row.kind).ok_or_else(|| corrupt("kind"))?,
        region: region_of(&row.region_code).map_err(|_| corrupt("region"))?,
        state: JobState::parse(&row.state).ok_or_else(|| corrupt("state"))?,
        progress: Progress::new(row.done.max(0) as u64, row.total.max(0) as u64),
        lease,
        attempts: row.attempts.clamp(0, i64::from(u32::MAX)) as u32,
        cancel_requested: row.cancel_requested,
        error: None,
    })
}

fn region_of(code: &str) -> std::result::Result<Option<RegionCode>, jiuzhu_domain::RegionError> {
    if code.is_empty() { Ok(None) } else { RegionCode::parse(code).map(Some) }
}

/// Writes the domain's job back into its row (an error the domain set is
/// kept in both languages; the time it ended is `now`).
pub(crate) fn write_back(row: &mut JobRow, job: &Job, now: DateTime<Utc>) {
    row.state = job.state.code().to_string();
    row.done = job.progress.done() as i64;
    row.total = job.progress.total() as i64;
    row.lease_owner = job.lease.as_ref().map(|l| l.owner.clone());
    row.lease_until = job.lease.as_ref().map(|l| l.until);
    row.attempts = i64::from(job.attempts);
    row.cancel_requested = job.cancel_requested;
    if let Some(error) = &job.error {
        row.error = Some(json!(StoredText::of(error)).to_string());
    }
    if !job.state.is_active() && row.finished_at.is_none() {
        row.finished_at = Some(now);
    }
}

fn params_of(row: &JobRow) -> Result<Params> {
    serde_json::from_str(&row.params).map_err(|e| AppError::Internal(format!("job {} parameters: {e}", row.id)))
}

/// How much of a job an actor may see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sight {
    /// Its region lies in the actor's scope.
    Whole,
    /// Its region is wider than the scope: its progress, not its outcome.
    Progress,
    Hidden,
}

fn sight(actor: &Actor, region: Option<&RegionCode>) -> Sight {
    match (&actor.scope, region) {
        (Scope::All, _) => Sight::Whole,
        (Scope::Region(scope), Some(r)) if scope.contains(r) => Sight::Whole,
        (Scope::Region(scope), Some(r)) if r.contains(scope) => Sight::Progress,
        (Scope::Region(_), None) => Sight::Progress,
        (Scope::Region(_), Some(_)) => Sight::Hidden,
    }
}

/// The permission to see a job's progress.
fn read_permission(kind: JobKind) -> Permission {
    match kind {
        JobKind::VerificationRun | JobKind::DeliveryImport => Permission::VerificationRead,
        JobKind::RosterImport => Permission::RegistryImport,
        JobKind::PaymentRoll => Permission::PaymentRead,
    }
}

fn view_of(actor: &Actor, row: &JobRow) -> Result<JobView> {
    let job = job_of(row)?;
    let whole = sight(actor, job.region.as_ref()) == Sight::Whole;
    let outcome = match (&row.result, whole) {
        (Some(result), true) => serde_json::from_str(result).ok(),
        _ => None,
    };
    Ok(JobView {
        id: row.id,
        kind: job.kind,
        region_code: row.region_code.clone(),
        state: job.state,
        done: job.progress.done(),
        total: job.progress.total(),
        percent: job.progress.percent(),
        started_by: row.started_by.clone(),
        created_at: row.created_at,
        finished_at: row.finished_at,
        cancel_requested: job.cancel_requested,
        error: row.error.as_deref().and_then(|e| serde_json::from_str(e).ok()),
        outcome,
        can_cancel: whole && job.state.is_active() && !job.cancel_requested && actor.can(job.kind.permission()),
    })
}

/// Queues a job of `work` in `region` for the actor, keeping `upload` (the
/// file it reads) with it. Refused with a conflict while another job of
/// the kind is active in the region.
pub(crate) async fn start(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    region: Option<RegionCode>,
    work: Work,
    upload: Option<&[u8]>,
) -> Result<JobView> {
    let kind = work.kind();
    let target = Target::new("job", kind.code(), region.as_ref());
    require(db, actor, now, kind.permission(), "job_started", &target).await?;
    let mut tx = db.begin().await?;
    let active: Vec<(JobKind, Option<RegionCode>)> = store::active_jobs(&mut tx)
        .await?
        .iter()
        .map(|row| job_of(row).map(|j| (j.kind, j.region)))
        .collect::<Result<_>>()?;
    let already = || AppError::Conflict(Message::new("job.error.already_active"));
    jiuzhu_domain::job::may_start(kind, region.as_ref(), active.iter().map(|(k, r)| (*k, r.as_ref())))
        .map_err(|_| already())?;
    let params = Params { started_by: StartedBy::of(actor), work };
    let row = JobRow {
        id: 0,
        kind: kind.code().to_string(),
        region_code: region.as_ref().map(|r| r.to_string()).unwrap_or_default(),
        params: json!(params).to_string(),
        started_by: actor.login.clone(),
        created_at: now,
        state: JobState::Queued.code().to_string(),
        done: 0,
        total: 0,
        result: None,
        error: None,
        lease_owner: None,
        lease_until: None,
        attempts: 0,
        cancel_requested: false,
        finished_at: None,
    };
    let id = match store::insert_job(&mut tx, &row).await {
        Err(StoreError::Conflict { constraint }) if constraint == "job_kind_key" => return Err(already()),
        other => other?,
    };
    if let Some(bytes) = upload {
        store::insert_job_upload(&mut tx, id, bytes).await?;
    }
    let after = json!({ "kind": kind.code(), "region": row.region_code, "bytes": upload.map(<[u8]>::len) });
    audit(&mut tx, actor, now, "job_started", &Target::new("job", id, region.as_ref()), None, Some(&after)).await?;
    tx.commit().await?;
    view_of(actor, &JobRow { id, ..row })
}

/// Starts verifying every household of the actor's scope, or of a region
/// in it, as a job.
pub async fn start_verification_run(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    requested: Option<RegionCode>,
) -> Result<JobView> {
    if let (Some(r), Scope::Region(scope)) = (&requested, &actor.scope)
        && !scope.contains(r)
        && !r.contains(scope)
    {
        let target = Target::new("region", r, Some(r));
        require(db, actor, now, Permission::VerificationRun, "job_started", &target).await?;
        let tx = db.begin().await?;
        return Err(deny_in(tx, actor, now, "job_started", &target, AppError::NotFound).await);
    }
    let region = actor.scope.narrow(requested.as_ref());
    let work = Work::VerificationRun { region: region.as_ref().map(|r| r.to_string()) };
    start(db, actor, now, region, work, None).await
}

/// Files at least this large are imported as background jobs from the
/// pages (about 20,000 roster lines); smaller ones at once.
pub const IN_BACKGROUND_FROM: usize = 2 * 1024 * 1024;

/// Starts importing a roster file as a job, into the actor's scope.
pub async fn start_roster_import(db: &Db, actor: &Actor, now: DateTime<Utc>, bytes: &[u8]) -> Result<JobView> {
    let region = actor.scope.narrow(None);
    start(db, actor, now, region, Work::RosterImport, Some(bytes)).await
}

/// Starts importing a department delivery as a job.
pub async fn start_delivery_import(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    meta: DeliveryMeta,
    bytes: &[u8],
) -> Result<JobView> {
    if meta.department.trim().is_empty() {
        return Err(AppError::invalid("department", Message::new("import.error.required")));
    }
    let region = actor.scope.narrow(None);
    start(db, actor, now, region, Work::DeliveryImport { meta }, Some(bytes)).await
}

/// A job's state and progress (the progress bar polls this).
pub async fn job_status(db: &Db, actor: &Actor, now: DateTime<Utc>, id: i64) -> Result<JobView> {
    let mut tx = db.begin_read().await?;
    let Some(row) = store::get_job(&mut tx, id).await? else { return Err(AppError::NotFound) };
    let job = job_of(&row)?;
    let target = Target::new("job", id, job.region.as_ref());
    if !actor.can(read_permission(job.kind)) && !actor.can(job.kind.permission()) {
        return Err(deny_in(tx, actor, now, "job_viewed", &target, AppError::Forbidden).await);
    }
    if sight(actor, job.region.as_ref()) == Sight::Hidden {
        return Err(deny_in(tx, actor, now, "job_viewed", &target, AppError::NotFound).await);
    }
    tx.commit().await?;
    view_of(actor, &row)
}

/// The latest jobs of a kind the actor may see, newest first: those of
/// their region and inside it, and those of the regions around it.
pub async fn list_jobs(db: &Db, actor: &Actor, now: DateTime<Utc>, kind: JobKind) -> Result<Vec<JobView>> {
    require(db, actor, now, read_permission(kind), "jobs_listed", &Target::none()).await?;
    let mut tx = db.begin_read().await?;
    let scope = actor.scope.narrow(None);
    let (from, to) = scope.as_ref().map_or_else(|| (String::new(), ":".to_string()), RegionCode::prefix_range);
    let mut around = Vec::new();
    if let Some(scope) = &scope {
        around.push(String::new());
        let mut up = scope.parent();
        while let Some(r) = up {
            around.push(r.to_string());
            up = r.parent();
        }
    }
    let rows = store::list_jobs(&mut tx, kind.code(), &from, &to, &around, 20).await?;
    tx.commit().await?;
    rows.iter().map(|row| view_of(actor, row)).collect()
}

/// Asks a job to stop: a queued job is cancelled at once, a running one
/// at its worker's next chunk, which then removes what the job wrote.
pub async fn cancel_job(db: &Db, actor: &Actor, now: DateTime<Utc>, id: i64) -> Result<JobView> {
    let mut tx = db.begin().await?;
    let Some(mut row) = store::job_for_update(&mut tx, id).await? else { return Err(AppError::NotFound) };
    let job = job_of(&row)?;
    let target = Target::new("job", id, job.region.as_ref());
    if !actor.can(job.kind.permission()) {
        return Err(deny_in(tx, actor, now, "job_cancelled", &target, AppError::Forbidden).await);
    }
    if sight(actor, job.region.as_ref()) != Sight::Whole {
        return Err(deny_in(tx, actor, now, "job_cancelled", &target, AppError::NotFound).await);
    }
    let cancelled = job.request_cancel().map_err(|e| AppError::Conflict(Message::new(e.message_key())))?;
    write_back(&mut row, &cancelled, now);
    if !cancelled.state.is_active() {
        store::delete_job_upload(&mut tx, id).await?;
    }
    store::update_job(&mut tx, &row).await?;
    let after = json!({ "state": row.state });
    audit(&mut tx, actor, now, "job_cancelled", &target, Some(&json!({ "state": job.state.code() })), Some(&after))
        .await?;
    tx.commit().await?;
    view_of(actor, &row)
}
