//! The steps of a case: each typed step through `domain::case`, with the
//! verification it runs, the decision with its amount, the history entries,
//! the written notices and public notices it issues; survey photos and
//! referrals.

use jiuzhu_domain::case::{CaseEvent, Step, StepKind, VersionedEvent};
use jiuzhu_domain::document::DecisionDoc;

use super::*;

// ------------------------------------------------------------ steps

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

/// The audit action of a step (`case_approve`).
fn audit_action(kind: StepKind) -> String {
    format!("case_{}", kind.code())
}

/// Takes a step as entered on the page or sent to the API: the permission
/// its kind needs first, then the length of every text, the step parsed
/// once ([`StepForm::parse`]) and taken ([`act`]).
pub async fn act_form(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    case_id: i64,
    form: &ActionForm,
    photos: Vec<Photo>,
) -> Result<CaseView> {
    let kind = form.step.kind();
    require(db, actor, now, kind.permission(), &audit_action(kind), &Target::new("case", case_id, None)).await?;
    form.check_lengths()?;
    let step = form.step.parse(u32::try_from(photos.len()).unwrap_or(u32::MAX))?;
    act(db, actor, now, case_id, form.version, &step, photos).await
}

/// Takes one step on a case, the `version` the user was shown. The step's
/// permission comes from the domain ([`Step::permission`]); who may confirm
/// at which level is the state machine's to say. Verification runs the
/// engine for the household and attaches its result; approval computes the
/// amount from the policy and issues the decision notice; rejection issues
/// the written notice with the reasons; a notice or an approval posts the
/// public notice.
pub async fn act(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    case_id: i64,
    version: i64,
    step: &Step,
    photos: Vec<Photo>,
) -> Result<CaseView> {
    let action = audit_action(step.kind());
    let target = Target::new("case", case_id, None);
    require(db, actor, now, step.permission(), &action, &target).await?;
    let photos = checked_photos(photos)?;

    // Verification runs first in its own transaction (the run and its result
    // stand on their own, like any verification).
    let verified = if *step == Step::AttachVerification {
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
    if version != loaded.row.version {
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

    let mut decision: Option<DecisionDoc> = None;
    let command = match step {
        Step::CheckMaterials { provided } => {
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
            Command::CheckMaterials { missing }
        }
        Step::StartInvestigation => Command::StartInvestigation,
        Step::RequestVerification => Command::RequestVerification,
        Step::AttachVerification => {
            let (result_id, eligible) = verified.unwrap_or((0, false));
            Command::AttachVerification { result_id, eligible }
        }
        Step::RecordSurvey { investigators, family_signatures, .. } => Command::RecordSurvey {
            investigators: u32::try_from(investigators.len()).unwrap_or(u32::MAX),
            family_signed: !family_signatures.is_empty(),
        },
        Step::GiveOpinion { approve, .. } => Command::GiveOpinion { approve: *approve },
        Step::CloseNotice => Command::CloseNotice,
        Step::Reinvestigate { .. } => Command::Reinvestigate,
        Step::DemocraticReview { .. } => Command::DemocraticReview,
        Step::Approve { amount, self_care_met, support_mode, no_able_supporter } => {
            let doc = approval(&policy, &loaded, *amount, *self_care_met, *support_mode, *no_able_supporter, today)?;
            let amount = doc.amount.unwrap_or_default();
            decision = Some(doc);
            Command::Approve { amount }
        }
        Step::Reject { reason } => {
            decision =
                Some(DecisionDoc { policy_versions: policy.versions.clone(), ..DecisionDoc::rejected(reason, today) });
            Command::Reject
        }
        Step::Return { .. } => Command::Return,
        Step::PayFirst { amount, .. } => Command::PayFirst { amount: *amount },
        Step::CompletePaperwork => {
            let paid = loaded.case.paid_first.unwrap_or(Fen(0));
            decision = Some(DecisionDoc {
                derivation: vec![("先行救助金额".to_string(), paid.to_string())],
                policy_versions: policy.versions.clone(),
                ..DecisionDoc::approved(paid, today, None)
            });
            Command::CompletePaperwork
        }
        Step::Suspend { .. } => Command::Suspend,
        Step::Resume => Command::Resume,
        Step::Extend { .. } => Command::Extend,
        Step::Withdraw { .. } => Command::Withdraw,
    };

    let (next, events) = match loaded.case.apply(&command, &ctx) {
        Ok(v) => v,
        Err(WorkflowError::NotAllowed { .. }) => {
            let target = Target::new("case", case_id, Some(&loaded.region));
            return Err(deny_in(tx, actor, now, &action, &target, AppError::Forbidden).await);
        }
        Err(e) => return Err(workflow_error(e)),
    };
    let stored =
        decision.as_ref().map(serde_json::to_string).transpose().map_err(|e| AppError::Internal(e.to_string()))?;
    write_back(&mut tx, &loaded, &next, &calendar, stored, now).await?;
    let recorded: Vec<CaseEvent> = events.iter().map(|e| CaseEvent::record(*e, Some(step), &next)).collect();
    let mut survey_event = None;
    for event in &recorded {
        let id = insert_event(&mut tx, case_id, now, actor, event).await?;
        if matches!(event, CaseEvent::Surveyed(_) | CaseEvent::CountySurveyed(_)) {
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
                if let Some(d) = &decision {
                    let doc = decision_doc(&tree, &loaded, &next, d, today);
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
                let reason = step.reason().unwrap_or_default();
                let doc = rejection_doc(&tree, &loaded, &next, reason, today);
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
    let stored_events: Vec<VersionedEvent> = recorded.into_iter().map(VersionedEvent::new).collect();
    let after = json!({ "stage": next.stage.code(), "events": stored_events });
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

/// The approval: its amount from the policy (temporary assistance: as
/// entered, or as asked for), how it was derived, the first month paid.
fn approval(
    policy: &ResolvedPolicy,
    l: &Loaded,
    entered: Option<Fen>,
    self_care_met: [bool; 6],
    mode: SupportMode,
    no_able_supporter: bool,
    today: NaiveDate,
) -> Result<DecisionDoc> {
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
            let unmet = tekun_unmet(p, d.area, &d.applicant, &d.members, &d.declaration, no_able_supporter);
            if !unmet.is_empty() {
                let list = unmet.iter().map(|c| c.label(Lang::Zh)).collect::<Vec<_>>().join("、");
                return Err(AppError::Conflict(Message::new("amount.error.tekun_unmet").arg("list", list)));
            }
            let care = SelfCare::assess(self_care_met);
            let a = tekun_amount(p, l.detail.area, care, mode);
            let unmet = self_care_met.iter().filter(|m| !**m).count();
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
            let amount = entered
                .or(l.case.requested)
                .ok_or_else(|| AppError::invalid("amount_yuan", Message::new("case.error.amount")))?;
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
    Ok(DecisionDoc {
        derivation,
        policy_versions: policy.versions.clone(),
        policy: Some(p.clone()),
        ..DecisionDoc::approved(amount, today, Some(first_month))
    })
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
