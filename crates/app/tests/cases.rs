//! Applications through their workflow on SQLite and PostgreSQL: intake by
//! a village assistant, the township's materials check with the one-time
//! notice, investigation with a verification run and a home survey, the
//! public notice and objections from the public, county confirmation with
//! the amount from the region's policy, documents, scope and permissions,
//! the staff-relatives register, temporary assistance and the calendar.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use jiuzhu_app::case::{self as c, ActionForm, AmountLine, ApplicationForm, CaseView, Photo};
use jiuzhu_app::import::import_roster;
use jiuzhu_app::relatives::RelativeForm;
use jiuzhu_app::{Actor, AppError, Db, Scope};
use jiuzhu_app::{calendar, notice_board, policy, registry, relatives};
use jiuzhu_domain::assistance::PolicyPatch;
use jiuzhu_domain::case::{CaseEvent, DueDates};
use jiuzhu_domain::{Fen, RegionCode, Role};

jiuzhu_testkit::on_both_databases!(
    dibao_from_village_assistant_to_county_approval,
    public_notices_show_only_what_the_law_allows_and_take_objections,
    staff_relatives_are_detected_from_the_register,
    temporary_assistance_is_routed_and_emergencies_paid_first,
    rejection_issues_a_written_notice_with_reasons,
    administrator_loads_next_years_calendar,
    steps_into_an_unloaded_year_are_provisional_and_recounted_when_it_is_loaded,
    inboxes_order_by_due_date_and_escalate_overdue_steps,
    individual_inclusion_for_a_severely_disabled_member_of_an_edge_family,
    tekun_from_application_to_support_with_the_spot_check,
    survey_photos_are_checked_by_content_and_reading_one_is_audited,
    entries_and_decisions_stored_before_they_were_typed_still_read,
);

/// Friday 2025-10-31, 10:00 in Beijing.
fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 10, 31, 2, 0, 0).unwrap()
}

fn code(s: &str) -> RegionCode {
    RegionCode::parse(s).unwrap()
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn village_assistant() -> Actor {
    Actor::user(101, "cun", &[Role::VillageAssistant], Scope::Region(code("340102001001")))
}

fn clerk() -> Actor {
    Actor::user(102, "jingban", &[Role::TownshipClerk], Scope::Region(code("340102001")))
}

fn other_clerk() -> Actor {
    Actor::user(103, "hekou", &[Role::TownshipClerk], Scope::Region(code("340102002")))
}

fn approver() -> Actor {
    Actor::user(104, "shenpi", &[Role::CountyApprover], Scope::Region(code("340102")))
}

async fn county(db: &Db) {
    registry::upsert_regions(db, &Actor::system(), now(), &jiuzhu_testkit::sample_regions()).await.unwrap();
    let roster =
        std::fs::read(format!("{}/../files/tests/fixtures/roster_utf8.csv", env!("CARGO_MANIFEST_DIR"))).unwrap();
    import_roster(db, &Actor::system(), now(), &roster).await.unwrap();
    // The county's standards: 800元 urban and rural.
    let patch = PolicyPatch { dibao_urban: Some(Fen(80_000)), dibao_rural: Some(Fen(80_000)), ..Default::default() };
    policy::set_assistance_policy(db, &approver(), now(), &code("340102"), day(2025, 1, 1), &patch).await.unwrap();
}

async fn household_id(db: &Db, external: &str) -> i64 {
    let mut tx = db.begin().await.unwrap();
    jiuzhu_store::get_household_by_external_id(&mut tx, external).await.unwrap().unwrap().id
}

fn every_material_but(missing: &[&str]) -> Vec<String> {
    jiuzhu_domain::assistance::Material::ALL
        .iter()
        .map(|m| m.code().to_string())
        .filter(|m| !missing.contains(&m.as_str()))
        .collect()
}

fn dibao_form(household_id: i64, provided: Vec<String>) -> ApplicationForm {
    ApplicationForm {
        household_id,
        kinds: vec!["dibao".into()],
        area: "urban".into(),
        provided,
        income: vec![AmountLine { kind: "wage".into(), yuan: "900".into() }],
        needs: vec!["medical".into()],
        ..Default::default()
    }
}

/// A step as the page posts it, every field by its name (the form parses
/// into the typed step as the page's does).
#[derive(Debug, Clone, Default, serde::Serialize)]
struct Form {
    action: String,
    version: i64,
    reason: String,
    provided: Vec<String>,
    investigators: String,
    family_signatures: String,
    findings: String,
    approve: bool,
    amount_yuan: String,
    unable: Vec<String>,
    support_mode: String,
    no_able_supporter: bool,
}

impl Form {
    fn typed(&self) -> ActionForm {
        serde_json::from_value(serde_json::to_value(self).unwrap()).unwrap()
    }
}

async fn act(
    db: &Db,
    actor: &Actor,
    at: DateTime<Utc>,
    case_id: i64,
    form: &Form,
    photos: Vec<Photo>,
) -> Result<CaseView, AppError> {
    c::act_form(db, actor, at, case_id, &form.typed(), photos).await
}

async fn step(db: &Db, actor: &Actor, at: DateTime<Utc>, case: &CaseView, form: Form) -> CaseView {
    let action = form.action.clone();
    let form = Form { version: case.version, ..form };
    act(db, actor, at, case.id, &form, vec![]).await.unwrap_or_else(|e| panic!("{action}: {e:?}"))
}

fn action(name: &str) -> Form {
    Form { action: name.into(), ..Default::default() }
}

fn kinds(view: &CaseView) -> Vec<&'static str> {
    view.events.iter().map(|e| e.event.kind().code()).collect()
}

