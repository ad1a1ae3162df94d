//! Importing a roster into the registry: all or nothing, and idempotent.
//!
//! The file is parsed (every problem listed), then checked against the
//! registry (unknown regions, people registered in another household, a
//! household that would end up with two heads), and only when nothing is
//! wrong written in one transaction. Households are matched by their
//! number and people by their ID number, so importing the same file again
//! changes nothing; a changed file updates what changed and records it.
//! People registered in the system but absent from the file are left as
//! they are: a roster adds and corrects, it never deletes.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use jiuzhu_domain::household::{MemberFields, check_members};
use jiuzhu_domain::i18n::Message;
use jiuzhu_domain::{IdNumber, RegionTree};
use jiuzhu_files::{Field, Problem, Roster, parse_roster};
use jiuzhu_store::{self as store, Db, Tx};
use serde_json::json;

use crate::Actor;
use crate::access::{Target, audit, require};
use crate::error::AppError;
use crate::input::{HouseholdForm, MemberForm};
use jiuzhu_domain::Permission;

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ImportSummary {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub persons: usize,
    pub warnings: Vec<Problem>,
    /// How the file was read (`csv/gb18030`, `xlsx`…).
    pub format: &'static str,
}

/// Why an import did not happen.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file has problems; nothing was written.
    #[error("{} problems", .0.len())]
    Rejected(Vec<Problem>),
    #[error(transparent)]
    App(#[from] AppError),
}

impl From<store::StoreError> for ImportError {
    fn from(e: store::StoreError) -> Self {
        ImportError::App(e.into())
    }
}

/// Parses and imports a roster file.
pub async fn import_roster(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    bytes: &[u8],
) -> Result<ImportSummary, ImportError> {
    require(db, actor, now, Permission::RegistryImport, "roster_imported", &Target::none()).await?;
    let roster = parse_roster(bytes).map_err(ImportError::Rejected)?;
    import_parsed(db, actor, now, &roster).await
}

/// Imports a parsed roster.
pub async fn import_parsed(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    roster: &Roster,
) -> Result<ImportSummary, ImportError> {
    require(db, actor, now, Permission::RegistryImport, "roster_imported", &Target::none()).await?;
    let mut tx = db.begin().await?;
    let summary = import_in(&mut tx, actor, now, roster).await?;
    tx.commit().await?;
    tracing::info!(
        created = summary.created,
        updated = summary.updated,
        unchanged = summary.unchanged,
        actor = %actor.name,
        "roster imported"
    );
    Ok(summary)
}

