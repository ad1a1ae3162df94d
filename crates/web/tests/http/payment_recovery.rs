//! Recoveries of overpayment over HTTP (追回, issue 12 point 5) on SQLite
//! and PostgreSQL: after a death is entered for a month already paid, the
//! household page's 追回记录 links to the overpayment found; the clerk
//! records it from the page, the recovery's page shows its months and
//! amounts in words (money as 1,234.50元, dates as 2025年10月31日), a
//! settlement beyond what is outstanding is refused in Chinese, a partial
//! repayment and a write-off settle it; the list and the API agree; an
//! auditor reads without a form and is refused a settlement; another
//! township's clerk sees nothing.

use axum::http::StatusCode;
use jiuzhu_app::payment::roll::{self as pay, GenerateRoll};
use jiuzhu_app::{Actor, Scope};
use jiuzhu_domain::entitlement::{EndReason, YearMonth};
use jiuzhu_domain::payment::roll::{ProgramGroup, RollKind};
use jiuzhu_domain::{RegionCode, Role};

use super::{TestApp, now, visible};

fn county() -> Scope {
    Scope::Region(RegionCode::parse("340102").unwrap())
}

async fn account(app: &TestApp, external_id: &str, name: &str, number: &str) {
    let household = app.household_id(external_id).await;
    let form = jiuzhu_app::payee::AccountForm {
        holder: "head".into(),
        bank: "农业银行城关支行".into(),
        account_name: name.into(),
        account_number: number.into(),
        ..Default::default()
    };
    jiuzhu_app::payee::set_account(&app.db, &Actor::system(), household, &form, now()).await.unwrap();
}

/// A month's roll generated, approved, exported and returned all paid.
async fn paid_roll(app: &TestApp, month: &str) {
    let clerk = Actor::user(90, "clerk", &[Role::CountyClerk], county());
    let approver = Actor::user(91, "shenpi", &[Role::CountyApprover], county());
    let ask = GenerateRoll {
        month: YearMonth::parse(month).unwrap(),
        region: None,
        group: ProgramGroup::All,
        kind: RollKind::Regular,
    };
    let roll = pay::generate(&app.db, &clerk, now(), ask).await.unwrap();
    pay::approve(&app.db, &approver, now(), roll.id, roll.version).await.unwrap();
    let file = jiuzhu_app::payment::export::export_file(&app.db, &clerk, now(), roll.id).await.unwrap();
    let returned = jiuzhu_testkit::bank::bank_return(&file.bytes, &[]);
    jiuzhu_app::payment::returns::import_return(&app.db, &clerk, now(), roll.id, "回盘.csv", &returned).await.unwrap();
}

/// Words only: no code, no fen, no full ID number.
fn assert_words_only(html: &str) {
    let text = visible(html);
    for code in ["_fen", "written_off", "repaid", "death", "decision", "dibao", "340102195803120137", "136000"] {
        assert!(!text.contains(code), "the page shows “{code}”: {text}");
    }
}

