//! Who is asking: sessions (cookie), API tokens (bearer), the client's
//! address, and the CSRF guard. **Security-sensitive.**
//!
//! - The session cookie `jz_session` is HttpOnly and SameSite=Lax, and
//!   Secure when the request came over TLS (directly or through a proxy
//!   that says so with `X-Forwarded-Proto: https`).
//! - Every state-changing request made with the session cookie must carry
//!   the session's CSRF token: the `X-CSRF-Token` header (htmx sends it for
//!   every request through `hx-headers`), a `csrf` form field, or a `csrf`
//!   query parameter (multipart uploads). Requests authenticated by a valid
//!   API token are not ambient and need none; their cookies are removed
//!   before any handler sees them, so the token is the only credential. A
//!   bogus `Authorization` header changes nothing. Only signing in is exempt.
//! - The client's address is the socket peer's, or, behind a configured
//!   reverse proxy, the right-most untrusted `X-Forwarded-For` hop
//!   ([`crate::proxy`]).

use std::net::SocketAddr;

use axum::body::{Body, to_bytes};
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{Extensions, HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use jiuzhu_app::Actor;
use jiuzhu_app::auth;

use crate::AppState;
use crate::error::{ApiError, PageError};

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "jz_session";

/// A random token for sessions, CSRF and API tokens: 32 bytes, hex.
pub(crate) fn random_token() -> String {
    let mut bytes = [0u8; 32];
    // The operating system's generator does not fail on supported systems;
    // if it ever did, refusing to serve is the only safe answer.
    getrandom::fill(&mut bytes).expect("the operating system's random generator is unavailable");
    hex::encode(bytes)
}

pub(crate) fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

fn bearer(headers: &HeaderMap) -> Option<String> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|t| t.trim().to_string())
}

/// The client's address: the socket's peer, or what trusted proxies say.
fn client_addr(headers: &HeaderMap, extensions: &Extensions, state: &AppState) -> String {
    let peer = extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
    if state.trusted_proxies.is_empty() {
        return state.trusted_proxies.client(peer, &[]);
    }
    let forwarded: Vec<&str> = headers.get_all("x-forwarded-for").iter().filter_map(|v| v.to_str().ok()).collect();
    state.trusted_proxies.client(peer, &forwarded)
}

pub(crate) fn client_ip(parts: &Parts, state: &AppState) -> String {
    client_addr(&parts.headers, &parts.extensions, state)
}

/// The client's address, for handlers that need it before a session exists.
pub(crate) struct ClientIp(pub String);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(client_ip(parts, state)))
    }
}

/// The actor of a request that [`csrf_guard`] found carries a valid API
/// token (so the extractor does not look it up again).
#[derive(Clone)]
struct TokenActor(Actor);

/// Whether the request came over TLS.
pub(crate) fn is_tls(headers: &HeaderMap) -> bool {
    headers.get("x-forwarded-proto").and_then(|v| v.to_str().ok()) == Some("https")
}

/// The `Set-Cookie` value of a session.
pub(crate) fn session_cookie(token: &str, tls: bool) -> String {
    let secure = if tls { "; Secure" } else { "" };
    format!("{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax{secure}")
}

/// The `Set-Cookie` value that removes the session cookie.
pub(crate) fn clear_cookie() -> String {
    format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0")
}

/// A signed-in user of a page. Without a session, pages answer with a
/// redirect to the sign-in page; a user with a temporary password is sent
/// to change it first.
pub(crate) struct Authed {
    pub actor: Actor,
    pub csrf: String,
    pub token: String,
}

impl FromRequestParts<AppState> for Authed {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let lang = crate::UiLang::from_request_parts(parts, state).await.map(|l| l.0).unwrap_or_default();
        let ip = client_ip(parts, state);
        let login_redirect = || {
            let next = parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
            let next: String = next
                .bytes()
                .map(|b| {
                    if b.is_ascii_alphanumeric() || b"/-_.".contains(&b) {
                        (b as char).to_string()
                    } else {
                        format!("%{b:02X}")
                    }
                })
                .collect();
            Redirect::to(&format!("/login?next={next}")).into_response()
        };
        let Some(token) = cookie(&parts.headers, SESSION_COOKIE) else { return Err(login_redirect()) };
        match auth::session(&state.db, state.now(), &token, &ip).await {
            Ok(Some(session)) => {
                if session.must_change_password && parts.uri.path() != "/password" {
                    return Err(Redirect::to("/password").into_response());
                }
                Ok(Authed { actor: session.actor, csrf: session.csrf_token, token })
            }
            Ok(None) => Err(login_redirect()),
            Err(error) => Err(PageError { lang, error }.into_response()),
        }
    }
}

