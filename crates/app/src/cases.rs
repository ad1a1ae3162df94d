//! Applications and their statutory workflow (一窗受理、协同办理): intake
//! with the materials checklist and the one-time notice, the steps of each
//! case through `domain::case`, decisions with their amounts and written
//! notices, inboxes by due date, public notices, referrals to other
//! departments, the staff-relatives register, the assistance policy of each
//! region and the working-day calendar an administrator loads.
//!
//! Every step: check the permission, load the case in the actor's scope,
//! resolve the policy in force for the household's region and build the
//! calendar, let the domain decide, then write the new state, its history
//! entries, any document or notice it issues and the audit record in one
//! transaction. A step names the version it was shown; a stale one is a
//! conflict.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};
use jiuzhu_domain::assistance::{
    Area, AssistancePolicy, CaseKind, DeductionKind, IncomeDeclaration, IncomeKind, Material, MaterialFacts,
    MemberFacts, Need, PolicyPatch, PolicyVersion, ReferralStatus, ResolvedPolicy, SelfCare, SupportMode, TempCause,
    dibao_amount, individual_amount, required_materials, resolve, tekun_amount, tekun_unmet,
};
use jiuzhu_domain::calendar::Calendar;
use jiuzhu_domain::case::{Case, Command, Ctx, Due, EventKind, NewCase, Office, SpotTally, Stage, WorkflowError};
use jiuzhu_domain::i18n::{Lang, Message, china_date, format_date, t};
use jiuzhu_domain::photo::{ImageType, PHOTO_MAX_BYTES, PhotoError, check_photo};
use jiuzhu_domain::text::strip_invisible;
use jiuzhu_domain::{Fen, IdNumber, Permission, RegionCode, RegionTree, Role};
use jiuzhu_store::{self as store, Db, Tx};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use crate::access::{Target, audit, deny_in, require};
use crate::error::{AppError, FieldError, Result};
use crate::registry::{household_if_in_scope, household_or_deny, region_tree};
use crate::verification::{Selection, run_verification};
use crate::{Actor, Scope};

// ------------------------------------------------------------ calendar

/// The calendar in force: the built-in arrangement with the years an
/// administrator loaded replacing it.
pub async fn calendar_in(tx: &mut Tx) -> Result<Calendar> {
    let mut calendar = Calendar::built_in();
    for (_, data, _, _) in store::cases::calendar_years(tx).await? {
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
    let loaded = store::cases::calendar_years(&mut tx)
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
        store::cases::put_calendar_year(&mut tx, *year, &lines.join("\n"), &actor.name, now).await?;
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
    let filter = store::cases::CaseFilter { open_only: true, limit: i64::MAX, ..Default::default() };
    let mut moved = Vec::new();
    for row in store::cases::list_cases(tx, &filter).await? {
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
        if !store::cases::update_case(tx, &next).await? {
            return Err(AppError::Conflict(Message::new("case.error.stale")));
        }
        let dates = |c: &Case, overall: Option<NaiveDate>| {
            json!({
                "step_due": c.step_due.map(Due::date),
                "overall_due": overall,
                "verification_due": c.verification_due,
                "rejection_notice_due": c.rejection_notice_due,
            })
        };
        let detail = json!({ "before": dates(&before, overall_before), "after": dates(&case, next.overall_due) });
        insert_event(tx, row.id, now, actor, EventKind::DatesRecounted, &detail).await?;
        moved.push(row.id);
    }
    Ok(moved)
}

// ------------------------------------------------------------ policy

async fn policy_versions(tx: &mut Tx) -> Result<Vec<PolicyVersion>> {
    store::cases::list_assistance_policies(tx)
        .await?
        .into_iter()
        .map(|row| {
            Ok(PolicyVersion {
                id: row.id,
                region_code: RegionCode::parse(&row.region_code).map_err(|_| AppError::Internal("region".into()))?,
                effective_from: row.effective_from,
                patch: serde_json::from_str(&row.patch).map_err(|e| AppError::Internal(e.to_string()))?,
            })
        })
        .collect()
}

/// A stored policy version, for the policy page and API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct PolicyVersionView {
    pub id: i64,
    pub region_code: String,
    pub region_name: String,
    pub effective_from: NaiveDate,
    /// The fields this version sets.
    #[schema(value_type = Object)]
    pub patch: serde_json::Value,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

/// Stores a new version of a region's assistance policy (never replacing
/// an old one: decisions name the versions they used).
pub async fn set_assistance_policy(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    region: &RegionCode,
    effective_from: NaiveDate,
    patch: &PolicyPatch,
) -> Result<i64> {
    let target = Target::new("region", region, Some(region));
    require(db, actor, now, Permission::PolicyManage, "assistance_policy_set", &target).await?;
    let mut tx = db.begin().await?;
    if !actor.scope.contains(region) || region_tree(&mut tx).await?.get(region).is_none() {
        return Err(deny_in(tx, actor, now, "assistance_policy_set", &target, AppError::NotFound).await);
    }
    let patch_json = serde_json::to_value(patch).map_err(|e| AppError::Internal(e.to_string()))?;
    let row = store::cases::AssistancePolicyRow {
        id: 0,
        region_code: region.to_string(),
        effective_from,
        patch: patch_json.to_string(),
        created_by: actor.name.clone(),
        created_at: now,
    };
    let id = store::cases::insert_assistance_policy(&mut tx, &row).await?;
    let after = json!({ "version": id, "effective_from": effective_from, "patch": patch_json });
    audit(&mut tx, actor, now, "assistance_policy_set", &target, None, Some(&after)).await?;
    tx.commit().await?;
    Ok(id)
}

/// A new policy version as entered: the region, the date it applies from,
/// the common settings as people write them (元, 是/否), and any other
/// `PolicyPatch` fields as a JSON object. An empty setting is inherited.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct PolicyEntry {
    pub region_code: String,
    /// `2026-01-01`.
    pub effective_from: String,
    /// 元 a month.
    pub dibao_urban_yuan: String,
    pub dibao_rural_yuan: String,
    /// `county` or `township`.
    pub confirmation: String,
    /// `yes` or `no`.
    pub review_notice: String,
    /// `yes` or `no`.
    pub verification_first: String,
    pub notice_days: String,
    /// Months of the 低保 standard.
    pub temp_township_months: String,
    pub temp_cap_months: String,
    /// 元 a month (prior year).
    pub min_wage_yuan: String,
    /// Other fields, e.g. `{"tekun_basic_permille": 1400}`.
    #[schema(value_type = Object)]
    pub patch: serde_json::Value,
}

impl PolicyEntry {
    pub fn parse(&self) -> Result<(RegionCode, NaiveDate, PolicyPatch)> {
        let mut errors = Vec::new();
        let mut bad = |field: &'static str, value: &str| {
            errors.push(FieldError { field, message: Message::new("policy.error.bad_value").arg("value", value) })
        };
        let region = RegionCode::parse(&self.region_code).ok();
        if region.is_none() {
            bad("region_code", &self.region_code);
        }
        let from = jiuzhu_domain::dataset::parse_date(&self.effective_from);
        if from.is_none() {
            bad("effective_from", &self.effective_from);
        }
        let mut patch = match &self.patch {
            serde_json::Value::Null => PolicyPatch::default(),
            serde_json::Value::String(s) if s.trim().is_empty() => PolicyPatch::default(),
            value => serde_json::from_value::<PolicyPatch>(value.clone()).unwrap_or_else(|e| {
                bad("patch", &e.to_string());
                PolicyPatch::default()
            }),
        };
        let yuan = |raw: &str| Fen::parse_yuan(raw).ok().filter(|f| f.0 > 0);
        let count = |raw: &str| raw.trim().parse::<u32>().ok();
        let yes_no = |raw: &str| match raw.trim() {
            "yes" | "是" | "true" => Some(true),
            "no" | "否" | "false" => Some(false),
            _ => None,
        };
        macro_rules! set {
            ($raw:expr, $field:ident, $parse:expr) => {
                if !$raw.trim().is_empty() {
                    match $parse($raw.as_str()) {
                        Some(v) => patch.$field = Some(v),
                        None => bad(stringify!($field), &$raw),
                    }
                }
            };
        }
        set!(self.dibao_urban_yuan, dibao_urban, yuan);
        set!(self.dibao_rural_yuan, dibao_rural, yuan);
        set!(self.confirmation, confirmation, jiuzhu_domain::assistance::Level::parse);
        set!(self.review_notice, review_notice, yes_no);
        set!(self.verification_first, verification_first, yes_no);
        set!(self.notice_days, notice_days, count);
        set!(self.temp_township_months, temp_township_months, count);
        set!(self.temp_cap_months, temp_cap_months, count);
        set!(self.min_wage_yuan, min_wage, yuan);
        match (region, from) {
            (Some(r), Some(f)) if errors.is_empty() => Ok((r, f, patch)),
            _ => Err(AppError::Invalid(errors)),
        }
    }
}

