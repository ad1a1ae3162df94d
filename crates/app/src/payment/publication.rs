//! The month's payment publication per village (发放公布, issue 12 point 6):
//! for a village and a month, the payees paid or waiting in the month's
//! approved rolls, with the household's size, the programme and the amount
//! (`jiuzhu_domain::payment::publication`): never an ID number, an account
//! or an address — the view has no field for one.
//!
//! - **Preparing** ([`villages`], [`preview`]): `PaymentRead`, the villages
//!   of the actor's region; reads audited.
//! - **Publishing** ([`publish`]): `PaymentRead` and `CaseHandle` — the
//!   township and county staff who post the case notices post this one too
//!   (township clerk and leader, county clerk and approver); the village in
//!   the actor's region. A publication is recorded as its audit record
//!   (`payment_publication_published`, the village as region, the month as
//!   target), which is what the board reads; publishing again (after a
//!   supplementary roll) replaces what the board shows.
//! - **The board** ([`public_villages`], [`public_months`],
//!   [`public_publication`]): without sign-in, what was published within the
//!   last year, with the lines of the rolls approved by the time it was
//!   published.

use chrono::{DateTime, Utc};
use jiuzhu_domain::entitlement::YearMonth;
use jiuzhu_domain::i18n::{Message, china_date};
use jiuzhu_domain::payment::publication::{publishable, published_size};
use jiuzhu_domain::payment::roll::{LineKind, Payee};
use jiuzhu_domain::{Permission, Program, RegionCode, RegionLevel, RegionTree};
use jiuzhu_store::payment_history::{self as history, PUBLICATION, PUBLISHED, Published};
use jiuzhu_store::{Db, Tx};
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use crate::Actor;
use crate::access::{Target, audit, deny_in, require, within};
use crate::error::{AppError, Result};
use crate::registry::region_tree;

/// How long a publication stays on the board.
const BOARD_DAYS: u64 = 366;

/// One line of a publication: what the law lets it show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct PublicationLine {
    pub name: String,
    pub household_size: i64,
    #[schema(value_type = String, example = "dibao")]
    pub program: Program,
    /// A personal line (单人保, 特困 of one person).
    pub personal: bool,
    /// `current` or `backpay` (补发 of earlier months).
    #[schema(value_type = String, example = "current")]
    pub kind: LineKind,
    #[schema(value_type = String, example = "2026-12")]
    pub first_month: YearMonth,
    #[schema(value_type = String, example = "2026-12")]
    pub last_month: YearMonth,
    pub months: i64,
    pub amount_fen: i64,
}

/// A village's publication of a month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Publication {
    pub village_code: String,
    /// The village's full name (`示范区城关镇东村`).
    pub village_name: String,
    /// The village's own name (`东村`).
    pub village: String,
    /// The county's name (the issuer line of the printed list).
    pub county: String,
    /// The township's name.
    pub township: String,
    #[schema(value_type = String, example = "2026-12")]
    pub month: YearMonth,
    /// When it was last published; none: not yet.
    pub published_at: Option<DateTime<Utc>>,
    pub lines: Vec<PublicationLine>,
    pub total_fen: i64,
    /// The viewer may publish it.
    pub can_publish: bool,
}

/// A village's month as the publication page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct VillageMonthView {
    pub village_code: String,
    pub village_name: String,
    pub payees: i64,
    pub total_fen: i64,
    pub published_at: Option<DateTime<Utc>>,
}

/// A village with publications on the board.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct PublicPaymentVillage {
    pub region_code: String,
    pub name: String,
    /// The months published, newest first.
    #[schema(value_type = Vec<String>)]
    pub months: Vec<YearMonth>,
}

fn may_publish(actor: &Actor) -> bool {
    actor.can(Permission::PaymentRead) && actor.can(Permission::CaseHandle)
}

fn named(tree: &RegionTree, code: &RegionCode, level: RegionLevel) -> String {
    tree.path(code).iter().find(|r| r.level() == level).map(|r| r.name.clone()).unwrap_or_default()
}

fn county_of(tree: &RegionTree, code: &RegionCode) -> String {
    tree.path(code).iter().filter(|r| r.level() <= RegionLevel::County).map(|r| r.name.as_str()).collect()
}

