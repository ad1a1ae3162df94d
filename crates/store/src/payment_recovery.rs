//! Recoveries of overpayment (追回, migration 0015; issue 12 point 5): the
//! recovery of a payee line with the months it takes back, and its
//! settlements.
//!
//! - [`paid_months`]: what a payee line was actually paid, month by month
//!   (its live claims on lines the bank returned paid), and [`recorded_months`]: what recoveries already
//!   took of each month; the domain (`payment::recovery`) computes the
//!   excess against the entitlements now.
//! - [`insert_recovery`] writes the recovery and its months.
//! - [`add_settlement`] adds a settlement and the recovery's settled sum in
//!   one step that never goes beyond its amount (the `UPDATE` is
//!   conditional, and the database's CHECK refuses it too); an offset names
//!   the later payment line it reduced, whose offsets so far
//!   [`offsets_of_line`] gives.
//! - Reads: [`recoveries`] by a [`Within`], [`recoveries_of_household`],
//!   [`get_recovery`], with [`recovery_months`] and [`settlements`].

use chrono::{DateTime, Utc};
use jiuzhu_domain::entitlement::YearMonth;
use jiuzhu_domain::payment::recovery::{Overpaid, RecoveryCause, RecoveryState, SettlementKind};
use jiuzhu_domain::payment::roll::{LineResult, PayeeKey, RollState};
use jiuzhu_domain::{Fen, Program};

use crate::{Backend, Result, StoreError, Tx, Within, on_tx};

fn corrupt(what: &str, id: i64) -> StoreError {
    StoreError::Database(sqlx::Error::Decode(format!("payment recovery {id}: bad {what}").into()))
}

fn month(n: i64, id: i64) -> Result<YearMonth> {
    YearMonth::from_yyyymm(n).ok_or_else(|| corrupt("month", id))
}

/// What a payee line was paid: its live claims whose line the bank's
/// return said paid, fen per month (a line sent and not yet returned may
/// still fail, its months then owed again).
pub async fn paid_months(tx: &mut Tx, key: PayeeKey) -> Result<Vec<(YearMonth, Fen)>> {
    let rows: Vec<(i64, i64)> = on_tx!(tx, |conn| {
        sqlx::query_as(
            "SELECT c.month, c.fen FROM payment_claim c JOIN payment_line l ON l.id = c.line_id
             WHERE c.payee_key = $1 AND c.program = $2 AND c.state = 'live' AND l.result = 'paid'
             ORDER BY c.month",
        )
        .bind(key.payee.code())
        .bind(key.program.code())
        .fetch_all(&mut *conn)
        .await?
    });
    rows.into_iter().map(|(m, fen)| Ok((month(m, 0)?, Fen(fen)))).collect()
}

/// What recoveries already recorded take of each month of a payee line.
pub async fn recorded_months(tx: &mut Tx, key: PayeeKey) -> Result<Vec<(YearMonth, Fen)>> {
    let rows: Vec<(i64, i64)> = on_tx!(tx, |conn| {
        sqlx::query_as(
            "SELECT month, excess_fen FROM payment_recovery_month WHERE payee_key = $1 AND program = $2
             ORDER BY month",
        )
        .bind(key.payee.code())
        .bind(key.program.code())
        .fetch_all(&mut *conn)
        .await?
    });
    rows.into_iter().map(|(m, fen)| Ok((month(m, 0)?, Fen(fen)))).collect()
}

/// A recovery to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRecovery {
    pub household_id: i64,
    pub person_id: Option<i64>,
    pub key: PayeeKey,
    pub region: String,
    pub cause: RecoveryCause,
    pub cause_note: String,
    pub debtor_name: String,
    pub months: Vec<Overpaid>,
    pub amount: Fen,
    pub recorded_by: String,
}

/// Records a recovery and its months; its id.
pub async fn insert_recovery(tx: &mut Tx, r: &NewRecovery, now: DateTime<Utc>) -> Result<i64> {
    let (id,): (i64,) = on_tx!(tx, |conn| {
        sqlx::query_as(
            "INSERT INTO payment_recovery (household_id, person_id, payee_key, program, region_code, cause,
                 cause_note, debtor_name, amount_fen, settled_fen, state, recorded_by, recorded_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 0, 'open', $10, $11, $11) RETURNING id",
        )
        .bind(r.household_id)
        .bind(r.person_id)
        .bind(r.key.payee.code())
        .bind(r.key.program.code())
        .bind(&r.region)
        .bind(r.cause.code())
        .bind(&r.cause_note)
        .bind(&r.debtor_name)
        .bind(r.amount.0)
        .bind(&r.recorded_by)
        .bind(now)
        .fetch_one(&mut *conn)
        .await?
    });
    for o in &r.months {
        on_tx!(tx, |conn| {
            sqlx::query(
                "INSERT INTO payment_recovery_month (recovery_id, payee_key, program, month, paid_fen, owed_fen,
                     excess_fen)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(id)
            .bind(r.key.payee.code())
            .bind(r.key.program.code())
            .bind(o.month.yyyymm())
            .bind(o.paid.0)
            .bind(o.owed.0)
            .bind(o.excess().0)
            .execute(&mut *conn)
            .await?
            .rows_affected()
        });
    }
    Ok(id)
}