/// The stored versions inside or above the actor's region.
pub async fn assistance_policies(db: &Db, actor: &Actor, now: DateTime<Utc>) -> Result<Vec<PolicyVersionView>> {
    require(db, actor, now, Permission::CaseRead, "assistance_policy_listed", &Target::none()).await?;
    let mut tx = db.begin().await?;
    let tree = region_tree(&mut tx).await?;
    let rows = store::cases::list_assistance_policies(&mut tx).await?;
    Ok(rows
        .into_iter()
        .filter_map(|row| {
            let code = RegionCode::parse(&row.region_code).ok()?;
            let visible = match &actor.scope {
                Scope::All => true,
                Scope::Region(scope) => scope.contains(&code) || code.contains(scope),
            };
            visible.then(|| PolicyVersionView {
                id: row.id,
                region_name: tree.full_name(&code),
                region_code: row.region_code,
                effective_from: row.effective_from,
                patch: serde_json::from_str(&row.patch).unwrap_or_default(),
                created_by: row.created_by,
                created_at: row.created_at,
            })
        })
        .collect())
}

// ------------------------------------------------------------ staff relatives

/// An entry of the staff-relatives register as entered.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct RelativeForm {
    pub staff_name: String,
    /// 乡镇经办人员, 县级民政, 村(居)委会成员…
    pub staff_post: String,
    pub region_code: String,
    pub relative_id_number: String,
    pub relative_name: String,
    /// 配偶, 父母, 子女, 兄弟姐妹…
    pub relation: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct RelativeView {
    pub id: i64,
    pub staff_name: String,
    pub staff_post: String,
    pub region_code: String,
    /// Masked.
    pub relative_id_number: String,
    pub relative_name: String,
    pub relation: String,
}

pub async fn add_staff_relative(db: &Db, actor: &Actor, now: DateTime<Utc>, form: &RelativeForm) -> Result<i64> {
    require(db, actor, now, Permission::RelativesManage, "staff_relative_added", &Target::none()).await?;
    form.check_lengths()?;
    let mut errors = Vec::new();
    let region = RegionCode::parse(&form.region_code).ok();
    if region.is_none() {
        errors.push(FieldError { field: "region_code", message: Message::new("household.error.region") });
    }
    let id_number = IdNumber::parse(&form.relative_id_number).ok();
    if id_number.is_none() {
        errors.push(FieldError { field: "relative_id_number", message: Message::new("case.error.id_number") });
    }
    for (field, value) in
        [("staff_name", &form.staff_name), ("relative_name", &form.relative_name), ("relation", &form.relation)]
    {
        if value.trim().is_empty() {
            errors.push(FieldError { field, message: Message::new("import.error.required") });
        }
    }
    let (Some(region), Some(id_number)) = (region, id_number) else { return Err(AppError::Invalid(errors)) };
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let target = Target::new("region", &region, Some(&region));
    let mut tx = db.begin().await?;
    if !actor.scope.contains(&region) {
        return Err(deny_in(tx, actor, now, "staff_relative_added", &target, AppError::NotFound).await);
    }
    let row = store::cases::StaffRelativeRow {
        id: 0,
        staff_name: strip_invisible(&form.staff_name).trim().to_string(),
        staff_post: strip_invisible(&form.staff_post).trim().to_string(),
        region_code: region.to_string(),
        relative_id_number: id_number.as_str().to_string(),
        relative_name: strip_invisible(&form.relative_name).trim().to_string(),
        relation: strip_invisible(&form.relation).trim().to_string(),
        created_by: actor.name.clone(),
        created_at: now,
    };
    let id = store::cases::insert_staff_relative(&mut tx, &row).await?;
    let after =
        json!({ "id": id, "staff_name": row.staff_name, "relative_name": row.relative_name, "relation": row.relation });
    audit(&mut tx, actor, now, "staff_relative_added", &target, None, Some(&after)).await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn staff_relatives(db: &Db, actor: &Actor, now: DateTime<Utc>) -> Result<Vec<RelativeView>> {
    require(db, actor, now, Permission::RelativesManage, "staff_relatives_listed", &Target::none()).await?;
    let mut tx = db.begin().await?;
    Ok(store::cases::list_staff_relatives(&mut tx, actor.scope.narrow(None).as_ref())
        .await?
        .into_iter()
        .map(|r| RelativeView {
            id: r.id,
            staff_name: r.staff_name,
            staff_post: r.staff_post,
            region_code: r.region_code,
            relative_id_number: IdNumber::parse(&r.relative_id_number).map(|i| i.masked()).unwrap_or_default(),
            relative_name: r.relative_name,
            relation: r.relation,
        })
        .collect())
}

// ------------------------------------------------------------ intake

/// A money line as entered: a kind code and an amount in 元.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct AmountLine {
    pub kind: String,
    pub yuan: String,
}

/// An application as entered at the window or by a village assistant.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct ApplicationForm {
    pub household_id: i64,
    /// Programme codes: `dibao`, `dibao_individual`, `tekun`, `temp_emergency`, `temp_expense`.
    pub kinds: Vec<String>,
    /// `urban` or `rural`.
    pub area: String,
    /// The member who applies (default: the head of the household).
    pub applicant_person_id: Option<i64>,
    /// Materials received (codes); the rest of the checklist is missing.
    pub provided: Vec<String>,
    /// A declared close relation to staff or village cadres; empty for none.
    pub declared_relative: String,
    /// Monthly income by kind.
    pub income: Vec<AmountLine>,
    /// Monthly rigid spending by kind (`medical`, `disability`).
    pub deductions: Vec<AmountLine>,
    /// Other needs to refer (`medical`, `education`, `housing`, `employment`).
    pub needs: Vec<String>,
    /// Temporary assistance: the cause and the amount asked for.
    pub cause: String,
    pub requested_yuan: String,
    pub note: String,
}

/// What an application recorded at intake (stored as JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplicationDetail {
    pub kinds: Vec<CaseKind>,
    pub area: Area,
    pub applicant_name: String,
    pub applicant_person_id: i64,
    pub household_size: u32,
    pub members: Vec<MemberFacts>,
    /// The applicant (the person included alone for 单人保).
    #[serde(default)]
    pub applicant: MemberFacts,
    pub provided: Vec<Material>,
    pub declared_relative: String,
    /// Matches in the staff-relatives register: "name (post), relation".
    pub detected_relatives: Vec<String>,
    pub declaration: IncomeDeclaration,
    pub needs: Vec<Need>,
    pub cause: Option<TempCause>,
    pub requested: Option<Fen>,
    pub note: String,
    pub on_behalf: bool,
}

/// What [`submit_application`] did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ApplicationCreated {
    pub application_id: i64,
    pub case_ids: Vec<i64>,
    /// Materials still missing over the whole application (one notice lists them all).
    pub missing: Vec<String>,
    /// The one-time notice issued, if anything is missing.
    pub one_time_notice: Option<i64>,
    pub staff_relative: bool,
}

struct Intake {
    kinds: Vec<CaseKind>,
    area: Area,
    provided: Vec<Material>,
    declaration: IncomeDeclaration,
    needs: Vec<Need>,
    cause: Option<TempCause>,
    requested: Option<Fen>,
}

fn parse_codes<T>(
    errors: &mut Vec<FieldError>,
    field: &'static str,
    raw: &[String],
    parse: fn(&str) -> Option<T>,
) -> Vec<T> {
    let mut out = Vec::new();
    for code in raw.iter().filter(|c| !c.trim().is_empty()) {
        match parse(code) {
            Some(v) => out.push(v),
            None => {
                errors.push(FieldError { field, message: Message::new("case.error.unknown_code").arg("value", code) })
            }
        }
    }
    out
}

/// Money lines as entered; a bad one is named by its kind's Chinese label
/// (or the code as sent, when the kind is unknown) and the amount typed.
fn parse_lines<K: Copy>(
    errors: &mut Vec<FieldError>,
    field: &'static str,
    lines: &[AmountLine],
    parse: fn(&str) -> Option<K>,
    label: fn(K, Lang) -> &'static str,
) -> Vec<(K, Fen)> {
    let mut out = Vec::new();
    for line in lines.iter().filter(|l| !l.yuan.trim().is_empty()) {
        let kind = parse(&line.kind);
        let amount = Fen::parse_yuan(&line.yuan).ok().filter(|f| f.0 >= 0);
        match (kind, amount) {
            (Some(k), Some(a)) => out.push((k, a)),
            _ => {
                let name = kind.map_or(line.kind.clone(), |k| label(k, Lang::Zh).to_string());
                let message = Message::new("case.error.amount_line").arg("kind", name).arg("value", &line.yuan);
                errors.push(FieldError { field, message });
            }
        }
    }
    out
}

