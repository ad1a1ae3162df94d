//! The monthly roll (发放花名册): generating a month's roll for a county or
//! township and a programme group (a background job, or at once for the
//! command line), regenerating a draft, approving it by a second person,
//! and reading rolls, their totals, differences from last month and lines.
//!
//! - **Generation** runs in the job's last transaction: the roll, its lines
//!   and claims (set-based SQL in `jiuzhu_store::payment_roll`) and the audit
//!   record are written together, so a worker killed mid-job leaves nothing.
//!   The first month a roll pays back from is the month of the region's
//!   first regular roll (its own month when it is the first): the months
//!   before the system paid were paid outside it (`payment::roll`).
//! - **Approval** (PaymentApprove) refuses the preparer (the two-person
//!   rule) with a message saying so, recorded as a denied attempt; the
//!   approver approves the version they saw; the claims become live in the
//!   same transaction, and the database refuses a month already paid.
//! - **Reading** (PaymentRead) shows the rolls whose region lies in the
//!   reader's scope (a township sees its own rolls, not the county's);
//!   every read of a roll's lines is audited. Account and ID numbers are
//!   masked in the lines.

use chrono::{DateTime, Utc};
use jiuzhu_domain::entitlement::YearMonth;
use jiuzhu_domain::i18n::Message;
use jiuzhu_domain::job::Progress;
use jiuzhu_domain::payment::account;
use jiuzhu_domain::payment::roll::{
    self as rules, Difference, LineKind, LineResult, ProgramGroup, RollKind, RollState,
};
use jiuzhu_domain::region::RegionLevel;
use jiuzhu_domain::{Permission, Program, RegionCode};
use jiuzhu_store::payment_roll::{self as rolls, ALREADY_PAID, NewRoll, ROLL_EXISTS, RollRow};
use jiuzhu_store::{self as store, Db, StoreError, Tx};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use crate::access::{Target, audit, deny_in, require, within_requested};
use crate::error::{AppError, Result};
use crate::job::worker::{Halt, JobCtx};
use crate::job::{JobOutcome, JobView, Work};
use crate::privacy::mask_text;
use crate::{Actor, Scope};

/// Lines shown on a page of a roll.
pub const LINES_PER_PAGE: i64 = 50;
/// Differences listed on a roll's page (the counts are of all).
pub const DIFFERENCES_SHOWN: i64 = 200;

fn regular() -> RollKind {
    RollKind::Regular
}

/// What to generate: a month's roll of a region and programme group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct GenerateRoll {
    /// The month paid (补贴期号), `2026-12`.
    #[schema(value_type = String, example = "2026-12")]
    pub month: YearMonth,
    /// A county or township in the actor's scope; none: the actor's own.
    #[schema(value_type = Option<String>, example = "340102")]
    #[serde(default)]
    pub region: Option<RegionCode>,
    /// `all`, `dibao` or `tekun`.
    #[schema(value_type = String, example = "all")]
    pub group: ProgramGroup,
    /// `regular` (one per region, group and month) or `supplementary`.
    #[schema(value_type = String, example = "regular")]
    #[serde(default = "regular")]
    pub kind: RollKind,
}

/// What a roll job does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "do", rename_all = "snake_case")]
pub(crate) enum RollWork {
    /// A new roll (its region already resolved).
    Generate { ask: GenerateRoll },
    /// A draft's lines made anew.
    Regenerate { roll: i64 },
}

/// What a finished roll job made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RollOutcome {
    pub roll_id: i64,
    /// `2026-12`.
    pub month: String,
    /// Lines sent to the bank and their total.
    pub lines: i64,
    pub total_fen: i64,
    /// Lines not sent: the payee has no account recorded.
    pub no_account_lines: i64,
}

