//! Payment rolls (发放花名册, migration 0013): a roll, its lines and the
//! months they claim. The rules are `jiuzhu_domain::payment::roll`; this
//! module runs them as set-based SQL, one text for both databases.
//!
//! - **Generation** ([`generate_lines`]) is three statements, none of them a
//!   loop per payee: the months owed (entitlements × a month series from a
//!   recursive CTE, minus the months claimed live or held) are gathered in a
//!   temporary table, each numbered with its line's 序号 (by household);
//!   the lines are inserted from them grouped by payee, programme and kind
//!   (current or 补发), with a snapshot of the payee's name, ID number and
//!   current account; then the draft claims of the
//!   lines that pay several months (each month's amount and entitlement,
//!   which may differ). A line of one month — nearly every line of a county
//!   paid each month — is its own claim while the roll is a draft: its
//!   month, amount and entitlement are its own columns, so a million-line
//!   draft writes a million rows, not two million. A payee without a
//!   current account (`payee_account` row not replaced) still gets a line,
//!   marked `no_account`: it is listed in the draft, not counted in the
//!   roll's total, not sent, and claims nothing when the roll is approved,
//!   so its months stay owed and are paid back once an account is recorded.
//! - **Regeneration** ([`clear_lines`]) deletes a draft's lines and claims.
//! - **Approval** ([`approve_roll`]) sets the state and makes every sent
//!   line's months live claims in the same transaction (a one-month line's
//!   claim written then, a longer line's draft claims made live); the
//!   partial unique index `payment_claim_payee_key_key` refuses a (payee,
//!   programme, month) claimed live twice, as [`StoreError::Conflict`] with
//!   that name ([`ALREADY_PAID`]).
//! - **Reads**: rolls of a region ([`list_rolls`], by a [`Within`]), a roll's
//!   lines paginated ([`roll_lines`], what the bank file and the return
//!   file are made from and matched to), totals by programme and township,
//!   and the differences from the previous month's roll.
//!
//! Claims' states: `draft` (the roll is a draft; lines of several months
//! only), `live` (approved, sent or
//! paid), `held` (a failed payment whose correction is open: not paid
//! again yet), `released` (the correction may pay it again: a later roll
//! claims the month anew). A return holds them
//! ([`crate::payment_return::hold_failed`]); [`release_line`] releases them.

use chrono::{DateTime, Utc};
use jiuzhu_domain::entitlement::YearMonth;
use jiuzhu_domain::payment::roll::{
    Difference, LineKind, LineResult, Payee, PayeeKey, ProgramGroup, RollKind, RollState,
};
use jiuzhu_domain::{Fen, Program, RegionCode};

use crate::sql::region_range;
use crate::{Result, StoreError, Tx, Within, on_tx};

/// The constraint that refuses a month paid twice.
pub const ALREADY_PAID: &str = "payment_claim_payee_key_key";
/// The constraint that allows one regular roll per region, group and month.
pub const ROLL_EXISTS: &str = "payment_roll_region_code_key";

fn corrupt(what: &str, id: i64) -> StoreError {
    StoreError::Database(sqlx::Error::Decode(format!("payment roll {id}: bad {what}").into()))
}

fn month(n: i64, id: i64) -> Result<YearMonth> {
    YearMonth::from_yyyymm(n).ok_or_else(|| corrupt("month", id))
}

/// A roll to make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRoll {
    pub region: RegionCode,
    pub group: ProgramGroup,
    pub month: YearMonth,
    pub kind: RollKind,
    /// The first month it may pay back.
    pub paid_from: YearMonth,
    pub prepared_by: String,
}

/// A roll as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RollRow {
    pub id: i64,
    pub region: RegionCode,
    pub group: ProgramGroup,
    pub month: YearMonth,
    pub kind: RollKind,
    pub state: RollState,
    pub paid_from: YearMonth,
    pub prepared_by: String,
    pub prepared_at: DateTime<Utc>,
    pub approved_by: Option<String>,
    pub approved_at: Option<DateTime<Utc>>,
    /// Lines sent to the bank (with an account) and their total.
    pub lines: i64,
    pub total: Fen,
    /// Lines not sent: no account recorded.
    pub no_account_lines: i64,
    pub no_account_total: Fen,
    pub file_sha256: Option<String>,
    pub file_lines: Option<i64>,
    pub file_total: Option<Fen>,
    pub version: i64,
}

type RollTuple = (
    i64,
    String,
    String,
    i64,
    String,
    String,
    i64,
    String,
    DateTime<Utc>,
    Option<String>,
    Option<DateTime<Utc>>,
    i64,
    i64,
    i64,
    i64,
    Option<String>,
    Option<i64>,
    Option<i64>,
    i64,
);
const ROLL_COLUMNS: &str = "id, region_code, program_group, month, kind, state, paid_from, prepared_by, prepared_at, \
                            approved_by, approved_at, line_count, total_fen, no_account_count, no_account_fen, \
                            file_sha256, file_lines, file_total_fen, version";

/// Runs a query of [`ROLL_COLUMNS`] with its binds; its rolls. (A roll has
/// more columns than a tuple can be read into at once.)
macro_rules! roll_rows {
    ($tx:expr, $sql:expr $(, $bind:expr)* $(,)?) => {{
        let rows: Vec<RollTuple> = on_tx!($tx, |conn| {
            let rows = sqlx::query(sqlx::AssertSqlSafe($sql)) $(.bind($bind))* .fetch_all(&mut *conn).await?;
            rows.iter()
                .map(|r| -> std::result::Result<RollTuple, sqlx::Error> {
                    use sqlx::Row;
                    Ok((
                        r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?, r.try_get(4)?, r.try_get(5)?,
                        r.try_get(6)?, r.try_get(7)?, r.try_get(8)?, r.try_get(9)?, r.try_get(10)?, r.try_get(11)?,
                        r.try_get(12)?, r.try_get(13)?, r.try_get(14)?, r.try_get(15)?, r.try_get(16)?,
                        r.try_get(17)?, r.try_get(18)?,
                    ))
                })
                .collect::<std::result::Result<Vec<_>, _>>()?
        });
        rows.into_iter().map(roll_from).collect::<Result<Vec<RollRow>>>()
    }};
}