impl ApplicationForm {
    fn parse(&self) -> Result<Intake> {
        let mut errors = Vec::new();
        let mut kinds = parse_codes(&mut errors, "kinds", &self.kinds, CaseKind::parse);
        kinds.dedup();
        if kinds.is_empty() && errors.is_empty() {
            errors.push(FieldError { field: "kinds", message: Message::new("case.error.no_kind") });
        }
        let area = Area::parse(&self.area);
        if area.is_none() {
            errors.push(FieldError { field: "area", message: Message::new("case.error.area") });
        }
        let provided = parse_codes(&mut errors, "provided", &self.provided, Material::parse);
        let items = parse_lines(&mut errors, "income", &self.income, IncomeKind::parse, IncomeKind::label);
        let deductions =
            parse_lines(&mut errors, "deductions", &self.deductions, DeductionKind::parse, DeductionKind::label);
        let needs = parse_codes(&mut errors, "needs", &self.needs, Need::parse);
        let temporary = kinds.iter().any(|k| k.is_temporary());
        let cause = if self.cause.trim().is_empty() { None } else { TempCause::parse(&self.cause) };
        if temporary && cause.is_none() {
            errors.push(FieldError { field: "cause", message: Message::new("case.error.cause") });
        }
        let requested = if self.requested_yuan.trim().is_empty() {
            None
        } else {
            match Fen::parse_yuan(&self.requested_yuan) {
                Ok(f) if f.0 > 0 => Some(f),
                _ => {
                    errors.push(FieldError { field: "requested_yuan", message: Message::new("case.error.amount") });
                    None
                }
            }
        };
        if kinds.contains(&CaseKind::TempExpense)
            && requested.is_none()
            && errors.iter().all(|e| e.field != "requested_yuan")
        {
            errors.push(FieldError { field: "requested_yuan", message: Message::new("case.error.amount") });
        }
        if !errors.is_empty() {
            return Err(AppError::Invalid(errors));
        }
        Ok(Intake {
            kinds,
            area: area.unwrap_or(Area::Rural),
            provided,
            declaration: IncomeDeclaration { items, deductions },
            needs,
            cause,
            requested,
        })
    }
}

/// The checklist for a household and the programmes asked for, under the
/// policy in force today.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Checklist {
    pub household_id: i64,
    pub external_id: String,
    pub region_name: String,
    pub members: Vec<ChecklistMember>,
    /// Per programme, the materials it needs (codes).
    pub materials: BTreeMap<String, Vec<String>>,
    /// The policy version ids in force.
    pub policy_versions: Vec<i64>,
    pub dibao_urban_fen: i64,
    pub dibao_rural_fen: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ChecklistMember {
    pub person_id: i64,
    pub name: String,
    pub relation: String,
    pub age: u32,
}

fn member_facts(fields: &jiuzhu_domain::household::MemberFields, today: NaiveDate) -> MemberFacts {
    use jiuzhu_domain::DisabilityKind;
    MemberFacts {
        age: fields.id_number.age_on(today),
        disability_level: fields.disability.map(|d| d.level.get()),
        cognitive_disability: fields
            .disability
            .is_some_and(|d| matches!(d.kind, DisabilityKind::Intellectual | DisabilityKind::Mental)),
        visual_disability: fields.disability.is_some_and(|d| d.kind == DisabilityKind::Visual),
        serious_illness: fields.serious_illness,
    }
}

/// The intake form's data: the household, its members, and each
/// programme's checklist under the policy in force.
pub async fn checklist(db: &Db, actor: &Actor, now: DateTime<Utc>, household_id: i64) -> Result<Checklist> {
    let target = Target::new("household", household_id, None);
    require(db, actor, now, Permission::CaseApply, "checklist_read", &target).await?;
    let mut tx = db.begin().await?;
    let household = household_or_deny!(tx, db, actor, now, household_id, "checklist_read");
    let today = china_date(now);
    let members = store::members_of(&mut tx, household_id).await?;
    let policy = resolve(&policy_versions(&mut tx).await?, &household.fields.region_code, today);
    let tree = region_tree(&mut tx).await?;
    let facts = MaterialFacts::of(&members.iter().map(|m| member_facts(&m.fields, today)).collect::<Vec<_>>());
    let materials = CaseKind::ALL
        .iter()
        .map(|k| {
            let list =
                required_materials(*k, facts, &policy.policy).into_iter().map(|m| m.code().to_string()).collect();
            (k.code().to_string(), list)
        })
        .collect();
    Ok(Checklist {
        household_id,
        external_id: household.fields.external_id.clone(),
        region_name: tree.full_name(&household.fields.region_code),
        members: members
            .iter()
            .map(|m| ChecklistMember {
                person_id: m.id,
                name: m.fields.name.as_str().to_string(),
                relation: m.fields.relation.code().to_string(),
                age: m.fields.id_number.age_on(today),
            })
            .collect(),
        materials,
        policy_versions: policy.versions,
        dibao_urban_fen: policy.policy.dibao_urban.0,
        dibao_rural_fen: policy.policy.dibao_rural.0,
    })
}

/// Beginning of a Beijing calendar year, as an instant.
fn year_start(year: i32) -> DateTime<Utc> {
    chrono::FixedOffset::east_opt(8 * 3600)
        .and_then(|tz| tz.with_ymd_and_hms(year, 1, 1, 0, 0, 0).single())
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_default()
}

async fn spot_tally(tx: &mut Tx, region: &RegionCode, today: NaiveDate) -> Result<SpotTally> {
    let county = region.at_level(jiuzhu_domain::RegionLevel::County).unwrap_or_else(|| region.clone());
    let (start, end) = (year_start(today.year()), year_start(today.year() + 1));
    let total = store::cases::count_events(tx, "tekun", &county, "sent_for_confirmation", start, end).await?;
    let checked = store::cases::count_events(tx, "tekun", &county, "spot_check", start, end).await?;
    Ok(SpotTally { checked: checked as u32, total: total as u32 })
}

