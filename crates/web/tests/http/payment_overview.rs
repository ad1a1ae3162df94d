//! What was paid, over HTTP (issue 12 points 4 and 7), on SQLite and
//! PostgreSQL: a month paid with one failure, the failure corrected and paid
//! by a supplementary roll. The roll's totals say prepared, sent, paid,
//! failed, re-paid and outstanding right at each step; the county overview
//! draws its charts in words and its table shows the store's sums; the
//! lists export to xlsx with money as numbers and ID and account numbers as
//! masked text; an auditor reads it all, another county's clerk nothing.

use axum::http::StatusCode;
use calamine::{Data, Reader, Xlsx};
use jiuzhu_app::payment::roll::{self as pay, GenerateRoll};
use jiuzhu_app::payment::{export, returns};
use jiuzhu_app::{Actor, Scope};
use jiuzhu_domain::entitlement::YearMonth;
use jiuzhu_domain::payment::roll::{ProgramGroup, RollKind};
use jiuzhu_domain::{Region, RegionCode, Role};
use serde_json::json;

use super::{TestApp, now};

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

/// The bank's return of an exported GBK file, the line of `failed` amount
/// failing with `reason`.
fn bank_return(file: &[u8], failed: Option<&str>) -> Vec<u8> {
    let (text, _, _) = encoding_rs::GBK.decode(file);
    let lines: Vec<String> = text
        .lines()
        .map(|line| {
            if line.starts_with("序号") {
                format!("{line},处理结果,失败原因")
            } else if line.starts_with("合计") {
                line.to_string()
            } else if failed.is_some_and(|a| line.contains(&format!(",{a},"))) {
                format!("{line},失败,账户已销户")
            } else {
                format!("{line},成功,")
            }
        })
        .collect();
    encoding_rs::GBK.encode(&(lines.join("\r\n") + "\r\n")).0.into_owned()
}

/// A roll of October 2025 prepared by the clerk, approved by shenpi,
/// exported and returned (`failed`: the amount of the line that fails).
async fn paid_roll(app: &TestApp, kind: RollKind, failed: Option<&str>) -> i64 {
    let clerk = Actor::user(90, "clerk", &[Role::CountyClerk], county());
    let approver = Actor::user(91, "shenpi", &[Role::CountyApprover], county());
    let ask =
        GenerateRoll { month: YearMonth::parse("2025-10").unwrap(), region: None, group: ProgramGroup::All, kind };
    let roll = pay::generate(&app.db, &clerk, now(), ask).await.unwrap();
    pay::approve(&app.db, &approver, now(), roll.id, roll.version).await.unwrap();
    let file = export::export_file(&app.db, &clerk, now(), roll.id).await.unwrap();
    returns::import_return(&app.db, &clerk, now(), roll.id, "回盘.csv", &bank_return(&file.bytes, failed))
        .await
        .unwrap();
    roll.id
}

fn totals(v: &serde_json::Value, what: &str) -> (i64, i64) {
    (v[what]["lines"].as_i64().unwrap(), v[what]["amount_fen"].as_i64().unwrap())
}

fn workbook(bytes: &[u8]) -> calamine::Range<Data> {
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let name = book.sheet_names()[0].clone();
    book.worksheet_range(&name).unwrap()
}

/// The column of `title` in the header row.
fn column(sheet: &calamine::Range<Data>, title: &str) -> usize {
    (0..sheet.width())
        .find(|c| sheet.get((0, *c)) == Some(&Data::String(title.into())))
        .unwrap_or_else(|| panic!("no column {title}"))
}