fn roll_from(t: RollTuple) -> Result<RollRow> {
    let id = t.0;
    Ok(RollRow {
        id,
        region: RegionCode::parse(&t.1).map_err(|_| corrupt("region", id))?,
        group: ProgramGroup::parse(&t.2).ok_or_else(|| corrupt("group", id))?,
        month: month(t.3, id)?,
        kind: RollKind::parse(&t.4).ok_or_else(|| corrupt("kind", id))?,
        state: RollState::parse(&t.5).ok_or_else(|| corrupt("state", id))?,
        paid_from: month(t.6, id)?,
        prepared_by: t.7,
        prepared_at: t.8,
        approved_by: t.9,
        approved_at: t.10,
        lines: t.11,
        total: Fen(t.12),
        no_account_lines: t.13,
        no_account_total: Fen(t.14),
        file_sha256: t.15,
        file_lines: t.16,
        file_total: t.17.map(Fen),
        version: t.18,
    })
}

/// Stores a draft roll without lines; its id. A second regular roll of a
/// region, group and month is refused ([`ROLL_EXISTS`]).
pub async fn insert_roll(tx: &mut Tx, roll: &NewRoll, now: DateTime<Utc>) -> Result<i64> {
    let (id,): (i64,) = on_tx!(tx, |conn| {
        sqlx::query_as(
            "INSERT INTO payment_roll (region_code, program_group, month, kind, state, paid_from, prepared_by,
             prepared_at, created_at, updated_at)
             VALUES ($1, $2, $3, $4, 'draft', $5, $6, $7, $7, $7) RETURNING id",
        )
        .bind(roll.region.as_str())
        .bind(roll.group.code())
        .bind(roll.month.yyyymm())
        .bind(roll.kind.code())
        .bind(roll.paid_from.yyyymm())
        .bind(&roll.prepared_by)
        .bind(now)
        .fetch_one(&mut *conn)
        .await?
    });
    Ok(id)
}

pub async fn get_roll(tx: &mut Tx, id: i64) -> Result<Option<RollRow>> {
    let sql = format!("SELECT {ROLL_COLUMNS} FROM payment_roll WHERE id = $1");
    Ok(roll_rows!(tx, sql, id)?.pop())
}

/// The rolls whose region is inside `within`, of one month or of every
/// month, newest month first, at most `limit`.
pub async fn list_rolls(tx: &mut Tx, within: &Within, of: Option<YearMonth>, limit: i64) -> Result<Vec<RollRow>> {
    let (from, to) = within.range();
    let sql = format!(
        "SELECT {ROLL_COLUMNS} FROM payment_roll
         WHERE region_code >= $1 AND region_code < $2 AND ($3 = 0 OR month = $3)
         ORDER BY month DESC, region_code, program_group, id DESC LIMIT $4"
    );
    roll_rows!(tx, sql, &from, &to, of.map_or(0, YearMonth::yyyymm), limit)
}

/// The month of the region's first regular roll of the group (its own
/// region or one containing it or inside it): the first month the system
/// pays there, so nothing earlier is paid back.
pub async fn first_regular_month(tx: &mut Tx, region: &RegionCode, group: ProgramGroup) -> Result<Option<YearMonth>> {
    let rows: Vec<(String, i64)> = on_tx!(tx, |conn| {
        sqlx::query_as(
            "SELECT region_code, MIN(month) FROM payment_roll
             WHERE kind = 'regular' AND (program_group = $1 OR program_group = 'all' OR $1 = 'all')
             GROUP BY region_code",
        )
        .bind(group.code())
        .fetch_all(&mut *conn)
        .await?
    });
    let mut first: Option<YearMonth> = None;
    for (code, n) in rows {
        let Ok(code) = RegionCode::parse(&code) else { continue };
        if code.contains(region) || region.contains(&code) {
            let m = month(n, 0)?;
            first = Some(first.map_or(m, |f| f.min(m)));
        }
    }
    Ok(first)
}

/// How many lines a generation made.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Generated {
    pub lines: i64,
    pub total: Fen,
    pub no_account_lines: i64,
}

/// Removes a draft's lines and claims (before generating it again), after
/// locking the roll and moving its version on: an approval of the version
/// seen before waits for the regeneration and is then refused (a draft of
/// one-month lines has no claim rows for the two to meet on). `NotFound`
/// when the roll is no longer a draft.
pub async fn clear_lines(tx: &mut Tx, roll_id: i64) -> Result<()> {
    let locked = on_tx!(tx, |conn| {
        sqlx::query("UPDATE payment_roll SET version = version + 1 WHERE id = $1 AND state = 'draft'")
            .bind(roll_id)
            .execute(&mut *conn)
            .await?
            .rows_affected()
    });
    if locked != 1 {
        return Err(StoreError::NotFound);
    }
    on_tx!(tx, |conn| {
        sqlx::query("DELETE FROM payment_claim WHERE roll_id = $1").bind(roll_id).execute(&mut *conn).await?;
        sqlx::query("DELETE FROM payment_line WHERE roll_id = $1")
            .bind(roll_id)
            .execute(&mut *conn)
            .await?
            .rows_affected()
    });
    Ok(())
}

