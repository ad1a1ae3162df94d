//! The working-day calendar an administrator loads, and the recount of the
//! due dates of every open case when a year is loaded.

use chrono::{DateTime, Utc};
use jiuzhu_domain::Permission;
use jiuzhu_domain::calendar::Calendar;
use jiuzhu_domain::case::Case;
use jiuzhu_domain::i18n::{Message, china_date};
use jiuzhu_store::{self as store, Db, Tx};
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use crate::Actor;
use crate::access::{self, Target, audit, require};
use crate::case::{insert_event, set_state};
use crate::error::{AppError, Result};

/// The calendar in force: the built-in arrangement with the years an
/// administrator loaded replacing it.
pub async fn calendar_in(tx: &mut Tx) -> Result<Calendar> {
    let mut calendar = Calendar::built_in();
    for (_, data, _, _) in store::calendar::calendar_years(tx).await? {
        if let Ok(loaded) = Calendar::parse(&data) {
            calendar = calendar.overlay(&loaded);
        }
    }
    Ok(calendar)
}

/// The covered years and, from November, the year still missing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct CalendarStatus {
    pub years: Vec<i32>,
    /// Set from November when next year's arrangement is not loaded (until
    /// then its dates are counted provisionally).
    pub missing_next_year: Option<i32>,
    /// Years loaded by an administrator: (year, by, at).
    pub loaded: Vec<(i32, String, DateTime<Utc>)>,
}

pub async fn calendar_status(db: &Db, now: DateTime<Utc>) -> Result<CalendarStatus> {
    let mut tx = db.begin().await?;
    let calendar = calendar_in(&mut tx).await?;
    let loaded = store::calendar::calendar_years(&mut tx)
        .await?
        .into_iter()
        .map(|(year, _, by, at)| (year as i32, by, at))
        .collect();
    Ok(CalendarStatus {
        years: calendar.years().collect(),
        missing_next_year: calendar.missing_next_year(china_date(now)),
        loaded,
    })
}

/// Loads a holiday file (`date,kind,name` lines); each year it covers
/// replaces the stored or built-in arrangement of that year.
pub async fn load_calendar(db: &Db, actor: &Actor, now: DateTime<Utc>, text: &str) -> Result<Vec<i32>> {
    require(db, actor, now, Permission::CalendarManage, "calendar_loaded", &Target::none()).await?;
    let parsed = Calendar::parse(text).map_err(|e| AppError::invalid("file", e.to_message()))?;
    let years: Vec<i32> = parsed.years().collect();
    if years.is_empty() {
        return Err(AppError::invalid("file", Message::new("calendar.error.empty")));
    }
    let mut tx = db.begin().await?;
    for year in &years {
        let lines: Vec<String> = parsed
            .days_of(*year)
            .into_iter()
            .map(|(d, k)| {
                format!("{d},{}", if k == jiuzhu_domain::calendar::DayKind::Holiday { "holiday" } else { "workday" })
            })
            .collect();
        store::calendar::put_calendar_year(&mut tx, *year, &lines.join("\n"), &actor.name, now).await?;
    }
    let recounted = recount_open_cases(&mut tx, actor, now).await?;
    let detail = json!({ "years": years, "recounted_cases": recounted });
    audit(&mut tx, actor, now, "calendar_loaded", &Target::none(), None, Some(&detail)).await?;
    tx.commit().await?;
    Ok(years)
}

/// Counts the due dates of every open case again with the calendar now in
/// force (a loaded year replaces what was counted provisionally or with the
/// arrangement it replaces); each case whose dates moved gets its new state
/// and a `dates_recounted` history entry with the dates before and after.
/// Returns the ids of those cases.
async fn recount_open_cases(tx: &mut Tx, actor: &Actor, now: DateTime<Utc>) -> Result<Vec<i64>> {
    let calendar = calendar_in(tx).await?;
    let filter = store::case::CaseFilter {
        open_only: true,
        ..store::case::CaseFilter::new(access::whole_installation(), i64::MAX)
    };
    let mut moved = Vec::new();
    for row in store::case::list_cases(tx, &filter).await? {
        let Ok(mut case) = serde_json::from_str::<Case>(&row.state) else { continue };
        let before = case.clone();
        let overall_before = row.overall_due;
        let changed = case.recount(&calendar).map_err(|e| AppError::invalid("file", e.to_message()))?;
        let mut next = row.clone();
        set_state(&mut next, &case, &calendar)?;
        next.created_at = now;
        if !changed && next.overall_due == overall_before {
            continue;
        }
        if !store::case::update_case(tx, &next).await? {
            return Err(AppError::Conflict(Message::new("case.error.stale")));
        }
        let event = jiuzhu_domain::case::CaseEvent::DatesRecounted {
            before: jiuzhu_domain::case::DueDates::of(&before, overall_before),
            after: jiuzhu_domain::case::DueDates::of(&case, next.overall_due),
        };
        insert_event(tx, row.id, now, actor, &event).await?;
        moved.push(row.id);
    }
    Ok(moved)
}
