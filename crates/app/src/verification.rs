//! Economic verification (家庭经济状况核对) over the database: department
//! data deliveries, region policies, verification runs, the per-household
//! report, and objections (异议复核).
//!
//! The flow: the verification centre imports a delivery per dataset kind
//! (kept for ever); a run takes the latest delivery of each kind, feeds
//! its stored records through the engine of `jiuzhu-verify` (the same
//! accumulators as the file batch), turns the sums into findings under the
//! policy in force for each household's region, and stores, per household,
//! the members, sums, findings, the policy used and the deliveries used.
//! A report is assembled from that result and the records of exactly
//! those deliveries, so it reads the same after newer data arrives.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use jiuzhu_domain::dataset::{ColumnType, DatasetKind, format_centi};
use jiuzhu_domain::i18n::{Lang, Message, china_date};
use jiuzhu_domain::verification::{Finding, HouseholdSums, Policy, RegionPolicy, Rule, findings, is_evidence};
use jiuzhu_domain::{Fen, IdNumber, Permission, RegionCode};
use jiuzhu_files::Problem;
use jiuzhu_files::department::{DeliveryFile, parse_delivery};
use jiuzhu_store::{self as store, Db, Tx};
use jiuzhu_verify::{Kind, Members, Record, Tally};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::access::{Target, audit, deny_in, require};
use crate::error::{AppError, Result};
use crate::registry::{household_if_in_scope, household_or_deny, region_tree};
use crate::{Actor, Scope};

// ------------------------------------------------------------- deliveries

/// What the importer says about a delivery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DeliveryMeta {
    #[schema(value_type = String, example = "vehicle")]
    pub kind: DatasetKind,
    pub department: String,
    /// The date the department's data is as of.
    pub as_of: NaiveDate,
    pub file_name: String,
}

/// A stored delivery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct DeliveryView {
    pub id: i64,
    #[schema(value_type = String)]
    pub kind: DatasetKind,
    pub department: String,
    pub as_of: NaiveDate,
    pub file_name: String,
    pub format: String,
    pub rows_read: i64,
    pub rows_rejected: i64,
    pub imported_by: String,
    pub imported_at: DateTime<Utc>,
}

fn delivery_view(d: store::DeliveryRecord) -> Option<DeliveryView> {
    Some(DeliveryView {
        id: d.id,
        kind: DatasetKind::parse(&d.draft.kind)?,
        department: d.draft.department,
        as_of: d.draft.as_of,
        file_name: d.draft.file_name,
        format: d.draft.format,
        rows_read: d.draft.rows_read,
        rows_rejected: d.draft.rows_rejected,
        imported_by: d.draft.imported_by,
        imported_at: d.draft.imported_at,
    })
}

/// What an import did: the delivery, and the rows skipped with why.
#[derive(Debug, Clone)]
pub struct DeliveryImported {
    pub delivery: DeliveryView,
    pub rejected: Vec<Problem>,
    pub warnings: Vec<Problem>,
}

/// Why a delivery was not imported.
#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    /// The file cannot be used at all (unreadable, a required column
    /// missing); nothing was written.
    #[error("{} problems", .0.len())]
    Rejected(Vec<Problem>),
    #[error(transparent)]
    App(#[from] AppError),
}

impl From<store::StoreError> for DeliveryError {
    fn from(e: store::StoreError) -> Self {
        DeliveryError::App(e.into())
    }
}

/// Imports a delivery file: parsed, then written whole in one transaction
/// with its record, its rejected rows and the audit entry.
pub async fn import_delivery(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    meta: DeliveryMeta,
    bytes: &[u8],
) -> Result<DeliveryImported, DeliveryError> {
    let target = Target::new("delivery", meta.kind.code(), None);
    require(db, actor, now, Permission::DeliveryImport, "delivery_imported", &target).await?;
    if meta.department.trim().is_empty() {
        return Err(AppError::invalid("department", Message::new("import.error.required")).into());
    }
    let file = parse_delivery(meta.kind, bytes).map_err(DeliveryError::Rejected)?;
    let delivery = store_delivery(db, actor, now, &meta, &file).await?;
    Ok(DeliveryImported { delivery, rejected: file.rejected, warnings: file.warnings })
}

