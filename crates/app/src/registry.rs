//! Registry use cases: regions, households and their members.
//!
//! Every read filters by the actor's scope; a household outside it answers
//! `NotFound`, exactly like one that does not exist. Every change writes a
//! history entry (`household_event`) in the same transaction: what changed,
//! when, and who.

use chrono::{DateTime, NaiveDate, Utc};
use jiuzhu_domain::household::{HouseholdFields, HouseholdRuleError, MemberFields, check_relation_change};
use jiuzhu_domain::i18n::Message;
use jiuzhu_domain::{IdNumber, Program, Region, RegionCode, RegionTree, Relation};
use jiuzhu_store::{self as store, Db, HouseholdFilter, HouseholdRecord, PersonMatch, PersonRecord, Tx};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use crate::access::{Target, audit, deny_in, require};
use crate::error::{AppError, Result};
use crate::input::{HouseholdForm, MemberForm};
use crate::{Actor, Scope};
use jiuzhu_domain::Permission;

/// Households per page of the list.
pub const PER_PAGE: u32 = 20;
/// Counting stops here; the list then says "more than".
pub const COUNT_CAP: i64 = 10_000;

// ------------------------------------------------------------------ views

/// One line of the household list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct HouseholdRow {
    pub id: i64,
    pub external_id: String,
    pub region_code: String,
    /// Full name of the region below the county (`城关镇东村`).
    pub region_name: String,
    pub address: String,
    /// Programme code, e.g. `dibao`.
    pub program: Option<String>,
    pub monthly_benefit_fen: Option<i64>,
    pub head_name: Option<String>,
    /// The head's ID number, masked (`3401**********123X`).
    pub head_id_number_masked: Option<String>,
    pub member_count: i64,
}

/// A page of the household list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct HouseholdPage {
    pub rows: Vec<HouseholdRow>,
    /// Number of matching households, counted up to `COUNT_CAP`.
    pub total: i64,
    /// True when there are more than `total`.
    pub total_capped: bool,
    pub page: u32,
    pub per_page: u32,
    /// The region the list was filtered to, after applying the scope.
    pub region_code: Option<String>,
}

impl HouseholdPage {
    pub fn has_next(&self) -> bool {
        self.total_capped || i64::from(self.page) * i64::from(self.per_page) < self.total
    }
}

/// A household with its fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct HouseholdView {
    pub id: i64,
    pub version: i64,
    #[serde(flatten)]
    pub form: HouseholdForm,
    pub region_name: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A member of a household.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct MemberView {
    pub id: i64,
    pub household_id: i64,
    /// The member's version; an edit sends it back (optimistic locking).
    pub version: i64,
    #[serde(flatten)]
    pub form: MemberForm,
    /// `male` or `female`, from the ID number.
    pub sex: String,
    pub birth_date: NaiveDate,
    pub age: u32,
}

/// One entry of a household's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct HistoryEntry {
    pub at: DateTime<Utc>,
    pub actor: String,
    /// What happened, e.g. `household_updated`.
    pub action: String,
    /// What changed: `{"field": [before, after]}`, or the values set.
    #[schema(value_type = Object)]
    pub detail: serde_json::Value,
}

/// A household with its members and history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct HouseholdDetail {
    pub household: HouseholdView,
    pub members: Vec<MemberView>,
    pub history: Vec<HistoryEntry>,
    /// What the household and its members receive, current then past.
    pub entitlements: Vec<crate::entitlement::EntitlementView>,
}

/// A region with the number of households registered in it and below.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RegionNode {
    pub code: String,
    pub name: String,
    /// `county`, `township`, `village`…
    pub level: String,
    pub parent_code: Option<String>,
    pub households: i64,
}

// ------------------------------------------------------------------ reads

/// The query of the household list, as parsed from the request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HouseholdQuery {
    pub region: Option<RegionCode>,
    /// A name, pinyin initials, an ID number or a household number.
    pub text: String,
    pub program: Option<Program>,
    /// 1-based.
    pub page: u32,
}

