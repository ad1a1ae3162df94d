//! Payee accounts through the pages and the API (issue 12 point 1): the
//! household page's 收款账户 section per payee line, masked; the form that
//! records and changes an account, its confirmation saying it takes effect
//! from the next roll, warnings shown but not blocking, errors in Chinese;
//! the audited reveal; institutions; the recipients without an account; the
//! same in JSON. Pages in words only; no full number outside the reveal.

use axum::http::StatusCode;
use jiuzhu_domain::Role;
use jiuzhu_testkit::page_scan::internal_codes;

use super::{TestApp, now};

jiuzhu_testkit::on_both_databases!(accounts_are_recorded_changed_and_shown_masked_in_words);

/// The card number with its check digit wrong, and a good one.
const BAD_CARD: &str = "6217001234567890123";
const CARD: &str = "6217001234567890122";

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn form(fields: &[(&str, &str)]) -> String {
    fields.iter().map(|(k, v)| format!("{k}={}", enc(v))).collect::<Vec<_>>().join("&")
}

async fn page(app: &TestApp, uri: &str, lang: &str) -> super::Reply {
    let (token, _) = app.session.clone().expect("signed in");
    app.get_with(uri, "cookie", &format!("jz_session={token}; lang={lang}")).await
}

/// No snake_case key, `_fen` or JSON; in Chinese pages no code word at all
/// (English words like "head" are fine in English).
fn assert_words_only(html: &str, what: &str) {
    let codes: &[&str] = if what == "en" { &[] } else { &["head", "own", "institution", "dibao", "tekun"] };
    let found = internal_codes(html, codes);
    assert!(found.is_empty(), "{what}: {found:?}");
}

