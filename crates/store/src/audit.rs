//! The audit log: appending a hash-chained record in the caller's
//! transaction, reading the chain back for verification, and searching it.
//!
//! Appending first bumps the single row of `audit_head` (which locks it on
//! PostgreSQL and takes the write lock on SQLite, so appends never fork the
//! chain), computes the new record's hash over its content and the previous
//! hash, inserts the record and stores the new head hash. The hash is keyed
//! with the [`Db`](crate::Db)'s audit key (a file the database never sees);
//! the head remembers the first keyed record. The table itself refuses
//! UPDATE and DELETE (triggers in the migrations) and any outcome outside
//! the closed set (a CHECK constraint); reading the chain back reports a
//! stored outcome outside the set instead of guessing one.

use chrono::{DateTime, Utc};
use jiuzhu_domain::audit::{
    AuditKey, AuditRecord, ChainBreak, ChainSummary, ChainVerifier, Checkpoint, Outcome, audit_time,
};

use crate::sql::{Param, Sql, bind_params};
use crate::{Result, Tx, on_tx};

/// A record to append: everything but its number, which the chain assigns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditDraft {
    pub at: DateTime<Utc>,
    pub user_id: Option<i64>,
    pub login: String,
    pub ip: String,
    pub action: String,
    pub target_kind: String,
    pub target_id: String,
    pub region_code: String,
    pub outcome: Outcome,
    pub before: String,
    pub after: String,
}

/// Appends a record to the chain, in `tx`.
pub async fn append_audit(tx: &mut Tx, draft: AuditDraft) -> Result<AuditRecord> {
    let (seq, prev_hash): (i64, String) = on_tx!(tx, |conn| {
        sqlx::query_as("UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash")
            .fetch_one(&mut *conn)
            .await?
    });
    let record = AuditRecord {
        seq,
        at: audit_time(draft.at),
        user_id: draft.user_id,
        login: draft.login,
        ip: draft.ip,
        action: draft.action,
        target_kind: draft.target_kind,
        target_id: draft.target_id,
        region_code: draft.region_code,
        outcome: draft.outcome,
        before: draft.before,
        after: draft.after,
    };
    let hash = match tx.audit_key() {
        Some(key) => record.keyed_hash(&prev_hash, key),
        None => record.hash(&prev_hash),
    };
    let keyed_from = tx.audit_key().map(|_| seq);
    on_tx!(tx, |conn| {
        sqlx::query(
            "INSERT INTO audit_event (seq, at, user_id, login, ip, action, target_kind, target_id, region_code, outcome,
                                      before_value, after_value, prev_hash, hash)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
        )
        .bind(record.seq)
        .bind(record.at)
        .bind(record.user_id)
        .bind(&record.login)
        .bind(&record.ip)
        .bind(&record.action)
        .bind(&record.target_kind)
        .bind(&record.target_id)
        .bind(&record.region_code)
        .bind(record.outcome.code())
        .bind(&record.before)
        .bind(&record.after)
        .bind(&prev_hash)
        .bind(&hash)
        .execute(&mut *conn)
        .await?
        .rows_affected()
    });
    on_tx!(tx, |conn| {
        sqlx::query("UPDATE audit_head SET hash = $1, keyed_from = COALESCE(keyed_from, $2) WHERE id = 1")
            .bind(&hash)
            .bind(keyed_from)
            .execute(&mut *conn)
            .await?
            .rows_affected()
    });
    Ok(record)
}

type AuditTuple = (
    i64,
    DateTime<Utc>,
    Option<i64>,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
);
const AUDIT_COLUMNS: &str = "seq, at, user_id, login, ip, action, target_kind, target_id, region_code, outcome, \
                             before_value, after_value, prev_hash, hash";

/// A stored record with its link and hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAudit {
    pub record: AuditRecord,
    pub prev_hash: String,
    pub hash: String,
}

/// A stored record whose outcome is none of the closed set: only someone
/// who bypassed the database's constraint can have written it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownOutcome {
    pub seq: i64,
    pub outcome: String,
}

fn audit_from(t: AuditTuple) -> Result<StoredAudit, UnknownOutcome> {
    match audit_parts(t) {
        (stored, None) => Ok(stored),
        (stored, Some(outcome)) => Err(UnknownOutcome { seq: stored.record.seq, outcome }),
    }
}

/// The stored record, and the stored outcome text if it is none of the
/// closed set (the record then says `Denied`, which the caller must not
/// take for what was stored).
fn audit_parts(t: AuditTuple) -> (StoredAudit, Option<String>) {
    let (
        seq,
        at,
        user_id,
        login,
        ip,
        action,
        target_kind,
        target_id,
        region_code,
        outcome_text,
        before,
        after,
        prev_hash,
        hash,
    ) = t;
    let outcome = Outcome::parse(&outcome_text);
    let stored = StoredAudit {
        record: AuditRecord {
            seq,
            at,
            user_id,
            login,
            ip,
            action,
            target_kind,
            target_id,
            region_code,
            outcome: outcome.unwrap_or(Outcome::Denied),
            before,
            after,
        },
        prev_hash,
        hash,
    };
    (stored, outcome.is_none().then_some(outcome_text))
}

/// Records `from_seq..` in order, at most `limit` of them (for verifying
/// the chain in batches); a record with an outcome outside the closed set
/// comes back as such.
pub async fn audit_chain(
    tx: &mut Tx,
    from_seq: i64,
    limit: i64,
) -> Result<Vec<std::result::Result<StoredAudit, UnknownOutcome>>> {
    let sql = format!("SELECT {AUDIT_COLUMNS} FROM audit_event WHERE seq >= $1 ORDER BY seq LIMIT $2");
    let rows: Vec<AuditTuple> = on_tx!(tx, |conn| {
        sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(from_seq).bind(limit).fetch_all(&mut *conn).await?
    });
    Ok(rows.into_iter().map(audit_from).collect())
}