/// Takes a complete 低保 case to the end of its investigation.
async fn investigated(db: &Db, case: CaseView, at: DateTime<Utc>) -> CaseView {
    let case = step(db, &clerk(), at, &case, action("start_investigation")).await;
    let case = step(db, &clerk(), at, &case, action("request_verification")).await;
    let case = step(db, &clerk(), at, &case, action("attach_verification")).await;
    let survey = Form {
        investigators: "李明、王芳".into(),
        family_signatures: "张建国".into(),
        findings: "家中无贵重物品，住房为自建平房。".into(),
        ..action("record_survey")
    };
    let photo = Photo { content_type: "image/jpeg".into(), bytes: vec![0xFF, 0xD8, 0xFF, 0xE0] };
    let form = Form { version: case.version, ..survey };
    act(db, &clerk(), at, case.id, &form, vec![photo]).await.unwrap()
}

async fn dibao_from_village_assistant_to_county_approval(db: Db) {
    county(&db).await;
    let hid = household_id(&db, "SF-0001").await;
    // Given a village assistant entering the application on the family's behalf, without the pledge.
    let created =
        c::submit_application(&db, &village_assistant(), now(), &dibao_form(hid, every_material_but(&["pledge"])))
            .await
            .unwrap();
    assert_eq!(created.case_ids.len(), 1);
    assert_eq!(created.one_time_notice, None, "the township checks the materials, not the assistant");
    let case = c::case_detail(&db, &clerk(), now(), created.case_ids[0]).await.unwrap();
    assert_eq!(case.stage, "submitted");
    assert_eq!(case.step_due, Some(day(2025, 11, 5)));
    assert_eq!(case.referrals.len(), 1);
    assert_eq!(case.referrals[0].department, "县医疗保障局");
    // The medical-security bureau receives the referral; other townships cannot touch it.
    let referral = case.referrals[0].id;
    let other = c::update_referral(&db, &other_clerk(), now(), case.id, referral, "received", "").await;
    assert!(matches!(other, Err(AppError::NotFound)), "{other:?}");
    let bad = c::update_referral(&db, &clerk(), now(), case.id, referral, "lost", "").await;
    assert!(matches!(bad, Err(AppError::Invalid(_))), "{bad:?}");
    c::update_referral(&db, &clerk(), now(), case.id, referral, "received", "医保局已接收").await.unwrap();
    let case = c::case_detail(&db, &clerk(), now(), case.id).await.unwrap();
    assert_eq!((case.referrals[0].status.as_str(), case.referrals[0].note.as_str()), ("received", "医保局已接收"));
    // The assistant may not take the township's steps, and other townships do not see the case.
    let refused = act(
        &db,
        &village_assistant(),
        now(),
        case.id,
        &Form { version: case.version, ..action("check_materials") },
        vec![],
    )
    .await;
    assert!(matches!(refused, Err(AppError::Forbidden)), "{refused:?}");
    assert!(matches!(c::case_detail(&db, &other_clerk(), now(), case.id).await, Err(AppError::NotFound)));

    // When the township checks the materials, the pledge is missing: one notice lists it.
    let case = step(&db, &clerk(), now(), &case, action("check_materials")).await;
    assert_eq!((case.stage.as_str(), case.missing.clone()), ("incomplete", vec!["pledge".to_string()]));
    let notice = case.documents.iter().find(|d| d.kind == "one_time_notice").expect("one-time notice");
    let (_, doc) = c::document(&db, &clerk(), now(), case.id, notice.id).await.unwrap();
    assert_eq!(doc.items, vec!["承诺书".to_string()]);
    assert!(doc.paragraphs[0].contains("最低生活保障"), "{:?}", doc.paragraphs);

    // Then the pledge arrives on Monday 11-03: accepted, investigation due in 3 working days.
    let monday = now() + Duration::days(3);
    let case =
        step(&db, &clerk(), monday, &case, Form { provided: vec!["pledge".into()], ..action("check_materials") }).await;
    assert_eq!(case.stage, "accepted");
    assert_eq!(case.step_due, Some(day(2025, 11, 6)));
    assert_eq!(case.overall_due, Some(day(2025, 12, 15)));

    let case = investigated(&db, case, monday).await;
    assert_eq!(case.photos.len(), 1);
    assert_eq!(case.state["verification"]["eligible"], true);
    // The opinion recommends approval: a 7-day notice in the village.
    let case = step(&db, &clerk(), monday, &case, Form { approve: true, ..action("give_opinion") }).await;
    assert_eq!(case.stage, "notice");
    assert_eq!(case.amount_preview, Some(150_000));
    let (_, notices) = notice_board::public_notices(&db, monday, &code("340102001001")).await.unwrap();
    assert_eq!(notices.len(), 1);
    assert_eq!(
        (notices[0].name.as_str(), notices[0].household_size, notices[0].amount_fen),
        ("张建国", 3, Some(150_000))
    );
    assert!(notices[0].open_for_objection);

    // After the notice, the county approves: 3 people, 900元 income, 800元 standard → 1,500元.
    let after = monday + Duration::days(7);
    let case = step(&db, &clerk(), after, &case, action("close_notice")).await;
    assert_eq!(case.stage, "confirmation");
    assert_eq!(case.step_due, Some(day(2025, 11, 24)));
    let refused =
        act(&db, &clerk(), after, case.id, &Form { version: case.version, ..action("approve") }, vec![]).await;
    assert!(matches!(refused, Err(AppError::Forbidden)), "{refused:?}");
    let case = step(&db, &approver(), after, &case, action("approve")).await;
    assert_eq!(case.stage, "approved");
    let decision = case.decision.clone().unwrap();
    assert_eq!(decision.amount, Some(Fen(150_000)));
    assert_eq!(decision.first_month, NaiveDate::from_ymd_opt(2025, 12, 1));
    assert_eq!(decision.policy_versions.len(), 1);
    let doc_id = case.documents.iter().find(|d| d.kind == "decision").unwrap().id;
    let (_, doc) = c::document(&db, &approver(), after, case.id, doc_id).await.unwrap();
    assert!(doc.table.iter().any(|(k, v)| k == "月保障金额" && v == "1,500.00元"), "{:?}", doc.table);
    assert!(doc.appeal.contains("行政复议") && doc.appeal.contains("行政诉讼"));
    assert_eq!(doc.issuer, "示范区民政局");
    assert_eq!(
        kinds(&case),
        vec![
            "submitted",
            "materials_incomplete",
            "accepted",
            "investigation_started",
            "verification_requested",
            "verification_attached",
            "surveyed",
            "opinion",
            "notice_started",
            "notice_closed",
            "sent_for_confirmation",
            "approved",
        ]
    );
    // The household holds the entitlement from the month after the decision, and the result is published.
    let detail = registry::household_detail(&db, &approver(), hid, after, false).await.unwrap();
    let held: Vec<_> = detail
        .entitlements
        .iter()
        .map(|e| (e.monthly_fen, e.first_month.to_string(), e.last_month.map(|l| l.to_string()), e.case_id))
        .collect();
    assert_eq!(
        held,
        vec![
            (136_000, "2025-10".to_string(), Some("2025-11".to_string()), None),
            (150_000, "2025-12".to_string(), None, Some(case.id)),
        ],
        "the roster's 低保 until the decision's first month"
    );
    let (_, notices) = notice_board::public_notices(&db, after, &code("340102001001")).await.unwrap();
    assert_eq!(notices.iter().filter(|n| n.kind == "result").count(), 1);
    // Every step was audited.
    let mut tx = db.begin().await.unwrap();
    let filter = jiuzhu_store::AuditFilter { limit: 500, ..Default::default() };
    let audited = jiuzhu_store::search_audit(&mut tx, &filter).await.unwrap();
    for a in ["application_submitted", "case_check_materials", "case_record_survey", "case_approve"] {
        assert!(audited.iter().any(|r| r.record.action == a), "{a} not audited");
    }
    drop(tx);
    // A stale form is a conflict.
    let stale = act(
        &db,
        &approver(),
        after,
        case.id,
        &Form { version: case.version - 1, reason: "申请人撤回".into(), ..action("withdraw") },
        vec![],
    )
    .await;
    assert!(matches!(stale, Err(AppError::Conflict(_))));
}

