//! Issue 10, points 3, 5 and 10: survey photos that cannot carry a script,
//! a site-wide policy without inline script, no caching of personal data,
//! a language switch that stays on this site, and no bidi controls on the
//! public board.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use jiuzhu_domain::Role;

use super::{Reply, TestApp, now, step_form};

/// The bidirectional controls and zero-width characters (issue 10, point 10).
const INVISIBLE: [char; 12] = [
    '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{202E}', '\u{2066}', '\u{2067}', '\u{2068}', '\u{2069}',
    '\u{200E}', '\u{200F}', '\u{200B}',
];

/// The sources a policy allows for one directive (`None`: not present).
fn directive(csp: &str, name: &str) -> Option<String> {
    csp.split(';').map(str::trim).find_map(|d| d.strip_prefix(name).map(|v| v.trim().to_string()))
}

fn header(reply: &Reply, name: header::HeaderName) -> &str {
    reply.headers.get(&name).map(|v| v.to_str().unwrap()).unwrap_or("")
}

#[tokio::test]
async fn the_site_policy_allows_no_inline_script() {
    let app = TestApp::sqlite().await;
    for uri in ["/households", "/login", "/public/notices", "/api/households", "/no-such-page"] {
        let reply = app.get(uri).await;
        let csp = header(&reply, header::CONTENT_SECURITY_POLICY);
        let scripts = directive(csp, "script-src").unwrap_or_else(|| panic!("{uri}: no script-src in {csp:?}"));
        assert_eq!(scripts, "'self'", "{uri}: {csp}");
        assert!(!csp.contains("unsafe-eval") && csp.contains("object-src 'none'"), "{uri}: {csp}");
    }
    // htmx is told not to evaluate code from attributes.
    let page = app.get("/households").await.text();
    assert!(page.contains(r#"<meta name="htmx-config""#) && page.contains(r#""allowEval":false"#), "{page}");
    // The API explorer runs under the same policy: its page has no inline script either.
    let explorer = app.get("/api/docs/").await;
    assert_eq!(explorer.status, StatusCode::OK);
    assert_eq!(inline_scripts(&explorer.text()), Vec::<String>::new());
}

/// Every `<script>` without a `src`, every `on…=` handler, `javascript:`
/// URL and htmx attribute that evaluates code in a page or template.
fn inline_scripts(html: &str) -> Vec<String> {
    let lower = html.to_lowercase();
    let mut found = Vec::new();
    for (at, _) in lower.match_indices("<script") {
        let tag_end = lower[at..].find('>').map_or(lower.len(), |i| at + i);
        let tag = &lower[at..tag_end];
        let body_end = lower[tag_end..].find("</script").map_or(tag_end, |i| tag_end + i);
        let body = lower.get(tag_end + 1..body_end).unwrap_or("").trim();
        if !tag.contains(" src=") || !body.is_empty() {
            found.push(html[at..body_end.min(at + 80)].to_string());
        }
    }
    let bytes = lower.as_bytes();
    for (at, _) in lower.match_indices(" on") {
        let name: String = lower[at + 1..].chars().take_while(|c| c.is_ascii_alphabetic()).collect();
        if name.len() > 2 && bytes.get(at + 1 + name.len()) == Some(&b'=') {
            found.push(html[at..(at + 40).min(html.len())].to_string());
        }
    }
    for bad in
        ["javascript:", "hx-on", "hx-vals='js:", "hx-vals=\"js:", "hx-headers='js:", "hx-headers=\"js:", "vbscript:"]
    {
        if let Some(at) = lower.find(bad) {
            found.push(html[at..(at + 40).min(html.len())].to_string());
        }
    }
    found
}

#[test]
fn no_template_holds_inline_script() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/templates");
    let mut n = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(inline_scripts(&text), Vec::<String>::new(), "{}", path.display());
        n += 1;
    }
    assert!(n > 20, "templates read: {n}");
    // The scanner itself finds what it must.
    for bad in [
        "<script>alert(1)</script>",
        "<script src=\"/x.js\">alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "<body onload=\"go()\">",
        "<a href=\"javascript:alert(1)\">",
        "<button hx-on:click=\"alert(1)\">",
        "<div hx-vals='js:{a: alert(1)}'>",
    ] {
        assert!(!inline_scripts(bad).is_empty(), "{bad}");
    }
    assert!(inline_scripts("<script src=\"/static/htmx.js\" defer></script><p>one=1</p>").is_empty());
}

