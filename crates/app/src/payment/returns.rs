//! The bank's return (回盘文件) and the correction list (issue 12 point 4).
//!
//! [`import_return`] (PaymentPrepare, the roll in scope, the roll exported
//! and its return not yet imported) reads the file (`jiuzhu_files::bank`),
//! matches every line to the roll's lines sent (`payment::reconcile`) and,
//! only when nothing differs, applies it in one transaction: the return
//! recorded, each failure's line marked failed with the bank's reason, its
//! claims held and a correction opened, every other line marked paid, the
//! roll closed, the audit record written. Any problem of the file or of the
//! reconciliation refuses the whole return, every problem listed with its
//! line in the reader's language, and nothing changes. A killed process
//! leaves nothing half-applied: it is one transaction.
//!
//! Corrections: [`list_corrections`] (PaymentRead; audited) and
//! [`resolve_correction`] (PaymentPrepare): once the account is fixed, the
//! correction is resolved and the line's held claims released, so that the
//! next roll — supplementary or the next month's — pays those months once.

use chrono::{DateTime, Utc};
use jiuzhu_domain::IdNumber;
use jiuzhu_domain::i18n::Message;
use jiuzhu_domain::payment::reconcile::{self, BankResult, RollEntry};
use jiuzhu_domain::payment::roll::RollState;
use jiuzhu_domain::{Permission, RegionCode};
use jiuzhu_files::bank;
use jiuzhu_store::payment_return::{self as store_returns, NewReturn, RETURN_EXISTS};
use jiuzhu_store::payment_roll as rolls;
use jiuzhu_store::{Db, StoreError, Tx};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::export::layout_for;
use super::roll::{BeforeCommit, roll_in_scope};
use crate::Actor;
use crate::access::{Target, audit, deny_in, require, within_requested};
use crate::error::{AppError, FieldError, Result};
use crate::privacy::mask_text;

/// Corrections listed at most.
pub const CORRECTIONS_SHOWN: i64 = 1_000;

/// What an accepted return did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ReturnImported {
    pub roll_id: i64,
    pub return_id: i64,
    pub lines: i64,
    pub paid: i64,
    pub paid_fen: i64,
    pub failed: i64,
    pub failed_fen: i64,
    /// The corrections opened, one per failure.
    pub corrections: Vec<i64>,
}

/// What the return is reconciled against: every line sent, by 序号, read
/// narrow (not the whole line: a roll has a million lines).
async fn sent_entries(tx: &mut Tx, roll_id: i64) -> Result<Vec<RollEntry>> {
    let mut entries = Vec::new();
    super::each_sent_line(tx, roll_id, |line| {
        let broken = |what: &str| AppError::Internal(format!("payment roll {roll_id}, line {}: {what}", line.seq));
        entries.push(RollEntry {
            seq: u32::try_from(line.seq).map_err(|_| broken("序号"))?,
            id_number: IdNumber::parse(&line.id_number).map_err(|_| broken("ID number"))?,
            name: line.name,
            account: line.account,
            amount: line.amount,
        });
        Ok(())
    })
    .await?;
    Ok(entries)
}

fn refused(problems: impl IntoIterator<Item = Message>) -> AppError {
    AppError::Invalid(problems.into_iter().map(|message| FieldError { field: "file", message }).collect())
}

/// Imports the bank's return of an exported roll (PaymentPrepare; in
/// scope; audited): applied whole when every line reconciles, refused
/// whole with every problem otherwise.
pub async fn import_return(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    id: i64,
    file_name: &str,
    bytes: &[u8],
) -> Result<ReturnImported> {
    import_return_then(db, actor, now, id, file_name, bytes, None).await
}