/// Enters an application: one case per programme, the materials checked
/// at once at the window (a village assistant's entry waits for the
/// township), a one-time notice listing everything missing, referrals for
/// other needs, and the staff-relative flag from the declaration and the
/// register.
pub async fn submit_application(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    form: &ApplicationForm,
) -> Result<ApplicationCreated> {
    let target = Target::new("household", form.household_id, None);
    require(db, actor, now, Permission::CaseApply, "application_submitted", &target).await?;
    form.check_lengths()?;
    let intake = form.parse()?;
    let mut tx = db.begin().await?;
    let household = household_or_deny!(tx, db, actor, now, form.household_id, "application_submitted");
    let region = household.fields.region_code.clone();
    let today = china_date(now);
    let members = store::members_of(&mut tx, household.id).await?;
    let applicant = match form.applicant_person_id {
        Some(id) => members.iter().find(|m| m.id == id),
        None => members.iter().find(|m| m.fields.relation == jiuzhu_domain::Relation::Head).or(members.first()),
    };
    let Some(applicant) = applicant else {
        return Err(AppError::invalid("applicant_person_id", Message::new("case.error.applicant")));
    };
    let co_residing: Vec<_> = members.iter().filter(|m| m.fields.co_residing).collect();
    let facts: Vec<MemberFacts> = co_residing.iter().map(|m| member_facts(&m.fields, today)).collect();
    let ids: Vec<String> = members.iter().map(|m| m.fields.id_number.as_str().to_string()).collect();
    let detected: Vec<String> = store::cases::relatives_matching(&mut tx, &ids)
        .await?
        .into_iter()
        .map(|r| format!("{}（{}）之{}：{}", r.staff_name, r.staff_post, r.relation, r.relative_name))
        .collect();
    let staff_relative = !form.declared_relative.trim().is_empty() || !detected.is_empty();
    let policy = resolve(&policy_versions(&mut tx).await?, &region, today);
    let calendar = calendar_in(&mut tx).await?;
    let office = Office::of(&actor.roles);
    let on_behalf = office == Office::Village;
    let material_facts = MaterialFacts::of(&members.iter().map(|m| member_facts(&m.fields, today)).collect::<Vec<_>>());
    let detail = ApplicationDetail {
        kinds: intake.kinds.clone(),
        area: intake.area,
        applicant_name: applicant.fields.name.as_str().to_string(),
        applicant_person_id: applicant.id,
        household_size: facts.len() as u32,
        members: facts,
        applicant: member_facts(&applicant.fields, today),
        provided: intake.provided.clone(),
        declared_relative: strip_invisible(&form.declared_relative).trim().to_string(),
        detected_relatives: detected,
        declaration: intake.declaration.clone(),
        needs: intake.needs.clone(),
        cause: intake.cause,
        requested: intake.requested,
        note: strip_invisible(&form.note).trim().to_string(),
        on_behalf,
    };
    let detail_json = serde_json::to_string(&detail).map_err(|e| AppError::Internal(e.to_string()))?;
    let application_id = store::cases::insert_application(
        &mut tx,
        &store::cases::ApplicationRow {
            id: 0,
            household_id: household.id,
            region_code: region.to_string(),
            detail: detail_json,
            created_by: actor.name.clone(),
            created_at: now,
        },
    )
    .await?;

    let ctx = Ctx { today, now, calendar: &calendar, policy: &policy.policy, office, spot_tally: SpotTally::default() };
    let mut case_ids = Vec::new();
    let mut all_missing: Vec<Material> = Vec::new();
    let mut first_incomplete = None;
    for kind in &intake.kinds {
        let required = required_materials(*kind, material_facts, &policy.policy);
        let missing: Vec<Material> = required.into_iter().filter(|m| !intake.provided.contains(m)).collect();
        let helped = match (kind.is_temporary(), intake.cause) {
            (true, Some(cause)) => {
                let from = NaiveDate::from_ymd_opt(today.year(), 1, 1).unwrap_or(today);
                let to = NaiveDate::from_ymd_opt(today.year() + 1, 1, 1).unwrap_or(today);
                store::cases::temp_grants(&mut tx, household.id, cause.code(), from, to).await? as u32
            }
            _ => 0,
        };
        let new = NewCase {
            kind: *kind,
            area: intake.area,
            on_behalf,
            staff_relative,
            missing: (!on_behalf).then(|| missing.clone()),
            requested: if kind.is_temporary() { intake.requested } else { None },
            helped_this_year: helped,
        };
        let (case, events) = Case::open(new, &ctx).map_err(workflow_error)?;
        let mut row = store::cases::CaseRow {
            id: 0,
            application_id,
            household_id: household.id,
            region_code: region.to_string(),
            kind: String::new(),
            stage: String::new(),
            open: true,
            step_due: None,
            overall_due: None,
            cause: intake.cause.filter(|_| kind.is_temporary()).map(|c| c.code().to_string()),
            decided_on: None,
            amount_fen: None,
            state: String::new(),
            decision: None,
            version: 0,
            created_at: now,
        };
        set_state(&mut row, &case, &calendar)?;
        let case_id = store::cases::insert_case(&mut tx, &row).await?;
        let detail = json!({ "on_behalf": on_behalf, "missing": codes(&missing), "policy_versions": policy.versions });
        for event in &events {
            insert_event(&mut tx, case_id, now, actor, *event, &detail).await?;
        }
        if case.stage == Stage::Incomplete || (case.kind == CaseKind::TempEmergency && !case.missing.is_empty()) {
            for m in &case.missing {
                if !all_missing.contains(m) {
                    all_missing.push(*m);
                }
            }
            first_incomplete.get_or_insert(case_id);
        }
        case_ids.push(case_id);
    }
    let tree = region_tree(&mut tx).await?;
    let one_time_notice = match first_incomplete {
        Some(case_id) => {
            let doc = one_time_notice_doc(&tree, &region, &detail, &all_missing, today, &household.fields.external_id);
            Some(insert_document(&mut tx, case_id, "one_time_notice", &doc, actor, now).await?)
        }
        None => None,
    };
    for need in &intake.needs {
        store::cases::insert_referral(
            &mut tx,
            &store::cases::ReferralRow {
                id: 0,
                application_id,
                need: need.code().to_string(),
                status: ReferralStatus::Sent.code().to_string(),
                note: String::new(),
                updated_by: actor.name.clone(),
                updated_at: now,
            },
        )
        .await?;
    }
    let after = json!({
        "application": application_id, "cases": case_ids, "kinds": intake.kinds, "missing": codes(&all_missing),
        "staff_relative": staff_relative, "on_behalf": on_behalf,
    });
    audit(
        &mut tx,
        actor,
        now,
        "application_submitted",
        &Target::new("application", application_id, Some(&region)),
        None,
        Some(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(ApplicationCreated { application_id, case_ids, missing: codes(&all_missing), one_time_notice, staff_relative })
}

fn codes(list: &[Material]) -> Vec<String> {
    list.iter().map(|m| m.code().to_string()).collect()
}

fn workflow_error(e: WorkflowError) -> AppError {
    AppError::Conflict(e.to_message())
}

/// The stored columns of a case derived from its state (the columns lists
/// sort and filter by are never set apart from the state they come from).
fn set_state(row: &mut store::cases::CaseRow, case: &Case, calendar: &Calendar) -> Result<()> {
    row.kind = case.kind.code().to_string();
    row.stage = case.stage.code().to_string();
    row.open = case.stage.is_open();
    row.step_due = case.step_due.map(Due::date);
    // A year without its arrangement is counted provisionally (1901–2099); beyond, no date.
    row.overall_due = case.overall_due(calendar).ok().flatten();
    row.decided_on = case.decided_on;
    row.amount_fen = case.amount.map(|a| a.0);
    row.state = serde_json::to_string(case).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(())
}

/// Writes a case's next state over the version that was loaded; a changed
/// version is a conflict.
async fn write_back(
    tx: &mut Tx,
    loaded: &Loaded,
    next: &Case,
    calendar: &Calendar,
    decision: Option<String>,
    now: DateTime<Utc>,
) -> Result<()> {
    let mut row = loaded.row.clone();
    set_state(&mut row, next, calendar)?;
    row.decision = decision.or(row.decision);
    row.created_at = now;
    if store::cases::update_case(tx, &row).await? {
        Ok(())
    } else {
        Err(AppError::Conflict(Message::new("case.error.stale")))
    }
}

async fn insert_event(
    tx: &mut Tx,
    case_id: i64,
    at: DateTime<Utc>,
    actor: &Actor,
    kind: EventKind,
    detail: &serde_json::Value,
) -> Result<i64> {
    Ok(store::cases::insert_case_event(
        tx,
        &store::cases::CaseEventRow {
            id: 0,
            case_id,
            at,
            actor: actor.name.clone(),
            kind: kind.code().to_string(),
            detail: detail.to_string(),
        },
    )
    .await?)
}

async fn insert_document(
    tx: &mut Tx,
    case_id: i64,
    kind: &str,
    doc: &DocumentData,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<i64> {
    let data = serde_json::to_string(doc).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(store::cases::insert_document(
        tx,
        &store::cases::DocumentRow {
            id: 0,
            case_id,
            kind: kind.to_string(),
            data,
            issued_by: actor.name.clone(),
            issued_at: now,
        },
    )
    .await?)
}

// ------------------------------------------------------------ documents

/// A notice as printed (always in Chinese: an official document): the
/// data of the `case_notice` template, stored when issued so that it
/// prints the same later.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DocumentData {
    pub title: String,
    /// The issuing body (the county 民政局, or the township where it decides).
    pub issuer: String,
    pub number: String,
    pub addressee: String,
    pub paragraphs: Vec<String>,
    /// A list (the missing materials, the reasons).
    pub items: Vec<String>,
    /// How the amount or the refusal was derived: label and value.
    pub table: Vec<(String, String)>,
    pub basis: String,
    pub appeal: String,
    pub date: String,
    pub seal: String,
}

fn county_name(tree: &RegionTree, region: &RegionCode) -> String {
    tree.path(region)
        .iter()
        .filter(|r| r.level() <= jiuzhu_domain::RegionLevel::County)
        .map(|r| r.name.as_str())
        .collect::<String>()
}

fn township_name(tree: &RegionTree, region: &RegionCode) -> String {
    tree.path(region)
        .iter()
        .find(|r| r.level() == jiuzhu_domain::RegionLevel::Township)
        .map(|r| r.name.clone())
        .unwrap_or_default()
}

fn one_time_notice_doc(
    tree: &RegionTree,
    region: &RegionCode,
    detail: &ApplicationDetail,
    missing: &[Material],
    today: NaiveDate,
    external_id: &str,
) -> DocumentData {
    let kinds: Vec<&str> = detail.kinds.iter().map(|k| k.label(Lang::Zh)).collect();
    let township = township_name(tree, region);
    DocumentData {
        title: "社会救助申请材料一次性告知书".into(),
        issuer: format!("{}{}", county_name(tree, region), township),
        number: format!("户编号：{external_id}"),
        addressee: format!("{}：", detail.applicant_name),
        paragraphs: vec![
            format!(
                "您于{}提出的{}申请，经审查，申请材料尚不齐全。请补齐下列全部材料后提交至{}社会救助服务窗口；材料齐全之日即为受理之日。",
                format_date(Lang::Zh, today),
                kinds.join("、"),
                if township.is_empty() { "乡镇（街道）".to_string() } else { township.clone() }
            ),
            "可通过政务服务平台获取的材料，无需重复提交。".into(),
        ],
        items: missing.iter().map(|m| m.label(Lang::Zh).to_string()).collect(),
        table: Vec::new(),
        basis: "依据《最低生活保障审核确认办法》（民发〔2021〕57号）第十条：申请材料不齐全的，应当一次性告知申请人需要补齐的材料。".into(),
        appeal: String::new(),
        date: format_date(Lang::Zh, today),
        seal: format!("{}（盖章）", if township.is_empty() { county_name(tree, region) } else { township }),
    }
}

// ------------------------------------------------------------ case view

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct EventView {
    pub at: DateTime<Utc>,
    pub actor: String,
    pub kind: String,
    #[schema(value_type = Object)]
    pub detail: serde_json::Value,
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
    pub actions: Vec<String>,
    pub events: Vec<EventView>,
    pub documents: Vec<DocumentInfo>,
    pub photos: Vec<i64>,
    pub referrals: Vec<ReferralView>,
    pub public_objections: Vec<PublicObjectionView>,
    #[schema(value_type = Object)]
    pub decision: Option<serde_json::Value>,
    /// The monthly amount the policy in force gives now (低保/特困 full self-care), for the preliminary opinion.
    pub amount_preview: Option<i64>,
}

struct Loaded {
    row: store::cases::CaseRow,
    case: Case,
    detail: ApplicationDetail,
    region: RegionCode,
}

async fn load_case(tx: &mut Tx, actor: &Actor, case_id: i64) -> Result<Option<Loaded>> {
    let Some(row) = store::cases::get_case(tx, case_id).await? else { return Ok(None) };
    let Ok(region) = RegionCode::parse(&row.region_code) else { return Ok(None) };
    if !actor.scope.contains(&region) {
        return Ok(None);
    }
    let case: Case = serde_json::from_str(&row.state).map_err(|e| AppError::Internal(e.to_string()))?;
    let application = store::cases::get_application(tx, row.application_id)
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

async fn build_view(tx: &mut Tx, actor: &Actor, now: DateTime<Utc>, l: &Loaded) -> Result<CaseView> {
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
        l.case.available_steps(&ctx).into_iter().map(String::from).collect()
    } else {
        Vec::new()
    };
    let events = store::cases::case_events(tx, l.row.id)
        .await?
        .into_iter()
        .map(|e| {
            // Events keep what was entered; personal numbers in it are masked
            // as the members' are (issue 10).
            let mut detail = serde_json::from_str(&e.detail).unwrap_or_default();
            crate::privacy::mask_json(&mut detail);
            EventView { at: e.at, actor: e.actor, kind: e.kind, detail }
        })
        .collect();
    // The case's own documents and the application's one-time notice (it lists every programme's materials).
    let documents = store::cases::documents_of_application(tx, l.row.application_id)
        .await?
        .into_iter()
        .filter(|d| d.case_id == l.row.id || d.kind == "one_time_notice")
        .map(|d| DocumentInfo { id: d.id, case_id: d.case_id, kind: d.kind, issued_at: d.issued_at })
        .collect();
    let photos = store::cases::photos_of(tx, l.row.id).await?.into_iter().map(|(id, _)| id).collect();
    let referrals =
        store::cases::referrals_of(tx, l.row.application_id).await?.into_iter().map(referral_view).collect();
    let public_objections = store::cases::public_objections_of_case(tx, l.row.id)
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
        decision: l.row.decision.as_deref().and_then(|d| serde_json::from_str(d).ok()).map(masked_value),
        amount_preview,
    })
}

