//! HTTP tests through the router, in process: pages, the JSON API, the
//! OpenAPI document, and the message catalogue's coverage of templates.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use chrono::{TimeZone, Utc};
use jiuzhu_app::{Actor, auth, registry};
use jiuzhu_domain::Role;
use jiuzhu_store::Db;
use tower::ServiceExt;

#[path = "http/access_matrix.rs"]
mod access_matrix;
#[path = "http/calendar.rs"]
mod calendar;
#[path = "http/concurrency.rs"]
mod concurrency;
#[path = "http/credentials.rs"]
mod credentials;
#[path = "http/entitlements.rs"]
mod entitlements;
#[path = "http/jobs.rs"]
mod jobs;
#[path = "http/no_codes.rs"]
mod no_codes;
#[path = "http/payee.rs"]
mod payee;
#[path = "http/payment.rs"]
mod payment;
#[path = "http/payment_bank.rs"]
mod payment_bank;
#[path = "http/payment_layout.rs"]
mod payment_layout;
#[path = "http/payment_overview.rs"]
mod payment_overview;
#[path = "http/payment_publication.rs"]
mod payment_publication;
#[path = "http/payment_recovery.rs"]
mod payment_recovery;
#[path = "http/policy.rs"]
mod policy;
#[path = "http/privacy_scan.rs"]
mod privacy_scan;
#[path = "http/registry_edits.rs"]
mod registry_edits;
#[path = "http/security.rs"]
mod security;
#[path = "http/uploads.rs"]
mod uploads;

struct TestApp {
    db: Db,
    router: Router,
    /// The session cookie and CSRF token sent with every request.
    session: Option<(String, String)>,
}

const PASSWORD: &str = "Qinghe-2025x";

fn now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 10, 31, 1, 30, 0).unwrap()
}

struct Reply {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: Vec<u8>,
}

impl Reply {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|_| panic!("not JSON: {}", self.text()))
    }
}

impl TestApp {
    async fn new(db: Db) -> TestApp {
        registry::upsert_regions(&db, &Actor::system(), now(), &jiuzhu_testkit::sample_regions()).await.unwrap();
        let router = jiuzhu_web::router(jiuzhu_web::AppState::new(db.clone(), Arc::new(now)));
        let mut app = TestApp { db, router, session: None };
        app.sign_in_as("clerk", &[Role::CountyClerk], "340102").await;
        app
    }

    /// Creates a user and signs in as them for the following requests.
    async fn sign_in_as(&mut self, login: &str, roles: &[Role], region: &str) {
        let form = auth::UserForm {
            login: login.into(),
            display_name: format!("{login}姓名"),
            region_code: region.into(),
            roles: roles.iter().map(|r| r.code().to_string()).collect(),
            ..Default::default()
        };
        auth::create_user(&self.db, &Actor::system(), now(), &form, PASSWORD, false).await.unwrap();
        let token = format!("session-{login}");
        let csrf = format!("csrf-{login}");
        auth::login(&self.db, now(), login, PASSWORD, "127.0.0.1", &token, &csrf).await.unwrap().unwrap();
        self.session = Some((token, csrf));
    }

    async fn sqlite() -> TestApp {
        TestApp::new(jiuzhu_testkit::sqlite().await).await
    }

    /// Sends a request as the signed-in user (session cookie and CSRF token).
    async fn send(&self, mut request: Request<Body>) -> Reply {
        if let Some((token, csrf)) = &self.session {
            let headers = request.headers_mut();
            if !headers.contains_key(header::COOKIE) {
                headers.insert(header::COOKIE, format!("jz_session={token}").parse().unwrap());
            }
            if !headers.contains_key("x-csrf-token") {
                headers.insert("x-csrf-token", csrf.parse().unwrap());
            }
        }
        self.send_raw(request).await
    }

    /// Sends a request exactly as given.
    async fn send_raw(&self, request: Request<Body>) -> Reply {
        let res = self.router.clone().oneshot(request).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let body = axum::body::to_bytes(res.into_body(), usize::MAX).await.unwrap().to_vec();
        Reply { status, headers, body }
    }

    async fn get(&self, uri: &str) -> Reply {
        self.send(Request::get(uri).body(Body::empty()).unwrap()).await
    }

    async fn get_with(&self, uri: &str, name: &str, value: &str) -> Reply {
        self.send(Request::get(uri).header(name, value).body(Body::empty()).unwrap()).await
    }

    async fn post_json(&self, uri: &str, body: serde_json::Value) -> Reply {
        let req = Request::post(uri)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .unwrap();
        self.send(req).await
    }