/// The latest publication of a village's month among `published`.
fn latest(published: &[Published], village: &RegionCode, month: YearMonth) -> Option<DateTime<Utc>> {
    published.iter().filter(|p| p.village == village.as_str() && p.month == month).map(|p| p.at).max()
}

/// A village's lines of the month, those approved by `until` when given.
async fn lines_of(
    tx: &mut Tx,
    village: &RegionCode,
    month: YearMonth,
    until: Option<DateTime<Utc>>,
) -> Result<Vec<PublicationLine>> {
    Ok(history::village_lines(tx, village, month)
        .await?
        .into_iter()
        .filter(|l| publishable(l.result))
        .filter(|l| until.is_none_or(|u| l.approved_at.is_some_and(|a| a <= u)))
        .map(|l| {
            let personal = matches!(l.key.payee, Payee::Person(_));
            PublicationLine {
                name: jiuzhu_domain::text::strip_invisible(&l.payee_name),
                household_size: published_size(personal, l.members),
                program: l.key.program,
                personal,
                kind: l.kind,
                first_month: l.first,
                last_month: l.last,
                months: l.months,
                amount_fen: l.amount.0,
            }
        })
        .collect())
}

fn publication(
    tree: &RegionTree,
    village: &RegionCode,
    month: YearMonth,
    published_at: Option<DateTime<Utc>>,
    lines: Vec<PublicationLine>,
    can_publish: bool,
) -> Publication {
    Publication {
        village_code: village.to_string(),
        village_name: tree.full_name(village),
        village: named(tree, village, RegionLevel::Village),
        county: county_of(tree, village),
        township: named(tree, village, RegionLevel::Township),
        month,
        published_at,
        total_fen: lines.iter().map(|l| l.amount_fen).sum(),
        lines,
        can_publish,
    }
}

/// A village of the actor's region, or `NotFound` (recorded as denied).
async fn village_in_scope(tx: Tx, actor: &Actor, now: DateTime<Utc>, village: &RegionCode, action: &str) -> Result<Tx> {
    if village.level() != RegionLevel::Village {
        return Err(AppError::invalid("village", Message::new("payment.publication.error.village")));
    }
    if !actor.scope.contains(village) {
        let target = Target::new(PUBLICATION, "", Some(village));
        return Err(deny_in(tx, actor, now, action, &target, AppError::NotFound).await);
    }
    Ok(tx)
}

/// The villages of the actor's region with payees paid or waiting in the
/// month's approved rolls, and whether each is published (PaymentRead).
pub async fn villages(db: &Db, actor: &Actor, now: DateTime<Utc>, month: YearMonth) -> Result<Vec<VillageMonthView>> {
    let action = "payment_publications_listed";
    require(db, actor, now, Permission::PaymentRead, action, &Target::none()).await?;
    let mut tx = db.begin_read().await?;
    let rows = history::villages_of_month(&mut tx, &within(actor), month).await?;
    let published = history::publications(&mut tx, None).await?;
    let tree = region_tree(&mut tx).await?;
    audit(&mut tx, actor, now, action, &Target::none(), None, Some(&json!({ "publication_month": month.to_string() })))
        .await?;
    tx.commit().await?;
    Ok(rows
        .into_iter()
        .filter_map(|v| {
            let code = RegionCode::parse(&v.village).ok()?;
            Some(VillageMonthView {
                village_name: tree.full_name(&code),
                published_at: latest(&published, &code, month),
                village_code: v.village,
                payees: v.lines,
                total_fen: v.total.0,
            })
        })
        .collect())
}

/// A village's month as it would be published now (PaymentRead; the
/// village in scope; audited).
pub async fn preview(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    village: &RegionCode,
    month: YearMonth,
) -> Result<Publication> {
    let action = "payment_publication_viewed";
    let target = Target::new(PUBLICATION, month.yyyymm(), Some(village));
    require(db, actor, now, Permission::PaymentRead, action, &target).await?;
    let mut tx = village_in_scope(db.begin_read().await?, actor, now, village, action).await?;
    let lines = lines_of(&mut tx, village, month, None).await?;
    let published = history::publications(&mut tx, Some(village.as_str())).await?;
    let tree = region_tree(&mut tx).await?;
    audit(&mut tx, actor, now, action, &target, None, None).await?;
    tx.commit().await?;
    Ok(publication(&tree, village, month, latest(&published, village, month), lines, may_publish(actor)))
}