/// The table the months owed are gathered in while a roll is generated
/// (temporary: the session's own, dropped before the transaction ends).
const OWED_TABLE: &str = "
CREATE TEMP TABLE payment_owed (
    seq BIGINT NOT NULL, kind TEXT NOT NULL, payee_key TEXT NOT NULL, household_id BIGINT NOT NULL,
    person_id BIGINT, program TEXT NOT NULL, region_code TEXT NOT NULL, month BIGINT NOT NULL,
    fen BIGINT NOT NULL, entitlement_id BIGINT NOT NULL)";

/// The months owed: every month from the roll's `paid_from` through its
/// month that an entitlement of a household inside the roll's region and
/// of the roll's programmes owes, and that no live or held claim has taken;
/// each numbered with the 序号 of the line that will pay it (by household,
/// payee, programme, current before 补发: in the order of the households,
/// so that every index of the new lines grows at its end).
///
/// An entitlement whose months in that span are all taken is passed over
/// after one count of its claims (one descent of an index, whatever the
/// history; a month held by failed lines counts once, and not at all when
/// it is also live — a later roll may have paid it after the failure), so
/// only the months of payees owed something are checked one by one: a
/// county paying its 60th month checks each payee once, not 60 times.
///
/// The roll's month (`$1`), first month paid back (`$4`) and programme group
/// (`$5`) are parameters, not a join with the roll: the planner then knows
/// how many entitlements a county set has (joined with its one roll row,
/// they were estimated at 1% and every household and claim was probed one
/// by one).
const OWED_SQL: &str = "
WITH RECURSIVE months (m) AS (
    SELECT CAST($4 AS BIGINT) WHERE $4 <= $1
    UNION ALL
    SELECT CASE WHEN m % 100 = 12 THEN m + 89 ELSE m + 1 END FROM months WHERE m < $1
),
ents AS (
    SELECT e.id AS entitlement_id, e.household_id, e.person_id, e.program, e.monthly_fen, h.region_code,
           CAST($1 AS BIGINT) AS roll_month,
           CASE WHEN e.person_id IS NULL THEN 'h' || e.household_id ELSE 'p' || e.person_id END AS payee_key,
           CASE WHEN e.first_month > $4 THEN e.first_month ELSE $4 END AS lo,
           CASE WHEN e.last_month IS NOT NULL AND e.last_month < $1 THEN e.last_month ELSE $1 END AS hi
    FROM entitlement e
    JOIN household h ON h.id = e.household_id AND h.region_code >= $2 AND h.region_code < $3
    WHERE ($5 = 'all' OR e.program = $5) AND e.program IN ('dibao', 'tekun')
      AND e.first_month <= $1 AND (e.last_month IS NULL OR e.last_month >= $4)
),
open AS (
    SELECT t.* FROM ents t
    WHERE t.lo <= t.hi AND (t.lo = t.hi OR
        (SELECT COUNT(*) FROM payment_claim c WHERE c.payee_key = t.payee_key AND c.program = t.program
             AND c.month >= t.lo AND c.month <= t.hi AND c.state = 'live')
        + (SELECT COUNT(DISTINCT c.month) FROM payment_claim c WHERE c.payee_key = t.payee_key
             AND c.program = t.program AND c.month >= t.lo AND c.month <= t.hi AND c.state = 'held'
             AND NOT EXISTS (SELECT 1 FROM payment_claim x WHERE x.payee_key = c.payee_key
                                 AND x.program = c.program AND x.month = c.month AND x.state = 'live'))
        < (t.hi / 100 * 12 + t.hi % 100) - (t.lo / 100 * 12 + t.lo % 100) + 1)
),
owed AS (
    SELECT o.*, mo.m AS month, CASE WHEN mo.m = o.roll_month THEN 'current' ELSE 'backpay' END AS kind
    FROM open o JOIN months mo ON mo.m >= o.lo AND mo.m <= o.hi
    WHERE NOT EXISTS (SELECT 1 FROM payment_claim c WHERE c.payee_key = o.payee_key AND c.program = o.program
                          AND c.month = mo.m AND c.state = 'live')
      AND NOT EXISTS (SELECT 1 FROM payment_claim c WHERE c.payee_key = o.payee_key AND c.program = o.program
                          AND c.month = mo.m AND c.state = 'held')
)
INSERT INTO payment_owed (seq, kind, payee_key, household_id, person_id, program, region_code, month, fen,
                          entitlement_id)
SELECT DENSE_RANK() OVER (ORDER BY household_id, payee_key, program, kind DESC), kind, payee_key,
       household_id, person_id, program, region_code, month, monthly_fen, entitlement_id
FROM owed";

/// The months owed grouped into lines, with the payee's snapshot (the head
/// for a household's line) and current account. The heads' names and ID
/// numbers are read once, with the heads (one hash of a county's heads,
/// not a second of every person); a member paid in their own name is read
/// by id (a few 特困 members).
const LINES_SQL: &str = "
INSERT INTO payment_line (roll_id, seq, kind, payee_key, household_id, person_id, program, region_code,
                          entitlement_id, first_month, last_month, month_count, amount_fen, payee_name, id_number,
                          holder, account_name, bank, account_number, institution_name, result, failure_reason)
