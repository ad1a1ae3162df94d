//! Entitlements (待遇) of households and their members: started by an
//! approval, changed or ended by a later decision (dynamic management uses
//! [`change_entitlement`] and [`end_entitlement`]), listed on the household
//! page, and what was owed month by month ([`owed_history`]). The rules are
//! `jiuzhu_domain::entitlement`; every use case checks the permission and
//! the household's region, and writes the household's history and the
//! audit record in the same transaction as the change.

use chrono::{DateTime, NaiveDate, Utc};
use jiuzhu_domain::assistance::CaseKind;
use jiuzhu_domain::case::Case;
use jiuzhu_domain::entitlement::{
    self, EndReason, Entitlement, EntitlementError, EntitlementEvent, Grant, MonthOwed, Recipient, YearMonth,
};
use jiuzhu_domain::i18n::{Lang, Message};
use jiuzhu_domain::policy::ResolvedPolicy;
use jiuzhu_domain::{Fen, Permission, Program};
use jiuzhu_store::{self as store, Db, PersonRecord, Tx};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use crate::Actor;
use crate::access::{Target, audit, deny_in, require};
use crate::error::{AppError, Result};
use crate::registry::household_if_in_scope;

/// One entitlement as a household page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct EntitlementView {
    pub id: i64,
    /// `dibao` or `tekun`; a member's 低保 is 单人保.
    #[schema(value_type = String, example = "dibao")]
    pub program: Program,
    /// The member who receives it; none: the whole household.
    pub person_id: Option<i64>,
    pub recipient_name: Option<String>,
    pub monthly_fen: i64,
    /// The first month owed, `2026-01`.
    #[schema(value_type = String, example = "2026-01")]
    pub first_month: YearMonth,
    /// The last month owed; none while it runs.
    #[schema(value_type = Option<String>)]
    pub last_month: Option<YearMonth>,
    /// The case whose decision granted it.
    pub case_id: Option<i64>,
    /// Why it ended: `changed`, `stopped`, `death`, `moved_away`, `withdrawn`.
    #[schema(value_type = Option<String>)]
    pub ended_reason: Option<EndReason>,
    /// Owed this month or later (else past).
    pub current: bool,
}

impl EntitlementView {
    /// The catalogue key of the programme as people name it.
    pub fn program_key(&self) -> &'static str {
        entitlement::program_key(self.program, self.person_id.map_or(Recipient::Household, Recipient::Person))
    }

    /// `2026年1月至今`, `2026年1月至2026年6月`, or that it was replaced
    /// before it began.
    pub fn period(&self, lang: Lang) -> String {
        let first = self.first_month.label(lang);
        match self.last_month {
            None => jiuzhu_domain::i18n::tf(lang, "entitlement.period.open", &[("first", &first)]),
            Some(last) if last < self.first_month => {
                jiuzhu_domain::i18n::tf(lang, "entitlement.period.void", &[("first", &first)])
            }
            Some(last) => jiuzhu_domain::i18n::tf(
                lang,
                "entitlement.period.closed",
                &[("first", &first), ("last", &last.label(lang))],
            ),
        }
    }

    /// The end reason in words, empty while it runs.
    pub fn ended_text(&self, lang: Lang) -> &'static str {
        self.ended_reason.map_or("", |r| r.label(lang))
    }
}

/// What a household was owed in one month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct MonthOwedView {
    #[schema(value_type = String, example = "2026-01")]
    pub month: YearMonth,
    pub total_fen: i64,
    /// How many entitlements it sums.
    pub lines: u32,
}

impl From<MonthOwed> for MonthOwedView {
    fn from(m: MonthOwed) -> MonthOwedView {
        MonthOwedView { month: m.month, total_fen: m.total.0, lines: m.lines }
    }
}

/// A change decided for an entitlement: the new monthly amount from a month.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntitlementChange {
    pub monthly: Fen,
    pub from: YearMonth,
    /// The case whose decision made the change, if any.
    pub decision: Option<i64>,
    /// The policy versions the decision used (none: the previous ones).
    pub policy_versions: Option<Vec<i64>>,
}

fn entitlement_error(e: EntitlementError) -> AppError {
    AppError::Conflict(e.message())
}

