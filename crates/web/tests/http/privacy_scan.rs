//! Issue 10, point 12: every page and API answer of the demo county, read
//! as a county-wide user holding every role, shows no full ID number or
//! phone number outside the audited reveals. The walk takes every GET route
//! of the OpenAPI document and every page route, with real record numbers;
//! a new API route that the walk does not visit fails the test.

use axum::http::StatusCode;
use jiuzhu_app::{Actor, demo};
use jiuzhu_domain::Role;

use super::{TestApp, now};

/// Routes whose answer is the full number on purpose, each an audited
/// reveal or an audited export, with the reason.
const REVEALS: &[(&str, &str)] = &[
    ("/api/persons/{id_number}", "a lookup by the number itself, recorded as person_looked_up"),
    ("/api/export.xlsx", "the roster export, recorded as roster_exported"),
    ("/export.xlsx", "the roster export, recorded as roster_exported"),
    ("/households/{id}/edit", "the edit form shows the phone in full, recorded as sensitive_revealed"),
    ("/members/{id}/edit", "the edit form shows the ID number in full, recorded as sensitive_revealed"),
    ("/households/{id}?reveal=1", "the reveal, recorded as sensitive_revealed"),
    ("/api/payments/payees/accounts/{id}/reveal", "the full account number, recorded as payee_account_revealed"),
    ("/payees/accounts/{id}/reveal", "the full account number, recorded as payee_account_revealed"),
];

/// Binary answers (PDF, photos) are not text to scan.
const BINARY: &[&str] = &[
    "/api/verification/results/{id}/report.pdf",
    "/verification/results/{id}/report.pdf",
    "/api/cases/{id}/documents/{doc}",
    "/cases/{id}/documents/{doc}/pdf",
    "/cases/{id}/photos/{photo}",
];