SELECT $1, g.seq, g.kind, g.payee_key, g.household_id, g.person_id, g.program, g.region_code, g.entitlement_id,
       g.first_month, g.last_month, g.month_count, g.amount_fen,
       CASE WHEN g.person_id IS NULL THEN COALESCE(hd.name, '')
            ELSE COALESCE((SELECT p.name FROM person p WHERE p.id = g.person_id), '') END,
       CASE WHEN g.person_id IS NULL THEN COALESCE(hd.id_number, '')
            ELSE COALESCE((SELECT p.id_number FROM person p WHERE p.id = g.person_id), '') END,
       COALESCE(pah.holder, pap.holder), COALESCE(pah.account_name, pap.account_name), COALESCE(pah.bank, pap.bank),
       COALESCE(pah.account_number, pap.account_number), i.name,
       CASE WHEN COALESCE(pah.account_number, pap.account_number) IS NULL THEN 'no_account' ELSE 'pending' END,
       NULL
FROM (
    SELECT seq, MIN(kind) AS kind, MIN(payee_key) AS payee_key, MIN(household_id) AS household_id,
           MIN(person_id) AS person_id, MIN(program) AS program, MIN(region_code) AS region_code,
           MAX(entitlement_id) AS entitlement_id, MIN(month) AS first_month, MAX(month) AS last_month,
           COUNT(*) AS month_count, CAST(SUM(fen) AS BIGINT) AS amount_fen
    FROM payment_owed GROUP BY seq
) g
LEFT JOIN (SELECT h.household_id, h.name, h.id_number FROM person h
           WHERE h.relation = 'head'
             AND NOT EXISTS (SELECT 1 FROM person o WHERE o.household_id = h.household_id AND o.relation = 'head'
                                                      AND o.id < h.id)) hd
    ON g.person_id IS NULL AND hd.household_id = g.household_id
LEFT JOIN payee_account pah ON g.person_id IS NULL AND pah.household_id = g.household_id
    AND pah.person_id IS NULL AND pah.replaced_at IS NULL
LEFT JOIN payee_account pap ON pap.person_id = g.person_id AND pap.replaced_at IS NULL
LEFT JOIN institution i ON i.id = COALESCE(pah.institution_id, pap.institution_id)
ORDER BY g.seq";

/// Each month owed by a line of several months, as a draft claim of its
/// line (a line of one month is its own claim until approval).
const CLAIMS_SQL: &str = "
INSERT INTO payment_claim (roll_id, line_id, kind, payee_key, household_id, person_id, program, month, fen,
                           entitlement_id, state)
SELECT $1, l.id, o.kind, o.payee_key, o.household_id, o.person_id, o.program, o.month, o.fen, o.entitlement_id,
       'draft'
FROM payment_owed o JOIN payment_line l ON l.roll_id = $1 AND l.seq = o.seq AND l.month_count > 1
WHERE o.seq IN (SELECT seq FROM payment_owed GROUP BY seq HAVING COUNT(*) > 1)
ORDER BY o.seq, o.month";

/// Generates a draft's lines from the entitlements in force (after
/// [`clear_lines`] when regenerating), and records its totals: the months
/// owed gathered once (a temporary table), the lines inserted from them in
/// order, then the claims already linked to their line — each row written
/// once. Nothing for a roll not in draft.
///
/// On PostgreSQL the new rows' statistics are gathered before the
/// transaction ends, so the approval, export and return that follow at
/// once are not planned blind (an approval planned before them read every
/// line of every roll for each claim).
pub async fn generate_lines(tx: &mut Tx, roll_id: i64, now: DateTime<Utc>) -> Result<Generated> {
    let roll = get_roll(tx, roll_id).await?.ok_or(StoreError::NotFound)?;
    if roll.state != RollState::Draft {
        return update_totals(tx, roll_id, now).await;
    }
    let (from, to) = region_range(Some(&roll.region));
    let (month, paid_from, group) = (roll.month.yyyymm(), roll.paid_from.yyyymm(), roll.group.code());
    if let crate::TxConn::Postgres(conn) = &mut tx.conn {
        // A county set's roll sorts and hashes a million rows: in memory
        // (JIT is off for every connection: `Db::open`).
        sqlx::query("SET LOCAL work_mem = '256MB'").execute(&mut **conn).await?;
    }
    on_tx!(tx, |conn| {
        sqlx::query(OWED_TABLE).execute(&mut *conn).await?;
        sqlx::query(OWED_SQL).bind(month).bind(&from).bind(&to).bind(paid_from).bind(group).execute(&mut *conn).await?;
        0
    });
    // A temporary table has no statistics until asked: planned as a few
    // hundred rows, the lines' statement below probed an index per line and
    // sorted a million rows on disk.
    analyze_on_postgres(tx, "payment_owed").await?;
    on_tx!(tx, |conn| {
        sqlx::query(LINES_SQL).bind(roll_id).execute(&mut *conn).await?;
        sqlx::query(CLAIMS_SQL).bind(roll_id).execute(&mut *conn).await?;
        sqlx::query("DROP TABLE payment_owed").execute(&mut *conn).await?.rows_affected()
    });
    analyze_on_postgres(tx, "payment_line, payment_claim").await?;
    update_totals(tx, roll_id, now).await
}

/// Gathers PostgreSQL's statistics of `tables` (rows a statement of this
/// transaction just wrote, which the next ones would otherwise be planned
/// without); nothing on SQLite, whose statistics jiuzhu never gathers.
async fn analyze_on_postgres(tx: &mut Tx, tables: &'static str) -> Result<()> {
    if let crate::TxConn::Postgres(conn) = &mut tx.conn {
        sqlx::query(sqlx::AssertSqlSafe(format!("ANALYZE {tables}"))).execute(&mut **conn).await?;
    }
    Ok(())
}

