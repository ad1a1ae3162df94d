//! Reading the audit log: the auditors' search, the verification of the
//! whole keyed hash chain against the checkpoints kept outside the
//! database (`jiuzhu audit verify`), and taking those checkpoints
//! (`jiuzhu audit checkpoint`).

use chrono::{DateTime, Utc};
use jiuzhu_domain::audit::{ChainBreak, Checkpoint, Outcome, audit_time};
use jiuzhu_domain::{Permission, RegionCode};
use jiuzhu_store::{self as store, AuditFilter, Db};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::access::{Target, audit, require};
use crate::error::Result;
use crate::{Actor, Scope};

/// Records per page of the search.
pub const PER_PAGE: i64 = 50;

/// What an auditor looks for.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    pub login: Option<String>,
    pub action: Option<String>,
    pub target_kind: Option<String>,
    pub target_id: Option<String>,
    /// Everything recorded about this person: lookups of the number, views
    /// of the person and of their household.
    pub person: Option<jiuzhu_domain::IdNumber>,
    pub region: Option<RegionCode>,
    pub denied_only: bool,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    /// 1-based.
    pub page: i64,
}

/// One record as shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AuditRow {
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub login: String,
    pub ip: String,
    /// The action's code (`case_approve`); pages show its label.
    pub action: String,
    /// `kind:id` (`case:12`).
    pub target: String,
    /// The kind of record (`case`) and its number, apart.
    pub target_kind: String,
    pub target_id: String,
    pub region_code: String,
    pub denied: bool,
    pub before: String,
    pub after: String,
}

/// Records matching `query`, newest first, within the actor's region.
/// Searching is itself recorded.
pub async fn search(db: &Db, actor: &Actor, now: DateTime<Utc>, query: &AuditQuery) -> Result<Vec<AuditRow>> {
    require(db, actor, now, Permission::AuditRead, "audit_searched", &Target::none()).await?;
    let region = actor.scope.narrow(query.region.as_ref());
    let mut tx = db.begin().await?;
    let mut any_target = Vec::new();
    if let Some(id) = &query.person {
        any_target.push(("person".to_string(), id.masked()));
        for p in store::persons_by_id_numbers(&mut tx, &[*id]).await? {
            any_target.push(("person".to_string(), p.id.to_string()));
            any_target.push(("household".to_string(), p.household_id.to_string()));
        }
    }
    let filter = AuditFilter {
        login: query.login.clone(),
        action: query.action.clone(),
        target_kind: query.target_kind.clone(),
        target_id: query.target_id.clone(),
        any_target,
        within: crate::access::within_requested(actor, query.region.as_ref()),
        outcome: query.denied_only.then_some(Outcome::Denied),
        from: query.from,
        to: query.to,
        limit: PER_PAGE,
        offset: (query.page.max(1) - 1) * PER_PAGE,
    };
    let rows = store::search_audit(&mut tx, &filter).await?;
    let criteria = serde_json::json!({
        "login": query.login, "action": query.action, "target_kind": query.target_kind,
        "target_id": query.target_id, "person": query.person.map(|p| p.masked()), "region": region.as_ref().map(|r| r.to_string()),
        "denied_only": query.denied_only, "page": query.page,
    });
    audit(&mut tx, actor, now, "audit_searched", &Target::new("audit", "", region.as_ref()), None, Some(&criteria))
        .await?;
    tx.commit().await?;
    Ok(rows
        .into_iter()
        .map(|r| AuditRow {
            seq: r.record.seq,
            at: r.record.at,
            login: r.record.login,
            ip: r.record.ip,
            action: r.record.action,
            target: if r.record.target_kind.is_empty() {
                String::new()
            } else {
                format!("{}:{}", r.record.target_kind, r.record.target_id)
            },
            target_kind: r.record.target_kind,
            target_id: r.record.target_id,
            region_code: r.record.region_code,
            denied: r.record.outcome == Outcome::Denied,
            // Auditors see who did what to which record; the personal
            // numbers inside the values are masked like everywhere else
            // (the stored record, which the chain covers, keeps them).
            before: crate::privacy::mask_json_text(&r.record.before),
            after: crate::privacy::mask_json_text(&r.record.after),
        })
        .collect())
}

/// The result of verifying the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verification {
    /// Every record matches its keyed hash, the head and the checkpoints;
    /// `records` were checked.
    Intact { records: i64 },
    /// Every record matches, but the first `unkeyed` were written before
    /// the installation had a key: only the plain SHA-256 chain (and the
    /// first keyed record, which covers their last hash) protects them.
    IntactWithUnkeyed { records: i64, unkeyed: i64 },
    /// The first record found wrong.
    Broken(ChainBreak),
}

/// Only the command line and supervisors of the whole installation verify
/// the chain or take checkpoints.
fn may_check_the_chain(actor: &Actor) -> Result<()> {
    if actor.scope != Scope::All || !actor.can(Permission::AuditRead) {
        return Err(crate::AppError::Forbidden);
    }
    Ok(())
}

fn no_key() -> crate::AppError {
    crate::AppError::Internal("the audit key is not configured (JIUZHU_AUDIT_KEY_FILE)".to_string())
}

/// Verifies the whole chain in batches against the database's audit key,
/// without checkpoints (see [`verify_against`]).
pub async fn verify(db: &Db, actor: &Actor) -> Result<Verification> {
    verify_against(db, actor, &[]).await
}

/// Verifies the whole chain in batches: every record's keyed hash under
/// the database's audit key, the links between records, the stored head,
/// and the `checkpoints` kept outside the database (a chain cut below a
/// checkpoint, or a checkpointed record with another hash, is broken).
/// Names the first record found wrong.
pub async fn verify_against(db: &Db, actor: &Actor, checkpoints: &[Checkpoint]) -> Result<Verification> {
    may_check_the_chain(actor)?;
    let key = db.audit_key().ok_or_else(no_key)?;
    let mut tx = db.begin_read().await?;
    let checked = store::verify_audit_chain(&mut tx, key, checkpoints).await?;
    tx.commit().await?;
    Ok(match checked {
        Err(broken) => Verification::Broken(broken),
        Ok(summary) if summary.unkeyed > 0 => {
            Verification::IntactWithUnkeyed { records: summary.records, unkeyed: summary.unkeyed }
        }
        Ok(summary) => Verification::Intact { records: summary.records },
    })
}

/// A checkpoint of the chain's head as of `now`, to be appended to the
/// checkpoint file outside the database (`jiuzhu audit checkpoint`, and
/// `jiuzhu serve` every few minutes). Cheap: it reads only the head.
pub async fn checkpoint(db: &Db, actor: &Actor, now: DateTime<Utc>) -> Result<Checkpoint> {
    may_check_the_chain(actor)?;
    db.audit_key().ok_or_else(no_key)?;
    let mut tx = db.begin_read().await?;
    let head = store::audit_head(&mut tx).await?;
    tx.commit().await?;
    Ok(Checkpoint { seq: head.seq, hash: head.hash, at: audit_time(now), keyed_from: head.keyed_from })
}