async fn public_notices_show_only_what_the_law_allows_and_take_objections(db: Db) {
    county(&db).await;
    let hid = household_id(&db, "SF-0001").await;
    let created = c::submit_application(&db, &clerk(), now(), &dibao_form(hid, every_material_but(&[]))).await.unwrap();
    let case = c::case_detail(&db, &clerk(), now(), created.case_ids[0]).await.unwrap();
    let case = investigated(&db, case, now()).await;
    let case = step(&db, &clerk(), now(), &case, Form { approve: true, ..action("give_opinion") }).await;
    // Given the notice, a neighbour objects without signing in.
    let (_, notices) = notice_board::public_notices(&db, now(), &code("340102001001")).await.unwrap();
    let village = code("340102001001");
    // Issue 10: a notice is objected to on its own village's board only.
    let elsewhere =
        notice_board::public_objection(&db, now(), "10.0.0.9", &code("340102001002"), notices[0].id, "异议", "").await;
    assert!(matches!(elsewhere, Err(AppError::NotFound)), "{elsewhere:?}");
    notice_board::public_objection(
        &db,
        now() + Duration::days(1),
        "10.0.0.9",
        &village,
        notices[0].id,
        "他家儿子在城里有车。",
        "",
    )
    .await
    .unwrap();
    let case = c::case_detail(&db, &clerk(), now(), case.id).await.unwrap();
    assert_eq!(case.state["objections"], 1);
    assert_eq!(case.public_objections[0].text, "他家儿子在城里有车。");
    // Then the closed notice is disputed and handled by a democratic review.
    let later = now() + Duration::days(8);
    let case = step(&db, &clerk(), later, &case, action("close_notice")).await;
    assert_eq!(case.stage, "disputed");
    let case = step(
        &db,
        &clerk(),
        later,
        &case,
        Form {
            findings: "经评议，车辆系其子所有，不在共同生活范围。".into(), ..action("democratic_review")
        },
    )
    .await;
    assert_eq!(case.stage, "investigating");
    // Objections after the notice closed are refused.
    let closed = notice_board::public_objection(&db, later, "10.0.0.9", &village, notices[0].id, "再提一次", "").await;
    assert!(matches!(closed, Err(AppError::Conflict(_))));

    // Every programme's notice: nothing that looks like an ID number or phone number.
    let tekun_hid = household_id(&db, "SF-0002").await;
    let tekun = ApplicationForm { kinds: vec!["tekun".into()], ..dibao_form(tekun_hid, every_material_but(&[])) };
    let t = c::submit_application(&db, &clerk(), now(), &tekun).await.unwrap();
    let t = c::case_detail(&db, &clerk(), now(), t.case_ids[0]).await.unwrap();
    let t = investigated(&db, t, now()).await;
    step(&db, &clerk(), now(), &t, Form { approve: true, ..action("give_opinion") }).await;
    let temp = ApplicationForm {
        kinds: vec!["temp_expense".into()],
        cause: "medical_expense".into(),
        requested_yuan: "2000".into(),
        ..dibao_form(tekun_hid, every_material_but(&[]))
    };
    let x = c::submit_application(&db, &clerk(), now(), &temp).await.unwrap();
    let x = c::case_detail(&db, &clerk(), now(), x.case_ids[0]).await.unwrap();
    let x = investigated(&db, x, now()).await;
    step(&db, &clerk(), now(), &x, Form { approve: true, ..action("give_opinion") }).await;
    let villages = notice_board::public_villages(&db, now()).await.unwrap();
    assert_eq!(villages.len(), 2);
    let mut programmes = Vec::new();
    for v in villages {
        let (_, list) = notice_board::public_notices(&db, now(), &code(&v.region_code)).await.unwrap();
        let json = serde_json::to_string(&list).unwrap();
        assert_eq!(jiuzhu_testkit::looks_private(&json), None, "{json}");
        for private in ["城关镇东村12号", "13955110001", "0551-6288888", "340102"] {
            assert!(!json.contains(private), "{private} in {json}");
        }
        programmes.extend(list.into_iter().map(|n| n.programme));
    }
    programmes.sort();
    assert_eq!(programmes, vec!["dibao", "tekun", "temp_expense"]);
}

