//! Queries of entitlements (待遇): what each decision grants, month by month.
//! Months are stored as integers `YYYYMM`; an open entitlement has no last
//! month. Rows are ended, never deleted; a change ends one and inserts the
//! next (the rules are `jiuzhu_domain::entitlement`).

use chrono::{DateTime, Utc};
use jiuzhu_domain::entitlement::{EndReason, Ending, Entitlement, Grant, Recipient, YearMonth};
use jiuzhu_domain::{Fen, Program};

use crate::{Result, StoreError, Tx, on_tx};

type EntitlementTuple = (i64, i64, Option<i64>, String, i64, i64, Option<i64>, Option<i64>, String, Option<String>);
const COLUMNS: &str = "id, household_id, person_id, program, monthly_fen, first_month, last_month, case_id, \
                       policy_versions, ended_reason";

fn corrupt(what: &str, id: i64) -> StoreError {
    StoreError::Database(sqlx::Error::Decode(format!("entitlement {id}: bad {what}").into()))
}

fn entitlement_from(t: EntitlementTuple) -> Result<Entitlement> {
    let (id, household, person, program, monthly, first, last, case_id, versions, ended) = t;
    let month = |n: i64| YearMonth::from_yyyymm(n).ok_or_else(|| corrupt("month", id));
    Ok(Entitlement {
        id,
        household,
        recipient: person.map_or(Recipient::Household, Recipient::Person),
        program: Program::parse(&program).ok_or_else(|| corrupt("program", id))?,
        monthly: Fen(monthly),
        first: month(first)?,
        last: last.map(month).transpose()?,
        decision: case_id,
        policy_versions: serde_json::from_str(&versions).map_err(|_| corrupt("policy versions", id))?,
        ended: ended.map(|r| EndReason::parse(&r).ok_or_else(|| corrupt("end reason", id))).transpose()?,
    })
}

/// Stores a granted entitlement (open: no last month); its id.
pub async fn insert_entitlement(tx: &mut Tx, grant: &Grant, now: DateTime<Utc>) -> Result<i64> {
    let versions = serde_json::to_string(&grant.policy_versions).unwrap_or_else(|_| "[]".into());
    let (id,): (i64,) = on_tx!(tx, |conn| {
        sqlx::query_as(
            "INSERT INTO entitlement (household_id, person_id, program, monthly_fen, first_month, last_month,
             case_id, policy_versions, ended_reason, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, NULL, $6, $7, NULL, $8, $8) RETURNING id",
        )
        .bind(grant.household)
        .bind(grant.recipient.person())
        .bind(grant.program.code())
        .bind(grant.monthly.0)
        .bind(grant.first.yyyymm())
        .bind(grant.decision)
        .bind(&versions)
        .bind(now)
        .fetch_one(&mut *conn)
        .await?
    });
    Ok(id)
}

/// Ends an entitlement that has not ended yet; `NotFound` if there is none.
pub async fn end_entitlement(tx: &mut Tx, ending: &Ending, now: DateTime<Utc>) -> Result<()> {
    let done = on_tx!(tx, |conn| {
        sqlx::query(
            "UPDATE entitlement SET last_month = $1, ended_reason = $2, updated_at = $3
             WHERE id = $4 AND ended_reason IS NULL",
        )
        .bind(ending.last.yyyymm())
        .bind(ending.reason.code())
        .bind(now)
        .bind(ending.id)
        .execute(&mut *conn)
        .await?
        .rows_affected()
    });
    if done == 1 { Ok(()) } else { Err(StoreError::NotFound) }
}

pub async fn get_entitlement(tx: &mut Tx, id: i64) -> Result<Option<Entitlement>> {
    let sql = format!("SELECT {COLUMNS} FROM entitlement WHERE id = $1");
    let row: Option<EntitlementTuple> =
        on_tx!(tx, |conn| sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(&mut *conn).await?);
    row.map(entitlement_from).transpose()
}

