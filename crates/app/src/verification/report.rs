//! The per-household verification report (核对报告): a household's
//! results and the report assembled from a stored result and the records
//! of exactly the deliveries it used.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use jiuzhu_domain::dataset::{ColumnType, DatasetKind, format_centi};
use jiuzhu_domain::i18n::Message;
use jiuzhu_domain::verification::{Finding, HouseholdSums, Rule, is_evidence};
use jiuzhu_domain::{Fen, IdNumber, Permission};
use jiuzhu_store::{self as store, Db, Tx};
use serde::Serialize;

use super::deliveries::{DeliveryView, delivery_view};
use super::policy::PolicyUsed;
use super::runs::VerifiedMember;
use crate::Actor;
use crate::access::{Target, audit, deny_in, require};
use crate::error::{AppError, Result};
use crate::registry::{household_if_in_scope, household_or_deny, region_tree};

/// A household's results, newest first (for its page).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ResultSummary {
    pub id: i64,
    pub run_id: i64,
    pub at: DateTime<Utc>,
    pub finding_count: i64,
    pub rules: Vec<String>,
}

/// The verification results of a household.
pub async fn household_results(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    household_id: i64,
) -> Result<Vec<ResultSummary>> {
    let target = Target::new("household", household_id, None);
    require(db, actor, now, Permission::VerificationRead, "verification_results_listed", &target).await?;
    let mut tx = db.begin().await?;
    let _ = household_or_deny!(tx, db, actor, now, household_id, "verification_results_listed");
    let results = store::results_of(&mut tx, household_id).await?;
    Ok(results
        .into_iter()
        .map(|r| {
            let found: Vec<Finding> = serde_json::from_str(&r.findings).unwrap_or_default();
            ResultSummary {
                id: r.id,
                run_id: r.run_id,
                at: r.at,
                finding_count: r.finding_count,
                rules: found.iter().map(|f| f.rule.code().to_string()).collect(),
            }
        })
        .collect())
}

/// One matched department record in a report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ReportRecord {
    pub delivery_id: i64,
    pub line: i64,
    /// The member it concerns.
    pub member: String,
    pub id_number_masked: String,
    /// The values in catalogue column order, formatted (money `1,234.50元`,
    /// areas `85.50㎡`).
    pub values: Vec<String>,
    #[serde(skip)]
    pub category: String,
}

/// One dataset of a report: its delivery and the members' records in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ReportDataset {
    #[schema(value_type = String)]
    pub kind: DatasetKind,
    pub delivery: DeliveryView,
    /// Column names after the ID number, in catalogue order.
    pub columns: Vec<String>,
    pub records: Vec<ReportRecord>,
}

/// A finding with the records that produced it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ReportFinding {
    #[schema(value_type = Object)]
    pub finding: Finding,
    #[schema(value_type = Object)]
    pub message: Message,
    /// `(dataset kind code, delivery id, line)` of each record behind it.
    pub evidence: Vec<(String, i64, i64)>,
}

/// An objection and its outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ObjectionView {
    pub id: i64,
    pub rule: String,
    pub reason: String,
    pub evidence: String,
    pub lodged_by: String,
    pub lodged_at: DateTime<Utc>,
    /// `upheld` (the finding is withdrawn) or `rejected` (it stands);
    /// `None` while the re-check is open.
    pub outcome: Option<String>,
    pub outcome_note: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
}

/// A household member as the report shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ReportMember {
    pub name: String,
    pub relation: String,
    pub id_number_masked: String,
}

/// The verification report (核对报告) of one household.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Report {
    pub result_id: i64,
    pub run_id: i64,
    pub verified_at: DateTime<Utc>,
    pub household_id: i64,
    pub external_id: String,
    pub region_name: String,
    /// The county-level region whose civil-affairs bureau issues the report.
    pub county_name: String,
    pub members: Vec<ReportMember>,
    pub datasets: Vec<ReportDataset>,
    #[schema(value_type = Object)]
    pub sums: HouseholdSums,
    pub findings: Vec<ReportFinding>,
    pub policy: PolicyUsed,
    pub objections: Vec<ObjectionView>,
}

impl Report {
    /// Whether a finding has an objection that was upheld (the finding no
    /// longer stands).
    pub fn withdrawn(&self, rule: Rule) -> bool {
        self.objections.iter().any(|o| o.rule == rule.code() && o.outcome.as_deref() == Some("upheld"))
    }
}

/// Formats a stored value for the report.
fn display_value(ty: ColumnType, raw: &str) -> String {
    match ty {
        ColumnType::Money => raw.parse::<i64>().map(|f| Fen(f).to_string()).unwrap_or_else(|_| raw.to_string()),
        ColumnType::Area => {
            raw.parse::<i64>().map(|c| format!("{}㎡", format_centi(c))).unwrap_or_else(|_| raw.to_string())
        }
        _ => raw.to_string(),
    }
}

