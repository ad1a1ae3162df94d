//! What has been paid, read back (issue 12 points 6 and 7; reads only): a
//! household's payment lines with their roll, the bank's return and any
//! correction; the lines of a village's month for its publication; the
//! villages with something to publish; and the publications made, which
//! are recorded as audit records (`payment_publication_published`, the
//! village as its region and the month as its target) rather than in a
//! table of their own.
//!
//! Only lines of rolls past their draft are read: a draft is not a payment
//! yet and may still change.

use chrono::{DateTime, Utc};
use jiuzhu_domain::entitlement::YearMonth;
use jiuzhu_domain::payment::roll::{LineKind, LineResult, Payee, PayeeKey, RollKind, RollState};
use jiuzhu_domain::{Fen, Program, RegionCode};

use crate::sql::region_range;
use crate::{Result, StoreError, Tx, Within, on_tx};

/// The audit action that records a publication.
pub const PUBLISHED: &str = "payment_publication_published";
/// The kind of record a publication's audit record names.
pub const PUBLICATION: &str = "payment_publication";

fn corrupt(what: &str, id: i64) -> StoreError {
    StoreError::Database(sqlx::Error::Decode(format!("payment line {id}: bad {what}").into()))
}

fn month(n: i64, id: i64) -> Result<YearMonth> {
    YearMonth::from_yyyymm(n).ok_or_else(|| corrupt("month", id))
}

/// One payment line of a household, with its roll and what became of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryLine {
    pub line_id: i64,
    pub roll_id: i64,
    pub roll_month: YearMonth,
    pub roll_kind: RollKind,
    pub roll_state: RollState,
    pub kind: LineKind,
    pub key: PayeeKey,
    pub household_id: i64,
    /// The payee as the roll recorded them (the head for a household line).
    pub payee_name: String,
    pub id_number: String,
    pub first: YearMonth,
    pub last: YearMonth,
    pub months: i64,
    pub amount: Fen,
    pub result: LineResult,
    pub failure_reason: Option<String>,
    pub approved_at: Option<DateTime<Utc>>,
    /// When the bank's return was imported (the day it was known paid).
    pub returned_at: Option<DateTime<Utc>>,
    /// A failed line's correction: whether it is still open, and when it
    /// was resolved.
    pub correction_open: Option<bool>,
    pub correction_resolved_at: Option<DateTime<Utc>>,
}

type Flat = (i64, i64, i64, String, String, String, String, String, i64, String, String, i64, i64, i64, i64, String);
type Rest = (Option<String>, Option<DateTime<Utc>>, Option<DateTime<Utc>>, Option<String>, Option<DateTime<Utc>>);

/// Roll by roll (`payment_line_roll_household_idx`; the CROSS JOIN keeps
/// SQLite from reading every line first).
const FROM: &str = "FROM payment_roll r CROSS JOIN payment_line l
     LEFT JOIN payment_return pr ON pr.roll_id = r.id
     LEFT JOIN payment_correction c ON c.line_id = l.id
     WHERE l.roll_id = r.id AND l.household_id = $1 AND r.state <> 'draft'
     ORDER BY r.month DESC, r.id DESC, l.seq";

fn history_from((t, rest): (Flat, Rest)) -> Result<HistoryLine> {
    let id = t.0;
    let (failure_reason, approved_at, returned_at, correction, resolved_at) = rest;
    Ok(HistoryLine {
        line_id: id,
        roll_id: t.1,
        roll_month: month(t.2, id)?,
        roll_kind: RollKind::parse(&t.3).ok_or_else(|| corrupt("roll kind", id))?,
        roll_state: RollState::parse(&t.4).ok_or_else(|| corrupt("roll state", id))?,
        kind: LineKind::parse(&t.5).ok_or_else(|| corrupt("line kind", id))?,
        key: PayeeKey {
            payee: Payee::parse(&t.6).ok_or_else(|| corrupt("payee", id))?,
            program: Program::parse(&t.7).ok_or_else(|| corrupt("program", id))?,
        },
        household_id: t.8,
        payee_name: t.9,
        id_number: t.10,
        first: month(t.11, id)?,
        last: month(t.12, id)?,
        months: t.13,
        amount: Fen(t.14),
        result: LineResult::parse(&t.15).ok_or_else(|| corrupt("result", id))?,
        failure_reason,
        approved_at,
        returned_at,
        correction_open: correction.map(|state| state == "open"),
        correction_resolved_at: resolved_at,
    })
}

/// Every line of a household in rolls past their draft, newest roll first
/// (by 序号 within a roll).
pub async fn household_lines(tx: &mut Tx, household_id: i64) -> Result<Vec<HistoryLine>> {
    let flat = format!(
        "SELECT l.id, l.roll_id, r.month, r.kind, r.state, l.kind, l.payee_key, l.program, l.household_id,
                l.payee_name, l.id_number, l.first_month, l.last_month, l.month_count, l.amount_fen, l.result {FROM}"
    );
    let rest = format!("SELECT l.failure_reason, r.approved_at, pr.imported_at, c.state, c.resolved_at {FROM}");
    let (a, b): (Vec<Flat>, Vec<Rest>) = on_tx!(tx, |conn| {
        let a = sqlx::query_as(sqlx::AssertSqlSafe(flat)).bind(household_id).fetch_all(&mut *conn).await?;
        let b = sqlx::query_as(sqlx::AssertSqlSafe(rest)).bind(household_id).fetch_all(&mut *conn).await?;
        (a, b)
    });
    a.into_iter().zip(b).map(history_from).collect()
}