/// Reads what kind of search the text is: an ID number, ASCII letters
/// (pinyin initials), a household number (contains digits) or a name.
fn person_match(text: &str) -> Option<PersonMatch> {
    let text = jiuzhu_domain::text::clean(text);
    if text.is_empty() {
        return None;
    }
    if let Ok(id) = IdNumber::parse(&text) {
        return Some(PersonMatch::IdNumber(id));
    }
    if text.chars().all(|c| c.is_ascii_alphabetic()) {
        return Some(PersonMatch::InitialsPrefix(text.to_ascii_lowercase()));
    }
    if text.chars().any(|c| c.is_ascii_digit()) {
        return Some(PersonMatch::ExternalId(text));
    }
    Some(PersonMatch::NamePrefix(text))
}

pub(crate) async fn region_tree(tx: &mut Tx) -> Result<RegionTree> {
    Ok(RegionTree::new(store::list_regions(tx).await?))
}

/// The regions the actor may see: those inside the scope and the ones above
/// it (so the tree has its path). `households` is 0: counting is for
/// [`region_overview`], which reads every household.
pub async fn region_tree_nodes(db: &Db, actor: &Actor, now: DateTime<Utc>) -> Result<Vec<RegionNode>> {
    require(db, actor, now, Permission::RegistryRead, "regions_listed", &Target::none()).await?;
    let mut tx = db.begin_read().await?;
    let regions = store::list_regions(&mut tx).await?;
    Ok(visible_nodes(&regions, actor, |_| 0))
}

/// The visible regions with the number of households in each and below.
pub async fn region_overview(db: &Db, actor: &Actor, now: DateTime<Utc>) -> Result<Vec<RegionNode>> {
    require(db, actor, now, Permission::RegistryRead, "regions_listed", &Target::none()).await?;
    let mut tx = db.begin_read().await?;
    let regions = store::list_regions(&mut tx).await?;
    let counts = store::household_counts(&mut tx).await?;
    Ok(visible_nodes(&regions, actor, |r| {
        counts.iter().filter(|(code, _)| r.code.contains(code) && actor.scope.contains(code)).map(|(_, n)| n).sum()
    }))
}

fn visible_nodes(regions: &[Region], actor: &Actor, households: impl Fn(&Region) -> i64) -> Vec<RegionNode> {
    let visible = |r: &Region| match &actor.scope {
        Scope::All => true,
        Scope::Region(scope) => scope.contains(&r.code) || r.code.contains(scope),
    };
    regions
        .iter()
        .filter(|r| visible(r))
        .map(|r| RegionNode {
            code: r.code.to_string(),
            name: r.name.clone(),
            level: format!("{:?}", r.level()).to_lowercase(),
            parent_code: r.code.parent().map(|p| p.to_string()),
            households: households(r),
        })
        .collect()
}

/// One page of households in the actor's scope.
pub async fn search_households(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    query: &HouseholdQuery,
) -> Result<HouseholdPage> {
    require(db, actor, now, Permission::RegistryRead, "households_listed", &Target::none()).await?;
    let region = actor.scope.narrow(query.region.as_ref());
    let page = query.page.max(1);
    let filter = HouseholdFilter {
        within: crate::access::within_requested(actor, query.region.as_ref()),
        program: query.program,
        person: person_match(&query.text),
        offset: i64::from(page - 1) * i64::from(PER_PAGE),
        limit: i64::from(PER_PAGE),
        count_cap: COUNT_CAP + 1,
    };
    let mut tx = db.begin_read().await?;
    let (summaries, count) = store::list_households(&mut tx, &filter).await?;
    let tree = region_tree(&mut tx).await?;
    // Searching for a person by ID number is recorded (查询留痕).
    if let Some(PersonMatch::IdNumber(id)) = &filter.person {
        let target = Target::new("person", id.masked(), region.as_ref());
        let found = json!({ "households": count });
        audit(&mut tx, actor, now, "person_searched", &target, None, Some(&found)).await?;
        tx.commit().await?;
    }
    Ok(HouseholdPage {
        rows: summaries
            .into_iter()
            .map(|s| HouseholdRow {
                id: s.id,
                region_name: local_name(&tree, &s.region_code),
                region_code: s.region_code.to_string(),
                external_id: s.external_id,
                address: s.address,
                program: s.program.map(|p| p.code().to_string()),
                monthly_benefit_fen: s.monthly_benefit.map(|f| f.0),
                head_name: s.head_name,
                head_id_number_masked: s.head_id_number.map(|id| id.masked()),
                member_count: s.member_count,
            })
            .collect(),
        total: count.min(COUNT_CAP),
        total_capped: count > COUNT_CAP,
        page,
        per_page: PER_PAGE,
        region_code: region.map(|r| r.to_string()),
    })
}

