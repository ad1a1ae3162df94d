//! Access control and the audit trail of every use case.
//!
//! **Security-sensitive.** Every use case calls [`require`] for its
//! permission and [`in_scope`] / [`deny`] for its target before it reads or
//! changes anything, and [`audit`] in the same transaction as its change.
//! The rules:
//!
//! - A permission the actor's roles do not grant → `Forbidden`, recorded as
//!   a denied attempt.
//! - A target outside the actor's region → `NotFound`, exactly as if it did
//!   not exist, recorded as a denied attempt.
//! - Denied attempts are written in their own transaction, so they stay
//!   when the use case's transaction is rolled back.
//! - Lists and counts of scoped tables see only the [`Within`] made here
//!   from the actor ([`within`], [`within_requested`]).
//! - Changes and reads of sensitive detail (full ID numbers, health) are
//!   recorded with the values before and after.
//! - The audit record is the last write of a transaction ([`audit`] queues
//!   it for the commit), so the lock on the chain's head is always taken
//!   last and many users at once never deadlock on it. Use cases that only
//!   read open [`Db::begin_read`]: on SQLite they then run beside the one
//!   writer instead of queueing for it.

use chrono::{DateTime, Utc};
use jiuzhu_domain::audit::Outcome;
use jiuzhu_domain::{Permission, RegionCode};
use jiuzhu_store::{AuditDraft, Db, Tx, Within};

use crate::error::{AppError, Result};
use crate::{Actor, Scope};

/// What an audit record is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub kind: &'static str,
    pub id: String,
    pub region: Option<RegionCode>,
}

impl Target {
    pub fn new(kind: &'static str, id: impl ToString, region: Option<&RegionCode>) -> Target {
        Target { kind, id: id.to_string(), region: region.cloned() }
    }

    pub fn none() -> Target {
        Target { kind: "", id: String::new(), region: None }
    }
}

fn draft(actor: &Actor, now: DateTime<Utc>, action: &str, target: &Target, outcome: Outcome) -> AuditDraft {
    AuditDraft {
        at: now,
        user_id: actor.user_id,
        login: actor.login.clone(),
        ip: actor.ip.clone(),
        action: action.to_string(),
        target_kind: target.kind.to_string(),
        target_id: target.id.clone(),
        region_code: target
            .region
            .as_ref()
            .map(|r| r.to_string())
            .or_else(|| match &actor.scope {
                Scope::Region(r) => Some(r.to_string()),
                Scope::All => None,
            })
            .unwrap_or_default(),
        outcome,
        before: String::new(),
        after: String::new(),
    }
}

/// Records an allowed action in `tx`, with the values before and after.
///
/// The record is appended when `tx` commits, after everything else the use
/// case wrote (see [`Tx::audit_on_commit`]); in a read transaction
/// ([`Db::begin_read`]) it is written as the read ends, before the use case
/// answers.
pub async fn audit(
    tx: &mut Tx,
    actor: &Actor,
    now: DateTime<Utc>,
    action: &str,
    target: &Target,
    before: Option<&serde_json::Value>,
    after: Option<&serde_json::Value>,
) -> Result<()> {
    let mut record = draft(actor, now, action, target, Outcome::Allowed);
    record.before = before.map(|v| v.to_string()).unwrap_or_default();
    record.after = after.map(|v| v.to_string()).unwrap_or_default();
    tx.audit_on_commit(record);
    Ok(())
}

/// Records a denied attempt in its own transaction and returns `error`.
pub async fn deny(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    action: &str,
    target: &Target,
    error: AppError,
) -> AppError {
    match db.begin().await {
        Ok(tx) => deny_in(tx, actor, now, action, target, error).await,
        Err(e) => {
            tracing::error!(error = %e, action, "could not record a denied attempt");
            tracing::warn!(login = %actor.login, action, target = %target.id, "access denied");
            error
        }
    }
}

/// Checks a permission; a missing one is recorded and answered `Forbidden`.
pub async fn require(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    permission: Permission,
    action: &str,
    target: &Target,
) -> Result<()> {
    if actor.can(permission) { Ok(()) } else { Err(deny(db, actor, now, action, target, AppError::Forbidden).await) }
}

/// Whether a region lies inside the actor's scope.
pub fn in_scope(actor: &Actor, region: &RegionCode) -> bool {
    actor.scope.contains(region)
}

/// What the actor may see of a scoped table: the [`Within`] every list or
/// count of cases, households or the register takes. Built here and only
/// here (a test checks that no other module of the app builds one).
pub fn within(actor: &Actor) -> Within {
    within_requested(actor, None)
}

/// A region the user asked for, narrowed to what the actor may see
/// ([`Scope::narrow`]): the request inside the scope, or the scope.
pub fn within_requested(actor: &Actor, requested: Option<&RegionCode>) -> Within {
    actor.scope.narrow(requested).map_or_else(Within::everything, Within::region)
}

/// The whole installation, for work on the installation itself (counting
/// the due dates of every open case again when a calendar year is loaded),
/// never for what a user is shown.
pub fn whole_installation() -> Within {
    Within::everything()
}

/// Records a denied attempt in `tx` (which must not hold other changes yet),
/// commits it, and returns `error`. Used directly for scope checks made
/// inside a use case's transaction, before it writes anything; `tx` may be
/// a read transaction.
pub async fn deny_in(
    mut tx: Tx,
    actor: &Actor,
    now: DateTime<Utc>,
    action: &str,
    target: &Target,
    error: AppError,
) -> AppError {
    let res: Result<()> = async {
        tx.audit_on_commit(draft(actor, now, action, target, Outcome::Denied));
        tx.commit().await?;
        Ok(())
    }
    .await;
    if let Err(e) = res {
        tracing::error!(error = %e, action, "could not record a denied attempt");
    }
    tracing::warn!(login = %actor.login, action, target = %target.id, "access denied");
    error
}