async fn update_totals(tx: &mut Tx, roll_id: i64, now: DateTime<Utc>) -> Result<Generated> {
    on_tx!(tx, |conn| {
        sqlx::query(
            "UPDATE payment_roll SET
                 line_count = t.sent, total_fen = t.sent_fen, no_account_count = t.unsent,
                 no_account_fen = t.unsent_fen, updated_at = $2, version = version + 1
             FROM (SELECT COALESCE(SUM(CASE WHEN result <> 'no_account' THEN 1 ELSE 0 END), 0) AS sent,
                          CAST(COALESCE(SUM(CASE WHEN result <> 'no_account' THEN amount_fen ELSE 0 END), 0)
                               AS BIGINT) AS sent_fen,
                          COALESCE(SUM(CASE WHEN result = 'no_account' THEN 1 ELSE 0 END), 0) AS unsent,
                          CAST(COALESCE(SUM(CASE WHEN result = 'no_account' THEN amount_fen ELSE 0 END), 0)
                               AS BIGINT) AS unsent_fen
                   FROM payment_line WHERE roll_id = $1) t
             WHERE id = $1",
        )
        .bind(roll_id)
        .bind(now)
        .execute(&mut *conn)
        .await?
        .rows_affected()
    });
    let roll = get_roll(tx, roll_id).await?.ok_or(StoreError::NotFound)?;
    Ok(Generated { lines: roll.lines, total: roll.total, no_account_lines: roll.no_account_lines })
}

/// Approves a draft at `version`: the state, the approver, and its claims
/// made live, in the caller's transaction. The claims of lines without an
/// account are dropped (their months stay owed). `NotFound` when the roll
/// is not a draft at that version; [`ALREADY_PAID`] when a month is
/// already claimed live by another roll.
pub async fn approve_roll(tx: &mut Tx, roll_id: i64, version: i64, approver: &str, now: DateTime<Utc>) -> Result<()> {
    let done = on_tx!(tx, |conn| {
        sqlx::query(
            "UPDATE payment_roll SET state = 'approved', approved_by = $2, approved_at = $3, updated_at = $3,
                 version = version + 1
             WHERE id = $1 AND state = 'draft' AND version = $4",
        )
        .bind(roll_id)
        .bind(approver)
        .bind(now)
        .bind(version)
        .execute(&mut *conn)
        .await?
        .rows_affected()
    });
    if done != 1 {
        return Err(StoreError::NotFound);
    }
    on_tx!(tx, |conn| {
        // Each claim looks up its own line by id: `line_id IN (lines of the
        // roll)` was planned, on PostgreSQL, before the new roll's lines had
        // statistics — a nested loop reading every line of every roll for
        // each claim (still running after six minutes at 250,000 payees).
        sqlx::query(
            "DELETE FROM payment_claim WHERE roll_id = $1
               AND EXISTS (SELECT 1 FROM payment_line l WHERE l.id = payment_claim.line_id AND l.result = 'no_account')",
        )
        .bind(roll_id)
        .execute(&mut *conn)
        .await?;
        // A one-month line claims its month now, from its own columns; a
        // longer line's draft claims become live.
        sqlx::query(
            "INSERT INTO payment_claim (roll_id, line_id, kind, payee_key, household_id, person_id, program, month,
                                        fen, entitlement_id, state)
             SELECT roll_id, id, kind, payee_key, household_id, person_id, program, first_month, amount_fen,
                    entitlement_id, 'live'
             FROM payment_line WHERE roll_id = $1 AND month_count = 1 AND result <> 'no_account'
             ORDER BY id",
        )
        .bind(roll_id)
        .execute(&mut *conn)
        .await?;
        sqlx::query("UPDATE payment_claim SET state = 'live' WHERE roll_id = $1 AND state = 'draft'")
            .bind(roll_id)
            .execute(&mut *conn)
            .await?
            .rows_affected()
    });
    // The claims just written have no statistics yet: the return that
    // follows would be planned as if the roll had none.
    analyze_on_postgres(tx, "payment_claim").await
}

/// Releases a failed payment's held claims: the next roll (regular or
/// supplementary) claims and pays those months once.
pub async fn release_line(tx: &mut Tx, line_id: i64) -> Result<u64> {
    set_claims(tx, line_id, "held", "released").await
}

async fn set_claims(tx: &mut Tx, line_id: i64, from: &str, to: &str) -> Result<u64> {
    let done = on_tx!(tx, |conn| {
        sqlx::query("UPDATE payment_claim SET state = $1 WHERE line_id = $2 AND state = $3")
            .bind(to)
            .bind(line_id)
            .bind(from)
            .execute(&mut *conn)
            .await?
            .rows_affected()
    });
    Ok(done)
}

/// One line of a roll, as generated (frozen once approved).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineRow {
    pub id: i64,
    pub roll_id: i64,
    /// 序号, 1.. in the roll.
    pub seq: i64,
    pub kind: LineKind,
    pub key: PayeeKey,
    pub household_id: i64,
    /// The household's region when generated.
    pub region: String,
    /// The entitlement of the latest month paid.
    pub entitlement_id: i64,
    /// The months paid: `first` through `last`, `months` of them (a 补发
    /// line may skip a month paid or held in between).
    pub first: YearMonth,
    pub last: YearMonth,
    pub months: i64,
    pub amount: Fen,
    /// The payee (the head for a household line).
    pub payee_name: String,
    pub id_number: String,
    /// The account; none when no account was recorded.
    pub holder: Option<String>,
    pub account_name: Option<String>,
    pub bank: Option<String>,
    pub account_number: Option<String>,
    pub institution: Option<String>,
    pub result: LineResult,
    pub failure_reason: Option<String>,
}