/// The region's name below the county: `城关镇东村`.
fn local_name(tree: &RegionTree, code: &RegionCode) -> String {
    tree.path(code).iter().filter(|r| r.level() > jiuzhu_domain::RegionLevel::County).map(|r| r.name.as_str()).collect()
}

/// Loads a household if it lies inside the actor's scope.
pub(crate) async fn household_if_in_scope(tx: &mut Tx, actor: &Actor, id: i64) -> Result<Option<HouseholdRecord>> {
    Ok(store::get_household(tx, id).await?.filter(|h| actor.scope.contains(&h.fields.region_code)))
}

/// Loads a household of the actor's scope, or records the denied attempt
/// (outside the scope answers like a missing household).
macro_rules! household_or_deny {
    ($tx:ident, $db:expr, $actor:expr, $now:expr, $id:expr, $action:expr) => {
        match household_if_in_scope(&mut $tx, $actor, $id).await? {
            Some(h) => h,
            None => {
                return Err(deny_in(
                    $tx,
                    $actor,
                    $now,
                    $action,
                    &Target::new("household", $id, None),
                    AppError::NotFound,
                )
                .await)
            }
        }
    };
}

pub(crate) use household_or_deny;

fn member_view(p: PersonRecord, today: NaiveDate, reveal: bool) -> MemberView {
    let id = p.fields.id_number;
    let mut form = MemberForm::from_fields(&p.fields);
    if !reveal {
        form.id_number = id.masked();
    }
    MemberView {
        id: p.id,
        household_id: p.household_id,
        version: p.version,
        sex: format!("{:?}", id.sex()).to_lowercase(),
        birth_date: id.birth_date(),
        age: id.age_on(today),
        form,
    }
}

/// A household with members and history. ID numbers and the phone number
/// are masked unless `reveal` is asked, which needs the permission and is
/// recorded; viewing the detail (health, disability) is recorded too.
pub async fn household_detail(
    db: &Db,
    actor: &Actor,
    id: i64,
    now: DateTime<Utc>,
    reveal: bool,
) -> Result<HouseholdDetail> {
    let target = Target::new("household", id, None);
    require(db, actor, now, Permission::RegistryRead, "household_viewed", &target).await?;
    if reveal {
        require(db, actor, now, Permission::RevealSensitive, "sensitive_revealed", &target).await?;
    }
    let mut tx = db.begin_read().await?;
    let household = household_or_deny!(tx, db, actor, now, id, "household_viewed");
    let tree = region_tree(&mut tx).await?;
    let members = store::members_of(&mut tx, id).await?;
    let events = store::events_of(&mut tx, id).await?;
    let entitlements =
        crate::entitlement::views_in(&mut tx, id, &members, jiuzhu_domain::i18n::china_date(now)).await?;
    let target = Target::new("household", id, Some(&household.fields.region_code));
    let action = if reveal { "sensitive_revealed" } else { "household_viewed" };
    audit(&mut tx, actor, now, action, &target, None, None).await?;
    tx.commit().await?;
    let mut form = HouseholdForm::from_fields(&household.fields);
    if !reveal && !form.phone.is_empty() {
        form.phone = jiuzhu_domain::household::mask_phone(&form.phone);
    }
    let today = now.date_naive();
    Ok(HouseholdDetail {
        household: HouseholdView {
            id: household.id,
            version: household.version,
            region_name: tree.full_name(&household.fields.region_code),
            form,
            created_at: household.created_at,
            updated_at: household.updated_at,
        },
        members: members.into_iter().map(|p| member_view(p, today, reveal)).collect(),
        history: events
            .into_iter()
            .map(|e| {
                let mut detail = serde_json::from_str(&e.detail).unwrap_or(serde_json::Value::Null);
                // History keeps the values as entered; ID numbers and phones
                // in them are shown like the members' own, masked unless revealed.
                if !reveal {
                    crate::privacy::mask_json(&mut detail);
                }
                HistoryEntry { at: e.at, actor: e.actor, action: e.action, detail }
            })
            .collect(),
        entitlements,
    })
}

