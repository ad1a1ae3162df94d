//! The access matrix: every role, placed in three regions (the target's own
//! township, a sibling township, the parent county), against every API
//! route. Each cell is computed from the role's permissions and the
//! placement, and checked against what the server answers; every denied
//! attempt must appear in the audit log. A route in the OpenAPI document
//! without a row here fails the test.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use jiuzhu_app::verification as v;
use jiuzhu_app::{Actor, auth, registry};
use jiuzhu_app::{case, notice_board};
use jiuzhu_domain::audit::Outcome;
use jiuzhu_domain::{Permission, Role};
use jiuzhu_store::{self as store, AuditFilter};

use super::{PASSWORD, TestApp, now};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Placement {
    Own,
    Sibling,
    Parent,
}

impl Placement {
    fn region(self) -> &'static str {
        match self {
            Placement::Own => "340102001",
            Placement::Sibling => "340102002",
            Placement::Parent => "340102",
        }
    }
}

/// One route: how to call it, the permission it needs, and whether its
/// target lies in township 340102001 (so a sibling township must not reach it).
struct Case {
    method: Method,
    path: &'static str,
    /// `None`: every signed-in user (or, for the public notice board, anybody).
    permission: Option<Permission>,
    scoped: bool,
    /// A second permission the route needs besides `permission`.
    also: Option<Permission>,
    /// Refused to every caller authenticated by an API token (the matrix
    /// calls with tokens): issuing tokens needs a session.
    session_only: bool,
}

const fn case(method: Method, path: &'static str, permission: Permission, scoped: bool) -> Case {
    Case { method, path, permission: Some(permission), also: None, scoped, session_only: false }
}

/// A route that needs two permissions.
const fn case2(method: Method, path: &'static str, permissions: [Permission; 2], scoped: bool) -> Case {
    Case { method, path, permission: Some(permissions[0]), also: Some(permissions[1]), scoped, session_only: false }
}

const fn open(method: Method, path: &'static str) -> Case {
    Case { method, path, permission: None, also: None, scoped: false, session_only: false }
}

const fn session_only(method: Method, path: &'static str) -> Case {
    Case { method, path, permission: None, also: None, scoped: false, session_only: true }
}