/// Publishes a village's month on the public board (PaymentRead and
/// CaseHandle; the village in scope): recorded as the audit record the
/// board reads, with how many payees and how much. Refused when nothing
/// is paid or waiting there that month.
pub async fn publish(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    village: &RegionCode,
    month: YearMonth,
) -> Result<Publication> {
    let target = Target::new(PUBLICATION, month.yyyymm(), Some(village));
    require(db, actor, now, Permission::PaymentRead, PUBLISHED, &target).await?;
    require(db, actor, now, Permission::CaseHandle, PUBLISHED, &target).await?;
    let mut tx = village_in_scope(db.begin().await?, actor, now, village, PUBLISHED).await?;
    let lines = lines_of(&mut tx, village, month, None).await?;
    if lines.is_empty() {
        return Err(AppError::Conflict(Message::new("payment.publication.error.empty")));
    }
    let tree = region_tree(&mut tx).await?;
    let total: i64 = lines.iter().map(|l| l.amount_fen).sum();
    let after = json!({ "publication_month": month.to_string(), "payees": lines.len(), "amount_fen": total });
    audit(&mut tx, actor, now, PUBLISHED, &target, None, Some(&after)).await?;
    tx.commit().await?;
    Ok(publication(&tree, village, month, Some(now), lines, true))
}

fn on_board(p: &Published, now: DateTime<Utc>) -> bool {
    china_date(p.at) >= china_date(now) - chrono::Days::new(BOARD_DAYS)
}

/// The villages with publications on the board (no sign-in).
pub async fn public_villages(db: &Db, now: DateTime<Utc>) -> Result<Vec<PublicPaymentVillage>> {
    let mut tx = db.begin_read().await?;
    let published = history::publications(&mut tx, None).await?;
    let tree = region_tree(&mut tx).await?;
    tx.commit().await?;
    let mut villages: Vec<PublicPaymentVillage> = Vec::new();
    for p in published.iter().rev().filter(|p| on_board(p, now)) {
        let Ok(code) = RegionCode::parse(&p.village) else { continue };
        match villages.iter_mut().find(|v| v.region_code == p.village) {
            Some(v) if !v.months.contains(&p.month) => v.months.push(p.month),
            Some(_) => {}
            None => villages.push(PublicPaymentVillage {
                region_code: p.village.clone(),
                name: tree.full_name(&code),
                months: vec![p.month],
            }),
        }
    }
    villages.sort_by(|a, b| a.region_code.cmp(&b.region_code));
    for v in &mut villages {
        v.months.sort_by(|a, b| b.cmp(a));
    }
    Ok(villages)
}

/// A village's published months, newest first, and its full name (no
/// sign-in).
pub async fn public_months(db: &Db, now: DateTime<Utc>, village: &RegionCode) -> Result<(String, Vec<YearMonth>)> {
    let mut tx = db.begin_read().await?;
    let tree = region_tree(&mut tx).await?;
    if tree.get(village).is_none() {
        return Err(AppError::NotFound);
    }
    let published = history::publications(&mut tx, Some(village.as_str())).await?;
    tx.commit().await?;
    let mut months: Vec<YearMonth> = published.iter().filter(|p| on_board(p, now)).map(|p| p.month).collect();
    months.sort_by(|a, b| b.cmp(a));
    months.dedup();
    Ok((tree.full_name(village), months))
}

/// A village's month as published (no sign-in): the lines of the rolls
/// approved by its latest publication; `NotFound` when not published or
/// no longer on the board.
pub async fn public_publication(
    db: &Db,
    now: DateTime<Utc>,
    village: &RegionCode,
    month: YearMonth,
) -> Result<Publication> {
    let mut tx = db.begin_read().await?;
    let published = history::publications(&mut tx, Some(village.as_str())).await?;
    let shown: Vec<Published> = published.into_iter().filter(|p| on_board(p, now)).collect();
    let at = latest(&shown, village, month).ok_or(AppError::NotFound)?;
    let lines = lines_of(&mut tx, village, month, Some(at)).await?;
    let tree = region_tree(&mut tx).await?;
    tx.commit().await?;
    Ok(publication(&tree, village, month, Some(at), lines, false))
}
