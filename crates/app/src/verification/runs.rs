//! Verification runs: running the engine over the latest deliveries for
//! the selected households, listing runs as the actor may see them, and a
//! run's follow-up list.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use jiuzhu_domain::i18n::china_date;
use jiuzhu_domain::verification::{Finding, HouseholdSums, findings};
use jiuzhu_domain::{IdNumber, Permission, RegionCode};
use jiuzhu_store::{self as store, Db, Tx};
use jiuzhu_verify::{Dataset, Kind, Members, Record, Tally};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::deliveries::{DeliveryView, delivery_view};
use super::policy::{Policies, all_policies, policy_used};
use crate::access::{Target, audit, deny_in, require};
use crate::error::{AppError, Result};
use crate::registry::{household_if_in_scope, household_or_deny, region_tree};
use crate::{Actor, Scope};

/// Which households a run verifies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selection {
    /// Every household in the actor's scope, or in this region of it.
    Region(Option<RegionCode>),
    /// One household (a clerk verifying an application).
    Household(i64),
}

/// A member as a result keeps it, so the report shows the household as it
/// was verified.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifiedMember {
    pub person_id: i64,
    pub name: String,
    pub relation: String,
    pub id_number: String,
}

/// What a run did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct RunSummary {
    pub run_id: i64,
    pub households: i64,
    pub members: i64,
    pub with_findings: i64,
    /// Per rule, the number of households with that finding.
    pub by_rule: BTreeMap<String, i64>,
    /// The deliveries used.
    pub deliveries: Vec<DeliveryView>,
    /// Records matched per dataset kind.
    pub matches: BTreeMap<String, u64>,
}

/// Records read per page when streaming a delivery out of the database.
const PAGE: i64 = 50_000;

/// Verifies the selected households against the latest delivery of every
/// kind, and stores a result per household.
pub async fn run_verification(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    selection: Selection,
    progress: &mut (dyn FnMut(usize, usize) + Send),
) -> Result<RunSummary> {
    let target = match &selection {
        Selection::Household(id) => Target::new("household", id, None),
        Selection::Region(r) => {
            Target::new("region", r.as_ref().map(|r| r.to_string()).unwrap_or_default(), r.as_ref())
        }
    };
    require(db, actor, now, Permission::VerificationRun, "verification_run", &target).await?;
    let mut tx = db.begin().await?;
    let (region, household) = match &selection {
        Selection::Household(id) => {
            let h = household_or_deny!(tx, db, actor, now, *id, "verification_run");
            (Some(h.fields.region_code), Some(*id))
        }
        Selection::Region(requested) => {
            if let (Some(r), Scope::Region(scope)) = (requested, &actor.scope)
                && !scope.contains(r)
                && !r.contains(scope)
            {
                return Err(deny_in(tx, actor, now, "verification_run", &target, AppError::NotFound).await);
            }
            (actor.scope.narrow(requested.as_ref()), None)
        }
    };
    let rows =
        store::members_for_verification(&mut tx, &crate::access::within_requested(actor, region.as_ref()), household)
            .await?;
    let deliveries: Vec<DeliveryView> =
        store::latest_deliveries(&mut tx).await?.into_iter().filter_map(delivery_view).collect();
    let Prepared { order, mut members_of, members } = prepare(rows);
    let keys: Vec<u64> = members.table.iter().map(|(k, _)| k).collect();
    let mut tally = Tally::new(&members);
    let mut matches = BTreeMap::new();
    let engine = engine_deliveries(&deliveries);
    let total = engine.len();
    for (done, (delivery, kind)) in engine.iter().enumerate() {
        progress(done, total);
        let mut dataset = tally.begin(*kind);
        if household.is_some() {
            // One household: read its members' records by index.
            for r in store::records_for(&mut tx, &[delivery.id], &keys).await? {
                let key = IdNumber::parse(&r.id_number).map(|id| id.to_u64()).unwrap_or(0);
                dataset.add(Record {
                    key,
                    amount: r.amount.unwrap_or(0),
                    category: r.category.as_deref().unwrap_or(""),
                });
            }
        } else {
            let mut after = 0;
            loop {
                let page = store::scan_dept_records(&mut tx, delivery.id, after, PAGE).await?;
                let Some(last) = page.last() else { break };
                after = last.0;
                add_page(&mut dataset, &page);
            }
        }
        matches.insert(delivery.kind.code().to_string(), dataset.end());
    }
    progress(total, total);
    let sums = tally.finish();

    let policies = all_policies(&mut tx).await?;
    let today = china_date(now);
    let delivery_ids: Vec<i64> = deliveries.iter().map(|d| d.id).collect();
    let deliveries_json = json!(delivery_ids).to_string();
    let mut by_rule: BTreeMap<String, i64> = BTreeMap::new();
    let mut results = Vec::with_capacity(order.len());
    for (household, sums) in order.iter().zip(sums) {
        let members = members_of.remove(&household.0).unwrap_or_default();
        let at = ResultAt { policies: &policies, today, now, deliveries: &deliveries_json };
        results.push(household_result(household, sums, members, &at, &mut by_rule)?);
    }
    let with_findings = results.iter().filter(|r| r.finding_count > 0).count() as i64;
    let run = store::RunRecord {
        id: 0,
        at: now,
        run_by: actor.login.clone(),
        region_code: region.as_ref().map(|r| r.to_string()).unwrap_or_default(),
        deliveries: deliveries_json,
        households: results.len() as i64,
        with_findings,
    };
    let run_id = store::insert_run(&mut tx, &run).await?;
    for r in &mut results {
        r.run_id = run_id;
    }
    store::insert_results(&mut tx, &results).await?;
    let summary = RunSummary {
        run_id,
        households: results.len() as i64,
        members: members.person_count() as i64,
        with_findings,
        by_rule,
        deliveries,
        matches,
    };
    let after = json!({
        "households": summary.households, "with_findings": with_findings, "deliveries": delivery_ids,
        "by_rule": summary.by_rule,
    });
    let audit_target = match household {
        Some(id) => Target::new("household", id, region.as_ref()),
        None => Target::new("verification_run", run_id, region.as_ref()),
    };
    audit(&mut tx, actor, now, "verification_run", &audit_target, None, Some(&after)).await?;
    tx.commit().await?;
    Ok(summary)
}

