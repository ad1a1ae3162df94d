//! Issue 10, points 8 and 9 over HTTP: overlong values refused at every
//! entry point with the field (and, for files, row and column) named; a
//! value too long for Excel already in the database still exports; a stale
//! member edit is shown again with the user's input, not saved.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use jiuzhu_store as store;

use super::{TestApp, fixture, now};

fn long_address() -> String {
    "东".repeat(100_000)
}

#[tokio::test]
async fn an_overlong_address_is_refused_by_the_api_the_form_and_the_import() {
    let app = TestApp::sqlite().await;
    let body = serde_json::json!({
        "household": {"external_id": "L-1", "region_code": "340102001001", "address": long_address()},
        "head": {"id_number": "11010519491231002X", "name": "张三", "relation": "head", "co_residing": true}
    });
    let api = app.post_json("/api/households", body).await;
    assert_eq!(api.status, StatusCode::UNPROCESSABLE_ENTITY);
    let problem = &api.json()["problems"][0];
    assert_eq!(problem["field"], "address");
    assert_eq!(problem["code"], "text.error.too_long");
    assert_eq!(problem["message"], "家庭住址（address）过长：最多200个字符，现有100000个字符");
    assert!(api.body.len() < 2_000, "the value is not echoed back");

    let form = format!(
        "external_id=L-2&region_code=340102001001&address={}&name=%E5%BC%A0%E4%B8%89&id_number=11010519491231002x",
        "x".repeat(100_000)
    );
    let page = app.post_form("/households", &form).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.text().contains("家庭住址（address）过长：最多200个字符"));

    let mut csv = String::from_utf8(fixture("roster_utf8.csv")).unwrap();
    csv = csv.replacen("城关镇东村12号", &long_address(), 1);
    let import = app.send(Request::post("/api/import").body(Body::from(csv)).unwrap()).await;
    assert_eq!(import.status, StatusCode::UNPROCESSABLE_ENTITY);
    let problem = &import.json()["problems"][0];
    assert_eq!(problem["field"], "第2行 F列（家庭住址）", "{problem}");
    assert!(problem["message"].as_str().unwrap().contains("最多200个字符"), "{problem}");
    assert_eq!(app.get("/api/households").await.json()["total"], 0, "nothing was written");
}

#[tokio::test]
async fn a_stored_value_longer_than_an_excel_cell_still_exports() {
    let app = TestApp::sqlite().await;
    app.import_fixture("roster_utf8.csv").await;
    let id = app.household_id("SF-0001").await;
    // Written directly, as data from before the limits or another tool would be.
    let mut tx = app.db.begin().await.unwrap();
    let mut household = store::get_household(&mut tx, id).await.unwrap().unwrap();
    household.fields.address = long_address();
    store::update_household(&mut tx, id, household.version, &household.fields, now()).await.unwrap();
    tx.commit().await.unwrap();

    for uri in ["/export.xlsx?region=340102", "/api/export.xlsx?region=340102"] {
        let reply = app.get(uri).await;
        assert_eq!(reply.status, StatusCode::OK, "{uri}: {}", reply.text().chars().take(300).collect::<String>());
        let table = jiuzhu_files::read_table(&reply.body).unwrap();
        let address = &table.rows[0].1[5];
        assert!(address.ends_with("已截断〕") && address.encode_utf16().count() == 32_767, "{uri}");
    }
    assert_eq!(app.get(&format!("/households/{id}")).await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_stale_member_edit_is_shown_again_not_saved() {
    let app = TestApp::sqlite().await;
    app.import_fixture("roster_utf8.csv").await;
    let household = app.household_id("SF-0001").await;
    let detail = app.get(&format!("/api/households/{household}")).await.json();
    let member = detail["members"][1]["id"].as_i64().unwrap();
    assert_eq!(detail["members"][1]["version"], 1);
    let page = app.get(&format!("/members/{member}/edit")).await.text();
    assert!(page.contains("name=\"version\" value=\"1\""), "{page}");

    // Two clerks opened the form at version 1; the first saves.
    let fields = "id_number=340102196005210247&relation=spouse&disability_level=2&disability_kind=physical";
    let first = app
        .post_form(&format!("/members/{member}/edit"), &format!("version=1&name=%E6%9D%8E%E7%A7%80%E8%8B%B1&{fields}"))
        .await;
    assert_eq!(first.status, StatusCode::SEE_OTHER, "{}", first.text());
    // The second is shown their input again with the message, not saved.
    let second = app
        .post_form(
            &format!("/members/{member}/edit"),
            &format!("version=1&name=%E6%9D%8E%E7%A7%80%E7%BE%8E&co_residing=true&{fields}"),
        )
        .await;
    assert_eq!(second.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = second.text();
    assert!(html.contains("数据已被他人修改") && html.contains("value=\"李秀美\""), "{html}");
    let stored = app.get(&format!("/api/households/{household}")).await.json();
    assert_eq!(
        (stored["members"][1]["name"].as_str(), stored["members"][1]["co_residing"].as_bool()),
        (Some("李秀英"), Some(false)),
        "the first edit stands"
    );

    // The API answers 409 to a stale version and 204 to the current one.
    let edit = |version: i64| {
        serde_json::json!({"version": version, "member": {"id_number": "340102196005210247", "name": "李秀英",
            "relation": "spouse", "co_residing": true}})
    };
    let put = |body: serde_json::Value| {
        Request::put(format!("/api/members/{member}"))
            .header("content-type", "application/json")
            .body(Body::from(body.to_string()))
            .unwrap()
    };
    assert_eq!(app.send(put(edit(1))).await.status, StatusCode::CONFLICT);
    assert_eq!(app.send(put(edit(2))).await.status, StatusCode::NO_CONTENT);
    assert_eq!(app.send(put(edit(2))).await.status, StatusCode::CONFLICT);
}