fn cases() -> Vec<Case> {
    use Permission::*;
    vec![
        case(Method::GET, "/api/regions", RegistryRead, false),
        case(Method::GET, "/api/households", RegistryRead, false),
        case(Method::POST, "/api/households", RegistryWrite, true),
        case(Method::GET, "/api/households/{id}", RegistryRead, true),
        case(Method::PUT, "/api/households/{id}", RegistryWrite, true),
        case(Method::POST, "/api/households/{id}/members", RegistryWrite, true),
        case(Method::PUT, "/api/members/{id}", RegistryWrite, true),
        case(Method::POST, "/api/members/{id}/move", RegistryWrite, true),
        case(Method::GET, "/api/persons/{id_number}", RegistryRead, true),
        case(Method::POST, "/api/import", RegistryImport, true),
        case(Method::GET, "/api/export.xlsx", RegistryExport, false),
        case(Method::GET, "/api/verification/deliveries", VerificationRead, false),
        case(Method::POST, "/api/verification/deliveries", DeliveryImport, false),
        case(Method::POST, "/api/verification/runs", VerificationRun, true),
        case(Method::GET, "/api/verification/runs/{id}", VerificationRead, true),
        case(Method::GET, "/api/households/{id}/verification", VerificationRead, true),
        case(Method::POST, "/api/households/{id}/verification", VerificationRun, true),
        case(Method::GET, "/api/verification/results/{id}", VerificationRead, true),
        case(Method::GET, "/api/verification/results/{id}/report.pdf", VerificationRead, true),
        case(Method::POST, "/api/verification/results/{id}/objections", ObjectionLodge, true),
        case(Method::PUT, "/api/verification/results/{id}/objections/{objection}", ObjectionDecide, true),
        case(Method::GET, "/api/cases", CaseRead, false),
        case(Method::POST, "/api/applications", CaseApply, true),
        case(Method::GET, "/api/households/{id}/checklist", CaseApply, true),
        case(Method::GET, "/api/cases/{id}", CaseRead, true),
        case(Method::POST, "/api/cases/{id}/actions", CaseHandle, true),
        case(Method::GET, "/api/cases/{id}/documents/{doc}", CaseRead, true),
        case(Method::PUT, "/api/cases/{id}/referrals/{referral}", CaseHandle, true),
        case(Method::GET, "/api/assistance-policies", CaseRead, false),
        case(Method::POST, "/api/assistance-policies", PolicyManage, true),
        case(Method::GET, "/api/staff-relatives", RelativesManage, false),
        case(Method::POST, "/api/staff-relatives", RelativesManage, true),
        open(Method::GET, "/api/calendar"),
        case(Method::PUT, "/api/calendar", CalendarManage, false),
        open(Method::GET, "/api/public/notices"),
        open(Method::GET, "/api/public/notices/{village}"),
        open(Method::POST, "/api/public/notices/{village}/{notice}/objections"),
        open(Method::GET, "/api/tokens"),
        session_only(Method::POST, "/api/tokens"),
        case(Method::POST, "/api/tokens/{id}/revoke", UserManage, true),
        case(Method::GET, "/api/jobs/{id}", VerificationRead, true),
        case(Method::POST, "/api/jobs/{id}/cancel", VerificationRun, true),
        case(Method::GET, "/api/users/{id}/tokens", UserManage, true),
        case(Method::GET, "/api/payments/rolls", PaymentRead, false),
        case(Method::POST, "/api/payments/rolls", PaymentPrepare, true),
        case(Method::GET, "/api/payments/rolls/{id}", PaymentRead, true),
        case(Method::POST, "/api/payments/rolls/{id}/approve", PaymentApprove, true),
        case(Method::POST, "/api/payments/rolls/{id}/regenerate", PaymentPrepare, true),
        case(Method::GET, "/api/payments/payees/households/{id}", PaymentRead, true),
        case(Method::POST, "/api/payments/payees/households/{id}/accounts", PayeeManage, true),
        case(Method::GET, "/api/payments/payees/accounts/{id}/reveal", RevealSensitive, true),
        case(Method::GET, "/api/payments/payees/institutions", PaymentRead, false),
        case(Method::POST, "/api/payments/payees/institutions", PaymentPrepare, true),
        case(Method::GET, "/api/payments/payees/missing", PaymentRead, false),
        case(Method::POST, "/api/payments/rolls/{id}/export", PaymentPrepare, true),
        case(Method::POST, "/api/payments/rolls/{id}/returns", PaymentPrepare, true),
        case(Method::GET, "/api/payments/corrections", PaymentRead, false),
        case(Method::POST, "/api/payments/corrections/{id}/resolve", PaymentPrepare, true),
        case(Method::GET, "/api/payments/layout", PaymentRead, true),
        case(Method::POST, "/api/payments/layout", PaymentPrepare, true),
        case(Method::GET, "/api/payments/overview", PaymentRead, false),
        case(Method::GET, "/api/payments/rolls/{id}/totals", PaymentRead, true),
        case(Method::GET, "/api/payments/recoveries", PaymentRead, false),
        case(Method::POST, "/api/payments/recoveries", PaymentPrepare, true),
        case(Method::GET, "/api/payments/recoveries/overpayments", PaymentRead, true),
        case(Method::GET, "/api/payments/recoveries/{id}", PaymentRead, true),
        case(Method::POST, "/api/payments/recoveries/{id}/settlements", PaymentPrepare, true),
        case(Method::GET, "/api/payments/households/{id}", PaymentRead, true),
        case(Method::GET, "/api/payments/households/{id}/statement", PaymentRead, true),
        case(Method::GET, "/api/payments/publication", PaymentRead, false),
        case(Method::GET, "/api/payments/publication/{village}/{month}", PaymentRead, true),
        case2(Method::POST, "/api/payments/publication/{village}/{month}/publish", [PaymentRead, CaseHandle], true),
    ]
}

