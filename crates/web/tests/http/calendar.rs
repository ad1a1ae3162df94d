//! Issue 10 point 11: on 2026-12-01 the built-in calendar ends with 2026.
//! No step may be refused for it: dates reaching into 2027 are counted
//! provisionally and shown as 暂定 on the case page and in the inbox; the
//! red "load next year" banner goes to administrators only.

use super::*;
use jiuzhu_app::case::{self as c, ApplicationForm};
use jiuzhu_app::{Scope, import};
use jiuzhu_domain::RegionCode;

/// Monday 2026-12-28, 10:00 in Beijing.
fn december() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 28, 2, 0, 0).unwrap()
}

async fn app_in_december(db: Db) -> TestApp {
    registry::upsert_regions(&db, &Actor::system(), december(), &jiuzhu_testkit::sample_regions()).await.unwrap();
    let router = jiuzhu_web::router(jiuzhu_web::AppState::new(db.clone(), Arc::new(december)));
    TestApp { db, router, session: None }
}

async fn sign_in(app: &mut TestApp, login: &str, roles: &[Role], region: &str) {
    let form = auth::UserForm {
        login: login.into(),
        display_name: format!("{login}姓名"),
        region_code: region.into(),
        roles: roles.iter().map(|r| r.code().to_string()).collect(),
        ..Default::default()
    };
    auth::create_user(&app.db, &Actor::system(), december(), &form, PASSWORD, false).await.unwrap();
    let (token, csrf) = (format!("session-{login}"), format!("csrf-{login}"));
    auth::login(&app.db, december(), login, PASSWORD, "127.0.0.1", &token, &csrf).await.unwrap().unwrap();
    app.session = Some((token, csrf));
}

const WARNING: &str = "2027年放假安排尚未载入";

#[tokio::test]
async fn the_missing_year_banner_is_for_administrators_only() {
    let mut app = app_in_december(jiuzhu_testkit::sqlite().await).await;
    sign_in(&mut app, "cun", &[Role::VillageAssistant], "340102001001").await;
    let inbox = app.get("/cases").await;
    assert_eq!(inbox.status, StatusCode::OK);
    assert!(!inbox.text().contains("calendar-warning"), "{}", inbox.text());
    assert!(!app.get("/admin/calendar/warning").await.text().contains(WARNING));
    assert!(!app.get("/admin/calendar").await.text().contains(WARNING));
    sign_in(&mut app, "jingban", &[Role::TownshipClerk], "340102001").await;
    assert!(!app.get("/cases").await.text().contains("calendar-warning"));
    assert!(!app.get("/admin/calendar/warning").await.text().contains(WARNING));

    sign_in(&mut app, "admin", &[Role::Administrator], "340102").await;
    let page = app.get("/households").await.text();
    assert!(page.contains(r#"hx-get="/admin/calendar/warning""#), "every page of an administrator asks for it");
    let banner = app.get("/admin/calendar/warning").await.text();
    assert!(banner.contains(WARNING) && banner.contains("calendar-warning"), "{banner}");
    assert!(app.get("/admin/calendar").await.text().contains(WARNING));
    // Once 2027 is loaded the banner is gone.
    let put = Request::put("/api/calendar").body(Body::from("2027-01-01,holiday,元旦\n")).unwrap();
    assert_eq!(app.send(put).await.status, StatusCode::OK);
    assert!(!app.get("/admin/calendar/warning").await.text().contains(WARNING));
}

#[tokio::test]
async fn a_step_into_next_year_is_taken_and_its_date_shown_as_provisional() {
    let mut app = app_in_december(jiuzhu_testkit::sqlite().await).await;
    import::import_roster(&app.db, &Actor::system(), december(), &fixture("roster_utf8.csv")).await.unwrap();
    let clerk =
        Actor::user(0, "jingban", &[Role::TownshipClerk], Scope::Region(RegionCode::parse("340102001").unwrap()));
    let mut tx = app.db.begin().await.unwrap();
    let hid = jiuzhu_store::get_household_by_external_id(&mut tx, "SF-0001").await.unwrap().unwrap().id;
    drop(tx);
    let form = ApplicationForm {
        household_id: hid,
        kinds: vec!["dibao".into()],
        area: "urban".into(),
        provided: jiuzhu_domain::assistance::Material::ALL.iter().map(|m| m.code().to_string()).collect(),
        ..Default::default()
    };
    let created = c::submit_application(&app.db, &clerk, december(), &form).await.unwrap();
    let case = c::case_detail(&app.db, &clerk, december(), created.case_ids[0]).await.unwrap();
    // Investigation due 3 working days after 12-28: 12-31, in the loaded 2026.
    assert_eq!(case.step_due, chrono::NaiveDate::from_ymd_opt(2026, 12, 31));
    assert!(!case.step_due_provisional);
    let step = jiuzhu_domain::case::Step::StartInvestigation;
    // Refused before ("no holiday arrangement for 2027").
    let case = c::act(&app.db, &clerk, december(), case.id, case.version, &step, vec![]).await.unwrap();
    assert_eq!(case.step_due, chrono::NaiveDate::from_ymd_opt(2027, 1, 12));
    assert!(case.step_due_provisional && case.overall_due_provisional);

    sign_in(&mut app, "jingban", &[Role::TownshipClerk], "340102001").await;
    let page = app.get(&format!("/cases/{}", case.id)).await.text();
    assert!(page.contains("step-due-provisional") && page.contains("暂定"), "{page}");
    let inbox = app.get("/cases").await.text();
    assert!(inbox.contains("2027年1月12日") && inbox.contains("暂定"), "{inbox}");
    let api = app.get(&format!("/api/cases/{}", case.id)).await.json();
    assert_eq!(api["step_due_provisional"], true);

    // The administrator loads 2027 with Monday 01-04 off: the open case is
    // recounted (01-13), no longer provisional, and its history says so.
    sign_in(&mut app, "admin", &[Role::Administrator], "340102").await;
    let put = Request::put("/api/calendar").body(Body::from("2027-01-01,holiday\n2027-01-04,holiday\n")).unwrap();
    assert_eq!(app.send(put).await.status, StatusCode::OK);
    sign_in(&mut app, "jingban2", &[Role::TownshipClerk], "340102001").await;
    let api = app.get(&format!("/api/cases/{}", case.id)).await.json();
    assert_eq!(api["step_due"], "2027-01-13", "{api}");
    assert_eq!(api["step_due_provisional"], false);
    let recounted = api["events"].as_array().unwrap().iter().find(|e| e["event"]["kind"] == "dates_recounted").unwrap();
    assert_eq!(recounted["event"]["before"]["step_due"], "2027-01-12");
    assert_eq!(recounted["event"]["after"]["step_due"], "2027-01-13");
    assert!(!app.get(&format!("/cases/{}", case.id)).await.text().contains("step-due-provisional"));
}
