//! Queries of applications and their cases: applications, cases, case
//! history, referrals, documents issued and survey photos.
//!
//! A case's state is the domain's `Case` as JSON; the columns beside it
//! (stage, due dates, region) are what lists filter and sort by, written
//! from the same value in the same statement. Updates are optimistic: they
//! name the version they read.

use chrono::{DateTime, NaiveDate, Utc};
use jiuzhu_domain::RegionCode;

use crate::{Result, Tx, Within, on_tx};

/// An application: what was declared at intake, as JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplicationRow {
    pub id: i64,
    pub household_id: i64,
    pub region_code: String,
    pub detail: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

pub async fn insert_application(tx: &mut Tx, a: &ApplicationRow) -> Result<i64> {
    let (id,): (i64,) = on_tx!(tx, |conn| {
        sqlx::query_as(
            "INSERT INTO application (household_id, region_code, detail, created_by, created_at)
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(a.household_id)
        .bind(&a.region_code)
        .bind(&a.detail)
        .bind(&a.created_by)
        .bind(a.created_at)
        .fetch_one(&mut *conn)
        .await?
    });
    Ok(id)
}

pub async fn get_application(tx: &mut Tx, id: i64) -> Result<Option<ApplicationRow>> {
    let row: Option<(i64, i64, String, String, String, DateTime<Utc>)> = on_tx!(tx, |conn| {
        sqlx::query_as(
            "SELECT id, household_id, region_code, detail, created_by, created_at FROM application WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
    });
    Ok(row.map(|(id, household_id, region_code, detail, created_by, created_at)| ApplicationRow {
        id,
        household_id,
        region_code,
        detail,
        created_by,
        created_at,
    }))
}

/// Applications by id, in one query per chunk (for lists of cases).
pub async fn applications_by_ids(tx: &mut Tx, ids: &[i64]) -> Result<Vec<ApplicationRow>> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(200) {
        let holes: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT id, household_id, region_code, detail, created_by, created_at FROM application WHERE id IN ({})",
            holes.join(", ")
        );
        let rows: Vec<(i64, i64, String, String, String, DateTime<Utc>)> = on_tx!(tx, |conn| {
            let mut query = sqlx::query_as(sqlx::AssertSqlSafe(sql));
            for id in chunk {
                query = query.bind(*id);
            }
            query.fetch_all(&mut *conn).await?
        });
        out.extend(rows.into_iter().map(|(id, household_id, region_code, detail, created_by, created_at)| {
            ApplicationRow { id, household_id, region_code, detail, created_by, created_at }
        }));
    }
    Ok(out)
}

/// A case as stored: the query columns and the domain state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseRow {
    pub id: i64,
    pub application_id: i64,
    pub household_id: i64,
    pub region_code: String,
    pub kind: String,
    pub stage: String,
    pub open: bool,
    /// The step's due date (an instant's Beijing date).
    pub step_due: Option<NaiveDate>,
    /// The step's due instant, when it falls due at an instant (急难).
    pub step_due_at: Option<DateTime<Utc>>,
    pub overall_due: Option<NaiveDate>,
    /// Suspended: every clock of the case is stopped.
    pub suspended: bool,
    pub cause: Option<String>,
    pub decided_on: Option<NaiveDate>,
    pub amount_fen: Option<i64>,
    /// The domain `Case` as JSON.
    pub state: String,
    /// The decision as issued (amount derivation, policy used), as JSON.
    pub decision: Option<String>,
    pub version: i64,
    /// Created, or (when written back) the time of the change.
    pub created_at: DateTime<Utc>,
}

const CASE_COLUMNS: &str = "id, application_id, household_id, region_code, kind, stage, open, step_due, step_due_at, \
     overall_due, suspended, cause, decided_on, amount_fen, state, decision, version, created_at";