pub(super) struct Fixture {
    household: i64,
    spouse: i64,
    version: i64,
    /// A verification result of the household with a finding (the head's
    /// death), and an objection to it awaiting re-check.
    result: i64,
    objection: i64,
    run: i64,
    /// A 低保 case of the household in its public notice, with a referral.
    case: i64,
    case_version: i64,
    referral: i64,
    pub(super) notice: i64,
    /// An incomplete 特困 case and its one-time notice.
    doc_case: i64,
    document: i64,
    /// A user of township 340102001 and their API token.
    user: i64,
    token: i64,
    /// A queued verification run job of village 340102001001.
    job: i64,
    /// A draft payment roll of township 340102001 prepared by the system,
    /// with a line to pay, and its version.
    roll: i64,
    roll_version: i64,
    /// A failed payment to correct of township 340102001 (王桂兰's 特困
    /// in October's 特困 roll, returned failed by the bank).
    correction: i64,
    /// The household's payee account.
    payee_account: i64,
    /// A recovery of 1,000元 overpaid to the household in September 2025.
    recovery: i64,
}

pub(super) async fn fixture_ids(app: &TestApp) -> Fixture {
    let system = Actor::system();
    let page = registry::search_households(
        &app.db,
        &system,
        now(),
        &registry::HouseholdQuery { text: "SF-0001".into(), ..Default::default() },
    )
    .await
    .unwrap();
    let household = page.rows[0].id;
    let detail = registry::household_detail(&app.db, &system, household, now(), true).await.unwrap();
    let meta = v::DeliveryMeta {
        kind: jiuzhu_domain::dataset::DatasetKind::Death,
        department: "殡葬".into(),
        as_of: chrono::NaiveDate::from_ymd_opt(2025, 10, 1).unwrap(),
        file_name: "death.csv".into(),
    };
    v::import_delivery(&app.db, &system, now(), meta, "身份证号,死亡日期\n340102195803120137,2025-09-01\n".as_bytes())
        .await
        .unwrap();
    let run = v::run_verification(&app.db, &system, now(), v::Selection::Household(household), &mut |_, _| {})
        .await
        .unwrap()
        .run_id;
    let village = jiuzhu_domain::RegionCode::parse("340102001001").unwrap();
    let job = jiuzhu_app::job::start_verification_run(&app.db, &system, now(), Some(village)).await.unwrap().id;
    let result = v::household_results(&app.db, &system, now(), household).await.unwrap()[0].id;
    let form = v::ObjectionForm { rule: "deceased".into(), reason: "本人健在".into(), evidence: String::new() };
    let objection = v::lodge_objection(&app.db, &system, now(), result, form).await.unwrap();

    let application = case::ApplicationForm {
        household_id: household,
        kinds: vec!["dibao".into()],
        area: "urban".into(),
        provided: jiuzhu_domain::assistance::Material::ALL.iter().map(|m| m.code().to_string()).collect(),
        needs: vec!["medical".into()],
        ..Default::default()
    };
    // The township's window and investigation, by a township clerk.
    let clerk = Actor::user(9, "fixture-clerk", &[Role::TownshipClerk], jiuzhu_app::Scope::All);
    let created = case::submit_application(&app.db, &clerk, now(), &application).await.unwrap();
    let mut view = case::case_detail(&app.db, &clerk, now(), created.case_ids[0]).await.unwrap();
    for (action, approve) in [
        ("start_investigation", false),
        ("request_verification", false),
        ("attach_verification", false),
        ("record_survey", false),
        ("give_opinion", true),
    ] {
        let form: case::ActionForm = serde_json::from_value(serde_json::json!({
            "action": action, "version": view.version, "approve": approve,
            "investigators": "甲、乙", "family_signatures": "张建国",
        }))
        .unwrap();
        view = case::act_form(&app.db, &clerk, now(), view.id, &form, vec![]).await.unwrap();
    }
    assert_eq!(view.stage, "notice");
    let (_, notices) =
        notice_board::public_notices(&app.db, now(), &jiuzhu_domain::RegionCode::parse("340102001001").unwrap())
            .await
            .unwrap();
    let tekun = case::ApplicationForm { kinds: vec!["tekun".into()], provided: vec![], needs: vec![], ..application };
    let incomplete = case::submit_application(&app.db, &system, now(), &tekun).await.unwrap();
    let form = auth::UserForm {
        login: "fixture-user".into(),
        display_name: "甲".into(),
        region_code: "340102001".into(),
        roles: vec![Role::TownshipClerk.code().to_string()],
        ..Default::default()
    };
    let user = auth::create_user(&app.db, &system, now(), &form, PASSWORD, false).await.unwrap();
    let token_form = auth::TokenForm { name: "报表".into(), days: None };
    let token = auth::create_api_token(&app.db, &system, now(), auth::Via::Session, user, &token_form, "fixture-token")
        .await
        .unwrap()
        .view
        .id;
    let account = jiuzhu_app::payee::AccountForm {
        holder: "head".into(),
        bank: "农业银行城关支行".into(),
        account_name: "张建国".into(),
        account_number: "6217001234567890122".into(),
        ..Default::default()
    };
    let payee_account =
        jiuzhu_app::payee::set_account(&app.db, &system, household, &account, now()).await.unwrap().account_id;
    // 王桂兰's account; October's 特困 roll approved, exported and returned
    // failed by the bank: a correction of the township.
    let widow = app.household_id("SF-0002").await;
    let widow_account = jiuzhu_app::payee::AccountForm {
        holder: "head".into(),
        bank: "农业银行城关支行".into(),
        account_name: "王桂兰".into(),
        account_number: "6228480012345678907".into(),
        ..Default::default()
    };
    jiuzhu_app::payee::set_account(&app.db, &system, widow, &widow_account, now()).await.unwrap();
    let tekun_ask = jiuzhu_app::payment::roll::GenerateRoll {
        month: jiuzhu_domain::entitlement::YearMonth::parse("2025-10").unwrap(),
        region: Some(jiuzhu_domain::RegionCode::parse("340102001").unwrap()),
        group: jiuzhu_domain::payment::roll::ProgramGroup::Tekun,
        kind: jiuzhu_domain::payment::roll::RollKind::Regular,
    };
    let tekun = jiuzhu_app::payment::roll::generate(&app.db, &system, now(), tekun_ask).await.unwrap();
    let approver = Actor::user(8, "fixture-approver", &[Role::CountyApprover], jiuzhu_app::Scope::All);
    jiuzhu_app::payment::roll::approve(&app.db, &approver, now(), tekun.id, tekun.version).await.unwrap();
    let file = jiuzhu_app::payment::export::export_file(&app.db, &system, now(), tekun.id).await.unwrap();
    let returned = super::payment_bank::every_line_failed(&file.bytes, "账户已销户");
    let done = jiuzhu_app::payment::returns::import_return(&app.db, &system, now(), tekun.id, "回盘.csv", &returned)
        .await
        .unwrap();
    let correction = done.corrections[0];
    // The household's account, then October's draft roll of its township.
    let roll_account = jiuzhu_app::payee::AccountForm {
        holder: "head".into(),
        bank: "工商银行城关支行".into(),
        account_name: "张建国".into(),
        account_number: "6222020012345678901".into(),
        ..Default::default()
    };
    jiuzhu_app::payee::set_account(&app.db, &system, household, &roll_account, now()).await.unwrap();
    let roll_ask = jiuzhu_app::payment::roll::GenerateRoll {
        month: jiuzhu_domain::entitlement::YearMonth::parse("2025-10").unwrap(),
        region: Some(jiuzhu_domain::RegionCode::parse("340102001").unwrap()),
        group: jiuzhu_domain::payment::roll::ProgramGroup::All,
        kind: jiuzhu_domain::payment::roll::RollKind::Regular,
    };
    let roll = jiuzhu_app::payment::roll::generate(&app.db, &system, now(), roll_ask).await.unwrap();
    assert!(roll.lines > 0);
    let recovery = {
        use jiuzhu_domain::payment::recovery::{Overpaid, RecoveryCause};
        use jiuzhu_domain::payment::roll::{Payee, PayeeKey};
        let september = jiuzhu_domain::entitlement::YearMonth::parse("2025-09").unwrap();
        let record = store::payment_recovery::NewRecovery {
            household_id: household,
            person_id: None,
            key: PayeeKey { payee: Payee::Household(household), program: jiuzhu_domain::Program::Dibao },
            region: "340102001001".into(),
            cause: RecoveryCause::Death,
            cause_note: "户主死亡".into(),
            debtor_name: "李秀英".into(),
            months: vec![Overpaid { month: september, paid: jiuzhu_domain::Fen(100_000), owed: jiuzhu_domain::Fen(0) }],
            amount: jiuzhu_domain::Fen(100_000),
            recorded_by: "system".into(),
        };
        let mut tx = app.db.begin().await.unwrap();
        let id = store::payment_recovery::insert_recovery(&mut tx, &record, now()).await.unwrap();
        tx.commit().await.unwrap();
        id
    };
    Fixture {
        household,
        spouse: detail.members[1].id,
        version: detail.household.version,
        result,
        objection,
        run,
        case: view.id,
        case_version: view.version,
        referral: view.referrals[0].id,
        notice: notices[0].id,
        doc_case: incomplete.case_ids[0],
        document: incomplete.one_time_notice.unwrap(),
        user,
        token,
        job,
        roll: roll.id,
        roll_version: roll.version,
        correction,
        payee_account,
        recovery,
    }
}