async fn store_delivery(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    meta: &DeliveryMeta,
    file: &DeliveryFile,
) -> Result<DeliveryView> {
    let draft = store::DeliveryDraft {
        kind: meta.kind.code().to_string(),
        department: meta.department.trim().to_string(),
        as_of: meta.as_of,
        file_name: meta.file_name.clone(),
        format: file.format.to_string(),
        rows_read: file.rows_read as i64,
        rows_rejected: file.rows_rejected() as i64,
        imported_by: actor.login.clone(),
        imported_at: now,
    };
    let rows: Vec<store::DeptRow> = file
        .records
        .iter()
        .map(|r| {
            let data: serde_json::Map<String, serde_json::Value> =
                r.values.iter().map(|(k, v)| (k.to_string(), json!(v))).collect();
            store::DeptRow {
                line: r.line as i64,
                person_key: r.id_number.to_u64(),
                id_number: r.id_number.as_str().to_string(),
                amount: r.amount,
                category: r.category.clone(),
                data: serde_json::Value::Object(data).to_string(),
            }
        })
        .collect();
    let rejections: Vec<store::RejectionRow> = file
        .rejected
        .iter()
        .map(|p| store::RejectionRow {
            line: p.line.map(|l| l as i64),
            column: p.column.as_ref().map(|c| format!("{}|{}", c.letter(), c.header)).unwrap_or_default(),
            message: json!({ "zh": p.message.render(Lang::Zh), "en": p.message.render(Lang::En) }).to_string(),
        })
        .collect();
    let mut tx = db.begin().await?;
    let id = store::insert_delivery(&mut tx, &draft).await?;
    store::insert_dept_records(&mut tx, id, &rows).await?;
    store::insert_rejections(&mut tx, id, &rejections).await?;
    let after = json!({
        "kind": draft.kind, "department": draft.department, "as_of": draft.as_of, "file_name": draft.file_name,
        "rows_read": draft.rows_read, "rows_rejected": draft.rows_rejected,
    });
    audit(&mut tx, actor, now, "delivery_imported", &Target::new("delivery", id, None), None, Some(&after)).await?;
    tx.commit().await?;
    delivery_view(store::DeliveryRecord { id, draft })
        .ok_or_else(|| AppError::Internal("stored delivery kind unreadable".into()))
}

/// The deliveries, newest first; of one kind when given.
pub async fn list_deliveries(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    kind: Option<DatasetKind>,
) -> Result<Vec<DeliveryView>> {
    require(db, actor, now, Permission::VerificationRead, "deliveries_listed", &Target::none()).await?;
    let mut tx = db.begin().await?;
    let all = store::list_deliveries(&mut tx, kind.map(DatasetKind::code)).await?;
    Ok(all.into_iter().filter_map(delivery_view).collect())
}

/// One rejected row of a stored delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    pub line: Option<i64>,
    /// `C列（身份证号）`-style place, empty when the problem is the row's.
    pub column_letter: String,
    pub column_header: String,
    /// The reason in Chinese and in English (rendered at import).
    pub message_zh: String,
    pub message_en: String,
}

impl Rejection {
    pub fn message(&self, lang: Lang) -> &str {
        match lang {
            Lang::Zh => &self.message_zh,
            Lang::En => &self.message_en,
        }
    }
}

