//! What was paid, for the county and for a roll (issue 12 points 4 and 7),
//! and the payment lists as spreadsheets.
//!
//! - [`overview`]: each month's figures per programme over twelve months
//!   (prepared, sent, paid, failed: people and 元) of the rolls in the
//!   reader's scope, counted set-based in `jiuzhu_store::payment_stats`.
//! - [`roll_totals`]: a roll's prepared, sent, paid, failed, re-paid and
//!   outstanding lines and 元 (`jiuzhu_domain::payment::totals`).
//! - [`roll_lines_export`]: every line of a roll for its xlsx, numbers masked
//!   as on the page; [`record_export`]: the export of a list already read
//!   through its use case (the correction list, recipients without an
//!   account, the overview), recorded like the roster export.
//!
//! All of it needs PaymentRead; a roll outside the reader's region is
//! recorded as denied and answered as not found. Every read is audited.

use chrono::{DateTime, Utc};
use jiuzhu_domain::entitlement::YearMonth;
use jiuzhu_domain::payment::totals::{RollTotals, Tally};
use jiuzhu_domain::{Permission, Program, RegionCode};
use jiuzhu_store::payment_roll as rolls;
use jiuzhu_store::{self as store, Db, payment_stats};
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use crate::Actor;
use crate::access::{Target, audit, require, within_requested};
use crate::error::Result;
use crate::payment::roll::{LineView, line_view, roll_in_scope};

/// Months in the overview.
pub const OVERVIEW_MONTHS: i32 = 12;

/// One month and programme of the overview.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct MonthFigures {
    #[schema(value_type = String, example = "2026-12")]
    pub month: YearMonth,
    #[schema(value_type = String, example = "dibao")]
    pub program: Program,
    /// Lines with an account in the month's rolls, drafts included.
    pub prepared_people: i64,
    pub prepared_fen: i64,
    /// Lines in exported bank files.
    pub sent_people: i64,
    pub sent_fen: i64,
    /// Lines the bank's return says were paid.
    pub paid_people: i64,
    pub paid_fen: i64,
    /// Lines the bank's return says failed.
    pub failed_people: i64,
    pub failed_fen: i64,
}

/// The county overview: twelve months through `to`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Overview {
    #[schema(value_type = String, example = "2026-01")]
    pub from: YearMonth,
    #[schema(value_type = String, example = "2026-12")]
    pub to: YearMonth,
    /// By month, then programme; months without a line are absent.
    pub figures: Vec<MonthFigures>,
}

/// Lines and 元.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct TallyView {
    pub lines: i64,
    pub amount_fen: i64,
}

impl From<Tally> for TallyView {
    fn from(t: Tally) -> TallyView {
        TallyView { lines: t.lines, amount_fen: t.amount.0 }
    }
}

/// A roll's totals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
pub struct RollTotalsView {
    pub roll_id: i64,
    /// Lines with an account.
    pub prepared: TallyView,
    /// Lines without an account (not sent).
    pub not_sent: TallyView,
    /// Lines in the exported bank file.
    pub sent: TallyView,
    /// Sent, not yet answered by a return.
    pub awaiting_return: TallyView,
    pub paid: TallyView,
    pub failed: TallyView,
    /// Failed lines whose months a later roll paid (lines: wholly re-paid).
    pub repaid: TallyView,
    /// Failed less re-paid.
    pub outstanding: TallyView,
}

impl RollTotalsView {
    fn of(roll_id: i64, t: &RollTotals) -> RollTotalsView {
        RollTotalsView {
            roll_id,
            prepared: t.prepared.into(),
            not_sent: t.not_sent.into(),
            sent: t.sent.into(),
            awaiting_return: t.awaiting_return().into(),
            paid: t.paid.into(),
            failed: t.failed.into(),
            repaid: t.repaid.into(),
            outstanding: t.outstanding().into(),
        }
    }
}