/// A member's name by id, among the household's members (or anywhere, for
/// one who has moved since).
async fn recipient_name(tx: &mut Tx, members: &[PersonRecord], recipient: Recipient) -> Result<Option<String>> {
    let Some(id) = recipient.person() else { return Ok(None) };
    if let Some(p) = members.iter().find(|p| p.id == id) {
        return Ok(Some(p.fields.name.as_str().to_string()));
    }
    Ok(store::get_person(tx, id).await?.map(|p| p.fields.name.as_str().to_string()))
}

fn view(e: &Entitlement, name: Option<String>, today: NaiveDate) -> EntitlementView {
    EntitlementView {
        id: e.id,
        program: e.program,
        person_id: e.recipient.person(),
        recipient_name: name,
        monthly_fen: e.monthly.0,
        first_month: e.first,
        last_month: e.last,
        case_id: e.decision,
        ended_reason: e.ended,
        current: e.is_current(YearMonth::of(today)),
    }
}

/// The household's entitlements as shown, current first then past, each
/// group oldest first (read inside the caller's scope-checked transaction).
pub(crate) async fn views_in(
    tx: &mut Tx,
    household_id: i64,
    members: &[PersonRecord],
    today: NaiveDate,
) -> Result<Vec<EntitlementView>> {
    let mut views = Vec::new();
    for e in store::entitlement::household_entitlements(tx, household_id).await? {
        let name = recipient_name(tx, members, e.recipient).await?;
        views.push(view(&e, name, today));
    }
    views.sort_by_key(|v| !v.current);
    Ok(views)
}

/// Writes a start: ends what it replaces, stores the grant, records both in
/// the household's history. The new entitlement's id.
async fn write_start(
    tx: &mut Tx,
    actor: &Actor,
    now: DateTime<Utc>,
    existing: &[Entitlement],
    grant: Grant,
) -> Result<i64> {
    let start = entitlement::start(existing, grant).map_err(entitlement_error)?;
    let members = store::members_of(tx, start.grant.household).await?;
    let name = recipient_name(tx, &members, start.grant.recipient).await?;
    for ending in &start.endings {
        store::entitlement::end_entitlement(tx, ending, now).await?;
        let e = existing.iter().find(|e| e.id == ending.id).ok_or(AppError::NotFound)?;
        let event = EntitlementEvent::Ended {
            program: e.program,
            recipient: name.clone(),
            last: ending.last,
            reason: ending.reason,
        };
        history(tx, actor, now, e.household, &event).await?;
    }
    let g = &start.grant;
    let id = store::entitlement::insert_entitlement(tx, g, now).await?;
    let event = EntitlementEvent::Started {
        program: g.program,
        recipient: name,
        monthly: g.monthly,
        first: g.first,
        decision: g.decision,
    };
    history(tx, actor, now, g.household, &event).await?;
    Ok(id)
}

async fn history(
    tx: &mut Tx,
    actor: &Actor,
    now: DateTime<Utc>,
    household: i64,
    event: &EntitlementEvent,
) -> Result<()> {
    let detail = serde_json::to_string(event).map_err(|e| AppError::Internal(e.to_string()))?;
    store::insert_event(tx, household, now, &actor.name, event.action(), &detail).await?;
    Ok(())
}

/// Starts the entitlement an approval grants, in the approval's transaction
/// (its audit record covers it): 低保 for the household, 单人保 and 特困 for
/// the applicant, from the first month the region's policy sets (the month
/// after the decision by default), at the approved amount, naming the case
/// and the policy versions. Temporary assistance is paid once and starts
/// none.
pub(crate) async fn start_for_approval(
    tx: &mut Tx,
    actor: &Actor,
    now: DateTime<Utc>,
    case_id: i64,
    applicant_person_id: i64,
    case: &Case,
    policy: &ResolvedPolicy,
) -> Result<Option<i64>> {
    let (Some(program), Some(amount), Some(decided_on)) = (case.kind.program(), case.amount, case.decided_on) else {
        return Ok(None);
    };
    let Some(household_id) = case_household(tx, case_id).await? else { return Err(AppError::NotFound) };
    let recipient = match case.kind {
        CaseKind::Dibao => Recipient::Household,
        _ => Recipient::Person(applicant_person_id),
    };
    let grant = Grant {
        household: household_id,
        recipient,
        program,
        monthly: amount,
        first: entitlement::first_month(policy.policy.first_payment, case.submitted_on, decided_on),
        decision: Some(case_id),
        policy_versions: policy.versions.clone(),
    };
    let existing = store::entitlement::line_entitlements(tx, household_id, recipient, program).await?;
    write_start(tx, actor, now, &existing, grant).await.map(Some)
}