fn request(case: &Case, f: &Fixture, token: &str) -> Request<Body> {
    let id = if case.path.starts_with("/api/cases/{id}/documents") {
        f.doc_case
    } else if case.path.starts_with("/api/cases/") {
        f.case
    } else if case.path.starts_with("/api/members") {
        f.spouse
    } else if case.path.starts_with("/api/verification/results") {
        f.result
    } else if case.path.starts_with("/api/verification/runs/") {
        f.run
    } else if case.path.starts_with("/api/jobs/") {
        f.job
    } else if case.path.starts_with("/api/tokens/") {
        f.token
    } else if case.path.starts_with("/api/users/") {
        f.user
    } else if case.path.starts_with("/api/payments/rolls/") {
        f.roll
    } else if case.path.starts_with("/api/payments/corrections/") {
        f.correction
    } else if case.path.starts_with("/api/payments/payees/accounts/") {
        f.payee_account
    } else if case.path.starts_with("/api/payments/recoveries/") {
        f.recovery
    } else {
        f.household
    };
    let path = case
        .path
        .replace("{id}", &id.to_string())
        .replace("{objection}", &f.objection.to_string())
        .replace("{id_number}", "340102196005210247")
        .replace("{doc}", &f.document.to_string())
        .replace("{referral}", &f.referral.to_string())
        .replace("{village}", "340102001001")
        .replace("{notice}", &f.notice.to_string())
        .replace("{month}", "2025-10");
    let path = match case.path {
        "/api/export.xlsx" => format!("{path}?region=340102001"),
        "/api/payments/households/{id}/statement" => format!("{path}?year=2025"),
        "/api/payments/publication" => format!("{path}?month=2025-10"),
        "/api/payments/layout" => format!("{path}?region=340102001"),
        "/api/payments/recoveries/overpayments" => format!("{path}?household={}", f.household),
        _ => path,
    };
    let body = match (case.method.clone(), case.path) {
        (Method::POST, "/api/households") => serde_json::json!({
            "household": {"external_id": "M-1", "region_code": "340102001001"},
            "head": {"id_number": "110105500101001", "name": "新户主", "relation": "head", "co_residing": true}
        })
        .to_string(),
        (Method::PUT, "/api/households/{id}") => serde_json::json!({
            "version": f.version,
            "household": {"external_id": "SF-0001", "region_code": "340102001001", "address": "新址", "program": "dibao"}
        })
        .to_string(),
        (Method::POST, "/api/households/{id}/members") => {
            serde_json::json!({"id_number": "110105800101003", "name": "新成员", "relation": "child", "co_residing": true})
                .to_string()
        }
        (Method::PUT, "/api/members/{id}") => {
            serde_json::json!({"version": 1, "member": {"id_number": "340102196005210247", "name": "李秀英", "relation": "spouse", "co_residing": false}})
                .to_string()
        }
        (Method::POST, "/api/members/{id}/move") => {
            serde_json::json!({"target_external_id": "SF-0002", "relation": "other"}).to_string()
        }
        (Method::POST, "/api/verification/runs") => serde_json::json!({"region": "340102001"}).to_string(),
        (Method::POST, "/api/verification/results/{id}/objections") => {
            serde_json::json!({"rule": "deceased", "reason": "本人健在", "evidence": "户籍证明"}).to_string()
        }
        (Method::PUT, "/api/verification/results/{id}/objections/{objection}") => {
            serde_json::json!({"outcome": "upheld", "note": "核实本人健在"}).to_string()
        }
        (Method::POST, "/api/applications") => serde_json::json!({
            "household_id": f.household, "kinds": ["temp_expense"], "area": "urban",
            "cause": "medical_expense", "requested_yuan": "1000"
        })
        .to_string(),
        (Method::POST, "/api/cases/{id}/actions") => {
            serde_json::json!({"action": "suspend", "version": f.case_version, "reason": "等待申请人补充说明"}).to_string()
        }
        (Method::PUT, "/api/cases/{id}/referrals/{referral}") => {
            serde_json::json!({"status": "received", "note": "医保局已接收"}).to_string()
        }
        (Method::POST, "/api/assistance-policies") => serde_json::json!({
            "region_code": "340102001", "effective_from": "2025-01-01", "patch": {"dibao_urban": 85000}
        })
        .to_string(),
        (Method::POST, "/api/staff-relatives") => serde_json::json!({
            "staff_name": "张某", "staff_post": "乡镇经办", "region_code": "340102001",
            "relative_id_number": "340102198511090355", "relative_name": "张伟", "relation": "兄弟"
        })
        .to_string(),
        (Method::POST, "/api/payments/payees/households/{id}/accounts") => serde_json::json!({
            "holder": "head", "bank": "农业银行城关支行", "account_name": "张建国", "account_number": "6228480012345678"
        })
        .to_string(),
        (Method::POST, "/api/payments/payees/institutions") => serde_json::json!({
            "region_code": "340102001", "name": "城关镇敬老院", "account_name": "城关镇敬老院",
            "bank": "农业银行城关支行", "account_number": "120000123456789"
        })
        .to_string(),
        (Method::POST, "/api/payments/rolls") => {
            serde_json::json!({"month": "2025-11", "region": "340102001000", "group": "all"}).to_string()
        }
        (Method::POST, "/api/payments/rolls/{id}/approve") => serde_json::json!({"version": f.roll_version}).to_string(),
        (Method::POST, "/api/payments/layout") => serde_json::json!({
            "name": "城关镇代发格式", "format": "csv", "encoding": "gbk", "header": true, "trailer": true,
            "columns": [{"field": "seq", "title": "序号"}, {"field": "name", "title": "姓名"},
                {"field": "id_number", "title": "身份证号"}, {"field": "account", "title": "账号"},
                {"field": "amount", "title": "金额"}, {"field": "result", "title": "处理结果"}]
        })
        .to_string(),
        (Method::POST, "/api/payments/recoveries") => {
            serde_json::json!({"household_id": f.household, "program": "dibao", "cause_note": "户主死亡"}).to_string()
        }
        (Method::POST, "/api/payments/recoveries/{id}/settlements") => {
            serde_json::json!({"kind": "repaid", "amount_yuan": "100.00", "note": "收据 1", "version": 1}).to_string()
        }
        (Method::PUT, "/api/calendar") => "2027-01-01,holiday,元旦\n".to_string(),
        (Method::POST, "/api/tokens") => serde_json::json!({"name": "矩阵", "days": 30}).to_string(),
        (Method::POST, "/api/public/notices/{village}/{notice}/objections") => {
            serde_json::json!({"text": "情况不实", "contact": ""}).to_string()
        }
        (Method::POST, "/api/verification/deliveries") => {
            return Request::post(format!("{path}?kind=vehicle&as_of=2025-10-01"))
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .body(Body::from("身份证号,车辆类型\n340102195803120137,小型轿车\n"))
                .unwrap();
        }
        (Method::POST, "/api/import") => {
            return Request::post(path)
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .body(Body::from("户编号,区划代码,身份证号,姓名,与户主关系\nM-2,340102001002,110105600101002,新导入,户主\n"))
                .unwrap();
        }
        _ => String::new(),
    };
    Request::builder()
        .method(case.method.clone())
        .uri(path)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body))
        .unwrap()
}