async fn staff_relatives_are_detected_from_the_register(db: Db) {
    county(&db).await;
    // Policy versions: a township sees its county's, not another township's.
    let hekou = PolicyPatch { temp_township_months: Some(2), ..Default::default() };
    policy::set_assistance_policy(&db, &approver(), now(), &code("340102002"), day(2025, 1, 1), &hekou).await.unwrap();
    let seen: Vec<String> =
        policy::assistance_policies(&db, &clerk(), now()).await.unwrap().into_iter().map(|v| v.region_code).collect();
    assert_eq!(seen, vec![code("340102").to_string()]);
    assert_eq!(policy::assistance_policies(&db, &approver(), now()).await.unwrap().len(), 2);
    let refused =
        policy::set_assistance_policy(&db, &other_clerk(), now(), &code("340102002"), day(2025, 1, 1), &hekou).await;
    assert!(matches!(refused, Err(AppError::Forbidden)));
    let form = RelativeForm {
        staff_name: "张某".into(),
        staff_post: "乡镇社会救助经办人员".into(),
        region_code: "340102001".into(),
        relative_id_number: "340102198511090355".into(),
        relative_name: "张伟".into(),
        relation: "兄弟".into(),
    };
    let bad = RelativeForm { relative_id_number: "3401021985".into(), relative_name: String::new(), ..form.clone() };
    let Err(AppError::Invalid(errors)) = relatives::add_staff_relative(&db, &clerk(), now(), &bad).await else {
        panic!("a bad entry was accepted")
    };
    assert_eq!(errors.iter().map(|e| e.field).collect::<Vec<_>>(), vec!["relative_id_number", "relative_name"]);
    let elsewhere = RelativeForm { region_code: "340102002".into(), ..form.clone() };
    assert!(matches!(relatives::add_staff_relative(&db, &clerk(), now(), &elsewhere).await, Err(AppError::NotFound)));
    assert!(relatives::staff_relatives(&db, &clerk(), now()).await.unwrap().is_empty(), "nothing was written");
    relatives::add_staff_relative(&db, &clerk(), now(), &form).await.unwrap();
    assert!(matches!(
        relatives::add_staff_relative(&db, &village_assistant(), now(), &form).await,
        Err(AppError::Forbidden)
    ));
    let listed = relatives::staff_relatives(&db, &clerk(), now()).await.unwrap();
    assert_eq!(listed[0].relative_id_number, "3401**********0355");
    let hid = household_id(&db, "SF-0001").await;
    let created = c::submit_application(&db, &clerk(), now(), &dibao_form(hid, every_material_but(&[]))).await.unwrap();
    assert!(created.staff_relative);
    let case = c::case_detail(&db, &clerk(), now(), created.case_ids[0]).await.unwrap();
    assert!(case.staff_relative);
    assert!(case.detected_relatives[0].contains("张某"), "{:?}", case.detected_relatives);
    assert!(kinds(&case).contains(&"staff_relative"));
    // The county must survey the household before approving.
    let case = investigated(&db, case, now()).await;
    let case = step(&db, &clerk(), now(), &case, Form { approve: true, ..action("give_opinion") }).await;
    let later = now() + Duration::days(8);
    let case = step(&db, &clerk(), later, &case, action("close_notice")).await;
    let refused =
        act(&db, &approver(), later, case.id, &Form { version: case.version, ..action("approve") }, vec![]).await;
    assert!(matches!(refused, Err(AppError::Conflict(_))), "{refused:?}");
    let county_survey =
        Form {
            investigators: "县局甲、县局乙".into(), family_signatures: "张建国".into(), ..action("record_survey")
        };
    let case = step(&db, &approver(), later, &case, county_survey).await;
    let case = step(&db, &approver(), later, &case, action("approve")).await;
    assert_eq!(case.stage, "approved");
}