/// A stored JSON value with its personal numbers masked (issue 10).
fn masked_value(mut value: serde_json::Value) -> serde_json::Value {
    crate::privacy::mask_json(&mut value);
    value
}

fn referral_view(r: store::cases::ReferralRow) -> ReferralView {
    let department = Need::parse(&r.need).map(|n| t(Lang::Zh, n.department_key()).to_string()).unwrap_or_default();
    ReferralView { id: r.id, need: r.need, department, status: r.status, note: r.note, updated_at: r.updated_at }
}

fn preview_amount(policy: &AssistancePolicy, case: &Case, detail: &ApplicationDetail) -> Option<i64> {
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

// ------------------------------------------------------------ steps

impl ActionForm {
    /// The form with invisible controls taken out of its free texts (a
    /// right-to-left override would reverse a reason in the printed notice).
    fn without_invisibles(&self) -> ActionForm {
        ActionForm {
            reason: strip_invisible(&self.reason),
            investigators: strip_invisible(&self.investigators),
            family_signatures: strip_invisible(&self.family_signatures),
            findings: strip_invisible(&self.findings),
            ..self.clone()
        }
    }
}

/// A step as entered on the case page or sent to the API.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct ActionForm {
    /// The action code (`check_materials`, `start_investigation`, …).
    pub action: String,
    /// The case version the user was shown.
    pub version: i64,
    /// Reasons (required to reject, return, suspend, extend, withdraw).
    pub reason: String,
    /// Materials received so far (codes); the rest of the case's list stays missing.
    pub provided: Vec<String>,
    /// Home survey: the investigators' names, separated by 、 or commas.
    pub investigators: String,
    /// Home survey: the family members who signed the survey form.
    pub family_signatures: String,
    /// Home survey findings, or the democratic review's conclusion.
    pub findings: String,
    /// Preliminary opinion: recommend approval.
    pub approve: bool,
    /// Temporary assistance: the amount (元).
    pub amount_yuan: String,
    /// 特困: the self-care items the person cannot do (`eat`, `dress`, `bed`, `toilet`, `walk`, `bathe`).
    pub unable: Vec<String>,
    /// 特困: `home` or `institution`.
    pub support_mode: String,
    /// 特困: the investigation found no supporter able to support the person.
    pub no_able_supporter: bool,
}

/// A photo taken during a home survey, as uploaded. The type the browser
/// claims is not trusted: the photo is checked by its content
/// ([`jiuzhu_domain::photo::check_photo`]) and stored with the type found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Photo {
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// The photos with the image type of each, or the error naming the first
/// one that is too large or not a JPEG, PNG or WebP image.
fn checked_photos(photos: Vec<Photo>) -> Result<Vec<(ImageType, Vec<u8>)>> {
    photos
        .into_iter()
        .enumerate()
        .map(|(i, photo)| match check_photo(&photo.bytes) {
            Ok(image) => Ok((image, photo.bytes)),
            Err(PhotoError::TooLarge) => Err(AppError::invalid(
                "photos",
                Message::new("photo.error.too_large")
                    .arg("n", (i + 1).to_string())
                    .arg("limit", (PHOTO_MAX_BYTES / 1024 / 1024).to_string()),
            )),
            Err(PhotoError::NotAnImage) => {
                Err(AppError::invalid("photos", Message::new("photo.error.not_image").arg("n", (i + 1).to_string())))
            }
        })
        .collect()
}

fn names(raw: &str) -> Vec<String> {
    raw.split(['、', ',', '，', ';', '；', '\n']).map(str::trim).filter(|s| !s.is_empty()).map(String::from).collect()
}

fn required_reason(form: &ActionForm) -> Result<String> {
    let reason = form.reason.trim();
    if reason.is_empty() {
        return Err(AppError::invalid("reason", Message::new("case.error.reason")));
    }
    Ok(reason.to_string())
}

/// The self-care assessment from the items the person cannot do.
fn self_care_of(form: &ActionForm) -> ([bool; 6], SelfCare) {
    let mut met = [true; 6];
    for (i, key) in jiuzhu_domain::assistance::SELF_CARE_ITEMS.iter().enumerate() {
        let code = key.trim_start_matches("selfcare.");
        if form.unable.iter().any(|u| u == code) {
            met[i] = false;
        }
    }
    (met, SelfCare::assess(met))
}