async fn case_household(tx: &mut Tx, case_id: i64) -> Result<Option<i64>> {
    Ok(store::case::get_case(tx, case_id).await?.map(|c| c.household_id))
}

/// The enrolments a roster brings, in the import's transaction (its audit
/// record covers them): households the import wrote under 低保 or 特困 with an
/// amount, and with no entitlement of that programme yet, receive a
/// household entitlement from the month of the import, without a decision.
/// An import never changes or restarts an entitlement a decision made.
pub(crate) async fn enrol_from_roster(tx: &mut Tx, actor: &Actor, now: DateTime<Utc>) -> Result<u64> {
    let first = YearMonth::of(jiuzhu_domain::i18n::china_date(now));
    Ok(store::entitlement::enrol_from_registry(tx, &crate::access::within(actor), now, first).await?)
}

/// The demo county's entitlements: every household the demo lists under
/// 低保 or 特困 receives one from eleven months ago; of the first sixty
/// households, those on 低保 had their amount raised three months ago and
/// every fifth household was stopped last month, so a new user sees current
/// and past ones. How many households were enrolled.
pub(crate) async fn demo_history(db: &Db, actor: &Actor, now: DateTime<Utc>) -> Result<u64> {
    let this_month = YearMonth::of(jiuzhu_domain::i18n::china_date(now));
    let mut tx = db.begin().await?;
    let enrolled =
        store::entitlement::enrol_from_registry(&mut tx, &crate::access::within(actor), now, this_month.plus(-11))
            .await?;
    // The first households loaded (ids from 1 in a new database).
    for (i, household) in (1..=60).enumerate() {
        let held = store::entitlement::household_entitlements(&mut tx, household).await?;
        let Some(dibao) = held.iter().find(|e| e.program == Program::Dibao && e.last.is_none()) else { continue };
        let raised = Grant {
            first: this_month.plus(-3),
            monthly: Fen(dibao.monthly.0 + 4_000),
            decision: None,
            policy_versions: vec![],
            household: dibao.household,
            recipient: dibao.recipient,
            program: dibao.program,
        };
        let id = write_start(&mut tx, actor, now, &held, raised).await?;
        if i % 5 == 0 {
            let e = store::entitlement::get_entitlement(&mut tx, id).await?.ok_or(AppError::NotFound)?;
            let ending = entitlement::end(&e, this_month.prev(), EndReason::Stopped).map_err(entitlement_error)?;
            store::entitlement::end_entitlement(&mut tx, &ending, now).await?;
            let event = EntitlementEvent::Ended {
                program: e.program,
                recipient: None,
                last: ending.last,
                reason: ending.reason,
            };
            history(&mut tx, actor, now, e.household, &event).await?;
        }
    }
    tx.commit().await?;
    Ok(enrolled)
}

/// Loads an entitlement and its household in the actor's scope, or records
/// the denial and answers `NotFound`.
macro_rules! entitlement_or_deny {
    ($tx:ident, $actor:expr, $now:expr, $id:expr, $action:expr) => {{
        let found = match store::entitlement::get_entitlement(&mut $tx, $id).await? {
            Some(e) => household_if_in_scope(&mut $tx, $actor, e.household).await?.map(|h| (e, h)),
            None => None,
        };
        match found {
            Some(found) => found,
            None => {
                let target = Target::new("entitlement", $id, None);
                return Err(deny_in($tx, $actor, $now, $action, &target, AppError::NotFound).await);
            }
        }
    }};
}

/// A decided change of amount from a month on: ends the entitlement the
/// month before and starts the next of the same recipient and programme.
/// The new entitlement's id.
pub async fn change_entitlement(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    id: i64,
    change: &EntitlementChange,
) -> Result<i64> {
    let action = "entitlement_changed";
    let target = Target::new("entitlement", id, None);
    require(db, actor, now, Permission::CaseDecide, action, &target).await?;
    let mut tx = db.begin().await?;
    let (e, household) = entitlement_or_deny!(tx, actor, now, id, action);
    if e.ended.is_some() {
        return Err(entitlement_error(EntitlementError::AlreadyEnded));
    }
    let grant = Grant {
        household: e.household,
        recipient: e.recipient,
        program: e.program,
        monthly: change.monthly,
        first: change.from,
        decision: change.decision.or(e.decision),
        policy_versions: change.policy_versions.clone().unwrap_or_else(|| e.policy_versions.clone()),
    };
    let existing = store::entitlement::line_entitlements(&mut tx, e.household, e.recipient, e.program).await?;
    let new_id = write_start(&mut tx, actor, now, &existing, grant).await?;
    let target = Target::new("entitlement", id, Some(&household.fields.region_code));
    let before = json!({ "monthly_yuan": e.monthly.to_plain_yuan(), "last_month": e.last.map(|m| m.to_string()) });
    let after = json!({
        "monthly_yuan": change.monthly.to_plain_yuan(), "first_month": change.from.to_string(), "entitlement": new_id,
    });
    audit(&mut tx, actor, now, action, &target, Some(&before), Some(&after)).await?;
    tx.commit().await?;
    Ok(new_id)
}