async fn temporary_assistance_is_routed_and_emergencies_paid_first(db: Db) {
    county(&db).await;
    let hid = household_id(&db, "SF-0003").await;
    // 5,000元 is above the township's 3,200元 (4 months of 800元): the county confirms.
    let form = ApplicationForm {
        kinds: vec!["temp_expense".into()],
        area: "rural".into(),
        cause: "medical_expense".into(),
        requested_yuan: "5000".into(),
        provided: every_material_but(&[]),
        household_id: hid,
        ..Default::default()
    };
    let created = c::submit_application(&db, &other_clerk(), now(), &form).await.unwrap();
    let case = c::case_detail(&db, &other_clerk(), now(), created.case_ids[0]).await.unwrap();
    assert_eq!(case.state["level"], "county");
    // Above the cap (8,000元) the request is refused at intake.
    let too_much = ApplicationForm { requested_yuan: "9000".into(), ..form.clone() };
    assert!(matches!(c::submit_application(&db, &other_clerk(), now(), &too_much).await, Err(AppError::Conflict(_))));

    // An emergency is paid first, within 24 hours, up to the township limit.
    let emergency = ApplicationForm {
        kinds: vec!["temp_emergency".into()],
        cause: "accident".into(),
        requested_yuan: String::new(),
        provided: vec![],
        ..form
    };
    let created = c::submit_application(&db, &other_clerk(), now(), &emergency).await.unwrap();
    assert!(created.one_time_notice.is_some(), "what is missing is notified at once");
    let case = c::case_detail(&db, &other_clerk(), now(), created.case_ids[0]).await.unwrap();
    assert_eq!(case.stage, "emergency_payment");
    assert_eq!(case.step_due_at, Some(now() + Duration::hours(24)));
    let case =
        step(&db, &other_clerk(), now(), &case, Form { amount_yuan: "2000".into(), ..action("pay_first") }).await;
    assert_eq!((case.stage.as_str(), case.step_due), ("paperwork", Some(day(2025, 11, 28))));
    let case = step(
        &db,
        &other_clerk(),
        now(),
        &case,
        Form { provided: every_material_but(&[]), ..action("check_materials") },
    )
    .await;
    let case = step(&db, &other_clerk(), now(), &case, action("complete_paperwork")).await;
    assert_eq!(case.stage, "approved");
    assert_eq!(case.decision.unwrap().amount, Some(Fen(200_000)));
    // The same cause again this year is refused.
    let again = c::submit_application(&db, &other_clerk(), now(), &emergency).await;
    assert!(matches!(again, Err(AppError::Conflict(_))), "{again:?}");
}

async fn rejection_issues_a_written_notice_with_reasons(db: Db) {
    county(&db).await;
    let hid = household_id(&db, "SF-0001").await;
    let created = c::submit_application(&db, &clerk(), now(), &dibao_form(hid, every_material_but(&[]))).await.unwrap();
    let case = c::case_detail(&db, &clerk(), now(), created.case_ids[0]).await.unwrap();
    let case = investigated(&db, case, now()).await;
    let case = step(
        &db,
        &clerk(),
        now(),
        &case,
        Form { approve: false, reason: "家庭人均收入高于标准".into(), ..action("give_opinion") },
    )
    .await;
    assert_eq!(case.stage, "confirmation");
    let refused =
        act(&db, &approver(), now(), case.id, &Form { version: case.version, ..action("reject") }, vec![]).await;
    assert!(matches!(refused, Err(AppError::Invalid(_))), "a rejection needs reasons");
    let case = step(
        &db,
        &approver(),
        now(),
        &case,
        Form { reason: "经核对，家庭人均月收入高于当地低保标准。".into(), ..action("reject") },
    )
    .await;
    assert_eq!(case.stage, "rejected");
    assert_eq!(case.state["rejection_notice_due"], "2025-11-05");
    let doc = case.documents.iter().find(|d| d.kind == "rejection").unwrap();
    let (_, data) = c::document(&db, &approver(), now(), case.id, doc.id).await.unwrap();
    assert_eq!(data.items, vec!["经核对，家庭人均月收入高于当地低保标准。".to_string()]);
    assert!(data.title.contains("不予批准"));
}

async fn administrator_loads_next_years_calendar(db: Db) {
    let admin = Actor::user(1, "admin", &[Role::Administrator], Scope::All);
    let november = Utc.with_ymd_and_hms(2026, 11, 22, 2, 0, 0).unwrap();
    let status = calendar::calendar_status(&db, november).await.unwrap();
    assert_eq!(status.missing_next_year, Some(2027));
    assert!(matches!(
        calendar::load_calendar(&db, &clerk(), november, "2027-01-01,holiday,元旦").await,
        Err(AppError::Forbidden)
    ));
    let bad = calendar::load_calendar(&db, &admin, november, "2027-01-04,workday,周一").await;
    assert!(matches!(bad, Err(AppError::Invalid(_))), "a make-up day on a Monday is refused");
    let years = calendar::load_calendar(&db, &admin, november, "2027-01-01,holiday,元旦\n2027-02-06,holiday,春节\n")
        .await
        .unwrap();
    assert_eq!(years, vec![2027]);
    let status = calendar::calendar_status(&db, november).await.unwrap();
    assert_eq!(status.missing_next_year, None);
    assert_eq!(status.years, vec![2025, 2026, 2027]);
    let mut tx = db.begin().await.unwrap();
    let calendar = calendar::calendar_in(&mut tx).await.unwrap();
    assert!(!calendar.is_working_day(day(2027, 1, 1)).unwrap());
    assert_eq!(calendar.add_working_days(day(2026, 12, 31), 1).unwrap(), day(2027, 1, 4));
}