#[tokio::test]
async fn personal_pages_and_api_answers_are_not_cached() {
    let app = TestApp::sqlite().await;
    app.import_fixture("roster_utf8.csv").await;
    let household = app.household_id("SF-0001").await;
    let pages = [
        "/households".to_string(),
        format!("/households/{household}"),
        format!("/api/households/{household}"),
        "/api/households".into(),
        "/audit".into(),
        "/login".into(),
        "/no-such-page".into(),
    ];
    for uri in &pages {
        let reply = app.get(uri).await;
        assert_eq!(header(&reply, header::CACHE_CONTROL), "no-store", "{uri} ({})", reply.status);
    }
    // Without a session too (the sign-in page, the 401 of the API).
    let anonymous = app.send_raw(Request::get("/api/households").body(Body::empty()).unwrap()).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    assert_eq!(header(&anonymous, header::CACHE_CONTROL), "no-store");
    // Static files keep their lifetime.
    for uri in ["/static/app.css", "/static/htmx-2.0.11.min.js"] {
        let reply = app.send_raw(Request::get(uri).body(Body::empty()).unwrap()).await;
        assert_eq!(header(&reply, header::CACHE_CONTROL), "public, max-age=86400", "{uri}");
    }
}

#[tokio::test]
async fn the_language_switch_goes_back_only_to_a_page_of_this_site() {
    let app = TestApp::sqlite().await;
    let switch = |referer: &str| {
        let req = Request::get("/lang/en").header(header::HOST, "jz.example.gov.cn").header(header::REFERER, referer);
        app.send(req.body(Body::empty()).unwrap())
    };
    for (referer, expect) in [
        ("https://jz.example.gov.cn/cases?x=1", "/cases?x=1"),
        ("https://evil.example/phish", "/households"),
        ("https://jz.example.gov.cn.evil.example/phish", "/households"),
        ("https://jz.example.gov.cn@evil.example/phish", "/households"),
        ("https://jz.example.gov.cn//evil.example/phish", "/households"),
        ("https://jz.example.gov.cn/\\evil.example/phish", "/households"),
        ("https://jz.example.gov.cn/%5Cevil.example/phish", "/households"),
        ("https://jz.example.gov.cn/lang/zh", "/households"),
        ("not a url", "/households"),
    ] {
        let reply = switch(referer).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{referer}");
        assert_eq!(header(&reply, header::LOCATION), expect, "{referer}");
    }
}

/// A case of 城关镇 (household SF-0001) at its home survey, as the
/// township clerk, from the given roster; with a review-stage notice when
/// asked.
async fn case_at_survey(app: &mut TestApp, roster: Vec<u8>, review_notice: bool) -> i64 {
    use jiuzhu_domain::assistance::PolicyPatch;
    let imported = app.send(Request::post("/api/import").body(Body::from(roster)).unwrap()).await;
    assert_eq!(imported.status, StatusCode::OK, "{}", imported.text());
    let county = PolicyPatch {
        dibao_urban: Some(jiuzhu_domain::Fen(80_000)),
        dibao_rural: Some(jiuzhu_domain::Fen(80_000)),
        review_notice: Some(review_notice),
        ..Default::default()
    };
    let code = jiuzhu_domain::RegionCode::parse("340102").unwrap();
    let day = chrono::NaiveDate::from_ymd_opt(2025, 1, 1).unwrap();
    jiuzhu_app::policy::set_assistance_policy(&app.db, &jiuzhu_app::Actor::system(), now(), &code, day, &county)
        .await
        .unwrap();
    app.sign_in_as("jingban", &[Role::TownshipClerk], "340102001").await;
    let household = app.household_id("SF-0001").await;
    let mut body = format!("household_id={household}&kinds=dibao&area=urban&income_wage=900");
    let provided = [
        "application_form",
        "id_card",
        "hukou",
        "income_declaration",
        "authorisation",
        "pledge",
        "disability_certificate",
    ];
    for p in provided {
        body.push_str(&format!("&provided={p}"));
    }
    let reply = app.post_form("/applications", &body).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
    let case: i64 = header(&reply, header::LOCATION).trim_start_matches("/cases/").parse().unwrap();
    for action in ["start_investigation", "request_verification", "attach_verification"] {
        app.step(case, action, &[], None).await;
    }
    case
}