type LineFlat =
    (i64, i64, i64, String, String, i64, String, String, i64, i64, i64, i64, i64, String, String, Option<String>);
type LineRest = (Option<String>, Option<String>, Option<String>, Option<String>, String, Option<String>);

const LINE_COLUMNS: &str = "id, roll_id, seq, kind, payee_key, household_id, program, region_code, entitlement_id, \
                            first_month, last_month, month_count, amount_fen, payee_name, id_number, holder";
const LINE_REST: &str = "account_name, bank, account_number, institution_name, result, failure_reason";

fn line_from((t, rest): (LineFlat, LineRest)) -> Result<LineRow> {
    let id = t.0;
    let payee = Payee::parse(&t.4).ok_or_else(|| corrupt("payee", id))?;
    let program = Program::parse(&t.6).ok_or_else(|| corrupt("program", id))?;
    let holder = t.15;
    let (account_name, bank, account_number, institution, result, failure_reason) = rest;
    Ok(LineRow {
        id,
        roll_id: t.1,
        seq: t.2,
        kind: LineKind::parse(&t.3).ok_or_else(|| corrupt("line kind", id))?,
        key: PayeeKey { payee, program },
        household_id: t.5,
        region: t.7,
        entitlement_id: t.8,
        first: month(t.9, id)?,
        last: month(t.10, id)?,
        months: t.11,
        amount: Fen(t.12),
        payee_name: t.13,
        id_number: t.14,
        holder,
        account_name,
        bank,
        account_number,
        institution,
        result: LineResult::parse(&result).ok_or_else(|| corrupt("result", id))?,
        failure_reason,
    })
}

/// A roll's lines by 序号 from `after` (exclusive), at most `limit`: the
/// lines of the bank file (those with an account, `result` not
/// `no_account`) and of the page.
pub async fn roll_lines(tx: &mut Tx, roll_id: i64, after: i64, limit: i64) -> Result<Vec<LineRow>> {
    // One query of every column (a tuple reads at most 16 at once, so the
    // row is read by index): a bank file reads a million lines this way.
    let sql = format!(
        "SELECT {LINE_COLUMNS}, {LINE_REST} FROM payment_line WHERE roll_id = $1 AND seq > $2 ORDER BY seq LIMIT $3"
    );
    let rows: Vec<(LineFlat, LineRest)> = on_tx!(tx, |conn| {
        let rows =
            sqlx::query(sqlx::AssertSqlSafe(sql)).bind(roll_id).bind(after).bind(limit).fetch_all(&mut *conn).await?;
        rows.iter()
            .map(|r| -> std::result::Result<(LineFlat, LineRest), sqlx::Error> {
                use sqlx::Row;
                Ok((
                    (
                        r.try_get(0)?,
                        r.try_get(1)?,
                        r.try_get(2)?,
                        r.try_get(3)?,
                        r.try_get(4)?,
                        r.try_get(5)?,
                        r.try_get(6)?,
                        r.try_get(7)?,
                        r.try_get(8)?,
                        r.try_get(9)?,
                        r.try_get(10)?,
                        r.try_get(11)?,
                        r.try_get(12)?,
                        r.try_get(13)?,
                        r.try_get(14)?,
                        r.try_get(15)?,
                    ),
                    (r.try_get(16)?, r.try_get(17)?, r.try_get(18)?, r.try_get(19)?, r.try_get(20)?, r.try_get(21)?),
                ))
            })
            .collect::<std::result::Result<Vec<_>, _>>()?
    });
    rows.into_iter().map(line_from).collect()
}

/// A line sent to the bank (it has an account), as the bank file says it
/// and its return is matched against it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentLine {
    pub seq: i64,
    /// The name the bank is told: the account's, else the payee's.
    pub name: String,
    pub id_number: String,
    pub account: String,
    pub bank: String,
    pub program: Program,
    pub kind: LineKind,
    pub first: YearMonth,
    pub last: YearMonth,
    pub amount: Fen,
}

type SentTuple = (i64, String, String, String, String, String, String, i64, i64, i64);

/// The lines sent (with an account) by 序号 from `after` (exclusive), at
/// most `limit`: ten columns of each, not the whole line (what the bank
/// file is written from and its return reconciled against; a roll has a
/// million lines).
pub async fn sent_lines(tx: &mut Tx, roll_id: i64, after: i64, limit: i64) -> Result<Vec<SentLine>> {
    let rows: Vec<SentTuple> = on_tx!(tx, |conn| {
        sqlx::query_as(
            "SELECT seq, COALESCE(account_name, payee_name), id_number, account_number, COALESCE(bank, ''),
                    program, kind, first_month, last_month, amount_fen
             FROM payment_line
             WHERE roll_id = $1 AND seq > $2 AND result <> 'no_account' AND account_number IS NOT NULL
             ORDER BY seq LIMIT $3",
        )
        .bind(roll_id)
        .bind(after)
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?
    });
    rows.into_iter()
        .map(|(seq, name, id_number, account, bank, program, kind, first, last, amount)| {
            Ok(SentLine {
                seq,
                name,
                id_number,
                account,
                bank,
                program: Program::parse(&program).ok_or_else(|| corrupt("program", roll_id))?,
                kind: LineKind::parse(&kind).ok_or_else(|| corrupt("line kind", roll_id))?,
                first: month(first, roll_id)?,
                last: month(last, roll_id)?,
                amount: Fen(amount),
            })
        })
        .collect()
}