#[tokio::test]
async fn no_page_or_api_answer_shows_a_full_id_or_phone_number() {
    let mut app = TestApp::sqlite().await;
    let system = Actor::system();
    demo::load_demo(&app.db, &system, now(), 7, 60, &mut |_, _| {}).await.unwrap();
    demo::load_demo_verification(&app.db, &system, now(), 7, 60).await.unwrap();
    demo::load_demo_cases(&app.db, &system, now()).await.unwrap();
    app.sign_in_as("scan", Role::ALL, demo::COUNTY_CODE).await;

    // Records to visit: households with cases, results, runs, deliveries.
    let cases = app.get("/api/cases").await.json();
    let case_ids: Vec<i64> = json_ids(&cases["cases"], "id");
    assert!(!case_ids.is_empty(), "the demo has cases: {cases}");
    let mut households: Vec<i64> = Vec::new();
    for case in &case_ids {
        let view = app.get(&format!("/api/cases/{case}")).await.json();
        households.push(view["household_id"].as_i64().unwrap());
    }
    let list = app.get("/api/households").await.json();
    households.extend(json_ids(&list["rows"], "id").into_iter().take(5));
    households.sort();
    households.dedup();
    // Changes that put numbers into history, the audit log and case events:
    // a member added, a phone changed, a member edited, a public objection.
    let edited = households[0];
    let added = app
        .post_json(
            &format!("/api/households/{edited}/members"),
            serde_json::json!({"id_number": "110105195001010012", "name": "李芳", "relation": "other", "co_residing": true}),
        )
        .await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.text());
    let member = added.json()["id"].as_i64().unwrap();
    let detail = app.get(&format!("/api/households/{edited}?reveal=1")).await.json();
    let mut household = detail["household"].clone();
    household["phone"] = "13855125678".into();
    let body = serde_json::json!({"version": detail["household"]["version"], "household": household});
    let put = axum::http::Request::put(format!("/api/households/{edited}"))
        .header("content-type", "application/json")
        .body(axum::body::Body::from(body.to_string()))
        .unwrap();
    assert_eq!(app.send(put).await.status, StatusCode::NO_CONTENT);
    let body = serde_json::json!({"version": 1, "member": {"id_number": "110105195001010012", "name": "李芳",
        "relation": "other", "co_residing": false}});
    let put = axum::http::Request::put(format!("/api/members/{member}"))
        .header("content-type", "application/json")
        .body(axum::body::Body::from(body.to_string()))
        .unwrap();
    assert_eq!(app.send(put).await.status, StatusCode::NO_CONTENT);

    let mut results = Vec::new();
    for h in &households {
        results.extend(json_ids(&app.get(&format!("/api/households/{h}/verification")).await.json(), "id"));
    }
    assert!(!results.is_empty(), "the demo has verification results");
    let deliveries = json_ids(&app.get("/api/verification/deliveries").await.json(), "id");
    // A county-wide run as a background job, done by a worker.
    let started = app.post_json("/api/verification/runs", serde_json::json!({"region": ""})).await;
    assert_eq!(started.status, StatusCode::ACCEPTED, "{}", started.text());
    let job = started.json()["id"].as_i64().unwrap();
    let (_keep, stop) = tokio::sync::watch::channel(false);
    jiuzhu_app::job::work_one(&app.db, &jiuzhu_app::job::WorkerConfig::new("scan"), &now, &stop).await.unwrap();
    // The scanning user (the clerk of `TestApp::new` is outside the county).
    let user_ids = [2];
    let mut villages: Vec<String> = json_rows(&app.get("/api/public/notices").await.json())
        .iter()
        .filter_map(|v| v["region_code"].as_str().map(str::to_string))
        .collect();
    // The villages of the cases, whether or not they have a notice up.
    for c in &case_ids {
        let view = app.get(&format!("/api/cases/{c}")).await.json();
        villages.extend(view["region_code"].as_str().map(|r| r[..12].to_string()));
    }
    villages.sort();
    villages.dedup();

    // A payment roll of the county: one the demo made, or this month's.
    let listed = json_ids(&app.get("/api/payments/rolls").await.json(), "id");
    let roll = match listed.first() {
        Some(id) => *id,
        None => {
            let ask = jiuzhu_app::payment::roll::GenerateRoll {
                month: jiuzhu_domain::entitlement::YearMonth::of(jiuzhu_domain::i18n::china_date(now())),
                region: Some(jiuzhu_domain::RegionCode::parse(demo::COUNTY_CODE).unwrap()),
                group: jiuzhu_domain::payment::roll::ProgramGroup::All,
                kind: jiuzhu_domain::payment::roll::RollKind::Supplementary,
            };
            jiuzhu_app::payment::roll::generate(&app.db, &system, now(), ask).await.unwrap().id
        }
    };

    let recovered = app.get("/api/payments/recoveries?all=true").await.json();
    let recoveries = json_ids(&recovered, "id");
    let recovery_households = json_ids(&recovered, "household_id");
    assert!(!recoveries.is_empty(), "the demo records a recovery: {recovered}");

    let mut uris: Vec<(String, String)> = Vec::new();
    let mut visit = |route: &str, uri: String| uris.push((route.to_string(), uri));
    for route in [
        "/payments",
        "/api/payments/rolls",
        "/payments/corrections",
        "/api/payments/corrections",
        "/payments/layout",
        "/api/payments/layout",
    ] {
        visit(route, route.to_string());
    }
    visit("/payments/corrections", "/payments/corrections?all=1".to_string());
    visit("/api/payments/corrections", "/api/payments/corrections?all=true".to_string());
    for route in [
        "/payments/rolls/{id}",
        "/api/payments/rolls/{id}",
        "/payments/rolls/{id}/bank",
        "/payments/rolls/{id}/totals",
        "/api/payments/rolls/{id}/totals",
    ] {
        visit(route, route.replace("{id}", &roll.to_string()));
    }
    // The recoveries (the demo records one), each one's page.
    for route in ["/payments/recoveries", "/api/payments/recoveries"] {
        visit(route, route.to_string());
    }
    visit("/payments/recoveries", "/payments/recoveries?all=1".to_string());
    visit("/api/payments/recoveries", "/api/payments/recoveries?all=true".to_string());
    for (r, h) in recoveries.iter().zip(&recovery_households) {
        for route in ["/payments/recoveries/{id}", "/api/payments/recoveries/{id}"] {
            visit(route, route.replace("{id}", &r.to_string()));
        }
        visit("/households/{id}", format!("/households/{h}"));
    }
    for route in [
        "/households",
        "/households/new",
        "/regions",
        "/import",
        "/verification",
        "/cases",
        "/audit",
        "/users",
        "/users/new",
        "/tokens",
        "/password",
        "/assistance-policies",
        "/staff-relatives",
        "/admin/calendar",
        "/admin/calendar/warning",
        "/public/notices",
        "/api/regions",
        "/api/households",
        "/api/verification/deliveries",
        "/api/cases",
        "/api/assistance-policies",
        "/api/staff-relatives",
        "/api/calendar",
        "/api/public/notices",
        "/api/tokens",
        "/api/openapi.json",
        "/payees/institutions",
        "/payees/missing",
        "/api/payments/payees/institutions",
        "/api/payments/payees/missing",
        "/payments/overview",
        "/api/payments/overview",
    ] {
        visit(route, route.to_string());
    }
    visit("/api/households", format!("/api/households?region={}", demo::COUNTY_CODE));
    for h in &households {
        for route in [
            "/households/{id}",
            "/api/households/{id}",
            "/households/{id}/apply",
            "/api/households/{id}/checklist",
            "/api/households/{id}/verification",
            "/api/payments/payees/households/{id}",
            "/households/{id}/payees/edit",
            "/api/payments/households/{id}",
        ] {
            visit(route, route.replace("{id}", &h.to_string()));
        }
        visit("/payments/recoveries/find", format!("/payments/recoveries/find?household={h}"));
        visit("/api/payments/recoveries/overpayments", format!("/api/payments/recoveries/overpayments?household={h}"));
        let year = jiuzhu_domain::i18n::china_date(now()).format("%Y");
        visit("/api/payments/households/{id}/statement", format!("/api/payments/households/{h}/statement?year={year}"));
    }
    // The publication of the demo's last paid month: the villages, two
    // villages' lists, for staff and on the public board.
    let paid = jiuzhu_domain::entitlement::YearMonth::of(jiuzhu_domain::i18n::china_date(now())).prev();
    for route in ["/payments/publication", "/api/payments/publication"] {
        visit(route, format!("{route}?month={paid}"));
    }
    visit("/public/payments", "/public/payments".to_string());
    let paid_villages = app.get(&format!("/api/payments/publication?month={paid}")).await.json();
    for v in json_rows(&paid_villages).iter().take(2).filter_map(|v| v["village_code"].as_str()) {
        for route in ["/payments/publication/{village}/{month}", "/api/payments/publication/{village}/{month}"] {
            visit(route, route.replace("{village}", v).replace("{month}", &paid.to_string()));
        }
    }
    for c in &case_ids {
        for route in ["/cases/{id}", "/api/cases/{id}"] {
            visit(route, route.replace("{id}", &c.to_string()));
        }
    }
    for r in &results {
        for route in ["/verification/results/{id}", "/api/verification/results/{id}"] {
            visit(route, route.replace("{id}", &r.to_string()));
        }
    }
    for run in 1..=2 {
        for route in ["/verification/runs/{id}", "/api/verification/runs/{id}"] {
            visit(route, route.replace("{id}", &run.to_string()));
        }
    }
    for d in &deliveries {
        visit("/verification/deliveries/{id}", format!("/verification/deliveries/{d}"));
    }
    for route in ["/jobs/{id}", "/jobs/{id}/progress", "/api/jobs/{id}"] {
        visit(route, route.replace("{id}", &job.to_string()));
    }
    for u in &user_ids {
        for route in ["/users/{id}/edit", "/users/{id}/tokens", "/api/users/{id}/tokens"] {
            visit(route, route.replace("{id}", &u.to_string()));
        }
    }
    for v in &villages {
        for route in ["/public/notices/{village}", "/api/public/notices/{village}"] {
            visit(route, route.replace("{village}", v));
        }
    }
    // The audit search after all of this holds every kind of record.
    visit("/audit", "/audit?page=1".to_string());

    // Every GET route of the API is visited, revealed on purpose or binary.
    let doc = app.get("/api/openapi.json").await.json();
    let visited: Vec<&str> = uris.iter().map(|(route, _)| route.as_str()).collect();
    let mut unvisited = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        let known = visited.contains(&path.as_str())
            || REVEALS.iter().any(|(r, _)| r == path)
            || BINARY.contains(&path.as_str());
        if item.get("get").is_some() && !known {
            unvisited.push(path.clone());
        }
    }
    assert!(unvisited.is_empty(), "GET routes the scan does not visit: {unvisited:?}");

    // Region codes (12 digits) are public; everything else long and numeric is suspect.
    let regions: Vec<String> = app
        .get("/api/regions")
        .await
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap().to_string())
        .collect();
    let mut regions_longest_first = regions.clone();
    regions_longest_first.sort_by_key(|r| std::cmp::Reverse(r.len()));
    let mut leaks = Vec::new();
    let mut statuses = Vec::new();
    for (_, uri) in &uris {
        let reply = app.get(uri).await;
        if reply.status != StatusCode::OK {
            statuses.push(format!("{uri}: {}", reply.status));
            continue;
        }
        let mut text = reply.text();
        for code in &regions_longest_first {
            text = text.replace(code.as_str(), "");
        }
        if let Some(found) = jiuzhu_testkit::looks_private(&text) {
            let at = text.find(&found).unwrap_or(0);
            let before: Vec<char> = text[..at].chars().rev().take(80).collect();
            let before: String = before.into_iter().rev().collect();
            let after: String = text[at..].chars().take(60).collect();
            leaks.push(format!("{uri}: {found} in …{before}{after}…"));
        }
    }
    assert!(statuses.is_empty(), "pages that did not answer: {statuses:#?}");
    assert!(leaks.is_empty(), "{} answers show full numbers:\n{}", leaks.len(), leaks.join("\n"));
    assert!(uris.len() > 60, "only {} answers scanned", uris.len());
}

fn json_rows(value: &serde_json::Value) -> Vec<serde_json::Value> {
    value.as_array().or_else(|| value["rows"].as_array()).cloned().unwrap_or_default()
}

fn json_ids(value: &serde_json::Value, key: &str) -> Vec<i64> {
    json_rows(value).iter().filter_map(|r| r[key].as_i64()).collect()
}
