//! Large imports as background jobs: a roster, a department delivery.
//!
//! The uploaded file is kept with the job (`job_upload`) until it ends.
//! Each import stays what it is without a job, all or nothing: the file is
//! read (off the async threads), then checked and written in the job's last
//! transaction together with the job's end, so a worker killed half-way
//! leaves nothing and the next one starts the import again from the file.
//! A file with problems ends the job as failed, with the problems listed.

use jiuzhu_domain::i18n::{Lang, Message};
use jiuzhu_domain::job::Progress;
use jiuzhu_files::Problem;
use jiuzhu_store as store;
use serde::{Deserialize, Serialize};

use super::worker::{Halt, JobCtx};
use super::{JobOutcome, StoredText};
use crate::error::AppError;
use crate::import::{ImportError, import_in};
use crate::verification::{DeliveryMeta, write_delivery};

/// A problem of an imported file, kept in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct StoredProblem {
    /// `第7行`, `line 7`; empty for the whole file.
    pub line: StoredText,
    /// `C列（身份证号）`; empty when no column.
    pub column: StoredText,
    pub message: StoredText,
}

fn both(render: impl Fn(Lang) -> String) -> StoredText {
    StoredText { key: String::new(), zh: render(Lang::Zh), en: render(Lang::En) }
}

impl StoredProblem {
    pub(crate) fn of(p: &Problem) -> StoredProblem {
        StoredProblem {
            line: both(|l| p.render_line(l)),
            column: both(|l| p.render_column(l)),
            message: StoredText::of(&p.message),
        }
    }
}

/// What a roster import made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RosterOutcome {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub persons: usize,
    /// How the file was read (`csv/gb18030`, `xlsx`…).
    pub format: String,
    pub warnings: Vec<StoredProblem>,
}

/// What a delivery import made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DeliveryOutcome {
    pub delivery_id: i64,
    pub rows_read: i64,
    pub rows_rejected: i64,
}

/// Why a file was not imported: its problems.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Rejected {
    pub problems: Vec<StoredProblem>,
}

/// The job's file.
async fn upload(ctx: &JobCtx<'_>) -> Result<Vec<u8>, Halt> {
    let mut tx = ctx.db.begin_read().await?;
    let bytes = store::job_upload(&mut tx, ctx.id).await?;
    tx.commit().await?;
    bytes.ok_or_else(|| Halt::Failed(AppError::Internal(format!("job {}: its file is gone", ctx.id))))
}

/// Reads a file off the async threads (a large file takes seconds).
async fn off_thread<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Result<T, Halt> {
    tokio::task::spawn_blocking(work).await.map_err(|e| Halt::Failed(AppError::Internal(e.to_string())))
}

fn rejected(problems: &[Problem]) -> Halt {
    let outcome = JobOutcome::Rejected(Rejected { problems: problems.iter().map(StoredProblem::of).collect() });
    Halt::Rejected(Message::new("import.error.rejected_count").arg("count", problems.len()), outcome)
}

/// Imports the job's roster file as the actor who started it.
pub(crate) async fn run_roster_import(ctx: &mut JobCtx<'_>) -> Result<(), Halt> {
    let bytes = upload(ctx).await?;
    let roster = off_thread(move || jiuzhu_files::parse_roster(&bytes)).await?;
    let roster = roster.map_err(|problems| rejected(&problems))?;
    ctx.progress(Progress::new(1, 2)).await?;
    let mut chunk = ctx.begin_chunk().await?;
    let summary = match import_in(&mut chunk.tx, &ctx.actor, ctx.now(), &roster).await {
        Ok(summary) => summary,
        Err(ImportError::Rejected(problems)) => return Err(rejected(&problems)),
        Err(ImportError::App(e)) => return Err(Halt::Failed(e)),
    };
    let outcome = JobOutcome::RosterImport(RosterOutcome {
        created: summary.created,
        updated: summary.updated,
        unchanged: summary.unchanged,
        persons: summary.persons,
        format: summary.format.to_string(),
        warnings: summary.warnings.iter().map(StoredProblem::of).collect(),
    });
    ctx.finish(chunk, &outcome).await
}

/// Imports the job's delivery file as the actor who started it.
pub(crate) async fn run_delivery_import(ctx: &mut JobCtx<'_>, meta: DeliveryMeta) -> Result<(), Halt> {
    let bytes = upload(ctx).await?;
    let kind = meta.kind;
    let file = off_thread(move || jiuzhu_files::department::parse_delivery(kind, &bytes)).await?;
    let file = file.map_err(|problems| rejected(&problems))?;
    ctx.progress(Progress::new(1, 2)).await?;
    let mut chunk = ctx.begin_chunk().await?;
    let delivery = write_delivery(&mut chunk.tx, &ctx.actor, ctx.now(), &meta, &file).await?;
    let outcome = JobOutcome::DeliveryImport(DeliveryOutcome {
        delivery_id: delivery.id,
        rows_read: delivery.rows_read,
        rows_rejected: delivery.rows_rejected,
    });
    ctx.finish(chunk, &outcome).await
}
