//! Intake of an application: the form, the materials checklist, the
//! submission with its one-time notice, and the helpers that write a
//! case's state, history entries and documents.

use super::*;

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

/// What an application recorded at intake: the domain's typed, versioned
/// document, stored as JSON.
pub type ApplicationDetail = jiuzhu_domain::document::ApplicationDoc;

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

pub(crate) struct Intake {
    kinds: Vec<CaseKind>,
    area: Area,
    provided: Vec<Material>,
    declaration: IncomeDeclaration,
    needs: Vec<Need>,
    cause: Option<TempCause>,
    requested: Option<Fen>,
}

pub(crate) fn parse_codes<T>(
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
    pub(crate) fn parse(&self) -> Result<Intake> {
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

pub(crate) async fn spot_tally(tx: &mut Tx, region: &RegionCode, today: NaiveDate) -> Result<SpotTally> {
    let county = region.at_level(jiuzhu_domain::RegionLevel::County).unwrap_or_else(|| region.clone());
    let (start, end) = (year_start(today.year()), year_start(today.year() + 1));
    let total = store::case::count_events(tx, "tekun", &county, "sent_for_confirmation", start, end).await?;
    let checked = store::case::count_events(tx, "tekun", &county, "spot_check", start, end).await?;
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
    let detected: Vec<String> = store::relatives::relatives_matching(&mut tx, &ids)
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
        version: ApplicationDetail::VERSION,
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
    let application_id = store::case::insert_application(
        &mut tx,
        &store::case::ApplicationRow {
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
                store::case::temp_grants(&mut tx, household.id, cause.code(), from, to).await? as u32
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
        let mut row = store::case::CaseRow {
            id: 0,
            application_id,
            household_id: household.id,
            region_code: region.to_string(),
            kind: String::new(),
            stage: String::new(),
            open: true,
            step_due: None,
            step_due_at: None,
            overall_due: None,
            suspended: false,
            cause: intake.cause.filter(|_| kind.is_temporary()).map(|c| c.code().to_string()),
            decided_on: None,
            amount_fen: None,
            state: String::new(),
            decision: None,
            version: 0,
            created_at: now,
        };
        set_state(&mut row, &case, &calendar)?;
        let case_id = store::case::insert_case(&mut tx, &row).await?;
        for event in &events {
            let event = jiuzhu_domain::case::CaseEvent::record(*event, None, &case);
            insert_event(&mut tx, case_id, now, actor, &event).await?;
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
        store::case::insert_referral(
            &mut tx,
            &store::case::ReferralRow {
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

pub(crate) fn codes(list: &[Material]) -> Vec<String> {
    list.iter().map(|m| m.code().to_string()).collect()
}

pub(crate) fn workflow_error(e: WorkflowError) -> AppError {
    AppError::Conflict(e.to_message())
}

/// The stored columns of a case derived from its state (the columns lists
/// sort and filter by are never set apart from the state they come from).
/// Writes a case's state and the columns lists filter, sort and count by
/// (the inbox counts lateness from them in SQL), all from the same value.
pub fn set_state(row: &mut store::case::CaseRow, case: &Case, calendar: &Calendar) -> Result<()> {
    row.kind = case.kind.code().to_string();
    row.stage = case.stage.code().to_string();
    row.open = case.stage.is_open();
    row.step_due = case.step_due.map(Due::date);
    row.step_due_at = match case.step_due {
        Some(Due::Instant(at)) => Some(at),
        _ => None,
    };
    row.suspended = case.suspended_on.is_some();
    // A year without its arrangement is counted provisionally (1901–2099); beyond, no date.
    row.overall_due = case.overall_due(calendar).ok().flatten();
    row.decided_on = case.decided_on;
    row.amount_fen = case.amount.map(|a| a.0);
    row.state = serde_json::to_string(case).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(())
}

/// Writes a case's next state over the version that was loaded; a changed
/// version is a conflict.
pub(crate) async fn write_back(
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
    if store::case::update_case(tx, &row).await? {
        Ok(())
    } else {
        Err(AppError::Conflict(Message::new("case.error.stale")))
    }
}

pub(crate) async fn insert_event(
    tx: &mut Tx,
    case_id: i64,
    at: DateTime<Utc>,
    actor: &Actor,
    event: &jiuzhu_domain::case::CaseEvent,
) -> Result<i64> {
    let stored = jiuzhu_domain::case::VersionedEvent::new(event.clone());
    let detail = serde_json::to_string(&stored).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(store::case::insert_case_event(
        tx,
        &store::case::CaseEventRow {
            id: 0,
            case_id,
            at,
            actor: actor.name.clone(),
            kind: event.kind().code().to_string(),
            detail,
        },
    )
    .await?)
}

pub(crate) async fn insert_document(
    tx: &mut Tx,
    case_id: i64,
    kind: &str,
    doc: &DocumentData,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<i64> {
    let data = serde_json::to_string(doc).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(store::case::insert_document(
        tx,
        &store::case::DocumentRow {
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
