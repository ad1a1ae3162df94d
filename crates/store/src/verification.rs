//! Queries of economic verification: department data deliveries and their
//! records, verification runs and results (with the policy thresholds each
//! used), objections. Region policies are in [`crate::policy`].
//!
//! Deliveries are never changed or deleted once written: a result names
//! the deliveries it used, so its report can be re-created exactly after
//! newer data arrives. Records are bulk-loaded, with `COPY` on PostgreSQL
//! and multi-row inserts in one transaction on SQLite.

use chrono::{DateTime, NaiveDate, Utc};
use jiuzhu_domain::RegionCode;

use crate::sql::{Param, Sql, bind_params};
use crate::{Result, Tx, TxConn, on_tx};

/// A delivery's description, as recorded at import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryDraft {
    pub kind: String,
    pub department: String,
    pub as_of: NaiveDate,
    pub file_name: String,
    pub format: String,
    pub rows_read: i64,
    pub rows_rejected: i64,
    pub imported_by: String,
    pub imported_at: DateTime<Utc>,
}

/// A stored delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryRecord {
    pub id: i64,
    pub draft: DeliveryDraft,
}

/// One department record to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeptRow {
    pub line: i64,
    /// The packed ID number (`IdNumber::to_u64`), stored bit for bit.
    pub person_key: u64,
    pub id_number: String,
    pub amount: Option<i64>,
    pub category: Option<String>,
    /// The normalised values as a JSON object.
    pub data: String,
}

/// A stored record as a report shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRecord {
    pub delivery_id: i64,
    pub line: i64,
    pub id_number: String,
    pub amount: Option<i64>,
    pub category: Option<String>,
    pub data: String,
}

/// A rejected row of a delivery: the message as JSON (`Message`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RejectionRow {
    pub line: Option<i64>,
    pub column: String,
    pub message: String,
}

const DELIVERY_COLUMNS: &str =
    "id, kind, department, as_of, file_name, format, rows_read, rows_rejected, imported_by, imported_at";
type DeliveryTuple = (i64, String, String, NaiveDate, String, String, i64, i64, String, DateTime<Utc>);

fn delivery_from(t: DeliveryTuple) -> DeliveryRecord {
    let (id, kind, department, as_of, file_name, format, rows_read, rows_rejected, imported_by, imported_at) = t;
    DeliveryRecord {
        id,
        draft: DeliveryDraft {
            kind,
            department,
            as_of,
            file_name,
            format,
            rows_read,
            rows_rejected,
            imported_by,
            imported_at,
        },
    }
}