/// A roll as its pages and the API show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct RollView {
    pub id: i64,
    pub region_code: String,
    pub region_name: String,
    #[schema(value_type = String, example = "all")]
    pub group: ProgramGroup,
    #[schema(value_type = String, example = "2026-12")]
    pub month: YearMonth,
    #[schema(value_type = String, example = "regular")]
    pub kind: RollKind,
    /// `draft`, `approved`, `exported` or `closed`.
    #[schema(value_type = String, example = "draft")]
    pub state: RollState,
    /// The first month it may pay back.
    #[schema(value_type = String, example = "2026-01")]
    pub paid_from: YearMonth,
    pub prepared_by: String,
    pub prepared_at: DateTime<Utc>,
    pub approved_by: Option<String>,
    pub approved_at: Option<DateTime<Utc>>,
    /// Lines sent to the bank and their total.
    pub lines: i64,
    pub total_fen: i64,
    /// Lines not sent (no account recorded) and their total.
    pub no_account_lines: i64,
    pub no_account_fen: i64,
    pub file_sha256: Option<String>,
    pub file_lines: Option<i64>,
    pub file_total_fen: Option<i64>,
    /// The version to approve (what the approver saw).
    pub version: i64,
    /// The viewer may approve it now.
    pub can_approve: bool,
    /// The viewer may regenerate it now.
    pub can_regenerate: bool,
}

/// A total of a programme or township.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct TotalView {
    /// The programme's code, or the township's region code.
    pub key: String,
    /// The township's name (empty for a programme).
    pub name: String,
    /// `current` or `backpay`.
    #[schema(value_type = String, example = "current")]
    pub kind: LineKind,
    pub lines: i64,
    pub amount_fen: i64,
}

/// A difference from last month's roll.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct DifferenceView {
    /// `new`, `stopped`, `changed` or `backpay`.
    pub change: String,
    pub household_id: i64,
    pub payee_name: String,
    #[schema(value_type = String, example = "dibao")]
    pub program: Program,
    /// A member's line (单人保, 特困); none: the household's.
    pub person_id: Option<i64>,
    /// Last month's amount (changed, stopped).
    pub from_fen: i64,
    /// This month's amount, or the back-pay's.
    pub to_fen: i64,
    /// Months paid back.
    pub months: u32,
}

/// How many differences of each kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct DifferenceCounts {
    pub new: i64,
    pub stopped: i64,
    pub changed: i64,
    pub backpay: i64,
}

/// One line of a roll, numbers masked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct LineView {
    /// 序号.
    pub seq: i64,
    #[schema(value_type = String, example = "current")]
    pub kind: LineKind,
    #[schema(value_type = String, example = "dibao")]
    pub program: Program,
    pub household_id: i64,
    /// A member's line; none: the household's (paid in the head's name).
    pub person_id: Option<i64>,
    pub payee_name: String,
    pub id_number_masked: String,
    pub account_name: Option<String>,
    pub bank: Option<String>,
    pub account_masked: Option<String>,
    /// The institution whose collective account it is paid into.
    pub institution: Option<String>,
    #[schema(value_type = String, example = "2026-12")]
    pub first_month: YearMonth,
    #[schema(value_type = String, example = "2026-12")]
    pub last_month: YearMonth,
    pub months: i64,
    pub amount_fen: i64,
    /// `pending`, `paid`, `failed` or `no_account`.
    #[schema(value_type = String, example = "pending")]
    pub result: LineResult,
    pub failure_reason: Option<String>,
}

/// A roll with what a person checks before approving it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct RollDetail {
    pub roll: RollView,
    pub by_program: Vec<TotalView>,
    pub by_township: Vec<TotalView>,
    /// Last month's regular roll of the region and group, if approved.
    pub previous_id: Option<i64>,
    pub differences: Vec<DifferenceView>,
    pub difference_counts: DifferenceCounts,
    /// The page of lines (by 序号).
    pub lines: Vec<LineView>,
    pub page: i64,
    pub pages: i64,
}

fn conflict(key: &'static str) -> AppError {
    AppError::Conflict(Message::new(key))
}

fn rule_error(e: rules::RollError) -> AppError {
    AppError::Conflict(e.message())
}

fn store_conflict(e: StoreError) -> AppError {
    match e {
        StoreError::Conflict { constraint } if constraint == ALREADY_PAID => {
            conflict("payment.roll.error.already_paid")
        }
        StoreError::Conflict { constraint } if constraint == ROLL_EXISTS => conflict("payment.roll.error.exists"),
        other => other.into(),
    }
}

