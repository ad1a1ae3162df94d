//! What was paid, counted in SQL (issue 12 points 4 and 7): the month by
//! month figures of the county overview ([`monthly`]) and a roll's totals
//! ([`roll_totals`]). Both are single set-based statements over
//! `payment_roll`, `payment_line` and `payment_claim` (migration 0013), the
//! same text on SQLite and PostgreSQL, answered from the existing indexes
//! (`payment_roll_month_idx`, `payment_line_roll_id_key`,
//! `payment_claim_roll_idx`, `payment_claim_month_idx`).
//!
//! What is counted: lines with an account (`result <> 'no_account'`) are
//! *prepared*; those of a roll whose bank file was exported (`exported`,
//! `closed`) are *sent*; `paid` and `failed` are the bank's return. A
//! failed line's month is *re-paid* when another roll's line that the
//! bank paid claims it live (the correction released it, a supplementary
//! or later roll paid it). People are payees (`payee_key`), counted once
//! per month and programme.

use jiuzhu_domain::entitlement::YearMonth;
use jiuzhu_domain::payment::totals::{RollTotals, Tally};
use jiuzhu_domain::{Fen, Program};

use crate::{Result, StoreError, Tx, Within, on_tx};

/// One month and programme of the overview.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthProgram {
    pub month: YearMonth,
    pub program: Program,
    /// Lines with an account in the month's rolls (drafts included).
    pub prepared_people: i64,
    pub prepared: Fen,
    /// Lines in exported bank files.
    pub sent_people: i64,
    pub sent: Fen,
    /// Lines the bank paid.
    pub paid_people: i64,
    pub paid: Fen,
    /// Lines the bank failed.
    pub failed_people: i64,
    pub failed: Fen,
}

type MonthTuple = (i64, String, i64, i64, i64, i64, i64, i64, i64, i64);

/// The figures of every month `from` through `to` and programme, of the
/// rolls whose region is inside `within`, by month and programme. Months
/// and programmes without a line are absent.
pub async fn monthly(tx: &mut Tx, within: &Within, from: YearMonth, to: YearMonth) -> Result<Vec<MonthProgram>> {
    let (lo, hi) = within.range();
    let rows: Vec<MonthTuple> = on_tx!(tx, |conn| {
        sqlx::query_as(
            "SELECT r.month, l.program,
                 COUNT(DISTINCT l.payee_key),
                 CAST(SUM(l.amount_fen) AS BIGINT),
                 COUNT(DISTINCT CASE WHEN r.state IN ('exported', 'closed') THEN l.payee_key END),
                 CAST(SUM(CASE WHEN r.state IN ('exported', 'closed') THEN l.amount_fen ELSE 0 END) AS BIGINT),
                 COUNT(DISTINCT CASE WHEN l.result = 'paid' THEN l.payee_key END),
                 CAST(SUM(CASE WHEN l.result = 'paid' THEN l.amount_fen ELSE 0 END) AS BIGINT),
                 COUNT(DISTINCT CASE WHEN l.result = 'failed' THEN l.payee_key END),
                 CAST(SUM(CASE WHEN l.result = 'failed' THEN l.amount_fen ELSE 0 END) AS BIGINT)
             FROM payment_roll r JOIN payment_line l ON l.roll_id = r.id
             WHERE r.month >= $1 AND r.month <= $2 AND r.region_code >= $3 AND r.region_code < $4
               AND l.result <> 'no_account'
             GROUP BY r.month, l.program
             ORDER BY r.month, l.program",
        )
        .bind(from.yyyymm())
        .bind(to.yyyymm())
        .bind(&lo)
        .bind(&hi)
        .fetch_all(&mut *conn)
        .await?
    });
    rows.into_iter()
        .map(|t| {
            let bad =
                |what: &str| StoreError::Database(sqlx::Error::Decode(format!("payment overview: bad {what}").into()));
            Ok(MonthProgram {
                month: YearMonth::from_yyyymm(t.0).ok_or_else(|| bad("month"))?,
                program: Program::parse(&t.1).ok_or_else(|| bad("program"))?,
                prepared_people: t.2,
                prepared: Fen(t.3),
                sent_people: t.4,
                sent: Fen(t.5),
                paid_people: t.6,
                paid: Fen(t.7),
                failed_people: t.8,
                failed: Fen(t.9),
            })
        })
        .collect()
}

