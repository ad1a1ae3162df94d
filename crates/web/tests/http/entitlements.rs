//! The household page's entitlements (issue 11 point 2): current and past,
//! the programme in words, who receives, the amount in 元, the months as
//! offices write them, the decision as a link to its case, the reason an
//! entitlement ended, and the history entries as sentences; never a code or
//! a fen value.

use axum::http::StatusCode;
use jiuzhu_app::Actor;
use jiuzhu_app::entitlement::{self as ent, EntitlementChange};
use jiuzhu_domain::entitlement::{EndReason, Ending, Grant, Recipient, YearMonth};
use jiuzhu_domain::{Fen, Program};
use jiuzhu_store as store;

use super::{TestApp, now};

fn m(s: &str) -> YearMonth {
    YearMonth::parse(s).unwrap()
}

#[tokio::test]
async fn the_household_page_shows_current_and_past_entitlements_in_words() {
    let app = TestApp::sqlite().await;
    app.import_fixture("roster_utf8.csv").await;
    let hid = app.household_id("SF-0001").await;
    // The roster's 低保 (1,360元 from the import's month) changes to 1,500元
    // from December; the wife's 特困 granted by her case; an old 低保 stopped.
    let roster = ent::household_entitlements(&app.db, &Actor::system(), hid, now()).await.unwrap();
    assert_eq!(roster.len(), 1);
    let change = EntitlementChange { monthly: Fen(150_000), from: m("2025-12"), decision: None, policy_versions: None };
    ent::change_entitlement(&app.db, &Actor::system(), now(), roster[0].id, &change).await.unwrap();
    let mut tx = app.db.begin().await.unwrap();
    let wife = store::members_of(&mut tx, hid).await.unwrap().into_iter().find(|p| p.fields.name.as_str() == "李秀英");
    let grant = |recipient, program, yuan: i64, first: &str, decision| Grant {
        household: hid,
        recipient,
        program,
        monthly: Fen(yuan * 100),
        first: m(first),
        decision,
        policy_versions: vec![],
    };
    let wife = wife.unwrap().id;
    tx.commit().await.unwrap();
    let form = jiuzhu_app::case::ApplicationForm {
        household_id: hid,
        kinds: vec!["tekun".into()],
        area: "rural".into(),
        applicant_person_id: Some(wife),
        ..Default::default()
    };
    let case = jiuzhu_app::case::submit_application(&app.db, &Actor::system(), now(), &form).await.unwrap();
    let case = case.case_ids[0];
    let mut tx = app.db.begin().await.unwrap();
    let tekun = grant(Recipient::Person(wife), Program::Tekun, 1_105, "2025-11", Some(case));
    store::entitlement::insert_entitlement(&mut tx, &tekun, now()).await.unwrap();
    let old = grant(Recipient::Household, Program::Tekun, 900, "2024-01", None);
    let old = store::entitlement::insert_entitlement(&mut tx, &old, now()).await.unwrap();
    let ending = Ending { id: old, last: m("2024-06"), reason: EndReason::Stopped };
    store::entitlement::end_entitlement(&mut tx, &ending, now()).await.unwrap();
    tx.commit().await.unwrap();

    let page = app.get(&format!("/households/{hid}")).await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    let section = &html[html.find("id=\"entitlements\"").unwrap()..html.find("id=\"members\"").unwrap()];
    for text in [
        "现享受待遇",
        "历史待遇",
        "最低生活保障",
        "全户",
        "1,360.00元",
        "2025年10月至2025年11月",
        "1,500.00元",
        "2025年12月至今",
        "特困人员救助供养",
        "李秀英",
        "1,105.00元",
        "2025年11月至今",
        "原有在册",
        "2024年1月至2024年6月",
        "停止救助",
    ] {
        assert!(section.contains(text), "{text} missing in {section}");
    }
    assert!(section.contains(&format!("<a href=\"/cases/{case}\">案件{case}审批决定</a>")), "{section}");
    let past = &section[section.find("entitlements-past").unwrap()..];
    assert!(past.contains("2024年1月至2024年6月") && !past.contains("2025年12月至今"));
    for code in ["_fen", "dibao", "tekun", "stopped", "changed", "150000"] {
        assert!(!section.contains(code), "{code} on the page");
    }
    // The history says what changed as a sentence, not as JSON or fen.
    let history = &html[html.find("id=\"history\"").unwrap()..];
    assert!(history.contains("最低生活保障（全户），每月1,500.00元，自2025年12月起"), "{history}");
    assert!(history.contains("最低生活保障（全户）发放至2025年11月止，原因：待遇变更"), "{history}");
    assert!(!history.contains("monthly") && !history.contains("150000"), "{history}");

    let english = app.get_with(&format!("/households/{hid}"), "cookie", "lang=en; jz_session=session-clerk").await;
    let english = english.text();
    assert!(english.contains("Whole household") && english.contains("2025-12 to date"), "{english}");

    // The JSON answer carries them too.
    let json = app.get(&format!("/api/households/{hid}")).await.json();
    assert_eq!(json["entitlements"].as_array().unwrap().len(), 4);
}