/// The households to verify in id order (id, number, region code), their
/// members as the results keep them, and the engine's table of members
/// keyed by packed ID number.
pub(super) struct Prepared {
    pub(super) order: Vec<(i64, String, String)>,
    pub(super) members_of: HashMap<i64, Vec<VerifiedMember>>,
    pub(super) members: Members,
}

/// Groups member rows (in household order) for the engine.
pub(super) fn prepare(rows: Vec<store::MemberRow>) -> Prepared {
    let mut order: Vec<(i64, String, String)> = Vec::new();
    let mut members_of: HashMap<i64, Vec<VerifiedMember>> = HashMap::new();
    let mut pairs = Vec::with_capacity(rows.len());
    for row in rows {
        if order.last().map(|o| o.0) != Some(row.household_id) {
            order.push((row.household_id, row.external_id.clone(), row.region_code.clone()));
        }
        let key = IdNumber::parse(&row.id_number).map(|id| id.to_u64()).unwrap_or(0);
        pairs.push((format!("{:020}", row.household_id), key));
        members_of.entry(row.household_id).or_default().push(VerifiedMember {
            person_id: row.person_id,
            name: row.name,
            relation: row.relation,
            id_number: row.id_number,
        });
    }
    Prepared { order, members_of, members: Members::from_pairs(pairs) }
}

/// The deliveries the engine reads, with the engine's kind of each.
pub(super) fn engine_deliveries(deliveries: &[DeliveryView]) -> Vec<(&DeliveryView, Kind)> {
    deliveries.iter().filter_map(|d| Kind::from_dataset(d.kind).map(|k| (d, k))).collect()
}

/// What every result of a run shares: the policies, the date and time,
/// the deliveries used (JSON).
pub(super) struct ResultAt<'a> {
    pub(super) policies: &'a Policies,
    pub(super) today: chrono::NaiveDate,
    pub(super) now: DateTime<Utc>,
    pub(super) deliveries: &'a str,
}

/// One household's result: its findings under the policy in force for its
/// region, counted into `by_rule`.
pub(super) fn household_result(
    (household_id, external_id, region_code): &(i64, String, String),
    mut sums: HouseholdSums,
    members: Vec<VerifiedMember>,
    at: &ResultAt<'_>,
    by_rule: &mut BTreeMap<String, i64>,
) -> Result<store::ResultRecord> {
    sums.household_id = external_id.clone();
    let region = RegionCode::parse(region_code).map_err(|e| AppError::Internal(e.to_string()))?;
    let used = policy_used(at.policies, &region, at.today);
    let found = findings(&sums, &used.policy);
    for f in &found {
        *by_rule.entry(f.rule.code().to_string()).or_default() += 1;
    }
    Ok(store::ResultRecord {
        id: 0,
        run_id: 0,
        household_id: *household_id,
        at: at.now,
        members: json!(members).to_string(),
        sums: json!(sums).to_string(),
        findings: json!(found).to_string(),
        finding_count: found.len() as i64,
        policy: json!(used).to_string(),
        deliveries: at.deliveries.to_string(),
    })
}

/// A run as listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct RunInfo {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub run_by: String,
    /// Empty: every household in the installation.
    pub region_code: String,
    pub households: i64,
    pub with_findings: i64,
}

/// A household to follow up after a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FollowUp {
    pub result_id: i64,
    pub household_id: i64,
    pub external_id: String,
    pub region_code: String,
    pub region_name: String,
    /// The rules of its findings.
    pub rules: Vec<String>,
}