/// A member by its record number, in full, for editing (recorded).
pub async fn member(db: &Db, actor: &Actor, person_id: i64, now: DateTime<Utc>) -> Result<MemberView> {
    let target = Target::new("person", person_id, None);
    require(db, actor, now, Permission::RegistryWrite, "sensitive_revealed", &target).await?;
    let mut tx = db.begin_read().await?;
    let person = store::get_person(&mut tx, person_id).await?.ok_or(AppError::NotFound)?;
    let household = household_or_deny!(tx, db, actor, now, person.household_id, "sensitive_revealed");
    audit(
        &mut tx,
        actor,
        now,
        "sensitive_revealed",
        &Target::new("person", person_id, Some(&household.fields.region_code)),
        None,
        None,
    )
    .await?;
    tx.commit().await?;
    Ok(member_view(person, now.date_naive(), true))
}

/// The member with this ID number, if registered in the actor's scope.
/// Looking someone up by ID number is recorded (查询留痕).
pub async fn find_person(db: &Db, actor: &Actor, id_number: &IdNumber, now: DateTime<Utc>) -> Result<MemberView> {
    let target = Target::new("person", id_number.masked(), None);
    require(db, actor, now, Permission::RegistryRead, "person_looked_up", &target).await?;
    let mut tx = db.begin_read().await?;
    let found = store::persons_by_id_numbers(&mut tx, &[*id_number]).await?;
    let Some(person) = found.into_iter().next() else {
        return Err(deny_in(tx, actor, now, "person_looked_up", &target, AppError::NotFound).await);
    };
    let household = household_or_deny!(tx, db, actor, now, person.household_id, "person_looked_up");
    audit(
        &mut tx,
        actor,
        now,
        "person_looked_up",
        &Target::new("person", person.id, Some(&household.fields.region_code)),
        None,
        None,
    )
    .await?;
    tx.commit().await?;
    Ok(member_view(person, now.date_naive(), actor.can(Permission::RevealSensitive)))
}

// ----------------------------------------------------------------- writes

fn rule_error(rule: HouseholdRuleError) -> AppError {
    AppError::invalid("relation", Message::new(rule.message_key()))
}

/// Checks that a region exists; whether it lies in the actor's scope is
/// checked by the caller, which records a denial.
async fn check_region(tx: &mut Tx, code: &RegionCode) -> Result<()> {
    let tree = region_tree(tx).await?;
    if tree.get(code).is_none() {
        return Err(AppError::invalid("region_code", Message::new("region.unknown").arg("code", code)));
    }
    Ok(())
}

/// Refuses a member who already belongs to a household other than `except`.
async fn check_not_registered(tx: &mut Tx, id_number: &IdNumber, except: Option<i64>) -> Result<()> {
    let found = store::persons_by_id_numbers(tx, &[*id_number]).await?;
    if let Some(p) = found.into_iter().find(|p| Some(p.id) != except) {
        let other = store::get_household(tx, p.household_id).await?;
        let external_id = other.map(|h| h.fields.external_id).unwrap_or_default();
        return Err(AppError::Conflict(
            Message::new("household.error.person_elsewhere").arg("external_id", external_id),
        ));
    }
    Ok(())
}