/// A recovery as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecoveryRow {
    pub id: i64,
    pub household_id: i64,
    pub person_id: Option<i64>,
    pub key: PayeeKey,
    pub region: String,
    pub cause: RecoveryCause,
    pub cause_note: String,
    pub debtor_name: String,
    pub amount: Fen,
    pub settled: Fen,
    pub state: RecoveryState,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

impl RecoveryRow {
    /// Still to recover.
    pub fn outstanding(&self) -> Fen {
        Fen(self.amount.0 - self.settled.0)
    }
}

/// A recovery's row as read: sixteen columns, sqlx's largest tuple.
type RecoveryTuple = (
    i64,
    i64,
    Option<i64>,
    String,
    String,
    String,
    String,
    String,
    String,
    i64,
    i64,
    String,
    String,
    DateTime<Utc>,
    DateTime<Utc>,
    i64,
);

/// The columns of [`RecoveryTuple`], in order.
const RECOVERY_COLUMNS: &str = "id, household_id, person_id, payee_key, program, region_code, cause, cause_note,
    debtor_name, amount_fen, settled_fen, state, recorded_by, recorded_at, updated_at, version";

fn recovery_from(t: RecoveryTuple) -> Result<RecoveryRow> {
    let id = t.0;
    let payee = jiuzhu_domain::payment::roll::Payee::parse(&t.3).ok_or_else(|| corrupt("payee", id))?;
    let program = Program::parse(&t.4).ok_or_else(|| corrupt("program", id))?;
    Ok(RecoveryRow {
        id,
        household_id: t.1,
        person_id: t.2,
        key: PayeeKey { payee, program },
        region: t.5,
        cause: RecoveryCause::parse(&t.6).ok_or_else(|| corrupt("cause", id))?,
        cause_note: t.7,
        debtor_name: t.8,
        amount: Fen(t.9),
        settled: Fen(t.10),
        state: RecoveryState::parse(&t.11).ok_or_else(|| corrupt("state", id))?,
        recorded_by: t.12,
        recorded_at: t.13,
        updated_at: t.14,
        version: t.15,
    })
}

async fn recovery_rows(tx: &mut Tx, filter: &str, binds: (&str, &str, i64, i64)) -> Result<Vec<RecoveryRow>> {
    let sql = format!("SELECT {RECOVERY_COLUMNS} FROM payment_recovery {filter}");
    let rows: Vec<RecoveryTuple> = on_tx!(tx, |conn| {
        sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(binds.0)
            .bind(binds.1)
            .bind(binds.2)
            .bind(binds.3)
            .fetch_all(&mut *conn)
            .await?
    });
    rows.into_iter().map(recovery_from).collect()
}

/// The recoveries of households inside `within` (open ones only, or all),
/// newest first, at most `limit`.
pub async fn recoveries(tx: &mut Tx, within: &Within, open_only: bool, limit: i64) -> Result<Vec<RecoveryRow>> {
    let (from, to) = within.range();
    let state = if open_only { " AND state = 'open'" } else { "" };
    let filter = format!("WHERE region_code >= $1 AND region_code < $2 AND $3 >= 0{state} ORDER BY id DESC LIMIT $4");
    recovery_rows(tx, &filter, (&from, &to, 0, limit)).await
}

/// The recoveries of a household, oldest first.
pub async fn recoveries_of_household(tx: &mut Tx, household_id: i64) -> Result<Vec<RecoveryRow>> {
    let (from, to) = Within::everything().range();
    let filter = "WHERE region_code >= $1 AND region_code < $2 AND household_id = $3 AND $4 >= 0 ORDER BY id";
    recovery_rows(tx, filter, (&from, &to, household_id, 0)).await
}