/// Issue 10 point 11: on 2026-12-28 a step whose limit reaches into 2027
/// was refused ("no holiday arrangement for 2027") and every user saw the
/// warning. Now the date is provisional, recounted in the transaction that
/// loads 2027, and only an administrator is warned.
async fn steps_into_an_unloaded_year_are_provisional_and_recounted_when_it_is_loaded(db: Db) {
    county(&db).await;
    let admin = Actor::user(1, "admin", &[Role::Administrator], Scope::All);
    let december = Utc.with_ymd_and_hms(2026, 12, 28, 2, 0, 0).unwrap();
    let hid = household_id(&db, "SF-0001").await;
    let created =
        c::submit_application(&db, &clerk(), december, &dibao_form(hid, every_material_but(&[]))).await.unwrap();
    let case = c::case_detail(&db, &clerk(), december, created.case_ids[0]).await.unwrap();
    let case = step(&db, &clerk(), december, &case, action("start_investigation")).await;
    assert_eq!(case.step_due, Some(day(2027, 1, 12)), "12-29..31, 2027-01-01 off, 01-04..08, 01-11, 01-12");
    assert!(case.step_due_provisional && case.overall_due_provisional);
    let inbox = c::inbox(&db, &clerk(), december).await.unwrap();
    assert!(inbox.cases[0].step_due_provisional);
    assert_eq!(inbox.calendar_warning, None, "clerks are not asked to load the calendar");
    assert_eq!(c::inbox(&db, &village_assistant(), december).await.unwrap().calendar_warning, None);
    assert_eq!(calendar::calendar_status(&db, december).await.unwrap().missing_next_year, Some(2027));
    // A closed case is not touched.
    let other = household_id(&db, "SF-0002").await;
    let closed =
        c::submit_application(&db, &clerk(), december, &dibao_form(other, every_material_but(&[]))).await.unwrap();
    let closed = c::case_detail(&db, &clerk(), december, closed.case_ids[0]).await.unwrap();
    let closed = step(&db, &clerk(), december, &closed, action("start_investigation")).await;
    let closed =
        step(&db, &clerk(), december, &closed, Form { reason: "申请人撤回".into(), ..action("withdraw") }).await;

    calendar::load_calendar(&db, &admin, december, "2027-01-01,holiday\n2027-01-04,holiday\n").await.unwrap();
    let case = c::case_detail(&db, &clerk(), december, case.id).await.unwrap();
    assert_eq!(case.step_due, Some(day(2027, 1, 13)));
    assert!(!case.step_due_provisional && !case.overall_due_provisional);
    let recounted = case.events.iter().find_map(|e| match &e.event {
        CaseEvent::DatesRecounted { before, after } => Some((*before, *after, e.actor.as_str())),
        _ => None,
    });
    let (before, after, actor): (DueDates, DueDates, &str) = recounted.expect("a history entry");
    assert_eq!(before.step_due, NaiveDate::from_ymd_opt(2027, 1, 12));
    assert_eq!(after.step_due, NaiveDate::from_ymd_opt(2027, 1, 13));
    assert_eq!(actor, "admin");
    let inbox = c::inbox(&db, &clerk(), december).await.unwrap();
    let line = inbox.cases.iter().find(|l| l.id == case.id).unwrap();
    assert_eq!((line.step_due, line.step_due_provisional), (Some(day(2027, 1, 13)), false));
    let closed_after = c::case_detail(&db, &clerk(), december, closed.id).await.unwrap();
    assert_eq!(closed_after.version, closed.version, "closed cases are not recounted");
    // Loading the same year again moves nothing and records nothing more.
    calendar::load_calendar(&db, &admin, december, "2027-01-01,holiday\n2027-01-04,holiday\n").await.unwrap();
    let again = c::case_detail(&db, &clerk(), december, case.id).await.unwrap();
    assert_eq!(again.version, case.version);
}

async fn inboxes_order_by_due_date_and_escalate_overdue_steps(db: Db) {
    county(&db).await;
    let first = household_id(&db, "SF-0001").await;
    let second = household_id(&db, "SF-0002").await;
    // Accepted on Friday 10-31: investigation due Wednesday 11-05.
    let a = c::submit_application(&db, &clerk(), now(), &dibao_form(first, every_material_but(&[]))).await.unwrap();
    // Accepted on Monday 11-03: investigation due Thursday 11-06.
    let monday = now() + Duration::days(3);
    let b = c::submit_application(&db, &clerk(), monday, &dibao_form(second, every_material_but(&[]))).await.unwrap();
    let inbox = c::inbox(&db, &clerk(), monday).await.unwrap();
    let ids: Vec<i64> = inbox.cases.iter().map(|l| l.id).collect();
    assert_eq!(ids, vec![a.case_ids[0], b.case_ids[0]], "by step due date");
    assert!(inbox.cases.iter().all(|l| l.yours && !l.overdue));
    assert!(inbox.cases[0].due_soon, "due within two working days");
    assert!(inbox.escalated.is_empty());
    assert_eq!((inbox.townships.len(), inbox.townships[0].name.as_str(), inbox.townships[0].open), (1, "城关镇", 2));
    // The county approver has nothing waiting for them, but sees both.
    let county_view = c::inbox(&db, &approver(), monday).await.unwrap();
    assert!(county_view.cases.iter().all(|l| !l.yours));
    // A week later both steps are late: the leaders' list has them.
    let late = now() + Duration::days(10);
    let county_view = c::inbox(&db, &approver(), late).await.unwrap();
    assert_eq!(county_view.escalated.len(), 2);
    assert_eq!(county_view.townships[0].overdue, 2);
    assert!(c::inbox(&db, &clerk(), late).await.unwrap().escalated.is_empty(), "a clerk is not a leader");
    // The village assistant sees the cases of her village only.
    let village = c::inbox(&db, &village_assistant(), monday).await.unwrap();
    assert_eq!(village.cases.iter().map(|l| l.id).collect::<Vec<_>>(), vec![a.case_ids[0]]);
    assert_eq!(c::inbox(&db, &other_clerk(), monday).await.unwrap().cases.len(), 0);
}