async fn check_external_id_free(tx: &mut Tx, external_id: &str, except: Option<i64>) -> Result<()> {
    if let Some(h) = store::get_household_by_external_id(tx, external_id).await?
        && Some(h.id) != except
    {
        return Err(AppError::Conflict(
            Message::new("household.error.external_id_taken").arg("external_id", external_id),
        ));
    }
    Ok(())
}

fn household_values(f: &HouseholdFields) -> serde_json::Value {
    serde_json::to_value(HouseholdForm::from_fields(f)).unwrap_or_default()
}

fn member_values(m: &MemberFields) -> serde_json::Value {
    serde_json::to_value(MemberForm::from_fields(m)).unwrap_or_default()
}

/// `{"field": [before, after]}` for the fields that differ.
fn diff(before: &serde_json::Value, after: &serde_json::Value) -> serde_json::Value {
    let mut res = serde_json::Map::new();
    if let (Some(b), Some(a)) = (before.as_object(), after.as_object()) {
        for (key, new) in a {
            let old = b.get(key).cloned().unwrap_or(serde_json::Value::Null);
            if &old != new {
                res.insert(key.clone(), json!([old, new]));
            }
        }
    }
    serde_json::Value::Object(res)
}

/// Writes the household's history entry and the audit record of a change.
/// `detail` is what history shows; the audit record keeps the values before
/// and after when given, the detail otherwise.
struct Change<'a> {
    household_id: i64,
    region: &'a RegionCode,
    action: &'a str,
    detail: serde_json::Value,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
}

async fn record(tx: &mut Tx, now: DateTime<Utc>, actor: &Actor, change: Change<'_>) -> Result<()> {
    store::insert_event(tx, change.household_id, now, &actor.name, change.action, &change.detail.to_string()).await?;
    let target = Target::new("household", change.household_id, Some(change.region));
    let after = change.after.unwrap_or(change.detail);
    audit(tx, actor, now, change.action, &target, change.before.as_ref(), Some(&after)).await
}

/// Registers a new household with its head.
pub async fn create_household(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    household: &HouseholdForm,
    head: &MemberForm,
) -> Result<i64> {
    let target = Target::new("household", &household.external_id, None);
    require(db, actor, now, Permission::RegistryWrite, "household_created", &target).await?;
    let fields = household.parse()?;
    let mut head = head.parse()?;
    head.relation = Relation::Head;
    let mut tx = db.begin().await?;
    check_region(&mut tx, &fields.region_code).await?;
    if !actor.scope.contains(&fields.region_code) {
        let target = Target::new("household", &fields.external_id, Some(&fields.region_code));
        return Err(deny_in(tx, actor, now, "household_created", &target, AppError::NotFound).await);
    }
    check_external_id_free(&mut tx, &fields.external_id, None).await?;
    check_not_registered(&mut tx, &head.id_number, None).await?;
    let id = store::insert_household(&mut tx, &fields, now).await?;
    store::insert_person(&mut tx, id, &head, now).await?;
    let detail = json!({ "household": household_values(&fields), "head": member_values(&head) });
    let change = Change {
        household_id: id,
        region: &fields.region_code,
        action: "household_created",
        detail,
        before: None,
        after: None,
    };
    record(&mut tx, now, actor, change).await?;
    tx.commit().await?;
    tracing::info!(household_id = id, actor = %actor.name, "household created");
    Ok(id)
}