    async fn post_form(&self, uri: &str, body: &str) -> Reply {
        let req = Request::post(uri)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body.to_string()))
            .unwrap();
        self.send(req).await
    }

    async fn upload(&self, uri: &str, file_name: &str, bytes: &[u8]) -> Reply {
        let boundary = "jiuzhu-boundary";
        let mut body = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
        )
        .into_bytes();
        body.extend_from_slice(bytes);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let req = Request::post(uri)
            .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={boundary}"))
            .body(Body::from(body))
            .unwrap();
        self.send(req).await
    }

    async fn import_fixture(&self, name: &str) -> Reply {
        let req = Request::post("/api/import").body(Body::from(fixture(name))).unwrap();
        self.send(req).await
    }

    async fn household_id(&self, external_id: &str) -> i64 {
        let page = self.get(&format!("/api/households?q={external_id}")).await.json();
        page["rows"][0]["id"].as_i64().unwrap()
    }
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/../files/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

#[tokio::test]
async fn household_list_in_chinese_by_default_and_english_on_request() {
    let app = TestApp::sqlite().await;
    app.import_fixture("roster_utf8.csv").await;
    let page = app.get("/households").await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    assert!(html.contains("<html lang=\"zh-CN\">"));
    assert!(html.contains("家庭花名册") && html.contains("张建国") && html.contains("1,360.00元"));
    assert!(html.contains("3401**********0137"), "ID numbers are masked in lists");
    assert!(html.contains("共3户"));

    let english = app.get_with("/households", "cookie", "lang=en; jz_session=session-clerk").await.text();
    assert!(
        english.contains("<html lang=\"en\">") && english.contains("Household roster") && english.contains("Dibao")
    );

    let switch = Request::get("/lang/en").header("referer", "http://localhost/households?region=340102");
    let switch = app.send(switch.header(header::HOST, "localhost").body(Body::empty()).unwrap()).await;
    assert_eq!(switch.status, StatusCode::SEE_OTHER);
    assert_eq!(switch.headers[header::LOCATION], "/households?region=340102");
    assert!(switch.headers[header::SET_COOKIE].to_str().unwrap().starts_with("lang=en"));
}

#[tokio::test]
async fn filters_narrow_the_list_and_htmx_gets_only_the_results() {
    let app = TestApp::sqlite().await;
    app.import_fixture("roster_gbk.csv").await;
    let html = app.get("/households?region=340102002").await.text();
    assert!(html.contains("赵大勇") && !html.contains("张建国"));
    assert!(html.contains("共1户"));
    let html = app.get("/households?q=wgl").await.text();
    assert!(html.contains("王桂兰") && !html.contains("赵大勇"));
    let html = app.get("/households?program=tekun").await.text();
    assert!(html.contains("王桂兰") && !html.contains("赵大勇"));
    let partial = app.get_with("/households?region=340102001", "HX-Request", "true").await.text();
    assert!(!partial.contains("<html") && partial.contains("household-table") && partial.contains("张建国"));
}

#[tokio::test]
async fn household_page_shows_members_and_history_and_missing_is_404() {
    let app = TestApp::sqlite().await;
    app.import_fixture("roster.xlsx").await;
    let id = app.household_id("SF-0001").await;
    let html = app.get(&format!("/households/{id}")).await.text();
    assert!(html.contains("李秀英") && html.contains("3401**********0247"), "IDs masked by default");
    assert!(!html.contains("340102196005210247"));
    let revealed = app.get(&format!("/households/{id}?reveal=1")).await.text();
    assert!(revealed.contains("340102196005210247"), "revealed on request");
    assert!(html.contains("1960年5月21日") && html.contains("肢体") && html.contains("2级"));
    assert!(html.contains("花名册导入") && html.contains("2025年10月31日 09:30"));
    let missing = app.get("/households/999999").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing.text().contains("未找到该记录"));
}

#[tokio::test]
async fn forms_create_edit_and_report_errors_in_chinese() {
    let app = TestApp::sqlite().await;
    let form = "external_id=N-1&region_code=340102001001&address=%E4%B8%9C%E6%9D%91&phone=&program=dibao&monthly_benefit_yuan=680\
                &name=%E5%BC%A0%E4%B8%89&id_number=11010519491231002x&co_residing=true";
    let created = app.post_form("/households", form).await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.text());
    let location = created.headers[header::LOCATION].to_str().unwrap().to_string();
    let html = app.get(&location).await.text();
    assert!(html.contains("张三") && html.contains("1101**********002X"));

    let bad = app.post_form(&format!("{location}/members"), "name=&id_number=3.40102194E%2B17&relation=child").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let text = bad.text();
    assert!(text.contains("科学计数法") && text.contains("姓名不正确"), "{text}");

    let edit = app
        .post_form(&format!("{location}/edit"), "version=1&external_id=N-1&region_code=340102001001&program=tekun")
        .await;
    assert_eq!(edit.status, StatusCode::SEE_OTHER);
    let stale = app
        .post_form(&format!("{location}/edit"), "version=1&external_id=N-1&region_code=340102001001&program=dibao")
        .await;
    assert_eq!(stale.status, StatusCode::UNPROCESSABLE_ENTITY, "a stale edit is shown again, not saved");
    assert!(stale.text().contains("数据已被他人修改"));
    let html = app.get(&location).await.text();
    assert!(html.contains("救助类别：低保 → 特困"), "history shows the change");
}