async fn store_user(app: &TestApp, id: i64) -> store::UserRecord {
    let mut tx = app.db.begin().await.unwrap();
    store::get_user(&mut tx, id).await.unwrap().unwrap()
}

async fn denied_count(app: &TestApp) -> usize {
    let mut tx = app.db.begin().await.unwrap();
    let filter = AuditFilter { outcome: Some(Outcome::Denied), limit: 10_000, ..Default::default() };
    store::search_audit(&mut tx, &filter).await.unwrap().len()
}

#[tokio::test]
async fn every_role_in_every_region_gets_exactly_its_rights() {
    let mut failures = Vec::new();
    for role in Role::ALL {
        for placement in [Placement::Own, Placement::Sibling, Placement::Parent] {
            for case in cases() {
                // A fresh registry per cell, so no cell depends on another.
                let app = TestApp::sqlite().await;
                assert_eq!(app.import_fixture("roster_utf8.csv").await.status, StatusCode::OK);
                let login = format!("u{}{:?}", role.code(), placement).to_lowercase();
                let form = auth::UserForm {
                    login: login.clone(),
                    display_name: login.clone(),
                    region_code: placement.region().into(),
                    roles: vec![role.code().to_string()],
                    ..Default::default()
                };
                let user = auth::create_user(&app.db, &Actor::system(), now(), &form, PASSWORD, false).await.unwrap();
                let actor = auth::actor_of(&store_user(&app, user).await, "ip");
                let token_form = auth::TokenForm { name: "matrix".into(), days: None };
                auth::create_api_token(
                    &app.db,
                    &actor,
                    now(),
                    auth::Via::Session,
                    user,
                    &token_form,
                    &format!("token-{user}"),
                )
                .await
                .unwrap();
                let f = fixture_ids(&app).await;
                let before = denied_count(&app).await;

                let reply = app.send_raw(request(&case, &f, &format!("token-{user}"))).await;
                let permitted = !case.session_only
                    && case.permission.is_none_or(|p| role.grants(p))
                    && case.also.is_none_or(|p| role.grants(p));
                let reaches = !case.scoped || placement != Placement::Sibling;
                let expected = match (permitted, reaches) {
                    (false, _) => "forbidden",
                    (true, false) => "not found",
                    (true, true) => "allowed",
                };
                let got = match reply.status {
                    StatusCode::FORBIDDEN => "forbidden",
                    StatusCode::NOT_FOUND => "not found",
                    s if s.is_success() => "allowed",
                    // An import into a region outside the scope is refused
                    // as a bad file: the region does not exist for them.
                    StatusCode::UNPROCESSABLE_ENTITY if case.path == "/api/import" => "not found",
                    // The fixture's roll is a draft: its export and return
                    // pass the permission and the scope and meet the rule
                    // that the roll be approved (or exported); a village
                    // with nothing paid that month cannot be published; the
                    // fixture's household has nothing overpaid to record.
                    StatusCode::CONFLICT
                        if case.path == "/api/payments/rolls/{id}/export"
                            || case.path == "/api/payments/rolls/{id}/returns"
                            || case.path == "/api/payments/publication/{village}/{month}/publish"
                            || (case.path == "/api/payments/recoveries" && case.method == Method::POST) =>
                    {
                        "allowed"
                    }
                    s => {
                        failures.push(format!(
                            "{role:?} {placement:?} {} {}: {s} {}",
                            case.method,
                            case.path,
                            reply.text()
                        ));
                        continue;
                    }
                };
                if got != expected {
                    failures.push(format!(
                        "{role:?} {placement:?} {} {}: expected {expected}, got {got}",
                        case.method, case.path
                    ));
                }
                let should_audit = expected == "forbidden" || (expected == "not found" && case.path != "/api/import");
                if should_audit && denied_count(&app).await <= before {
                    {
                        failures
                            .push(format!("{role:?} {placement:?} {} {}: denial not audited", case.method, case.path));
                    }
                }
                // Lists never show what lies outside the scope.
                if case.method == Method::GET && case.path == "/api/households" && got == "allowed" {
                    let shown = reply.text().contains("SF-0001");
                    if shown != (placement != Placement::Sibling) {
                        failures
                            .push(format!("{role:?} {placement:?}: list shows SF-0001 = {shown}: {}", reply.text()));
                    }
                }
                if case.path == "/api/export.xlsx" && got == "allowed" {
                    let roster = jiuzhu_files::parse_roster(&reply.body).unwrap();
                    let shown = roster.households.iter().any(|h| h.fields.external_id == "SF-0001");
                    if shown != (placement != Placement::Sibling) {
                        failures.push(format!("{role:?} {placement:?}: export has SF-0001 = {shown}"));
                    }
                }
            }
        }
    }
    assert!(failures.is_empty(), "{} cells differ:\n{}", failures.len(), failures.join("\n"));
}

