//! The payment pages (issue 12 points 2/3) on SQLite and PostgreSQL: a county
//! clerk generates the month's roll from `/payments` (a background job whose
//! page names the roll), reads it in words (totals by programme and
//! township, differences, lines with masked numbers; no code, no fen); the
//! approver approves it from its page; the preparer is refused with a
//! message; the API lists it.

use axum::http::StatusCode;
use jiuzhu_app::job::{WorkerConfig, work_one};
use jiuzhu_app::{Actor, Scope};
use jiuzhu_domain::entitlement::YearMonth;
use jiuzhu_domain::payment::roll::{ProgramGroup, RollKind};
use jiuzhu_domain::{RegionCode, Role};
use tokio::sync::watch;

use super::{TestApp, now, visible};

async fn run_jobs(app: &TestApp) {
    let (_stop, stop) = watch::channel(false);
    let config = WorkerConfig::new("http-test");
    while work_one(&app.db, &config, &now, &stop).await.unwrap().is_some() {}
}

/// No stored code on the page (in English, 低保 and 特困 are written
/// “dibao” and “tekun” as words, so only the Chinese page is checked for
/// those).
fn assert_words_only(html: &str) {
    let text = visible(html);
    let chinese = html.contains("lang=\"zh-CN\"");
    let codes: &[&str] = if chinese { &["dibao", "tekun"] } else { &[] };
    for code in codes.iter().chain(&["_fen", "no_account", "backpay", "draft", "regular", "pending", "340102"]) {
        assert!(!text.contains(code), "the page shows “{code}”: {text}");
    }
}

async fn the_rolls_pages_in_words(app: &mut TestApp) {
    app.import_fixture("roster_utf8.csv").await;
    let household = app.household_id("SF-0001").await;
    let account = jiuzhu_app::payee::AccountForm {
        holder: "head".into(),
        bank: "农业银行城关支行".into(),
        account_name: "张建国".into(),
        account_number: "6217001234567890122".into(),
        ..Default::default()
    };
    jiuzhu_app::payee::set_account(&app.db, &Actor::system(), household, &account, now()).await.unwrap();

    // The county clerk generates October's roll from the page: a job.
    let page = app.get("/payments").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text().contains("id=\"generate-roll\""));
    assert!(page.text().contains("还没有发放花名册"));
    let posted = app.post_form("/payments/rolls", "month=2025-10&region=340102000000&group=all&kind=regular").await;
    assert_eq!(posted.status, StatusCode::SEE_OTHER, "{}", posted.text());
    let job = posted.headers["location"].to_str().unwrap().to_string();
    assert!(job.starts_with("/jobs/"));
    run_jobs(app).await;
    let done = app.get(&job).await.text();
    assert!(done.contains("花名册已生成：发放1笔，共1,360.00元；2笔因未登记收款账户暂不发放。"), "{done}");
    let roll_link = done.split("href=\"/payments/rolls/").nth(1).unwrap().split('"').next().unwrap().to_string();
    let roll_page = format!("/payments/rolls/{roll_link}");

    // The list and the roll in words.
    let list = app.get("/payments?month=2025-10").await.text();
    assert!(list.contains("示范区2025年10月全部项目发放花名册"), "{list}");
    assert!(list.contains("待审批") && list.contains("1,360.00元"));
    assert_words_only(&list);
    let roll = app.get(&roll_page).await;
    assert_eq!(roll.status, StatusCode::OK);
    let html = roll.text();
    for text in [
        "按救助项目汇总",
        "最低生活保障",
        "城关镇",
        "张建国",
        "6217***********0122",
        "未登记收款账户",
        "王桂兰",
        "新增",
    ] {
        assert!(html.contains(text), "the roll page lacks “{text}”");
    }
    assert!(!html.contains("6217001234567890122") && !html.contains("340102195803120137"), "numbers masked");
    assert!(!html.contains("id=\"approve-roll\""), "the preparer has no approve button");
    assert!(html.contains("id=\"regenerate-roll\""));
    assert_words_only(&html);
    let english = app.get_with(&roll_page, "cookie", "lang=en; jz_session=session-clerk").await.text();
    assert!(english.contains("Totals by programme") && english.contains("Pending"), "{english}");
    assert_words_only(&english);

    // The approver approves it from its page.
    app.sign_in_as("shenpi", &[Role::CountyApprover], "340102").await;
    let html = app.get(&roll_page).await.text();
    assert!(html.contains("id=\"approve-roll\""));
    let version = html.split("name=\"version\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
    let approved = app.post_form(&format!("{roll_page}/approve"), &format!("version={version}")).await;
    assert_eq!(approved.status, StatusCode::SEE_OTHER, "{}", approved.text());
    let html = app.get(&roll_page).await.text();
    assert!(html.contains("已审批") && !html.contains("id=\"approve-roll\""));

    // Someone who prepared a roll and may approve is refused with a message.
    let both = Actor::user(
        99,
        "both",
        &[Role::CountyClerk, Role::CountyApprover],
        Scope::Region(RegionCode::parse("340102").unwrap()),
    );
    let ask = jiuzhu_app::payment::roll::GenerateRoll {
        month: YearMonth::parse("2025-11").unwrap(),
        region: None,
        group: ProgramGroup::Dibao,
        kind: RollKind::Regular,
    };
    app.sign_in_as("both", &[Role::CountyClerk, Role::CountyApprover], "340102").await;
    let own = jiuzhu_app::payment::roll::generate(&app.db, &both, now(), ask).await.unwrap();
    let refused =
        app.post_form(&format!("/payments/rolls/{}/approve", own.id), &format!("version={}", own.version)).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.text().contains("花名册须由编制人以外的人员审批"), "{}", refused.text());

    // The API lists both.
    let listed = app.get("/api/payments/rolls").await.json();
    assert_eq!(listed.as_array().unwrap().len(), 2);
    assert_eq!(listed[0]["month"], "2025-11");
    let detail = app.get(&format!("/api/payments/rolls/{roll_link}")).await.json();
    assert_eq!(detail["roll"]["state"], "approved");
    assert_eq!(detail["lines"].as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn the_rolls_pages_in_words_on_sqlite() {
    the_rolls_pages_in_words(&mut TestApp::sqlite().await).await;
}

#[tokio::test]
async fn the_rolls_pages_in_words_on_postgres() {
    the_rolls_pages_in_words(&mut TestApp::new(jiuzhu_testkit::postgres().await).await).await;
}
