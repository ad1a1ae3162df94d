//! Issue 10, points 5 (the sign-in `next=`), 6, 7 and 10 (CSRF with a bogus
//! bearer): credentials and guessing through HTTP. Each test fails on the
//! code before the issue.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode, header};
use jiuzhu_app::{Actor, audit_log};
use jiuzhu_domain::audit::Outcome;
use jiuzhu_store::{self as store, AuditFilter};

use super::{PASSWORD, Reply, TestApp, now};

/// A request from a socket peer, as `serve` sees it.
fn from_peer(mut request: Request<Body>, peer: &str) -> Request<Body> {
    let addr: SocketAddr = format!("{peer}:40000").parse().unwrap();
    request.extensions_mut().insert(ConnectInfo(addr));
    request
}

fn login_request(login: &str, password: &str, next: &str) -> Request<Body> {
    let body = format!("login={login}&password={password}&next={}", urlencode(next));
    Request::post("/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body))
        .unwrap()
}

fn urlencode(s: &str) -> String {
    s.bytes().map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
}

fn location(reply: &Reply) -> &str {
    reply.headers.get(header::LOCATION).map(|v| v.to_str().unwrap()).unwrap_or("")
}

/// The error block of the sign-in page.
fn errors(reply: &Reply) -> String {
    let text = reply.text();
    let start = text.find("id=\"form-errors\"").unwrap_or_else(|| panic!("no errors: {text}"));
    text[start..].split("</div>").next().unwrap().to_string()
}

async fn denied_logins(app: &TestApp) -> Vec<(String, String)> {
    let mut tx = app.db.begin().await.unwrap();
    let filter = AuditFilter { outcome: Some(Outcome::Denied), limit: 100, ..Default::default() };
    let rows = store::search_audit(&mut tx, &filter).await.unwrap();
    // Oldest first.
    rows.into_iter().rev().map(|r| (r.record.action, r.record.ip)).collect()
}

// See issue 10, point 5: `/login?next=/%5Cevil.example/phish` sent the browser to another site.
#[tokio::test]
async fn issue10_sign_in_goes_only_to_a_page_of_this_site() {
    let app = TestApp::sqlite().await;
    let page = app.send_raw(Request::get("/login?next=/%5Cevil.example/phish").body(Body::empty()).unwrap()).await;
    assert!(!page.text().contains("evil.example"), "the page keeps the bad target: {}", page.text());
    for bad in ["/\\evil.example/phish", "/%5Cevil.example/phish", "//evil.example/", "https://evil.example/"] {
        let reply = app.send_raw(login_request("clerk", PASSWORD, bad)).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{bad}");
        assert_eq!(location(&reply), "/households", "{bad}");
    }
    let reply = app.send_raw(login_request("clerk", PASSWORD, "/cases?tab=mine")).await;
    assert_eq!(location(&reply), "/cases?tab=mine");
}

// See issue 10, point 7: the "locked" message appeared only for real accounts.
#[tokio::test]
async fn issue10_unknown_and_locked_accounts_get_the_same_answer() {
    let app = TestApp::sqlite().await;
    let unknown = app.send_raw(login_request("nobody", "Wrong-2025x", "/")).await;
    for _ in 0..5 {
        app.send_raw(login_request("clerk", "Wrong-2025x", "/")).await;
    }
    let locked = app.send_raw(login_request("clerk", PASSWORD, "/")).await;
    let wrong = app.send_raw(login_request("clerk", "Wrong-2025x", "/")).await;
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    assert_eq!((locked.status, wrong.status), (unknown.status, unknown.status));
    assert_eq!(errors(&locked), errors(&unknown));
    assert_eq!(errors(&wrong), errors(&unknown));
    let actions: Vec<String> = denied_logins(&app).await.into_iter().map(|(a, _)| a).collect();
    assert!(actions.contains(&"login_while_locked".to_string()), "{actions:?}");
}

// See issue 10, point 7: 44 failures from one address across 41 names, then a successful sign-in.
#[tokio::test]
async fn issue10_one_address_cannot_guess_across_accounts() {
    let app = TestApp::sqlite().await;
    for n in 0..20 {
        let reply =
            app.send_raw(from_peer(login_request(&format!("name{n}"), "Guess-2025x", "/"), "203.0.113.8")).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    }
    let refused = app.send_raw(from_peer(login_request("clerk", PASSWORD, "/"), "203.0.113.8")).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED, "the right password from a guessing address");
    let elsewhere = app.send_raw(from_peer(login_request("clerk", PASSWORD, "/"), "198.51.100.4")).await;
    assert_eq!(elsewhere.status, StatusCode::SEE_OTHER);
}

