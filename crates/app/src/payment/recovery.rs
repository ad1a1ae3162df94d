//! Recoveries of overpayment (追回, issue 12 point 5).
//!
//! - [`find_overpayments`] (PaymentRead; the household in scope; audited):
//!   for each payee line of a household (its own entitlements and each
//!   member's), what was actually paid (the live claims) against what the
//!   entitlements owe now, less what recoveries already recorded took;
//!   the rules are the domain's (`payment::recovery::overpaid`).
//! - [`record_recovery`] (PaymentPrepare): the same computation again in
//!   the write transaction, recorded with its cause (a death when the line's
//!   entitlement ended by death, otherwise a decision, unless the clerk
//!   says it was paid in error), what caused it and from whom.
//! - [`settle`] (PaymentPrepare): repaid, written off with a reason, or
//!   offset against a later payment line of the same payee where the
//!   region's policy in force allows it (`recovery_offset`); the domain's
//!   `Recovery::settle` checks it, the offset takes at most what is left of
//!   the line (`offset_against`, never a negative line), and the store's
//!   conditional update never lets the settled sum pass the amount. An
//!   offset is recorded by hand against a named line; rolls are not
//!   generated with offsets deducted.
//! - [`list_recoveries`], [`get_recovery`], [`household_recoveries`]
//!   (PaymentRead; audited reads).

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use jiuzhu_domain::entitlement::{Recipient, YearMonth};
use jiuzhu_domain::i18n::{Message, china_date};
use jiuzhu_domain::payment::recovery::{
    self as rules, PayeeLine, Recovery, RecoveryCause, RecoveryError, RecoveryPlan, Settlement, SettlementKind,
};
use jiuzhu_domain::payment::roll::{Payee, PayeeKey};
use jiuzhu_domain::policy::resolve;
use jiuzhu_domain::{Fen, Permission, Program, RegionCode};
use jiuzhu_store::entitlement as store_entitlements;
use jiuzhu_store::payment_recovery::{self as store, NewRecovery, NewSettlement, RecoveryRow, SettlementRow};
use jiuzhu_store::registry::{self as registry_store, HouseholdRecord};
use jiuzhu_store::{Db, StoreError, Tx};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use crate::Actor;
use crate::access::{Target, audit, deny_in, require, within_requested};
use crate::error::{AppError, Result};
use crate::policy::policy_versions;
use crate::privacy::mask_text;
use crate::registry::{household_if_in_scope, household_or_deny};

/// Recoveries listed at most.
pub const RECOVERIES_SHOWN: i64 = 500;
/// Free texts (what caused it, a note) kept at most this many characters.
const NOTE_MAX: usize = 500;

/// One month taken back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RecoveryMonthView {
    /// `YYYYMM`.
    pub month: i64,
    pub paid_fen: i64,
    pub owed_fen: i64,
    pub excess_fen: i64,
}

fn month_view(o: &rules::Overpaid) -> RecoveryMonthView {
    RecoveryMonthView { month: o.month.yyyymm(), paid_fen: o.paid.0, owed_fen: o.owed.0, excess_fen: o.excess().0 }
}

/// A payee line's overpayment found, not yet recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct OverpaymentView {
    pub household_id: i64,
    /// The member of a personal line; none for the household's own.
    pub person_id: Option<i64>,
    /// The programme's code (`dibao`, `tekun`).
    pub program: String,
    /// The payee: the head for a household line, the member otherwise.
    pub payee_name: String,
    /// `decision` or `death`, as the line's entitlements tell it.
    pub cause: String,
    pub months: Vec<RecoveryMonthView>,
    pub amount_fen: i64,
}

/// A settlement as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SettlementView {
    pub id: i64,
    /// `repaid`, `offset` or `written_off`.
    pub kind: String,
    pub amount_fen: i64,
    pub note: String,
    /// The later payment line an offset was set against.
    pub line_id: Option<i64>,
    pub settled_by: String,
    pub settled_at: DateTime<Utc>,
}

