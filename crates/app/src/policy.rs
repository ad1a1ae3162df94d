//! The one policy of each region (`domain::policy`): its versions, adding a
//! version from a form entered as people write it (元, 是/否, days), and the
//! policy in force for a region on a date with the version that set each
//! field. Every use case that needs a standard, a threshold or a limit reads
//! it through [`policy_versions`] and `domain::policy::resolve`, so the
//! same region and date give the same number everywhere.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use jiuzhu_domain::i18n::{Message, china_date};
use jiuzhu_domain::policy::{Policy, PolicyPatch, PolicyVersion, resolve};
use jiuzhu_domain::{Permission, RegionCode, RegionTree};
use jiuzhu_store::{self as store, Db, Tx};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use crate::access::{Target, audit, deny, deny_in, require};
use crate::error::{AppError, FieldError, Result};
use crate::registry::region_tree;
use crate::{Actor, Scope};

/// Every stored version.
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
    /// The fields this version sets (money in fen, multiples per mille).
    #[schema(value_type = Object)]
    pub patch: PolicyPatch,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

/// Stores a new version of a region's policy (never replacing an old one:
/// decisions and verification results name the versions they used). The
/// region's latest version in force replaces its earlier ones; what it does
/// not set comes from the region above.
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

/// A new version as the API takes it: the region, the date it applies from
/// and the fields it sets, typed (`{"dibao_rural": 62000}`: money in fen,
/// multiples per mille). A field left out is inherited.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct PolicyEntry {
    pub region_code: String,
    /// `2026-01-01`.
    pub effective_from: String,
    /// The fields this version sets.
    #[schema(value_type = Object)]
    pub patch: serde_json::Value,
}

impl PolicyEntry {
    pub fn parse(&self) -> Result<(RegionCode, NaiveDate, PolicyPatch)> {
        let mut errors = Vec::new();
        let (region, from) = region_and_date(&self.region_code, &self.effective_from, &mut errors);
        let patch = match &self.patch {
            serde_json::Value::Null => PolicyPatch::default(),
            value => serde_json::from_value::<PolicyPatch>(value.clone()).unwrap_or_else(|e| {
                errors.push(FieldError {
                    field: "patch",
                    message: Message::new("policy.error.bad_value").arg("value", e.to_string()),
                });
                PolicyPatch::default()
            }),
        };
        match (region, from) {
            (Some(r), Some(f)) if errors.is_empty() => Ok((r, f, patch)),
            _ => Err(AppError::Invalid(errors)),
        }
    }
}

/// A new version as the policy page sends it: the region, the date, and
/// every field as people write it (`dibao_rural=620`, `review_notice=no`,
/// `tekun_basic_permille=1.3`, `dibao_limits.overall=10`; see
/// `domain::policy::fields`). An empty field is inherited.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PolicyForm {
    pub region_code: String,
    pub effective_from: String,
    /// The fields' entries, in the order sent.
    pub entries: Vec<(String, String)>,
}

impl PolicyForm {
    /// The form from a page's entries (the region, the date and the fields;
    /// anything else, such as the CSRF token, is not a field and is ignored).
    pub fn from_entries(entries: Vec<(String, String)>) -> PolicyForm {
        let mut form = PolicyForm::default();
        for (name, value) in entries {
            match name.as_str() {
                "region_code" => form.region_code = value,
                "effective_from" => form.effective_from = value,
                _ => form.entries.push((name, value)),
            }
        }
        form
    }

    /// The region, the date and the patch, or every problem, each naming
    /// its field in the user's language.
    pub fn parse(&self) -> Result<(RegionCode, NaiveDate, PolicyPatch)> {
        let mut errors = Vec::new();
        let (region, from) = region_and_date(&self.region_code, &self.effective_from, &mut errors);
        let patch = PolicyPatch::from_form(&self.entries).unwrap_or_else(|problems| {
            errors.extend(problems.iter().map(|p| FieldError { field: p.field, message: p.message() }));
            PolicyPatch::default()
        });
        match (region, from) {
            (Some(r), Some(f)) if errors.is_empty() => Ok((r, f, patch)),
            _ => Err(AppError::Invalid(errors)),
        }
    }
}