/// Reads a [`CaseRow`] from either backend's row (more columns than sqlx's
/// tuples take).
macro_rules! case_from_row {
    ($row:ty) => {
        impl<'r> sqlx::FromRow<'r, $row> for CaseRow {
            fn from_row(row: &'r $row) -> std::result::Result<Self, sqlx::Error> {
                use sqlx::Row;
                Ok(CaseRow {
                    id: row.try_get("id")?,
                    application_id: row.try_get("application_id")?,
                    household_id: row.try_get("household_id")?,
                    region_code: row.try_get("region_code")?,
                    kind: row.try_get("kind")?,
                    stage: row.try_get("stage")?,
                    open: row.try_get("open")?,
                    step_due: row.try_get("step_due")?,
                    step_due_at: row.try_get("step_due_at")?,
                    overall_due: row.try_get("overall_due")?,
                    suspended: row.try_get("suspended")?,
                    cause: row.try_get("cause")?,
                    decided_on: row.try_get("decided_on")?,
                    amount_fen: row.try_get("amount_fen")?,
                    state: row.try_get("state")?,
                    decision: row.try_get("decision")?,
                    version: row.try_get("version")?,
                    created_at: row.try_get("created_at")?,
                })
            }
        }
    };
}
case_from_row!(sqlx::sqlite::SqliteRow);
case_from_row!(sqlx::postgres::PgRow);

pub async fn insert_case(tx: &mut Tx, c: &CaseRow) -> Result<i64> {
    let (id,): (i64,) = on_tx!(tx, |conn| {
        sqlx::query_as(
            "INSERT INTO assistance_case (application_id, household_id, region_code, kind, stage, open, step_due,
             overall_due, cause, decided_on, amount_fen, state, decision, version, created_at, updated_at,
             step_due_at, suspended)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 1, $14, $14, $15, $16) RETURNING id",
        )
        .bind(c.application_id)
        .bind(c.household_id)
        .bind(&c.region_code)
        .bind(&c.kind)
        .bind(&c.stage)
        .bind(c.open)
        .bind(c.step_due)
        .bind(c.overall_due)
        .bind(&c.cause)
        .bind(c.decided_on)
        .bind(c.amount_fen)
        .bind(&c.state)
        .bind(&c.decision)
        .bind(c.created_at)
        .bind(c.step_due_at)
        .bind(c.suspended)
        .fetch_one(&mut *conn)
        .await?
    });
    Ok(id)
}

/// Writes a case's new state if nobody changed it since `c.version` was
/// read; false otherwise (the caller answers a conflict). `c.created_at`
/// carries the time of the change.
pub async fn update_case(tx: &mut Tx, c: &CaseRow) -> Result<bool> {
    let n = on_tx!(tx, |conn| {
        sqlx::query(
            "UPDATE assistance_case SET stage = $2, open = $3, step_due = $4, overall_due = $5, decided_on = $6,
             amount_fen = $7, state = $8, decision = $9, version = version + 1, updated_at = $10,
             step_due_at = $12, suspended = $13
             WHERE id = $1 AND version = $11",
        )
        .bind(c.id)
        .bind(&c.stage)
        .bind(c.open)
        .bind(c.step_due)
        .bind(c.overall_due)
        .bind(c.decided_on)
        .bind(c.amount_fen)
        .bind(&c.state)
        .bind(&c.decision)
        .bind(c.created_at)
        .bind(c.version)
        .bind(c.step_due_at)
        .bind(c.suspended)
        .execute(&mut *conn)
        .await?
        .rows_affected()
    });
    Ok(n == 1)
}

pub async fn get_case(tx: &mut Tx, id: i64) -> Result<Option<CaseRow>> {
    let sql = format!("SELECT {CASE_COLUMNS} FROM assistance_case WHERE id = $1");
    Ok(on_tx!(tx, |conn| sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(&mut *conn).await?))
}

/// Which cases a list shows (no default: a list always says whose sight
/// it is for).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseFilter {
    /// Only cases inside.
    pub within: Within,
    /// Only open cases.
    pub open_only: bool,
    /// Only cases in these stages (empty: any).
    pub stages: Vec<String>,
    /// Only cases whose step is due on or before this date.
    pub due_by: Option<NaiveDate>,
    pub household_id: Option<i64>,
    pub application_id: Option<i64>,
    /// Only cases late on this day at this instant ([`LATE`]).
    pub late_at: Option<(NaiveDate, DateTime<Utc>)>,
    pub limit: i64,
}

impl CaseFilter {
    /// Up to `limit` cases inside `within`, with no other condition.
    pub fn new(within: Within, limit: i64) -> CaseFilter {
        CaseFilter {
            within,
            open_only: false,
            stages: Vec::new(),
            due_by: None,
            household_id: None,
            application_id: None,
            late_at: None,
            limit,
        }
    }
}