async fn individual_inclusion_for_a_severely_disabled_member_of_an_edge_family(db: Db) {
    county(&db).await;
    let hid = household_id(&db, "SF-0001").await;
    let detail = registry::household_detail(&db, &clerk(), hid, now(), false).await.unwrap();
    // 李秀英: grade 2 physical disability and a serious illness.
    let spouse = detail.members.iter().find(|m| m.form.name == "李秀英").unwrap().id;
    // 3,000元 for 3 people: 1,000 a head, above the 800元 standard, below the 1,200元 edge line.
    let form = ApplicationForm {
        kinds: vec!["dibao_individual".into()],
        applicant_person_id: Some(spouse),
        income: vec![AmountLine { kind: "wage".into(), yuan: "3000".into() }],
        ..dibao_form(hid, every_material_but(&[]))
    };
    let created = c::submit_application(&db, &clerk(), now(), &form).await.unwrap();
    let case = c::case_detail(&db, &clerk(), now(), created.case_ids[0]).await.unwrap();
    assert_eq!((case.applicant_name.as_str(), case.amount_preview), ("李秀英", Some(80_000)));
    let case = investigated(&db, case, now()).await;
    let case = step(&db, &clerk(), now(), &case, Form { approve: true, ..action("give_opinion") }).await;
    let later = now() + Duration::days(8);
    let case = step(&db, &clerk(), later, &case, action("close_notice")).await;
    let case = step(&db, &approver(), later, &case, action("approve")).await;
    assert_eq!(case.decision.unwrap().amount, Some(Fen(80_000)));
    let (_, notices) = notice_board::public_notices(&db, later, &code("340102001001")).await.unwrap();
    assert!(notices.iter().all(|n| n.household_size == 1), "an individual inclusion is published as one person");

    // The head (no disability, no illness) cannot be included alone.
    let head = ApplicationForm { applicant_person_id: None, ..form };
    let created = c::submit_application(&db, &clerk(), later, &head).await.unwrap();
    let case = c::case_detail(&db, &clerk(), later, created.case_ids[0]).await.unwrap();
    assert_eq!(case.amount_preview, None);
}

async fn tekun_from_application_to_support_with_the_spot_check(db: Db) {
    county(&db).await;
    // 王桂兰, 80, lives alone.
    let hid = household_id(&db, "SF-0002").await;
    let form = ApplicationForm {
        kinds: vec!["tekun".into()],
        area: "rural".into(),
        income: vec![],
        ..dibao_form(hid, every_material_but(&[]))
    };
    let created = c::submit_application(&db, &clerk(), now(), &form).await.unwrap();
    let case = c::case_detail(&db, &clerk(), now(), created.case_ids[0]).await.unwrap();
    // The township stage of 特困 is 15 working days from the start of the investigation.
    let case = step(&db, &clerk(), now(), &case, action("start_investigation")).await;
    assert_eq!(case.step_due, Some(day(2025, 11, 21)));
    let case = step(&db, &clerk(), now(), &case, action("request_verification")).await;
    let case = step(&db, &clerk(), now(), &case, action("attach_verification")).await;
    let survey =
        Form {
            investigators: "李明、王芳".into(), family_signatures: "王桂兰".into(), ..action("record_survey")
        };
    let case = step(&db, &clerk(), now(), &case, survey).await;
    let case = step(&db, &clerk(), now(), &case, Form { approve: true, ..action("give_opinion") }).await;
    let later = now() + Duration::days(8);
    let case = step(&db, &clerk(), later, &case, action("close_notice")).await;
    // The first 特困 case of the year is spot-checked by the county.
    assert_eq!(case.state["spot_check"], true);
    assert!(kinds(&case).contains(&"spot_check"));
    let unable = vec!["eat".to_string(), "dress".to_string(), "bed".to_string(), "toilet".to_string()];
    let approve = Form { unable: unable.clone(), support_mode: "home".into(), ..action("approve") };
    let refused =
        act(&db, &approver(), later, case.id, &Form { version: case.version, ..approve.clone() }, vec![]).await;
    assert!(matches!(&refused, Err(AppError::Conflict(m)) if m.key == "amount.error.tekun_unmet"), "{refused:?}");
    let survey =
        Form {
            investigators: "县局甲、县局乙".into(), family_signatures: "王桂兰".into(), ..action("record_survey")
        };
    let case = step(&db, &approver(), later, &case, survey).await;
    let case = step(&db, &approver(), later, &case, Form { no_able_supporter: true, ..approve }).await;
    // Rural standard 800元: basic living 1.3 × 800 = 1,040元; four items not met = full care, 1/3 of 1,800元 = 600元.
    let decision = case.decision.unwrap();
    assert_eq!(decision.amount, Some(Fen(164_000)));
    assert!(decision.derivation.iter().any(|(_, v)| v.contains("完全丧失生活自理能力")), "{decision:?}");
}

