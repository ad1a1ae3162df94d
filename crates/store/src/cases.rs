//! Queries of the applications workflow: assistance policy versions, the
//! administrator's calendar years, the staff-relatives register,
//! applications and their cases, case history, referrals, documents issued,
//! survey photos, public notices and the objections the public raises.
//!
//! A case's state is the domain's `Case` as JSON; the columns beside it
//! (stage, due dates, region) are what lists filter and sort by, written
//! from the same value in the same statement. Updates are optimistic: they
//! name the version they read.

use chrono::{DateTime, NaiveDate, Utc};
use jiuzhu_domain::RegionCode;

use crate::sql::region_range;
use crate::{Result, Tx, on_tx};

// ------------------------------------------------------------ policy, calendar

/// One version of a region's assistance policy (a JSON patch).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssistancePolicyRow {
    pub id: i64,
    pub region_code: String,
    pub effective_from: NaiveDate,
    pub patch: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

pub async fn insert_assistance_policy(tx: &mut Tx, p: &AssistancePolicyRow) -> Result<i64> {
    let (id,): (i64,) = on_tx!(tx, |conn| {
        sqlx::query_as(
            "INSERT INTO assistance_policy (region_code, effective_from, patch, created_by, created_at)
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(&p.region_code)
        .bind(p.effective_from)
        .bind(&p.patch)
        .bind(&p.created_by)
        .bind(p.created_at)
        .fetch_one(&mut *conn)
        .await?
    });
    Ok(id)
}

/// Every version, by region, date and id.
pub async fn list_assistance_policies(tx: &mut Tx) -> Result<Vec<AssistancePolicyRow>> {
    let rows: Vec<(i64, String, NaiveDate, String, String, DateTime<Utc>)> = on_tx!(tx, |conn| {
        sqlx::query_as(
            "SELECT id, region_code, effective_from, patch, created_by, created_at FROM assistance_policy
             ORDER BY region_code, effective_from, id",
        )
        .fetch_all(&mut *conn)
        .await?
    });
    Ok(rows
        .into_iter()
        .map(|(id, region_code, effective_from, patch, created_by, created_at)| AssistancePolicyRow {
            id,
            region_code,
            effective_from,
            patch,
            created_by,
            created_at,
        })
        .collect())
}

/// Stores (or replaces) one year of the working-day calendar.
pub async fn put_calendar_year(tx: &mut Tx, year: i32, data: &str, by: &str, at: DateTime<Utc>) -> Result<()> {
    on_tx!(tx, |conn| {
        sqlx::query(
            "INSERT INTO calendar_year (year, data, loaded_by, loaded_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (year) DO UPDATE SET data = excluded.data, loaded_by = excluded.loaded_by,
             loaded_at = excluded.loaded_at",
        )
        .bind(i64::from(year))
        .bind(data)
        .bind(by)
        .bind(at)
        .execute(&mut *conn)
        .await?;
    });
    Ok(())
}

/// The loaded years: (year, data, loaded by, loaded at).
pub async fn calendar_years(tx: &mut Tx) -> Result<Vec<(i64, String, String, DateTime<Utc>)>> {
    Ok(on_tx!(tx, |conn| {
        sqlx::query_as("SELECT year, data, loaded_by, loaded_at FROM calendar_year ORDER BY year")
            .fetch_all(&mut *conn)
            .await?
    }))
}

// ------------------------------------------------------------ staff relatives

/// An entry of the staff-relatives register (近亲属备案).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffRelativeRow {
    pub id: i64,
    pub staff_name: String,
    pub staff_post: String,
    pub region_code: String,
    pub relative_id_number: String,
    pub relative_name: String,
    pub relation: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

type RelativeTuple = (i64, String, String, String, String, String, String, String, DateTime<Utc>);
const RELATIVE_COLUMNS: &str =
    "id, staff_name, staff_post, region_code, relative_id_number, relative_name, relation, created_by, created_at";

fn relative_from(t: RelativeTuple) -> StaffRelativeRow {
    let (id, staff_name, staff_post, region_code, relative_id_number, relative_name, relation, created_by, created_at) =
        t;
    StaffRelativeRow {
        id,
        staff_name,
        staff_post,
        region_code,
        relative_id_number,
        relative_name,
        relation,
        created_by,
        created_at,
    }
}

pub async fn insert_staff_relative(tx: &mut Tx, r: &StaffRelativeRow) -> Result<i64> {
    let (id,): (i64,) = on_tx!(tx, |conn| {
        sqlx::query_as(
            "INSERT INTO staff_relative (staff_name, staff_post, region_code, relative_id_number, relative_name,
             relation, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(&r.staff_name)
        .bind(&r.staff_post)
        .bind(&r.region_code)
        .bind(&r.relative_id_number)
        .bind(&r.relative_name)
        .bind(&r.relation)
        .bind(&r.created_by)
        .bind(r.created_at)
        .fetch_one(&mut *conn)
        .await?
    });
    Ok(id)
}

/// The register inside a region (everything without one), by region and id.
pub async fn list_staff_relatives(tx: &mut Tx, region: Option<&RegionCode>) -> Result<Vec<StaffRelativeRow>> {
    let (from, to) = region_range(region);
    let sql = format!(
        "SELECT {RELATIVE_COLUMNS} FROM staff_relative WHERE region_code >= $1 AND region_code < $2
         ORDER BY region_code, id"
    );
    let rows: Vec<RelativeTuple> = on_tx!(tx, |conn| {
        sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(&from).bind(&to).fetch_all(&mut *conn).await?
    });
    Ok(rows.into_iter().map(relative_from).collect())
}

/// Register entries naming any of these ID numbers as a relative.
pub async fn relatives_matching(tx: &mut Tx, id_numbers: &[String]) -> Result<Vec<StaffRelativeRow>> {
    let mut found = Vec::new();
    for id_number in id_numbers {
        let sql = format!("SELECT {RELATIVE_COLUMNS} FROM staff_relative WHERE relative_id_number = $1 ORDER BY id");
        let rows: Vec<RelativeTuple> = on_tx!(tx, |conn| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id_number).fetch_all(&mut *conn).await?
        });
        found.extend(rows.into_iter().map(relative_from));
    }
    Ok(found)
}