/// Ends an entitlement with `last` as its last month owed, for a reason.
pub async fn end_entitlement(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    id: i64,
    last: YearMonth,
    reason: EndReason,
) -> Result<()> {
    let action = "entitlement_ended";
    let target = Target::new("entitlement", id, None);
    require(db, actor, now, Permission::CaseDecide, action, &target).await?;
    let mut tx = db.begin().await?;
    let (e, household) = entitlement_or_deny!(tx, actor, now, id, action);
    let ending = entitlement::end(&e, last, reason).map_err(entitlement_error)?;
    store::entitlement::end_entitlement(&mut tx, &ending, now).await?;
    let members = store::members_of(&mut tx, e.household).await?;
    let name = recipient_name(&mut tx, &members, e.recipient).await?;
    history(
        &mut tx,
        actor,
        now,
        e.household,
        &EntitlementEvent::Ended { program: e.program, recipient: name, last, reason },
    )
    .await?;
    let target = Target::new("entitlement", id, Some(&household.fields.region_code));
    let before = json!({ "last_month": e.last.map(|m| m.to_string()) });
    let after = json!({ "last_month": last.to_string(), "reason": reason.code() });
    audit(&mut tx, actor, now, action, &target, Some(&before), Some(&after)).await?;
    tx.commit().await?;
    Ok(())
}

/// A household's entitlements, current and past (recorded like the
/// household's page).
pub async fn household_entitlements(
    db: &Db,
    actor: &Actor,
    household_id: i64,
    now: DateTime<Utc>,
) -> Result<Vec<EntitlementView>> {
    let action = "entitlements_viewed";
    let target = Target::new("household", household_id, None);
    require(db, actor, now, Permission::RegistryRead, action, &target).await?;
    let mut tx = db.begin_read().await?;
    let Some(household) = household_if_in_scope(&mut tx, actor, household_id).await? else {
        return Err(deny_in(tx, actor, now, action, &target, AppError::NotFound).await);
    };
    let members = store::members_of(&mut tx, household_id).await?;
    let views = views_in(&mut tx, household_id, &members, jiuzhu_domain::i18n::china_date(now)).await?;
    audit(
        &mut tx,
        actor,
        now,
        action,
        &Target::new("household", household_id, Some(&household.fields.region_code)),
        None,
        None,
    )
    .await?;
    tx.commit().await?;
    Ok(views)
}

/// What the household was owed for each month from `from` through `to`
/// (at most ten years), from its entitlements as they stand.
pub async fn owed_history(
    db: &Db,
    actor: &Actor,
    household_id: i64,
    from: YearMonth,
    to: YearMonth,
    now: DateTime<Utc>,
) -> Result<Vec<MonthOwedView>> {
    let action = "entitlements_viewed";
    let target = Target::new("household", household_id, None);
    require(db, actor, now, Permission::RegistryRead, action, &target).await?;
    if from > to || from.through(to).nth(120).is_some() {
        return Err(AppError::invalid("to", Message::new("entitlement.error.range")));
    }
    let mut tx = db.begin_read().await?;
    let Some(household) = household_if_in_scope(&mut tx, actor, household_id).await? else {
        return Err(deny_in(tx, actor, now, action, &target, AppError::NotFound).await);
    };
    let held = store::entitlement::household_entitlements(&mut tx, household_id).await?;
    let target = Target::new("household", household_id, Some(&household.fields.region_code));
    audit(
        &mut tx,
        actor,
        now,
        action,
        &target,
        None,
        Some(&json!({ "first_month": from.to_string(), "last_month": to.to_string() })),
    )
    .await?;
    tx.commit().await?;
    Ok(entitlement::monthly_totals(&held, household_id, from, to).into_iter().map(MonthOwedView::from).collect())
}
