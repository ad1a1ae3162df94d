//! The bank file recorded with its roll, the bank's returns and the
//! correction list (migration 0014; the roll's tables are 0013's,
//! [`crate::payment_roll`]).
//!
//! - [`record_export`]: the file's SHA-256, line count and total written on
//!   the roll, which becomes `exported`; a later export must give the same
//!   SHA-256 (the roll is frozen), so the first export's values stay.
//! - A return is applied in the caller's transaction, only after it
//!   reconciled, in a handful of set-based statements whatever its size:
//!   [`insert_return`] (one per roll, [`RETURN_EXISTS`]), [`fail_lines`]
//!   (the failures with the bank's reasons, a few hundred to a statement),
//!   [`hold_failed`] (their claims held) and [`open_corrections`], then
//!   [`mark_paid`] for every other line sent and [`close_roll`].
//! - Corrections: listed by a [`Within`] ([`corrections`]), resolved once
//!   ([`resolve_correction`]) when the account is fixed, after which the
//!   app releases the line's claims so that the next roll pays those months.

use chrono::{DateTime, Utc};
use jiuzhu_domain::Fen;

use crate::sql::{Param, Sql, bind_params};
use crate::{Result, StoreError, Tx, Within, on_tx};

/// The constraint that allows one accepted return per roll.
pub const RETURN_EXISTS: &str = "payment_return_roll_id_key";

/// Records the bank file on an approved (or already exported) roll, which
/// becomes `exported`. `NotFound` when the roll is in another state or was
/// exported with a different SHA-256.
pub async fn record_export(
    tx: &mut Tx,
    roll_id: i64,
    sha256: &str,
    lines: i64,
    total: Fen,
    by: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    let done = on_tx!(tx, |conn| {
        sqlx::query(
            "UPDATE payment_roll SET state = 'exported', file_sha256 = $2, file_lines = $3, file_total_fen = $4,
                 exported_at = COALESCE(exported_at, $5), exported_by = COALESCE(exported_by, $6),
                 updated_at = $5, version = CASE WHEN state = 'exported' THEN version ELSE version + 1 END
             WHERE id = $1 AND state IN ('approved', 'exported') AND (file_sha256 IS NULL OR file_sha256 = $2)",
        )
        .bind(roll_id)
        .bind(sha256)
        .bind(lines)
        .bind(total.0)
        .bind(now)
        .bind(by)
        .execute(&mut *conn)
        .await?
        .rows_affected()
    });
    if done == 1 { Ok(()) } else { Err(StoreError::NotFound) }
}

/// A return to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewReturn {
    pub roll_id: i64,
    pub file_name: String,
    pub file_sha256: String,
    pub lines: i64,
    pub paid: i64,
    pub paid_total: Fen,
    pub failed: i64,
    pub failed_total: Fen,
    pub imported_by: String,
}

/// A return as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReturnRow {
    pub id: i64,
    pub roll_id: i64,
    pub file_name: String,
    pub file_sha256: String,
    pub lines: i64,
    pub paid: i64,
    pub paid_total: Fen,
    pub failed: i64,
    pub failed_total: Fen,
    pub imported_by: String,
    pub imported_at: DateTime<Utc>,
}

/// Records a reconciled return; its id. A second for the same roll is
/// refused ([`RETURN_EXISTS`]).
pub async fn insert_return(tx: &mut Tx, r: &NewReturn, now: DateTime<Utc>) -> Result<i64> {
    let (id,): (i64,) = on_tx!(tx, |conn| {
        sqlx::query_as(
            "INSERT INTO payment_return (roll_id, file_name, file_sha256, line_count, paid_count, paid_fen,
                 failed_count, failed_fen, imported_by, imported_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
        )
        .bind(r.roll_id)
        .bind(&r.file_name)
        .bind(&r.file_sha256)
        .bind(r.lines)
        .bind(r.paid)
        .bind(r.paid_total.0)
        .bind(r.failed)
        .bind(r.failed_total.0)
        .bind(&r.imported_by)
        .bind(now)
        .fetch_one(&mut *conn)
        .await?
    });
    Ok(id)
}

/// The return recorded for a roll, if any.
pub async fn get_return(tx: &mut Tx, roll_id: i64) -> Result<Option<ReturnRow>> {
    type Row = (i64, i64, String, String, i64, i64, i64, i64, i64, String, DateTime<Utc>);
    let row: Option<Row> = on_tx!(tx, |conn| {
        sqlx::query_as(
            "SELECT id, roll_id, file_name, file_sha256, line_count, paid_count, paid_fen, failed_count, failed_fen,
                 imported_by, imported_at
             FROM payment_return WHERE roll_id = $1",
        )
        .bind(roll_id)
        .fetch_optional(&mut *conn)
        .await?
    });
    Ok(row.map(|t| ReturnRow {
        id: t.0,
        roll_id: t.1,
        file_name: t.2,
        file_sha256: t.3,
        lines: t.4,
        paid: t.5,
        paid_total: Fen(t.6),
        failed: t.7,
        failed_total: Fen(t.8),
        imported_by: t.9,
        imported_at: t.10,
    }))
}

