//! Entitlements through the use cases on SQLite and PostgreSQL: approving a
//! member's 特困 keeps the household's 低保 (before, approval overwrote the
//! household's programme and amount); what a household was owed for each
//! month of a year is reconstructed across an amount change in April and an
//! end in September made through `change_entitlement` and
//! `end_entitlement`; permissions, scope and the audit trail.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use jiuzhu_app::case::{self as c, AmountLine, ApplicationForm, CaseView, StepForm};
use jiuzhu_app::entitlement::{self as ent, EntitlementChange};
use jiuzhu_app::import::import_roster;
use jiuzhu_app::{Actor, AppError, Db, Scope, policy, registry};
use jiuzhu_domain::entitlement::{EndReason, YearMonth};
use jiuzhu_domain::{Fen, RegionCode, Role};

jiuzhu_testkit::on_both_databases!(
    a_members_tekun_keeps_the_households_dibao,
    a_year_owed_is_reconstructed_across_a_change_and_an_end,
    the_first_month_follows_the_policy_in_the_decision_and_the_entitlement,
);

/// Friday 2025-10-31, 10:00 in Beijing.
fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 10, 31, 2, 0, 0).unwrap()
}

fn code(s: &str) -> RegionCode {
    RegionCode::parse(s).unwrap()
}