fn settlement_view(s: SettlementRow) -> SettlementView {
    SettlementView {
        id: s.id,
        kind: s.kind.code().to_string(),
        amount_fen: s.amount.0,
        note: mask_text(&s.note),
        line_id: s.line_id,
        settled_by: s.settled_by,
        settled_at: s.settled_at,
    }
}

/// A recovery with its months and settlements.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RecoveryView {
    pub id: i64,
    pub household_id: i64,
    pub person_id: Option<i64>,
    pub program: String,
    pub region_code: String,
    /// `decision`, `death` or `error`.
    pub cause: String,
    /// What caused it, in words.
    pub cause_note: String,
    /// From whom.
    pub debtor_name: String,
    pub amount_fen: i64,
    pub settled_fen: i64,
    pub outstanding_fen: i64,
    /// `open` or `settled`.
    pub state: String,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
    /// Named by a settlement (the recovery as seen).
    pub version: i64,
    pub months: Vec<RecoveryMonthView>,
    pub settlements: Vec<SettlementView>,
}

async fn recovery_view(tx: &mut Tx, r: RecoveryRow) -> Result<RecoveryView> {
    let months = store::recovery_months(tx, r.id).await?;
    let settlements = store::settlements(tx, r.id).await?;
    Ok(RecoveryView {
        id: r.id,
        household_id: r.household_id,
        person_id: r.person_id,
        program: r.key.program.code().to_string(),
        region_code: r.region.clone(),
        cause: r.cause.code().to_string(),
        cause_note: mask_text(&r.cause_note),
        debtor_name: mask_text(&r.debtor_name),
        amount_fen: r.amount.0,
        settled_fen: r.settled.0,
        outstanding_fen: r.outstanding().0,
        state: r.state.code().to_string(),
        recorded_by: r.recorded_by.clone(),
        recorded_at: r.recorded_at,
        version: r.version,
        months: months.iter().map(month_view).collect(),
        settlements: settlements.into_iter().map(settlement_view).collect(),
    })
}

fn clean_note(raw: &str) -> String {
    jiuzhu_domain::text::clean(raw).trim().chars().take(NOTE_MAX).collect()
}

/// One payee line of the household found overpaid, with its payee's name.
struct Found {
    plan: RecoveryPlan,
    cause: RecoveryCause,
    payee_name: String,
}

