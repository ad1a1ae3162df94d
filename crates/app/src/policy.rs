//! The assistance policy of each region: its versions, the entries an
//! administrator sets and the policy in force.

use chrono::{DateTime, NaiveDate, Utc};
use jiuzhu_domain::assistance::{PolicyPatch, PolicyVersion};
use jiuzhu_domain::i18n::Message;
use jiuzhu_domain::{Fen, Permission, RegionCode};
use jiuzhu_store::{self as store, Db, Tx};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use crate::access::{Target, audit, deny_in, require};
use crate::error::{AppError, FieldError, Result};
use crate::registry::region_tree;
use crate::{Actor, Scope};

pub(crate) async fn policy_versions(tx: &mut Tx) -> Result<Vec<PolicyVersion>> {
    store::policy::list_assistance_policies(tx)
        .await?
        .into_iter()
        .map(|row| {
            Ok(PolicyVersion {
                id: row.id,
                region_code: RegionCode::parse(&row.region_code).map_err(|_| AppError::Internal("region".into()))?,
                effective_from: row.effective_from,
                patch: serde_json::from_str(&row.patch).map_err(|e| AppError::Internal(e.to_string()))?,
            })
        })
        .collect()
}

/// A stored policy version, for the policy page and API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct PolicyVersionView {
    pub id: i64,
    pub region_code: String,
    pub region_name: String,
    pub effective_from: NaiveDate,
    /// The fields this version sets.
    #[schema(value_type = Object)]
    pub patch: serde_json::Value,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

/// Stores a new version of a region's assistance policy (never replacing
/// an old one: decisions name the versions they used).
pub async fn set_assistance_policy(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    region: &RegionCode,
    effective_from: NaiveDate,
    patch: &PolicyPatch,
) -> Result<i64> {
    let target = Target::new("region", region, Some(region));
    require(db, actor, now, Permission::PolicyManage, "assistance_policy_set", &target).await?;
    let mut tx = db.begin().await?;
    if !actor.scope.contains(region) || region_tree(&mut tx).await?.get(region).is_none() {
        return Err(deny_in(tx, actor, now, "assistance_policy_set", &target, AppError::NotFound).await);
    }
    let patch_json = serde_json::to_value(patch).map_err(|e| AppError::Internal(e.to_string()))?;
    let row = store::policy::AssistancePolicyRow {
        id: 0,
        region_code: region.to_string(),
        effective_from,
        patch: patch_json.to_string(),
        created_by: actor.name.clone(),
        created_at: now,
    };
    let id = store::policy::insert_assistance_policy(&mut tx, &row).await?;
    let after = json!({ "version": id, "effective_from": effective_from, "patch": patch_json });
    audit(&mut tx, actor, now, "assistance_policy_set", &target, None, Some(&after)).await?;
    tx.commit().await?;
    Ok(id)
}

/// A new policy version as entered: the region, the date it applies from,
/// the common settings as people write them (元, 是/否), and any other
/// `PolicyPatch` fields as a JSON object. An empty setting is inherited.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct PolicyEntry {
    pub region_code: String,
    /// `2026-01-01`.
    pub effective_from: String,
    /// 元 a month.
    pub dibao_urban_yuan: String,
    pub dibao_rural_yuan: String,
    /// `county` or `township`.
    pub confirmation: String,
    /// `yes` or `no`.
    pub review_notice: String,
    /// `yes` or `no`.
    pub verification_first: String,
    pub notice_days: String,
    /// Months of the 低保 standard.
    pub temp_township_months: String,
    pub temp_cap_months: String,
    /// 元 a month (prior year).
    pub min_wage_yuan: String,
    /// Other fields, e.g. `{"tekun_basic_permille": 1400}`.
    #[schema(value_type = Object)]
    pub patch: serde_json::Value,
}

