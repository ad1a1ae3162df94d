//! A county's own bank file layout over HTTP (issue 12 point 3) on SQLite
//! and PostgreSQL: the payments page links to `/payments/layout`, which
//! shows the layout in force in words (the 一卡通 default at first) with a
//! sample of its first lines; the county clerk adds and moves columns with
//! the form's buttons, sees every problem naming its column, previews a
//! fixed-width GBK layout and saves it; an auditor and a township clerk
//! read it and cannot change it; the same through `/api/payments/layout`.

use axum::http::StatusCode;
use serde_json::json;

use super::{TestApp, visible};

fn urlencode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn form(fields: &[(&str, &str)]) -> String {
    fields.iter().map(|(k, v)| format!("{k}={}", urlencode(v))).collect::<Vec<_>>().join("&")
}

/// A fixed-width GBK layout as the form sends it, with `op`.
fn fixed_form(op: &str, widths: &[&str]) -> String {
    let columns = [
        ("seq", "序号"),
        ("name", "户名"),
        ("id_number", "证件号码"),
        ("account", "卡号"),
        ("amount", "金额"),
        ("result", "处理结果"),
        ("reason", "失败原因"),
    ];
    let mut fields: Vec<(String, String)> = vec![
        ("name".into(), "农业银行定长格式".into()),
        ("format".into(), "fixed_width".into()),
        ("encoding".into(), "gbk".into()),
        ("header".into(), "yes".into()),
        ("trailer".into(), "yes".into()),
        ("op".into(), op.into()),
    ];
    for (i, (field, title)) in columns.iter().enumerate() {
        fields.push((format!("field_{i}"), field.to_string()));
        fields.push((format!("title_{i}"), title.to_string()));
        fields.push((format!("width_{i}"), widths.get(i).copied().unwrap_or_default().to_string()));
    }
    let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    form(&refs)
}

fn assert_words_only(html: &str) {
    let text = visible(html);
    for code in ["fixed_width", "id_number", "yikatong", "gb18030", "utf8", "custom", "340102000000"] {
        assert!(!text.contains(code), "the page shows “{code}”: {text}");
    }
}