fn region_and_date(region: &str, from: &str, errors: &mut Vec<FieldError>) -> (Option<RegionCode>, Option<NaiveDate>) {
    let code = RegionCode::parse(region.trim()).ok();
    if code.is_none() {
        errors.push(FieldError {
            field: "region_code",
            message: Message::new("import.error.bad_region").arg("value", region),
        });
    }
    let date = jiuzhu_domain::dataset::parse_date(from);
    if date.is_none() {
        errors.push(FieldError {
            field: "effective_from",
            message: Message::new("verify.error.bad_date").arg("value", from),
        });
    }
    (code, date)
}

/// Whether an actor sees a region's policy: regions inside their scope and
/// the ones above it.
fn visible(scope: &Scope, code: &RegionCode) -> bool {
    match scope {
        Scope::All => true,
        Scope::Region(scope) => scope.contains(code) || code.contains(scope),
    }
}

fn version_view(
    tree: &RegionTree,
    v: &PolicyVersion,
    row: Option<&store::policy::AssistancePolicyRow>,
) -> PolicyVersionView {
    PolicyVersionView {
        id: v.id,
        region_code: v.region_code.to_string(),
        region_name: tree.full_name(&v.region_code),
        effective_from: v.effective_from,
        patch: v.patch.clone(),
        created_by: row.map(|r| r.created_by.clone()).unwrap_or_default(),
        created_at: row.map(|r| r.created_at).unwrap_or_default(),
    }
}

/// The stored versions inside or above the actor's region.
pub async fn assistance_policies(db: &Db, actor: &Actor, now: DateTime<Utc>) -> Result<Vec<PolicyVersionView>> {
    require(db, actor, now, Permission::CaseRead, "assistance_policy_listed", &Target::none()).await?;
    let mut tx = db.begin_read().await?;
    let tree = region_tree(&mut tx).await?;
    let rows = store::policy::list_assistance_policies(&mut tx).await?;
    let versions = policy_versions(&mut tx).await?;
    Ok(versions
        .iter()
        .zip(&rows)
        .filter(|(v, _)| visible(&actor.scope, &v.region_code))
        .map(|(v, row)| version_view(&tree, v, Some(row)))
        .collect())
}

/// The policy in force for a region on a date, as the policy page and the
/// verification page show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct PolicyInForce {
    pub region_code: String,
    pub region_name: String,
    pub on: NaiveDate,
    /// Every field's value in force (money in fen, multiples per mille).
    #[schema(value_type = Object)]
    pub policy: Policy,
    /// The versions applied, from the top of the region tree down.
    pub versions: Vec<PolicyVersionView>,
    /// For each field a version sets, the id of that version; a field not
    /// listed has its national default.
    pub set_by: BTreeMap<String, i64>,
    /// The region's own version in force on the date (the one a new version
    /// of the region replaces).
    pub own: Option<PolicyVersionView>,
}

impl PolicyInForce {
    /// The version that set a field (`None`: the national default).
    pub fn source(&self, field: &str) -> Option<&PolicyVersionView> {
        let id = self.set_by.get(field)?;
        self.versions.iter().find(|v| v.id == *id)
    }
}

/// The region a policy page opens on: the actor's region, or for an actor
/// who sees everything the region all the others lie in (the county of a
/// county installation).
fn home_region(tree: &RegionTree, scope: &Scope) -> Option<RegionCode> {
    if let Scope::Region(r) = scope {
        return Some(r.clone());
    }
    let mut level = tree.roots();
    let mut home = None;
    while let [only] = level.as_slice() {
        home = Some(only.code.clone());
        level = tree.children(&only.code);
    }
    home
}

