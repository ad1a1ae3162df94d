//! Issue 11 point 3, the third acceptance point: no page renders a
//! snake_case key, a `_fen` value, an internal action code or raw JSON.
//! The demo county's cases are taken through the steps that record the most
//! (a survey, an opinion, an approval with its amount, a payment first, a
//! withdrawal with its reasons, an edit of the household), then its
//! household, case, audit and policy pages are read in Chinese and English
//! and their text (never tags, attributes or URLs) is scanned.

use axum::http::StatusCode;
use jiuzhu_app::{Actor, Db, demo};
use jiuzhu_domain::Role;
use jiuzhu_domain::case::{EventKind, Stage, StepKind};
use jiuzhu_testkit::page_scan::internal_codes;

use super::{TestApp, now};

jiuzhu_testkit::on_both_databases!(the_demo_county_reads_in_words_on_every_page);

/// Codes that would betray a page in either language (joined words are
/// caught by their underscore), and in Chinese pages every single-word code.
fn codes(zh: bool) -> Vec<&'static str> {
    let mut all = vec!["system", "cli"];
    if zh {
        all.extend(StepKind::ALL.iter().map(|s| s.code()));
        all.extend(EventKind::ALL.iter().map(|e| e.code()));
        all.extend(Stage::ALL.iter().map(|s| s.code()));
        all.extend(["enrolled", "imported", "login", "logout", "dibao", "tekun", "rural", "urban", "demo"]);
    }
    all
}

/// A page in a language, as the browser of the signed-in user asks for it.
async fn page(app: &TestApp, uri: &str, lang: &str) -> super::Reply {
    let (token, _) = app.session.clone().expect("signed in");
    app.get_with(uri, "cookie", &format!("jz_session={token}; lang={lang}")).await
}

async fn the_demo_county_reads_in_words_on_every_page(db: Db) {
    let mut app = TestApp::new(db).await;
    let system = Actor::system();
    demo::load_demo(&app.db, &system, now(), 7, 300, &mut |_, _| {}).await.unwrap();
    demo::load_demo_verification(&app.db, &system, now(), 7, 300).await.unwrap();
    demo::load_demo_cases(&app.db, &system, now()).await.unwrap();
    let township = format!("{}001", demo::COUNTY_CODE);

    // The township's clerk takes the demo cases on from their pages.
    app.sign_in_as("jingban", &[Role::TownshipClerk], &township).await;
    // The demo opens three cases in a fresh database: 低保, 特困, 急难.
    let mut lines = Vec::new();
    for id in 1..=3 {
        lines.push(app.get(&format!("/api/cases/{id}")).await.json());
    }
    let case_of = |kind: &str| {
        lines.iter().find(|l| l["kind"] == kind).and_then(|l| l["id"].as_i64()).unwrap_or_else(|| panic!("no {kind}"))
    };
    let (dibao, tekun, emergency) = (case_of("dibao"), case_of("tekun"), case_of("temp_emergency"));
    let survey = [("investigators", "李明、王芳"), ("family_signatures", "户主"), ("findings", "自建平房，无车辆")];
    app.step(dibao, "record_survey", &survey, None).await;
    app.step(dibao, "give_opinion", &[("approve", "true"), ("reason", "人均收入低于标准")], None).await;
    app.step(emergency, "pay_first", &[("amount_yuan", "800"), ("reason", "火灾")], None).await;
    app.step(tekun, "withdraw", &[("reason", "申请人另行申请低保")], None).await;
    // A household edit, so the history holds a change of values.
    let household = app.get(&format!("/api/cases/{dibao}")).await.json()["household_id"].as_i64().unwrap();
    let detail = app.get(&format!("/api/households/{household}")).await.json();
    let mut fields = detail["household"].clone();
    fields["address"] = "城关镇东街12号".into();
    fields["phone"] = "13955110001".into();
    let body = serde_json::json!({"version": detail["household"]["version"], "household": fields});
    let put = axum::http::Request::put(format!("/api/households/{household}"))
        .header("content-type", "application/json")
        .body(axum::body::Body::from(body.to_string()))
        .unwrap();
    let reply = app.send(put).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.text());

    // The township leader confirms (the demo policy delegates it).
    app.sign_in_as("lingdao", &[Role::TownshipLeader], &township).await;
    let approved = app.step(dibao, "approve", &[], None).await;
    assert!(approved.contains("批准：金额"), "{approved}");

    // Read by someone who may see everything in the county.
    app.sign_in_as("scan", Role::ALL, demo::COUNTY_CODE).await;
    let mut households = vec![household];
    let mut pages = vec!["/audit".to_string(), "/audit?page=2".to_string(), "/assistance-policies".to_string()];
    for line in &lines {
        pages.push(format!("/cases/{}", line["id"]));
        households.push(line["household_id"].as_i64().unwrap());
    }
    households.sort();
    households.dedup();
    pages.extend(households.iter().map(|h| format!("/households/{h}")));

    let mut problems = Vec::new();
    for (lang, zh) in [("zh", true), ("en", false)] {
        let codes = codes(zh);
        for page in &pages {
            let reply = self::page(&app, page, lang).await;
            assert_eq!(reply.status, StatusCode::OK, "{page} ({lang}): {}", reply.text());
            let found = internal_codes(&reply.text(), &codes);
            if !found.is_empty() {
                problems.push(format!("{page} ({lang}): {found:?}"));
            }
        }
    }
    assert!(problems.is_empty(), "pages showing codes:\n{}", problems.join("\n"));

    // The sentences are there: the history of the approved case, the
    // household's history and the audit log in words.
    let case_page = app.get(&format!("/cases/{dibao}")).await.text();
    for sentence in ["入户调查：调查人员：李明、王芳", "初审意见：建议批准；理由：人均收入低于标准", "批准：金额"]
    {
        assert!(case_page.contains(sentence), "{sentence} not on the case page");
    }
    let en = page(&app, &format!("/cases/{emergency}"), "en").await.text();
    assert!(en.contains("Paid first: amount 800.00元; reasons: 火灾"), "{en}");
    let history = app.get(&format!("/households/{household}")).await.text();
    assert!(history.contains("系统") && history.contains("家庭住址："), "the household history in words: {history}");
    let audit = app.get("/audit").await.text();
    assert!(audit.contains("办理案件：批准") && audit.contains("变更后："), "the audit log in words");
}