/// The payee lines of a household (its own entitlements' and each member's)
/// with what each was overpaid and not yet recorded.
async fn overpayments_of(tx: &mut Tx, household: &HouseholdRecord) -> Result<Vec<Found>> {
    let entitlements = store_entitlements::household_entitlements(tx, household.id).await?;
    let lines: BTreeSet<(Option<i64>, &'static str)> =
        entitlements.iter().map(|e| (e.recipient.person(), e.program.code())).collect();
    let members = registry_store::members_of(tx, household.id).await?;
    let head = members
        .iter()
        .find(|m| m.fields.relation == jiuzhu_domain::household::Relation::Head)
        .map(|m| m.fields.name.as_str().to_string())
        .unwrap_or_default();
    let mut found = Vec::new();
    for (person, program) in lines {
        let program = Program::parse(program).ok_or_else(|| AppError::Internal("program".into()))?;
        let recipient = person.map_or(Recipient::Household, Recipient::Person);
        let line = PayeeLine { household: household.id, recipient, program };
        let own = store_entitlements::line_entitlements(tx, household.id, recipient, program).await?;
        let key = PayeeKey { payee: payee_of(line), program };
        let paid = store::paid_months(tx, key).await?;
        let Some(plan) = rules::overpaid(line, &own, &paid) else { continue };
        let recorded = store::recorded_months(tx, key).await?;
        let Some(plan) = plan.less_recorded(&recorded) else { continue };
        let payee_name = match person {
            None => head.clone(),
            Some(id) => match members.iter().find(|m| m.id == id) {
                Some(m) => m.fields.name.as_str().to_string(),
                None => registry_store::get_person(tx, id)
                    .await?
                    .map(|p| p.fields.name.as_str().to_string())
                    .unwrap_or_default(),
            },
        };
        found.push(Found { cause: rules::cause_of(line, &own), plan, payee_name });
    }
    Ok(found)
}

fn payee_of(line: PayeeLine) -> Payee {
    match line.recipient {
        Recipient::Household => Payee::Household(line.household),
        Recipient::Person(id) => Payee::Person(id),
    }
}

fn overpayment_view(f: &Found) -> OverpaymentView {
    OverpaymentView {
        household_id: f.plan.line.household,
        person_id: f.plan.line.recipient.person(),
        program: f.plan.line.program.code().to_string(),
        payee_name: f.payee_name.clone(),
        cause: f.cause.code().to_string(),
        months: f.plan.months.iter().map(month_view).collect(),
        amount_fen: f.plan.amount.0,
    }
}

/// What the household's payee lines were overpaid and is not yet recorded
/// as a recovery (PaymentRead; the household in scope; audited).
pub async fn find_overpayments(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    household_id: i64,
) -> Result<Vec<OverpaymentView>> {
    let action = "payment_overpayments_found";
    require(db, actor, now, Permission::PaymentRead, action, &Target::new("household", household_id, None)).await?;
    let mut tx = db.begin_read().await?;
    let household = household_or_deny!(tx, db, actor, now, household_id, action);
    let found = overpayments_of(&mut tx, &household).await?;
    let target = Target::new("household", household_id, Some(&household.fields.region_code));
    let after = json!({ "lines": found.len(), "amount_fen": found.iter().map(|f| f.plan.amount.0).sum::<i64>() });
    audit(&mut tx, actor, now, action, &target, None, Some(&after)).await?;
    tx.commit().await?;
    Ok(found.iter().map(overpayment_view).collect())
}

/// A recovery to record: which payee line of a household, and in words what
/// caused it and from whom.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RecoveryForm {
    pub household_id: i64,
    /// The member of a personal line; none for the household's own.
    #[serde(default)]
    pub person_id: Option<i64>,
    /// The programme's code (`dibao`, `tekun`).
    pub program: String,
    /// `error` when it was paid in error; otherwise the cause is read from
    /// the entitlements (`death` or `decision`).
    #[serde(default)]
    pub cause: Option<String>,
    /// What caused it: the decision, the death and its date.
    pub cause_note: String,
    /// From whom, when not the payee (the person liable, an heir).
    #[serde(default)]
    pub debtor_name: Option<String>,
    /// The amount the clerk saw found, in fen: refused when it changed since.
    #[serde(default)]
    pub expected_fen: Option<i64>,
}