/// Records read per batch when verifying the chain.
const VERIFY_BATCH: i64 = 10_000;

/// Verifies the whole chain in batches: every record's keyed hash under
/// `key` (plain hashes only at the start, before the first keyed record),
/// the links between records, the outcome's closed set, the stored head,
/// and the `checkpoints` kept outside the database. Answers the first
/// record found wrong, or what was checked. Records appended after the
/// head was read are left for the next check.
pub async fn verify_audit_chain(
    tx: &mut Tx,
    key: &AuditKey,
    checkpoints: &[Checkpoint],
) -> Result<std::result::Result<ChainSummary, ChainBreak>> {
    let head = audit_head(tx).await?;
    let mut verifier = ChainVerifier::new(key).keyed_from(head.keyed_from).with_checkpoints(checkpoints);
    while verifier.checked() < head.seq {
        let limit = VERIFY_BATCH.min(head.seq - verifier.checked());
        let batch = audit_chain(tx, verifier.checked() + 1, limit).await?;
        if batch.is_empty() {
            break;
        }
        for row in &batch {
            let checked = match row {
                Ok(row) => verifier.check(&row.record, &row.prev_hash, &row.hash),
                Err(unknown) => Err(ChainBreak::UnknownOutcome { seq: unknown.seq }),
            };
            if let Err(broken) = checked {
                return Ok(Err(broken));
            }
        }
    }
    Ok(verifier.finish(head.seq, &head.hash))
}

/// What the database says about the end of the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditHead {
    /// The number of the last record (0: none).
    pub seq: i64,
    /// Its hash (the genesis hash when there is none).
    pub hash: String,
    /// The first record appended with a key (`None`: none yet).
    pub keyed_from: Option<i64>,
}

/// The number and hash of the last record, and the first keyed record.
pub async fn audit_head(tx: &mut Tx) -> Result<AuditHead> {
    let (seq, hash, keyed_from): (i64, String, Option<i64>) = on_tx!(tx, |conn| {
        sqlx::query_as("SELECT seq, hash, keyed_from FROM audit_head WHERE id = 1").fetch_one(&mut *conn).await?
    });
    Ok(AuditHead { seq, hash, keyed_from })
}

/// What an auditor searches for; every given criterion must hold.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub login: Option<String>,
    pub action: Option<String>,
    pub target_kind: Option<String>,
    pub target_id: Option<String>,
    /// Records about any of these `(kind, id)` targets (empty: any).
    pub any_target: Vec<(String, String)>,
    /// Records about this region and below (and, for the whole
    /// installation, records without a region too).
    pub within: crate::Within,
    pub outcome: Option<Outcome>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub limit: i64,
    pub offset: i64,
}

/// Matching records, newest first.
pub async fn search_audit(tx: &mut Tx, filter: &AuditFilter) -> Result<Vec<StoredAudit>> {
    let mut sql = Sql::new(&format!("SELECT {AUDIT_COLUMNS} FROM audit_event WHERE 1 = 1"));
    for (column, value) in [
        ("login", &filter.login),
        ("action", &filter.action),
        ("target_kind", &filter.target_kind),
        ("target_id", &filter.target_id),
    ] {
        if let Some(v) = value {
            sql.push(&format!(" AND {column} = ")).bind(Param::Text(v.clone()));
        }
    }
    if !filter.any_target.is_empty() {
        sql.push(" AND (");
        for (idx, (kind, id)) in filter.any_target.iter().enumerate() {
            sql.push(if idx == 0 { "(target_kind = " } else { " OR (target_kind = " });
            sql.bind(Param::Text(kind.clone())).push(" AND target_id = ").bind(Param::Text(id.clone())).push(")");
        }
        sql.push(")");
    }
    if let Some(region) = filter.within.region_code() {
        let (from, to) = region.prefix_range();
        sql.push(" AND region_code >= ").bind(Param::Text(from));
        sql.push(" AND region_code < ").bind(Param::Text(to));
    }
    if let Some(outcome) = filter.outcome {
        sql.push(" AND outcome = ").bind(Param::Text(outcome.code().to_string()));
    }
    if let Some(from) = filter.from {
        sql.push(" AND at >= ").bind(Param::Time(from));
    }
    if let Some(to) = filter.to {
        sql.push(" AND at < ").bind(Param::Time(to));
    }
    sql.push(" ORDER BY seq DESC LIMIT ").bind(Param::Int(filter.limit));
    sql.push(" OFFSET ").bind(Param::Int(filter.offset));
    let rows: Vec<AuditTuple> = on_tx!(tx, |conn| {
        bind_params!(sqlx::query_as(sqlx::AssertSqlSafe(sql.text)), sql.params).fetch_all(&mut *conn).await?
    });
    // A record with an outcome outside the closed set is shown as refused,
    // so that it stands out; this is for display only (verifying the chain
    // reports the record as broken, see `audit_chain`).
    Ok(rows
        .into_iter()
        .map(|row| {
            let (stored, unknown) = audit_parts(row);
            if let Some(outcome) = unknown {
                tracing::error!(seq = stored.record.seq, %outcome, "audit record with an unknown outcome");
            }
            stored
        })
        .collect())
}

/// Runs a statement directly, bypassing every rule of the store. Only for
/// tests that play an attacker with database access.
#[doc(hidden)]
pub async fn execute_raw(tx: &mut Tx, statement: &str) -> Result<u64> {
    let statement = statement.to_string();
    Ok(on_tx!(tx, |conn| sqlx::raw_sql(sqlx::AssertSqlSafe(statement)).execute(&mut *conn).await?.rows_affected()))
}
