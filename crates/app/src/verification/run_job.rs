//! A verification run as a background job: the same engine and results as
//! [`super::run_verification`], in chunks.
//!
//! 1. The members of the region's households are read once.
//! 2. The stored records of the latest delivery of every kind are read
//!    page by page into the engine; each page is a chunk (its progress is
//!    committed and the lease renewed), nothing is written yet.
//! 3. The households' results are computed in household order and staged
//!    (`job_verification_result`, one row per job and household), a chunk
//!    of households per transaction. A resumed job computes everything
//!    again (the deliveries never change) and stages only the households
//!    after the last one staged.
//! 4. One last transaction writes the run, copies the staged results into
//!    it (one per household: a unique index says so), forgets them, writes
//!    the audit record and marks the job done. Until then no run is seen.
//!
//! Progress counts the records read and then the households staged.

use std::collections::BTreeMap;

use jiuzhu_domain::RegionCode;
use jiuzhu_domain::i18n::china_date;
use jiuzhu_domain::job::Progress;
use jiuzhu_store as store;
use jiuzhu_verify::Tally;
use serde_json::json;

use super::deliveries::{DeliveryView, delivery_view};
use super::policy::all_policies;
use super::runs::{Prepared, ResultAt, add_page, engine_deliveries, household_result, prepare};
use crate::access::{Target, audit};
use crate::error::AppError;
use crate::job::worker::{Halt, JobCtx};
use crate::job::{JobOutcome, RunOutcome};

/// Runs the verification of `region` (`None`: every household) for the job
/// of `ctx`.
pub(crate) async fn run_job(ctx: &mut JobCtx<'_>, region: Option<&str>) -> Result<(), Halt> {
    let region = match region {
        Some(code) => Some(RegionCode::parse(code).map_err(|e| AppError::Internal(e.to_string()))?),
        None => None,
    };
    let db = ctx.db;
    let mut tx = db.begin_read().await?;
    let within = crate::access::within_requested(&ctx.actor, region.as_ref());
    let rows = store::members_for_verification(&mut tx, &within, None).await?;
    let deliveries: Vec<DeliveryView> =
        store::latest_deliveries(&mut tx).await?.into_iter().filter_map(delivery_view).collect();
    let policies = all_policies(&mut tx).await?;
    let staged_up_to = store::last_staged_household(&mut tx, ctx.id).await?;
    tx.commit().await?;
    let Prepared { order, mut members_of, members } = prepare(rows);
    let engine = engine_deliveries(&deliveries);
    let records: i64 = engine.iter().map(|(d, _)| (d.rows_read - d.rows_rejected).max(0)).sum();
    let total = records as u64 + order.len() as u64;
    let mut done = 0u64;

    // The records, page by page.
    let mut tally = Tally::new(&members);
    let mut matches = BTreeMap::new();
    for (delivery, kind) in &engine {
        let mut dataset = tally.begin(*kind);
        let mut after = 0;
        loop {
            let mut tx = db.begin_read().await?;
            let page = store::scan_dept_records(&mut tx, delivery.id, after, ctx.config.page).await?;
            tx.commit().await?;
            let Some(last) = page.last() else { break };
            after = last.0;
            add_page(&mut dataset, &page);
            done += page.len() as u64;
            ctx.progress(Progress::new(done, total)).await?;
        }
        matches.insert(delivery.kind.code().to_string(), dataset.end());
    }
    let sums = tally.finish();
    // What the deliveries promised and what was read may differ; from here
    // on the households count.
    done = records as u64;

    // The results, a chunk of households at a time.
    let now = ctx.now();
    let delivery_ids: Vec<i64> = deliveries.iter().map(|d| d.id).collect();
    let deliveries_json = json!(delivery_ids).to_string();
    let at = ResultAt { policies: &policies, today: china_date(now), now, deliveries: &deliveries_json };
    let mut by_rule: BTreeMap<String, i64> = BTreeMap::new();
    let households: Vec<_> = order.iter().zip(sums).collect();
    for chunk in households.chunks(ctx.config.chunk.max(1)) {
        let mut results = Vec::with_capacity(chunk.len());
        for (household, sums) in chunk {
            let verified = members_of.remove(&household.0).unwrap_or_default();
            results.push(household_result(household, sums.clone(), verified, &at, &mut by_rule)?);
        }
        results.retain(|r| staged_up_to.is_none_or(|last| r.household_id > last));
        done += chunk.len() as u64;
        if results.is_empty() {
            continue;
        }
        let mut c = ctx.begin_chunk().await?;
        store::stage_results(&mut c.tx, ctx.id, &results).await?;
        ctx.commit_chunk(c, Progress::new(done, total)).await?;
    }

    // The run, in one transaction.
    let mut c = ctx.begin_chunk().await?;
    let (households, with_findings) = store::staged_counts(&mut c.tx, ctx.id).await?;
    let run = store::RunRecord {
        id: 0,
        at: now,
        run_by: ctx.actor.login.clone(),
        region_code: region.as_ref().map(|r| r.to_string()).unwrap_or_default(),
        deliveries: deliveries_json,
        households,
        with_findings,
    };
    let run_id = store::insert_job_run(&mut c.tx, ctx.id, &run).await?;
    store::publish_staged_results(&mut c.tx, ctx.id, run_id).await?;
    let after = json!({
        "households": households, "with_findings": with_findings, "deliveries": delivery_ids, "by_rule": by_rule,
        "job": ctx.id,
    });
    let target = Target::new("verification_run", run_id, region.as_ref());
    audit(&mut c.tx, &ctx.actor, ctx.now(), "verification_run", &target, None, Some(&after)).await?;
    let outcome = JobOutcome::VerificationRun(RunOutcome {
        run_id,
        households,
        members: members.person_count() as i64,
        with_findings,
        by_rule,
        matches,
    });
    ctx.finish(c, &outcome).await
}