/// Records the recovery of what a payee line was overpaid (PaymentPrepare;
/// the household in scope; audited).
pub async fn record_recovery(db: &Db, actor: &Actor, now: DateTime<Utc>, form: &RecoveryForm) -> Result<RecoveryView> {
    let action = "payment_recovery_recorded";
    let target = Target::new("household", form.household_id, None);
    require(db, actor, now, Permission::PaymentPrepare, action, &target).await?;
    let program = Program::parse(&form.program)
        .ok_or_else(|| AppError::invalid("program", Message::new("recovery.error.line")))?;
    let cause_note = clean_note(&form.cause_note);
    if cause_note.is_empty() {
        return Err(AppError::invalid("cause_note", Message::new("recovery.error.cause_note")));
    }
    let mut tx = db.begin().await?;
    let household = household_or_deny!(tx, db, actor, now, form.household_id, action);
    store::lock_household(&mut tx, household.id).await?;
    let found = overpayments_of(&mut tx, &household).await?;
    let Some(f) =
        found.into_iter().find(|f| f.plan.line.program == program && f.plan.line.recipient.person() == form.person_id)
    else {
        return Err(AppError::Conflict(Message::new("recovery.error.nothing_overpaid")));
    };
    if form.expected_fen.is_some_and(|fen| fen != f.plan.amount.0) {
        return Err(AppError::Conflict(Message::new("recovery.error.changed")));
    }
    let cause = match form.cause.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
        None => f.cause,
        Some(raw) => {
            RecoveryCause::parse(raw).ok_or_else(|| AppError::invalid("cause", Message::new("recovery.error.cause")))?
        }
    };
    let debtor_name = form.debtor_name.as_deref().map(clean_note).filter(|d| !d.is_empty()).unwrap_or(f.payee_name);
    let region = household.fields.region_code.clone();
    let record = NewRecovery {
        household_id: household.id,
        person_id: f.plan.line.recipient.person(),
        key: PayeeKey { payee: payee_of(f.plan.line), program },
        region: region.as_str().to_string(),
        cause,
        cause_note,
        debtor_name,
        months: f.plan.months.clone(),
        amount: f.plan.amount,
        recorded_by: actor.login.clone(),
    };
    let id = store::insert_recovery(&mut tx, &record, now).await?;
    let target = Target::new("payment_recovery", id, Some(&region));
    let after = json!({
        "household_id": household.id,
        "person_id": record.person_id,
        "program": program.code(),
        "recovery_cause": cause.code(),
        "months": record.months.iter().map(|o| o.month.yyyymm()).collect::<Vec<_>>(),
        "amount_fen": record.amount.0,
    });
    audit(&mut tx, actor, now, action, &target, None, Some(&after)).await?;
    let row = store::get_recovery(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    let view = recovery_view(&mut tx, row).await?;
    tx.commit().await?;
    Ok(view)
}

/// A settlement as entered.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SettleForm {
    /// `repaid`, `offset` or `written_off` (or their Chinese words).
    pub kind: String,
    /// In 元 as people write it: `1,260.00`.
    pub amount_yuan: String,
    /// A repayment's receipt, a write-off's reason.
    #[serde(default)]
    pub note: String,
    /// An offset's later payment line of the same payee.
    #[serde(default)]
    pub line_id: Option<i64>,
    /// The recovery's version as seen.
    pub version: i64,
}

fn refused(e: RecoveryError) -> AppError {
    let field = match e {
        RecoveryError::OffsetNotAllowed => "kind",
        RecoveryError::WriteOffWithoutReason => "note",
        _ => "amount_yuan",
    };
    AppError::invalid(field, e.message())
}

/// A recovery, when it lies in the actor's region (else `NotFound`, the
/// attempt recorded as denied), with the audit target naming its region.
async fn recovery_in_scope(
    mut tx: Tx,
    actor: &Actor,
    now: DateTime<Utc>,
    id: i64,
    action: &str,
) -> Result<(Tx, RecoveryRow, RegionCode, Target)> {
    let Some(row) = store::get_recovery(&mut tx, id).await? else { return Err(AppError::NotFound) };
    let region = RegionCode::parse(&row.region).map_err(|_| AppError::Internal(format!("recovery {id}: region")))?;
    let target = Target::new("payment_recovery", id, Some(&region));
    if !actor.scope.contains(&region) {
        return Err(deny_in(tx, actor, now, action, &target, AppError::NotFound).await);
    }
    Ok((tx, row, region, target))
}