/// A household's entitlements (its own and its members'), oldest first.
pub async fn household_entitlements(tx: &mut Tx, household_id: i64) -> Result<Vec<Entitlement>> {
    let sql = format!("SELECT {COLUMNS} FROM entitlement WHERE household_id = $1 ORDER BY first_month, id");
    let rows: Vec<EntitlementTuple> =
        on_tx!(tx, |conn| sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(household_id).fetch_all(&mut *conn).await?);
    rows.into_iter().map(entitlement_from).collect()
}

/// The entitlements of one recipient and programme (a member's wherever
/// their household was), oldest first.
pub async fn line_entitlements(
    tx: &mut Tx,
    household_id: i64,
    recipient: Recipient,
    program: Program,
) -> Result<Vec<Entitlement>> {
    let rows: Vec<EntitlementTuple> = match recipient {
        Recipient::Household => {
            let sql = format!(
                "SELECT {COLUMNS} FROM entitlement WHERE household_id = $1 AND person_id IS NULL AND program = $2
                 ORDER BY first_month, id"
            );
            on_tx!(tx, |conn| {
                sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(household_id)
                    .bind(program.code())
                    .fetch_all(&mut *conn)
                    .await?
            })
        }
        Recipient::Person(person) => {
            let sql = format!(
                "SELECT {COLUMNS} FROM entitlement WHERE person_id = $1 AND program = $2 ORDER BY first_month, id"
            );
            on_tx!(tx, |conn| {
                sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(person).bind(program.code()).fetch_all(&mut *conn).await?
            })
        }
    };
    rows.into_iter().map(entitlement_from).collect()
}

/// Gives the households written at `written_at` (by one import, inside
/// `region`; everywhere without one) that the registry lists under a monthly
/// programme (低保, 特困) with an amount, and that hold no entitlement of it
/// yet, a household entitlement of that amount from `first`, without a
/// decision: the enrolments a roster brings (migration 0009 did the same for
/// the data before it). An entitlement that ended is never started again
/// this way. How many were started.
pub async fn enrol_from_registry(
    tx: &mut Tx,
    within: &crate::Within,
    written_at: DateTime<Utc>,
    first: YearMonth,
) -> Result<u64> {
    let (from, to) = within.range();
    // PostgreSQL plans the statement while `entitlement` may be empty (a
    // first import, the demo): a nested loop whose inner side scans the
    // table being inserted into, every row added so far read again for each
    // household — quadratic (minutes at 250,000 households). A hash anti-join
    // reads it once, before the first insert.
    let postgres = matches!(tx.conn, crate::TxConn::Postgres(_));
    if postgres {
        on_tx!(tx, |conn| {
            sqlx::query("SET LOCAL enable_nestloop = off").execute(&mut *conn).await?;
        });
    }
    let done = on_tx!(tx, |conn| {
        sqlx::query(
            "INSERT INTO entitlement (household_id, person_id, program, monthly_fen, first_month, last_month, case_id,
             policy_versions, ended_reason, created_at, updated_at)
             SELECT h.id, NULL, h.program, h.monthly_benefit_fen, $1, NULL, NULL, '[]', NULL, $2, $2
             FROM household h
             WHERE h.region_code >= $3 AND h.region_code < $4 AND h.updated_at = $2
               AND h.program IN ('dibao', 'tekun') AND h.monthly_benefit_fen IS NOT NULL AND h.monthly_benefit_fen >= 0
               AND NOT EXISTS (SELECT 1 FROM entitlement e WHERE e.household_id = h.id AND e.program = h.program)",
        )
        .bind(first.yyyymm())
        .bind(written_at)
        .bind(&from)
        .bind(&to)
        .execute(&mut *conn)
        .await?
        .rows_affected()
    });
    if postgres {
        on_tx!(tx, |conn| {
            sqlx::query("SET LOCAL enable_nestloop TO DEFAULT").execute(&mut *conn).await?;
        });
    }
    Ok(done)
}
