//! Objections (异议复核): lodging one against a finding of a result, and
//! recording the verification officer's outcome of its re-check.

use chrono::{DateTime, Utc};
use jiuzhu_domain::i18n::Message;
use jiuzhu_domain::verification::Finding;
use jiuzhu_domain::{Permission, RegionCode};
use jiuzhu_store::{self as store, Db, Tx};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::Actor;
use crate::access::{Target, audit, deny_in, require};
use crate::error::{AppError, Result};
use crate::registry::household_if_in_scope;

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