/// A line of a village's month as the publication reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VillageLine {
    pub roll_id: i64,
    pub approved_at: Option<DateTime<Utc>>,
    pub kind: LineKind,
    pub key: PayeeKey,
    pub household_id: i64,
    pub payee_name: String,
    /// The members of the household now.
    pub members: i64,
    pub first: YearMonth,
    pub last: YearMonth,
    pub months: i64,
    pub amount: Fen,
    pub result: LineResult,
}

type VillageTuple = (i64, Option<DateTime<Utc>>, String, String, String, i64, String, i64, i64, i64, i64, i64, String);

/// The lines of the month's rolls past their draft whose household was in
/// `village` (or one of its groups) when generated and that were sent (not
/// `no_account`), by household and payee. The caller keeps those the
/// publication shows.
pub async fn village_lines(tx: &mut Tx, village: &RegionCode, of: YearMonth) -> Result<Vec<VillageLine>> {
    let (from, to) = region_range(Some(village));
    let rows: Vec<VillageTuple> = on_tx!(tx, |conn| {
        sqlx::query_as(
            "SELECT l.roll_id, r.approved_at, l.kind, l.payee_key, l.program, l.household_id, l.payee_name,
                    (SELECT COUNT(*) FROM person p WHERE p.household_id = l.household_id),
                    l.first_month, l.last_month, l.month_count, l.amount_fen, l.result
             FROM payment_roll r JOIN payment_line l ON l.roll_id = r.id
             WHERE r.month = $1 AND r.state <> 'draft' AND l.region_code >= $2 AND l.region_code < $3
               AND l.result <> 'no_account'
             ORDER BY l.household_id, l.payee_key, l.program, l.kind DESC, l.roll_id, l.seq",
        )
        .bind(of.yyyymm())
        .bind(&from)
        .bind(&to)
        .fetch_all(&mut *conn)
        .await?
    });
    rows.into_iter()
        .map(|t| {
            let id = t.0;
            Ok(VillageLine {
                roll_id: id,
                approved_at: t.1,
                kind: LineKind::parse(&t.2).ok_or_else(|| corrupt("line kind", id))?,
                key: PayeeKey {
                    payee: Payee::parse(&t.3).ok_or_else(|| corrupt("payee", id))?,
                    program: Program::parse(&t.4).ok_or_else(|| corrupt("program", id))?,
                },
                household_id: t.5,
                payee_name: t.6,
                members: t.7,
                first: month(t.8, id)?,
                last: month(t.9, id)?,
                months: t.10,
                amount: Fen(t.11),
                result: LineResult::parse(&t.12).ok_or_else(|| corrupt("result", id))?,
            })
        })
        .collect()
}

/// A village's month: how many lines were paid or are waiting, and their total.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VillageMonth {
    pub village: String,
    pub lines: i64,
    pub total: Fen,
}

/// The villages inside `within` with lines paid or waiting in the month's
/// rolls past their draft (a household of a group counted in its village),
/// by region code.
pub async fn villages_of_month(tx: &mut Tx, within: &Within, of: YearMonth) -> Result<Vec<VillageMonth>> {
    let (from, to) = within.range();
    let rows: Vec<(String, i64, i64)> = on_tx!(tx, |conn| {
        sqlx::query_as(
            "SELECT SUBSTR(l.region_code, 1, 12), COUNT(*), CAST(SUM(l.amount_fen) AS BIGINT)
             FROM payment_roll r JOIN payment_line l ON l.roll_id = r.id
             WHERE r.month = $1 AND r.state <> 'draft' AND l.result IN ('pending', 'paid')
               AND l.region_code >= $2 AND l.region_code < $3
             GROUP BY SUBSTR(l.region_code, 1, 12) ORDER BY SUBSTR(l.region_code, 1, 12)",
        )
        .bind(of.yyyymm())
        .bind(&from)
        .bind(&to)
        .fetch_all(&mut *conn)
        .await?
    });
    Ok(rows.into_iter().map(|(village, lines, total)| VillageMonth { village, lines, total: Fen(total) }).collect())
}

/// A publication made: the village, the month and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Published {
    pub village: String,
    pub month: YearMonth,
    pub at: DateTime<Utc>,
}

/// The publications recorded (allowed `payment_publication_published`
/// audit records), of one village or of every village, oldest first.
pub async fn publications(tx: &mut Tx, village: Option<&str>) -> Result<Vec<Published>> {
    let rows: Vec<(String, String, DateTime<Utc>)> = on_tx!(tx, |conn| {
        sqlx::query_as(
            "SELECT region_code, target_id, at FROM audit_event
             WHERE target_kind = $1 AND action = $2 AND outcome = 'allowed' AND ($3 = '' OR region_code = $3)
             ORDER BY seq",
        )
        .bind(PUBLICATION)
        .bind(PUBLISHED)
        .bind(village.unwrap_or_default())
        .fetch_all(&mut *conn)
        .await?
    });
    Ok(rows
        .into_iter()
        .filter_map(|(village, target, at)| {
            let month = target.parse().ok().and_then(YearMonth::from_yyyymm)?;
            Some(Published { village, month, at })
        })
        .collect())
}
