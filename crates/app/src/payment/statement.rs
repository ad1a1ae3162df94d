//! What a household was paid (issue 12 point 7): every payment line of its
//! payees in rolls past their draft, with the roll, the result (paid with
//! the day the bank's return came, waiting, failed with the bank's reason,
//! not sent for lack of an account) and any correction; and a payee's
//! yearly statement, printed from the household page.
//!
//! Both read through `jiuzhu_store::payment_history` and take
//! `PaymentRead` with the household in the actor's region (as the payee
//! section beside them does; outside it answers `NotFound`, recorded as
//! denied). Each read is audited: the household's payments as
//! `payment_history_viewed`, the statement as `payment_statement_printed`
//! (a sensitive read: the payee's name and masked ID number on paper).

use chrono::{DateTime, NaiveDate, Utc};
use jiuzhu_domain::entitlement::YearMonth;
use jiuzhu_domain::i18n::china_date;
use jiuzhu_domain::payment::publication::StatementTotals;
use jiuzhu_domain::payment::roll::{LineKind, LineResult, Payee, RollKind, RollState};
use jiuzhu_domain::{Permission, Program, RegionCode, RegionLevel, Relation};
use jiuzhu_store::payment_history::{self as history, HistoryLine};
use jiuzhu_store::{self as store, Db};
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use crate::Actor;
use crate::access::{Target, audit, deny_in, require};
use crate::error::{AppError, Result};
use crate::privacy::mask_text;
use crate::registry::{household_if_in_scope, household_or_deny, region_tree};

/// A payment line of a household, as its page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct PaymentLineView {
    pub roll_id: i64,
    /// The roll's month (补贴期号).
    #[schema(value_type = String, example = "2026-12")]
    pub roll_month: YearMonth,
    /// `regular` or `supplementary`.
    #[schema(value_type = String, example = "regular")]
    pub roll_kind: RollKind,
    #[schema(value_type = String, example = "closed")]
    pub roll_state: RollState,
    /// `current` or `backpay` (补发, naming its months).
    #[schema(value_type = String, example = "current")]
    pub kind: LineKind,
    #[schema(value_type = String, example = "dibao")]
    pub program: Program,
    /// A member's line; none: the household's (paid in the head's name).
    pub person_id: Option<i64>,
    pub payee_name: String,
    #[schema(value_type = String, example = "2026-12")]
    pub first_month: YearMonth,
    #[schema(value_type = String, example = "2026-12")]
    pub last_month: YearMonth,
    pub months: i64,
    pub amount_fen: i64,
    /// `pending`, `paid`, `failed` or `no_account`.
    #[schema(value_type = String, example = "paid")]
    pub result: LineResult,
    pub failure_reason: Option<String>,
    /// The day the bank's return was imported (for a paid line).
    pub returned_on: Option<NaiveDate>,
    /// A failed line's correction: open (true) or resolved (false).
    pub correction_open: Option<bool>,
    pub correction_resolved_on: Option<NaiveDate>,
}

/// A statement that can be printed: a payee line and a year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct StatementLink {
    /// None: the household's own line.
    pub person_id: Option<i64>,
    pub payee_name: String,
    pub year: i32,
}

/// A household's payments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct HouseholdPayments {
    pub household_id: i64,
    /// Newest roll first.
    pub lines: Vec<PaymentLineView>,
    /// The statements of each payee and year with payments, newest first.
    pub statements: Vec<StatementLink>,
}

fn person_of(payee: Payee) -> Option<i64> {
    match payee {
        Payee::Person(p) => Some(p),
        Payee::Household(_) => None,
    }
}

fn line_view(l: HistoryLine) -> PaymentLineView {
    PaymentLineView {
        roll_id: l.roll_id,
        roll_month: l.roll_month,
        roll_kind: l.roll_kind,
        roll_state: l.roll_state,
        kind: l.kind,
        program: l.key.program,
        person_id: person_of(l.key.payee),
        payee_name: l.payee_name,
        first_month: l.first,
        last_month: l.last,
        months: l.months,
        amount_fen: l.amount.0,
        result: l.result,
        failure_reason: l.failure_reason,
        returned_on: l.returned_at.map(china_date),
        correction_open: l.correction_open,
        correction_resolved_on: l.correction_resolved_at.map(china_date),
    }
}