/// Assembles the report of a stored result. An audited read.
pub async fn report(db: &Db, actor: &Actor, now: DateTime<Utc>, result_id: i64) -> Result<Report> {
    let target = Target::new("verification_result", result_id, None);
    require(db, actor, now, Permission::VerificationRead, "verification_report_viewed", &target).await?;
    let mut tx = db.begin().await?;
    let Some(result) = store::get_result(&mut tx, result_id).await? else {
        return Err(deny_in(tx, actor, now, "verification_report_viewed", &target, AppError::NotFound).await);
    };
    let Some(household) = household_if_in_scope(&mut tx, actor, result.household_id).await? else {
        return Err(deny_in(tx, actor, now, "verification_report_viewed", &target, AppError::NotFound).await);
    };
    let bad = |what: &str| AppError::Internal(format!("stored verification result unreadable: {what}"));
    let members: Vec<VerifiedMember> = serde_json::from_str(&result.members).map_err(|_| bad("members"))?;
    let sums: HouseholdSums = serde_json::from_str(&result.sums).map_err(|_| bad("sums"))?;
    let found: Vec<Finding> = serde_json::from_str(&result.findings).map_err(|_| bad("findings"))?;
    let policy: PolicyUsed = serde_json::from_str(&result.policy).map_err(|_| bad("policy"))?;
    let delivery_ids: Vec<i64> = serde_json::from_str(&result.deliveries).map_err(|_| bad("deliveries"))?;

    let ids: Vec<IdNumber> = members.iter().filter_map(|m| IdNumber::parse(&m.id_number).ok()).collect();
    let keys: Vec<u64> = ids.iter().map(IdNumber::to_u64).collect();
    let records = store::records_for(&mut tx, &delivery_ids, &keys).await?;
    let mut datasets = Vec::new();
    for id in &delivery_ids {
        let Some(delivery) = store::get_delivery(&mut tx, *id).await?.and_then(delivery_view) else { continue };
        let columns = &delivery.kind.columns()[1..];
        let records: Vec<ReportRecord> = records
            .iter()
            .filter(|r| r.delivery_id == *id)
            .map(|r| {
                let data: BTreeMap<String, String> = serde_json::from_str(&r.data).unwrap_or_default();
                let member = members.iter().find(|m| m.id_number == r.id_number);
                ReportRecord {
                    delivery_id: r.delivery_id,
                    line: r.line,
                    member: member.map(|m| m.name.clone()).unwrap_or_default(),
                    id_number_masked: IdNumber::parse(&r.id_number).map(|i| i.masked()).unwrap_or_default(),
                    values: columns
                        .iter()
                        .map(|c| display_value(c.ty, data.get(c.name).map(String::as_str).unwrap_or("")))
                        .collect(),
                    category: r.category.clone().unwrap_or_default(),
                }
            })
            .collect();
        datasets.push(ReportDataset {
            kind: delivery.kind,
            columns: columns.iter().map(|c| c.name.to_string()).collect(),
            delivery,
            records,
        });
    }
    datasets.sort_by_key(|d| d.kind);
    let findings = found
        .into_iter()
        .map(|f| ReportFinding {
            message: f.message(),
            evidence: datasets
                .iter()
                .flat_map(|d| {
                    d.records
                        .iter()
                        .filter(|r| is_evidence(f.rule, d.kind, &r.category))
                        .map(|r| (d.kind.code().to_string(), r.delivery_id, r.line))
                })
                .collect(),
            finding: f,
        })
        .collect();
    let objections = objection_views(&mut tx, result_id).await?;
    let tree = region_tree(&mut tx).await?;
    let target = Target::new("verification_result", result_id, Some(&household.fields.region_code));
    audit(&mut tx, actor, now, "verification_report_viewed", &target, None, None).await?;
    tx.commit().await?;
    Ok(Report {
        result_id,
        run_id: result.run_id,
        verified_at: result.at,
        household_id: household.id,
        external_id: household.fields.external_id.clone(),
        region_name: tree.full_name(&household.fields.region_code),
        county_name: tree
            .path(&household.fields.region_code)
            .iter()
            .find(|r| r.code.level() == jiuzhu_domain::RegionLevel::County)
            .map(|r| r.name.clone())
            .unwrap_or_default(),
        members: members
            .iter()
            .map(|m| ReportMember {
                name: m.name.clone(),
                relation: m.relation.clone(),
                id_number_masked: IdNumber::parse(&m.id_number).map(|i| i.masked()).unwrap_or_default(),
            })
            .collect(),
        datasets,
        sums,
        findings,
        policy,
        objections,
    })
}

async fn objection_views(tx: &mut Tx, result_id: i64) -> Result<Vec<ObjectionView>> {
    Ok(store::objections_of(tx, result_id)
        .await?
        .into_iter()
        .map(|o| ObjectionView {
            id: o.id,
            rule: o.rule,
            reason: o.reason,
            evidence: o.evidence,
            lodged_by: o.lodged_by,
            lodged_at: o.lodged_at,
            outcome: o.outcome,
            outcome_note: o.outcome_note,
            decided_by: o.decided_by,
            decided_at: o.decided_at,
        })
        .collect())
}