/// When an open case is late, from its stored columns, with the day as `$T`
/// and the instant as `$N`: not suspended, and its step due at an instant
/// before now or on a day before today, or its overall limit before today.
/// The domain's `Case::is_late` is the definition; the columns are written
/// from the case (`step_due_at` only for a step due at an instant) and a
/// test compares the two.
const LATE: &str = "(open = TRUE AND suspended = FALSE AND (
    (step_due_at IS NOT NULL AND step_due_at < $N)
    OR (step_due_at IS NULL AND step_due IS NOT NULL AND step_due < $T)
    OR (overall_due IS NOT NULL AND overall_due < $T)))";

/// [`LATE`] with its day and instant as these placeholders.
fn late(today: &str, now: &str) -> String {
    LATE.replace("$T", today).replace("$N", now)
}

/// Cases by step due date (undated last), then id.
pub async fn list_cases(tx: &mut Tx, f: &CaseFilter) -> Result<Vec<CaseRow>> {
    let (from, to) = f.within.range();
    let mut sql = format!("SELECT {CASE_COLUMNS} FROM assistance_case WHERE region_code >= $1 AND region_code < $2");
    if f.open_only {
        sql.push_str(" AND open = TRUE");
    }
    if !f.stages.is_empty() {
        let list: Vec<String> = f.stages.iter().map(|s| format!("'{}'", s.replace('\'', ""))).collect();
        sql.push_str(&format!(" AND stage IN ({})", list.join(", ")));
    }
    sql.push_str(" AND ($3 IS NULL OR step_due <= $3)");
    sql.push_str(" AND ($4 IS NULL OR household_id = $4)");
    sql.push_str(" AND ($5 IS NULL OR application_id = $5)");
    sql.push_str(&format!(" AND ($7 IS NULL OR {})", late("$7", "$8")));
    sql.push_str(" ORDER BY CASE WHEN step_due IS NULL THEN 1 ELSE 0 END, step_due, id LIMIT $6");
    let (late_day, late_now) = f.late_at.unzip();
    Ok(on_tx!(tx, |conn| {
        sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(&from)
            .bind(&to)
            .bind(f.due_by)
            .bind(f.household_id)
            .bind(f.application_id)
            .bind(f.limit)
            .bind(late_day)
            .bind(late_now)
            .fetch_all(&mut *conn)
            .await?
    }))
}

/// Open cases of one township (or of a region above the township level,
/// for cases registered there): how many, late, due soon.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenCounts {
    /// The township's code (the first nine digits of the case's region).
    pub township: String,
    pub open: i64,
    pub late: i64,
    /// Not late, not suspended, the step due on or before `soon_by`.
    pub due_soon: i64,
}

/// The open cases inside `within` counted per township,
/// late and due soon on `today` at `now` ([`LATE`]), by township code. No
/// case is loaded: every open case counts, however many there are.
pub async fn open_case_counts(
    tx: &mut Tx,
    within: &Within,
    today: NaiveDate,
    now: DateTime<Utc>,
    soon_by: Option<NaiveDate>,
) -> Result<Vec<OpenCounts>> {
    let (from, to) = within.range();
    let late = late("$3", "$4");
    let sql = format!(
        "SELECT SUBSTR(region_code, 1, 9), COUNT(*),
         SUM(CASE WHEN {late} THEN 1 ELSE 0 END),
         SUM(CASE WHEN NOT {late} AND suspended = FALSE AND step_due IS NOT NULL AND step_due <= $5 THEN 1 ELSE 0 END)
         FROM assistance_case WHERE region_code >= $1 AND region_code < $2 AND open = TRUE
         GROUP BY SUBSTR(region_code, 1, 9) ORDER BY 1"
    );
    let rows: Vec<(String, i64, i64, i64)> = on_tx!(tx, |conn| {
        sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(&from)
            .bind(&to)
            .bind(today)
            .bind(now)
            .bind(soon_by)
            .fetch_all(&mut *conn)
            .await?
    });
    Ok(rows.into_iter().map(|(township, open, late, due_soon)| OpenCounts { township, open, late, due_soon }).collect())
}

