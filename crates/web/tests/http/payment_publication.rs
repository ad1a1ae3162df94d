//! What people see of payments over HTTP on SQLite and PostgreSQL (issue 12
//! points 6 and 7): the household page's 发放记录 (paid with the day of the
//! return, failed with the bank's reason and its correction, not sent for
//! lack of an account), a payee's yearly statement as PDF, and the month's
//! publication per village: prepared and published by staff, shown on the
//! public board without sign-in and printed as an A4 list, with names and
//! amounts and no ID number, phone or account. Pages in words, in Chinese
//! and English; PDFs snapshotted through pdftotext. The same under
//! `/api/payments/households/…` and `/api/payments/publication…`.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use jiuzhu_app::payment::export::export_file;
use jiuzhu_app::payment::returns::import_return;
use jiuzhu_app::payment::roll::{self as pay, GenerateRoll};
use jiuzhu_app::{Actor, Scope};
use jiuzhu_domain::entitlement::YearMonth;
use jiuzhu_domain::payment::roll::{ProgramGroup, RollKind};
use jiuzhu_domain::{RegionCode, Role};

use super::{TestApp, now, pdf_text_and_fonts, visible};

fn county_user(id: i64, login: &str, role: Role) -> Actor {
    Actor::user(id, login, &[role], Scope::Region(RegionCode::parse("340102").unwrap()))
}

fn assert_words_only(html: &str) {
    let text = visible(html);
    for code in ["_fen", "no_account", "backpay", "pending", "regular", "supplementary", "payment."] {
        assert!(!text.contains(code), "the page shows “{code}”: {text}");
    }
}