/// Every payment line of a household's payees (PaymentRead; the household
/// in scope; audited).
pub async fn household_payments(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    household_id: i64,
) -> Result<HouseholdPayments> {
    let action = "payment_history_viewed";
    require(db, actor, now, Permission::PaymentRead, action, &Target::new("household", household_id, None)).await?;
    let mut tx = db.begin_read().await?;
    let household = household_or_deny!(tx, db, actor, now, household_id, action);
    let lines = history::household_lines(&mut tx, household_id).await?;
    let target = Target::new("household", household_id, Some(&household.fields.region_code));
    audit(&mut tx, actor, now, action, &target, None, None).await?;
    tx.commit().await?;
    let mut statements: Vec<StatementLink> = Vec::new();
    for l in lines.iter().filter(|l| l.result != LineResult::NoAccount) {
        let (person_id, year) = (person_of(l.key.payee), l.roll_month.year());
        if !statements.iter().any(|s| s.person_id == person_id && s.year == year) {
            statements.push(StatementLink { person_id, payee_name: l.payee_name.clone(), year });
        }
    }
    statements.sort_by(|a, b| b.year.cmp(&a.year).then(a.person_id.cmp(&b.person_id)));
    Ok(HouseholdPayments { household_id, lines: lines.into_iter().map(line_view).collect(), statements })
}

/// A payee's statement of a year's payments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Statement {
    /// The county's civil-affairs bureau.
    pub county: String,
    pub household_id: i64,
    /// 户编号.
    pub external_id: String,
    pub person_id: Option<i64>,
    pub payee_name: String,
    /// `3401**********123X`.
    pub id_number_masked: String,
    pub year: i32,
    /// The lines sent to the bank in the year's rolls, by roll month.
    pub lines: Vec<PaymentLineView>,
    pub paid_fen: i64,
    pub pending_fen: i64,
    pub failed_fen: i64,
    pub printed_on: NaiveDate,
}

/// The county part of a region's full name (`示范区`).
fn county_name(tree: &jiuzhu_domain::RegionTree, region: &RegionCode) -> String {
    tree.path(region).iter().filter(|r| r.level() <= RegionLevel::County).map(|r| r.name.as_str()).collect()
}

/// A payee's statement of a year (PaymentRead; the household in scope;
/// audited as a sensitive read). `person`: a member's line; none: the
/// household's own line, in the head's name. The lines not sent (no
/// account) are left out: those months are paid back by a later line.
pub async fn statement(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    household_id: i64,
    person: Option<i64>,
    year: i32,
) -> Result<Statement> {
    let action = "payment_statement_printed";
    require(db, actor, now, Permission::PaymentRead, action, &Target::new("household", household_id, None)).await?;
    let mut tx = db.begin_read().await?;
    let household = household_or_deny!(tx, db, actor, now, household_id, action);
    let members = store::members_of(&mut tx, household_id).await?;
    let payee = match person {
        Some(p) => members.iter().find(|m| m.id == p),
        None => members.iter().find(|m| m.fields.relation == Relation::Head),
    };
    let wanted = person.map_or(Payee::Household(household_id), Payee::Person);
    let lines: Vec<HistoryLine> = history::household_lines(&mut tx, household_id)
        .await?
        .into_iter()
        .filter(|l| l.key.payee == wanted && l.roll_month.year() == year && l.result != LineResult::NoAccount)
        .collect();
    if person.is_some() && payee.is_none() && lines.is_empty() {
        return Err(AppError::NotFound);
    }
    let tree = region_tree(&mut tx).await?;
    let target = Target::new("household", household_id, Some(&household.fields.region_code));
    let after = json!({ "person": person, "statement_year": year });
    audit(&mut tx, actor, now, action, &target, None, Some(&after)).await?;
    tx.commit().await?;

    // The payee as the latest line recorded them, else as registered.
    let latest = lines.first();
    let payee_name = latest
        .map(|l| l.payee_name.clone())
        .or_else(|| payee.map(|p| p.fields.name.as_str().to_string()))
        .unwrap_or_default();
    let id_number_masked = latest
        .map(|l| mask_text(&l.id_number))
        .or_else(|| payee.map(|p| p.fields.id_number.masked()))
        .unwrap_or_default();
    let totals = StatementTotals::of(lines.iter().map(|l| (l.result, l.amount)));
    let mut lines: Vec<PaymentLineView> = lines.into_iter().map(line_view).collect();
    lines.reverse();
    Ok(Statement {
        county: county_name(&tree, &household.fields.region_code),
        household_id,
        external_id: household.fields.external_id.clone(),
        person_id: person,
        payee_name,
        id_number_masked,
        year,
        lines,
        paid_fen: totals.paid.0,
        pending_fen: totals.pending.0,
        failed_fen: totals.failed.0,
        printed_on: china_date(now),
    })
}