/// One recovery.
pub async fn get_recovery(tx: &mut Tx, id: i64) -> Result<Option<RecoveryRow>> {
    let (from, to) = Within::everything().range();
    let filter = "WHERE region_code >= $1 AND region_code < $2 AND id = $3 AND $4 >= 0";
    Ok(recovery_rows(tx, filter, (&from, &to, id, 0)).await?.into_iter().next())
}

/// The months a recovery takes back, in order.
pub async fn recovery_months(tx: &mut Tx, id: i64) -> Result<Vec<Overpaid>> {
    let rows: Vec<(i64, i64, i64)> = on_tx!(tx, |conn| {
        sqlx::query_as(
            "SELECT month, paid_fen, owed_fen FROM payment_recovery_month WHERE recovery_id = $1 ORDER BY month",
        )
        .bind(id)
        .fetch_all(&mut *conn)
        .await?
    });
    rows.into_iter()
        .map(|(m, paid, owed)| Ok(Overpaid { month: month(m, id)?, paid: Fen(paid), owed: Fen(owed) }))
        .collect()
}

/// A settlement as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettlementRow {
    pub id: i64,
    pub recovery_id: i64,
    pub kind: SettlementKind,
    pub amount: Fen,
    pub note: String,
    /// An offset's payment line.
    pub line_id: Option<i64>,
    pub settled_by: String,
    pub settled_at: DateTime<Utc>,
}

/// The settlements of a recovery, in order.
pub async fn settlements(tx: &mut Tx, recovery_id: i64) -> Result<Vec<SettlementRow>> {
    type Row = (i64, i64, String, i64, String, Option<i64>, String, DateTime<Utc>);
    let rows: Vec<Row> = on_tx!(tx, |conn| {
        sqlx::query_as(
            "SELECT id, recovery_id, kind, amount_fen, note, line_id, settled_by, settled_at
             FROM payment_recovery_settlement WHERE recovery_id = $1 ORDER BY id",
        )
        .bind(recovery_id)
        .fetch_all(&mut *conn)
        .await?
    });
    rows.into_iter()
        .map(|t| {
            Ok(SettlementRow {
                id: t.0,
                recovery_id: t.1,
                kind: SettlementKind::parse(&t.2).ok_or_else(|| corrupt("settlement kind", t.1))?,
                amount: Fen(t.3),
                note: t.4,
                line_id: t.5,
                settled_by: t.6,
                settled_at: t.7,
            })
        })
        .collect()
}

/// A settlement to add.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSettlement {
    pub kind: SettlementKind,
    pub amount: Fen,
    pub note: String,
    pub line_id: Option<i64>,
    pub settled_by: String,
}

/// Adds a settlement to an open recovery at `version` and its amount to
/// what is settled (the recovery becomes `settled` when nothing is left);
/// the settlement's id. `NotFound` when the recovery changed since
/// `version`, is settled, or the amount is more than is outstanding: the
/// update is conditional, so a settlement never goes beyond the amount.
pub async fn add_settlement(
    tx: &mut Tx,
    recovery_id: i64,
    version: i64,
    s: &NewSettlement,
    now: DateTime<Utc>,
) -> Result<i64> {
    let done = on_tx!(tx, |conn| {
        sqlx::query(
            "UPDATE payment_recovery SET settled_fen = settled_fen + $3,
                 state = CASE WHEN settled_fen + $3 = amount_fen THEN 'settled' ELSE 'open' END,
                 updated_at = $4, version = version + 1
             WHERE id = $1 AND version = $2 AND state = 'open' AND settled_fen + $3 <= amount_fen",
        )
        .bind(recovery_id)
        .bind(version)
        .bind(s.amount.0)
        .bind(now)
        .execute(&mut *conn)
        .await?
        .rows_affected()
    });
    if done != 1 {
        return Err(StoreError::NotFound);
    }
    let (id,): (i64,) = on_tx!(tx, |conn| {
        sqlx::query_as(
            "INSERT INTO payment_recovery_settlement (recovery_id, kind, amount_fen, note, line_id, settled_by,
                 settled_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(recovery_id)
        .bind(s.kind.code())
        .bind(s.amount.0)
        .bind(&s.note)
        .bind(s.line_id)
        .bind(&s.settled_by)
        .bind(now)
        .fetch_one(&mut *conn)
        .await?
    });
    Ok(id)
}

/// A payment line an offset may name: its payee line, roll and amount.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OffsetLine {
    pub line_id: i64,
    pub roll_id: i64,
    pub roll_month: YearMonth,
    pub roll_state: RollState,
    pub key: PayeeKey,
    pub last_month: YearMonth,
    pub amount: Fen,
    pub result: LineResult,
}