/// Changes a household's fields, if nobody changed it since `version`.
pub async fn update_household(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    id: i64,
    version: i64,
    form: &HouseholdForm,
) -> Result<()> {
    require(db, actor, now, Permission::RegistryWrite, "household_updated", &Target::new("household", id, None))
        .await?;
    let fields = form.parse()?;
    let mut tx = db.begin().await?;
    let before = household_or_deny!(tx, db, actor, now, id, "household_updated");
    check_region(&mut tx, &fields.region_code).await?;
    if !actor.scope.contains(&fields.region_code) {
        let target = Target::new("household", id, Some(&fields.region_code));
        return Err(deny_in(tx, actor, now, "household_updated", &target, AppError::NotFound).await);
    }
    check_external_id_free(&mut tx, &fields.external_id, Some(id)).await?;
    store::update_household(&mut tx, id, version, &fields, now).await.map_err(|e| match e {
        store::StoreError::Conflict { constraint } if constraint == "household_version" => {
            AppError::Conflict(Message::new("common.conflict").arg("detail", "version"))
        }
        other => other.into(),
    })?;
    let (old, new) = (household_values(&before.fields), household_values(&fields));
    let change = Change {
        household_id: id,
        region: &fields.region_code,
        action: "household_updated",
        detail: diff(&old, &new),
        before: Some(old),
        after: Some(new),
    };
    record(&mut tx, now, actor, change).await?;
    tx.commit().await?;
    Ok(())
}

/// Adds a member to a household.
pub async fn add_member(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    household_id: i64,
    form: &MemberForm,
) -> Result<i64> {
    let target = Target::new("household", household_id, None);
    require(db, actor, now, Permission::RegistryWrite, "member_added", &target).await?;
    let member = form.parse()?;
    let mut tx = db.begin().await?;
    let household = household_or_deny!(tx, db, actor, now, household_id, "member_added");
    let others = store::members_of(&mut tx, household_id).await?;
    check_relation_change(others.iter().map(|p| p.fields.relation), member.relation).map_err(rule_error)?;
    check_not_registered(&mut tx, &member.id_number, None).await?;
    let id = store::insert_person(&mut tx, household_id, &member, now).await?;
    store::touch_household(&mut tx, household_id, now).await?;
    let change = Change {
        household_id,
        region: &household.fields.region_code,
        action: "member_added",
        detail: member_values(&member),
        before: None,
        after: None,
    };
    record(&mut tx, now, actor, change).await?;
    tx.commit().await?;
    Ok(id)
}

/// Changes a member's fields, if nobody changed the member since `version`.
pub async fn update_member(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    person_id: i64,
    version: i64,
    form: &MemberForm,
) -> Result<()> {
    let target = Target::new("person", person_id, None);
    require(db, actor, now, Permission::RegistryWrite, "member_updated", &target).await?;
    let member = form.parse()?;
    let mut tx = db.begin().await?;
    let before = store::get_person(&mut tx, person_id).await?.ok_or(AppError::NotFound)?;
    let household = household_or_deny!(tx, db, actor, now, before.household_id, "member_updated");
    let others = store::members_of(&mut tx, before.household_id).await?;
    check_relation_change(others.iter().filter(|p| p.id != person_id).map(|p| p.fields.relation), member.relation)
        .map_err(rule_error)?;
    if before.fields.relation == Relation::Head && member.relation != Relation::Head {
        return Err(rule_error(HouseholdRuleError::NoHead));
    }
    check_not_registered(&mut tx, &member.id_number, Some(person_id)).await?;
    store::update_person(&mut tx, person_id, version, &member, now).await.map_err(|e| match e {
        store::StoreError::Conflict { constraint } if constraint == "person_version" => {
            AppError::Conflict(Message::new("common.conflict").arg("detail", "version"))
        }
        other => other.into(),
    })?;
    store::touch_household(&mut tx, before.household_id, now).await?;
    let (old, new) = (member_values(&before.fields), member_values(&member));
    let mut changes = diff(&old, &new);
    if let Some(map) = changes.as_object_mut() {
        map.insert("name_of_member".into(), json!(member.name.as_str()));
    }
    let change = Change {
        household_id: before.household_id,
        region: &household.fields.region_code,
        action: "member_updated",
        detail: changes,
        before: Some(old),
        after: Some(new),
    };
    record(&mut tx, now, actor, change).await?;
    tx.commit().await?;
    Ok(())
}