/// How many failures one statement marks (two binds each), and how many
/// lines one statement holds or opens corrections for (one bind each).
const FAILURES_PER_STATEMENT: usize = 500;
const LINES_PER_STATEMENT: usize = 1_000;

/// Marks the pending lines of the roll with these 序号 failed, each with
/// the bank's reason, a few hundred to a statement; the ids of the lines
/// marked, in ascending order (fewer than asked when a 序号 is not a
/// pending line of the roll).
pub async fn fail_lines(tx: &mut Tx, roll_id: i64, failures: &[(i64, &str)]) -> Result<Vec<i64>> {
    let mut done = Vec::with_capacity(failures.len());
    for chunk in failures.chunks(FAILURES_PER_STATEMENT) {
        let mut sql = Sql::new("UPDATE payment_line SET result = 'failed', failure_reason = v.column2 FROM (VALUES ");
        for (i, (seq, reason)) in chunk.iter().enumerate() {
            sql.push(if i == 0 { "(" } else { ", (" }).bind(Param::Int(*seq)).push(", ");
            sql.bind(Param::Text((*reason).to_string())).push(")");
        }
        sql.push(") AS v WHERE payment_line.roll_id = ").bind(Param::Int(roll_id));
        sql.push(" AND payment_line.seq = v.column1 AND payment_line.result = 'pending' RETURNING payment_line.id");
        let ids: Vec<i64> = on_tx!(tx, |conn| {
            bind_params!(sqlx::query_scalar(sqlx::AssertSqlSafe(sql.text)), sql.params).fetch_all(&mut *conn).await?
        });
        done.extend(ids);
    }
    done.sort_unstable();
    Ok(done)
}

/// Appends `IN (…)` of these ids.
fn push_in(sql: &mut Sql, ids: &[i64]) {
    sql.push(" IN (");
    for (i, id) in ids.iter().enumerate() {
        if i > 0 {
            sql.push(", ");
        }
        sql.bind(Param::Int(*id));
    }
    sql.push(")");
}

/// Holds the live claims of these failed lines of the roll (from
/// [`fail_lines`]): no roll pays those months again until the correction
/// releases them. How many. Each line's claims are found through the
/// roll's claim index, not by reading every line of the roll.
pub async fn hold_failed(tx: &mut Tx, roll_id: i64, lines: &[i64]) -> Result<u64> {
    let mut done = 0;
    for chunk in lines.chunks(LINES_PER_STATEMENT) {
        let mut sql = Sql::new("UPDATE payment_claim SET state = 'held' WHERE line_id");
        push_in(&mut sql, chunk);
        sql.push(" AND state = 'live' AND roll_id = ").bind(Param::Int(roll_id));
        done += on_tx!(tx, |conn| {
            bind_params!(sqlx::query(sqlx::AssertSqlSafe(sql.text)), sql.params)
                .execute(&mut *conn)
                .await?
                .rows_affected()
        });
    }
    Ok(done)
}

/// Opens a correction for each of these failed lines of the roll (from
/// [`fail_lines`]), with the bank's reason, in the order of their 序号
/// (ascending ids: a roll's lines are written in 序号 order); their ids.
/// The lines are found by id (`roll_id + 0`: offered the roll's index,
/// SQLite walked the roll's million lines in 序号 order for each statement).
pub async fn open_corrections(
    tx: &mut Tx,
    roll_id: i64,
    return_id: i64,
    now: DateTime<Utc>,
    lines: &[i64],
) -> Result<Vec<i64>> {
    let mut ids = Vec::with_capacity(lines.len());
    for chunk in lines.chunks(LINES_PER_STATEMENT) {
        let mut sql = Sql::new(
            "INSERT INTO payment_correction (line_id, roll_id, return_id, household_id, region_code, amount_fen,
                 reason, state, opened_at)
             SELECT id, roll_id, ",
        );
        sql.bind(Param::Int(return_id))
            .push(", household_id, region_code, amount_fen, COALESCE(failure_reason, ''), 'open', ");
        sql.bind(Param::Time(now)).push(" FROM payment_line WHERE id");
        push_in(&mut sql, chunk);
        sql.push(" AND roll_id + 0 = ").bind(Param::Int(roll_id));
        sql.push(" AND result = 'failed' ORDER BY id RETURNING id");
        let opened: Vec<i64> = on_tx!(tx, |conn| {
            bind_params!(sqlx::query_scalar(sqlx::AssertSqlSafe(sql.text)), sql.params).fetch_all(&mut *conn).await?
        });
        ids.extend(opened);
    }
    ids.sort_unstable();
    Ok(ids)
}

/// Marks every other pending line of the roll paid, in one statement; how many.
pub async fn mark_paid(tx: &mut Tx, roll_id: i64) -> Result<u64> {
    let done = on_tx!(tx, |conn| {
        sqlx::query("UPDATE payment_line SET result = 'paid' WHERE roll_id = $1 AND result = 'pending'")
            .bind(roll_id)
            .execute(&mut *conn)
            .await?
            .rows_affected()
    });
    Ok(done)
}