// ------------------------------------------------------------ applications, cases

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
    pub step_due: Option<NaiveDate>,
    pub overall_due: Option<NaiveDate>,
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

const CASE_COLUMNS: &str = "id, application_id, household_id, region_code, kind, stage, open, step_due, overall_due, \
     cause, decided_on, amount_fen, state, decision, version, created_at";

type CaseTuple = (
    i64,
    i64,
    i64,
    String,
    String,
    String,
    bool,
    Option<NaiveDate>,
    Option<NaiveDate>,
    Option<String>,
    Option<NaiveDate>,
    Option<i64>,
    String,
    Option<String>,
    i64,
    DateTime<Utc>,
);

fn case_from(t: CaseTuple) -> CaseRow {
    let (
        id,
        application_id,
        household_id,
        region_code,
        kind,
        stage,
        open,
        step_due,
        overall_due,
        cause,
        decided_on,
        amount_fen,
        state,
        decision,
        version,
        created_at,
    ) = t;
    CaseRow {
        id,
        application_id,
        household_id,
        region_code,
        kind,
        stage,
        open,
        step_due,
        overall_due,
        cause,
        decided_on,
        amount_fen,
        state,
        decision,
        version,
        created_at,
    }
}

pub async fn insert_case(tx: &mut Tx, c: &CaseRow) -> Result<i64> {
    let (id,): (i64,) = on_tx!(tx, |conn| {
        sqlx::query_as(
            "INSERT INTO assistance_case (application_id, household_id, region_code, kind, stage, open, step_due,
             overall_due, cause, decided_on, amount_fen, state, decision, version, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 1, $14, $14) RETURNING id",
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
             amount_fen = $7, state = $8, decision = $9, version = version + 1, updated_at = $10
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
        .execute(&mut *conn)
        .await?
        .rows_affected()
    });
    Ok(n == 1)
}

pub async fn get_case(tx: &mut Tx, id: i64) -> Result<Option<CaseRow>> {
    let sql = format!("SELECT {CASE_COLUMNS} FROM assistance_case WHERE id = $1");
    let row: Option<CaseTuple> =
        on_tx!(tx, |conn| sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(&mut *conn).await?);
    Ok(row.map(case_from))
}

/// Which cases a list shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaseFilter {
    /// Cases inside this region (all without one).
    pub region: Option<RegionCode>,
    /// Only open cases.
    pub open_only: bool,
    /// Only cases in these stages (empty: any).
    pub stages: Vec<String>,
    /// Only cases whose step is due on or before this date.
    pub due_by: Option<NaiveDate>,
    pub household_id: Option<i64>,
    pub application_id: Option<i64>,
    pub limit: i64,
}

/// Cases by step due date (undated last), then id.
pub async fn list_cases(tx: &mut Tx, f: &CaseFilter) -> Result<Vec<CaseRow>> {
    let (from, to) = region_range(f.region.as_ref());
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
    sql.push_str(" ORDER BY CASE WHEN step_due IS NULL THEN 1 ELSE 0 END, step_due, id LIMIT $6");
    let rows: Vec<CaseTuple> = on_tx!(tx, |conn| {
        sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(&from)
            .bind(&to)
            .bind(f.due_by)
            .bind(f.household_id)
            .bind(f.application_id)
            .bind(f.limit)
            .fetch_all(&mut *conn)
            .await?
    });
    Ok(rows.into_iter().map(case_from).collect())
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

// ------------------------------------------------------------ public notices

/// A public notice: only the fields the law allows a notice to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeRow {
    pub id: i64,
    pub case_id: i64,
    /// The applicant's village (or community).
    pub region_code: String,
    /// `review` (初审公示) or `result` (公布).
    pub kind: String,
    pub programme: String,
    pub name: String,
    pub household_size: i64,
    pub amount_fen: Option<i64>,
    pub posted_on: NaiveDate,
    pub until: Option<NaiveDate>,
}