/// A delivery with its rejected rows.
pub async fn delivery_detail(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    id: i64,
) -> Result<(DeliveryView, Vec<Rejection>)> {
    require(db, actor, now, Permission::VerificationRead, "delivery_viewed", &Target::new("delivery", id, None))
        .await?;
    let mut tx = db.begin().await?;
    let delivery = store::get_delivery(&mut tx, id).await?.and_then(delivery_view).ok_or(AppError::NotFound)?;
    let rejections = store::rejections_of(&mut tx, id)
        .await?
        .into_iter()
        .map(|r| {
            let (letter, header) = r.column.split_once('|').unwrap_or(("", ""));
            let text = |json: &str, lang: &str| {
                serde_json::from_str::<serde_json::Value>(json)
                    .ok()
                    .and_then(|v| v.get(lang).and_then(|t| t.as_str()).map(str::to_string))
                    .unwrap_or_default()
            };
            Rejection {
                line: r.line,
                column_letter: letter.to_string(),
                column_header: header.to_string(),
                // A rejected value may be (part of) an ID number: masked (issue 10).
                message_zh: crate::privacy::mask_text(&text(&r.message, "zh")),
                message_en: crate::privacy::mask_text(&text(&r.message, "en")),
            }
        })
        .collect();
    Ok((delivery, rejections))
}

// ----------------------------------------------------------------- policy

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