/// Issue 10, point 3: an SVG with a script, sent as `image/jpeg`, was stored
/// and served from the application's origin; photo views were not audited.
async fn survey_photos_are_checked_by_content_and_reading_one_is_audited(db: Db) {
    use jiuzhu_domain::photo::{ImageType, PHOTO_MAX_BYTES};
    county(&db).await;
    let hid = household_id(&db, "SF-0001").await;
    let created = c::submit_application(&db, &clerk(), now(), &dibao_form(hid, every_material_but(&[]))).await.unwrap();
    let case = c::case_detail(&db, &clerk(), now(), created.case_ids[0]).await.unwrap();
    let case = step(&db, &clerk(), now(), &case, action("start_investigation")).await;
    let case = step(&db, &clerk(), now(), &case, action("request_verification")).await;
    let case = step(&db, &clerk(), now(), &case, action("attach_verification")).await;
    let survey = Form {
        investigators: "李明、王芳".into(),
        family_signatures: "张建国".into(),
        version: case.version,
        ..action("record_survey")
    };
    let svg = b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>fetch('/api/households')</script></svg>";
    let mut big = vec![0xFF, 0xD8, 0xFF, 0xE0];
    big.resize(PHOTO_MAX_BYTES + 1, 0);
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    let claimed_jpeg = |bytes: Vec<u8>| Photo { content_type: "image/jpeg".into(), bytes };
    for (photos, key, n) in [
        (vec![claimed_jpeg(svg.to_vec())], "photo.error.not_image", "1"),
        (vec![claimed_jpeg(png.clone()), claimed_jpeg(big)], "photo.error.too_large", "2"),
    ] {
        let refused = act(&db, &clerk(), now(), case.id, &survey, photos).await;
        match refused {
            Err(AppError::Invalid(errors)) => {
                assert_eq!((errors[0].field, errors[0].message.key), ("photos", key));
                assert!(errors[0].message.render(jiuzhu_domain::Lang::Zh).contains(&format!("第{n}张照片")));
            }
            other => panic!("{key}: {other:?}"),
        }
    }
    // Nothing was recorded by the refused surveys.
    let unchanged = c::case_detail(&db, &clerk(), now(), case.id).await.unwrap();
    assert_eq!((unchanged.version, unchanged.photos.len()), (case.version, 0));

    // A PNG the browser called a JPEG is stored and served as a PNG.
    let case = act(&db, &clerk(), now(), case.id, &survey, vec![claimed_jpeg(png.clone())]).await.unwrap();
    assert_eq!(case.photos.len(), 1);
    let (image, bytes) = c::photo(&db, &clerk(), now(), case.id, case.photos[0]).await.unwrap();
    assert_eq!((image, bytes), (ImageType::Png, png));
    // Another township neither sees it nor gets past the audit.
    let other = c::photo(&db, &other_clerk(), now(), case.id, case.photos[0]).await;
    assert!(matches!(other, Err(AppError::NotFound)), "{other:?}");

    // The view is in the audit log, with the photo, and the refusal too.
    let mut tx = db.begin().await.unwrap();
    let filter = jiuzhu_store::AuditFilter { action: Some("case_photo_read".into()), limit: 10, ..Default::default() };
    let reads = jiuzhu_store::search_audit(&mut tx, &filter).await.unwrap();
    let outcomes: Vec<_> = reads.iter().map(|r| (r.record.login.as_str(), r.record.outcome)).collect();
    assert!(outcomes.contains(&("jingban", jiuzhu_domain::audit::Outcome::Allowed)), "{outcomes:?}");
    assert!(outcomes.contains(&("hekou", jiuzhu_domain::audit::Outcome::Denied)), "{outcomes:?}");
    let allowed = reads.iter().find(|r| r.record.login == "jingban").unwrap();
    assert!(allowed.record.after.contains(&case.photos[0].to_string()), "{:?}", allowed.record);
}

/// History entries and decisions written before they were typed (issue 10:
/// a loose detail object per step, `amount_fen`, no version) read into the
/// typed event and decision, without a migration.
async fn entries_and_decisions_stored_before_they_were_typed_still_read(db: Db) {
    county(&db).await;
    let hid = household_id(&db, "SF-0001").await;
    let created = c::submit_application(&db, &clerk(), now(), &dibao_form(hid, every_material_but(&[]))).await.unwrap();
    let id = created.case_ids[0];
    let mut tx = db.begin().await.unwrap();
    for (kind, detail) in [("returned", r#"{"reason":"补充收入证明"}"#), ("approved", r#"{"amount_fen":126000}"#)]
    {
        let row = jiuzhu_store::case::CaseEventRow {
            id: 0,
            case_id: id,
            at: now(),
            actor: "system".into(),
            kind: kind.into(),
            detail: detail.into(),
        };
        jiuzhu_store::case::insert_case_event(&mut tx, &row).await.unwrap();
    }
    let mut row = jiuzhu_store::case::get_case(&mut tx, id).await.unwrap().unwrap();
    row.decision = Some(
        r#"{"outcome":"approved","amount_fen":126000,"decided_on":"2025-10-20","first_month":"2025-11-01",
            "derivation":[["月保障金额","1,260.00元"]],"policy_versions":[1],"policy":{"no_longer":"a field"}}"#
            .into(),
    );
    assert!(jiuzhu_store::case::update_case(&mut tx, &row).await.unwrap());
    tx.commit().await.unwrap();

    let view = c::case_detail(&db, &clerk(), now(), id).await.unwrap();
    let old: Vec<&CaseEvent> =
        view.events.iter().map(|e| &e.event).filter(|e| e.kind().code() != "submitted").collect();
    assert!(old.contains(&&CaseEvent::Returned { reason: "补充收入证明".into() }), "{old:?}");
    assert!(old.contains(&&CaseEvent::Approved { amount: Fen(126_000) }), "{old:?}");
    let sentences: Vec<String> = old.iter().map(|e| e.message().render(jiuzhu_domain::Lang::Zh)).collect();
    assert!(sentences.contains(&"批准：金额1,260.00元".to_string()), "{sentences:?}");
    let decision = view.decision.unwrap();
    assert_eq!((decision.version, decision.amount, decision.policy), (1, Some(Fen(126_000)), None));
    assert_eq!(decision.derivation, vec![("月保障金额".to_string(), "1,260.00元".to_string())]);
}