/// A PDF's text, lines trimmed, fonts embedded and subset.
fn pdf_text(pdf: &[u8]) -> String {
    let (text, fonts) = pdf_text_and_fonts(pdf);
    let cjk: Vec<&str> = fonts.lines().filter(|l| l.contains("CJK")).collect();
    assert!(!cjk.is_empty() && cjk.iter().all(|l| l.contains("yes yes")), "fonts embedded and subset: {fonts}");
    text.lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

/// A request without a session: the public.
async fn public(app: &TestApp, uri: &str, lang: Option<&str>) -> super::Reply {
    let mut req = Request::get(uri);
    if let Some(lang) = lang {
        req = req.header(header::COOKIE, format!("lang={lang}"));
    }
    app.send_raw(req.body(Body::empty()).unwrap()).await
}

/// October 2025 paid: SF-0001 (东村) paid, SF-0003 (西村) failed, SF-0002
/// (南村) not sent for lack of an account.
async fn paid_october(app: &mut TestApp) -> (i64, i64, i64) {
    app.import_fixture("roster_utf8.csv").await;
    let ids = (app.household_id("SF-0001").await, app.household_id("SF-0002").await, app.household_id("SF-0003").await);
    for (household, name, number) in [(ids.0, "张建国", "6217001234567890122"), (ids.2, "赵大勇", "6228480012345678")]
    {
        let account = jiuzhu_app::payee::AccountForm {
            holder: "head".into(),
            bank: "农业银行城关支行".into(),
            account_name: name.into(),
            account_number: number.into(),
            ..Default::default()
        };
        jiuzhu_app::payee::set_account(&app.db, &Actor::system(), household, &account, now()).await.unwrap();
    }
    let preparer = county_user(91, "bianzhi", Role::CountyClerk);
    let ask = GenerateRoll {
        month: YearMonth::parse("2025-10").unwrap(),
        region: None,
        group: ProgramGroup::All,
        kind: RollKind::Regular,
    };
    let roll = pay::generate(&app.db, &preparer, now(), ask).await.unwrap();
    pay::approve(&app.db, &county_user(92, "shenpiren", Role::CountyApprover), now(), roll.id, roll.version)
        .await
        .unwrap();
    let file = export_file(&app.db, &preparer, now(), roll.id).await.unwrap();
    let (text, _, _) = encoding_rs::GBK.decode(&file.bytes);
    let lines: Vec<String> = text
        .lines()
        .map(|l| match l {
            l if l.starts_with("序号") => format!("{l},处理结果,失败原因"),
            l if l.starts_with("合计") => l.to_string(),
            l if l.contains(",680.00,") => format!("{l},失败,账户已销户"),
            l => format!("{l},成功,"),
        })
        .collect();
    let returned = encoding_rs::GBK.encode(&(lines.join("\r\n") + "\r\n")).0.into_owned();
    import_return(&app.db, &preparer, now(), roll.id, "回盘.csv", &returned).await.unwrap();
    ids
}

async fn what_people_see_of_payments(app: &mut TestApp) {
    let (zhang, wang, zhao) = paid_october(app).await;

    // The household page's payments, in words.
    let html = app.get(&format!("/households/{zhang}")).await.text();
    for text in ["发放记录", "2025年10月正常发放", "1,360.00元", "已发放（2025年10月31日回盘）", "最低生活保障"]
    {
        assert!(html.contains(text), "SF-0001's page lacks “{text}”");
    }
    assert_words_only(&html);
    let statement = html.split("href=\"/households/").find(|s| s.contains("/payments/statement?")).unwrap();
    let statement = format!("/households/{}", statement.split('"').next().unwrap().replace("&amp;", "&"));
    let html = app.get(&format!("/households/{wang}")).await.text();
    assert!(html.contains("未发放：未登记收款账户，登记后补发"), "{html}");
    assert!(!html.contains("/payments/statement?"), "no statement without a payment");
    let html = app.get(&format!("/households/{zhao}")).await.text();
    assert!(html.contains("发放失败：账户已销户") && html.contains("待更正"), "{html}");
    assert_words_only(&html);
    let english = app.get_with(&format!("/households/{zhang}"), "cookie", "lang=en; jz_session=session-clerk").await;
    let english = english.text();
    assert!(english.contains("Payments") && english.contains("Paid (returned 2025-10-31)"), "{english}");
    assert!(english.contains("2025-10, Regular"), "{english}");
    assert_words_only(&english);

    // The yearly statement: the county's bureau, the name and the masked ID
    // number, the month and the total; never the full number.
    let pdf = app.get(&statement).await;
    assert_eq!(pdf.status, StatusCode::OK);
    assert_eq!(pdf.headers[header::CONTENT_TYPE], "application/pdf");
    let text = pdf_text(&pdf.body);
    assert!(!text.contains("340102195803120137") && !text.contains("6217001234567890122"), "{text}");
    insta::assert_snapshot!("payment_statement_pdf", text);

    // The same for scripts: the lines with their results, the statement's
    // totals with the ID number masked.
    let api = app.get(&format!("/api/payments/households/{zhang}")).await.json();
    assert_eq!(
        (api["lines"][0]["amount_fen"].as_i64(), api["lines"][0]["result"].as_str()),
        (Some(136_000), Some("paid"))
    );
    assert_eq!(api["statements"][0]["year"], 2025);
    let api = app.get(&format!("/api/payments/households/{zhao}")).await.json();
    assert_eq!(api["lines"][0]["failure_reason"], "账户已销户");
    assert_eq!(api["lines"][0]["correction_open"], true);
    let api = app.get(&format!("/api/payments/households/{zhang}/statement?year=2025")).await;
    assert_eq!(api.status, StatusCode::OK);
    assert!(!api.text().contains("340102195803120137") && !api.text().contains("6217001234567890122"));
    let api = api.json();
    assert_eq!((api["paid_fen"].as_i64(), api["failed_fen"].as_i64()), (Some(136_000), Some(0)));
    assert_eq!(api["lines"].as_array().unwrap().len(), 1);

    // Staff prepare the publication of October: 东村 only (南村's line was
    // not sent, 西村's failed).
    let list = app.get("/payments/publication?month=2025-10").await.text();
    assert!(list.contains("示范区城关镇东村") && list.contains("尚未公布"), "{list}");
    assert!(!list.contains("南村") && !list.contains("西村"), "{list}");
    assert_words_only(&list);
    let village = "/payments/publication/340102001001/2025-10";
    let html = app.get(village).await.text();
    for text in
        ["示范区城关镇东村2025年10月社会救助金发放公布", "张建国", "最低生活保障", "1,360.00元", "id=\"publish\""]
    {
        assert!(html.contains(text), "the preview lacks “{text}”: {html}");
    }
    let board = "/public/payments/340102001001/2025-10";
    assert_eq!(public(app, board, None).await.status, StatusCode::NOT_FOUND, "not published yet");
    let api = app.get("/api/payments/publication?month=2025-10").await.json();
    let villages: Vec<&str> = api.as_array().unwrap().iter().map(|v| v["village_code"].as_str().unwrap()).collect();
    assert_eq!(villages, ["340102001001"]);
    assert!(api[0]["published_at"].is_null());
    let api = app.get("/api/payments/publication/340102001001/2025-10").await;
    let without_code = api.text().replace("340102001001", "");
    assert_eq!(jiuzhu_testkit::looks_private(&without_code), None, "{without_code}");
    let api = api.json();
    assert_eq!((api["lines"][0]["name"].as_str(), api["total_fen"].as_i64()), (Some("张建国"), Some(136_000)));
    assert_eq!(app.get("/api/payments/publication?month=十月").await.status, StatusCode::UNPROCESSABLE_ENTITY);

    // An auditor reads it and may not publish it; the county clerk publishes.
    app.sign_in_as("shenji", &[Role::Auditor], "340102").await;
    assert!(!app.get(village).await.text().contains("id=\"publish\""));
    assert_eq!(app.post_form(&format!("{village}/publish"), "").await.status, StatusCode::FORBIDDEN);
    let api = app.post_form("/api/payments/publication/340102001001/2025-10/publish", "").await;
    assert_eq!(api.status, StatusCode::FORBIDDEN);
    app.sign_in_as("zhenban", &[Role::TownshipClerk], "340102001").await;
    let posted = app.post_form(&format!("{village}/publish"), "").await;
    assert_eq!(posted.status, StatusCode::SEE_OTHER, "{}", posted.text());
    let html = app.get(village).await.text();
    assert!(html.contains("公布日期：2025年10月31日") && html.contains("id=\"public-link\""), "{html}");
    let refused = app.post_form("/payments/publication/340102002001/2025-10/publish", "").await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND, "西村 is outside 城关镇");
    let api = app.post_form("/api/payments/publication/340102002001/2025-10/publish", "").await;
    assert_eq!(api.status, StatusCode::NOT_FOUND, "西村 is outside 城关镇");
    let api = app.post_form("/api/payments/publication/340102001001/2025-10/publish", "").await.json();
    assert!(api["published_at"].is_string(), "{api}");

    // The public board, without sign-in: names, household sizes, programmes
    // and amounts; nothing that reads as an ID number, a phone or an account.
    let index = public(app, "/public/payments", None).await.text();
    assert!(index.contains("示范区城关镇东村") && index.contains("href=\"/public/payments/340102001001/2025-10\""));
    let months = public(app, "/public/payments/340102001001", None).await.text();
    assert!(months.contains("2025年10月"), "{months}");
    let page = public(app, board, None).await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    for text in ["张建国", "1,360.00元", "最低生活保障", "公布日期：2025年10月31日"] {
        assert!(html.contains(text), "the board lacks “{text}”: {html}");
    }
    assert_eq!(jiuzhu_testkit::looks_private(&visible(&html)), None, "{html}");
    assert!(!html.contains("6217") && !html.contains("东村12号"), "no account, no address");
    assert_words_only(&html);
    let english = public(app, board, Some("en")).await.text();
    assert!(english.contains("assistance paid for 2025-10") && english.contains("Household size"), "{english}");
    assert_words_only(&english);
    let pdf = public(app, &format!("{board}/pdf"), None).await;
    assert_eq!(pdf.headers[header::CONTENT_TYPE], "application/pdf");
    let text = pdf_text(&pdf.body);
    let compact: String = text.split_whitespace().collect();
    assert!(compact.contains("张建国") && compact.contains("1,360.00元"), "{text}");
    assert_eq!(jiuzhu_testkit::looks_private(&text), None, "{text}");
    insta::assert_snapshot!("payment_publication_pdf", text);
    let english = public(app, &format!("{board}/pdf"), Some("en")).await;
    let english = pdf_text(&english.body);
    assert!(english.contains("Household size") && english.contains("assistance paid for 2025-10"), "{english}");
    // The notice board links to it.
    let notices = public(app, "/public/notices", None).await.text();
    assert!(notices.contains("href=\"/public/payments\""), "{notices}");
}

#[tokio::test]
async fn what_people_see_of_payments_on_sqlite() {
    what_people_see_of_payments(&mut TestApp::sqlite().await).await;
}

#[tokio::test]
async fn what_people_see_of_payments_on_postgres() {
    what_people_see_of_payments(&mut TestApp::new(jiuzhu_testkit::postgres().await).await).await;
}
