//! The steps of a case: actions through `domain::case`, decisions with their
//! amounts and written notices, photos, documents and referrals.

use jiuzhu_domain::notice;

use super::*;

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
            store::case::insert_photo(&mut tx, case_id, event_id, image.mime(), bytes).await?;
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
                crate::entitlement::start_for_approval(
                    &mut tx,
                    actor,
                    now,
                    case_id,
                    loaded.detail.applicant_person_id,
                    &next,
                    &policy,
                )
                .await?;
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
    // The month the entitlement starts (the region's rule; temporary assistance is paid at once).
    let first_month = match l.case.kind.is_temporary() {
        true => jiuzhu_domain::case::first_payment_month(l.case.kind, today),
        false => jiuzhu_domain::entitlement::first_month(p.first_payment, l.case.submitted_on, today).first_day(),
    };
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
    let row = store::notice_board::NoticeRow {
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
    Ok(store::notice_board::insert_notice(tx, &row).await?)
}

fn issuer_for(tree: &RegionTree, l: &Loaded, case: &Case) -> String {
    match case.level {
        jiuzhu_domain::assistance::Level::County => {
            zh(Message::new("notice.issuer.county").arg("county", county_name(tree, &l.region)))
        }
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
    let payment = zh(notice::payment(case.kind, amount, first.map(|m| (m.year(), m.month()))));
    DocumentData {
        title: zh(Message::new("notice.decision.title").arg("kind", case.kind.label(Lang::Zh))),
        issuer: issuer.clone(),
        number: zh(Message::new("notice.case_number").arg("id", l.row.id)),
        addressee: zh(Message::new("notice.addressee").arg("name", &l.detail.applicant_name)),
        paragraphs: vec![
            zh(Message::new("notice.decision.body")
                .arg("date", format_date(Lang::Zh, case.accepted_on.unwrap_or(case.submitted_on)))
                .arg("kind", case.kind.label(Lang::Zh))),
            payment,
            text("notice.decision.report_changes"),
        ],
        items: Vec::new(),
        table,
        basis: text(notice::basis_key(case.kind)),
        appeal: text("notice.appeal"),
        date: format_date(Lang::Zh, today),
        seal: zh(Message::new("notice.seal").arg("issuer", &issuer)),
    }
}

fn rejection_doc(tree: &RegionTree, l: &Loaded, case: &Case, reason: &str, today: NaiveDate) -> DocumentData {
    let issuer = issuer_for(tree, l, case);
    let mut table = Vec::new();
    if let Some(v) = case.verification {
        let number = if v.eligible { "notice.rejection.report_number" } else { "notice.rejection.report_findings" };
        table.push((text("notice.rejection.report"), zh(Message::new(number).arg("id", v.result_id))));
    }
    table.push((
        text("notice.rejection.opinion"),
        match case.opinion {
            Some(true) => text("notice.rejection.recommend_approval"),
            Some(false) => text("notice.rejection.recommend_rejection"),
            None => "—".to_string(),
        },
    ));
    DocumentData {
        title: zh(Message::new("notice.rejection.title").arg("kind", case.kind.label(Lang::Zh))),
        issuer: issuer.clone(),
        number: zh(Message::new("notice.case_number").arg("id", l.row.id)),
        addressee: zh(Message::new("notice.addressee").arg("name", &l.detail.applicant_name)),
        paragraphs: vec![zh(Message::new("notice.rejection.body")
            .arg("date", format_date(Lang::Zh, case.accepted_on.unwrap_or(case.submitted_on)))
            .arg("kind", case.kind.label(Lang::Zh)))],
        items: vec![reason.to_string()],
        table,
        basis: text(notice::basis_key(case.kind)),
        appeal: text("notice.appeal"),
        date: format_date(Lang::Zh, today),
        seal: zh(Message::new("notice.seal").arg("issuer", &issuer)),
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
    let found = store::case::documents_of_application(&mut tx, loaded.row.application_id)
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
    let (image, bytes) = match store::case::get_photo(&mut tx, photo_id).await? {
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
    let Some(mut referral) = store::case::get_referral(&mut tx, referral_id)
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
    store::case::update_referral(&mut tx, &referral).await?;
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
