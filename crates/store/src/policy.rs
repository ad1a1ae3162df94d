//! Queries of the policy (`domain::policy`): its versions, each a JSON
//! patch for a region from a date. Versions are only ever inserted, never
//! changed: decisions and verification results name the versions they used.

use chrono::{DateTime, NaiveDate, Utc};

use crate::{Result, Tx, on_tx};

/// One version of a region's policy (a JSON `PolicyPatch`).
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