/// Settles a recovery in part or whole (PaymentPrepare; in scope; audited):
/// repaid, offset against a later line where the policy allows it, or
/// written off with a reason; never beyond what is outstanding.
pub async fn settle(db: &Db, actor: &Actor, now: DateTime<Utc>, id: i64, form: &SettleForm) -> Result<RecoveryView> {
    let action = "payment_recovery_settled";
    let target = Target::new("payment_recovery", id, None);
    require(db, actor, now, Permission::PaymentPrepare, action, &target).await?;
    let kind = SettlementKind::parse(&form.kind)
        .ok_or_else(|| AppError::invalid("kind", Message::new("recovery.error.kind")))?;
    let amount = Fen::parse_yuan(&form.amount_yuan)
        .map_err(|_| AppError::invalid("amount_yuan", Message::new("money.error")))?;
    let note = clean_note(&form.note);
    let (mut tx, row, region, target) = recovery_in_scope(db.begin().await?, actor, now, id, action).await?;
    if row.version != form.version {
        return Err(AppError::Conflict(Message::new("recovery.error.changed")));
    }
    let policy = resolve(&policy_versions(&mut tx).await?, &region, china_date(now)).policy;
    let recovery = Recovery {
        amount: row.amount,
        cause: row.cause,
        settlements: store::settlements(&mut tx, id)
            .await?
            .into_iter()
            .map(|s| Settlement { kind: s.kind, amount: s.amount, note: s.note })
            .collect(),
    };
    recovery.settle(Settlement { kind, amount, note: note.clone() }, policy.recovery_offset).map_err(refused)?;
    let line_id = if kind == SettlementKind::Offset {
        Some(check_offset_line(&mut tx, &row, form.line_id, amount).await?)
    } else {
        None
    };
    let settlement = NewSettlement { kind, amount, note, line_id, settled_by: actor.login.clone() };
    let settlement_id = match store::add_settlement(&mut tx, id, row.version, &settlement, now).await {
        Err(StoreError::NotFound) => return Err(AppError::Conflict(Message::new("recovery.error.changed"))),
        other => other?,
    };
    let after = json!({
        "settlement_id": settlement_id,
        "settlement": kind.code(),
        "amount_fen": amount.0,
        "line_id": line_id,
        "outstanding_fen": row.outstanding().0 - amount.0,
    });
    audit(&mut tx, actor, now, action, &target, None, Some(&after)).await?;
    let row = store::get_recovery(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    let view = recovery_view(&mut tx, row).await?;
    tx.commit().await?;
    Ok(view)
}

/// An offset names a later payment line of the same payee line, past its
/// draft, paying a month after the months recovered; the offsets against it
/// never take more than it pays.
async fn check_offset_line(tx: &mut Tx, row: &RecoveryRow, line_id: Option<i64>, amount: Fen) -> Result<i64> {
    let bad = || AppError::invalid("line_id", Message::new("recovery.error.offset_line"));
    let line_id = line_id.ok_or_else(bad)?;
    store::lock_line(tx, line_id).await?;
    let line = store::offset_line(tx, line_id).await?.ok_or_else(bad)?;
    let last_recovered: Option<YearMonth> = store::recovery_months(tx, row.id).await?.iter().map(|o| o.month).max();
    let later = rules::LaterLine {
        key: line.key,
        roll_state: line.roll_state,
        last_month: line.last_month,
        result: line.result,
    };
    if !rules::may_offset_against(row.key, last_recovered, &later) {
        return Err(bad());
    }
    let left = Fen(line.amount.0 - store::offsets_of_line(tx, line_id).await?.0);
    let offset = rules::offset_against(left, amount);
    if offset.offset < amount {
        return Err(AppError::invalid(
            "amount_yuan",
            Message::new("recovery.error.offset_beyond_line").arg("left", Fen(left.0.max(0)).to_string()),
        ));
    }
    Ok(line_id)
}

/// The recoveries of the actor's scope (or of a region in it), open ones
/// only or all, newest first (PaymentRead; audited).
pub async fn list_recoveries(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    region: Option<&RegionCode>,
    open_only: bool,
) -> Result<Vec<RecoveryView>> {
    let action = "payment_recoveries_listed";
    require(db, actor, now, Permission::PaymentRead, action, &Target::none()).await?;
    let mut tx = db.begin_read().await?;
    let rows = store::recoveries(&mut tx, &within_requested(actor, region), open_only, RECOVERIES_SHOWN).await?;
    let mut views = Vec::with_capacity(rows.len());
    for row in rows {
        views.push(recovery_view(&mut tx, row).await?);
    }
    audit(&mut tx, actor, now, action, &Target::none(), None, Some(&json!({ "open_only": open_only }))).await?;
    tx.commit().await?;
    Ok(views)
}

/// A later payment line an offset may name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct OffsetLineView {
    pub line_id: i64,
    pub roll_id: i64,
    /// The roll's month, `YYYYMM`.
    pub roll_month: i64,
    pub amount_fen: i64,
    /// What offsets have not yet taken of it.
    pub left_fen: i64,
}

