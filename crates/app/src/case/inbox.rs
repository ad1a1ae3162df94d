//! Inboxes by due date and the cases of a household.

use super::*;

// ------------------------------------------------------------ inboxes

/// One line of an inbox or list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct CaseLine {
    pub id: i64,
    pub household_id: i64,
    pub applicant_name: String,
    pub region_code: String,
    pub kind: String,
    pub stage: String,
    pub step_due: Option<NaiveDate>,
    pub overall_due: Option<NaiveDate>,
    /// Counted through a year without its holiday arrangement (暂定).
    pub step_due_provisional: bool,
    pub overall_due_provisional: bool,
    pub overdue: bool,
    /// Due within two working days.
    pub due_soon: bool,
    /// The next step is this user's office's.
    pub yours: bool,
    pub staff_relative: bool,
    pub suspended: bool,
}

/// Open cases per township: how many, overdue, due soon.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct TownshipLoad {
    pub region_code: String,
    pub name: String,
    pub open: i64,
    pub overdue: i64,
    pub due_soon: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Inbox {
    /// Open cases in scope by due date (the first 500); `yours` marks the
    /// ones waiting for this user.
    pub cases: Vec<CaseLine>,
    /// Every open case in scope, and how many of them are late.
    pub open: i64,
    pub late: i64,
    /// Late cases escalated to the leaders of the township or county (the first 500).
    pub escalated: Vec<CaseLine>,
    pub townships: Vec<TownshipLoad>,
    pub calendar_warning: Option<i32>,
}

impl Inbox {
    /// How many cases are open and late and, when the list is cut, how many it shows.
    pub fn summary(&self) -> Message {
        let shown = self.cases.len() as i64;
        let key = if shown < self.open { "cases.summary_first" } else { "cases.summary" };
        let n = |n: i64| jiuzhu_domain::money::group_thousands(n.unsigned_abs());
        Message::new(key).arg("open", n(self.open)).arg("late", n(self.late)).arg("shown", n(shown))
    }
}

/// Lines for stored cases: the applicant's name (applications loaded in one
/// query), lateness and what waits for `office` as the domain decides them.
async fn case_lines(
    tx: &mut Tx,
    rows: Vec<store::case::CaseRow>,
    office: Office,
    now: DateTime<Utc>,
    calendar: &Calendar,
) -> Result<Vec<CaseLine>> {
    let today = china_date(now);
    let ids: Vec<i64> = rows.iter().map(|r| r.application_id).collect();
    let names: BTreeMap<i64, String> = store::case::applications_by_ids(tx, &ids)
        .await?
        .into_iter()
        .map(|a| {
            (a.id, serde_json::from_str::<ApplicationDetail>(&a.detail).map(|d| d.applicant_name).unwrap_or_default())
        })
        .collect();
    Ok(rows
        .into_iter()
        .filter_map(|row| {
            let case = serde_json::from_str::<Case>(&row.state).ok()?;
            let provisional = case.provisional_dates(calendar);
            Some(CaseLine {
                id: row.id,
                household_id: row.household_id,
                applicant_name: names.get(&row.application_id).cloned().unwrap_or_default(),
                region_code: row.region_code,
                kind: row.kind,
                stage: row.stage,
                step_due: row.step_due,
                overall_due: row.overall_due,
                step_due_provisional: provisional.step,
                overall_due_provisional: provisional.overall,
                overdue: case.is_late(today, now, calendar),
                due_soon: case.is_due_soon(today, now, calendar, DUE_SOON_WD),
                yours: case.waits_for(office),
                staff_relative: case.staff_relative,
                suspended: case.suspended_on.is_some(),
            })
        })
        .collect())
}

/// "Due soon" in the inbox: within this many working days.
const DUE_SOON_WD: u32 = 2;

/// At most this many lines in the inbox list and in the leaders' list; the
/// counts cover every open case.
pub const INBOX_LINES: i64 = 500;

/// The user's inbox: open cases in scope by due date, the ones waiting for
/// them marked, late cases escalated, and the load per township. The counts
/// (open, late, due soon) are made in SQL from the stored columns
/// (`store::case::open_case_counts`), so they are right however many cases
/// are open; the lines are the first by due date.
pub async fn inbox(db: &Db, actor: &Actor, now: DateTime<Utc>) -> Result<Inbox> {
    require(db, actor, now, Permission::CaseRead, "inbox_read", &Target::none()).await?;
    let mut tx = db.begin_read().await?;
    let today = china_date(now);
    let calendar = calendar_in(&mut tx).await?;
    let tree = region_tree(&mut tx).await?;
    let within = crate::access::within(actor);
    let soon_by = calendar.add_working_days(today, DUE_SOON_WD).ok();
    let counts = store::case::open_case_counts(&mut tx, &within, today, now, soon_by).await?;
    let townships: Vec<TownshipLoad> = counts
        .into_iter()
        .map(|c| {
            let (region_code, name) = match RegionCode::parse(&c.township) {
                Ok(code) => {
                    let name = tree.get(&code).map(|r| r.name.clone()).unwrap_or_else(|| tree.full_name(&code));
                    (code.to_string(), name)
                }
                Err(_) => (c.township, String::new()),
            };
            TownshipLoad { region_code, name, open: c.open, overdue: c.late, due_soon: c.due_soon }
        })
        .collect();
    let office = Office::of(&actor.roles);
    let filter = store::case::CaseFilter { open_only: true, ..store::case::CaseFilter::new(within, INBOX_LINES) };
    let rows = store::case::list_cases(&mut tx, &filter).await?;
    let cases = case_lines(&mut tx, rows, office, now, &calendar).await?;
    let leader =
        matches!(office, Office::TownshipLeader | Office::CountyApprover) || actor.roles.contains(&Role::Auditor);
    let escalated = if leader {
        let late = store::case::CaseFilter { late_at: Some((today, now)), ..filter };
        let rows = store::case::list_cases(&mut tx, &late).await?;
        case_lines(&mut tx, rows, office, now, &calendar).await?
    } else {
        Vec::new()
    };
    Ok(Inbox {
        cases,
        open: townships.iter().map(|t| t.open).sum(),
        late: townships.iter().map(|t| t.overdue).sum(),
        escalated,
        townships,
        // Only those who can load the arrangement are asked to.
        calendar_warning: calendar.missing_next_year(today).filter(|_| actor.can(Permission::CalendarManage)),
    })
}

/// The cases of a household (its page lists them).
pub async fn household_cases(db: &Db, actor: &Actor, now: DateTime<Utc>, household_id: i64) -> Result<Vec<CaseLine>> {
    let target = Target::new("household", household_id, None);
    require(db, actor, now, Permission::CaseRead, "household_cases_read", &target).await?;
    let mut tx = db.begin_read().await?;
    let _household = household_or_deny!(tx, db, actor, now, household_id, "household_cases_read");
    let calendar = calendar_in(&mut tx).await?;
    let filter = store::case::CaseFilter {
        household_id: Some(household_id),
        ..store::case::CaseFilter::new(crate::access::within(actor), 200)
    };
    let rows = store::case::list_cases(&mut tx, &filter).await?;
    case_lines(&mut tx, rows, Office::of(&actor.roles), now, &calendar).await
}