async fn recoveries_over_http(app: &mut TestApp) {
    app.import_fixture("roster_utf8.csv").await;
    account(app, "SF-0001", "张建国", "6217001234567890122").await;
    account(app, "SF-0003", "赵大勇", "6228480012345678907").await;
    paid_roll(app, "2025-10").await;
    paid_roll(app, "2025-11").await;
    let household = app.household_id("SF-0001").await;

    // Nothing overpaid yet: the household page's section says so.
    let page = app.get(&format!("/households/{household}")).await.text();
    assert!(page.contains("id=\"recoveries\"") && page.contains("没有追回记录"), "{page}");
    let find = format!("/payments/recoveries/find?household={household}");
    assert!(app.get(&find).await.text().contains("该户没有尚未登记的多发金额"));

    // The head died in October; entered after November was paid.
    let approver = Actor::user(91, "shenpi", &[Role::CountyApprover], county());
    let entitlements =
        jiuzhu_app::entitlement::household_entitlements(&app.db, &approver, household, now()).await.unwrap();
    let id = entitlements.iter().find(|e| e.person_id.is_none()).unwrap().id;
    jiuzhu_app::entitlement::end_entitlement(
        &app.db,
        &approver,
        now(),
        id,
        YearMonth::parse("2025-10").unwrap(),
        EndReason::Death,
    )
    .await
    .unwrap();

    // The find page shows November, 1,360.00元, the cause in words.
    let html = app.get(&find).await.text();
    for text in ["张建国", "最低生活保障", "死亡", "2025年11月", "1,360.00元", "0.00元", "登记追回"]
    {
        assert!(html.contains(text), "the find page lacks “{text}”: {html}");
    }
    assert_words_only(&html);
    let api = app.get(&format!("/api/payments/recoveries/overpayments?household={household}")).await.json();
    assert_eq!(api[0]["amount_fen"], 136_000);
    assert_eq!(api[0]["months"][0]["month"], 202511);

    // Recorded from the page without a cause: refused in Chinese.
    let form = format!("household_id={household}&person_id=&program=dibao&expected_fen=136000&debtor_name=");
    let refused = app.post_form("/payments/recoveries", &(form.clone() + "&cause_note=")).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.text().contains("请写明追回原因"), "{}", refused.text());
    let recorded = app
        .post_form("/payments/recoveries", &(form + "&cause_note=%E6%88%B7%E4%B8%BB10%E6%9C%88%E6%AD%BB%E4%BA%A1"))
        .await;
    assert_eq!(recorded.status, StatusCode::SEE_OTHER, "{}", recorded.text());
    let location = recorded.headers["location"].to_str().unwrap().to_string();
    let recovery: i64 = location.rsplit('/').next().unwrap().parse().unwrap();

    // Its page: months, amounts, the cause, who and when, in words.
    let html = app.get(&location).await.text();
    for text in
        ["追回记录", "张建国", "户主10月死亡", "2025年11月", "1,360.00元", "未结清", "2025年10月31日", "登记结算"]
    {
        assert!(html.contains(text), "the recovery's page lacks “{text}”: {html}");
    }
    // The policy allows no offsets: the form offers repaid and written off only.
    assert!(html.contains("本地区政策不允许从以后的发放中抵扣") && !html.contains("value=\"offset\""), "{html}");
    assert_words_only(&html);

    // More than is outstanding: refused in Chinese, nothing settled.
    let version =
        app.get(&format!("/api/payments/recoveries/{recovery}")).await.json()["recovery"]["version"].as_i64().unwrap();
    let settle = format!("/payments/recoveries/{recovery}/settle");
    let over = app.post_form(&settle, &format!("kind=repaid&amount_yuan=1400&note=&version={version}")).await;
    assert_eq!(over.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(over.text().contains("结算金额1,400.00元超过尚未追回的1,360.00元。"), "{}", over.text());
    // Repaid in part, then the rest written off with its reason.
    let part = app.post_form(&settle, &format!("kind=repaid&amount_yuan=1000&note=R-1&version={version}")).await;
    assert_eq!(part.status, StatusCode::SEE_OTHER, "{}", part.text());
    let html = app.get(&location).await.text();
    assert!(html.contains("退回") && html.contains("1,000.00元") && html.contains("360.00元"), "{html}");
    let no_reason =
        app.post_form(&settle, &format!("kind=written_off&amount_yuan=360&note=&version={}", version + 1)).await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(no_reason.text().contains("核销须写明理由"));
    let api = app
        .post_json(
            &format!("/api/payments/recoveries/{recovery}/settlements"),
            serde_json::json!({"kind": "written_off", "amount_yuan": "360", "note": "家属无力退还", "version": version + 1}),
        )
        .await;
    assert_eq!(api.status, StatusCode::OK, "{}", api.text());
    assert_eq!(api.json()["state"], "settled");
    let html = app.get(&location).await.text();
    assert!(html.contains("已结清") && html.contains("核销") && !html.contains("id=\"settle-recovery\""), "{html}");

    // The list and the household page show it; the API agrees.
    let list = app.get("/payments/recoveries?all=1").await.text();
    assert!(list.contains("张建国") && list.contains("已结清") && list.contains("1,360.00元"), "{list}");
    assert_words_only(&list);
    assert!(app.get("/payments/recoveries").await.text().contains("没有追回记录"));
    let page = app.get(&format!("/households/{household}")).await.text();
    assert!(page.contains("id=\"recovery-lines\"") && page.contains("已结清"), "{page}");
    assert!(app.get("/payments").await.text().contains("id=\"recoveries-link\""));
    let english = app.get_with(&location, "cookie", "lang=en; jz_session=session-clerk").await.text();
    assert!(english.contains("Recovery") && english.contains("Written off"), "{english}");

    // An auditor reads, without a form, and may not settle.
    app.sign_in_as("shenji", &[Role::Auditor], "340102").await;
    let html = app.get(&location).await.text();
    assert!(html.contains("张建国") && !html.contains("id=\"settle-recovery\""));
    assert_eq!(app.get("/api/payments/recoveries?all=true").await.json().as_array().unwrap().len(), 1);
    let denied = app
        .post_json(
            &format!("/api/payments/recoveries/{recovery}/settlements"),
            serde_json::json!({"kind": "repaid", "amount_yuan": "1", "version": version + 2}),
        )
        .await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
    let denied = app
        .post_json(
            "/api/payments/recoveries",
            serde_json::json!({"household_id": household, "program": "dibao", "cause_note": "x"}),
        )
        .await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);

    // Another township's clerk sees nothing of it.
    app.sign_in_as("hekou", &[Role::TownshipClerk], "340102002").await;
    assert_eq!(app.get(&location).await.status, StatusCode::NOT_FOUND);
    assert!(app.get("/api/payments/recoveries?all=true").await.json().as_array().unwrap().is_empty());
    assert_eq!(app.get(&find).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn recoveries_over_http_on_sqlite() {
    recoveries_over_http(&mut TestApp::sqlite().await).await;
}

#[tokio::test]
async fn recoveries_over_http_on_postgres() {
    recoveries_over_http(&mut TestApp::new(jiuzhu_testkit::postgres().await).await).await;
}