/// A roll's totals: prepared, not sent, sent, paid, failed and re-paid
/// (outstanding follows from them, `RollTotals::outstanding`).
pub async fn roll_totals(tx: &mut Tx, roll_id: i64) -> Result<RollTotals> {
    type Counts = (i64, i64, i64, i64, i64, i64, i64, i64, i64, i64);
    let (lines, repaid): (Counts, (i64, i64)) = on_tx!(tx, |conn| {
        let lines: Counts = sqlx::query_as(
            "SELECT
                 COALESCE(SUM(CASE WHEN l.result <> 'no_account' THEN 1 ELSE 0 END), 0),
                 CAST(COALESCE(SUM(CASE WHEN l.result <> 'no_account' THEN l.amount_fen ELSE 0 END), 0) AS BIGINT),
                 COALESCE(SUM(CASE WHEN l.result = 'no_account' THEN 1 ELSE 0 END), 0),
                 CAST(COALESCE(SUM(CASE WHEN l.result = 'no_account' THEN l.amount_fen ELSE 0 END), 0) AS BIGINT),
                 COALESCE(SUM(CASE WHEN l.result <> 'no_account' AND r.state IN ('exported', 'closed')
                              THEN 1 ELSE 0 END), 0),
                 CAST(COALESCE(SUM(CASE WHEN l.result <> 'no_account' AND r.state IN ('exported', 'closed')
                              THEN l.amount_fen ELSE 0 END), 0) AS BIGINT),
                 COALESCE(SUM(CASE WHEN l.result = 'paid' THEN 1 ELSE 0 END), 0),
                 CAST(COALESCE(SUM(CASE WHEN l.result = 'paid' THEN l.amount_fen ELSE 0 END), 0) AS BIGINT),
                 COALESCE(SUM(CASE WHEN l.result = 'failed' THEN 1 ELSE 0 END), 0),
                 CAST(COALESCE(SUM(CASE WHEN l.result = 'failed' THEN l.amount_fen ELSE 0 END), 0) AS BIGINT)
             FROM payment_roll r LEFT JOIN payment_line l ON l.roll_id = r.id
             WHERE r.id = $1",
        )
        .bind(roll_id)
        .fetch_one(&mut *conn)
        .await?;
        // Each failed line's months, and those another roll's paid line
        // claims live: a line is re-paid when all of its months are.
        let repaid: (i64, i64) = sqlx::query_as(
            "SELECT COALESCE(SUM(CASE WHEN t.repaid_months = t.months THEN 1 ELSE 0 END), 0),
                    CAST(COALESCE(SUM(t.repaid_fen), 0) AS BIGINT)
             FROM (
                 SELECT f.line_id, COUNT(*) AS months, SUM(f.repaid) AS repaid_months,
                        SUM(f.repaid * f.fen) AS repaid_fen
                 FROM (
                     SELECT c.line_id, c.fen,
                            CASE WHEN EXISTS (
                                SELECT 1 FROM payment_claim c2 JOIN payment_line l2 ON l2.id = c2.line_id
                                WHERE c2.payee_key = c.payee_key AND c2.program = c.program
                                  AND c2.month = c.month AND c2.state = 'live'
                                  AND c2.roll_id <> c.roll_id AND l2.result = 'paid'
                            ) THEN 1 ELSE 0 END AS repaid
                     FROM payment_claim c JOIN payment_line l ON l.id = c.line_id
                     WHERE c.roll_id = $1 AND l.roll_id = $1 AND l.result = 'failed'
                 ) f
                 GROUP BY f.line_id
             ) t",
        )
        .bind(roll_id)
        .fetch_one(&mut *conn)
        .await?;
        (lines, repaid)
    });
    Ok(RollTotals {
        prepared: Tally::new(lines.0, lines.1),
        not_sent: Tally::new(lines.2, lines.3),
        sent: Tally::new(lines.4, lines.5),
        paid: Tally::new(lines.6, lines.7),
        failed: Tally::new(lines.8, lines.9),
        repaid: Tally::new(repaid.0, repaid.1),
    })
}
