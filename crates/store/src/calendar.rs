//! Queries of the working-day calendar: the years an administrator loaded.

use chrono::{DateTime, Utc};

use crate::{Result, Tx, on_tx};

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