/// The overview of the twelve months through `to` for the actor's scope
/// (or a region in it): the rolls whose region lies inside (PaymentRead;
/// audited).
pub async fn overview(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    region: Option<&RegionCode>,
    to: YearMonth,
) -> Result<Overview> {
    let action = "payment_overview_viewed";
    require(db, actor, now, Permission::PaymentRead, action, &Target::none()).await?;
    let from = to.plus(1 - OVERVIEW_MONTHS);
    let within = within_requested(actor, region);
    let mut tx = db.begin_read().await?;
    let rows = payment_stats::monthly(&mut tx, &within, from, to).await?;
    let target = Target::new("region", "", within.region_code());
    let after = json!({ "from": from.to_string(), "to": to.to_string() });
    audit(&mut tx, actor, now, action, &target, None, Some(&after)).await?;
    tx.commit().await?;
    let figures = rows
        .into_iter()
        .map(|r| MonthFigures {
            month: r.month,
            program: r.program,
            prepared_people: r.prepared_people,
            prepared_fen: r.prepared.0,
            sent_people: r.sent_people,
            sent_fen: r.sent.0,
            paid_people: r.paid_people,
            paid_fen: r.paid.0,
            failed_people: r.failed_people,
            failed_fen: r.failed.0,
        })
        .collect();
    Ok(Overview { from, to, figures })
}

/// A roll's totals (PaymentRead; in scope; audited).
pub async fn roll_totals(db: &Db, actor: &Actor, now: DateTime<Utc>, id: i64) -> Result<RollTotalsView> {
    let action = "payment_roll_totals_viewed";
    require(db, actor, now, Permission::PaymentRead, action, &Target::new("payment_roll", id, None)).await?;
    let (mut tx, row) = roll_in_scope(db.begin_read().await?, actor, now, id, action).await?;
    let totals = payment_stats::roll_totals(&mut tx, id).await?;
    audit(&mut tx, actor, now, action, &Target::new("payment_roll", id, Some(&row.region)), None, None).await?;
    tx.commit().await?;
    Ok(RollTotalsView::of(id, &totals))
}

/// Every line of a roll, numbers masked, for its spreadsheet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RollLines {
    pub roll_id: i64,
    pub month: YearMonth,
    pub region_name: String,
    pub lines: Vec<LineView>,
}

/// Every line of a roll by 序号 for its xlsx (PaymentRead; in scope; the
/// export recorded with its size).
pub async fn roll_lines_export(db: &Db, actor: &Actor, now: DateTime<Utc>, id: i64) -> Result<RollLines> {
    let action = "payment_list_exported";
    require(db, actor, now, Permission::PaymentRead, action, &Target::new("payment_roll", id, None)).await?;
    let (mut tx, row) = roll_in_scope(db.begin_read().await?, actor, now, id, action).await?;
    let lines = rolls::roll_lines(&mut tx, id, 0, i64::MAX).await?;
    let code = row.region.to_string();
    let region_name =
        store::list_regions(&mut tx).await?.into_iter().find(|r| r.code.to_string() == code).map(|r| r.name);
    let after = json!({ "list": "roll_lines", "rows": lines.len() });
    audit(&mut tx, actor, now, action, &Target::new("payment_roll", id, Some(&row.region)), None, Some(&after)).await?;
    tx.commit().await?;
    Ok(RollLines {
        roll_id: id,
        month: row.month,
        region_name: region_name.unwrap_or_default(),
        lines: lines.into_iter().map(line_view).collect(),
    })
}

/// Records the export of a payment list the actor has just read through
/// its use case (`corrections`, `payees_missing`, `overview`), with how
/// many rows it had (PaymentRead).
pub async fn record_export(db: &Db, actor: &Actor, now: DateTime<Utc>, list: &str, rows: usize) -> Result<()> {
    let action = "payment_list_exported";
    require(db, actor, now, Permission::PaymentRead, action, &Target::none()).await?;
    let mut tx = db.begin_read().await?;
    let target = Target::new("region", "", within_requested(actor, None).region_code());
    audit(&mut tx, actor, now, action, &target, None, Some(&json!({ "list": list, "rows": rows }))).await?;
    tx.commit().await?;
    Ok(())
}