/// Approved temporary-assistance cases of a household for one cause
/// decided within [from, to).
pub async fn temp_grants(tx: &mut Tx, household_id: i64, cause: &str, from: NaiveDate, to: NaiveDate) -> Result<i64> {
    let (n,): (i64,) = on_tx!(tx, |conn| {
        sqlx::query_as(
            "SELECT COUNT(*) FROM assistance_case WHERE household_id = $1 AND cause = $2 AND stage = 'approved'
             AND decided_on >= $3 AND decided_on < $4",
        )
        .bind(household_id)
        .bind(cause)
        .bind(from)
        .bind(to)
        .fetch_one(&mut *conn)
        .await?
    });
    Ok(n)
}

/// How many cases of a kind in a region had an event of `kind` in [from, to).
pub async fn count_events(
    tx: &mut Tx,
    case_kind: &str,
    region: &RegionCode,
    event: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<i64> {
    let region = region.prefix_range();
    let (n,): (i64,) = on_tx!(tx, |conn| {
        sqlx::query_as(
            "SELECT COUNT(*) FROM case_event e JOIN assistance_case c ON c.id = e.case_id
             WHERE c.kind = $1 AND c.region_code >= $2 AND c.region_code < $3 AND e.kind = $4
             AND e.at >= $5 AND e.at < $6",
        )
        .bind(case_kind)
        .bind(region.0)
        .bind(region.1)
        .bind(event)
        .bind(from)
        .bind(to)
        .fetch_one(&mut *conn)
        .await?
    });
    Ok(n)
}

// ------------------------------------------------------------ history

/// One history entry of a case; `detail` is JSON (the step's inputs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseEventRow {
    pub id: i64,
    pub case_id: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub kind: String,
    pub detail: String,
}

