//! Queries of a region's own bank file layout (代发文件格式, migration 0016)
//! and of the layout a roll's file was exported with.
//!
//! Layout versions are only inserted: the newest of a region (highest id)
//! is the one in force there, and a region without one takes its nearest
//! ancestor's. The layout itself is the JSON text of
//! `jiuzhu_domain::payment::layout::BankLayout`, read and checked above.
//!
//! A roll's layout is recorded once, at its first export, in the export's
//! transaction (`payment_roll_layout`; `layout_id` NULL for the 一卡通
//! default): later exports and the return's import use it, whatever the
//! county records afterwards.

use chrono::{DateTime, Utc};
use jiuzhu_domain::RegionCode;

use crate::{Result, Tx, on_tx};

/// One version of a region's layout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayoutRow {
    pub id: i64,
    pub region_code: String,
    pub name: String,
    /// The JSON of the domain's `BankLayout`.
    pub layout: String,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
}

type LayoutTuple = (i64, String, String, String, String, DateTime<Utc>);
const COLUMNS: &str = "id, region_code, name, layout, recorded_by, recorded_at";

fn from_tuple(t: LayoutTuple) -> LayoutRow {
    let (id, region_code, name, layout, recorded_by, recorded_at) = t;
    LayoutRow { id, region_code, name, layout, recorded_by, recorded_at }
}

/// Records a new version of a region's layout (it replaces the one in
/// force there; the old stays). Its id.
pub async fn insert(
    tx: &mut Tx,
    region: &RegionCode,
    name: &str,
    layout_json: &str,
    by: &str,
    now: DateTime<Utc>,
) -> Result<i64> {
    let (id,): (i64,) = on_tx!(tx, |conn| {
        sqlx::query_as(
            "INSERT INTO bank_layout (region_code, name, layout, recorded_by, recorded_at)
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(region.as_str())
        .bind(name)
        .bind(layout_json)
        .bind(by)
        .bind(now)
        .fetch_one(&mut *conn)
        .await?
    });
    Ok(id)
}

/// The newest version of a region's own layout.
pub async fn own(tx: &mut Tx, region: &RegionCode) -> Result<Option<LayoutRow>> {
    let sql = format!("SELECT {COLUMNS} FROM bank_layout WHERE region_code = $1 ORDER BY id DESC LIMIT 1");
    let row: Option<LayoutTuple> = on_tx!(tx, |conn| {
        sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(region.as_str()).fetch_optional(&mut *conn).await?
    });
    Ok(row.map(from_tuple))
}

/// The layout in force for a region: its own newest, else its nearest
/// ancestor's.
pub async fn in_force(tx: &mut Tx, region: &RegionCode) -> Result<Option<LayoutRow>> {
    let mut at = Some(region.clone());
    while let Some(code) = at {
        if let Some(row) = own(tx, &code).await? {
            return Ok(Some(row));
        }
        at = code.parent();
    }
    Ok(None)
}

/// Every version of a region's own layout, newest first.
pub async fn history(tx: &mut Tx, region: &RegionCode) -> Result<Vec<LayoutRow>> {
    let sql = format!("SELECT {COLUMNS} FROM bank_layout WHERE region_code = $1 ORDER BY id DESC");
    let rows: Vec<LayoutTuple> = on_tx!(tx, |conn| {
        sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(region.as_str()).fetch_all(&mut *conn).await?
    });
    Ok(rows.into_iter().map(from_tuple).collect())
}

/// One version by id.
pub async fn get(tx: &mut Tx, id: i64) -> Result<Option<LayoutRow>> {
    let sql = format!("SELECT {COLUMNS} FROM bank_layout WHERE id = $1");
    let row: Option<LayoutTuple> =
        on_tx!(tx, |conn| sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(&mut *conn).await?);
    Ok(row.map(from_tuple))
}

/// The layout a roll's file was first exported with: `None` when it has
/// not been recorded, `Some(None)` for the 一卡通 default.
pub async fn of_roll(tx: &mut Tx, roll_id: i64) -> Result<Option<Option<i64>>> {
    let row: Option<(Option<i64>,)> = on_tx!(tx, |conn| {
        sqlx::query_as("SELECT layout_id FROM payment_roll_layout WHERE roll_id = $1")
            .bind(roll_id)
            .fetch_optional(&mut *conn)
            .await?
    });
    Ok(row.map(|(id,)| id))
}

/// Records the layout of a roll's first export; a roll that has one keeps it.
pub async fn record_for_roll(tx: &mut Tx, roll_id: i64, layout_id: Option<i64>) -> Result<()> {
    on_tx!(tx, |conn| {
        sqlx::query(
            "INSERT INTO payment_roll_layout (roll_id, layout_id) VALUES ($1, $2) ON CONFLICT (roll_id) DO NOTHING",
        )
        .bind(roll_id)
        .bind(layout_id)
        .execute(&mut *conn)
        .await?
        .rows_affected()
    });
    Ok(())
}