impl PolicyEntry {
    pub fn parse(&self) -> Result<(RegionCode, NaiveDate, PolicyPatch)> {
        let mut errors = Vec::new();
        let mut bad = |field: &'static str, value: &str| {
            errors.push(FieldError { field, message: Message::new("policy.error.bad_value").arg("value", value) })
        };
        let region = RegionCode::parse(&self.region_code).ok();
        if region.is_none() {
            bad("region_code", &self.region_code);
        }
        let from = jiuzhu_domain::dataset::parse_date(&self.effective_from);
        if from.is_none() {
            bad("effective_from", &self.effective_from);
        }
        let mut patch = match &self.patch {
            serde_json::Value::Null => PolicyPatch::default(),
            serde_json::Value::String(s) if s.trim().is_empty() => PolicyPatch::default(),
            value => serde_json::from_value::<PolicyPatch>(value.clone()).unwrap_or_else(|e| {
                bad("patch", &e.to_string());
                PolicyPatch::default()
            }),
        };
        let yuan = |raw: &str| Fen::parse_yuan(raw).ok().filter(|f| f.0 > 0);
        let count = |raw: &str| raw.trim().parse::<u32>().ok();
        let yes_no = |raw: &str| match raw.trim() {
            "yes" | "是" | "true" => Some(true),
            "no" | "否" | "false" => Some(false),
            _ => None,
        };
        macro_rules! set {
            ($raw:expr, $field:ident, $parse:expr) => {
                if !$raw.trim().is_empty() {
                    match $parse($raw.as_str()) {
                        Some(v) => patch.$field = Some(v),
                        None => bad(stringify!($field), &$raw),
                    }
                }
            };
        }
        set!(self.dibao_urban_yuan, dibao_urban, yuan);
        set!(self.dibao_rural_yuan, dibao_rural, yuan);
        set!(self.confirmation, confirmation, jiuzhu_domain::assistance::Level::parse);
        set!(self.review_notice, review_notice, yes_no);
        set!(self.verification_first, verification_first, yes_no);
        set!(self.notice_days, notice_days, count);
        set!(self.temp_township_months, temp_township_months, count);
        set!(self.temp_cap_months, temp_cap_months, count);
        set!(self.min_wage_yuan, min_wage, yuan);
        match (region, from) {
            (Some(r), Some(f)) if errors.is_empty() => Ok((r, f, patch)),
            _ => Err(AppError::Invalid(errors)),
        }
    }
}

/// The stored versions inside or above the actor's region.
pub async fn assistance_policies(db: &Db, actor: &Actor, now: DateTime<Utc>) -> Result<Vec<PolicyVersionView>> {
    require(db, actor, now, Permission::CaseRead, "assistance_policy_listed", &Target::none()).await?;
    let mut tx = db.begin().await?;
    let tree = region_tree(&mut tx).await?;
    let rows = store::policy::list_assistance_policies(&mut tx).await?;
    Ok(rows
        .into_iter()
        .filter_map(|row| {
            let code = RegionCode::parse(&row.region_code).ok()?;
            let visible = match &actor.scope {
                Scope::All => true,
                Scope::Region(scope) => scope.contains(&code) || code.contains(scope),
            };
            visible.then(|| PolicyVersionView {
                id: row.id,
                region_name: tree.full_name(&code),
                region_code: row.region_code,
                effective_from: row.effective_from,
                patch: serde_json::from_str(&row.patch).unwrap_or_default(),
                created_by: row.created_by,
                created_at: row.created_at,
            })
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_entries_read_yuan_and_yes_no_and_leave_the_rest_inherited() {
        let entry = PolicyEntry {
            region_code: "349901".into(),
            effective_from: "2026年1月1日".into(),
            dibao_urban_yuan: "850".into(),
            review_notice: "no".into(),
            confirmation: "乡镇".into(),
            patch: serde_json::json!({"tekun_basic_permille": 1400}),
            ..Default::default()
        };
        let (region, from, patch) = entry.parse().unwrap();
        assert_eq!((region, from.to_string()), (RegionCode::parse("349901").unwrap(), "2026-01-01".to_string()));
        assert_eq!(patch.dibao_urban, Some(Fen(85_000)));
        assert_eq!(patch.review_notice, Some(false));
        assert_eq!(patch.confirmation, Some(jiuzhu_domain::assistance::Level::Township));
        assert_eq!(patch.tekun_basic_permille, Some(1_400));
        assert_eq!(patch.set_fields().len(), 4, "nothing else is set");
        let bad = PolicyEntry { dibao_rural_yuan: "八百".into(), notice_days: "-1".into(), ..entry };
        let Err(AppError::Invalid(errors)) = bad.parse() else { panic!("accepted bad values") };
        assert_eq!(errors.iter().map(|e| e.field).collect::<Vec<_>>(), vec!["dibao_rural", "notice_days"]);
    }
}