/// Moves a member to another household (found by its household number),
/// with a new relation to that household's head. A head cannot be moved
/// out: the household would be left without one.
pub async fn move_member(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    person_id: i64,
    target_external_id: &str,
    relation: Relation,
) -> Result<i64> {
    require(db, actor, now, Permission::RegistryWrite, "member_moved", &Target::new("person", person_id, None)).await?;
    let mut tx = db.begin().await?;
    let person = store::get_person(&mut tx, person_id).await?.ok_or(AppError::NotFound)?;
    let source = household_or_deny!(tx, db, actor, now, person.household_id, "member_moved");
    let target = match store::get_household_by_external_id(&mut tx, target_external_id.trim()).await? {
        Some(t) if actor.scope.contains(&t.fields.region_code) && t.id != source.id => t,
        _ => return Err(AppError::invalid("target", Message::new("common.not_found"))),
    };
    if person.fields.relation == Relation::Head {
        return Err(AppError::invalid("relation", Message::new("household.error.head_cannot_move")));
    }
    let target_members = store::members_of(&mut tx, target.id).await?;
    check_relation_change(target_members.iter().map(|p| p.fields.relation), relation).map_err(rule_error)?;
    store::move_person(&mut tx, person_id, target.id, relation, now).await?;
    store::touch_household(&mut tx, source.id, now).await?;
    store::touch_household(&mut tx, target.id, now).await?;
    let who = json!({ "name": person.fields.name.as_str(), "id_number": person.fields.id_number.masked() });
    let out = Change {
        household_id: source.id,
        region: &source.fields.region_code,
        action: "member_moved_out",
        detail: json!({ "member": who, "to": target.fields.external_id }),
        before: None,
        after: None,
    };
    record(&mut tx, now, actor, out).await?;
    let moved_in = Change {
        household_id: target.id,
        region: &target.fields.region_code,
        action: "member_moved_in",
        detail: json!({ "member": who, "from": source.fields.external_id, "relation": relation.code() }),
        before: None,
        after: None,
    };
    record(&mut tx, now, actor, moved_in).await?;
    tx.commit().await?;
    Ok(target.id)
}

/// Every household in `region` (narrowed to the scope) with its members,
/// for the roster export.
/// The export is recorded with its region and size.
pub async fn export_households(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    region: Option<&RegionCode>,
) -> Result<Vec<(HouseholdFields, Vec<MemberFields>)>> {
    let region = actor.scope.narrow(region);
    let target = Target::new("region", region.as_ref().map(|r| r.to_string()).unwrap_or_default(), region.as_ref());
    require(db, actor, now, Permission::RegistryExport, "roster_exported", &target).await?;
    let mut tx = db.begin().await?;
    let rows =
        store::households_with_members(&mut tx, &crate::access::within_requested(actor, region.as_ref())).await?;
    let counts = json!({ "households": rows.len(), "persons": rows.iter().map(|(_, m)| m.len()).sum::<usize>() });
    audit(&mut tx, actor, now, "roster_exported", &target, None, Some(&counts)).await?;
    tx.commit().await?;
    Ok(rows.into_iter().map(|(h, members)| (h.fields, members.into_iter().map(|m| m.fields).collect())).collect())
}

/// Adds or renames regions (the CLI and the demo loader).
pub async fn upsert_regions(db: &Db, actor: &Actor, now: DateTime<Utc>, regions: &[Region]) -> Result<()> {
    require(db, actor, now, Permission::RegionManage, "regions_changed", &Target::none()).await?;
    if actor.scope != Scope::All {
        return Err(AppError::Forbidden);
    }
    let mut tx = db.begin().await?;
    store::upsert_regions(&mut tx, regions).await?;
    audit(&mut tx, actor, now, "regions_changed", &Target::none(), None, Some(&json!({ "regions": regions.len() })))
        .await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_text_is_classified() {
        assert_eq!(person_match("  "), None);
        assert!(matches!(person_match("11010519491231002x"), Some(PersonMatch::IdNumber(_))));
        assert_eq!(person_match("ZS"), Some(PersonMatch::InitialsPrefix("zs".into())));
        assert_eq!(person_match("SF-0001"), Some(PersonMatch::ExternalId("SF-0001".into())));
        assert_eq!(person_match("张"), Some(PersonMatch::NamePrefix("张".into())));
    }
}