async fn region_names(tx: &mut Tx) -> Result<Vec<(String, String)>> {
    Ok(store::list_regions(tx).await?.into_iter().map(|r| (r.code.to_string(), r.name)).collect())
}

fn view_of(actor: &Actor, row: &RollRow, names: &[(String, String)]) -> RollView {
    let code = row.region.to_string();
    let region_name = names.iter().find(|(c, _)| *c == code).map(|(_, n)| n.clone()).unwrap_or_default();
    let in_scope = actor.scope.contains(&row.region);
    RollView {
        id: row.id,
        region_code: code,
        region_name,
        group: row.group,
        month: row.month,
        kind: row.kind,
        state: row.state,
        paid_from: row.paid_from,
        prepared_by: row.prepared_by.clone(),
        prepared_at: row.prepared_at,
        approved_by: row.approved_by.clone(),
        approved_at: row.approved_at,
        lines: row.lines,
        total_fen: row.total.0,
        no_account_lines: row.no_account_lines,
        no_account_fen: row.no_account_total.0,
        file_sha256: row.file_sha256.clone(),
        file_lines: row.file_lines,
        file_total_fen: row.file_total.map(|f| f.0),
        version: row.version,
        can_approve: in_scope
            && actor.can(Permission::PaymentApprove)
            && rules::approve(row.state, &row.prepared_by, &actor.login, row.lines as u64).is_ok(),
        can_regenerate: in_scope && actor.can(Permission::PaymentPrepare) && row.state == RollState::Draft,
    }
}

/// The region a roll is made for: the one asked (in the actor's scope) or
/// the actor's own; a county or a township.
fn roll_region(actor: &Actor, requested: Option<&RegionCode>) -> Result<RegionCode> {
    let region = match (requested, &actor.scope) {
        (Some(r), scope) if scope.contains(r) => r.clone(),
        (Some(_), _) => return Err(AppError::NotFound),
        (None, Scope::Region(r)) => r.clone(),
        (None, Scope::All) => return Err(AppError::invalid("region", Message::new("payment.roll.error.region"))),
    };
    if !matches!(region.level(), RegionLevel::County | RegionLevel::Township) {
        return Err(AppError::invalid("region", Message::new("payment.roll.error.region")));
    }
    Ok(region)
}

/// Starts generating a month's roll as a background job (PaymentPrepare).
pub async fn start_generate(db: &Db, actor: &Actor, now: DateTime<Utc>, ask: GenerateRoll) -> Result<JobView> {
    let target = Target::new("payment_roll", ask.month, ask.region.as_ref());
    require(db, actor, now, Permission::PaymentPrepare, "payment_roll_generated", &target).await?;
    let region = match roll_region(actor, ask.region.as_ref()) {
        Err(AppError::NotFound) => {
            let tx = db.begin().await?;
            return Err(deny_in(tx, actor, now, "payment_roll_generated", &target, AppError::NotFound).await);
        }
        other => other?,
    };
    let ask = GenerateRoll { region: Some(region.clone()), ..ask };
    crate::job::start(db, actor, now, Some(region), Work::PaymentRoll { work: RollWork::Generate { ask } }, None).await
}

/// Starts regenerating a draft roll as a background job (PaymentPrepare).
pub async fn start_regenerate(db: &Db, actor: &Actor, now: DateTime<Utc>, id: i64) -> Result<JobView> {
    let target = Target::new("payment_roll", id, None);
    require(db, actor, now, Permission::PaymentPrepare, "payment_roll_regenerated", &target).await?;
    let (tx, roll) = roll_in_scope(db.begin_read().await?, actor, now, id, "payment_roll_regenerated").await?;
    tx.commit().await?;
    rules::may_regenerate(roll.state).map_err(rule_error)?;
    let work = Work::PaymentRoll { work: RollWork::Regenerate { roll: id } };
    crate::job::start(db, actor, now, Some(roll.region), work, None).await
}