/// The policy in force for `region` (default: the actor's region) on `on`
/// (default: today in Beijing), with the version that set each field. A
/// region outside the actor's scope and not above it answers `NotFound`.
pub async fn policy_in_force(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    region: Option<&RegionCode>,
    on: Option<NaiveDate>,
) -> Result<PolicyInForce> {
    let target = Target::new("region", region.map(|r| r.to_string()).unwrap_or_default(), region);
    require(db, actor, now, Permission::CaseRead, "policy_read", &target).await?;
    let mut tx = db.begin_read().await?;
    let tree = region_tree(&mut tx).await?;
    let region = match region {
        Some(r) if visible(&actor.scope, r) && tree.get(r).is_some() => r.clone(),
        Some(_) => {
            drop(tx);
            return Err(deny(db, actor, now, "policy_read", &target, AppError::NotFound).await);
        }
        None => home_region(&tree, &actor.scope).ok_or(AppError::NotFound)?,
    };
    let on = on.unwrap_or_else(|| china_date(now));
    let rows = store::policy::list_assistance_policies(&mut tx).await?;
    let all = policy_versions(&mut tx).await?;
    let resolved = resolve(&all, &region, on);
    let view = |id: &i64| {
        let i = all.iter().position(|v| v.id == *id)?;
        Some(version_view(&tree, &all[i], rows.get(i)))
    };
    let versions: Vec<PolicyVersionView> = resolved.versions.iter().filter_map(view).collect();
    let own = versions.iter().find(|v| v.region_code == region.as_str()).cloned();
    Ok(PolicyInForce {
        region_name: tree.full_name(&region),
        region_code: region.to_string(),
        on,
        policy: resolved.policy,
        versions,
        set_by: resolved.set_by,
        own,
    })
}

#[cfg(test)]
mod tests {
    use jiuzhu_domain::Fen;
    use jiuzhu_domain::assistance::Level;

    use super::*;

    fn entries(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn a_page_form_reads_yuan_and_yes_no_and_leaves_the_rest_inherited() {
        let form = PolicyForm::from_entries(entries(&[
            ("csrf", "token"),
            ("region_code", "349901"),
            ("effective_from", "2026年1月1日"),
            ("dibao_urban", "850"),
            ("review_notice", "no"),
            ("confirmation", "乡镇"),
            ("tekun_basic_permille", "1.4"),
            ("notice_days", ""),
        ]));
        let (region, from, patch) = form.parse().unwrap();
        assert_eq!((region, from.to_string()), (RegionCode::parse("349901").unwrap(), "2026-01-01".to_string()));
        assert_eq!(patch.dibao_urban, Some(Fen(85_000)));
        assert_eq!(patch.review_notice, Some(false));
        assert_eq!(patch.confirmation, Some(Level::Township));
        assert_eq!(patch.tekun_basic_permille, Some(1_400));
        assert_eq!(patch.set_fields().len(), 4, "nothing else is set");
        let bad = PolicyForm::from_entries(entries(&[
            ("region_code", "349901"),
            ("effective_from", "明年"),
            ("dibao_rural", "八百"),
            ("notice_days", "-1"),
        ]));
        let Err(AppError::Invalid(errors)) = bad.parse() else { panic!("accepted bad values") };
        assert_eq!(
            errors.iter().map(|e| e.field).collect::<Vec<_>>(),
            vec!["effective_from", "dibao_rural", "notice_days"]
        );
        assert_eq!(
            errors[1].message.render(jiuzhu_domain::Lang::Zh),
            "农村低保标准（每人每月）：“八百”不是有效金额，请按元填写，如800.00"
        );
    }

    #[test]
    fn an_api_entry_is_typed() {
        let entry = PolicyEntry {
            region_code: "349901".into(),
            effective_from: "2026-01-01".into(),
            patch: json!({"dibao_rural": 62000, "tekun_basic_permille": 1400}),
        };
        let (_, _, patch) = entry.parse().unwrap();
        assert_eq!((patch.dibao_rural, patch.tekun_basic_permille), (Some(Fen(62_000)), Some(1_400)));
        let unknown = PolicyEntry { patch: json!({"dibao_standard": 1}), ..entry };
        assert!(matches!(unknown.parse(), Err(AppError::Invalid(e)) if e[0].field == "patch"));
    }
}