pub async fn insert_case_event(tx: &mut Tx, e: &CaseEventRow) -> Result<i64> {
    let (id,): (i64,) = on_tx!(tx, |conn| {
        sqlx::query_as(
            "INSERT INTO case_event (case_id, at, actor, kind, detail) VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(e.case_id)
        .bind(e.at)
        .bind(&e.actor)
        .bind(&e.kind)
        .bind(&e.detail)
        .fetch_one(&mut *conn)
        .await?
    });
    Ok(id)
}

pub async fn case_events(tx: &mut Tx, case_id: i64) -> Result<Vec<CaseEventRow>> {
    let rows: Vec<(i64, i64, DateTime<Utc>, String, String, String)> = on_tx!(tx, |conn| {
        sqlx::query_as("SELECT id, case_id, at, actor, kind, detail FROM case_event WHERE case_id = $1 ORDER BY id")
            .bind(case_id)
            .fetch_all(&mut *conn)
            .await?
    });
    Ok(rows
        .into_iter()
        .map(|(id, case_id, at, actor, kind, detail)| CaseEventRow { id, case_id, at, actor, kind, detail })
        .collect())
}

// ------------------------------------------------------------ referrals

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferralRow {
    pub id: i64,
    pub application_id: i64,
    pub need: String,
    pub status: String,
    pub note: String,
    pub updated_by: String,
    pub updated_at: DateTime<Utc>,
}

pub async fn insert_referral(tx: &mut Tx, r: &ReferralRow) -> Result<i64> {
    let (id,): (i64,) = on_tx!(tx, |conn| {
        sqlx::query_as(
            "INSERT INTO referral (application_id, need, status, note, updated_by, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(r.application_id)
        .bind(&r.need)
        .bind(&r.status)
        .bind(&r.note)
        .bind(&r.updated_by)
        .bind(r.updated_at)
        .fetch_one(&mut *conn)
        .await?
    });
    Ok(id)
}

pub async fn update_referral(tx: &mut Tx, r: &ReferralRow) -> Result<bool> {
    let n = on_tx!(tx, |conn| {
        sqlx::query("UPDATE referral SET status = $2, note = $3, updated_by = $4, updated_at = $5 WHERE id = $1")
            .bind(r.id)
            .bind(&r.status)
            .bind(&r.note)
            .bind(&r.updated_by)
            .bind(r.updated_at)
            .execute(&mut *conn)
            .await?
            .rows_affected()
    });
    Ok(n == 1)
}

type ReferralTuple = (i64, i64, String, String, String, String, DateTime<Utc>);

fn referral_from((id, application_id, need, status, note, updated_by, updated_at): ReferralTuple) -> ReferralRow {
    ReferralRow { id, application_id, need, status, note, updated_by, updated_at }
}

pub async fn referrals_of(tx: &mut Tx, application_id: i64) -> Result<Vec<ReferralRow>> {
    let rows: Vec<ReferralTuple> = on_tx!(tx, |conn| {
        sqlx::query_as(
            "SELECT id, application_id, need, status, note, updated_by, updated_at FROM referral
             WHERE application_id = $1 ORDER BY id",
        )
        .bind(application_id)
        .fetch_all(&mut *conn)
        .await?
    });
    Ok(rows.into_iter().map(referral_from).collect())
}

pub async fn get_referral(tx: &mut Tx, id: i64) -> Result<Option<ReferralRow>> {
    let row: Option<ReferralTuple> = on_tx!(tx, |conn| {
        sqlx::query_as(
            "SELECT id, application_id, need, status, note, updated_by, updated_at FROM referral WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
    });
    Ok(row.map(referral_from))
}

// ------------------------------------------------------------ documents, photos

/// A document issued for a case (one-time notice, decision, rejection):
/// the data it was printed from, so it prints the same again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentRow {
    pub id: i64,
    pub case_id: i64,
    pub kind: String,
    pub data: String,
    pub issued_by: String,
    pub issued_at: DateTime<Utc>,
}

pub async fn insert_document(tx: &mut Tx, d: &DocumentRow) -> Result<i64> {
    let (id,): (i64,) = on_tx!(tx, |conn| {
        sqlx::query_as(
            "INSERT INTO case_document (case_id, kind, data, issued_by, issued_at) VALUES ($1, $2, $3, $4, $5)
             RETURNING id",
        )
        .bind(d.case_id)
        .bind(&d.kind)
        .bind(&d.data)
        .bind(&d.issued_by)
        .bind(d.issued_at)
        .fetch_one(&mut *conn)
        .await?
    });
    Ok(id)
}

/// The documents issued for any case of an application, oldest first.
pub async fn documents_of_application(tx: &mut Tx, application_id: i64) -> Result<Vec<DocumentRow>> {
    let rows: Vec<(i64, i64, String, String, String, DateTime<Utc>)> = on_tx!(tx, |conn| {
        sqlx::query_as(
            "SELECT d.id, d.case_id, d.kind, d.data, d.issued_by, d.issued_at FROM case_document d
             JOIN assistance_case c ON c.id = d.case_id WHERE c.application_id = $1 ORDER BY d.id",
        )
        .bind(application_id)
        .fetch_all(&mut *conn)
        .await?
    });
    Ok(rows
        .into_iter()
        .map(|(id, case_id, kind, data, issued_by, issued_at)| DocumentRow {
            id,
            case_id,
            kind,
            data,
            issued_by,
            issued_at,
        })
        .collect())
}

pub async fn insert_photo(tx: &mut Tx, case_id: i64, event_id: i64, content_type: &str, bytes: &[u8]) -> Result<i64> {
    let (id,): (i64,) = on_tx!(tx, |conn| {
        sqlx::query_as(
            "INSERT INTO case_photo (case_id, event_id, content_type, bytes) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(case_id)
        .bind(event_id)
        .bind(content_type)
        .bind(bytes)
        .fetch_one(&mut *conn)
        .await?
    });
    Ok(id)
}

/// A photo: (case id, content type, bytes).
pub async fn get_photo(tx: &mut Tx, id: i64) -> Result<Option<(i64, String, Vec<u8>)>> {
    Ok(on_tx!(tx, |conn| {
        sqlx::query_as("SELECT case_id, content_type, bytes FROM case_photo WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?
    }))
}

/// Photo ids of a case with the event each belongs to.
pub async fn photos_of(tx: &mut Tx, case_id: i64) -> Result<Vec<(i64, i64)>> {
    Ok(on_tx!(tx, |conn| {
        sqlx::query_as("SELECT id, event_id FROM case_photo WHERE case_id = $1 ORDER BY id")
            .bind(case_id)
            .fetch_all(&mut *conn)
            .await?
    }))
}