/// Takes one step on a case. Verification runs the engine for the
/// household and attaches its result; approval computes the amount from
/// the policy and issues the decision notice; rejection issues the written
/// notice with the reasons; a notice or an approval posts the public notice.
pub async fn act(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    case_id: i64,
    form: &ActionForm,
    photos: Vec<Photo>,
) -> Result<CaseView> {
    let action = format!("case_{}", form.action);
    let target = Target::new("case", case_id, None);
    // Deciding needs CaseDecide; every other step (a return from confirmation too:
    // whoever decides also handles cases) needs CaseHandle. Who may confirm at
    // which level is the domain's to say.
    let permission = if matches!(form.action.as_str(), "approve" | "reject") {
        Permission::CaseDecide
    } else {
        Permission::CaseHandle
    };
    require(db, actor, now, permission, &action, &target).await?;
    form.check_lengths()?;
    let photos = checked_photos(photos)?;
    let form = &form.without_invisibles();

    // Verification runs first in its own transaction (the run and its result
    // stand on their own, like any verification).
    let verified = if form.action == "attach_verification" {
        let household_id = {
            let mut tx = db.begin().await?;
            let loaded = case_or_deny!(tx, actor, now, case_id, &action);
            loaded.row.household_id
        };
        let summary = run_verification(db, actor, now, Selection::Household(household_id), &mut |_, _| {}).await?;
        let mut tx = db.begin().await?;
        let result = store::results_of(&mut tx, household_id)
            .await?
            .into_iter()
            .filter(|r| r.run_id == summary.run_id)
            .max_by_key(|r| r.id)
            .ok_or(AppError::NotFound)?;
        Some((result.id, result.finding_count == 0))
    } else {
        None
    };

    let mut tx = db.begin().await?;
    let loaded = case_or_deny!(tx, actor, now, case_id, &action);
    if form.version != loaded.row.version {
        return Err(AppError::Conflict(Message::new("case.error.stale")));
    }
    let today = china_date(now);
    let calendar = calendar_in(&mut tx).await?;
    let policy = resolve(&policy_versions(&mut tx).await?, &loaded.region, today);
    let spot = if loaded.case.kind == CaseKind::Tekun {
        spot_tally(&mut tx, &loaded.region, today).await?
    } else {
        SpotTally::default()
    };
    let ctx = Ctx {
        today,
        now,
        calendar: &calendar,
        policy: &policy.policy,
        office: Office::of(&actor.roles),
        spot_tally: spot,
    };
    let tree = region_tree(&mut tx).await?;

    let mut detail = json!({});
    let mut decision: Option<serde_json::Value> = None;
    let command = match form.action.as_str() {
        "check_materials" => {
            let mut errors = Vec::new();
            let provided = parse_codes(&mut errors, "provided", &form.provided, Material::parse);
            if !errors.is_empty() {
                return Err(AppError::Invalid(errors));
            }
            let base = if loaded.case.missing.is_empty() && loaded.case.stage == Stage::Submitted {
                let facts = MaterialFacts::of(&loaded.detail.members);
                required_materials(loaded.case.kind, facts, &policy.policy)
                    .into_iter()
                    .filter(|m| !loaded.detail.provided.contains(m))
                    .collect()
            } else {
                loaded.case.missing.clone()
            };
            let missing: Vec<Material> = base.into_iter().filter(|m| !provided.contains(m)).collect();
            detail = json!({ "provided": codes(&provided), "missing": codes(&missing) });
            Command::CheckMaterials { missing }
        }
        "start_investigation" => Command::StartInvestigation,
        "request_verification" => Command::RequestVerification,
        "attach_verification" => {
            let (result_id, eligible) = verified.unwrap_or((0, false));
            detail = json!({ "result_id": result_id, "eligible": eligible });
            Command::AttachVerification { result_id, eligible }
        }
        "record_survey" => {
            let investigators = names(&form.investigators);
            let signatures = names(&form.family_signatures);
            detail = json!({
                "investigators": investigators, "family_signatures": signatures,
                "findings": form.findings.trim(), "photos": photos.len(),
            });
            Command::RecordSurvey { investigators: investigators.len() as u32, family_signed: !signatures.is_empty() }
        }
        "give_opinion" => {
            detail = json!({ "approve": form.approve, "reason": form.reason.trim() });
            Command::GiveOpinion { approve: form.approve }
        }
        "close_notice" => Command::CloseNotice,
        "reinvestigate" => {
            detail = json!({ "reason": required_reason(form)? });
            Command::Reinvestigate
        }
        "democratic_review" => {
            detail = json!({ "participants": form.investigators.trim(), "conclusion": form.findings.trim() });
            if form.findings.trim().is_empty() {
                return Err(AppError::invalid("findings", Message::new("case.error.conclusion")));
            }
            Command::DemocraticReview
        }
        "approve" => {
            let (value, amount) = approval(&policy, &loaded, form, today)?;
            detail = json!({ "amount_fen": amount.0 });
            decision = Some(value);
            Command::Approve { amount }
        }
        "reject" => {
            let reason = required_reason(form)?;
            detail = json!({ "reason": reason });
            decision = Some(
                json!({ "outcome": "rejected", "reason": reason, "decided_on": today, "policy_versions": policy.versions }),
            );
            Command::Reject
        }
        "return" => {
            detail = json!({ "reason": required_reason(form)? });
            Command::Return
        }
        "pay_first" => {
            let amount = Fen::parse_yuan(&form.amount_yuan)
                .map_err(|_| AppError::invalid("amount_yuan", Message::new("case.error.amount")))?;
            detail = json!({ "amount_fen": amount.0, "reason": form.reason.trim() });
            Command::PayFirst { amount }
        }
        "complete_paperwork" => {
            let paid = loaded.case.paid_first.unwrap_or(Fen(0));
            decision = Some(json!({
                "outcome": "approved", "amount_fen": paid.0, "decided_on": today, "policy_versions": policy.versions,
                "derivation": [["先行救助金额", paid.to_string()]],
            }));
            Command::CompletePaperwork
        }
        "suspend" => {
            detail = json!({ "reason": required_reason(form)? });
            Command::Suspend
        }
        "resume" => Command::Resume,
        "extend" => {
            detail = json!({ "reason": required_reason(form)? });
            Command::Extend
        }
        "withdraw" => {
            detail = json!({ "reason": required_reason(form)? });
            Command::Withdraw
        }
        _ => {
            return Err(AppError::invalid(
                "action",
                Message::new("case.error.unknown_code").arg("value", &form.action),
            ));
        }
    };

    let (next, events) = match loaded.case.apply(&command, &ctx) {
        Ok(v) => v,
        Err(WorkflowError::NotAllowed { .. }) => {
            let target = Target::new("case", case_id, Some(&loaded.region));
            return Err(deny_in(tx, actor, now, &action, &target, AppError::Forbidden).await);
        }
        Err(e) => return Err(workflow_error(e)),
    };
    write_back(&mut tx, &loaded, &next, &calendar, decision.as_ref().map(|d| d.to_string()), now).await?;
    let mut survey_event = None;
    for event in &events {
        let id = insert_event(&mut tx, case_id, now, actor, *event, &detail).await?;
        if matches!(event, EventKind::Surveyed | EventKind::CountySurveyed) {
            survey_event = Some(id);
        }
    }
    if let Some(event_id) = survey_event {
        for (image, bytes) in &photos {
            store::cases::insert_photo(&mut tx, case_id, event_id, image.mime(), bytes).await?;
        }
    }
    for event in &events {
        match event {
            EventKind::NoticeStarted => {
                let window = next.notice.ok_or_else(|| AppError::Internal("notice".into()))?;
                let amount = preview_amount(&policy.policy, &next, &loaded.detail);
                post_notice(&mut tx, &loaded, &next, "review", amount, window.from, Some(window.until)).await?;
            }
            EventKind::Approved | EventKind::PaperworkCompleted => {
                post_notice(&mut tx, &loaded, &next, "result", next.amount.map(|a| a.0), today, None).await?;
                if let Some(doc) = decision.as_ref().map(|d| decision_doc(&tree, &loaded, &next, d, today)) {
                    insert_document(&mut tx, case_id, "decision", &doc, actor, now).await?;
                }
                if let (Some(program), Some(amount)) = (next.kind.program(), next.amount) {
                    enrol(&mut tx, actor, now, loaded.row.household_id, program, amount, next.kind).await?;
                }
            }
            EventKind::Rejected => {
                let doc = rejection_doc(&tree, &loaded, &next, &required_reason(form)?, today);
                insert_document(&mut tx, case_id, "rejection", &doc, actor, now).await?;
            }
            EventKind::MaterialsIncomplete => {
                let external_id = store::get_household(&mut tx, loaded.row.household_id)
                    .await?
                    .map(|h| h.fields.external_id)
                    .unwrap_or_default();
                let doc =
                    one_time_notice_doc(&tree, &loaded.region, &loaded.detail, &next.missing, today, &external_id);
                insert_document(&mut tx, case_id, "one_time_notice", &doc, actor, now).await?;
            }
            _ => {}
        }
    }
    let before = json!({ "stage": loaded.case.stage.code(), "version": loaded.row.version });
    let after = json!({ "stage": next.stage.code(), "events": events.iter().map(|e| e.code()).collect::<Vec<_>>(), "detail": detail });
    audit(
        &mut tx,
        actor,
        now,
        &action,
        &Target::new("case", case_id, Some(&loaded.region)),
        Some(&before),
        Some(&after),
    )
    .await?;
    let reloaded = load_case(&mut tx, actor, case_id).await?.ok_or(AppError::NotFound)?;
    let view = build_view(&mut tx, actor, now, &reloaded).await?;
    tx.commit().await?;
    Ok(view)
}