/// A recovery as its page shows it: whether the region's policy in force
/// allows offsets, and the later lines of the same payee an offset may name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RecoveryDetail {
    pub recovery: RecoveryView,
    pub offset_allowed: bool,
    pub offset_lines: Vec<OffsetLineView>,
}

/// One recovery with what an offset may name (PaymentRead; in scope;
/// audited).
pub async fn recovery_detail(db: &Db, actor: &Actor, now: DateTime<Utc>, id: i64) -> Result<RecoveryDetail> {
    let action = "payment_recovery_viewed";
    let target = Target::new("payment_recovery", id, None);
    require(db, actor, now, Permission::PaymentRead, action, &target).await?;
    let (mut tx, row, region, target) = recovery_in_scope(db.begin_read().await?, actor, now, id, action).await?;
    let offset_allowed = resolve(&policy_versions(&mut tx).await?, &region, china_date(now)).policy.recovery_offset;
    let last = store::recovery_months(&mut tx, id).await?.iter().map(|o| o.month).max();
    let offset_lines = match last {
        Some(last) if offset_allowed => store::later_lines(&mut tx, row.household_id, row.key, last)
            .await?
            .into_iter()
            .map(|(l, taken)| OffsetLineView {
                line_id: l.line_id,
                roll_id: l.roll_id,
                roll_month: l.roll_month.yyyymm(),
                amount_fen: l.amount.0,
                left_fen: (l.amount.0 - taken.0).max(0),
            })
            .filter(|l| l.left_fen > 0)
            .collect(),
        _ => Vec::new(),
    };
    let recovery = recovery_view(&mut tx, row).await?;
    audit(&mut tx, actor, now, action, &target, None, None).await?;
    tx.commit().await?;
    Ok(RecoveryDetail { recovery, offset_allowed, offset_lines })
}

/// One recovery (PaymentRead; in scope; audited).
pub async fn get_recovery(db: &Db, actor: &Actor, now: DateTime<Utc>, id: i64) -> Result<RecoveryView> {
    let action = "payment_recovery_viewed";
    let target = Target::new("payment_recovery", id, None);
    require(db, actor, now, Permission::PaymentRead, action, &target).await?;
    let (mut tx, row, _, target) = recovery_in_scope(db.begin_read().await?, actor, now, id, action).await?;
    let view = recovery_view(&mut tx, row).await?;
    audit(&mut tx, actor, now, action, &target, None, None).await?;
    tx.commit().await?;
    Ok(view)
}

/// The recoveries of a household, oldest first (PaymentRead; the household
/// in scope; audited): the household page's 追回记录.
pub async fn household_recoveries(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    household_id: i64,
) -> Result<Vec<RecoveryView>> {
    let action = "payment_recoveries_of_household_viewed";
    require(db, actor, now, Permission::PaymentRead, action, &Target::new("household", household_id, None)).await?;
    let mut tx = db.begin_read().await?;
    let household = household_or_deny!(tx, db, actor, now, household_id, action);
    let rows = store::recoveries_of_household(&mut tx, household_id).await?;
    let mut views = Vec::with_capacity(rows.len());
    for row in rows {
        views.push(recovery_view(&mut tx, row).await?);
    }
    let target = Target::new("household", household_id, Some(&household.fields.region_code));
    audit(&mut tx, actor, now, action, &target, None, None).await?;
    tx.commit().await?;
    Ok(views)
}