/// Imports a parsed roster in `tx` (a write transaction the caller
/// commits: the page's, or a background job's last chunk), after the
/// permission was checked.
pub(crate) async fn import_in(
    tx: &mut Tx,
    actor: &Actor,
    now: DateTime<Utc>,
    roster: &Roster,
) -> Result<ImportSummary, ImportError> {
    let tree = RegionTree::new(store::list_regions(tx).await?);
    let external_ids: Vec<String> = roster.households.iter().map(|h| h.fields.external_id.clone()).collect();
    let existing: HashMap<String, store::HouseholdRecord> = store::households_by_external_ids(tx, &external_ids)
        .await?
        .into_iter()
        .map(|h| (h.fields.external_id.clone(), h))
        .collect();
    let id_numbers: Vec<IdNumber> =
        roster.households.iter().flat_map(|h| h.members.iter().map(|m| m.fields.id_number)).collect();
    let registered: HashMap<IdNumber, store::PersonRecord> =
        store::persons_by_id_numbers(tx, &id_numbers).await?.into_iter().map(|p| (p.fields.id_number, p)).collect();
    let mut household_numbers: HashMap<i64, String> =
        existing.values().map(|h| (h.id, h.fields.external_id.clone())).collect();
    for p in registered.values() {
        if let std::collections::hash_map::Entry::Vacant(e) = household_numbers.entry(p.household_id) {
            let number = store::get_household(tx, p.household_id).await?.map(|h| h.fields.external_id);
            e.insert(number.unwrap_or_default());
        }
    }

    // Check everything against the registry before writing anything.
    let mut problems = Vec::new();
    let problem = |line, field, message| Problem { line: Some(line), column: roster.column(field), message };
    for h in &roster.households {
        let code = &h.fields.region_code;
        if tree.get(code).is_none() || !actor.scope.contains(code) {
            problems.push(problem(
                h.line,
                Field::RegionCode,
                Message::new("import.error.unknown_region").arg("value", code),
            ));
        }
        let current = existing.get(&h.fields.external_id);
        // A household number taken outside the actor's scope is refused
        // without saying more.
        if current.is_some_and(|c| !actor.scope.contains(&c.fields.region_code)) {
            problems.push(problem(
                h.line,
                Field::HouseholdId,
                Message::new("household.error.external_id_taken").arg("external_id", &h.fields.external_id),
            ));
        }
        for m in &h.members {
            if let Some(p) = registered.get(&m.fields.id_number)
                && current.is_none_or(|c| c.id != p.household_id)
            {
                let elsewhere = household_numbers.get(&p.household_id).cloned().unwrap_or_default();
                problems.push(problem(
                    m.line,
                    Field::IdNumber,
                    Message::new("import.error.person_elsewhere")
                        .arg("id_number", m.fields.id_number)
                        .arg("external_id", elsewhere),
                ));
            }
        }
        // The household as it will be: registered members not in the file,
        // plus the file's members.
        if let Some(current) = current {
            let kept: Vec<store::PersonRecord> = store::members_of(tx, current.id)
                .await?
                .into_iter()
                .filter(|p| !h.members.iter().any(|m| m.fields.id_number == p.fields.id_number))
                .collect();
            let all = kept
                .iter()
                .map(|p| (&p.fields.id_number, p.fields.relation))
                .chain(h.members.iter().map(|m| (&m.fields.id_number, m.fields.relation)));
            if let Err(rule) = check_members(all) {
                problems.push(problem(h.line, Field::Relation, Message::new(rule.message_key())));
            }
        }
    }
    if !problems.is_empty() {
        problems.sort_by_key(|p| (p.line.unwrap_or(0), p.column.as_ref().map_or(0, |c| c.index + 1)));
        return Err(ImportError::Rejected(problems));
    }

    // Write.
    let mut summary = ImportSummary { warnings: roster.warnings.clone(), format: roster.format, ..Default::default() };
    summary.persons = roster.person_count();
    let new: Vec<_> = roster.households.iter().filter(|h| !existing.contains_key(&h.fields.external_id)).collect();
    let fields: Vec<_> = new.iter().map(|h| h.fields.clone()).collect();
    let ids: HashMap<String, i64> = store::insert_households_bulk(tx, &fields, now).await?.into_iter().collect();
    let mut members: Vec<(i64, MemberFields)> = Vec::new();
    let mut events: Vec<(i64, &str, String)> = Vec::new();
    for h in &new {
        let id = ids[&h.fields.external_id];
        members.extend(h.members.iter().map(|m| (id, m.fields.clone())));
        let detail = json!({
            "household": HouseholdForm::from_fields(&h.fields),
            "members": h.members.len(),
        });
        events.push((id, "imported", detail.to_string()));
    }
    store::insert_persons_bulk(tx, &members, now).await?;
    summary.created = new.len();

    for h in roster.households.iter().filter(|h| existing.contains_key(&h.fields.external_id)) {
        let current = &existing[&h.fields.external_id];
        let mut changes = serde_json::Map::new();
        if current.fields != h.fields {
            store::update_household(tx, current.id, current.version, &h.fields, now).await?;
            changes.insert("household".into(), json!(HouseholdForm::from_fields(&h.fields)));
        }
        let mut changed_members = Vec::new();
        for m in &h.members {
            match registered.get(&m.fields.id_number) {
                Some(p) if p.fields == m.fields => {}
                Some(p) => {
                    store::update_person(tx, p.id, p.version, &m.fields, now).await?;
                    changed_members.push(MemberForm::from_fields(&m.fields));
                }
                None => {
                    store::insert_person(tx, current.id, &m.fields, now).await?;
                    changed_members.push(MemberForm::from_fields(&m.fields));
                }
            }
        }
        if !changed_members.is_empty() {
            changes.insert("members".into(), json!(changed_members));
            if current.fields == h.fields {
                store::touch_household(tx, current.id, now).await?;
            }
        }
        if changes.is_empty() {
            summary.unchanged += 1;
        } else {
            summary.updated += 1;
            events.push((current.id, "imported", serde_json::Value::Object(changes).to_string()));
        }
    }
    store::insert_events_bulk(tx, &events, now, &actor.name).await?;
    crate::entitlement::enrol_from_roster(tx, actor, now).await?;
    let counts = json!({
        "format": summary.format,
        "created": summary.created,
        "updated": summary.updated,
        "unchanged": summary.unchanged,
        "persons": summary.persons,
    });
    audit(tx, actor, now, "roster_imported", &Target::none(), None, Some(&counts)).await?;
    Ok(summary)
}