/// A run's follow-up list for the actor: the households in their scope
/// with findings, by region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct RunFollowUps {
    pub run: RunInfo,
    pub follow_ups: Vec<FollowUp>,
    /// More households than listed have findings.
    pub truncated: bool,
}

/// Households listed at most on one follow-up page.
const FOLLOW_UP_LIMIT: i64 = 2_000;

/// Adds one page of a delivery's stored records (`store::scan_dept_records`)
/// to the dataset being tallied.
pub(super) fn add_page(dataset: &mut Dataset<'_, '_>, page: &[(i64, u64, Option<i64>, Option<String>)]) {
    for (_, key, amount, category) in page {
        dataset.add(Record { key: *key, amount: amount.unwrap_or(0), category: category.as_deref().unwrap_or("") });
    }
}

fn run_info(r: store::RunRecord) -> RunInfo {
    RunInfo {
        id: r.id,
        at: r.at,
        run_by: r.run_by,
        region_code: r.region_code,
        households: r.households,
        with_findings: r.with_findings,
    }
}

/// How much of a run an actor may see.
enum RunSight {
    /// The run's region is within the actor's scope: all of it.
    Whole,
    /// The run covered more than the actor's scope (the county, the whole
    /// installation): only what it found within this region.
    Within(RegionCode),
    /// Another region's run (a sibling township, a household elsewhere).
    Hidden,
}

fn run_sight(actor: &Actor, run: &store::RunRecord) -> RunSight {
    match (&actor.scope, RegionCode::parse(&run.region_code)) {
        (Scope::All, _) => RunSight::Whole,
        (Scope::Region(scope), Ok(region)) if scope.contains(&region) => RunSight::Whole,
        (Scope::Region(scope), Ok(region)) if region.contains(scope) => RunSight::Within(scope.clone()),
        (Scope::Region(scope), Err(_)) => RunSight::Within(scope.clone()),
        (Scope::Region(_), Ok(_)) => RunSight::Hidden,
    }
}

/// A run as the actor may see it: for a run wider than their scope, the
/// counts are those of their own region (a township clerk sees how many of
/// the township's households a county run verified and flagged, not the
/// other townships' numbers); another region's run is `None`.
async fn run_info_for(tx: &mut Tx, actor: &Actor, run: store::RunRecord) -> Result<Option<RunInfo>> {
    Ok(match run_sight(actor, &run) {
        RunSight::Whole => Some(run_info(run)),
        RunSight::Within(region) => {
            let (households, with_findings) = store::run_counts_in(tx, run.id, &region).await?;
            Some(RunInfo { households, with_findings, ..run_info(run) })
        }
        RunSight::Hidden => None,
    })
}

/// The latest runs that concern the actor's scope, newest first: runs
/// within it, and wider runs with the counts of the actor's region only.
pub async fn list_runs(db: &Db, actor: &Actor, now: DateTime<Utc>) -> Result<Vec<RunInfo>> {
    require(db, actor, now, Permission::VerificationRead, "verification_runs_listed", &Target::none()).await?;
    let mut tx = db.begin().await?;
    let mut listed = Vec::new();
    for run in store::list_runs(&mut tx, 50).await? {
        listed.extend(run_info_for(&mut tx, actor, run).await?);
    }
    Ok(listed)
}

/// The follow-up list of a run for the actor's scope (核对发现待核实).
pub async fn run_follow_ups(db: &Db, actor: &Actor, now: DateTime<Utc>, run_id: i64) -> Result<RunFollowUps> {
    let target = Target::new("verification_run", run_id, None);
    require(db, actor, now, Permission::VerificationRead, "verification_follow_ups_viewed", &target).await?;
    let mut tx = db.begin().await?;
    let Some(run) = store::get_run(&mut tx, run_id).await? else { return Err(AppError::NotFound) };
    let Some(run) = run_info_for(&mut tx, actor, run).await? else {
        return Err(deny_in(tx, actor, now, "verification_follow_ups_viewed", &target, AppError::NotFound).await);
    };
    let rows =
        store::results_with_findings(&mut tx, run_id, &crate::access::within(actor), FOLLOW_UP_LIMIT + 1).await?;
    let tree = region_tree(&mut tx).await?;
    let truncated = rows.len() as i64 > FOLLOW_UP_LIMIT;
    let follow_ups = rows
        .into_iter()
        .take(FOLLOW_UP_LIMIT as usize)
        .map(|(r, external_id, region_code)| {
            let found: Vec<Finding> = serde_json::from_str(&r.findings).unwrap_or_default();
            FollowUp {
                result_id: r.id,
                household_id: r.household_id,
                external_id,
                region_name: RegionCode::parse(&region_code).map(|c| tree.full_name(&c)).unwrap_or_default(),
                region_code,
                rules: found.iter().map(|f| f.rule.code().to_string()).collect(),
            }
        })
        .collect();
    Ok(RunFollowUps { run, follow_ups, truncated })
}
