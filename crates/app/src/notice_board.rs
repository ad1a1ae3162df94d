//! Public notices by village and objections to them.

use chrono::{DateTime, NaiveDate, Utc};
use jiuzhu_domain::RegionCode;
use jiuzhu_domain::assistance::resolve;
use jiuzhu_domain::case::{Command, Ctx, EventKind, Office, SpotTally, Stage};
use jiuzhu_domain::i18n::{Message, china_date};
use jiuzhu_domain::text::strip_invisible;
use jiuzhu_store::{self as store, Db};
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use crate::Actor;
use crate::access::{Target, audit};
use crate::calendar::calendar_in;
use crate::case::{insert_event, load_case, workflow_error, write_back};
use crate::error::{AppError, Result};
use crate::policy::policy_versions;
use crate::registry::region_tree;

/// A notice as the public sees it: only what the law allows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct PublicNotice {
    pub id: i64,
    /// `review` (初审公示, objections open until `until`) or `result` (公布).
    pub kind: String,
    pub programme: String,
    pub name: String,
    pub household_size: i64,
    pub amount_fen: Option<i64>,
    pub posted_on: NaiveDate,
    pub until: Option<NaiveDate>,
    /// An objection can be raised now.
    pub open_for_objection: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct PublicVillage {
    pub region_code: String,
    pub name: String,
    pub notices: i64,
}

/// How long results stay published (the notice board shows a year).
const RESULT_DAYS: u64 = 366;

/// Villages with notices posted within the last year (no sign-in).
pub async fn public_villages(db: &Db, now: DateTime<Utc>) -> Result<Vec<PublicVillage>> {
    let mut tx = db.begin().await?;
    let today = china_date(now);
    let tree = region_tree(&mut tx).await?;
    let from = today - chrono::Days::new(RESULT_DAYS);
    Ok(store::notice_board::notice_regions(&mut tx, from, today)
        .await?
        .into_iter()
        .map(|(code, n)| PublicVillage {
            name: RegionCode::parse(&code).map(|c| tree.full_name(&c)).unwrap_or_default(),
            region_code: code,
            notices: n,
        })
        .collect())
}

/// The notices of one village (no sign-in): the name of the village and its notices.
pub async fn public_notices(db: &Db, now: DateTime<Utc>, region: &RegionCode) -> Result<(String, Vec<PublicNotice>)> {
    let mut tx = db.begin().await?;
    let today = china_date(now);
    let tree = region_tree(&mut tx).await?;
    if tree.get(region).is_none() {
        return Err(AppError::NotFound);
    }
    let from = today - chrono::Days::new(RESULT_DAYS);
    let notices = store::notice_board::notices_of_region(&mut tx, region.as_str(), from, today)
        .await?
        .into_iter()
        .map(|n| PublicNotice {
            open_for_objection: n.kind == "review" && n.until.is_some_and(|u| today <= u),
            id: n.id,
            kind: n.kind,
            programme: n.programme,
            // Defence in depth: names stored before input was cleaned.
            name: strip_invisible(&n.name),
            household_size: n.household_size,
            amount_fen: n.amount_fen,
            posted_on: n.posted_on,
            until: n.until,
        })
        .collect();
    Ok((tree.full_name(region), notices))
}

/// An objection from the public to a notice (no sign-in): recorded with
/// the notice and, while the review notice is open, on the case. The
/// notice must be one of `village` (the board it was raised on), and one
/// address may raise only a few objections to a notice within an hour
/// (`ObjectionThrottle`, counted in the database).
pub async fn public_objection(
    db: &Db,
    now: DateTime<Utc>,
    ip: &str,
    village: &RegionCode,
    notice_id: i64,
    text: &str,
    contact: &str,
) -> Result<()> {
    let (text, contact) = (&strip_invisible(text), &strip_invisible(contact));
    let text = text.trim();
    crate::text_limits::check([(crate::text_limits::CONTACT, contact.as_str())])?;
    if text.is_empty() || text.chars().count() > 2_000 {
        return Err(AppError::invalid("text", Message::new("case.error.objection_text")));
    }
    let mut tx = db.begin().await?;
    let today = china_date(now);
    let notice = store::notice_board::get_notice(&mut tx, notice_id).await?.ok_or(AppError::NotFound)?;
    if notice.region_code != village.as_str() {
        return Err(AppError::NotFound);
    }
    if notice.kind != "review" || notice.until.is_none_or(|u| today > u) {
        return Err(AppError::Conflict(Message::new("case.error.notice_closed")));
    }
    let throttle = jiuzhu_domain::access::ObjectionThrottle::default();
    let earlier = store::throttle::public_objections_since(&mut tx, ip, notice_id, throttle.window_start(now)).await?;
    if throttle.is_throttled(earlier) {
        return Err(AppError::TooMany(Message::new("public.objection.too_many")));
    }
    let public = Actor::public(ip, village);
    store::notice_board::insert_public_objection(
        &mut tx,
        &store::notice_board::PublicObjectionRow {
            id: 0,
            notice_id,
            at: now,
            text: text.to_string(),
            contact: contact.trim().chars().take(100).collect(),
            from_address: ip.to_string(),
        },
    )
    .await?;
    let loaded = load_case(&mut tx, &public, notice.case_id).await?.ok_or(AppError::NotFound)?;
    if loaded.case.stage == Stage::Notice {
        let calendar = calendar_in(&mut tx).await?;
        let policy = resolve(&policy_versions(&mut tx).await?, &loaded.region, today);
        let ctx = Ctx {
            today,
            now,
            calendar: &calendar,
            policy: &policy.policy,
            office: Office::Village,
            spot_tally: SpotTally::default(),
        };
        let (next, events) = loaded.case.apply(&Command::LodgeObjection, &ctx).map_err(workflow_error)?;
        write_back(&mut tx, &loaded, &next, &calendar, None, now).await?;
        for kind in events {
            let event = match kind {
                EventKind::Objection => {
                    jiuzhu_domain::case::CaseEvent::Objection { notice: Some(notice_id), text: text.to_string() }
                }
                other => jiuzhu_domain::case::CaseEvent::record(other, None, &next),
            };
            insert_event(&mut tx, loaded.row.id, now, &public, &event).await?;
        }
    }
    audit(
        &mut tx,
        &public,
        now,
        "public_objection",
        &Target::new("case", notice.case_id, Some(&loaded.region)),
        None,
        Some(&json!({ "notice": notice_id })),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