/// The months a roll's lines claim: (payee line, month, fen, entitlement,
/// line id), by line and month — a draft's one-month lines claiming their
/// own month.
pub async fn roll_claims(tx: &mut Tx, roll_id: i64) -> Result<Vec<(PayeeKey, YearMonth, Fen, i64, i64)>> {
    let rows: Vec<(String, String, i64, i64, i64, i64)> = on_tx!(tx, |conn| {
        sqlx::query_as(
            "SELECT payee_key, program, month, fen, entitlement_id, line_id FROM (
                 SELECT payee_key, program, month, fen, entitlement_id, COALESCE(line_id, 0) AS line_id
                 FROM payment_claim WHERE roll_id = $1
                 UNION ALL
                 SELECT l.payee_key, l.program, l.first_month, l.amount_fen, l.entitlement_id, l.id
                 FROM payment_line l JOIN payment_roll r ON r.id = l.roll_id AND r.state = 'draft'
                 WHERE l.roll_id = $1 AND l.month_count = 1
             ) c ORDER BY line_id, month",
        )
        .bind(roll_id)
        .fetch_all(&mut *conn)
        .await?
    });
    rows.into_iter()
        .map(|(payee, program, m, fen, ent, line)| {
            let key = PayeeKey {
                payee: Payee::parse(&payee).ok_or_else(|| corrupt("payee", roll_id))?,
                program: Program::parse(&program).ok_or_else(|| corrupt("program", roll_id))?,
            };
            Ok((key, month(m, roll_id)?, Fen(fen), ent, line))
        })
        .collect()
}

/// Every live claim of payees of households inside `within`: (payee line,
/// month, fen), by payee and month. What has been paid (or sent).
pub async fn live_claims(tx: &mut Tx, within: &Within) -> Result<Vec<(PayeeKey, YearMonth, Fen)>> {
    let (from, to) = within.range();
    let rows: Vec<(String, String, i64, i64)> = on_tx!(tx, |conn| {
        sqlx::query_as(
            "SELECT c.payee_key, c.program, c.month, c.fen FROM payment_claim c
             JOIN household h ON h.id = c.household_id
             WHERE c.state = 'live' AND h.region_code >= $1 AND h.region_code < $2
             ORDER BY c.payee_key, c.program, c.month",
        )
        .bind(&from)
        .bind(&to)
        .fetch_all(&mut *conn)
        .await?
    });
    rows.into_iter()
        .map(|(payee, program, m, fen)| {
            let key = PayeeKey {
                payee: Payee::parse(&payee).ok_or_else(|| corrupt("payee", 0))?,
                program: Program::parse(&program).ok_or_else(|| corrupt("program", 0))?,
            };
            Ok((key, month(m, 0)?, Fen(fen)))
        })
        .collect()
}

/// The months taken (claimed live or held) of households inside `within`.
pub async fn taken_claims(tx: &mut Tx, within: &Within) -> Result<Vec<(PayeeKey, YearMonth)>> {
    let (from, to) = within.range();
    let rows: Vec<(String, String, i64)> = on_tx!(tx, |conn| {
        sqlx::query_as(
            "SELECT c.payee_key, c.program, c.month FROM payment_claim c
             JOIN household h ON h.id = c.household_id
             WHERE c.state IN ('live', 'held') AND h.region_code >= $1 AND h.region_code < $2",
        )
        .bind(&from)
        .bind(&to)
        .fetch_all(&mut *conn)
        .await?
    });
    rows.into_iter()
        .map(|(payee, program, m)| {
            let key = PayeeKey {
                payee: Payee::parse(&payee).ok_or_else(|| corrupt("payee", 0))?,
                program: Program::parse(&program).ok_or_else(|| corrupt("program", 0))?,
            };
            Ok((key, month(m, 0)?))
        })
        .collect()
}

/// A group's lines and total.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupTotal {
    /// The programme code, or the township's region code.
    pub key: String,
    /// The township's name (empty for a programme).
    pub name: String,
    pub kind: LineKind,
    pub lines: i64,
    pub amount: Fen,
}

/// A roll's totals by programme and kind of line (lines sent only).
pub async fn totals_by_program(tx: &mut Tx, roll_id: i64) -> Result<Vec<GroupTotal>> {
    let rows: Vec<(String, String, i64, i64)> = on_tx!(tx, |conn| {
        sqlx::query_as(
            "SELECT program, kind, COUNT(*), CAST(SUM(amount_fen) AS BIGINT) FROM payment_line
             WHERE roll_id = $1 AND result <> 'no_account'
             GROUP BY program, kind ORDER BY program, kind DESC",
        )
        .bind(roll_id)
        .fetch_all(&mut *conn)
        .await?
    });
    rows.into_iter()
        .map(|(key, kind, lines, fen)| {
            let kind = LineKind::parse(&kind).ok_or_else(|| corrupt("line kind", roll_id))?;
            Ok(GroupTotal { key, name: String::new(), kind, lines, amount: Fen(fen) })
        })
        .collect()
}

/// A roll's totals by township and kind of line (lines sent only).
pub async fn totals_by_township(tx: &mut Tx, roll_id: i64) -> Result<Vec<GroupTotal>> {
    let rows: Vec<(String, Option<String>, String, i64, i64)> = on_tx!(tx, |conn| {
        sqlx::query_as(
            "SELECT t.code, r.name, t.kind, t.n, t.fen FROM (
                 SELECT SUBSTR(region_code, 1, 9) || '000' AS code, kind, COUNT(*) AS n,
                        CAST(SUM(amount_fen) AS BIGINT) AS fen
                 FROM payment_line WHERE roll_id = $1 AND result <> 'no_account'
                 GROUP BY SUBSTR(region_code, 1, 9), kind) t
             LEFT JOIN region r ON r.code = t.code
             ORDER BY t.code, t.kind DESC",
        )
        .bind(roll_id)
        .fetch_all(&mut *conn)
        .await?
    });
    rows.into_iter()
        .map(|(key, name, kind, lines, fen)| {
            let kind = LineKind::parse(&kind).ok_or_else(|| corrupt("line kind", roll_id))?;
            Ok(GroupTotal { key, name: name.unwrap_or_default(), kind, lines, amount: Fen(fen) })
        })
        .collect()
}