/// A payment line, for an offset against it.
pub async fn offset_line(tx: &mut Tx, line_id: i64) -> Result<Option<OffsetLine>> {
    type Row = (i64, i64, i64, String, String, String, i64, i64, String);
    let row: Option<Row> = on_tx!(tx, |conn| {
        sqlx::query_as(
            "SELECT l.id, l.roll_id, r.month, r.state, l.payee_key, l.program, l.last_month, l.amount_fen, l.result
             FROM payment_line l JOIN payment_roll r ON r.id = l.roll_id WHERE l.id = $1",
        )
        .bind(line_id)
        .fetch_optional(&mut *conn)
        .await?
    });
    let Some(t) = row else { return Ok(None) };
    let payee = jiuzhu_domain::payment::roll::Payee::parse(&t.4).ok_or_else(|| corrupt("line payee", t.0))?;
    let program = Program::parse(&t.5).ok_or_else(|| corrupt("line program", t.0))?;
    Ok(Some(OffsetLine {
        line_id: t.0,
        roll_id: t.1,
        roll_month: month(t.2, t.0)?,
        roll_state: RollState::parse(&t.3).ok_or_else(|| corrupt("roll state", t.0))?,
        key: PayeeKey { payee, program },
        last_month: month(t.6, t.0)?,
        amount: Fen(t.7),
        result: LineResult::parse(&t.8).ok_or_else(|| corrupt("line result", t.0))?,
    }))
}

/// What offsets already took of a payment line.
pub async fn offsets_of_line(tx: &mut Tx, line_id: i64) -> Result<Fen> {
    let (sum,): (i64,) = on_tx!(tx, |conn| {
        sqlx::query_as(
            "SELECT CAST(COALESCE(SUM(amount_fen), 0) AS BIGINT) FROM payment_recovery_settlement WHERE line_id = $1
                 AND kind = 'offset'",
        )
        .bind(line_id)
        .fetch_one(&mut *conn)
        .await?
    });
    Ok(Fen(sum))
}

/// The payment lines of a payee line past their draft paying a month after
/// `after`, with what offsets already took of each, newest first: where an
/// offset may be set. Looked up through the household's lines (the
/// recovery's household; a payee line is paid in one household's name).
pub async fn later_lines(
    tx: &mut Tx,
    household_id: i64,
    key: PayeeKey,
    after: YearMonth,
) -> Result<Vec<(OffsetLine, Fen)>> {
    let ids: Vec<(i64,)> = on_tx!(tx, |conn| {
        sqlx::query_as(
            "SELECT l.id FROM payment_roll r CROSS JOIN payment_line l
             WHERE l.roll_id = r.id AND l.household_id = $4 AND l.payee_key = $1 AND l.program = $2 AND l.last_month > $3
               AND r.state <> 'draft' AND l.result IN ('paid', 'pending')
             ORDER BY l.last_month DESC, l.id DESC LIMIT 24",
        )
        .bind(key.payee.code())
        .bind(key.program.code())
        .bind(after.yyyymm())
        .bind(household_id)
        .fetch_all(&mut *conn)
        .await?
    });
    let mut lines = Vec::with_capacity(ids.len());
    for (id,) in ids {
        if let Some(line) = offset_line(tx, id).await? {
            let taken = offsets_of_line(tx, id).await?;
            lines.push((line, taken));
        }
    }
    Ok(lines)
}

/// Holds the household's row (PostgreSQL; SQLite's write transaction
/// already holds the database) until `tx` ends: two clerks recording the
/// same overpayment at once record it once, the second finding it recorded.
pub async fn lock_household(tx: &mut Tx, household_id: i64) -> Result<()> {
    lock_row(tx, "SELECT id FROM household WHERE id = $1 FOR UPDATE", household_id).await
}

/// Holds a payment line's row (PostgreSQL) until `tx` ends: two offsets
/// against one line never take more than it pays together.
pub async fn lock_line(tx: &mut Tx, line_id: i64) -> Result<()> {
    lock_row(tx, "SELECT id FROM payment_line WHERE id = $1 FOR UPDATE", line_id).await
}

async fn lock_row(tx: &mut Tx, sql: &'static str, id: i64) -> Result<()> {
    if tx.db.backend() == Backend::Sqlite {
        return Ok(());
    }
    let _: Option<(i64,)> = on_tx!(tx, |conn| sqlx::query_as(sql).bind(id).fetch_optional(&mut *conn).await?);
    Ok(())
}