#[tokio::test]
async fn a_bad_roster_upload_lists_every_problem_and_changes_nothing() {
    let app = TestApp::sqlite().await;
    app.import_fixture("roster_utf8.csv").await;
    let before = registry::export_households(&app.db, &Actor::system(), now(), None).await.unwrap();
    let reply = app.upload("/import", "roster_bad.csv", &fixture("roster_bad.csv")).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = reply.text();
    assert!(html.contains("发现 5 处问题，数据库未作任何改动"), "{html}");
    for expected in [
        "缺少必填列“姓名（name）”",
        "校验位错误",
        "科学计数法",
        "末三位变成了000",
        "同时出现在户 SF-0001 和户 SF-0003 中",
    ] {
        assert!(html.contains(expected), "missing {expected}");
    }
    assert!(html.contains("C列（身份证号）"));
    assert_eq!(registry::export_households(&app.db, &Actor::system(), now(), None).await.unwrap(), before);

    let ok = app.upload("/import", "roster.xlsx", &fixture("roster.xlsx")).await;
    assert_eq!(ok.status, StatusCode::OK);
    assert!(ok.text().contains("新增 0 户，更新 0 户，未变化 3 户"));
}

#[tokio::test]
async fn api_import_is_idempotent_and_reports_problems_as_json() {
    let app = TestApp::sqlite().await;
    let first = app.import_fixture("roster_gbk.csv").await.json();
    assert_eq!((first["created"].as_i64(), first["format"].as_str()), (Some(3), Some("csv/gb18030")));
    let second = app.import_fixture("roster_utf8.csv").await.json();
    assert_eq!((second["created"].as_i64(), second["unchanged"].as_i64()), (Some(0), Some(3)));
    let bad = app.import_fixture("roster_bad.csv").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let body = bad.json();
    assert_eq!(body["error"], "rejected");
    let codes: Vec<&str> = body["problems"].as_array().unwrap().iter().map(|p| p["code"].as_str().unwrap()).collect();
    assert_eq!(
        codes,
        [
            "import.error.missing_column",
            "id.error.check_digit",
            "id.error.scientific",
            "id.error.truncated",
            "import.error.duplicate_person"
        ]
    );
    assert_eq!(body["problems"][1]["field"], "第3行 C列（身份证号）");
}

#[tokio::test]
async fn api_registry_round_trip() {
    let app = TestApp::sqlite().await;
    let invalid = app
        .post_json(
            "/api/households",
            serde_json::json!({"household": {"external_id": "A-1", "region_code": "x"}, "head": {"id_number": "123"}}),
        )
        .await;
    assert_eq!(invalid.status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<String> = invalid.json()["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["field"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(fields, ["region_code"]);

    let body = serde_json::json!({
        "household": {"external_id": "A-1", "region_code": "340102001001", "program": "dibao", "monthly_benefit_yuan": "680"},
        "head": {"id_number": "11010519491231002X", "name": "张三", "relation": "head", "co_residing": true}
    });
    let created = app.post_json("/api/households", body.clone()).await;
    assert_eq!(created.status, StatusCode::CREATED);
    let id = created.json()["id"].as_i64().unwrap();
    let conflict = app.post_json("/api/households", body).await;
    assert_eq!(conflict.status, StatusCode::CONFLICT);

    let member =
        serde_json::json!({"id_number": "110105500101001", "name": "李芳", "relation": "spouse", "co_residing": true});
    assert_eq!(app.post_json(&format!("/api/households/{id}/members"), member).await.status, StatusCode::CREATED);
    let person = app.get_with("/api/persons/110105500101001", "accept-language", "en").await.json();
    assert_eq!(
        (person["name"].as_str(), person["sex"].as_str(), person["age"].as_i64()),
        (Some("李芳"), Some("male"), Some(75))
    );
    let bad_id = app.get_with("/api/persons/3.4E+17", "accept-language", "en").await;
    assert_eq!(bad_id.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad_id.json()["problems"][0]["message"].as_str().unwrap().contains("scientific notation"));

    let detail = app.get(&format!("/api/households/{id}")).await.json();
    insta::assert_json_snapshot!("household_detail", detail);
}

#[tokio::test]
async fn export_opens_back_as_the_same_roster() {
    let app = TestApp::sqlite().await;
    app.import_fixture("roster_utf8.csv").await;
    let reply = app.get("/export.xlsx?region=340102001").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.headers[header::CONTENT_TYPE].to_str().unwrap().contains("spreadsheetml"));
    let roster = jiuzhu_files::parse_roster(&reply.body).unwrap();
    assert_eq!(
        roster.households.iter().map(|h| h.fields.external_id.as_str()).collect::<Vec<_>>(),
        ["SF-0001", "SF-0002"]
    );
}

#[tokio::test]
async fn openapi_document_and_explorer_are_served() {
    let app = TestApp::sqlite().await;
    let doc = app.get("/api/openapi.json").await.json();
    insta::assert_json_snapshot!("openapi", doc);
    let explorer = app.get("/api/docs/").await;
    assert_eq!(explorer.status, StatusCode::OK);
    assert!(explorer.text().contains("swagger"));
    let headers = app.get("/households").await.headers;
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["x-frame-options"], "DENY");
}