pub async fn insert_delivery(tx: &mut Tx, d: &DeliveryDraft) -> Result<i64> {
    let (id,): (i64,) = on_tx!(tx, |conn| {
        sqlx::query_as(
            "INSERT INTO delivery (kind, department, as_of, file_name, format, rows_read, rows_rejected, imported_by, imported_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        .bind(&d.kind)
        .bind(&d.department)
        .bind(d.as_of)
        .bind(&d.file_name)
        .bind(&d.format)
        .bind(d.rows_read)
        .bind(d.rows_rejected)
        .bind(&d.imported_by)
        .bind(d.imported_at)
        .fetch_one(&mut *conn)
        .await?
    });
    Ok(id)
}

/// Rows per multi-row insert on SQLite. Small on purpose: binding looks up
/// every parameter by name, which costs time quadratic in the parameters of
/// one statement (a 7,000-parameter statement loaded 16,000 rows/s, 224 parameters 90,000).
const CHUNK: usize = 32;

/// Writes a delivery's records: `COPY` on PostgreSQL, multi-row inserts on
/// SQLite, inside the caller's transaction either way.
pub async fn insert_dept_records(tx: &mut Tx, delivery_id: i64, rows: &[DeptRow]) -> Result<()> {
    match &mut tx.conn {
        TxConn::Postgres(inner) => {
            let conn: &mut sqlx::PgConnection = inner;
            let mut copy = conn
                .copy_in_raw(
                    "COPY dept_record (delivery_id, line, person_key, id_number, amount, category, data) FROM STDIN WITH (FORMAT csv)",
                )
                .await?;
            let mut buf = String::with_capacity(1 << 20);
            for row in rows {
                use std::fmt::Write;
                let _ =
                    write!(buf, "{delivery_id},{},{},{},", row.line, row.person_key as i64, csv_text(&row.id_number));
                if let Some(a) = row.amount {
                    let _ = write!(buf, "{a}");
                }
                buf.push(',');
                if let Some(c) = &row.category {
                    buf.push_str(&csv_text(c));
                }
                buf.push(',');
                buf.push_str(&csv_text(&row.data));
                buf.push('\n');
                if buf.len() > (1 << 20) {
                    copy.send(buf.as_bytes()).await?;
                    buf.clear();
                }
            }
            if !buf.is_empty() {
                copy.send(buf.as_bytes()).await?;
            }
            copy.finish().await?;
        }
        TxConn::Sqlite(_) => {
            for chunk in rows.chunks(CHUNK) {
                let mut sql = Sql::new(
                    "INSERT INTO dept_record (delivery_id, line, person_key, id_number, amount, category, data) VALUES ",
                );
                for (idx, row) in chunk.iter().enumerate() {
                    sql.push(if idx == 0 { "(" } else { ", (" });
                    sql.bind(Param::Int(delivery_id)).push(", ");
                    sql.bind(Param::Int(row.line)).push(", ");
                    sql.bind(Param::Int(row.person_key as i64)).push(", ");
                    sql.bind(Param::Text(row.id_number.clone())).push(", ");
                    sql.bind(Param::OptInt(row.amount)).push(", ");
                    sql.bind(Param::OptText(row.category.clone())).push(", ");
                    sql.bind(Param::Text(row.data.clone())).push(")");
                }
                on_tx!(tx, |conn| {
                    bind_params!(sqlx::query(sqlx::AssertSqlSafe(sql.text)), sql.params).execute(&mut *conn).await?;
                });
            }
        }
    }
    Ok(())
}

/// A CSV field for `COPY … (FORMAT csv)`: always quoted, so an empty text
/// stays an empty text and never reads as NULL.
fn csv_text(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

pub async fn insert_rejections(tx: &mut Tx, delivery_id: i64, rows: &[RejectionRow]) -> Result<()> {
    for (chunk_idx, chunk) in rows.chunks(CHUNK).enumerate() {
        let mut sql = Sql::new("INSERT INTO dept_rejection (delivery_id, seq, line, column_name, message) VALUES ");
        for (idx, row) in chunk.iter().enumerate() {
            sql.push(if idx == 0 { "(" } else { ", (" });
            sql.bind(Param::Int(delivery_id)).push(", ");
            sql.bind(Param::Int((chunk_idx * CHUNK + idx) as i64)).push(", ");
            sql.bind(Param::OptInt(row.line)).push(", ");
            sql.bind(Param::Text(row.column.clone())).push(", ");
            sql.bind(Param::Text(row.message.clone())).push(")");
        }
        on_tx!(tx, |conn| {
            bind_params!(sqlx::query(sqlx::AssertSqlSafe(sql.text)), sql.params).execute(&mut *conn).await?;
        });
    }
    Ok(())
}

pub async fn rejections_of(tx: &mut Tx, delivery_id: i64) -> Result<Vec<RejectionRow>> {
    let rows: Vec<(Option<i64>, String, String)> = on_tx!(tx, |conn| {
        sqlx::query_as("SELECT line, column_name, message FROM dept_rejection WHERE delivery_id = $1 ORDER BY seq")
            .bind(delivery_id)
            .fetch_all(&mut *conn)
            .await?
    });
    Ok(rows.into_iter().map(|(line, column, message)| RejectionRow { line, column, message }).collect())
}

/// Deliveries, newest first; of one kind when given.
pub async fn list_deliveries(tx: &mut Tx, kind: Option<&str>) -> Result<Vec<DeliveryRecord>> {
    let sql =
        format!("SELECT {DELIVERY_COLUMNS} FROM delivery WHERE ($1 = '' OR kind = $1) ORDER BY as_of DESC, id DESC");
    let rows: Vec<DeliveryTuple> = on_tx!(tx, |conn| {
        sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(kind.unwrap_or("")).fetch_all(&mut *conn).await?
    });
    Ok(rows.into_iter().map(delivery_from).collect())
}

pub async fn get_delivery(tx: &mut Tx, id: i64) -> Result<Option<DeliveryRecord>> {
    let sql = format!("SELECT {DELIVERY_COLUMNS} FROM delivery WHERE id = $1");
    let row: Option<DeliveryTuple> =
        on_tx!(tx, |conn| sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(&mut *conn).await?);
    Ok(row.map(delivery_from))
}

/// The delivery of each kind that verification uses: the latest as-of
/// date, the latest import among equal dates.
pub async fn latest_deliveries(tx: &mut Tx) -> Result<Vec<DeliveryRecord>> {
    let all = list_deliveries(tx, None).await?;
    let mut seen = std::collections::BTreeSet::new();
    Ok(all.into_iter().filter(|d| seen.insert(d.draft.kind.clone())).collect())
}

/// One page of a delivery's records for the engine: `(line, person key,
/// amount, category)` after `after_line`, in line order.
pub async fn scan_dept_records(
    tx: &mut Tx,
    delivery_id: i64,
    after_line: i64,
    limit: i64,
) -> Result<Vec<(i64, u64, Option<i64>, Option<String>)>> {
    let rows: Vec<(i64, i64, Option<i64>, Option<String>)> = on_tx!(tx, |conn| {
        sqlx::query_as(
            "SELECT line, person_key, amount, category FROM dept_record
             WHERE delivery_id = $1 AND line > $2 ORDER BY line LIMIT $3",
        )
        .bind(delivery_id)
        .bind(after_line)
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?
    });
    Ok(rows.into_iter().map(|(line, key, amount, category)| (line, key as u64, amount, category)).collect())
}

/// The records of `deliveries` about the people `person_keys`.
pub async fn records_for(tx: &mut Tx, deliveries: &[i64], person_keys: &[u64]) -> Result<Vec<StoredRecord>> {
    if deliveries.is_empty() || person_keys.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql =
        Sql::new("SELECT delivery_id, line, id_number, amount, category, data FROM dept_record WHERE person_key IN (");
    for (idx, key) in person_keys.iter().enumerate() {
        if idx > 0 {
            sql.push(", ");
        }
        sql.bind(Param::Int(*key as i64));
    }
    sql.push(") AND delivery_id IN (");
    for (idx, id) in deliveries.iter().enumerate() {
        if idx > 0 {
            sql.push(", ");
        }
        sql.bind(Param::Int(*id));
    }
    sql.push(") ORDER BY delivery_id, line");
    type Row = (i64, i64, String, Option<i64>, Option<String>, String);
    let rows: Vec<Row> = on_tx!(tx, |conn| {
        bind_params!(sqlx::query_as(sqlx::AssertSqlSafe(sql.text)), sql.params).fetch_all(&mut *conn).await?
    });
    Ok(rows
        .into_iter()
        .map(|(delivery_id, line, id_number, amount, category, data)| StoredRecord {
            delivery_id,
            line,
            id_number,
            amount,
            category,
            data,
        })
        .collect())
}

// ------------------------------------------------------------ runs, results

/// A verification run over the households of a region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunRecord {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub run_by: String,
    /// Empty: every household.
    pub region_code: String,
    /// The delivery ids used, as JSON.
    pub deliveries: String,
    pub households: i64,
    pub with_findings: i64,
}

pub async fn insert_run(tx: &mut Tx, run: &RunRecord) -> Result<i64> {
    let (id,): (i64,) = on_tx!(tx, |conn| {
        sqlx::query_as(
            "INSERT INTO verification_run (at, run_by, region_code, deliveries, households, with_findings)
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(run.at)
        .bind(&run.run_by)
        .bind(&run.region_code)
        .bind(&run.deliveries)
        .bind(run.households)
        .bind(run.with_findings)
        .fetch_one(&mut *conn)
        .await?
    });
    Ok(id)
}

pub async fn list_runs(tx: &mut Tx, limit: i64) -> Result<Vec<RunRecord>> {
    type Row = (i64, DateTime<Utc>, String, String, String, i64, i64);
    let rows: Vec<Row> = on_tx!(tx, |conn| {
        sqlx::query_as(
            "SELECT id, at, run_by, region_code, deliveries, households, with_findings FROM verification_run
             ORDER BY id DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?
    });
    Ok(rows
        .into_iter()
        .map(|(id, at, run_by, region_code, deliveries, households, with_findings)| RunRecord {
            id,
            at,
            run_by,
            region_code,
            deliveries,
            households,
            with_findings,
        })
        .collect())
}

/// One household's verification result; JSON columns are the app's types.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResultRecord {
    pub id: i64,
    pub run_id: i64,
    pub household_id: i64,
    pub at: DateTime<Utc>,
    pub members: String,
    pub sums: String,
    pub findings: String,
    pub finding_count: i64,
    pub policy: String,
    pub deliveries: String,
}

const RESULT_COLUMNS: &str = "id, run_id, household_id, at, members, sums, findings, finding_count, policy, deliveries";
type ResultTuple = (i64, i64, i64, DateTime<Utc>, String, String, String, i64, String, String);

fn result_from(t: ResultTuple) -> ResultRecord {
    let (id, run_id, household_id, at, members, sums, findings, finding_count, policy, deliveries) = t;
    ResultRecord { id, run_id, household_id, at, members, sums, findings, finding_count, policy, deliveries }
}

/// Writes results (their `id` is ignored and assigned).
pub async fn insert_results(tx: &mut Tx, results: &[ResultRecord]) -> Result<()> {
    insert_result_rows(tx, "verification_result (run_id", |r| r.run_id, results).await
}

/// Writes results into `table_and_owner` (a table and its first column, the
/// run or job they belong to, whose value `owner` gives), 500 rows a
/// statement.
pub(crate) async fn insert_result_rows(
    tx: &mut Tx,
    table_and_owner: &str,
    owner: impl Fn(&ResultRecord) -> i64,
    results: &[ResultRecord],
) -> Result<()> {
    for chunk in results.chunks(500) {
        let mut sql = Sql::new(&format!(
            "INSERT INTO {table_and_owner}, household_id, at, members, sums, findings, finding_count, policy, deliveries) VALUES "
        ));
        for (idx, r) in chunk.iter().enumerate() {
            sql.push(if idx == 0 { "(" } else { ", (" });
            sql.bind(Param::Int(owner(r))).push(", ");
            sql.bind(Param::Int(r.household_id)).push(", ");
            sql.bind(Param::Time(r.at)).push(", ");
            sql.bind(Param::Text(r.members.clone())).push(", ");
            sql.bind(Param::Text(r.sums.clone())).push(", ");
            sql.bind(Param::Text(r.findings.clone())).push(", ");
            sql.bind(Param::Int(r.finding_count)).push(", ");
            sql.bind(Param::Text(r.policy.clone())).push(", ");
            sql.bind(Param::Text(r.deliveries.clone())).push(")");
        }
        on_tx!(tx, |conn| {
            bind_params!(sqlx::query(sqlx::AssertSqlSafe(sql.text)), sql.params).execute(&mut *conn).await?;
        });
    }
    Ok(())
}

pub async fn get_result(tx: &mut Tx, id: i64) -> Result<Option<ResultRecord>> {
    let sql = format!("SELECT {RESULT_COLUMNS} FROM verification_result WHERE id = $1");
    let row: Option<ResultTuple> =
        on_tx!(tx, |conn| sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(&mut *conn).await?);
    Ok(row.map(result_from))
}

/// A household's results, newest first.
pub async fn results_of(tx: &mut Tx, household_id: i64) -> Result<Vec<ResultRecord>> {
    let sql = format!("SELECT {RESULT_COLUMNS} FROM verification_result WHERE household_id = $1 ORDER BY id DESC");
    let rows: Vec<ResultTuple> =
        on_tx!(tx, |conn| sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(household_id).fetch_all(&mut *conn).await?);
    Ok(rows.into_iter().map(result_from).collect())
}

/// A run's results with findings inside `within`, in region and household
/// order (the townships' follow-up list): the result, the household number
/// and its region code.
pub async fn results_with_findings(
    tx: &mut Tx,
    run_id: i64,
    within: &crate::Within,
    limit: i64,
) -> Result<Vec<(ResultRecord, String, String)>> {
    let (from, to) = within.range();
    let columns = RESULT_COLUMNS.split(", ").map(|c| format!("r.{c}")).collect::<Vec<_>>().join(", ");
    let sql = format!(
        "SELECT {columns}, h.external_id, h.region_code FROM verification_result r JOIN household h ON h.id = r.household_id
         WHERE r.run_id = $1 AND r.finding_count > 0 AND h.region_code >= $2 AND h.region_code < $3
         ORDER BY h.region_code, h.id LIMIT $4"
    );
    type Row = (i64, i64, i64, DateTime<Utc>, String, String, String, i64, String, String, String, String);
    let rows: Vec<Row> = on_tx!(tx, |conn| {
        sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(run_id)
            .bind(&from)
            .bind(&to)
            .bind(limit)
            .fetch_all(&mut *conn)
            .await?
    });
    Ok(rows
        .into_iter()
        .map(
            |(
                id,
                run_id,
                household_id,
                at,
                members,
                sums,
                findings,
                finding_count,
                policy,
                deliveries,
                ext,
                region,
            )| {
                (
                    ResultRecord {
                        id,
                        run_id,
                        household_id,
                        at,
                        members,
                        sums,
                        findings,
                        finding_count,
                        policy,
                        deliveries,
                    },
                    ext,
                    region,
                )
            },
        )
        .collect())
}

/// A run's counts within a region: (households verified, households with
/// findings). For a run wider than what a user may see.
pub async fn run_counts_in(tx: &mut Tx, run_id: i64, region: &RegionCode) -> Result<(i64, i64)> {
    let (from, to) = crate::sql::region_range(Some(region));
    let row: (i64, i64) = on_tx!(tx, |conn| {
        sqlx::query_as(
            "SELECT COUNT(*), COUNT(CASE WHEN r.finding_count > 0 THEN 1 END)
             FROM verification_result r JOIN household h ON h.id = r.household_id
             WHERE r.run_id = $1 AND h.region_code >= $2 AND h.region_code < $3",
        )
        .bind(run_id)
        .bind(&from)
        .bind(&to)
        .fetch_one(&mut *conn)
        .await?
    });
    Ok(row)
}

pub async fn get_run(tx: &mut Tx, id: i64) -> Result<Option<RunRecord>> {
    type Row = (i64, DateTime<Utc>, String, String, String, i64, i64);
    let row: Option<Row> = on_tx!(tx, |conn| {
        sqlx::query_as(
            "SELECT id, at, run_by, region_code, deliveries, households, with_findings FROM verification_run WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
    });
    Ok(row.map(|(id, at, run_by, region_code, deliveries, households, with_findings)| RunRecord {
        id,
        at,
        run_by,
        region_code,
        deliveries,
        households,
        with_findings,
    }))
}

// -------------------------------------------------------------- objections

/// An objection to a finding and, once decided, its outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectionRecord {
    pub id: i64,
    pub result_id: i64,
    pub rule: String,
    pub reason: String,
    pub evidence: String,
    pub lodged_by: String,
    pub lodged_at: DateTime<Utc>,
    pub outcome: Option<String>,
    pub outcome_note: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
}

pub async fn insert_objection(tx: &mut Tx, o: &ObjectionRecord) -> Result<i64> {
    let (id,): (i64,) = on_tx!(tx, |conn| {
        sqlx::query_as(
            "INSERT INTO verification_objection (result_id, rule, reason, evidence, lodged_by, lodged_at)
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(o.result_id)
        .bind(&o.rule)
        .bind(&o.reason)
        .bind(&o.evidence)
        .bind(&o.lodged_by)
        .bind(o.lodged_at)
        .fetch_one(&mut *conn)
        .await?
    });
    Ok(id)
}

/// Records the outcome of an undecided objection; false if it was decided
/// already (or does not exist).
pub async fn decide_objection(
    tx: &mut Tx,
    id: i64,
    outcome: &str,
    note: &str,
    by: &str,
    at: DateTime<Utc>,
) -> Result<bool> {
    let res = on_tx!(tx, |conn| {
        sqlx::query(
            "UPDATE verification_objection SET outcome = $2, outcome_note = $3, decided_by = $4, decided_at = $5
             WHERE id = $1 AND outcome IS NULL",
        )
        .bind(id)
        .bind(outcome)
        .bind(note)
        .bind(by)
        .bind(at)
        .execute(&mut *conn)
        .await?
        .rows_affected()
    });
    Ok(res == 1)
}

type ObjectionTuple = (
    i64,
    i64,
    String,
    String,
    String,
    String,
    DateTime<Utc>,
    Option<String>,
    String,
    Option<String>,
    Option<DateTime<Utc>>,
);

/// The objections to a result, oldest first.
pub async fn objections_of(tx: &mut Tx, result_id: i64) -> Result<Vec<ObjectionRecord>> {
    let rows: Vec<ObjectionTuple> = on_tx!(tx, |conn| {
        sqlx::query_as(
            "SELECT id, result_id, rule, reason, evidence, lodged_by, lodged_at, outcome, outcome_note, decided_by, decided_at
             FROM verification_objection WHERE result_id = $1 ORDER BY id",
        )
        .bind(result_id)
        .fetch_all(&mut *conn)
        .await?
    });
    Ok(rows
        .into_iter()
        .map(
            |(
                id,
                result_id,
                rule,
                reason,
                evidence,
                lodged_by,
                lodged_at,
                outcome,
                outcome_note,
                decided_by,
                decided_at,
            )| {
                ObjectionRecord {
                    id,
                    result_id,
                    rule,
                    reason,
                    evidence,
                    lodged_by,
                    lodged_at,
                    outcome,
                    outcome_note,
                    decided_by,
                    decided_at,
                }
            },
        )
        .collect())
}

/// A member as a batch run needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberRow {
    pub household_id: i64,
    pub external_id: String,
    pub region_code: String,
    pub person_id: i64,
    pub id_number: String,
    pub name: String,
    pub relation: String,
}

/// Every member of every household inside `within` (or of one household),
/// in household order.
pub async fn members_for_verification(
    tx: &mut Tx,
    within: &crate::Within,
    household: Option<i64>,
) -> Result<Vec<MemberRow>> {
    let (from, to) = within.range();
    let rows: Vec<(i64, String, String, i64, String, String, String)> = on_tx!(tx, |conn| {
        sqlx::query_as(
            "SELECT h.id, h.external_id, h.region_code, p.id, p.id_number, p.name, p.relation
             FROM person p JOIN household h ON h.id = p.household_id
             WHERE h.region_code >= $1 AND h.region_code < $2 AND ($3 = 0 OR h.id = $3) ORDER BY h.id, p.id",
        )
        .bind(&from)
        .bind(&to)
        .bind(household.unwrap_or(0))
        .fetch_all(&mut *conn)
        .await?
    });
    Ok(rows
        .into_iter()
        .map(|(household_id, external_id, region_code, person_id, id_number, name, relation)| MemberRow {
            household_id,
            external_id,
            region_code,
            person_id,
            id_number,
            name,
            relation,
        })
        .collect())
}
