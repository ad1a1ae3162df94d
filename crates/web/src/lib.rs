//! HTTP for jiuzhu: server-rendered pages (askama, htmx) in Simplified
//! Chinese and English, and the same operations as JSON under `/api/`
//! with an OpenAPI document and a self-hosted explorer.
//!
//! [`router`] builds the whole application from an [`AppState`]. Handlers
//! parse the request, call one use case of `jiuzhu-app`, and render.
//!
//! Architecture invariant: this is the only crate that knows HTTP, and it
//! knows no SQL. The clock is read here, once per request, through
//! [`AppState::clock`], so tests can stand on any date.

use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, FromRequestParts};
use axum::http::header::{self, HeaderValue};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use chrono::{DateTime, Utc};
use jiuzhu_app::Db;
use jiuzhu_domain::Lang;
use tower_http::set_header::SetResponseHeaderLayer;

mod admin;
pub mod api;
mod calendar;
pub mod case;
mod describe;
mod error;
mod job;
mod notice_board;
mod pages;
mod payee;
mod payment;
mod payment_bank;
mod payment_layout;
mod payment_overview;
mod payment_publication;
mod payment_recovery;
mod policy;
mod proxy;
mod redirect;
mod relatives;
mod session;
mod tokens;
pub mod tr;
mod upload;
pub mod verification;
mod view;

pub use error::{ApiError, PageError};
pub use proxy::TrustedProxies;

/// Reads the current time; the binary passes the system clock, tests a
/// fixed one.
pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub clock: Clock,
    /// Where the CJK fonts for PDFs are (Debian's `fonts-noto-cjk` by default).
    pub font_dir: std::path::PathBuf,
    /// Reverse proxies whose `X-Forwarded-For` is believed (none by default).
    pub trusted_proxies: Arc<TrustedProxies>,
    /// Uploads at least this large are imported as background jobs.
    pub background_from: usize,
}

impl AppState {
    pub fn new(db: Db, clock: Clock) -> AppState {
        AppState {
            db,
            clock,
            font_dir: jiuzhu_print::DEFAULT_FONT_DIR.into(),
            trusted_proxies: Arc::new(TrustedProxies::default()),
            background_from: jiuzhu_app::job::IN_BACKGROUND_FROM,
        }
    }

    /// Imports uploads of at least `bytes` as background jobs (tests lower it).
    pub fn with_background_from(mut self, bytes: usize) -> AppState {
        self.background_from = bytes;
        self
    }

    /// Believes the `X-Forwarded-For` of these reverse proxies.
    pub fn with_trusted_proxies(mut self, proxies: TrustedProxies) -> AppState {
        self.trusted_proxies = Arc::new(proxies);
        self
    }

    /// Uses the fonts of another directory for PDFs.
    pub fn with_font_dir(mut self, dir: impl Into<std::path::PathBuf>) -> AppState {
        self.font_dir = dir.into();
        self
    }

    pub(crate) fn now(&self) -> DateTime<Utc> {
        (self.clock)()
    }
}

/// The whole application.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(|| async { Redirect::to("/households") }))
        .route("/lang/{code}", get(switch_language))
        .route(
            "/static/app.css",
            get(|| async { static_file("text/css; charset=utf-8", include_str!("../static/app.css")) }),
        )
        .route(
            "/static/htmx-2.0.11.min.js",
            get(|| async {
                static_file("text/javascript; charset=utf-8", include_str!("../static/htmx-2.0.11.min.js"))
            }),
        )
        .merge(pages::router())
        .merge(admin::router())
        .merge(tokens::router())
        .merge(verification::router())
        .merge(case::router())
        .merge(policy::router())
        .merge(relatives::router())
        .merge(payee::router())
        .merge(calendar::router())
        .merge(notice_board::router())
        .merge(payment::router())
        .merge(payment_bank::router())
        .merge(payment_layout::router())
        .merge(payment_overview::router())
        .merge(payment_publication::router())
        .merge(payment_recovery::router())
        .merge(job::router())
        .merge(api::router())
        .layer(axum::middleware::from_fn_with_state(state.clone(), session::csrf_guard))
        .layer(DefaultBodyLimit::max(upload::UPLOAD_LIMIT))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        .layer(SetResponseHeaderLayer::if_not_present(header::REFERRER_POLICY, HeaderValue::from_static("same-origin")))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(SITE_CSP),
        ))
        // Pages and API answers carry personal data: no copy in any cache.
        // Static files set their own max-age and keep it.
        .layer(SetResponseHeaderLayer::if_not_present(header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
        .with_state(state)
}

/// The site-wide content security policy: scripts only from this site's
/// files (no inline script, no eval; htmx is configured for that in
/// `base.html`), inline styles allowed, no plugins, no framing, forms only
/// to this site. A route may set a stricter one (survey photos do).
const SITE_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; \
    object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

fn static_file(content_type: &'static str, body: &'static str) -> Response {
    ([(header::CONTENT_TYPE, content_type), (header::CACHE_CONTROL, "public, max-age=86400")], body).into_response()
}

/// Sets the interface language and goes back where the user was.
async fn switch_language(
    axum::extract::Path(code): axum::extract::Path<String>,
    headers: axum::http::HeaderMap,
) -> Response {
    let lang = Lang::parse(&code);
    // Only a page of this site: the Referer's host must be the request's.
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let back = headers
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|r| redirect::local_referer(r, host))
        .filter(|p| !p.starts_with("/lang/"))
        .unwrap_or("/households");
    let cookie = format!("lang={}; Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly", lang.code());
    ([(header::SET_COOKIE, cookie)], Redirect::to(back)).into_response()
}

/// The interface language of a page request: the `lang` cookie, Chinese
/// by default.
pub(crate) struct UiLang(pub Lang);

impl<S: Send + Sync> FromRequestParts<S> for UiLang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let lang = parts
            .headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|kv| kv.trim().strip_prefix("lang="))
            .map(Lang::parse)
            .next()
            .unwrap_or_default();
        Ok(UiLang(lang))
    }
}

/// The language of an API request: `Accept-Language`, Chinese by default.
pub(crate) struct ApiLang(pub Lang);

impl<S: Send + Sync> FromRequestParts<S> for ApiLang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let lang = parts
            .headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .map(Lang::parse)
            .unwrap_or_default();
        Ok(ApiLang(lang))
    }
}

/// The query string of the household list, shared by the page and the API.
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Region code (6 to 15 digits); empty for the whole scope.
    #[serde(default)]
    pub region: String,
    /// Name, pinyin initials, ID number or household number.
    #[serde(default)]
    pub q: String,
    /// Programme code (`dibao`, `tekun`, …).
    #[serde(default)]
    pub program: String,
    /// Page number, from 1.
    #[serde(default)]
    pub page: String,
}

impl ListParams {
    /// Lenient: a filter that does not parse is ignored, as a person would
    /// expect from a search box.
    pub(crate) fn to_query(&self) -> jiuzhu_app::registry::HouseholdQuery {
        jiuzhu_app::registry::HouseholdQuery {
            region: jiuzhu_domain::RegionCode::parse(&self.region).ok(),
            text: self.q.clone(),
            program: jiuzhu_domain::Program::parse(&self.program),
            page: self.page.trim().parse().unwrap_or(1),
        }
    }
}
