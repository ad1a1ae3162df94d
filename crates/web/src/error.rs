//! The one mapping from use-case errors to HTTP.
//!
//! Policy: 404 for "not found or not yours" (never say which), 422 with one
//! message per field for invalid input, 409 for conflicts, 500 with a
//! generic message for everything else; internals are logged, never sent.
//! Pages render the messages in the user's language; the API returns them
//! as JSON.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use jiuzhu_app::AppError;
use jiuzhu_domain::i18n::{Lang, Message};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::tr::Tr;

fn status_and_messages(err: &AppError) -> (StatusCode, &'static str, Vec<(String, Message)>) {
    match err {
        AppError::NotFound => {
            (StatusCode::NOT_FOUND, "not_found", vec![(String::new(), Message::new("common.not_found"))])
        }
        AppError::Invalid(errors) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            errors.iter().map(|e| (e.field.to_string(), e.message.clone())).collect(),
        ),
        AppError::Conflict(message) => (StatusCode::CONFLICT, "conflict", vec![(String::new(), message.clone())]),
        AppError::TooMany(message) => {
            (StatusCode::TOO_MANY_REQUESTS, "too_many", vec![(String::new(), message.clone())])
        }
        AppError::Forbidden => {
            (StatusCode::FORBIDDEN, "forbidden", vec![(String::new(), Message::new("common.forbidden"))])
        }
        AppError::Unauthenticated => {
            (StatusCode::UNAUTHORIZED, "unauthenticated", vec![(String::new(), Message::new("common.unauthenticated"))])
        }
        _ => {
            tracing::error!(error = %err, "request failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal", vec![(String::new(), Message::new("common.server_error"))])
        }
    }
}

/// One problem in an API error.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ApiProblem {
    /// The input field concerned, or empty.
    pub field: String,
    /// The catalogue key, stable for programs.
    pub code: String,
    /// The message in the requested language.
    pub message: String,
}

/// The body of every API error.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ApiErrorBody {
    /// `not_found`, `invalid`, `conflict`, `too_many`, `internal` or `rejected`.
    pub error: String,
    pub problems: Vec<ApiProblem>,
}

/// An error answered as JSON.
pub struct ApiError {
    pub lang: Lang,
    pub error: AppError,
}

/// What every API handler returns.
pub(crate) type ApiResult<T> = Result<T, ApiError>;

/// Turns a use case's error into the API's answer in the request's language.
pub(crate) fn api_fail(lang: Lang) -> impl Fn(AppError) -> ApiError {
    move |error| ApiError { lang, error }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, kind, messages) = status_and_messages(&self.error);
        let body = ApiErrorBody {
            error: kind.to_string(),
            problems: messages
                .into_iter()
                .map(|(field, m)| ApiProblem { field, code: m.key.to_string(), message: m.render(self.lang) })
                .collect(),
        };
        (status, axum::Json(body)).into_response()
    }
}

/// An error answered as a page.
pub struct PageError {
    pub lang: Lang,
    pub error: AppError,
}

#[derive(askama::Template)]
#[template(path = "error.html")]
struct ErrorPage {
    tr: Tr,
    messages: Vec<String>,
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let (status, _, messages) = status_and_messages(&self.error);
        let page =
            ErrorPage { tr: Tr::new(self.lang), messages: messages.iter().map(|(_, m)| m.render(self.lang)).collect() };
        match askama::Template::render(&page) {
            Ok(html) => (status, Html(html)).into_response(),
            Err(e) => {
                tracing::error!(error = %e, "error page failed to render");
                status.into_response()
            }
        }
    }
}