async fn all_policies(tx: &mut Tx) -> Result<Vec<RegionPolicy>> {
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

fn policy_used(policies: &[RegionPolicy], region: &RegionCode, on: NaiveDate) -> PolicyUsed {
    match jiuzhu_domain::verification::policy_in_force(policies, region, on) {
        Some(p) => PolicyUsed {
            region_code: Some(p.region_code.clone()),
            effective_from: Some(p.effective_from),
            policy: p.policy.clone(),
        },
        None => PolicyUsed { region_code: None, effective_from: None, policy: Policy::default() },
    }
}

// -------------------------------------------------------------------- runs

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
    let rows = store::members_for_verification(&mut tx, region.as_ref(), household).await?;
    let deliveries: Vec<DeliveryView> =
        store::latest_deliveries(&mut tx).await?.into_iter().filter_map(delivery_view).collect();

    // Households in id order, members keyed by packed ID number.
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
    let members = Members::from_pairs(pairs);
    let keys: Vec<u64> = members.table.iter().map(|(k, _)| k).collect();
    let mut tally = Tally::new(&members);
    let mut matches = BTreeMap::new();
    let engine: Vec<(&DeliveryView, Kind)> =
        deliveries.iter().filter_map(|d| Kind::from_dataset(d.kind).map(|k| (d, k))).collect();
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
                for (_, key, amount, category) in &page {
                    dataset.add(Record {
                        key: *key,
                        amount: amount.unwrap_or(0),
                        category: category.as_deref().unwrap_or(""),
                    });
                }
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
    for ((household_id, external_id, region_code), mut sums) in order.iter().zip(sums) {
        sums.household_id = external_id.clone();
        let region = RegionCode::parse(region_code).map_err(|e| AppError::Internal(e.to_string()))?;
        let used = policy_used(&policies, &region, today);
        let found = findings(&sums, &used.policy);
        for f in &found {
            *by_rule.entry(f.rule.code().to_string()).or_default() += 1;
        }
        results.push(store::ResultRecord {
            id: 0,
            run_id: 0,
            household_id: *household_id,
            at: now,
            members: json!(members_of.remove(household_id).unwrap_or_default()).to_string(),
            sums: json!(sums).to_string(),
            findings: json!(found).to_string(),
            finding_count: found.len() as i64,
            policy: json!(used).to_string(),
            deliveries: deliveries_json.clone(),
        });
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
    let region = actor.scope.narrow(None);
    let rows = store::results_with_findings(&mut tx, run_id, region.as_ref(), FOLLOW_UP_LIMIT + 1).await?;
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

// ------------------------------------------------------------------ report

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

// -------------------------------------------------------------- objections

/// A household's objection to one finding, as the township clerk records it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
pub struct ObjectionForm {
    /// The rule of the contested finding (`owns_car`, …).
    pub rule: String,
    pub reason: String,
    /// The evidence offered (documents, their numbers and dates).
    #[serde(default)]
    pub evidence: String,
}

/// Loads a result in the actor's scope, with its household's region.
async fn result_in_scope(
    tx: &mut Tx,
    actor: &Actor,
    result_id: i64,
) -> Result<Option<(store::ResultRecord, RegionCode)>> {
    let Some(result) = store::get_result(tx, result_id).await? else { return Ok(None) };
    let Some(household) = household_if_in_scope(tx, actor, result.household_id).await? else { return Ok(None) };
    Ok(Some((result, household.fields.region_code)))
}

/// Lodges an objection to a finding of a result.
pub async fn lodge_objection(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    result_id: i64,
    form: ObjectionForm,
) -> Result<i64> {
    let target = Target::new("verification_result", result_id, None);
    require(db, actor, now, Permission::ObjectionLodge, "objection_lodged", &target).await?;
    form.check_lengths()?;
    let mut tx = db.begin().await?;
    let Some((result, region)) = result_in_scope(&mut tx, actor, result_id).await? else {
        return Err(deny_in(tx, actor, now, "objection_lodged", &target, AppError::NotFound).await);
    };
    let found: Vec<Finding> = serde_json::from_str(&result.findings).unwrap_or_default();
    let mut errors = Vec::new();
    if !found.iter().any(|f| f.rule.code() == form.rule) {
        errors
            .push(crate::error::FieldError { field: "rule", message: Message::new("objection.error.no_such_finding") });
    }
    if form.reason.trim().is_empty() {
        errors.push(crate::error::FieldError { field: "reason", message: Message::new("import.error.required") });
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let record = store::ObjectionRecord {
        id: 0,
        result_id,
        rule: form.rule.clone(),
        reason: form.reason.trim().to_string(),
        evidence: form.evidence.trim().to_string(),
        lodged_by: actor.name.clone(),
        lodged_at: now,
        outcome: None,
        outcome_note: String::new(),
        decided_by: None,
        decided_at: None,
    };
    let id = store::insert_objection(&mut tx, &record).await?;
    let after = json!({ "objection": id, "rule": record.rule, "reason": record.reason, "evidence": record.evidence });
    audit(
        &mut tx,
        actor,
        now,
        "objection_lodged",
        &Target::new("verification_result", result_id, Some(&region)),
        None,
        Some(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// The outcome of a re-check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The objection holds: the finding is withdrawn.
    Upheld,
    /// The finding stands.
    Rejected,
}

impl Outcome {
    pub fn code(self) -> &'static str {
        match self {
            Outcome::Upheld => "upheld",
            Outcome::Rejected => "rejected",
        }
    }
}

/// Records the verification officer's outcome of an objection's re-check.
pub async fn decide_objection(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    result_id: i64,
    objection_id: i64,
    outcome: Outcome,
    note: &str,
) -> Result<()> {
    let target = Target::new("verification_result", result_id, None);
    require(db, actor, now, Permission::ObjectionDecide, "objection_decided", &target).await?;
    crate::text_limits::check([(crate::text_limits::DECISION_NOTE, note)])?;
    let mut tx = db.begin().await?;
    let Some((_, region)) = result_in_scope(&mut tx, actor, result_id).await? else {
        return Err(deny_in(tx, actor, now, "objection_decided", &target, AppError::NotFound).await);
    };
    if !store::objections_of(&mut tx, result_id).await?.iter().any(|o| o.id == objection_id) {
        return Err(AppError::NotFound);
    }
    if note.trim().is_empty() {
        return Err(AppError::invalid("note", Message::new("import.error.required")));
    }
    if !store::decide_objection(&mut tx, objection_id, outcome.code(), note.trim(), &actor.name, now).await? {
        return Err(AppError::Conflict(Message::new("objection.error.decided")));
    }
    let after = json!({ "objection": objection_id, "outcome": outcome.code(), "note": note.trim() });
    audit(
        &mut tx,
        actor,
        now,
        "objection_decided",
        &Target::new("verification_result", result_id, Some(&region)),
        None,
        Some(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