/// Every route of the API is a row of the matrix.
#[tokio::test]
async fn the_matrix_covers_every_api_route() {
    let app = TestApp::sqlite().await;
    let doc = app.get("/api/openapi.json").await.json();
    let covered: Vec<(String, String)> =
        cases().iter().map(|c| (c.method.as_str().to_lowercase(), c.path.to_string())).collect();
    let mut missing = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            if !covered.contains(&(method.clone(), path.clone())) {
                missing.push(format!("{method} {path}"));
            }
        }
    }
    assert!(missing.is_empty(), "routes without an access-matrix row: {missing:?}");
    assert_eq!(
        covered.len(),
        doc["paths"].as_object().unwrap().values().map(|v| v.as_object().unwrap().len()).sum::<usize>()
    );
}

/// Pages use the same use cases; spot-check that they answer like the API.
#[tokio::test]
async fn pages_hide_other_townships() {
    let mut app = TestApp::sqlite().await;
    app.import_fixture("roster_utf8.csv").await;
    let f = fixture_ids(&app).await;
    app.sign_in_as("sibling", &[Role::TownshipClerk], "340102002").await;
    assert_eq!(app.get(&format!("/households/{}", f.household)).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get(&format!("/households/{}/edit", f.household)).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get(&format!("/members/{}/edit", f.spouse)).await.status, StatusCode::NOT_FOUND);
    let list = app.get("/households").await.text();
    assert!(list.contains("SF-0003") && !list.contains("SF-0001"));
    app.sign_in_as("villager", &[Role::VillageAssistant], "340102001001").await;
    assert_eq!(app.get(&format!("/households/{}", f.household)).await.status, StatusCode::OK);
    assert_eq!(app.get(&format!("/households/{}/edit", f.household)).await.status, StatusCode::FORBIDDEN);
    let reveal = app.get(&format!("/households/{}?reveal=1", f.household)).await;
    assert_eq!(reveal.status, StatusCode::FORBIDDEN, "village assistants cannot reveal ID numbers");
}
