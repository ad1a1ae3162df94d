//! Counting for throttles that must hold across restarts and across several
//! server processes: failed sign-ins per client address, and anonymous
//! objections per address and notice. The policies (how many, how long) are
//! the domain's; this module only counts.

use chrono::{DateTime, Utc};

use crate::{Result, Tx, on_tx};

/// Records a failed sign-in (or a wrong current password) from `address`.
pub async fn record_login_failure(tx: &mut Tx, address: &str, at: DateTime<Utc>) -> Result<()> {
    on_tx!(tx, |conn| {
        sqlx::query("INSERT INTO login_failure (address, at) VALUES ($1, $2)")
            .bind(address)
            .bind(at)
            .execute(&mut *conn)
            .await?
            .rows_affected()
    });
    Ok(())
}

/// Failures from `address` at or after `since`.
pub async fn login_failures_since(tx: &mut Tx, address: &str, since: DateTime<Utc>) -> Result<i64> {
    let (n,): (i64,) = on_tx!(tx, |conn| {
        sqlx::query_as("SELECT COUNT(*) FROM login_failure WHERE address = $1 AND at >= $2")
            .bind(address)
            .bind(since)
            .fetch_one(&mut *conn)
            .await?
    });
    Ok(n)
}

/// Forgets failures older than `before` (they no longer count).
pub async fn forget_login_failures(tx: &mut Tx, before: DateTime<Utc>) -> Result<u64> {
    let n = on_tx!(tx, |conn| {
        sqlx::query("DELETE FROM login_failure WHERE at < $1").bind(before).execute(&mut *conn).await?.rows_affected()
    });
    Ok(n)
}

/// Anonymous objections from `address` to one notice at or after `since`.
pub async fn public_objections_since(tx: &mut Tx, address: &str, notice_id: i64, since: DateTime<Utc>) -> Result<i64> {
    let (n,): (i64,) = on_tx!(tx, |conn| {
        sqlx::query_as("SELECT COUNT(*) FROM public_objection WHERE from_address = $1 AND notice_id = $2 AND at >= $3")
            .bind(address)
            .bind(notice_id)
            .bind(since)
            .fetch_one(&mut *conn)
            .await?
    });
    Ok(n)
}