/// The regular roll of the same region and group the month before, if
/// one was approved.
pub async fn previous_roll(tx: &mut Tx, roll: &RollRow) -> Result<Option<RollRow>> {
    let sql = format!(
        "SELECT {ROLL_COLUMNS} FROM payment_roll
         WHERE region_code = $1 AND program_group = $2 AND month = $3 AND kind = 'regular' AND state <> 'draft'"
    );
    Ok(roll_rows!(tx, sql, roll.region.as_str(), roll.group.code(), roll.month.prev().yyyymm())?.pop())
}

/// A difference from the previous month, with the payee's name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DifferenceRow {
    pub difference: Difference,
    pub household_id: i64,
    pub payee_name: String,
}

/// A payee is matched within its household (`payment_line_roll_household_idx`):
/// a payee line is paid in one household's name.
const DIFF_SQL: &str = "
SELECT 'new' AS c, l.payee_key AS k, l.program AS p, l.household_id AS h, l.payee_name AS n,
       0 AS a, l.amount_fen AS b, 0 AS m
FROM payment_line l
WHERE l.roll_id = $1 AND l.kind = 'current'
  AND NOT EXISTS (SELECT 1 FROM payment_line q WHERE q.household_id = l.household_id AND q.roll_id = $2
                  AND q.kind = 'current' AND q.payee_key = l.payee_key AND q.program = l.program)
UNION ALL
SELECT 'changed', l.payee_key, l.program, l.household_id, l.payee_name, q.amount_fen, l.amount_fen, 0
FROM payment_line l JOIN payment_line q ON q.household_id = l.household_id AND q.roll_id = $2
     AND q.kind = 'current' AND q.payee_key = l.payee_key AND q.program = l.program
WHERE l.roll_id = $1 AND l.kind = 'current' AND q.amount_fen <> l.amount_fen
UNION ALL
SELECT 'stopped', q.payee_key, q.program, q.household_id, q.payee_name, q.amount_fen, 0, 0
FROM payment_line q
WHERE q.roll_id = $2 AND q.kind = 'current'
  AND NOT EXISTS (SELECT 1 FROM payment_line l WHERE l.household_id = q.household_id AND l.roll_id = $1
                  AND l.kind = 'current' AND l.payee_key = q.payee_key AND l.program = q.program)
UNION ALL
SELECT 'backpay', l.payee_key, l.program, l.household_id, l.payee_name, 0, l.amount_fen, l.month_count
FROM payment_line l
WHERE l.roll_id = $1 AND l.kind = 'backpay'";

/// The differences of a roll from `previous` (every current line is new
/// without one), by payee, at most `limit`; and how many of each kind of
/// change there are in all (new, stopped, changed, back-pay).
pub async fn differences(
    tx: &mut Tx,
    roll_id: i64,
    previous: Option<i64>,
    limit: i64,
) -> Result<(Vec<DifferenceRow>, DifferenceCounts)> {
    let previous = previous.unwrap_or(0);
    let list = format!("SELECT c, k, p, h, n, a, b, m FROM ({DIFF_SQL}) d ORDER BY k, p, c LIMIT $3");
    let count = format!("SELECT d.c, COUNT(*) FROM ({DIFF_SQL}) d GROUP BY d.c");
    type Row = (String, String, String, i64, String, i64, i64, i64);
    let (rows, counts): (Vec<Row>, Vec<(String, i64)>) = on_tx!(tx, |conn| {
        let rows = sqlx::query_as(sqlx::AssertSqlSafe(list))
            .bind(roll_id)
            .bind(previous)
            .bind(limit)
            .fetch_all(&mut *conn)
            .await?;
        let counts =
            sqlx::query_as(sqlx::AssertSqlSafe(count)).bind(roll_id).bind(previous).fetch_all(&mut *conn).await?;
        (rows, counts)
    });
    let mut totals = DifferenceCounts::default();
    for (change, n) in counts {
        match change.as_str() {
            "new" => totals.new = n,
            "changed" => totals.changed = n,
            "stopped" => totals.stopped = n,
            _ => totals.backpay = n,
        }
    }
    let rows = rows
        .into_iter()
        .map(|(change, payee, program, household_id, payee_name, from, to, months)| {
            let key = PayeeKey {
                payee: Payee::parse(&payee).ok_or_else(|| corrupt("payee", roll_id))?,
                program: Program::parse(&program).ok_or_else(|| corrupt("program", roll_id))?,
            };
            let difference = match change.as_str() {
                "new" => Difference::New { key, amount: Fen(to) },
                "changed" => Difference::Changed { key, from: Fen(from), to: Fen(to) },
                "stopped" => Difference::Stopped { key, amount: Fen(from) },
                _ => Difference::Backpay { key, months: u32::try_from(months).unwrap_or(u32::MAX), amount: Fen(to) },
            };
            Ok(DifferenceRow { difference, household_id, payee_name })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok((rows, totals))
}

/// How many differences of each kind a roll has.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DifferenceCounts {
    pub new: i64,
    pub stopped: i64,
    pub changed: i64,
    pub backpay: i64,
}
