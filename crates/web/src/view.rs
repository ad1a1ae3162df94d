//! What every page handler shares: rendering a template, turning a use
//! case's error into a page, and the messages of a form that was refused.

use askama::Template;
use axum::response::{Html, IntoResponse, Response};
use jiuzhu_app::AppError;
use jiuzhu_domain::i18n::Lang;

use crate::error::PageError;

pub(crate) type PageResult = Result<Response, PageError>;

pub(crate) fn render(template: &impl Template) -> PageResult {
    match template.render() {
        Ok(html) => Ok(Html(html).into_response()),
        Err(e) => Err(PageError { lang: Lang::Zh, error: AppError::Internal(e.to_string()) }),
    }
}

pub(crate) fn fail(lang: Lang) -> impl Fn(AppError) -> PageError {
    move |error| PageError { lang, error }
}

/// A form shown again because its input was refused: 422.
pub(crate) fn refused(template: &impl Template) -> PageResult {
    render(template).map(|r| (axum::http::StatusCode::UNPROCESSABLE_ENTITY, r).into_response())
}

/// The messages to show again with a refused form, or `None` when the error
/// is not about the input (then it becomes an error page).
pub(crate) fn messages(lang: Lang, err: &AppError) -> Option<Vec<String>> {
    match err {
        AppError::Invalid(errors) => Some(errors.iter().map(|e| e.message.render(lang)).collect()),
        AppError::Conflict(m) | AppError::TooMany(m) => Some(vec![m.render(lang)]),
        _ => None,
    }
}

/// `filename*` of RFC 6266/5987: the UTF-8 bytes, percent-encoded, so a
/// Chinese file name survives every browser.
pub(crate) fn encode_rfc5987(name: &str) -> String {
    let mut out = String::new();
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A PDF shown in the browser, saved as `{name}.pdf`.
pub(crate) fn pdf_response(bytes: Vec<u8>, name: &str) -> Response {
    (
        [
            (axum::http::header::CONTENT_TYPE, "application/pdf".to_string()),
            (axum::http::header::CONTENT_DISPOSITION, format!("inline; filename=\"{name}.pdf\"")),
        ],
        bytes,
    )
        .into_response()
}

/// `(code, label)` pairs for a select or a list of checkboxes.
pub(crate) fn options<T: Copy>(
    all: &[T],
    code: impl Fn(T) -> &'static str,
    label: impl Fn(T) -> &'static str,
) -> Vec<(String, String)> {
    all.iter().map(|v| (code(*v).to_string(), label(*v).to_string())).collect()
}
