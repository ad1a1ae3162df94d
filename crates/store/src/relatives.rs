//! Queries of the staff-relatives register (近亲属备案).

use chrono::{DateTime, Utc};

use crate::{Result, Tx, Within, on_tx};

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

/// The register inside `within`, by region and id.
pub async fn list_staff_relatives(tx: &mut Tx, within: &Within) -> Result<Vec<StaffRelativeRow>> {
    let (from, to) = within.range();
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