async fn accounts_are_recorded_changed_and_shown_masked_in_words(db: jiuzhu_app::Db) {
    let mut app = TestApp::new(db).await;
    assert_eq!(app.import_fixture("roster_utf8.csv").await.status, StatusCode::OK);
    let hid = app.household_id("SF-0001").await;
    // The township clerk of 城关镇 works on its household.
    app.sign_in_as("jingban", &[Role::TownshipClerk], "340102001").await;

    // Given no account: the section says so and offers to record one.
    let html = page(&app, &format!("/households/{hid}"), "zh").await.text();
    let section = &html[html.find("id=\"payees\"").expect("the section")..];
    assert!(section.contains("收款账户") && section.contains("全户待遇（户主本人账户）：张建国"), "{section}");
    assert!(section.contains("尚未登记收款账户") && section.contains("登记收款账户"));
    let form_page = app.get(&format!("/households/{hid}/payees/edit")).await;
    assert_eq!(form_page.status, StatusCode::OK);
    assert!(form_page.text().contains("户主本人账户"));
    assert_words_only(&form_page.text(), "form");

    // A number with a letter: refused in Chinese, the form kept.
    let bad = form(&[
        ("holder", "head"),
        ("bank", "农业银行城关支行"),
        ("account_name", "张建国"),
        ("account_number", "6217-0012-O123"),
    ]);
    let refused = app.post_form(&format!("/households/{hid}/payees"), &bad).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.text().contains("银行账号只能由数字组成，不能含有“O”"), "{}", refused.text());
    assert!(refused.text().contains("农业银行城关支行"));

    // When a card failing its check digit is recorded: saved, with the
    // warning, and the confirmation says it applies from the next roll.
    let first = form(&[
        ("holder", "head"),
        ("bank", "农业银行城关支行"),
        ("account_name", "张建国"),
        ("account_number", "6217 0012 3456 7890 123"),
    ]);
    let saved = app.post_form(&format!("/households/{hid}/payees"), &first).await;
    assert_eq!(saved.status, StatusCode::OK);
    let text = saved.text();
    assert!(text.contains("收款账户已保存，自下一期发放花名册起生效。"), "{text}");
    assert!(text.contains("该卡号未通过银行卡校验位检查") && text.contains("6217***********0123"));
    assert!(!text.contains(BAD_CARD));

    // Changed to a good card in another name: the name warning.
    let second =
        form(&[("holder", "head"), ("bank", "农业银行城关支行"), ("account_name", "张三"), ("account_number", CARD)]);
    let saved = app.post_form(&format!("/households/{hid}/payees"), &second).await.text();
    assert!(saved.contains("账户户名“张三”与收款人“张建国”不一致，请核实"), "{saved}");

    // Then the household page shows the current account and the past one,
    // masked, in words, with the history entries as labelled values.
    for lang in ["zh", "en"] {
        let html = page(&app, &format!("/households/{hid}"), lang).await.text();
        assert!(!html.contains(CARD) && !html.contains(BAD_CARD), "{lang}: a full number shown");
        assert!(html.contains("6217***********0122") && html.contains("6217***********0123"));
        assert_words_only(&html, lang);
    }
    let html = page(&app, &format!("/households/{hid}"), "zh").await.text();
    for words in
        ["户主本人账户", "农业银行城关支行", "本人持有", "历史账户", "变更收款账户", "查看完整账号", "登记收款账户"]
    {
        assert!(html.contains(words), "{words}");
    }
    let en = page(&app, &format!("/households/{hid}"), "en").await.text();
    assert!(en.contains("Account in the head&#39;s name") || en.contains("Account in the head's name"), "{en}");

    // The reveal shows the full number, and is recorded.
    let api = app.get(&format!("/api/payments/payees/households/{hid}")).await.json();
    let account = api["lines"][0]["current"]["id"].as_i64().unwrap();
    assert_eq!(api["lines"][0]["current"]["account_number"], "6217***********0122");
    let reveal = app.get(&format!("/payees/accounts/{account}/reveal")).await;
    assert_eq!(reveal.status, StatusCode::OK);
    assert!(reveal.text().contains(CARD));
    let mut tx = app.db.begin().await.unwrap();
    let filter =
        jiuzhu_store::AuditFilter { action: Some("payee_account_revealed".into()), limit: 10, ..Default::default() };
    assert_eq!(jiuzhu_store::search_audit(&mut tx, &filter).await.unwrap().len(), 1);
    drop(tx);

    // Another township sees nothing.
    app.sign_in_as("hekou", &[Role::TownshipClerk], "340102002").await;
    assert_eq!(app.get(&format!("/payees/accounts/{account}/reveal")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get(&format!("/households/{hid}/payees/edit")).await.status, StatusCode::NOT_FOUND);

    // The county clerk records an institution; its account is masked.
    app.sign_in_as("xianmin", &[Role::CountyClerk], "340102").await;
    let inst = form(&[
        ("region_code", "340102"),
        ("name", "示范区社会福利院"),
        ("account_name", "示范区社会福利院"),
        ("bank", "农业银行示范区支行"),
        ("account_number", "120000123456789"),
    ]);
    let added = app.post_form("/payees/institutions", &inst).await;
    assert_eq!(added.status, StatusCode::SEE_OTHER);
    let list = page(&app, "/payees/institutions?saved=1", "zh").await.text();
    assert!(list.contains("供养机构已登记") && list.contains("示范区社会福利院") && list.contains("***********6789"));
    assert!(!list.contains("120000123456789"));
    assert_words_only(&list, "institutions");

    // The recipients owed this month without an account: SF-0002 and SF-0003
    // (roster enrolments), not SF-0001 any more.
    let missing = page(&app, "/payees/missing?month=2025-10", "zh").await.text();
    assert!(missing.contains("未登记收款账户的救助对象（2025年10月）"), "{missing}");
    assert!(missing.contains("SF-0002") && missing.contains("王桂兰") && missing.contains("1,105.50元"));
    assert!(missing.contains("SF-0003") && !missing.contains("SF-0001"));
    assert_words_only(&missing, "missing");
    let json = app.get("/api/payments/payees/missing?month=2025-10").await.json();
    assert_eq!(json["lines"].as_array().unwrap().len(), 2);
    assert_eq!(json["month"], "2025-10");

    // The API records an account for SF-0002 and answers the warnings.
    let sf2 = app.household_id("SF-0002").await;
    let body = serde_json::json!({"holder": "head", "bank": "农村信用社南村分社", "account_name": "王桂兰", "account_number": BAD_CARD});
    let created = app.post_json(&format!("/api/payments/payees/households/{sf2}/accounts"), body).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
    let created = created.json();
    assert_eq!(created["warnings"][0]["warning"], "check_digit");
    assert_eq!(created["account_number"], "6217***********0123");
    let _ = now();
}