/// [`import_return`], calling `before_commit` inside the transaction, after
/// everything is written and before it commits.
pub async fn import_return_then(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    id: i64,
    file_name: &str,
    bytes: &[u8],
    before_commit: Option<BeforeCommit<'_>>,
) -> Result<ReturnImported> {
    let action = "payment_return_imported";
    let target = Target::new("payment_roll", id, None);
    require(db, actor, now, Permission::PaymentPrepare, action, &target).await?;
    let (mut tx, roll) = roll_in_scope(db.begin().await?, actor, now, id, action).await?;
    if roll.state != RollState::Exported {
        return Err(AppError::Conflict(Message::new("payment.return.error.not_exported")));
    }
    let layout = layout_for(&mut tx, &roll, now).await?;
    let file = bank::parse_return(bytes, &layout).map_err(|p| refused(p.iter().map(bank::problem_message)))?;
    let expected = sent_entries(&mut tx, id).await?;
    let outcomes = reconcile::reconcile(&expected, &file.lines)
        .map_err(|problems| refused(problems.iter().map(reconcile::Problem::full_message)))?;

    let amounts: std::collections::HashMap<u32, i64> = expected.iter().map(|e| (e.seq, e.amount.0)).collect();
    let (mut paid, mut paid_fen, mut failed, mut failed_fen) = (0i64, 0i64, 0i64, 0i64);
    for o in &outcomes {
        let fen = amounts.get(&o.seq).copied().unwrap_or(0);
        match o.result {
            BankResult::Paid => (paid, paid_fen) = (paid + 1, paid_fen + fen),
            BankResult::Failed { .. } => (failed, failed_fen) = (failed + 1, failed_fen + fen),
        }
    }
    let record = NewReturn {
        roll_id: id,
        file_name: jiuzhu_domain::text::clean(file_name).chars().take(200).collect(),
        file_sha256: bank::sha256_hex(bytes),
        lines: outcomes.len() as i64,
        paid,
        paid_total: jiuzhu_domain::Fen(paid_fen),
        failed,
        failed_total: jiuzhu_domain::Fen(failed_fen),
        imported_by: actor.login.clone(),
    };
    let return_id = match store_returns::insert_return(&mut tx, &record, now).await {
        Err(StoreError::Conflict { constraint }) if constraint == RETURN_EXISTS => {
            return Err(AppError::Conflict(Message::new("payment.return.error.exists")));
        }
        other => other?,
    };
    let failures: Vec<(i64, &str)> = outcomes
        .iter()
        .filter_map(|o| match &o.result {
            BankResult::Failed { reason } => Some((i64::from(o.seq), reason.as_str())),
            BankResult::Paid => None,
        })
        .collect();
    let marked = store_returns::fail_lines(&mut tx, id, &failures).await?;
    if marked.len() != failures.len() {
        let n = marked.len();
        return Err(AppError::Internal(format!("roll {id}: {n} of {} failed lines were pending", failures.len())));
    }
    store_returns::hold_failed(&mut tx, id, &marked).await?;
    let corrections = store_returns::open_corrections(&mut tx, id, return_id, now, &marked).await?;
    store_returns::mark_paid(&mut tx, id).await?;
    store_returns::close_roll(&mut tx, id, now).await?;
    let target = Target::new("payment_roll", id, Some(&roll.region));
    let after = json!({
        "return_id": return_id,
        "file_sha256": record.file_sha256,
        "lines": record.lines,
        "paid": paid,
        "paid_fen": paid_fen,
        "failed": failed,
        "failed_fen": failed_fen,
    });
    audit(&mut tx, actor, now, action, &target, None, Some(&after)).await?;
    if let Some(hook) = before_commit {
        hook();
    }
    tx.commit().await?;
    Ok(ReturnImported { roll_id: id, return_id, lines: record.lines, paid, paid_fen, failed, failed_fen, corrections })
}

/// A failed payment to correct, numbers masked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CorrectionView {
    pub id: i64,
    pub roll_id: i64,
    /// The roll's month, `YYYYMM`.
    pub roll_month: i64,
    pub seq: i64,
    pub household_id: i64,
    pub region_code: String,
    pub payee_name: String,
    pub id_number_masked: String,
    pub account_masked: String,
    pub amount_fen: i64,
    /// The bank's reason as written.
    pub reason: String,
    pub open: bool,
    pub opened_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub resolved_by: Option<String>,
}

fn correction_view(c: store_returns::CorrectionRow) -> CorrectionView {
    CorrectionView {
        id: c.id,
        roll_id: c.roll_id,
        roll_month: c.roll_month,
        seq: c.seq,
        household_id: c.household_id,
        region_code: c.region,
        payee_name: c.payee_name,
        id_number_masked: mask_text(&c.id_number),
        account_masked: c.account_number.as_deref().map(reconcile::mask_account).unwrap_or_default(),
        amount_fen: c.amount.0,
        reason: c.reason,
        open: c.open,
        opened_at: c.opened_at,
        resolved_at: c.resolved_at,
        resolved_by: c.resolved_by,
    }
}

/// The corrections of the actor's scope (or of a region in it), open ones
/// only or all, oldest first (PaymentRead; audited).
pub async fn list_corrections(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    region: Option<&RegionCode>,
    open_only: bool,
) -> Result<Vec<CorrectionView>> {
    let action = "payment_corrections_listed";
    require(db, actor, now, Permission::PaymentRead, action, &Target::none()).await?;
    let mut tx = db.begin_read().await?;
    let rows =
        store_returns::corrections(&mut tx, &within_requested(actor, region), open_only, CORRECTIONS_SHOWN).await?;
    audit(&mut tx, actor, now, action, &Target::none(), None, Some(&json!({ "open_only": open_only }))).await?;
    tx.commit().await?;
    Ok(rows.into_iter().map(correction_view).collect())
}

/// Resolves a correction once its account is fixed (PaymentPrepare; in
/// scope; audited): the line's held claims are released, so the next roll
/// pays those months once.
pub async fn resolve_correction(db: &Db, actor: &Actor, now: DateTime<Utc>, id: i64) -> Result<CorrectionView> {
    let action = "payment_correction_resolved";
    let target = Target::new("payment_correction", id, None);
    require(db, actor, now, Permission::PaymentPrepare, action, &target).await?;
    let mut tx = db.begin().await?;
    let Some(row) = store_returns::get_correction(&mut tx, id).await? else { return Err(AppError::NotFound) };
    let region = RegionCode::parse(&row.region).map_err(|_| AppError::Internal(format!("correction {id}: region")))?;
    let target = Target::new("payment_correction", id, Some(&region));
    if !actor.scope.contains(&region) {
        return Err(deny_in(tx, actor, now, action, &target, AppError::NotFound).await);
    }
    match store_returns::resolve_correction(&mut tx, id, &actor.login, now).await {
        Err(StoreError::NotFound) => return Err(AppError::Conflict(Message::new("payment.correction.error.not_open"))),
        other => other?,
    }
    let released = rolls::release_line(&mut tx, row.line_id).await?;
    let after = json!({ "line_id": row.line_id, "released_months": released, "amount_fen": row.amount.0 });
    audit(&mut tx, actor, now, action, &target, None, Some(&after)).await?;
    let row = store_returns::get_correction(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok(correction_view(row))
}