// See issue 10, point 7: a forged X-Forwarded-For was written into the audit log.
#[tokio::test]
async fn issue10_forwarded_addresses_are_believed_only_from_trusted_proxies() {
    let mut app = TestApp::sqlite().await;
    let forged = login_request("clerk", "Wrong-2025x", "/");
    let mut forged = from_peer(forged, "203.0.113.5");
    forged.headers_mut().insert("x-forwarded-for", "6.6.6.6".parse().unwrap());
    app.send_raw(forged).await;
    assert_eq!(denied_logins(&app).await.last().unwrap().1, "203.0.113.5");

    let proxies = jiuzhu_web::TrustedProxies::parse("10.0.0.0/8").unwrap();
    let state = jiuzhu_web::AppState::new(app.db.clone(), Arc::new(now)).with_trusted_proxies(proxies);
    app.router = jiuzhu_web::router(state);
    let mut proxied = from_peer(login_request("clerk", "Wrong-2025x", "/"), "10.0.0.2");
    proxied.headers_mut().insert("x-forwarded-for", "6.6.6.6, 198.51.100.7".parse().unwrap());
    app.send_raw(proxied).await;
    assert_eq!(denied_logins(&app).await.last().unwrap().1, "198.51.100.7");
    // The audit chain holds the real addresses.
    assert!(matches!(
        audit_log::verify(&app.db, &Actor::system()).await.unwrap(),
        audit_log::Verification::Intact { .. }
    ));
}