fn m(s: &str) -> YearMonth {
    YearMonth::parse(s).unwrap()
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

/// The sample county with its roster (SF-0001: 张建国, his wife 李秀英 and
/// their son, on the roster as 低保 of 1,360元) and the policy of seed 001
/// (no review-stage notice, the township confirms).
async fn county(db: &Db) -> i64 {
    registry::upsert_regions(db, &Actor::system(), now(), &jiuzhu_testkit::sample_regions()).await.unwrap();
    let roster =
        std::fs::read(format!("{}/../files/tests/fixtures/roster_utf8.csv", env!("CARGO_MANIFEST_DIR"))).unwrap();
    import_roster(db, &Actor::system(), now(), &roster).await.unwrap();
    let from = NaiveDate::from_ymd_opt(2025, 1, 1).unwrap();
    let patch = jiuzhu_domain::policy::Policy::demo_patch();
    policy::set_assistance_policy(db, &approver(), now(), &code("340102"), from, &patch).await.unwrap();
    let mut tx = db.begin().await.unwrap();
    jiuzhu_store::get_household_by_external_id(&mut tx, "SF-0001").await.unwrap().unwrap().id
}

async fn take(
    db: &Db,
    actor: &Actor,
    at: DateTime<Utc>,
    case: &CaseView,
    form: StepForm,
) -> Result<CaseView, AppError> {
    let photos = u32::from(matches!(form, StepForm::RecordSurvey { .. }));
    let step = form.parse(photos)?;
    let photos = if photos > 0 {
        vec![c::Photo { content_type: "image/jpeg".into(), bytes: vec![0xFF, 0xD8, 0xFF, 0xE0] }]
    } else {
        vec![]
    };
    c::act(db, actor, at, case.id, case.version, &step, photos).await
}

fn survey(signed_by: &str) -> StepForm {
    StepForm::RecordSurvey {
        investigators: "李明、王芳".into(),
        family_signatures: signed_by.into(),
        findings: "住房为自建平房，无贵重物品。".into(),
    }
}

/// Submits an application at the township window and takes it through
/// whatever steps the policy asks until it is approved; the approved case.
async fn approved(db: &Db, form: ApplicationForm, approve: StepForm, signed_by: &str) -> CaseView {
    let created = c::submit_application(db, &clerk(), now(), &form).await.unwrap();
    let mut case = c::case_detail(db, &clerk(), now(), created.case_ids[0]).await.unwrap();
    let mut at = now();
    for _ in 0..20 {
        if case.stage == "approved" {
            return case;
        }
        let next = match case.stage.as_str() {
            "accepted" => StepForm::StartInvestigation,
            "investigating" if !case.state["verification_requested"].as_bool().unwrap_or(false) => {
                StepForm::RequestVerification
            }
            "investigating" if case.state["verification"].is_null() => StepForm::AttachVerification,
            "investigating" if case.state["township_surveys"].as_u64().unwrap_or(0) == 0 => survey(signed_by),
            "investigating" => StepForm::GiveOpinion { approve: true, reason: String::new() },
            "notice" => {
                at += Duration::days(10);
                StepForm::CloseNotice
            }
            "confirmation" => {
                let tried = take(db, &approver(), at, &case, approve.clone()).await;
                case = match tried {
                    Ok(done) => done,
                    // A spot-checked 特困 case needs the county's own survey first.
                    Err(_) => take(db, &approver(), at, &case, survey(signed_by)).await.unwrap(),
                };
                continue;
            }
            other => panic!("unexpected stage {other}: {case:?}"),
        };
        case = take(db, &clerk(), at, &case, next).await.unwrap_or_else(|e| panic!("{}: {e:?}", case.stage));
    }
    panic!("not approved: {case:?}");
}

fn dibao(household_id: i64) -> ApplicationForm {
    ApplicationForm {
        household_id,
        kinds: vec!["dibao".into()],
        area: "rural".into(),
        provided: jiuzhu_domain::assistance::Material::ALL.iter().map(|m| m.code().to_string()).collect(),
        income: vec![AmountLine { kind: "wage".into(), yuan: "900".into() }],
        ..Default::default()
    }
}

fn tekun_approval() -> StepForm {
    StepForm::Approve {
        amount_yuan: String::new(),
        unable: ["eat", "dress", "bed", "toilet"].map(String::from).to_vec(),
        support_mode: "home".into(),
        no_able_supporter: true,
    }
}

fn plain_approval() -> StepForm {
    StepForm::Approve {
        amount_yuan: String::new(),
        unable: vec![],
        support_mode: String::new(),
        no_able_supporter: false,
    }
}

/// The household's 低保 and the wife's 特困, both approved.
async fn both_approved(db: &Db, hid: i64) -> (CaseView, CaseView, i64) {
    let dibao_case = approved(db, dibao(hid), plain_approval(), "张建国").await;
    let detail = registry::household_detail(db, &clerk(), hid, now(), false).await.unwrap();
    let wife = detail.members.iter().find(|p| p.form.name == "李秀英").unwrap().id;
    let form =
        ApplicationForm { kinds: vec!["tekun".into()], applicant_person_id: Some(wife), income: vec![], ..dibao(hid) };
    let tekun_case = approved(db, form, tekun_approval(), "李秀英").await;
    (dibao_case, tekun_case, wife)
}

async fn a_members_tekun_keeps_the_households_dibao(db: Db) {
    let hid = county(&db).await;
    // Given the household's 低保, approved; when the wife's 特困 is approved too
    let (dibao_case, tekun_case, wife) = both_approved(&db, hid).await;
    let dibao_fen = dibao_case.decision.as_ref().unwrap().amount.unwrap().0;
    let tekun_fen = tekun_case.decision.as_ref().unwrap().amount.unwrap().0;
    assert!(dibao_fen > 0 && tekun_fen > 0);

    // Then the household holds both, open, each naming its decision; the
    // roster's 低保 (imported this month) ended when the decision replaced it
    let held = ent::household_entitlements(&db, &clerk(), hid, now()).await.unwrap();
    let lines: Vec<_> = held
        .iter()
        .map(|e| (e.program.code(), e.person_id, e.monthly_fen, e.case_id, e.last_month.map(|l| l.to_string())))
        .collect();
    assert_eq!(
        lines,
        vec![
            ("dibao", None, 136_000, None, Some("2025-10".to_string())),
            ("dibao", None, dibao_fen, Some(dibao_case.id), None),
            ("tekun", Some(wife), tekun_fen, Some(tekun_case.id), None),
        ]
    );
    assert_eq!(held[0].ended_reason, Some(EndReason::Changed));
    let held: Vec<_> = held.into_iter().filter(|e| e.case_id.is_some()).collect();
    assert_eq!(held[1].recipient_name.as_deref(), Some("李秀英"));
    assert_eq!(held[0].program_key(), "CaseKind.dibao");
    assert_eq!(held[1].program_key(), "CaseKind.tekun");
    // From the month after the decisions (seed 001 decides the same day): both owed.
    let first = held.iter().map(|e| e.first_month).max().unwrap();
    assert_eq!(first, m("2025-11"));
    let owed = ent::owed_history(&db, &clerk(), hid, first, first, now()).await.unwrap();
    assert_eq!((owed[0].total_fen, owed[0].lines), (dibao_fen + tekun_fen, 2));

    // The approvals did not touch the household's registry fields, and its
    // history says what started, as sentences.
    let detail = registry::household_detail(&db, &clerk(), hid, now(), false).await.unwrap();
    assert_eq!(detail.household.form.monthly_benefit_yuan, "1360.00");
    let started: Vec<_> =
        detail.history.iter().filter(|h| h.action == "entitlement_started").map(|h| h.detail.clone()).collect();
    assert_eq!(started.len(), 2, "the decisions' (the roster's came with the import)");
    assert_eq!(started[0]["recipient"], "李秀英", "newest first: {started:?}");
    assert!(detail.history.iter().all(|h| h.action != "enrolled"));
    assert_eq!(detail.entitlements.iter().filter(|e| e.case_id.is_some()).cloned().collect::<Vec<_>>(), held);

    // Another township does not see them; the read is audited.
    let hidden = ent::household_entitlements(&db, &other_clerk(), hid, now()).await;
    assert!(matches!(hidden, Err(AppError::NotFound)), "{hidden:?}");
    let mut tx = db.begin().await.unwrap();
    let filter = jiuzhu_store::AuditFilter { limit: 500, ..Default::default() };
    let audited = jiuzhu_store::search_audit(&mut tx, &filter).await.unwrap();
    let viewed: Vec<_> = audited.iter().filter(|r| r.record.action == "entitlements_viewed").collect();
    assert!(viewed.iter().any(|r| r.record.outcome == jiuzhu_domain::audit::Outcome::Allowed));
    assert!(viewed.iter().any(|r| r.record.outcome == jiuzhu_domain::audit::Outcome::Denied));
}

async fn a_year_owed_is_reconstructed_across_a_change_and_an_end(db: Db) {
    let hid = county(&db).await;
    let (_, _, _) = both_approved(&db, hid).await;
    let held = ent::household_entitlements(&db, &clerk(), hid, now()).await.unwrap();
    let decided = |program: &str| held.iter().find(|e| e.program.code() == program && e.case_id.is_some()).unwrap();
    let (dibao, tekun) = (decided("dibao"), decided("tekun"));
    let later = now() + Duration::days(60);

    // A township clerk may not decide a change; another township sees nothing.
    let change = EntitlementChange { monthly: Fen(120_000), from: m("2026-04"), decision: None, policy_versions: None };
    let refused = ent::change_entitlement(&db, &clerk(), later, dibao.id, &change).await;
    assert!(matches!(refused, Err(AppError::Forbidden)), "{refused:?}");
    let outsider = Actor { roles: vec![Role::CountyApprover], ..other_clerk() };
    let hidden = ent::change_entitlement(&db, &outsider, later, dibao.id, &change).await;
    assert!(matches!(hidden, Err(AppError::NotFound)), "{hidden:?}");
    // When a review changes the 低保 to 1,200元 from April and stops it after September
    let changed = ent::change_entitlement(&db, &approver(), later, dibao.id, &change).await.unwrap();
    ent::end_entitlement(&db, &approver(), later, changed, m("2026-09"), EndReason::Stopped).await.unwrap();
    let again = ent::end_entitlement(&db, &approver(), later, changed, m("2026-10"), EndReason::Stopped).await;
    assert!(matches!(&again, Err(AppError::Conflict(msg)) if msg.key == "entitlement.error.already_ended"));

    // Then each month of 2026 owes what was in force then, the 特困 throughout
    let year = ent::owed_history(&db, &clerk(), hid, m("2026-01"), m("2026-12"), later).await.unwrap();
    let got: Vec<(String, i64)> = year.iter().map(|o| (o.month.to_string(), o.total_fen)).collect();
    let expected: Vec<(String, i64)> = (1..=12)
        .map(|month| {
            let dibao_part = match month {
                1..=3 => dibao.monthly_fen,
                4..=9 => 120_000,
                _ => 0,
            };
            (format!("2026-{month:02}"), dibao_part + tekun.monthly_fen)
        })
        .collect();
    assert_eq!(got, expected);

    // The page's list shows the ended ones as past, with their reasons.
    let held = ent::household_entitlements(&db, &clerk(), hid, later).await.unwrap();
    let dibao_lines: Vec<_> = held
        .iter()
        .filter(|e| e.program.code() == "dibao" && e.first_month >= m("2025-11"))
        .map(|e| (e.monthly_fen, e.first_month.to_string(), e.last_month.map(|l| l.to_string()), e.ended_reason))
        .collect();
    assert_eq!(
        dibao_lines,
        vec![
            (dibao.monthly_fen, dibao.first_month.to_string(), Some("2026-03".into()), Some(EndReason::Changed)),
            (120_000, "2026-04".into(), Some("2026-09".into()), Some(EndReason::Stopped)),
        ]
    );
    let tekun_now = held.iter().find(|e| e.program.code() == "tekun").unwrap();
    assert_eq!(tekun_now.period(jiuzhu_domain::Lang::Zh), "2025年11月至今");
    assert_eq!(held.iter().find(|e| e.id == changed).unwrap().period(jiuzhu_domain::Lang::Zh), "2026年4月至2026年9月");

    // Both decisions are audited with what changed.
    let mut tx = db.begin().await.unwrap();
    let filter = jiuzhu_store::AuditFilter { limit: 500, ..Default::default() };
    let audited = jiuzhu_store::search_audit(&mut tx, &filter).await.unwrap();
    for action in ["entitlement_changed", "entitlement_ended"] {
        assert!(
            audited.iter().any(|r| r.record.action == action
                && r.record.outcome == jiuzhu_domain::audit::Outcome::Allowed
                && !r.record.after.is_empty()),
            "{action} not audited"
        );
    }
    // A range of more than ten years is refused.
    let long = ent::owed_history(&db, &clerk(), hid, m("2000-01"), m("2026-12"), later).await;
    assert!(matches!(long, Err(AppError::Invalid(_))));
}

async fn the_first_month_follows_the_policy_in_the_decision_and_the_entitlement(db: Db) {
    let hid = county(&db).await;
    // The county pays from the month of approval (a local choice, payments.md).
    let patch = jiuzhu_domain::policy::PolicyPatch {
        first_payment: Some(jiuzhu_domain::policy::FirstPayment::ApprovalMonth),
        ..jiuzhu_domain::policy::Policy::demo_patch()
    };
    let from = NaiveDate::from_ymd_opt(2025, 6, 1).unwrap();
    policy::set_assistance_policy(&db, &approver(), now(), &code("340102"), from, &patch).await.unwrap();
    let case = approved(&db, dibao(hid), plain_approval(), "张建国").await;
    let decision = case.decision.clone().unwrap();
    assert_eq!(decision.first_month, NaiveDate::from_ymd_opt(2025, 10, 1));
    // The decision starts in the month the roster's 低保 was imported: that
    // one is replaced before it began and owes nothing.
    let held = ent::household_entitlements(&db, &clerk(), hid, now()).await.unwrap();
    let lines: Vec<_> = held
        .iter()
        .map(|e| (e.case_id, e.first_month.to_string(), e.last_month.map(|l| l.to_string()), e.current))
        .collect();
    assert_eq!(
        lines,
        vec![
            (Some(case.id), "2025-10".to_string(), None, true),
            (None, "2025-10".to_string(), Some("2025-09".to_string()), false),
        ]
    );
    assert_eq!(held[1].period(jiuzhu_domain::Lang::Zh), "自2025年10月起，起始前已被替代");
    let october = ent::owed_history(&db, &clerk(), hid, m("2025-10"), m("2025-10"), now()).await.unwrap();
    assert_eq!(october[0].total_fen, held[0].monthly_fen);
}
