//! The policy a verification judges by: the thresholds derived from the one
//! policy in force for each household's region ([`crate::policy`], the
//! standard of the area the region applies), and what a result keeps of it,
//! so its report reads the same later.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::NaiveDate;
use jiuzhu_domain::RegionCode;
use jiuzhu_domain::assistance::Area;
use jiuzhu_domain::policy::{PolicyVersion, resolve};
use jiuzhu_domain::verification::Thresholds;
use jiuzhu_store::Tx;
use serde::{Deserialize, Serialize};

use crate::error::Result;

/// Every policy version, with the thresholds already worked out for each
/// region and date (a county-wide run asks for the same few villages once
/// per household).
pub(crate) struct Policies {
    versions: Vec<PolicyVersion>,
    used: Mutex<HashMap<(String, NaiveDate), PolicyUsed>>,
}

/// Every policy version, for [`policy_used`].
pub(super) async fn all_policies(tx: &mut Tx) -> Result<Policies> {
    Ok(Policies { versions: crate::policy::policy_versions(tx).await?, used: Mutex::default() })
}

/// A policy version a result was judged by.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct VersionUsed {
    pub id: i64,
    #[schema(value_type = String)]
    pub region_code: RegionCode,
    pub effective_from: NaiveDate,
}

/// The policy a result was judged by: the thresholds, the standard's area
/// and the versions they came from. Results from before the one policy
/// have no versions or area, only the region policy they used (`None`: the
/// national defaults).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PolicyUsed {
    /// The nearest region's version applied.
    #[schema(value_type = Option<String>)]
    pub region_code: Option<RegionCode>,
    pub effective_from: Option<NaiveDate>,
    #[schema(value_type = Object)]
    pub policy: Thresholds,
    /// The versions applied, from the top of the region tree down.
    #[serde(default)]
    pub versions: Vec<VersionUsed>,
    /// Whose standard applied: `urban` or `rural`.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub area: Option<Area>,
}

/// The thresholds in force for a household of `region` on `on`.
pub(super) fn policy_used(policies: &Policies, region: &RegionCode, on: NaiveDate) -> PolicyUsed {
    let key = (region.to_string(), on);
    if let Some(used) = policies.used.lock().ok().and_then(|m| m.get(&key).cloned()) {
        return used;
    }
    let used = work_out(&policies.versions, region, on);
    if let Ok(mut m) = policies.used.lock() {
        m.insert(key, used.clone());
    }
    used
}

fn work_out(versions: &[PolicyVersion], region: &RegionCode, on: NaiveDate) -> PolicyUsed {
    let resolved = resolve(versions, region, on);
    let used: Vec<VersionUsed> = resolved
        .versions
        .iter()
        .filter_map(|id| versions.iter().find(|v| v.id == *id))
        .map(|v| VersionUsed { id: v.id, region_code: v.region_code.clone(), effective_from: v.effective_from })
        .collect();
    let area = resolved.policy.area;
    PolicyUsed {
        region_code: used.last().map(|v| v.region_code.clone()),
        effective_from: used.last().map(|v| v.effective_from),
        policy: resolved.policy.thresholds(area),
        versions: used,
        area: Some(area),
    }
}