/// A POST with the session cookie and no CSRF token.
fn cookie_post(uri: &str, session: &str, bearer: Option<&str>) -> Request<Body> {
    let mut builder = Request::post(uri)
        .header(header::COOKIE, format!("jz_session={session}"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    if let Some(token) = bearer {
        builder = builder.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    builder.body(Body::empty()).unwrap()
}

// See issue 10, point 10: any `Authorization: Bearer` header skipped the CSRF check.
#[tokio::test]
async fn issue10_a_bogus_bearer_does_not_skip_the_csrf_check() {
    let app = TestApp::sqlite().await;
    let (session, _) = app.session.clone().unwrap();
    let reply = app.send_raw(cookie_post("/logout", &session, Some("bogus"))).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.text());
    assert_eq!(app.get("/households").await.status, StatusCode::OK, "still signed in");

    // With a valid token the cookie is ignored: the request is the token's.
    let issued = app.post_json("/api/tokens", serde_json::json!({"name": "脚本"})).await;
    assert_eq!(issued.status, StatusCode::CREATED, "{}", issued.text());
    let token = issued.json()["token"].as_str().unwrap().to_string();
    let reply = app.send_raw(cookie_post("/logout", &session, Some(&token))).await;
    assert!(
        location(&reply).starts_with("/login?"),
        "a page needs the session, which the token request does not carry"
    );
    assert_eq!(app.get("/households").await.status, StatusCode::OK, "the session was not ended");
}

// See issue 10, point 6: tokens never expired, could not be listed or revoked.
#[tokio::test]
async fn issue10_tokens_are_listed_and_revoked_in_pages_and_the_api() {
    let app = TestApp::sqlite().await;
    assert!(app.get("/tokens").await.text().contains("还没有接口令牌"));
    let issued = app.post_form("/tokens", "name=%E7%BB%9F%E8%AE%A1&days=30").await;
    assert_eq!(issued.status, StatusCode::OK, "{}", issued.text());
    let page = issued.text();
    let start = page.find("<code>").unwrap() + "<code>".len();
    let token = page[start..start + 64].to_string();
    let bearer = |uri: &str| {
        Request::get(uri).header(header::AUTHORIZATION, format!("Bearer {token}")).body(Body::empty()).unwrap()
    };
    assert_eq!(app.send_raw(bearer("/api/households")).await.status, StatusCode::OK);
    let listed = app.send_raw(bearer("/api/tokens")).await.json();
    assert_eq!(listed[0]["name"], "统计");
    assert_eq!(listed[0]["expires_at"], "2025-11-30T01:30:00Z");
    assert_eq!(listed[0]["last_used_at"], "2025-10-31T01:30:00Z");
    // A token cannot issue tokens.
    let minted = app
        .send_raw(
            Request::post("/api/tokens")
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(r#"{"name":"more"}"#))
                .unwrap(),
        )
        .await;
    assert_eq!(minted.status, StatusCode::FORBIDDEN);
    let too_long = app.post_json("/api/tokens", serde_json::json!({"name": "x", "days": 400})).await;
    assert_eq!(too_long.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Revoked on the page.
    let id = listed[0]["id"].as_i64().unwrap();
    let revoked = app.post_form(&format!("/tokens/{id}/revoke"), "").await;
    assert_eq!(location(&revoked), "/tokens");
    assert_eq!(app.send_raw(bearer("/api/households")).await.status, StatusCode::UNAUTHORIZED);
    assert!(app.get("/tokens").await.text().contains("已吊销"));
}

// See issue 10, point 6: changing a password left the other sessions and tokens valid.
#[tokio::test]
async fn issue10_a_password_change_on_the_page_ends_the_other_credentials() {
    let app = TestApp::sqlite().await;
    let token = app.post_json("/api/tokens", serde_json::json!({"name": "脚本"})).await.json()["token"]
        .as_str()
        .unwrap()
        .to_string();
    let other = app.send_raw(login_request("clerk", PASSWORD, "/")).await;
    let other_cookie =
        other.headers.get(header::SET_COOKIE).unwrap().to_str().unwrap().split(';').next().unwrap().to_string();
    let changed =
        app.post_form("/password", &format!("current={PASSWORD}&password=Another-2026y&confirm=Another-2026y")).await;
    assert_eq!(changed.status, StatusCode::SEE_OTHER, "{}", changed.text());
    assert_eq!(app.get("/households").await.status, StatusCode::OK, "this session stays");
    let elsewhere = app
        .send_raw(Request::get("/households").header(header::COOKIE, other_cookie).body(Body::empty()).unwrap())
        .await;
    assert_eq!(elsewhere.status, StatusCode::SEE_OTHER, "the other session ended");
    let api = Request::get("/api/households").header(header::AUTHORIZATION, format!("Bearer {token}"));
    assert_eq!(app.send_raw(api.body(Body::empty()).unwrap()).await.status, StatusCode::UNAUTHORIZED);
}

// See issue 10, point 7: 200 anonymous objections from one address were all
// counted, for a village the URL did not check.
#[tokio::test]
async fn issue10_anonymous_objections_are_limited_and_checked_against_the_village() {
    let app = TestApp::sqlite().await;
    app.import_fixture("roster_utf8.csv").await;
    let notice = super::access_matrix::fixture_ids(&app).await.notice;
    let object = |village: &str, peer: &str| {
        let req = Request::post(format!("/api/public/notices/{village}/{notice}/objections"))
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(r#"{"text":"情况不实","contact":""}"#))
            .unwrap();
        from_peer(req, peer)
    };
    let wrong_village = app.send_raw(object("340102001002", "203.0.113.20")).await;
    assert_eq!(wrong_village.status, StatusCode::NOT_FOUND);
    for n in 0..5 {
        assert_eq!(app.send_raw(object("340102001001", "203.0.113.20")).await.status, StatusCode::CREATED, "{n}");
    }
    let sixth = app.send_raw(object("340102001001", "203.0.113.20")).await;
    assert_eq!(sixth.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(sixth.json()["problems"][0]["code"], "public.objection.too_many");
    assert_eq!(app.send_raw(object("340102001001", "198.51.100.30")).await.status, StatusCode::CREATED);
    // The page form answers the same.
    let form = Request::post(format!("/public/notices/340102001001/{notice}/objection"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from("text=%E4%B8%8D%E5%AE%9E"))
        .unwrap();
    let page = app.send_raw(from_peer(form, "203.0.113.20")).await;
    assert_eq!(page.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(page.text().contains("异议过多"));
}