/// Called inside a use case's transaction just before it commits (the
/// command line's `--pause-before-commit`, for tests that kill the process
/// there).
pub type BeforeCommit<'a> = &'a (dyn Fn() + Sync);

/// Generates a month's roll at once (the command line; tests): what the
/// job does, in one transaction.
pub async fn generate(db: &Db, actor: &Actor, now: DateTime<Utc>, ask: GenerateRoll) -> Result<RollView> {
    generate_then(db, actor, now, ask, None).await
}

/// [`generate`], calling `before_commit` inside the transaction, after
/// everything is written and before it commits.
pub async fn generate_then(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    ask: GenerateRoll,
    before_commit: Option<BeforeCommit<'_>>,
) -> Result<RollView> {
    let target = Target::new("payment_roll", ask.month, ask.region.as_ref());
    require(db, actor, now, Permission::PaymentPrepare, "payment_roll_generated", &target).await?;
    let region = match roll_region(actor, ask.region.as_ref()) {
        Err(AppError::NotFound) => {
            let tx = db.begin().await?;
            return Err(deny_in(tx, actor, now, "payment_roll_generated", &target, AppError::NotFound).await);
        }
        other => other?,
    };
    let ask = GenerateRoll { region: Some(region), ..ask };
    let mut tx = db.begin().await?;
    let outcome = generate_in(&mut tx, actor, now, &RollWork::Generate { ask }).await?;
    if let Some(hook) = before_commit {
        hook();
    }
    tx.commit().await?;
    get_roll(db, actor, now, outcome.roll_id).await
}

/// Regenerates a draft at once (the command line; tests).
pub async fn regenerate(db: &Db, actor: &Actor, now: DateTime<Utc>, id: i64) -> Result<RollView> {
    let target = Target::new("payment_roll", id, None);
    require(db, actor, now, Permission::PaymentPrepare, "payment_roll_regenerated", &target).await?;
    let mut tx = db.begin().await?;
    generate_in(&mut tx, actor, now, &RollWork::Regenerate { roll: id }).await?;
    tx.commit().await?;
    get_roll(db, actor, now, id).await
}

/// The work of a roll job, in its last transaction.
pub(crate) async fn run_job(ctx: &mut JobCtx<'_>, work: RollWork) -> std::result::Result<(), Halt> {
    ctx.progress(Progress::new(0, 1)).await?;
    let mut chunk = ctx.begin_chunk().await?;
    let actor = ctx.actor.clone();
    let outcome = generate_in(&mut chunk.tx, &actor, ctx.now(), &work).await?;
    ctx.finish(chunk, &JobOutcome::PaymentRoll(outcome)).await
}

/// Makes a roll's lines (a new roll, or a draft again) and records it.
async fn generate_in(tx: &mut Tx, actor: &Actor, now: DateTime<Utc>, work: &RollWork) -> Result<RollOutcome> {
    let (id, action) = match work {
        RollWork::Generate { ask } => {
            let region = ask.region.clone().ok_or(AppError::NotFound)?;
            if !actor.scope.contains(&region) {
                return Err(AppError::NotFound);
            }
            let first = rolls::first_regular_month(tx, &region, ask.group).await?;
            let paid_from = rules::paid_from(first, ask.month);
            let new = NewRoll {
                region,
                group: ask.group,
                month: ask.month,
                kind: ask.kind,
                paid_from,
                prepared_by: actor.login.clone(),
            };
            (rolls::insert_roll(tx, &new, now).await.map_err(store_conflict)?, "payment_roll_generated")
        }
        RollWork::Regenerate { roll } => {
            let row = rolls::get_roll(tx, *roll).await?.ok_or(AppError::NotFound)?;
            if !actor.scope.contains(&row.region) {
                return Err(AppError::NotFound);
            }
            rules::may_regenerate(row.state).map_err(rule_error)?;
            // Approved meanwhile: the roll changed under the job.
            match rolls::clear_lines(tx, row.id).await {
                Err(StoreError::NotFound) => return Err(conflict("payment.roll.error.stale")),
                other => other?,
            }
            (row.id, "payment_roll_regenerated")
        }
    };
    let made = rolls::generate_lines(tx, id, now).await?;
    let row = rolls::get_roll(tx, id).await?.ok_or(AppError::NotFound)?;
    let after = json!({
        "month": row.month.to_string(),
        "program_group": row.group.code(),
        "kind": row.kind.code(),
        "lines": made.lines,
        "total_fen": made.total.0,
        "no_account_lines": made.no_account_lines,
    });
    audit(tx, actor, now, action, &Target::new("payment_roll", id, Some(&row.region)), None, Some(&after)).await?;
    Ok(RollOutcome {
        roll_id: id,
        month: row.month.to_string(),
        lines: made.lines,
        total_fen: made.total.0,
        no_account_lines: made.no_account_lines,
    })
}

