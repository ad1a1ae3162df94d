//! The bank file and the bank's return over HTTP (issue 12 points 3/4) on
//! SQLite and PostgreSQL: an approved roll's file downloads with a Chinese
//! file name, the same bytes every time (page and API), and the roll page
//! then shows its SHA-256, lines and total; a return that does not match is
//! refused with every problem in Chinese and nothing changes; the bank's
//! real return marks the lines, lists the failure, and the correction list
//! shows it in words with masked numbers until it is marked corrected.

use axum::http::StatusCode;
use jiuzhu_app::payment::roll::{self as pay, GenerateRoll};
use jiuzhu_app::{Actor, Scope};
use jiuzhu_domain::entitlement::YearMonth;
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

/// The bank's return of an exported GBK file: 处理结果 and 失败原因 added,
/// the line of `failed` amount failing with its reason.
fn bank_return(file: &[u8], failed: Option<(&str, &str)>) -> Vec<String> {
    let (text, _, errors) = encoding_rs::GBK.decode(file);
    assert!(!errors);
    text.lines()
        .map(|line| {
            if line.starts_with("序号") {
                format!("{line},处理结果,失败原因")
            } else if line.starts_with("合计") {
                line.to_string()
            } else {
                match failed {
                    Some((amount, reason)) if line.contains(&format!(",{amount},")) => format!("{line},失败,{reason}"),
                    _ => format!("{line},成功,"),
                }
            }
        })
        .collect()
}

/// The bank's return of an exported GBK file with every line failed for
/// `reason` (the access matrix's correction).
pub(super) fn every_line_failed(file: &[u8], reason: &str) -> Vec<u8> {
    let lines: Vec<String> = bank_return(file, None)
        .into_iter()
        .map(|l| match l.strip_suffix(",成功,") {
            Some(line) => format!("{line},失败,{reason}"),
            None => l,
        })
        .collect();
    gbk(&lines)
}

fn gbk(lines: &[String]) -> Vec<u8> {
    encoding_rs::GBK.encode(&(lines.join("\r\n") + "\r\n")).0.into_owned()
}

/// Words only: no code, no fen, no full ID or account number.
fn assert_words_only(html: &str) {
    let text = visible(html);
    for code in ["_fen", "pending", "exported", "340102", "6217001234567890122", "6228480012345678907"] {
        assert!(!text.contains(code), "the page shows “{code}”: {text}");
    }
}