/// A signed-in caller of the API: an API token, or a session cookie.
pub(crate) struct ApiAuthed(pub Actor);

impl FromRequestParts<AppState> for ApiAuthed {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        ApiCaller::from_request_parts(parts, state).await.map(|c| ApiAuthed(c.actor))
    }
}

/// A signed-in caller of the API, and whether an API token (rather than a
/// session) authenticated it.
pub(crate) struct ApiCaller {
    pub actor: Actor,
    pub by_token: bool,
}

impl FromRequestParts<AppState> for ApiCaller {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let lang = crate::ApiLang::from_request_parts(parts, state).await.map(|l| l.0).unwrap_or_default();
        let ip = client_ip(parts, state);
        let unauthenticated = |error| ApiError { lang, error }.into_response();
        if let Some(TokenActor(actor)) = parts.extensions.get::<TokenActor>() {
            return Ok(ApiCaller { actor: actor.clone(), by_token: true });
        }
        if let Some(token) = bearer(&parts.headers) {
            return match auth::token_actor(&state.db, state.now(), &token, &ip).await {
                Ok(Some(actor)) => Ok(ApiCaller { actor, by_token: true }),
                Ok(None) => Err(unauthenticated(jiuzhu_app::AppError::Unauthenticated)),
                Err(e) => Err(unauthenticated(e)),
            };
        }
        let Some(token) = cookie(&parts.headers, SESSION_COOKIE) else {
            return Err(unauthenticated(jiuzhu_app::AppError::Unauthenticated));
        };
        match auth::session(&state.db, state.now(), &token, &ip).await {
            Ok(Some(session)) if !session.must_change_password => {
                Ok(ApiCaller { actor: session.actor, by_token: false })
            }
            Ok(_) => Err(unauthenticated(jiuzhu_app::AppError::Unauthenticated)),
            Err(e) => Err(unauthenticated(e)),
        }
    }
}

fn form_field(body: &[u8], name: &str) -> Option<String> {
    std::str::from_utf8(body).ok()?.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (k == name).then(|| v.to_string())
    })
}

/// Refuses state-changing requests made with the session cookie that do
/// not carry the session's CSRF token.
pub(crate) async fn csrf_guard(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let safe = matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let exempt = request.uri().path() == "/login";
    if safe || exempt {
        return next.run(request).await;
    }
    if let Some(token) = bearer(request.headers()) {
        let ip = client_addr(request.headers(), request.extensions(), &state);
        if let Ok(Some(actor)) = auth::token_actor(&state.db, state.now(), &token, &ip).await {
            // The token is the credential: no cookie may act for this request.
            request.headers_mut().remove(header::COOKIE);
            request.extensions_mut().insert(TokenActor(actor));
            return next.run(request).await;
        }
        // A token that is not valid exempts nothing: go on as without it.
    }
    let Some(token) = cookie(request.headers(), SESSION_COOKIE) else {
        // No session: the handler answers "sign in first".
        return next.run(request).await;
    };
    let expected = match auth::session(&state.db, state.now(), &token, "").await {
        Ok(Some(session)) => session.csrf_token,
        _ => return next.run(request).await,
    };
    let from_header = request.headers().get("x-csrf-token").and_then(|v| v.to_str().ok()).map(str::to_string);
    let from_query = request.uri().query().and_then(|q| form_field(q.as_bytes(), "csrf"));
    if from_header.as_deref() == Some(expected.as_str()) || from_query.as_deref() == Some(expected.as_str()) {
        return next.run(request).await;
    }
    let is_form = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if is_form {
        let (parts, body) = request.into_parts();
        let Ok(bytes) = to_bytes(body, 1024 * 1024).await else {
            return (StatusCode::PAYLOAD_TOO_LARGE, "").into_response();
        };
        if form_field(&bytes, "csrf").as_deref() == Some(expected.as_str()) {
            return next.run(Request::from_parts(parts, Body::from(bytes))).await;
        }
    }
    tracing::warn!("request refused: missing or wrong CSRF token");
    (StatusCode::FORBIDDEN, "CSRF token missing or wrong / 请求缺少有效的安全令牌，请刷新页面后重试").into_response()
}