/// A roll in the actor's scope, with the transaction it was read in; one
/// outside is recorded as denied (in that transaction) and answered
/// `NotFound`, like one that does not exist.
pub(crate) async fn roll_in_scope(
    mut tx: Tx,
    actor: &Actor,
    now: DateTime<Utc>,
    id: i64,
    action: &str,
) -> Result<(Tx, RollRow)> {
    match rolls::get_roll(&mut tx, id).await? {
        Some(row) if actor.scope.contains(&row.region) => Ok((tx, row)),
        Some(row) => {
            let target = Target::new("payment_roll", id, Some(&row.region));
            Err(deny_in(tx, actor, now, action, &target, AppError::NotFound).await)
        }
        None => Err(AppError::NotFound),
    }
}

/// Approves a draft roll at the `version` the approver saw
/// (PaymentApprove; not by its preparer). Its claims become live: the
/// database refuses a month already paid by another roll.
pub async fn approve(db: &Db, actor: &Actor, now: DateTime<Utc>, id: i64, version: i64) -> Result<RollView> {
    let target = Target::new("payment_roll", id, None);
    require(db, actor, now, Permission::PaymentApprove, "payment_roll_approved", &target).await?;
    let (mut tx, row) = roll_in_scope(db.begin().await?, actor, now, id, "payment_roll_approved").await?;
    let target = Target::new("payment_roll", id, Some(&row.region));
    if let Err(e) = rules::approve(row.state, &row.prepared_by, &actor.login, row.lines.max(0) as u64) {
        return Err(deny_in(tx, actor, now, "payment_roll_approved", &target, rule_error(e)).await);
    }
    match rolls::approve_roll(&mut tx, id, version, &actor.login, now).await {
        Err(StoreError::NotFound) => return Err(conflict("payment.roll.error.stale")),
        other => other.map_err(store_conflict)?,
    }
    let after = json!({ "month": row.month.to_string(), "lines": row.lines, "total_fen": row.total.0 });
    audit(&mut tx, actor, now, "payment_roll_approved", &target, None, Some(&after)).await?;
    tx.commit().await?;
    get_roll(db, actor, now, id).await
}

/// A roll (PaymentRead; in scope).
pub async fn get_roll(db: &Db, actor: &Actor, now: DateTime<Utc>, id: i64) -> Result<RollView> {
    let target = Target::new("payment_roll", id, None);
    require(db, actor, now, Permission::PaymentRead, "payment_roll_viewed", &target).await?;
    let (mut tx, row) = roll_in_scope(db.begin_read().await?, actor, now, id, "payment_roll_viewed").await?;
    let names = region_names(&mut tx).await?;
    tx.commit().await?;
    Ok(view_of(actor, &row, &names))
}

/// The rolls of the actor's scope (or of a region in it), of a month or
/// of every month, newest first (PaymentRead).
pub async fn list_rolls(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    region: Option<&RegionCode>,
    month: Option<YearMonth>,
) -> Result<Vec<RollView>> {
    require(db, actor, now, Permission::PaymentRead, "payment_rolls_listed", &Target::none()).await?;
    let mut tx = db.begin_read().await?;
    let rows = rolls::list_rolls(&mut tx, &within_requested(actor, region), month, 200).await?;
    let names = region_names(&mut tx).await?;
    audit(&mut tx, actor, now, "payment_rolls_listed", &Target::none(), None, None).await?;
    tx.commit().await?;
    Ok(rows.iter().map(|r| view_of(actor, r, &names)).collect())
}