async fn xlsx(app: &TestApp, uri: &str) -> calamine::Range<Data> {
    let reply = app.get(uri).await;
    assert_eq!(reply.status, StatusCode::OK, "{uri}: {}", reply.text());
    let kind = reply.headers["content-type"].to_str().unwrap();
    assert_eq!(kind, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    assert!(reply.headers["content-disposition"].to_str().unwrap().contains("filename*=UTF-8''"));
    workbook(&reply.body)
}

async fn what_was_paid(app: &mut TestApp) {
    app.import_fixture("roster_utf8.csv").await;
    account(app, "SF-0001", "张建国", "6217001234567890122").await;
    account(app, "SF-0003", "赵大勇", "6228480012345678907").await;

    // October: 张建国 1,360.00元 paid, 赵大勇 680.00元 failed (account closed).
    let first = paid_roll(app, RollKind::Regular, Some("680.00")).await;
    let t = app.get(&format!("/api/payments/rolls/{first}/totals")).await.json();
    assert_eq!(totals(&t, "prepared"), (2, 204_000));
    assert_eq!(totals(&t, "sent"), (2, 204_000));
    assert_eq!(totals(&t, "awaiting_return"), (0, 0));
    assert_eq!(totals(&t, "paid"), (1, 136_000));
    assert_eq!(totals(&t, "failed"), (1, 68_000));
    assert_eq!(totals(&t, "repaid"), (0, 0));
    assert_eq!(totals(&t, "outstanding"), (1, 68_000));

    // The roll's page loads its totals; the totals page shows them in words.
    let roll_page = app.get(&format!("/payments/rolls/{first}")).await.text();
    assert!(roll_page.contains(&format!("hx-get=\"/payments/rolls/{first}/totals\"")), "{roll_page}");
    assert!(roll_page.contains(&format!("href=\"/payments/rolls/{first}/lines.xlsx\"")), "{roll_page}");
    let html = app.get(&format!("/payments/rolls/{first}/totals")).await.text();
    assert!(html.contains("id=\"roll-totals\""), "{html}");
    for (row, label, lines, amount) in [
        ("totals-prepared", "已编制（有收款账户）", 2, "2,040.00元"),
        ("totals-paid", "已发放", 1, "1,360.00元"),
        ("totals-failed", "发放失败", 1, "680.00元"),
        ("totals-outstanding", "待补发", 1, "680.00元"),
    ] {
        let expected = format!(
            "<tr id=\"{row}\"><td>{label}</td><td class=\"num\">{lines}</td><td class=\"num\">{amount}</td></tr>"
        );
        assert!(html.contains(&expected), "lacks {expected}: {html}");
    }
    assert!(!html.contains("_fen") && !html.contains(">outstanding<"));

    // The account is fixed, the correction resolved; a supplementary roll
    // pays 赵大勇's October once.
    account(app, "SF-0003", "赵大勇", "6217001234567890122").await;
    let correction = app.get("/api/payments/corrections").await.json()[0]["id"].as_i64().unwrap();

    // The correction list exports with the masked account as text.
    let sheet = xlsx(app, "/payments/corrections.xlsx").await;
    assert_eq!(sheet.get((1, column(&sheet, "收款人"))), Some(&Data::String("赵大勇".into())));
    assert_eq!(sheet.get((1, column(&sheet, "金额（元）"))), Some(&Data::Float(680.0)));
    assert_eq!(sheet.get((1, column(&sheet, "账号"))), Some(&Data::String("6228***********8907".into())));
    assert_eq!(sheet.get((1, column(&sheet, "状态"))), Some(&Data::String("待更正".into())));

    let clerk = Actor::user(90, "clerk", &[Role::CountyClerk], county());
    returns::resolve_correction(&app.db, &clerk, now(), correction).await.unwrap();
    let supplementary = paid_roll(app, RollKind::Supplementary, None).await;
    let t = app.get(&format!("/api/payments/rolls/{first}/totals")).await.json();
    assert_eq!(totals(&t, "failed"), (1, 68_000));
    assert_eq!(totals(&t, "repaid"), (1, 68_000));
    assert_eq!(totals(&t, "outstanding"), (0, 0));
    let t = app.get(&format!("/api/payments/rolls/{supplementary}/totals")).await.json();
    assert_eq!(totals(&t, "paid"), (1, 68_000));
    assert_eq!(totals(&t, "outstanding"), (0, 0));

    // The overview: the API's figures are the rolls' sums.
    let o = app.get("/api/payments/overview?to=2025-10").await.json();
    assert_eq!(o["from"], "2024-11");
    let figures = o["figures"].as_array().unwrap();
    let paid: i64 = figures.iter().map(|f| f["paid_fen"].as_i64().unwrap()).sum();
    let mut expected = 0;
    for id in [first, supplementary] {
        let d = app.get(&format!("/api/payments/rolls/{id}")).await.json();
        expected += d["lines"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|l| l["result"] == "paid")
            .map(|l| l["amount_fen"].as_i64().unwrap())
            .sum::<i64>();
    }
    assert_eq!(paid, expected);
    assert_eq!(paid, 204_000);
    let people: i64 = figures.iter().map(|f| f["paid_people"].as_i64().unwrap()).sum();
    assert_eq!(people, 2, "{o}");
    assert_eq!(figures.iter().map(|f| f["failed_fen"].as_i64().unwrap()).sum::<i64>(), 68_000);

    // The page: two charts in words, no script, a table with the same figures.
    let payments = app.get("/payments").await.text();
    assert!(payments.contains("href=\"/payments/overview\""), "{payments}");
    let html = app.get("/payments/overview?to=2025-10").await.text();
    assert!(html.contains("<svg id=\"chart-amounts\" role=\"img\""), "{html}");
    assert!(html.contains("<svg id=\"chart-people\" role=\"img\""), "{html}");
    assert!(html.contains("各月已发放金额（元）") && html.contains("各月已发放人数（人）"), "{html}");
    assert!(html.contains("2024年11月至2025年10月") && html.contains(">2024年<") && html.contains(">10月<"), "{html}");
    assert!(html.contains("<title>2025年10月低保：2,040元</title>"), "{html}");
    assert!(html.contains("<title>2025年10月低保：2人</title>"), "{html}");
    assert!(!html.contains("<script>") && !html.contains("_fen") && !html.contains("dibao"));
    assert!(
        html.contains(
            "<td>2025年10月</td><td>低保</td><td class=\"num\">2</td><td class=\"num\">2,720.00元</td>\
             <td class=\"num\">2</td><td class=\"num\">2,720.00元</td><td class=\"num paid-people\">2</td>\
             <td class=\"num paid-amount\">2,040.00元</td><td class=\"num\">1</td><td class=\"num\">680.00元</td>"
        ),
        "{html}"
    );
    assert!(html.contains("id=\"overview-rolls\"") && html.contains("补充发放"), "{html}");

    // The roll's lines as xlsx: money a number, ID and account masked text.
    let sheet = xlsx(app, &format!("/payments/rolls/{first}/lines.xlsx")).await;
    // Every line, those without an account too (not sent).
    let detail = app.get(&format!("/api/payments/rolls/{first}")).await.json();
    let all = detail["roll"]["lines"].as_i64().unwrap() + detail["roll"]["no_account_lines"].as_i64().unwrap();
    assert_eq!(sheet.height() as i64, all + 1);
    let amount = column(&sheet, "金额（元）");
    let amounts: Vec<f64> = (1..sheet.height())
        .map(|r| match sheet.get((r, amount)) {
            Some(Data::Float(f)) => *f,
            other => panic!("the amount is not a number: {other:?}"),
        })
        .collect();
    assert!(amounts.contains(&680.0) && amounts.contains(&1360.0), "{amounts:?}");
    let mut accounts = 0;
    for r in 1..sheet.height() {
        let Some(Data::String(id)) = sheet.get((r, column(&sheet, "身份证号"))) else { panic!("ID not text") };
        assert!(id.contains('*') && id.chars().count() == 18, "{id}");
        if let Some(Data::String(acct)) = sheet.get((r, column(&sheet, "账号"))) {
            assert!(acct.contains("***"), "{acct}");
            accounts += 1;
        }
    }
    assert_eq!(accounts, 2);
    let result = column(&sheet, "发放结果");
    assert!((1..sheet.height()).any(|r| sheet.get((r, result)) == Some(&Data::String("发放失败".into()))));

    // The overview as xlsx.
    let sheet = xlsx(app, "/payments/overview.xlsx?to=2025-10").await;
    assert_eq!(sheet.get((1, 0)), Some(&Data::String("2025年10月".into())));
    assert_eq!(sheet.get((1, column(&sheet, "已发放金额（元）"))), Some(&Data::Float(2040.0)));
    assert_eq!(sheet.get((1, column(&sheet, "已发放人数"))), Some(&Data::Float(2.0)));

    // Recipients without an account (none of the fixture's others has one).
    let missing = app.get("/payees/missing?month=2025-10").await.text();
    assert!(missing.contains("href=\"/payees/missing.xlsx?month=2025-10"), "{missing}");
    let sheet = xlsx(app, "/payees/missing.xlsx?month=2025-10").await;
    let money = column(&sheet, "月发放金额（元）");
    for r in 1..sheet.height() {
        assert!(matches!(sheet.get((r, money)), Some(Data::Float(_))), "{:?}", sheet.get((r, money)));
        assert!(matches!(sheet.get((r, column(&sheet, "户编号"))), Some(Data::String(_))));
    }

    // Each export is recorded.
    let mut tx = app.db.begin_read().await.unwrap();
    let filter =
        jiuzhu_store::AuditFilter { action: Some("payment_list_exported".into()), limit: 100, ..Default::default() };
    let exported = jiuzhu_store::search_audit(&mut tx, &filter).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(exported.len(), 4, "{exported:?}");

    // An auditor reads; another county's clerk sees nothing of it.
    app.sign_in_as("shenji", &[Role::Auditor], "340102").await;
    assert_eq!(app.get(&format!("/api/payments/rolls/{first}/totals")).await.status, StatusCode::OK);
    assert!(app.get("/payments/overview?to=2025-10").await.text().contains("2,040.00元"));
    assert_eq!(app.get(&format!("/payments/rolls/{first}/lines.xlsx")).await.status, StatusCode::OK);
    let other = Region { code: RegionCode::parse("340103").unwrap(), name: "邻县".into() };
    jiuzhu_app::registry::upsert_regions(&app.db, &Actor::system(), now(), &[other]).await.unwrap();
    app.sign_in_as("other", &[Role::CountyClerk], "340103").await;
    assert_eq!(app.get(&format!("/api/payments/rolls/{first}/totals")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get(&format!("/payments/rolls/{first}/totals")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get(&format!("/payments/rolls/{first}/lines.xlsx")).await.status, StatusCode::NOT_FOUND);
    let o = app.get("/api/payments/overview?to=2025-10").await.json();
    assert_eq!(o["figures"], json!([]));
    assert!(app.get("/payments/overview?to=2025-10").await.text().contains("近12个月没有发放记录"));
}

#[tokio::test]
async fn what_was_paid_on_sqlite() {
    what_was_paid(&mut TestApp::sqlite().await).await;
}

#[tokio::test]
async fn what_was_paid_on_postgres() {
    what_was_paid(&mut TestApp::new(jiuzhu_testkit::postgres().await).await).await;
}