/// The approval's amount and its derivation.
fn approval(
    policy: &ResolvedPolicy,
    l: &Loaded,
    form: &ActionForm,
    today: NaiveDate,
) -> Result<(serde_json::Value, Fen)> {
    let p = &policy.policy;
    let amount_error = |e: jiuzhu_domain::assistance::AmountError| AppError::Conflict(e.to_message());
    let (amount, derivation): (Fen, Vec<(String, String)>) = match l.case.kind {
        CaseKind::Dibao | CaseKind::DibaoIndividual => {
            let d = &l.detail;
            let a = if l.case.kind == CaseKind::DibaoIndividual {
                individual_amount(p, d.area, &d.applicant, &d.members, &d.declaration).map_err(amount_error)?
            } else {
                dibao_amount(p, d.area, &d.members, &d.declaration).map_err(amount_error)?
            };
            let mut lines = vec![
                (format!("{}低保标准（月）", a.area.label(Lang::Zh)), a.standard.to_string()),
                ("共同生活家庭成员".to_string(), format!("{}人", a.members)),
                ("申报家庭月收入".to_string(), a.income.declared.to_string()),
                ("不计入收入部分".to_string(), a.income.excluded.to_string()),
                (
                    "扣减（就业成本、刚性支出）".to_string(),
                    Fen(a.income.employment_cost.0 + a.income.deductions.0).to_string(),
                ),
                ("计算收入".to_string(), a.income.counted.to_string()),
                ("家庭月人均收入".to_string(), a.per_person.to_string()),
                ("差额保障金（（标准－人均收入）×人数）".to_string(), a.base.to_string()),
            ];
            for (kind, fen) in &a.addons {
                lines.push((t(Lang::Zh, kind.message_key()).to_string(), fen.to_string()));
            }
            lines.push(("月保障金额".to_string(), a.total.to_string()));
            (a.total, lines)
        }
        CaseKind::Tekun => {
            let d = &l.detail;
            let unmet = tekun_unmet(p, d.area, &d.applicant, &d.members, &d.declaration, form.no_able_supporter);
            if !unmet.is_empty() {
                let list = unmet.iter().map(|c| c.label(Lang::Zh)).collect::<Vec<_>>().join("、");
                return Err(AppError::Conflict(Message::new("amount.error.tekun_unmet").arg("list", list)));
            }
            let (met, care) = self_care_of(form);
            let mode = SupportMode::parse(&form.support_mode).unwrap_or(SupportMode::Home);
            let a = tekun_amount(p, l.detail.area, care, mode);
            let unmet = met.iter().filter(|m| !**m).count();
            (
                a.total,
                vec![
                    (format!("{}低保标准（月）", a.area.label(Lang::Zh)), a.standard.to_string()),
                    (format!("基本生活标准（低保标准×{}‰）", a.basic_permille), a.basic.to_string()),
                    ("生活自理能力评估".to_string(), format!("{}（6项中{}项不能完成）", care.label(Lang::Zh), unmet)),
                    ("供养方式".to_string(), mode.label(Lang::Zh).to_string()),
                    ("照料护理标准".to_string(), a.care.to_string()),
                    ("月供养金额".to_string(), a.total.to_string()),
                ],
            )
        }
        CaseKind::TempExpense | CaseKind::TempEmergency => {
            let amount = if form.amount_yuan.trim().is_empty() {
                l.case.requested.ok_or_else(|| AppError::invalid("amount_yuan", Message::new("case.error.amount")))?
            } else {
                Fen::parse_yuan(&form.amount_yuan)
                    .map_err(|_| AppError::invalid("amount_yuan", Message::new("case.error.amount")))?
            };
            (
                amount,
                vec![
                    ("申请金额".to_string(), l.case.requested.map(|r| r.to_string()).unwrap_or_default()),
                    ("乡镇审批额度".to_string(), p.temp_township_limit(l.detail.area).to_string()),
                    ("临时救助上限".to_string(), p.temp_cap(l.detail.area).to_string()),
                    ("救助金额".to_string(), amount.to_string()),
                ],
            )
        }
    };
    let first_month = jiuzhu_domain::case::first_payment_month(l.case.kind, today);
    Ok((
        json!({
            "outcome": "approved", "amount_fen": amount.0, "decided_on": today, "first_month": first_month,
            "derivation": derivation, "policy_versions": policy.versions, "policy": p,
        }),
        amount,
    ))
}

/// Posts a notice in the applicant's village.
async fn post_notice(
    tx: &mut Tx,
    loaded: &Loaded,
    case: &Case,
    kind: &str,
    amount: Option<i64>,
    posted_on: NaiveDate,
    until: Option<NaiveDate>,
) -> Result<i64> {
    let detail = &loaded.detail;
    // Only what the law lets a notice show: name, household size, amount, programme, dates.
    let row = store::cases::NoticeRow {
        id: 0,
        case_id: loaded.row.id,
        region_code: loaded.region.to_string(),
        kind: kind.to_string(),
        programme: case.kind.code().to_string(),
        name: detail.applicant_name.clone(),
        household_size: i64::from(case.published_household_size(detail.household_size)),
        amount_fen: amount,
        posted_on,
        until,
    };
    Ok(store::cases::insert_notice(tx, &row).await?)
}

/// Enrols the household in the programme with the approved monthly amount
/// (the registry shows what it receives).
async fn enrol(
    tx: &mut Tx,
    actor: &Actor,
    now: DateTime<Utc>,
    household_id: i64,
    program: jiuzhu_domain::Program,
    amount: Fen,
    kind: CaseKind,
) -> Result<()> {
    let household = store::get_household(tx, household_id).await?.ok_or(AppError::NotFound)?;
    let mut fields = household.fields.clone();
    fields.program = Some(program);
    fields.monthly_benefit = Some(amount);
    store::update_household(tx, household_id, household.version, &fields, now).await?;
    let detail =
        json!({ "program": program.code(), "monthly_benefit_fen": amount.0, "case_kind": kind.code() }).to_string();
    store::insert_event(tx, household_id, now, &actor.name, "enrolled", &detail).await?;
    Ok(())
}

const APPEAL: &str = "如对本决定不服，可以自收到本通知之日起六十日内向本级人民政府申请行政复议，或者在六个月内依法向人民法院提起行政诉讼。";

fn issuer_for(tree: &RegionTree, l: &Loaded, case: &Case) -> String {
    match case.level {
        jiuzhu_domain::assistance::Level::County => format!("{}民政局", county_name(tree, &l.region)),
        jiuzhu_domain::assistance::Level::Township => {
            format!("{}{}", county_name(tree, &l.region), township_name(tree, &l.region))
        }
    }
}

fn decision_doc(
    tree: &RegionTree,
    l: &Loaded,
    case: &Case,
    decision: &serde_json::Value,
    today: NaiveDate,
) -> DocumentData {
    let issuer = issuer_for(tree, l, case);
    let amount = case.amount.unwrap_or(Fen(0));
    let table: Vec<(String, String)> =
        decision.get("derivation").and_then(|d| serde_json::from_value(d.clone()).ok()).unwrap_or_default();
    let first = decision.get("first_month").and_then(|v| v.as_str()).and_then(|s| s.parse::<NaiveDate>().ok());
    let payment = match (case.kind.is_temporary(), first) {
        (true, _) => format!("临时救助金{}，一次性发放。", amount),
        (false, Some(m)) => format!("月保障金额{}，自{}年{}月起按月发放至家庭账户。", amount, m.year(), m.month()),
        (false, None) => format!("月保障金额{}。", amount),
    };
    DocumentData {
        title: format!("{}审批确认通知书", case.kind.label(Lang::Zh)),
        issuer: issuer.clone(),
        number: format!("案件编号：{}", l.row.id),
        addressee: format!("{}：", l.detail.applicant_name),
        paragraphs: vec![
            format!(
                "你（户）于{}提出的{}申请，经调查核实、审核确认，符合条件，决定予以批准。",
                format_date(Lang::Zh, case.accepted_on.unwrap_or(case.submitted_on)),
                case.kind.label(Lang::Zh)
            ),
            payment,
            "请如实申报家庭人口、收入和财产变化情况，配合定期复核。".into(),
        ],
        items: Vec::new(),
        table,
        basis: basis(case.kind).into(),
        appeal: APPEAL.into(),
        date: format_date(Lang::Zh, today),
        seal: format!("{issuer}（盖章）"),
    }
}

fn rejection_doc(tree: &RegionTree, l: &Loaded, case: &Case, reason: &str, today: NaiveDate) -> DocumentData {
    let issuer = issuer_for(tree, l, case);
    let mut table = Vec::new();
    if let Some(v) = case.verification {
        table.push((
            "家庭经济状况核对报告".to_string(),
            format!("第{}号{}", v.result_id, if v.eligible { "" } else { "（有核对发现）" }),
        ));
    }
    table.push((
        "初审意见".to_string(),
        match case.opinion {
            Some(true) => "建议批准".to_string(),
            Some(false) => "建议不予批准".to_string(),
            None => "—".to_string(),
        },
    ));
    DocumentData {
        title: format!("{}不予批准通知书", case.kind.label(Lang::Zh)),
        issuer: issuer.clone(),
        number: format!("案件编号：{}", l.row.id),
        addressee: format!("{}：", l.detail.applicant_name),
        paragraphs: vec![format!(
            "你（户）于{}提出的{}申请，经调查核实、审核确认，不符合条件，决定不予批准。理由如下：",
            format_date(Lang::Zh, case.accepted_on.unwrap_or(case.submitted_on)),
            case.kind.label(Lang::Zh)
        )],
        items: vec![reason.to_string()],
        table,
        basis: basis(case.kind).into(),
        appeal: APPEAL.into(),
        date: format_date(Lang::Zh, today),
        seal: format!("{issuer}（盖章）"),
    }
}

fn basis(kind: CaseKind) -> &'static str {
    match kind {
        CaseKind::Dibao | CaseKind::DibaoIndividual => {
            "《社会救助暂行办法》第九条至第十三条；《最低生活保障审核确认办法》（民发〔2021〕57号）第二十条至第二十三条。"
        }
        CaseKind::Tekun => {
            "《社会救助暂行办法》第十四条至第十九条；《特困人员认定办法》（民发〔2021〕43号）第十六条至第十八条。"
        }
        CaseKind::TempEmergency | CaseKind::TempExpense => {
            "《社会救助暂行办法》第四十七条至第五十条；《国务院关于全面建立临时救助制度的通知》（国发〔2014〕47号）。"
        }
    }
}

/// A document issued for a case, for printing.
pub async fn document(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    case_id: i64,
    document_id: i64,
) -> Result<(String, DocumentData)> {
    let target = Target::new("case", case_id, None);
    require(db, actor, now, Permission::CaseRead, "case_document_read", &target).await?;
    let mut tx = db.begin().await?;
    let loaded = case_or_deny!(tx, actor, now, case_id, "case_document_read");
    let found = store::cases::documents_of_application(&mut tx, loaded.row.application_id)
        .await?
        .into_iter()
        .find(|d| d.id == document_id);
    let Some(doc) = found else { return Err(AppError::NotFound) };
    let data: DocumentData = serde_json::from_str(&doc.data).map_err(|e| AppError::Internal(e.to_string()))?;
    audit(
        &mut tx,
        actor,
        now,
        "case_document_read",
        &Target::new("case_document", document_id, Some(&loaded.region)),
        None,
        None,
    )
    .await?;
    tx.commit().await?;
    Ok((doc.kind, data))
}