/// A roll with its totals, its differences from last month and a page of
/// its lines (from 1), numbers masked (PaymentRead; audited).
pub async fn roll_detail(db: &Db, actor: &Actor, now: DateTime<Utc>, id: i64, page: i64) -> Result<RollDetail> {
    let target = Target::new("payment_roll", id, None);
    require(db, actor, now, Permission::PaymentRead, "payment_roll_viewed", &target).await?;
    let (mut tx, row) = roll_in_scope(db.begin_read().await?, actor, now, id, "payment_roll_viewed").await?;
    let names = region_names(&mut tx).await?;
    let total = |t: rolls::GroupTotal| TotalView {
        key: t.key,
        name: t.name,
        kind: t.kind,
        lines: t.lines,
        amount_fen: t.amount.0,
    };
    let by_program = rolls::totals_by_program(&mut tx, id).await?.into_iter().map(total).collect();
    let by_township = rolls::totals_by_township(&mut tx, id).await?.into_iter().map(total).collect();
    let previous = rolls::previous_roll(&mut tx, &row).await?;
    let previous_id = previous.as_ref().map(|p| p.id);
    let (diffs, counts) = rolls::differences(&mut tx, id, previous_id, DIFFERENCES_SHOWN).await?;
    let all_lines = row.lines + row.no_account_lines;
    let pages = ((all_lines + LINES_PER_PAGE - 1) / LINES_PER_PAGE).max(1);
    let page = page.clamp(1, pages);
    let lines = rolls::roll_lines(&mut tx, id, (page - 1) * LINES_PER_PAGE, LINES_PER_PAGE).await?;
    let after = json!({ "page": page });
    audit(
        &mut tx,
        actor,
        now,
        "payment_roll_viewed",
        &Target::new("payment_roll", id, Some(&row.region)),
        None,
        Some(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(RollDetail {
        roll: view_of(actor, &row, &names),
        by_program,
        by_township,
        previous_id,
        differences: diffs.into_iter().map(difference_view).collect(),
        difference_counts: DifferenceCounts {
            new: counts.new,
            stopped: counts.stopped,
            changed: counts.changed,
            backpay: counts.backpay,
        },
        lines: lines.into_iter().map(line_view).collect(),
        page,
        pages,
    })
}

fn difference_view(d: rolls::DifferenceRow) -> DifferenceView {
    let key = d.difference.key();
    let (change, from_fen, to_fen, months) = match d.difference {
        Difference::New { amount, .. } => ("new", 0, amount.0, 0),
        Difference::Stopped { amount, .. } => ("stopped", amount.0, 0, 0),
        Difference::Changed { from, to, .. } => ("changed", from.0, to.0, 0),
        Difference::Backpay { months, amount, .. } => ("backpay", 0, amount.0, months),
    };
    DifferenceView {
        change: change.to_string(),
        household_id: d.household_id,
        payee_name: d.payee_name,
        program: key.program,
        person_id: match key.payee {
            rules::Payee::Person(p) => Some(p),
            rules::Payee::Household(_) => None,
        },
        from_fen,
        to_fen,
        months,
    }
}

pub(crate) fn line_view(l: rolls::LineRow) -> LineView {
    LineView {
        seq: l.seq,
        kind: l.kind,
        program: l.key.program,
        household_id: l.household_id,
        person_id: match l.key.payee {
            rules::Payee::Person(p) => Some(p),
            rules::Payee::Household(_) => None,
        },
        payee_name: l.payee_name,
        id_number_masked: mask_text(&l.id_number),
        account_name: l.account_name,
        bank: l.bank,
        account_masked: l.account_number.as_deref().map(account::mask),
        institution: l.institution,
        first_month: l.first,
        last_month: l.last,
        months: l.months,
        amount_fen: l.amount.0,
        result: l.result,
        failure_reason: l.failure_reason,
    }
}