type NoticeTuple = (i64, i64, String, String, String, String, i64, Option<i64>, NaiveDate, Option<NaiveDate>);
const NOTICE_COLUMNS: &str =
    "id, case_id, region_code, kind, programme, name, household_size, amount_fen, posted_on, until";

fn notice_from(t: NoticeTuple) -> NoticeRow {
    let (id, case_id, region_code, kind, programme, name, household_size, amount_fen, posted_on, until) = t;
    NoticeRow { id, case_id, region_code, kind, programme, name, household_size, amount_fen, posted_on, until }
}

pub async fn insert_notice(tx: &mut Tx, n: &NoticeRow) -> Result<i64> {
    let (id,): (i64,) = on_tx!(tx, |conn| {
        sqlx::query_as(
            "INSERT INTO public_notice (case_id, region_code, kind, programme, name, household_size, amount_fen,
             posted_on, until) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        .bind(n.case_id)
        .bind(&n.region_code)
        .bind(&n.kind)
        .bind(&n.programme)
        .bind(&n.name)
        .bind(n.household_size)
        .bind(n.amount_fen)
        .bind(n.posted_on)
        .bind(n.until)
        .fetch_one(&mut *conn)
        .await?
    });
    Ok(id)
}

/// Notices of one region (exactly that village) posted within [from, to], newest first.
pub async fn notices_of_region(
    tx: &mut Tx,
    region_code: &str,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<NoticeRow>> {
    let sql = format!(
        "SELECT {NOTICE_COLUMNS} FROM public_notice WHERE region_code = $1 AND posted_on >= $2 AND posted_on <= $3
         ORDER BY posted_on DESC, id DESC"
    );
    let rows: Vec<NoticeTuple> = on_tx!(tx, |conn| {
        sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(region_code).bind(from).bind(to).fetch_all(&mut *conn).await?
    });
    Ok(rows.into_iter().map(notice_from).collect())
}

/// Regions with notices posted within [from, to], and how many.
pub async fn notice_regions(tx: &mut Tx, from: NaiveDate, to: NaiveDate) -> Result<Vec<(String, i64)>> {
    Ok(on_tx!(tx, |conn| {
        sqlx::query_as(
            "SELECT region_code, COUNT(*) FROM public_notice WHERE posted_on >= $1 AND posted_on <= $2
             GROUP BY region_code ORDER BY region_code",
        )
        .bind(from)
        .bind(to)
        .fetch_all(&mut *conn)
        .await?
    }))
}

pub async fn get_notice(tx: &mut Tx, id: i64) -> Result<Option<NoticeRow>> {
    let sql = format!("SELECT {NOTICE_COLUMNS} FROM public_notice WHERE id = $1");
    let row: Option<NoticeTuple> =
        on_tx!(tx, |conn| sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(&mut *conn).await?);
    Ok(row.map(notice_from))
}

pub async fn notices_of_case(tx: &mut Tx, case_id: i64) -> Result<Vec<NoticeRow>> {
    let sql = format!("SELECT {NOTICE_COLUMNS} FROM public_notice WHERE case_id = $1 ORDER BY id");
    let rows: Vec<NoticeTuple> =
        on_tx!(tx, |conn| sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(case_id).fetch_all(&mut *conn).await?);
    Ok(rows.into_iter().map(notice_from).collect())
}

/// An objection raised by the public on a notice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicObjectionRow {
    pub id: i64,
    pub notice_id: i64,
    pub at: DateTime<Utc>,
    pub text: String,
    pub contact: String,
    pub from_address: String,
}

pub async fn insert_public_objection(tx: &mut Tx, o: &PublicObjectionRow) -> Result<i64> {
    let (id,): (i64,) = on_tx!(tx, |conn| {
        sqlx::query_as(
            "INSERT INTO public_objection (notice_id, at, text, contact, from_address) VALUES ($1, $2, $3, $4, $5)
             RETURNING id",
        )
        .bind(o.notice_id)
        .bind(o.at)
        .bind(&o.text)
        .bind(&o.contact)
        .bind(&o.from_address)
        .fetch_one(&mut *conn)
        .await?
    });
    Ok(id)
}

/// The objections to a case's notices, oldest first.
pub async fn public_objections_of_case(tx: &mut Tx, case_id: i64) -> Result<Vec<PublicObjectionRow>> {
    let rows: Vec<(i64, i64, DateTime<Utc>, String, String, String)> = on_tx!(tx, |conn| {
        sqlx::query_as(
            "SELECT o.id, o.notice_id, o.at, o.text, o.contact, o.from_address FROM public_objection o
             JOIN public_notice n ON n.id = o.notice_id WHERE n.case_id = $1 ORDER BY o.id",
        )
        .bind(case_id)
        .fetch_all(&mut *conn)
        .await?
    });
    Ok(rows
        .into_iter()
        .map(|(id, notice_id, at, text, contact, from_address)| PublicObjectionRow {
            id,
            notice_id,
            at,
            text,
            contact,
            from_address,
        })
        .collect())
}
