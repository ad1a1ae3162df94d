//! The view of one case: its history, documents, referrals, objections and
//! the amount previewed under the policy in force.

use jiuzhu_domain::case::{CaseEvent, StepKind, StoredEvent};
use jiuzhu_domain::document::DecisionDoc;

use super::*;

// ------------------------------------------------------------ case view

/// One entry of a case's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct EventView {
    pub at: DateTime<Utc>,
    /// Who took the step (`system` for the command line).
    pub actor: String,
    /// What happened and its data: `{"kind": "approved", "amount": 126000}`
    /// (money in fen, dates `YYYY-MM-DD`); personal numbers masked.
    #[schema(value_type = Object)]
    pub event: CaseEvent,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct DocumentInfo {
    pub id: i64,
    pub case_id: i64,
    pub kind: String,
    pub issued_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ReferralView {
    pub id: i64,
    pub need: String,
    pub department: String,
    pub status: String,
    pub note: String,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct PublicObjectionView {
    pub at: DateTime<Utc>,
    pub text: String,
    pub contact: String,
}

/// A case as its page and the API show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct CaseView {
    pub id: i64,
    pub application_id: i64,
    pub household_id: i64,
    pub external_id: String,
    pub applicant_name: String,
    pub household_size: u32,
    pub region_code: String,
    pub region_name: String,
    pub kind: String,
    pub stage: String,
    pub version: i64,
    #[schema(value_type = Object)]
    pub state: serde_json::Value,
    pub step_due: Option<NaiveDate>,
    pub step_due_at: Option<DateTime<Utc>>,
    pub overall_due: Option<NaiveDate>,
    /// The step's due date was counted through a year without its
    /// holiday arrangement (暂定; counted again when it is loaded).
    pub step_due_provisional: bool,
    pub overall_due_provisional: bool,
    pub overdue: bool,
    pub staff_relative: bool,
    pub detected_relatives: Vec<String>,
    pub declared_relative: String,
    pub missing: Vec<String>,
    /// The steps this user may take now (action codes).
    #[schema(value_type = Vec<String>)]
    pub actions: Vec<StepKind>,
    pub events: Vec<EventView>,
    pub documents: Vec<DocumentInfo>,
    pub photos: Vec<i64>,
    pub referrals: Vec<ReferralView>,
    pub public_objections: Vec<PublicObjectionView>,
    /// The decision (`outcome`, `amount` in fen, `decided_on`, `first_month`,
    /// `derivation`, `reason`, `policy_versions`, `policy`).
    #[schema(value_type = Object)]
    pub decision: Option<DecisionDoc>,
    /// The monthly amount the policy in force gives now (低保/特困 full self-care), for the preliminary opinion.
    pub amount_preview: Option<i64>,
}

pub(crate) struct Loaded {
    pub(crate) row: store::case::CaseRow,
    pub(crate) case: Case,
    pub(crate) detail: ApplicationDetail,
    pub(crate) region: RegionCode,
}

pub(crate) async fn load_case(tx: &mut Tx, actor: &Actor, case_id: i64) -> Result<Option<Loaded>> {
    let Some(row) = store::case::get_case(tx, case_id).await? else { return Ok(None) };
    let Ok(region) = RegionCode::parse(&row.region_code) else { return Ok(None) };
    if !actor.scope.contains(&region) {
        return Ok(None);
    }
    let case: Case = serde_json::from_str(&row.state).map_err(|e| AppError::Internal(e.to_string()))?;
    let application = store::case::get_application(tx, row.application_id)
        .await?
        .ok_or_else(|| AppError::Internal("application".into()))?;
    let detail: ApplicationDetail =
        serde_json::from_str(&application.detail).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(Some(Loaded { row, case, detail, region }))
}

macro_rules! case_or_deny {
    ($tx:ident, $actor:expr, $now:expr, $id:expr, $action:expr) => {
        match load_case(&mut $tx, $actor, $id).await? {
            Some(l) => l,
            None => {
                return Err(
                    deny_in($tx, $actor, $now, $action, &Target::new("case", $id, None), AppError::NotFound).await
                )
            }
        }
    };
}
pub(crate) use case_or_deny;

/// A case with its history, documents, photos, referrals, objections and
/// the steps the user may take now. Audited (a case holds income and health).
pub async fn case_detail(db: &Db, actor: &Actor, now: DateTime<Utc>, case_id: i64) -> Result<CaseView> {
    let target = Target::new("case", case_id, None);
    require(db, actor, now, Permission::CaseRead, "case_viewed", &target).await?;
    let mut tx = db.begin().await?;
    let loaded = case_or_deny!(tx, actor, now, case_id, "case_viewed");
    let view = build_view(&mut tx, actor, now, &loaded).await?;
    audit(&mut tx, actor, now, "case_viewed", &Target::new("case", case_id, Some(&loaded.region)), None, None).await?;
    tx.commit().await?;
    Ok(view)
}

pub(crate) async fn build_view(tx: &mut Tx, actor: &Actor, now: DateTime<Utc>, l: &Loaded) -> Result<CaseView> {
    let today = china_date(now);
    let calendar = calendar_in(tx).await?;
    let policy = resolve(&policy_versions(tx).await?, &l.region, today);
    let tree = region_tree(tx).await?;
    let household = store::get_household(tx, l.row.household_id).await?.ok_or(AppError::NotFound)?;
    let ctx = Ctx {
        today,
        now,
        calendar: &calendar,
        policy: &policy.policy,
        office: Office::of(&actor.roles),
        spot_tally: SpotTally::default(),
    };
    let actions = if actor.can(Permission::CaseHandle) || actor.can(Permission::CaseDecide) {
        l.case.steps_now(&ctx)
    } else {
        Vec::new()
    };
    let mut events = Vec::new();
    for e in store::case::case_events(tx, l.row.id).await? {
        let kind = EventKind::parse(&e.kind).ok_or_else(|| AppError::Internal(format!("event {}", e.kind)))?;
        let stored = serde_json::from_str::<StoredEvent>(&e.detail)
            .unwrap_or(StoredEvent::Legacy(jiuzhu_domain::case::LegacyDetail::default()));
        let mut event = CaseEvent::read(kind, stored);
        // Events keep what was entered; personal numbers in it are masked
        // as the members' are (issue 10).
        for text in event.texts_mut() {
            *text = crate::privacy::mask_text(text);
        }
        events.push(EventView { at: e.at, actor: e.actor, event });
    }
    // The case's own documents and the application's one-time notice (it lists every programme's materials).
    let documents = store::case::documents_of_application(tx, l.row.application_id)
        .await?
        .into_iter()
        .filter(|d| d.case_id == l.row.id || d.kind == "one_time_notice")
        .map(|d| DocumentInfo { id: d.id, case_id: d.case_id, kind: d.kind, issued_at: d.issued_at })
        .collect();
    let photos = store::case::photos_of(tx, l.row.id).await?.into_iter().map(|(id, _)| id).collect();
    let referrals = store::case::referrals_of(tx, l.row.application_id).await?.into_iter().map(referral_view).collect();
    let public_objections = store::notice_board::public_objections_of_case(tx, l.row.id)
        .await?
        .into_iter()
        .map(|o| PublicObjectionView {
            at: o.at,
            text: crate::privacy::mask_text(&o.text),
            contact: crate::privacy::mask_text(&o.contact),
        })
        .collect();
    let amount_preview = preview_amount(&policy.policy, &l.case, &l.detail);
    let provisional = l.case.provisional_dates(&calendar);
    Ok(CaseView {
        id: l.row.id,
        application_id: l.row.application_id,
        household_id: l.row.household_id,
        external_id: household.fields.external_id,
        applicant_name: l.detail.applicant_name.clone(),
        household_size: l.detail.household_size,
        region_code: l.row.region_code.clone(),
        region_name: tree.full_name(&l.region),
        kind: l.row.kind.clone(),
        stage: l.row.stage.clone(),
        version: l.row.version,
        state: masked_value(serde_json::to_value(&l.case).unwrap_or_default()),
        step_due: l.case.step_due.map(Due::date),
        step_due_at: match l.case.step_due {
            Some(Due::Instant(t)) => Some(t),
            _ => None,
        },
        overall_due: l.row.overall_due,
        step_due_provisional: provisional.step,
        overall_due_provisional: provisional.overall,
        overdue: l.case.is_overdue(today, now),
        staff_relative: l.case.staff_relative,
        detected_relatives: l.detail.detected_relatives.clone(),
        declared_relative: l.detail.declared_relative.clone(),
        missing: codes(&l.case.missing),
        actions,
        events,
        documents,
        photos,
        referrals,
        public_objections,
        decision: match l.row.decision.as_deref() {
            Some(d) => {
                let mut doc: DecisionDoc = serde_json::from_str(d).map_err(|e| AppError::Internal(e.to_string()))?;
                doc.reason = doc.reason.map(|r| crate::privacy::mask_text(&r));
                Some(doc)
            }
            None => None,
        },
        amount_preview,
    })
}

/// A stored JSON value with its personal numbers masked (issue 10).
fn masked_value(mut value: serde_json::Value) -> serde_json::Value {
    crate::privacy::mask_json(&mut value);
    value
}

fn referral_view(r: store::case::ReferralRow) -> ReferralView {
    let department = Need::parse(&r.need).map(|n| t(Lang::Zh, n.department_key()).to_string()).unwrap_or_default();
    ReferralView { id: r.id, need: r.need, department, status: r.status, note: r.note, updated_at: r.updated_at }
}

pub(crate) fn preview_amount(policy: &AssistancePolicy, case: &Case, detail: &ApplicationDetail) -> Option<i64> {
    match case.kind {
        CaseKind::Dibao => {
            dibao_amount(policy, detail.area, &detail.members, &detail.declaration).ok().map(|a| a.total.0)
        }
        CaseKind::DibaoIndividual => {
            individual_amount(policy, detail.area, &detail.applicant, &detail.members, &detail.declaration)
                .ok()
                .map(|a| a.total.0)
        }
        CaseKind::Tekun => Some(tekun_amount(policy, detail.area, SelfCare::Full, SupportMode::Home).total.0),
        CaseKind::TempExpense | CaseKind::TempEmergency => case.requested.map(|r| r.0),
    }
}