/// A survey photo of a case in scope: its image type (found again from its
/// bytes, whatever was stored) and bytes. Audited like the rest of the
/// case file; stored bytes that are not a JPEG, PNG or WebP image (from
/// before photos were checked) are not served.
pub async fn photo(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    case_id: i64,
    photo_id: i64,
) -> Result<(ImageType, Vec<u8>)> {
    require(db, actor, now, Permission::CaseRead, "case_photo_read", &Target::new("case", case_id, None)).await?;
    let mut tx = db.begin().await?;
    let loaded = case_or_deny!(tx, actor, now, case_id, "case_photo_read");
    let (image, bytes) = match store::cases::get_photo(&mut tx, photo_id).await? {
        Some((owner, _, bytes)) if owner == case_id => match ImageType::sniff(&bytes) {
            Some(image) => (image, bytes),
            None => return Err(AppError::NotFound),
        },
        _ => return Err(AppError::NotFound),
    };
    let target = Target::new("case", case_id, Some(&loaded.region));
    audit(&mut tx, actor, now, "case_photo_read", &target, None, Some(&json!({ "photo": photo_id }))).await?;
    tx.commit().await?;
    Ok((image, bytes))
}

/// Updates a referral's status (the department received it, or finished).
pub async fn update_referral(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    case_id: i64,
    referral_id: i64,
    status: &str,
    note: &str,
) -> Result<()> {
    let action = "referral_updated";
    require(db, actor, now, Permission::CaseHandle, action, &Target::new("case", case_id, None)).await?;
    crate::text_limits::check([(crate::text_limits::REFERRAL_NOTE, note)])?;
    let status = ReferralStatus::parse(status)
        .ok_or_else(|| AppError::invalid("status", Message::new("case.error.unknown_code").arg("value", status)))?;
    let mut tx = db.begin().await?;
    let loaded = case_or_deny!(tx, actor, now, case_id, action);
    let Some(mut referral) = store::cases::get_referral(&mut tx, referral_id)
        .await?
        .filter(|r| r.application_id == loaded.row.application_id)
    else {
        return Err(AppError::NotFound);
    };
    let before = json!({ "status": referral.status });
    referral.status = status.code().to_string();
    referral.note = note.trim().to_string();
    referral.updated_by = actor.name.clone();
    referral.updated_at = now;
    store::cases::update_referral(&mut tx, &referral).await?;
    audit(
        &mut tx,
        actor,
        now,
        action,
        &Target::new("referral", referral_id, Some(&loaded.region)),
        Some(&before),
        Some(&json!({ "status": referral.status, "note": referral.note })),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

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
    /// Open cases in scope by due date; `yours` marks the ones waiting for this user.
    pub cases: Vec<CaseLine>,
    /// Overdue steps escalated to the leaders of the township or county.
    pub escalated: Vec<CaseLine>,
    pub townships: Vec<TownshipLoad>,
    pub calendar_warning: Option<i32>,
}

/// Lines for stored cases: the applicant's name (applications loaded in one
/// query), lateness and what waits for `office` as the domain decides them.
async fn case_lines(
    tx: &mut Tx,
    rows: Vec<store::cases::CaseRow>,
    office: Office,
    now: DateTime<Utc>,
    calendar: &Calendar,
) -> Result<Vec<CaseLine>> {
    let today = china_date(now);
    let ids: Vec<i64> = rows.iter().map(|r| r.application_id).collect();
    let names: BTreeMap<i64, String> = store::cases::applications_by_ids(tx, &ids)
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

/// The user's inbox: open cases in scope by due date, the ones waiting for
/// them marked, overdue steps escalated, and the load per township.
pub async fn inbox(db: &Db, actor: &Actor, now: DateTime<Utc>) -> Result<Inbox> {
    require(db, actor, now, Permission::CaseRead, "inbox_read", &Target::none()).await?;
    let mut tx = db.begin_read().await?;
    let today = china_date(now);
    let calendar = calendar_in(&mut tx).await?;
    let tree = region_tree(&mut tx).await?;
    let filter = store::cases::CaseFilter {
        region: actor.scope.narrow(None),
        open_only: true,
        limit: 5_000,
        ..Default::default()
    };
    let rows = store::cases::list_cases(&mut tx, &filter).await?;
    let office = Office::of(&actor.roles);
    let mut townships: BTreeMap<String, TownshipLoad> = BTreeMap::new();
    let mut cases = Vec::new();
    for line in case_lines(&mut tx, rows, office, now, &calendar).await? {
        if let Ok(code) = RegionCode::parse(&line.region_code) {
            let township = code.at_level(jiuzhu_domain::RegionLevel::Township).unwrap_or_else(|| code.clone());
            let name = tree.get(&township).map(|r| r.name.clone()).unwrap_or_else(|| tree.full_name(&code));
            let load = townships.entry(township.to_string()).or_insert(TownshipLoad {
                region_code: township.to_string(),
                name,
                open: 0,
                overdue: 0,
                due_soon: 0,
            });
            load.open += 1;
            load.overdue += i64::from(line.overdue);
            load.due_soon += i64::from(line.due_soon);
        }
        cases.push(line);
    }
    let leader =
        matches!(office, Office::TownshipLeader | Office::CountyApprover) || actor.roles.contains(&Role::Auditor);
    let escalated = if leader { cases.iter().filter(|c| c.overdue).cloned().collect() } else { Vec::new() };
    Ok(Inbox {
        cases,
        escalated,
        townships: townships.into_values().collect(),
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
    let filter = store::cases::CaseFilter { household_id: Some(household_id), limit: 200, ..Default::default() };
    let rows = store::cases::list_cases(&mut tx, &filter).await?;
    case_lines(&mut tx, rows, Office::of(&actor.roles), now, &calendar).await
}

// ------------------------------------------------------------ public notices

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
    Ok(store::cases::notice_regions(&mut tx, from, today)
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
    let notices = store::cases::notices_of_region(&mut tx, region.as_str(), from, today)
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
    let notice = store::cases::get_notice(&mut tx, notice_id).await?.ok_or(AppError::NotFound)?;
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
    let public = Actor {
        user_id: None,
        login: "public".into(),
        name: "公众".into(),
        roles: Vec::new(),
        scope: Scope::All,
        ip: ip.to_string(),
    };
    store::cases::insert_public_objection(
        &mut tx,
        &store::cases::PublicObjectionRow {
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
        for event in events {
            insert_event(&mut tx, loaded.row.id, now, &public, event, &json!({ "notice": notice_id, "text": text }))
                .await?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_application_input_is_named_in_chinese() {
        let form = ApplicationForm {
            kinds: vec!["dibao".into(), "低保救助x".into()],
            area: "城市".into(),
            income: vec![AmountLine { kind: "wage".into(), yuan: "九百".into() }],
            ..Default::default()
        };
        let Err(AppError::Invalid(errors)) = form.parse() else { panic!("accepted bad input") };
        let texts: Vec<String> = errors.iter().map(|e| e.message.render(Lang::Zh)).collect();
        assert_eq!(texts, vec!["无法识别：低保救助x".to_string(), "金额有误：工资性收入 九百".to_string()]);
        let temporary =
            ApplicationForm { kinds: vec!["temp_expense".into()], area: "rural".into(), ..Default::default() };
        let Err(AppError::Invalid(errors)) = temporary.parse() else { panic!("accepted a request without cause") };
        assert_eq!(errors.iter().map(|e| e.field).collect::<Vec<_>>(), vec!["cause", "requested_yuan"]);
    }

    #[test]
    fn policy_entries_read_yuan_and_yes_no_and_leave_the_rest_inherited() {
        let entry = PolicyEntry {
            region_code: "349901".into(),
            effective_from: "2026年1月1日".into(),
            dibao_urban_yuan: "850".into(),
            review_notice: "no".into(),
            confirmation: "乡镇".into(),
            patch: serde_json::json!({"tekun_basic_permille": 1400}),
            ..Default::default()
        };
        let (region, from, patch) = entry.parse().unwrap();
        assert_eq!((region, from.to_string()), (RegionCode::parse("349901").unwrap(), "2026-01-01".to_string()));
        assert_eq!(patch.dibao_urban, Some(Fen(85_000)));
        assert_eq!(patch.review_notice, Some(false));
        assert_eq!(patch.confirmation, Some(jiuzhu_domain::assistance::Level::Township));
        assert_eq!(patch.tekun_basic_permille, Some(1_400));
        assert_eq!(patch.set_fields().len(), 4, "nothing else is set");
        let bad = PolicyEntry { dibao_rural_yuan: "八百".into(), notice_days: "-1".into(), ..entry };
        let Err(AppError::Invalid(errors)) = bad.parse() else { panic!("accepted bad values") };
        assert_eq!(errors.iter().map(|e| e.field).collect::<Vec<_>>(), vec!["dibao_rural", "notice_days"]);
    }
}
