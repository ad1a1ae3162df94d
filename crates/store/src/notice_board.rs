//! Queries of the public notice board: public notices (an allow-listed
//! copy of what the law lets a notice show) and the objections the public
//! raises on them.

use chrono::{DateTime, NaiveDate, Utc};

use crate::{Result, Tx, on_tx};

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