async fn the_bank_file_and_its_return(app: &mut TestApp) {
    app.import_fixture("roster_utf8.csv").await;
    account(app, "SF-0001", "张建国", "6217001234567890122").await;
    account(app, "SF-0003", "赵大勇", "6228480012345678907").await;
    let clerk = Actor::user(90, "clerk", &[Role::CountyClerk], county());
    let ask = GenerateRoll {
        month: YearMonth::parse("2025-10").unwrap(),
        region: None,
        group: ProgramGroup::All,
        kind: RollKind::Regular,
    };
    let roll = pay::generate(&app.db, &clerk, now(), ask).await.unwrap();
    let bank = format!("/payments/rolls/{}/bank", roll.id);

    // A draft has no file yet.
    let html = app.get(&bank).await.text();
    assert!(html.contains("花名册审批后才能导出银行代发文件") && !html.contains("id=\"export-file\""), "{html}");
    let refused = app.post_form(&format!("/payments/rolls/{}/export", roll.id), "").await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let approver = Actor::user(91, "shenpi", &[Role::CountyApprover], county());
    pay::approve(&app.db, &approver, now(), roll.id, roll.version).await.unwrap();

    // The roll page links to the bank page; the bank page offers the export.
    let html = app.get(&format!("/payments/rolls/{}", roll.id)).await.text();
    assert!(html.contains("id=\"bank-link\"") && !html.contains("id=\"roll-file-sha256\""));
    let html = app.get(&bank).await.text();
    assert!(html.contains("id=\"export-file\"") && html.contains("尚未导出银行代发文件"), "{html}");
    assert!(!html.contains("id=\"import-return\""));

    // Exported twice from the page and once by the API: the same bytes.
    let first = app.post_form(&format!("/payments/rolls/{}/export", roll.id), "").await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text());
    assert!(first.headers["content-type"].to_str().unwrap().starts_with("text/csv"));
    let disposition = first.headers["content-disposition"].to_str().unwrap().to_string();
    assert!(disposition.starts_with("attachment; filename=\"payment_"), "{disposition}");
    // 代发_340102000000_202510_{id}.csv, percent-encoded UTF-8.
    assert!(
        disposition.ends_with(&format!("filename*=UTF-8''%E4%BB%A3%E5%8F%91_340102000000_202510_{}.csv", roll.id)),
        "{disposition}"
    );
    let second = app.post_form(&format!("/payments/rolls/{}/export", roll.id), "").await;
    assert_eq!(second.body, first.body);
    let api = app.post_form(&format!("/api/payments/rolls/{}/export", roll.id), "").await;
    assert_eq!(api.status, StatusCode::OK);
    assert_eq!(api.body, first.body);
    let sha = first.headers["x-file-sha256"].to_str().unwrap().to_string();
    assert_eq!(sha.len(), 64);

    // The roll page and the bank page show the file's SHA-256, lines and total.
    let html = app.get(&format!("/payments/rolls/{}", roll.id)).await.text();
    assert!(html.contains(&sha) && html.contains("2,040.00元") && html.contains("已导出代发文件"), "{html}");
    let html = app.get(&bank).await.text();
    assert!(html.contains(&sha) && html.contains("id=\"import-return\""), "{html}");
    assert_words_only(&html);

    // A return that does not match: refused with every problem in Chinese,
    // nothing changed.
    let mut wrong = bank_return(&first.body, None);
    let i = wrong.iter().position(|l| l.contains(",680.00,")).unwrap();
    wrong[i] = wrong[i].replace(",680.00,", ",860.00,");
    let trailer = wrong.len() - 1;
    wrong[trailer] = "合计,,,,,,,2220.00,笔数:2".into();
    let refused = app.upload(&format!("/payments/rolls/{}/returns", roll.id), "回盘.csv", &gbk(&wrong)).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = refused.text();
    assert!(html.contains("id=\"return-problems\"") && html.contains("花名册没有任何改动"), "{html}");
    assert!(
        html.contains(&format!("回盘文件第{}行", i + 1))
            && html.contains("金额与花名册不符：花名册为680.00元，回盘为860.00元"),
        "{html}"
    );
    assert!(html.contains("合计不符"), "{html}");
    assert_words_only(&html);
    let api = app.post_form(&format!("/api/payments/rolls/{}/returns?file_name=r.csv", roll.id), "序号,金额\n").await;
    assert_eq!(api.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(api.json()["problems"][0]["message"].as_str().unwrap().contains("找不到表头行"));
    let detail = app.get(&format!("/api/payments/rolls/{}", roll.id)).await.json();
    assert_eq!(detail["roll"]["state"], "exported");
    assert!(detail["lines"].as_array().unwrap().iter().all(|l| l["result"] != "paid" && l["result"] != "failed"));

    // An auditor reads but neither exports nor imports.
    app.sign_in_as("shenji", &[Role::Auditor], "340102").await;
    let html = app.get(&bank).await.text();
    assert!(!html.contains("id=\"export-file\"") && !html.contains("id=\"import-return\""));
    let denied = app.post_form(&format!("/api/payments/rolls/{}/export", roll.id), "").await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);

    // The bank's return: 赵大勇's account was closed.
    app.sign_in_as("clerk2", &[Role::CountyClerk], "340102").await;
    let good = gbk(&bank_return(&first.body, Some(("680.00", "账户已销户"))));
    let done = app.upload(&format!("/payments/rolls/{}/returns", roll.id), "回盘.csv", &good).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text());
    let html = done.text();
    assert!(html.contains("回盘文件已导入：成功1笔，共1,360.00元；失败1笔，共680.00元。"), "{html}");
    assert!(html.contains("赵大勇") && html.contains("账户已销户") && html.contains("6228***********8907"), "{html}");
    assert!(html.contains("本花名册已导入回盘文件，发放已结束"));
    assert_words_only(&html);
    let again = app.upload(&format!("/payments/rolls/{}/returns", roll.id), "回盘.csv", &good).await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    let detail = app.get(&format!("/api/payments/rolls/{}", roll.id)).await.json();
    let results: Vec<&str> =
        detail["lines"].as_array().unwrap().iter().map(|l| l["result"].as_str().unwrap()).collect();
    assert_eq!(results.iter().filter(|r| **r == "paid").count(), 1, "{results:?}");
    assert_eq!(results.iter().filter(|r| **r == "failed").count(), 1, "{results:?}");

    // The correction list, in words, in Chinese and English.
    let list = app.get("/payments/corrections").await.text();
    for text in
        ["赵大勇", "2025年10月", "680.00元", "账户已销户", "待更正", "6228***********8907", "下一期花名册或补发花名册"]
    {
        assert!(list.contains(text), "the correction list lacks “{text}”: {list}");
    }
    assert!(list.contains("class=\"resolve-correction\"") && list.contains("#payees"));
    assert_words_only(&list);
    let english = app.get_with("/payments/corrections", "cookie", "lang=en; jz_session=session-clerk2").await.text();
    assert!(english.contains("Failed payments to correct") && english.contains(">2025-10<"), "{english}");
    assert_words_only(&english);
    let api = app.get("/api/payments/corrections").await.json();
    assert_eq!(api.as_array().unwrap().len(), 1);
    assert_eq!(api[0]["reason"], "账户已销户");
    let id = api[0]["id"].as_i64().unwrap();

    // Marked corrected: gone from the open list, shown with all.
    let resolved = app.post_form(&format!("/payments/corrections/{id}/resolve"), "").await;
    assert_eq!(resolved.status, StatusCode::SEE_OTHER, "{}", resolved.text());
    assert!(app.get("/payments/corrections").await.text().contains("没有待更正的发放失败"));
    let all = app.get("/payments/corrections?all=1").await.text();
    assert!(all.contains("已更正（") && !all.contains("class=\"resolve-correction\""), "{all}");
    let twice = app.post_form(&format!("/api/payments/corrections/{id}/resolve"), "").await;
    assert_eq!(twice.status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn the_bank_file_and_its_return_on_sqlite() {
    the_bank_file_and_its_return(&mut TestApp::sqlite().await).await;
}

#[tokio::test]
async fn the_bank_file_and_its_return_on_postgres() {
    the_bank_file_and_its_return(&mut TestApp::new(jiuzhu_testkit::postgres().await).await).await;
}