async fn a_county_records_its_bank_layout(app: &mut TestApp) {
    assert!(app.get("/payments").await.text().contains("href=\"/payments/layout\""));

    // At first: the 一卡通 default, its columns and a sample.
    let page = app.get("/payments/layout").await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    assert!(html.contains("未设定本地格式，使用默认的“一卡通”代发文件格式。"), "{html}");
    assert!(html.contains("现行政策：按“一卡通”默认格式导出"), "{html}");
    assert!(html.contains("<td>补贴期号</td>") && html.contains("<td>处理结果</td>"), "{html}");
    assert!(html.contains("序号,姓名,身份证号,账号,开户行,补贴项目,补贴期号,金额,摘要"), "{html}");
    assert!(html.contains("合计,,,,,,,2240.50,笔数:2"), "{html}");
    assert!(html.contains("id=\"layout-form\"") && html.contains("name=\"field_10\""), "{html}");
    assert_words_only(&html);

    // 增加一列 adds a row before the return's columns; 上移 moves it.
    let added = app.post_form("/payments/layout", &fixed_form("add", &[])).await;
    assert_eq!(added.status, StatusCode::OK, "{}", added.text());
    let html = added.text();
    assert!(html.contains("name=\"field_7\""), "{html}");
    assert!(html.contains("<option value=\"memo\" selected>"), "the new row is a 摘要 column: {html}");
    let moved = app.post_form("/payments/layout", &fixed_form("up:1", &[])).await.text();
    let name_at = moved.find("value=\"户名\"").unwrap();
    let seq_at = moved.find("value=\"序号\"").unwrap();
    assert!(name_at < seq_at, "户名 moved above 序号");

    // Saved without widths: every column named, nothing stored.
    let refused = app.post_form("/payments/layout", &fixed_form("save", &["6", "", "18", "20", "12", "8", "16"])).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = refused.text();
    assert!(html.contains("第2列（户名）：定长文本须填写每列的宽度（字节数，大于0）。"), "{html}");
    assert!(!html.contains("第1列"), "{html}");
    assert_words_only(&html);
    assert!(app.get("/payments/layout").await.text().contains("未设定本地格式"));

    // Checked and previewed: the sample padded to the widths in GBK bytes.
    let widths = ["6", "12", "18", "20", "12", "8", "16"];
    let checked = app.post_form("/payments/layout", &fixed_form("check", &widths)).await;
    assert_eq!(checked.status, StatusCode::OK);
    let html = checked.text();
    assert!(html.contains("id=\"layout-form-sample\""), "{html}");
    assert!(html.contains("1     张三        110105********002X621700*********0123 1260.00"), "{html}");

    let saved = app.post_form("/payments/layout", &fixed_form("save", &widths)).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text());
    let location = saved.headers.get("location").unwrap().to_str().unwrap().to_string();
    let html = app.get(&location).await.text();
    assert!(html.contains("id=\"layout-saved\"") && html.contains("本地区设定的格式"), "{html}");
    assert!(html.contains("<td>农业银行定长格式</td><td>定长文本</td><td>7</td>"), "{html}");
    assert!(html.contains("<th>宽度（字节）</th>") && html.contains("<td>证件号码</td><td>18</td>"), "{html}");
    assert_words_only(&html);

    // The API: the layout in force, and a refusal naming the column.
    let api = app.get("/api/payments/layout").await.json();
    assert_eq!(api["source"], "own");
    assert_eq!(api["layout"]["format"], "fixed_width");
    assert_eq!(api["history"].as_array().unwrap().len(), 1);
    let body = json!({
        "name": "建设银行", "format": "csv", "encoding": "gbk", "header": true, "trailer": true,
        "columns": [
            {"field": "seq", "title": "序号"}, {"field": "name", "title": "姓名"},
            {"field": "id_number", "title": "身份证号"}, {"field": "amount", "title": "金额"},
            {"field": "result", "title": "处理结果"}
        ]
    });
    let refused = app.post_json("/api/payments/layout", body.clone()).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused.json()["problems"][0]["message"], "缺少必需的列“账号”。");
    let mut body = body;
    body["columns"].as_array_mut().unwrap().insert(3, json!({"field": "account", "title": "账号"}));
    let created = app.post_json("/api/payments/layout", body.clone()).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
    assert_eq!(created.json()["name"], "建设银行");

    // An auditor reads, changes nothing.
    app.sign_in_as("shenji", &[jiuzhu_domain::Role::Auditor], "340102").await;
    let html = app.get("/payments/layout").await.text();
    assert!(html.contains("建设银行") && html.contains("id=\"layout-no-change\"") && !html.contains("layout-form"));
    let denied = app.post_json("/api/payments/layout", body).await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
    let widths = ["6", "12", "18", "20", "12", "8", "16"];
    let denied = app.post_form("/payments/layout", &fixed_form("save", &widths)).await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);

    // A township clerk sees the county's layout as its own region's.
    app.sign_in_as("zhen", &[jiuzhu_domain::Role::TownshipClerk], "340102001").await;
    let html = app.get("/payments/layout").await.text();
    assert!(html.contains("沿用上级地区设定的格式") && html.contains("建设银行"), "{html}");
    assert!(!html.contains("layout-form"));
}

#[tokio::test]
async fn a_county_records_its_bank_layout_on_sqlite() {
    a_county_records_its_bank_layout(&mut TestApp::sqlite().await).await;
}

#[tokio::test]
async fn a_county_records_its_bank_layout_on_postgres() {
    a_county_records_its_bank_layout(&mut TestApp::new(jiuzhu_testkit::postgres().await).await).await;
}