#[tokio::test]
async fn a_survey_photo_cannot_carry_a_script_and_is_served_as_an_image() {
    let mut app = TestApp::sqlite().await;
    let case = case_at_survey(&mut app, super::fixture("roster_utf8.csv"), false).await;
    let survey = [("investigators", "李明、王芳"), ("family_signatures", "张建国")];

    // An SVG with a script, sent as home.jpg / image/jpeg, is refused with a message.
    let svg = br#"<svg xmlns="http://www.w3.org/2000/svg"><script>fetch('/api/households')</script></svg>"#;
    let version = app.get(&format!("/api/cases/{case}")).await.json()["version"].as_i64().unwrap().to_string();
    let mut fields = vec![("action", "record_survey"), ("version", version.as_str())];
    fields.extend_from_slice(&survey);
    let (content_type, body) = step_form(&fields, Some(svg));
    let req = Request::post(format!("/cases/{case}/act")).header(header::CONTENT_TYPE, content_type);
    let refused = app.send(req.body(Body::from(body)).unwrap()).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.text());
    assert!(refused.text().contains("第1张照片不是 JPEG、PNG 或 WebP 图片"), "{}", refused.text());
    assert_eq!(app.get(&format!("/api/cases/{case}")).await.json()["photos"], serde_json::json!([]));

    // A PNG is served as a PNG that no browser may run anything in.
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01";
    let page = app.step(case, "record_survey", &survey, Some(png)).await;
    let photo_id = app.get(&format!("/api/cases/{case}")).await.json()["photos"][0].as_i64().unwrap();
    assert!(page.contains(&format!("/cases/{case}/photos/{photo_id}")), "{page}");
    let photo = app.get(&format!("/cases/{case}/photos/{photo_id}")).await;
    assert_eq!(photo.status, StatusCode::OK);
    assert_eq!(photo.body, png);
    assert_eq!(header(&photo, header::CONTENT_TYPE), "image/png");
    assert_eq!(header(&photo, header::X_CONTENT_TYPE_OPTIONS), "nosniff");
    assert_eq!(header(&photo, header::CACHE_CONTROL), "no-store");
    assert_eq!(
        header(&photo, header::CONTENT_DISPOSITION),
        format!("inline; filename=\"case-{case}-photo-{photo_id}.png\"")
    );
    let csp = header(&photo, header::CONTENT_SECURITY_POLICY);
    assert_eq!(csp, "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox");
    assert_eq!(directive(csp, "script-src"), None, "scripts fall back to default-src 'none'");

    // Seeing it is in the audit log.
    let mut tx = app.db.begin().await.unwrap();
    let filter = jiuzhu_store::AuditFilter {
        action: Some("case_photo_read".into()),
        login: Some("jingban".into()),
        limit: 10,
        ..Default::default()
    };
    let reads = jiuzhu_store::search_audit(&mut tx, &filter).await.unwrap();
    assert_eq!(reads.len(), 1, "{reads:?}");
    assert_eq!(reads[0].record.target_id, case.to_string());
}

/// Issue 10, point 10: a right-to-left override in a name reversed it on
/// the public board (and in PDFs). Imported and entered text comes back
/// without bidi controls, and the board never shows one.
#[tokio::test]
async fn bidi_controls_are_taken_out_of_names_and_never_reach_the_public_board() {
    let mut app = TestApp::sqlite().await;
    let roster = String::from_utf8(super::fixture("roster_utf8.csv"))
        .unwrap()
        .replace("张建国", "\u{202E}张建国\u{202C}")
        .replace("城关镇东村12号", "城关镇\u{2066}东村12号\u{2069}");
    let case = case_at_survey(&mut app, roster.into_bytes(), true).await;
    let household = app.household_id("SF-0001").await;
    let detail = app.get(&format!("/api/households/{household}")).await.text();
    assert!(detail.contains("张建国") && detail.contains("城关镇东村12号"), "{detail}");
    assert!(!detail.contains(INVISIBLE), "{detail:?}");

    // The survey and the opinion post the review notice on the village's board.
    let survey = [("investigators", "李明\u{202E}、王芳"), ("family_signatures", "张建国")];
    app.step(case, "record_survey", &survey, None).await;
    let page = app.step(case, "give_opinion", &[("approve", "true")], None).await;
    assert!(page.contains("公示中"), "{page}");
    let anonymous = |uri: &str| Request::get(uri).body(Body::empty()).unwrap();
    for uri in ["/public/notices/340102001001", "/api/public/notices/340102001001"] {
        let board = app.send_raw(anonymous(uri)).await.text();
        assert!(board.contains("张建"), "{uri}: {board}");
        assert!(!board.contains(INVISIBLE), "{uri}: {board:?}");
    }
    // An objection from the public is kept without them too.
    let notice = app.send_raw(anonymous("/api/public/notices/340102001001")).await.json()[0]["id"].as_i64().unwrap();
    let objection = Request::post(format!("/api/public/notices/340102001001/{notice}/objections"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(serde_json::json!({"text": "\u{202E}他家有车", "contact": ""}).to_string()))
        .unwrap();
    let reply = app.send_raw(objection).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
    let case_json = app.get(&format!("/api/cases/{case}")).await.json();
    assert_eq!(case_json["public_objections"][0]["text"], "他家有车");
    assert!(!case_json.to_string().contains(INVISIBLE), "{case_json}");
}