#[tokio::test]
async fn the_same_pages_work_on_postgresql() {
    let app = TestApp::new(jiuzhu_testkit::postgres().await).await;
    assert_eq!(app.import_fixture("roster.xlsx").await.json()["created"].as_i64(), Some(3));
    let html = app.get("/households?region=340102001&q=%E6%9D%8E").await.text();
    assert!(html.contains("张建国") && !html.contains("赵大勇"));
    let id = app.household_id("SF-0003").await;
    assert!(app.get(&format!("/households/{id}")).await.text().contains("赵小梅"));
}

/// Every catalogue key a template uses exists, in both languages.
#[test]
fn templates_use_only_known_messages() {
    let dir = format!("{}/templates", env!("CARGO_MANIFEST_DIR"));
    let mut checked = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        for part in text.split("tr.t(\"").skip(1) {
            let key = part.split('"').next().unwrap();
            assert!(jiuzhu_domain::i18n::has_key(key), "unknown message key {key}");
            checked += 1;
        }
    }
    assert!(checked > 50, "only {checked} keys found");
}

#[tokio::test]
async fn without_a_session_pages_ask_to_sign_in_and_the_api_answers_401() {
    let mut app = TestApp::sqlite().await;
    app.session = None;
    let page = app.get("/households?region=340102").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.headers[header::LOCATION], "/login?next=/households%3Fregion%3D340102");
    let api = app.get("/api/households").await;
    assert_eq!(api.status, StatusCode::UNAUTHORIZED);
    assert_eq!(api.json()["error"], "unauthenticated");
    let forged = app.get_with("/api/households", "cookie", "jz_session=made-up").await;
    assert_eq!(forged.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn signing_in_sets_a_safe_cookie_and_signing_out_ends_the_session() {
    let mut app = TestApp::sqlite().await;
    app.session = None;
    let form = |password: &str| {
        Request::post("/login")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header("x-forwarded-proto", "https")
            .body(Body::from(format!("login=clerk&password={password}&next=/regions")))
            .unwrap()
    };
    let wrong = app.send_raw(form("nope")).await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(wrong.text().contains("登录名或密码错误"));
    let ok = app.send_raw(form(PASSWORD)).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    assert_eq!(ok.headers[header::LOCATION], "/regions");
    let cookie = ok.headers[header::SET_COOKIE].to_str().unwrap().to_string();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Secure"), "{cookie}");
    let session = cookie.split(';').next().unwrap().to_string();
    let page = app.get_with("/regions", "cookie", &session).await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    let csrf = html.split("name=\"csrf\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
    let open_redirect = app
        .send_raw(
            Request::post("/login")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(format!("login=clerk&password={PASSWORD}&next=https://evil.example")))
                .unwrap(),
        )
        .await;
    assert_eq!(open_redirect.headers[header::LOCATION], "/households", "never redirects off site");

    let logout = app
        .send_raw(
            Request::post("/logout")
                .header(header::COOKIE, &session)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(format!("csrf={csrf}")))
                .unwrap(),
        )
        .await;
    assert_eq!(logout.status, StatusCode::SEE_OTHER);
    assert!(logout.headers[header::SET_COOKIE].to_str().unwrap().contains("Max-Age=0"));
    assert_eq!(app.get_with("/regions", "cookie", &session).await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn state_changing_requests_without_the_csrf_token_are_refused() {
    let app = TestApp::sqlite().await;
    let form = "external_id=C-1&region_code=340102001001&name=%E5%BC%A0%E4%B8%89&id_number=11010519491231002x";
    let without = Request::post("/households")
        .header(header::COOKIE, "jz_session=session-clerk")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(form))
        .unwrap();
    assert_eq!(app.send_raw(without).await.status, StatusCode::FORBIDDEN);
    let wrong = Request::post("/households")
        .header(header::COOKIE, "jz_session=session-clerk")
        .header("x-csrf-token", "csrf-someone-else")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(form))
        .unwrap();
    assert_eq!(app.send_raw(wrong).await.status, StatusCode::FORBIDDEN);
    let json = Request::post("/api/households")
        .header(header::COOKIE, "jz_session=session-clerk")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from("{}"))
        .unwrap();
    assert_eq!(app.send_raw(json).await.status, StatusCode::FORBIDDEN, "the API with a session cookie needs it too");
    assert_eq!(app.get("/api/households?q=C-1").await.json()["total"], 0, "nothing was created");
    let with_field = Request::post("/households")
        .header(header::COOKIE, "jz_session=session-clerk")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(format!("{form}&csrf=csrf-clerk")))
        .unwrap();
    assert_eq!(app.send_raw(with_field).await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn auditors_search_the_log_and_administrators_manage_users() {
    let mut app = TestApp::sqlite().await;
    app.import_fixture("roster_utf8.csv").await;
    let id = app.household_id("SF-0002").await;
    app.get(&format!("/households/{id}?reveal=1")).await;
    app.sign_in_as("jijian", &[Role::Auditor], "340102").await;
    let html = app.get("/audit?login=clerk&action=sensitive_revealed").await.text();
    assert!(html.contains(&format!("household:{id}")) && html.contains("sensitive_revealed"), "{html}");
    assert!(!html.contains("roster_imported"), "filtered by action");
    // By person: everything about 王桂兰, found by her ID number.
    let by_person = app.get("/audit?target=340102194501010114").await.text();
    assert!(by_person.contains(&format!("household:{id}")), "{by_person}");
    assert!(!by_person.contains("roster_imported"));
    assert_eq!(app.get("/users").await.status, StatusCode::FORBIDDEN, "auditors do not manage users");

    app.sign_in_as("admin", &[Role::Administrator], "340102").await;
    let create = app
        .post_form(
            "/users",
            "login=li&display_name=%E6%9D%8E&region_code=340102001001&roles=village_assistant&roles=grid_worker&password=Temp-2025-abc",
        )
        .await;
    assert_eq!(create.status, StatusCode::SEE_OTHER, "{}", create.text());
    let users = app.get("/users").await.text();
    assert!(users.contains("村/社区协理员、网格员") && users.contains("待修改临时密码"));
    let weak =
        app.post_form("/users", "login=wu&display_name=wu&region_code=340102001&roles=grid_worker&password=123").await;
    assert_eq!(weak.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(weak.text().contains("密码至少需要10个字符"));
}

/// A multipart form with text fields and one file.
fn multipart(fields: &[(&str, &str)], file_name: &str, bytes: &[u8]) -> (String, Vec<u8>) {
    let boundary = "jiuzhu-boundary";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes(),
        );
    }
    body.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\n\r\n")
            .as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// The visible text of a page: the tags dropped, each a space.
fn visible(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

/// Text of a PDF through poppler's `pdftotext`, and its font table through
/// `pdffonts` (Debian `poppler-utils`, installed by `scripts/test`).
fn pdf_text_and_fonts(pdf: &[u8]) -> (String, String) {
    // One file per call: tests running at once in this process must not share one.
    static CALLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let call = CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let path = std::env::temp_dir().join(format!("jz-report-{}-{call}.pdf", std::process::id()));
    std::fs::write(&path, pdf).unwrap();
    let run = |cmd: &str, args: &[&str]| {
        let out = std::process::Command::new(cmd)
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("{cmd} is needed for PDF tests (apt-get install poppler-utils): {e}"));
        assert!(out.status.success(), "{cmd} failed: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    };
    let p = path.to_str().unwrap();
    let text = run("pdftotext", &["-layout", p, "-"]);
    let fonts = run("pdffonts", &[p]);
    std::fs::remove_file(&path).unwrap();
    (text, fonts)
}

#[tokio::test]
async fn verification_from_delivery_to_printed_report() {
    let mut app = TestApp::sqlite().await;
    app.import_fixture("roster_utf8.csv").await;
    app.sign_in_as("hedui", &[Role::VerificationOfficer], "340102").await;

    // The verification centre uploads the traffic police's file (GBK).
    let file = encoding_rs::GB18030
        .encode("身份证号,号牌号码,车辆类型,初次登记日期\n340102195803120137,皖A12345,小型轿车,2019-05-01\n3.4E+17,皖A1,小型轿车,2019-05-01\n")
        .0
        .into_owned();
    let (content_type, body) =
        multipart(&[("kind", "vehicle"), ("department", "公安交管"), ("as_of", "2025-10-01")], "机动车.csv", &file);
    let req =
        Request::post("/verification/deliveries").header(header::CONTENT_TYPE, content_type).body(Body::from(body));
    let reply = app.send(req.unwrap()).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
    let delivery = app.get(reply.headers[header::LOCATION].to_str().unwrap()).await.text();
    assert!(delivery.contains("id=\"rows-read\">2<") && delivery.contains("id=\"rows-rejected\">1<"), "{delivery}");
    assert!(delivery.contains("科学计数法"), "the rejected row says why");

    // A batch run over the county, a background job, with the chart of findings.
    let started = app.post_form("/verification/runs", "region=").await;
    assert_eq!(started.status, StatusCode::SEE_OTHER, "{}", started.text());
    let (_keep, stop) = tokio::sync::watch::channel(false);
    let worker = jiuzhu_app::job::WorkerConfig::new("test-worker");
    jiuzhu_app::job::work_one(&app.db, &worker, &now, &stop).await.unwrap();
    let run = app.get(started.headers[header::LOCATION].to_str().unwrap()).await.text();
    assert!(run.contains("核对完成：3户、6人，1户有核对发现。"), "{run}");
    assert!(run.contains("class=\"bar\"") && run.contains("拥有机动车"));
    let follow_ups = app.get("/verification/runs/1").await.text();
    assert!(follow_ups.contains("待核实家庭") && follow_ups.contains("SF-0001") && !follow_ups.contains("SF-0002"));

    // The household page lists the result; the report shows the record.
    let id = app.household_id("SF-0001").await;
    let page = app.get(&format!("/households/{id}")).await.text();
    assert!(page.contains("核对记录") && page.contains("拥有机动车"));
    let result = app.get(&format!("/api/households/{id}/verification")).await.json()[0]["id"].as_i64().unwrap();
    let report = app.get(&format!("/verification/results/{result}")).await.text();
    assert!(report.contains("家庭成员名下有1辆机动车"), "{report}");
    assert!(report.contains("机动车·第2行：张建国（3401**********0137）皖A12345，小型轿车，2019-05-01"), "{report}");
    assert!(report.contains("如对核对结果有异议，可自收到本报告之日起5个工作日内"));

    // The same report as JSON.
    let json = app.get(&format!("/api/verification/results/{result}")).await.json();
    insta::assert_json_snapshot!("verification_report", json);

    // And as a PDF in Chinese with the fonts embedded and subset.
    let pdf = app.get(&format!("/verification/results/{result}/report.pdf")).await;
    assert_eq!(pdf.status, StatusCode::OK);
    assert_eq!(pdf.headers[header::CONTENT_TYPE], "application/pdf");
    let (text, fonts) = pdf_text_and_fonts(&pdf.body);
    let cjk: Vec<&str> = fonts.lines().filter(|l| l.contains("NotoSerifCJK") || l.contains("NotoSansCJK")).collect();
    assert!(!cjk.is_empty(), "{fonts}");
    assert!(cjk.iter().all(|l| l.contains("yes yes")), "every CJK font embedded and subset: {fonts}");
    let text: Vec<String> =
        text.lines().map(|l| l.split_whitespace().collect::<Vec<_>>().join(" ")).filter(|l| !l.is_empty()).collect();
    insta::assert_snapshot!("verification_report_pdf", text.join("\n"));

    // An objection from the township, then the re-check.
    app.sign_in_as("jingban", &[Role::TownshipClerk], "340102001").await;
    let lodged = app
        .post_form(
            &format!("/verification/results/{result}/objections"),
            "rule=owns_car&reason=%E8%BD%A6%E8%BE%86%E5%B7%B2%E8%BD%AC%E8%AE%A9&evidence=",
        )
        .await;
    assert_eq!(lodged.status, StatusCode::SEE_OTHER, "{}", lodged.text());
    let missing_reason =
        app.post_form(&format!("/verification/results/{result}/objections"), "rule=owns_car&reason=").await;
    assert_eq!(missing_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    app.sign_in_as("fuhe", &[Role::VerificationOfficer], "340102").await;
    let objection =
        app.get(&format!("/api/verification/results/{result}")).await.json()["objections"][0]["id"].as_i64().unwrap();
    let decided = app
        .post_form(
            &format!("/verification/results/{result}/objections/{objection}"),
            "outcome=upheld&note=%E5%B1%9E%E5%AE%9E",
        )
        .await;
    assert_eq!(decided.status, StatusCode::SEE_OTHER, "{}", decided.text());
    let report = app.get(&format!("/verification/results/{result}")).await.text();
    assert!(
        report.contains("data-outcome=\"upheld\"") && report.contains("异议成立（发现撤销）</span>（属实）"),
        "{report}"
    );
}

/// A multipart step form: repeated fields and an optional photo.
fn step_form(fields: &[(&str, &str)], photo: Option<&[u8]>) -> (String, Vec<u8>) {
    let boundary = "jiuzhu-step";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes(),
        );
    }
    if let Some(bytes) = photo {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"photos\"; filename=\"home.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

impl TestApp {
    /// Takes one step on the case page; answers the page after the redirect.
    async fn step(&self, case: i64, action: &str, fields: &[(&str, &str)], photo: Option<&[u8]>) -> String {
        let version = self.get(&format!("/api/cases/{case}")).await.json()["version"].as_i64().unwrap().to_string();
        let mut all = vec![("action", action), ("version", version.as_str())];
        all.extend_from_slice(fields);
        let (content_type, body) = step_form(&all, photo);
        let req = Request::post(format!("/cases/{case}/act")).header(header::CONTENT_TYPE, content_type);
        let reply = self.send(req.body(Body::from(body)).unwrap()).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{action}: {}", reply.text());
        self.get(&format!("/cases/{case}")).await.text()
    }

    /// The text of a case's document, as printed (pdftotext, lines trimmed).
    async fn document_text(&self, case: i64, kind: &str) -> String {
        let docs = self.get(&format!("/api/cases/{case}")).await.json()["documents"].clone();
        let doc = docs.as_array().unwrap().iter().find(|d| d["kind"] == kind).unwrap()["id"].as_i64().unwrap();
        let pdf = self.get(&format!("/cases/{case}/documents/{doc}/pdf")).await;
        assert_eq!(pdf.headers[header::CONTENT_TYPE], "application/pdf");
        let (text, fonts) = pdf_text_and_fonts(&pdf.body);
        let cjk: Vec<&str> = fonts.lines().filter(|l| l.contains("CJK")).collect();
        assert!(!cjk.is_empty() && cjk.iter().all(|l| l.contains("yes yes")), "fonts embedded and subset: {fonts}");
        text.lines()
            .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join("\n")
    }
}

#[tokio::test]
async fn applications_through_pages_with_printed_notices_and_a_public_board() {
    use jiuzhu_domain::assistance::PolicyPatch;
    let mut app = TestApp::sqlite().await;
    app.import_fixture("roster_utf8.csv").await;
    // The county confirms without a review-stage notice; 河口镇 keeps its notice.
    let system = Actor::system();
    let code = |s: &str| jiuzhu_domain::RegionCode::parse(s).unwrap();
    let day = chrono::NaiveDate::from_ymd_opt(2025, 1, 1).unwrap();
    let county = PolicyPatch {
        dibao_urban: Some(jiuzhu_domain::Fen(80_000)),
        dibao_rural: Some(jiuzhu_domain::Fen(80_000)),
        review_notice: Some(false),
        ..Default::default()
    };
    jiuzhu_app::policy::set_assistance_policy(&app.db, &system, now(), &code("340102"), day, &county).await.unwrap();
    let hekou = PolicyPatch { review_notice: Some(true), ..Default::default() };
    jiuzhu_app::policy::set_assistance_policy(&app.db, &system, now(), &code("340102002"), day, &hekou).await.unwrap();

    // The township window takes a 低保 application without the pledge.
    app.sign_in_as("jingban", &[Role::TownshipClerk], "340102001").await;
    let household = app.household_id("SF-0001").await;
    let form = app.get(&format!("/households/{household}/apply")).await.text();
    assert!(form.contains("承诺书") && form.contains("家庭经济状况核对授权书"), "{form}");
    let provided =
        ["application_form", "id_card", "hukou", "income_declaration", "authorisation", "disability_certificate"];
    let mut body = format!("household_id={household}&kinds=dibao&area=urban&income_wage=900&needs=medical");
    for p in provided {
        body.push_str(&format!("&provided={p}"));
    }
    let reply = app.post_form("/applications", &body).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
    let location = reply.headers[header::LOCATION].to_str().unwrap().to_string();
    let case: i64 = location.trim_start_matches("/cases/").parse().unwrap();
    let page = app.get(&location).await.text();
    assert!(page.contains("材料不全（已一次性告知）") && page.contains("一次性告知书"), "{page}");
    insta::assert_snapshot!("case_one_time_notice_pdf", app.document_text(case, "one_time_notice").await);

    // Then the steps, the survey with a photo taken on the phone.
    app.step(case, "check_materials", &[("provided", "pledge")], None).await;
    for action in ["start_investigation", "request_verification", "attach_verification"] {
        app.step(case, action, &[], None).await;
    }
    let survey =
        [("investigators", "李明、王芳"), ("family_signatures", "张建国"), ("findings", "自建平房，无贵重物品")];
    let page = app.step(case, "record_survey", &survey, Some(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 1])).await;
    assert!(page.contains("/photos/1"), "{page}");
    let photo = app.get(&format!("/cases/{case}/photos/1")).await;
    assert_eq!(
        (photo.headers[header::CONTENT_TYPE].to_str().unwrap(), photo.body.as_slice()),
        ("image/jpeg", &[0xFF, 0xD8, 0xFF, 0xE0, 0, 1][..])
    );
    let household_page = app.get(&format!("/households/{household}")).await.text();
    assert!(
        household_page.contains(&format!("/cases/{case}")) && household_page.contains("调查核实"),
        "{household_page}"
    );
    let page = app.step(case, "give_opinion", &[("approve", "true")], None).await;
    assert!(page.contains("审核确认") && page.contains("1,500.00元"), "{page}");
    // The township clerk cannot approve; the county approver does.
    let (content_type, body) = step_form(&[("action", "approve"), ("version", "9")], None);
    let denied = app
        .send(
            Request::post(format!("/cases/{case}/act"))
                .header(header::CONTENT_TYPE, content_type)
                .body(Body::from(body))
                .unwrap(),
        )
        .await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
    app.sign_in_as("shenpi", &[Role::CountyApprover], "340102").await;
    let page = app.step(case, "approve", &[], None).await;
    assert!(page.contains("已批准") && page.contains("月保障金额"), "{page}");
    insta::assert_snapshot!("case_decision_pdf", app.document_text(case, "decision").await);

    // A second household is refused, with reasons, in writing.
    app.sign_in_as("jingban2", &[Role::TownshipClerk], "340102001").await;
    let other = app.household_id("SF-0002").await;
    let all = "application_form,id_card,hukou,income_declaration,authorisation,pledge";
    let mut body = format!("household_id={other}&kinds=dibao&area=urban&income_transfer=2000");
    for p in all.split(',') {
        body.push_str(&format!("&provided={p}"));
    }
    let reply = app.post_form("/applications", &body).await;
    let refused_case: i64 =
        reply.headers[header::LOCATION].to_str().unwrap().trim_start_matches("/cases/").parse().unwrap();
    for action in ["start_investigation", "request_verification", "attach_verification"] {
        app.step(refused_case, action, &[], None).await;
    }
    app.step(refused_case, "record_survey", &[("investigators", "李明、王芳"), ("family_signatures", "王桂兰")], None)
        .await;
    app.step(refused_case, "give_opinion", &[("approve", "false"), ("reason", "收入高于标准")], None).await;
    app.sign_in_as("shenpi2", &[Role::CountyApprover], "340102").await;
    app.step(refused_case, "reject", &[("reason", "家庭人均月收入2,000.00元，高于当地低保标准800.00元。")], None).await;
    insta::assert_snapshot!("case_rejection_pdf", app.document_text(refused_case, "rejection").await);

    // 河口镇 posts a review-stage notice for its applicant.
    app.sign_in_as("hekou", &[Role::TownshipClerk], "340102002").await;
    let third = app.household_id("SF-0003").await;
    let mut body = format!("household_id={third}&kinds=dibao&area=rural&income_wage=300");
    for p in all.split(',').chain(["disability_certificate"]) {
        body.push_str(&format!("&provided={p}"));
    }
    let reply = app.post_form("/applications", &body).await;
    let noticed: i64 = reply.headers[header::LOCATION].to_str().unwrap().trim_start_matches("/cases/").parse().unwrap();
    for action in ["start_investigation", "request_verification", "attach_verification"] {
        app.step(noticed, action, &[], None).await;
    }
    app.step(noticed, "record_survey", &[("investigators", "甲、乙"), ("family_signatures", "赵大勇")], None).await;
    let page = app.step(noticed, "give_opinion", &[("approve", "true")], None).await;
    assert!(page.contains("公示中"), "{page}");

    // The public board needs no sign-in and shows no private data.
    let anonymous = |uri: &str| Request::get(uri).body(Body::empty()).unwrap();
    let index = app.send_raw(anonymous("/public/notices")).await.text();
    assert!(
        index.contains("/public/notices/340102001001") && index.contains("/public/notices/340102002001"),
        "{index}"
    );
    let mut kinds = Vec::new();
    for village in ["340102001001", "340102002001"] {
        let board = app.send_raw(anonymous(&format!("/public/notices/{village}"))).await.text();
        let api = app.send_raw(anonymous(&format!("/api/public/notices/{village}"))).await.text();
        for text in [&board, &api] {
            // The village's own code (in links) is public; everything else long and numeric is suspect.
            let text = &text.replace(village, "");
            assert_eq!(jiuzhu_testkit::looks_private(text), None, "{text}");
            for private in ["城关镇东村12号", "河口镇西村5号", "13955110001", "0551-6288888", "智力"] {
                assert!(!text.contains(private), "{private} published");
            }
        }
        kinds.extend(["data-kind=\"review\"", "data-kind=\"result\""].into_iter().filter(|k| board.contains(*k)));
    }
    kinds.sort();
    assert_eq!(kinds, vec!["data-kind=\"result\"", "data-kind=\"review\""]);
    let board = app.send_raw(anonymous("/public/notices/340102001001")).await.text();
    assert!(board.contains("张建国") && board.contains("1,500.00元") && !board.contains("王桂兰"), "{board}");

    // An objection from the public, without signing in, reaches the case.
    let notices = app.send_raw(anonymous("/api/public/notices/340102002001")).await.json();
    let notice = notices[0]["id"].as_i64().unwrap();
    let objection = Request::post(format!("/public/notices/340102002001/{notice}/objection"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from("text=%E4%BB%96%E5%AE%B6%E6%9C%89%E8%BD%A6&contact="))
        .unwrap();
    let reply = app.send_raw(objection).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert!(reply.text().contains("异议已收到"));
    let case_json = app.get(&format!("/api/cases/{noticed}")).await.json();
    assert_eq!(case_json["state"]["objections"], 1);
    assert_eq!(case_json["public_objections"][0]["text"], "他家有车");

    // The inbox lists the open case with its due date.
    let inbox = app.get("/cases").await.text();
    assert!(inbox.contains(&format!("data-case=\"{noticed}\"")) && inbox.contains("各乡镇在办案件"), "{inbox}");
}
