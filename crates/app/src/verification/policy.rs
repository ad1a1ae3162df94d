//! Region verification policies: setting them, listing those the actor's
//! regions use, and the policy a result was judged by.

use chrono::{DateTime, NaiveDate, Utc};
use jiuzhu_domain::verification::{Policy, RegionPolicy};
use jiuzhu_domain::{Permission, RegionCode};
use jiuzhu_store::{self as store, Db, Tx};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::access::{Target, audit, deny_in, require};
use crate::error::{AppError, Result};
use crate::{Actor, Scope};

/// Sets a region's verification policy from a date (replacing one set for
/// the same region and date).
pub async fn set_policy(db: &Db, actor: &Actor, now: DateTime<Utc>, policy: RegionPolicy) -> Result<()> {
    let target = Target::new("verification_policy", &policy.region_code, Some(&policy.region_code));
    require(db, actor, now, Permission::PolicyManage, "policy_set", &target).await?;
    let mut tx = db.begin().await?;
    if !actor.scope.contains(&policy.region_code) {
        return Err(deny_in(tx, actor, now, "policy_set", &target, AppError::NotFound).await);
    }
    let before = all_policies(&mut tx)
        .await?
        .into_iter()
        .find(|p| p.region_code == policy.region_code && p.effective_from == policy.effective_from);
    store::upsert_policy(
        &mut tx,
        &store::PolicyRecord {
            region_code: policy.region_code.clone(),
            effective_from: policy.effective_from,
            policy: serde_json::to_string(&policy.policy).map_err(|e| AppError::Internal(e.to_string()))?,
            updated_by: actor.login.clone(),
            updated_at: now,
        },
    )
    .await?;
    let before = before.map(|p| json!(p));
    audit(&mut tx, actor, now, "policy_set", &target, before.as_ref(), Some(&json!(policy))).await?;
    tx.commit().await?;
    Ok(())
}

pub(super) async fn all_policies(tx: &mut Tx) -> Result<Vec<RegionPolicy>> {
    Ok(store::list_policies(tx)
        .await?
        .into_iter()
        .filter_map(|p| {
            Some(RegionPolicy {
                region_code: p.region_code,
                effective_from: p.effective_from,
                policy: serde_json::from_str(&p.policy).ok()?,
            })
        })
        .collect())
}

/// The policies the actor's regions use: those set for a region in scope or
/// above it.
pub async fn list_policies(db: &Db, actor: &Actor, now: DateTime<Utc>) -> Result<Vec<RegionPolicy>> {
    require(db, actor, now, Permission::VerificationRead, "policies_listed", &Target::none()).await?;
    let mut tx = db.begin().await?;
    let all = all_policies(&mut tx).await?;
    Ok(all
        .into_iter()
        .filter(|p| match &actor.scope {
            Scope::All => true,
            Scope::Region(scope) => scope.contains(&p.region_code) || p.region_code.contains(scope),
        })
        .collect())
}

/// The policy a result was judged by: where it came from (`None`: the
/// national defaults) and its values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PolicyUsed {
    #[schema(value_type = Option<String>)]
    pub region_code: Option<RegionCode>,
    pub effective_from: Option<NaiveDate>,
    #[schema(value_type = Object)]
    pub policy: Policy,
}

pub(super) fn policy_used(policies: &[RegionPolicy], region: &RegionCode, on: NaiveDate) -> PolicyUsed {
    match jiuzhu_domain::verification::policy_in_force(policies, region, on) {
        Some(p) => PolicyUsed {
            region_code: Some(p.region_code.clone()),
            effective_from: Some(p.effective_from),
            policy: p.policy.clone(),
        },
        None => PolicyUsed { region_code: None, effective_from: None, policy: Policy::default() },
    }
}