/// Closes an exported roll (its return applied). `NotFound` otherwise.
pub async fn close_roll(tx: &mut Tx, roll_id: i64, now: DateTime<Utc>) -> Result<()> {
    let done = on_tx!(tx, |conn| {
        sqlx::query(
            "UPDATE payment_roll SET state = 'closed', updated_at = $2, version = version + 1
             WHERE id = $1 AND state = 'exported'",
        )
        .bind(roll_id)
        .bind(now)
        .execute(&mut *conn)
        .await?
        .rows_affected()
    });
    if done == 1 { Ok(()) } else { Err(StoreError::NotFound) }
}

/// A correction with its line's payee and roll.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CorrectionRow {
    pub id: i64,
    pub line_id: i64,
    pub roll_id: i64,
    pub seq: i64,
    pub roll_month: i64,
    pub household_id: i64,
    pub region: String,
    pub payee_name: String,
    pub id_number: String,
    pub account_number: Option<String>,
    pub amount: Fen,
    pub reason: String,
    pub open: bool,
    pub opened_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub resolved_by: Option<String>,
}

type CorrectionFlat = (i64, i64, i64, i64, i64, i64, String, String, String, Option<String>, i64, String, String);
type CorrectionRest = (DateTime<Utc>, Option<DateTime<Utc>>, Option<String>);

const CORRECTION_FROM: &str = "FROM payment_correction c JOIN payment_line l ON l.id = c.line_id
                               JOIN payment_roll r ON r.id = c.roll_id";

fn correction_from((t, rest): (CorrectionFlat, CorrectionRest)) -> CorrectionRow {
    CorrectionRow {
        id: t.0,
        line_id: t.1,
        roll_id: t.2,
        seq: t.3,
        roll_month: t.4,
        household_id: t.5,
        region: t.6,
        payee_name: t.7,
        id_number: t.8,
        account_number: t.9,
        amount: Fen(t.10),
        reason: t.11,
        open: t.12 == "open",
        opened_at: rest.0,
        resolved_at: rest.1,
        resolved_by: rest.2,
    }
}

async fn correction_rows(tx: &mut Tx, filter: &str, binds: (&str, &str, i64)) -> Result<Vec<CorrectionRow>> {
    let flat = format!(
        "SELECT c.id, c.line_id, c.roll_id, l.seq, r.month, c.household_id, c.region_code, l.payee_name,
             l.id_number, l.account_number, c.amount_fen, c.reason, c.state {CORRECTION_FROM} {filter}"
    );
    let rest = format!("SELECT c.opened_at, c.resolved_at, c.resolved_by {CORRECTION_FROM} {filter}");
    let (a, b): (Vec<CorrectionFlat>, Vec<CorrectionRest>) = on_tx!(tx, |conn| {
        let a = sqlx::query_as(sqlx::AssertSqlSafe(flat))
            .bind(binds.0)
            .bind(binds.1)
            .bind(binds.2)
            .fetch_all(&mut *conn)
            .await?;
        let b = sqlx::query_as(sqlx::AssertSqlSafe(rest))
            .bind(binds.0)
            .bind(binds.1)
            .bind(binds.2)
            .fetch_all(&mut *conn)
            .await?;
        (a, b)
    });
    Ok(a.into_iter().zip(b).map(correction_from).collect())
}

/// The corrections of households inside `within` (open ones only, or
/// all), oldest first, at most `limit`.
pub async fn corrections(tx: &mut Tx, within: &Within, open_only: bool, limit: i64) -> Result<Vec<CorrectionRow>> {
    let (from, to) = within.range();
    let state = if open_only { " AND c.state = 'open'" } else { "" };
    let filter = format!("WHERE c.region_code >= $1 AND c.region_code < $2{state} ORDER BY c.id LIMIT $3");
    correction_rows(tx, &filter, (&from, &to, limit)).await
}

/// One correction.
pub async fn get_correction(tx: &mut Tx, id: i64) -> Result<Option<CorrectionRow>> {
    let (from, to) = Within::everything().range();
    let filter = "WHERE c.region_code >= $1 AND c.region_code < $2 AND c.id = $3";
    Ok(correction_rows(tx, filter, (&from, &to, id)).await?.into_iter().next())
}

/// Resolves an open correction. `NotFound` when it is not open.
pub async fn resolve_correction(tx: &mut Tx, id: i64, by: &str, now: DateTime<Utc>) -> Result<()> {
    let done = on_tx!(tx, |conn| {
        sqlx::query(
            "UPDATE payment_correction SET state = 'resolved', resolved_at = $2, resolved_by = $3
             WHERE id = $1 AND state = 'open'",
        )
        .bind(id)
        .bind(now)
        .bind(by)
        .execute(&mut *conn)
        .await?
        .rows_affected()
    });
    if done == 1 { Ok(()) } else { Err(StoreError::NotFound) }
}
