//! Uploaded files: their bytes, or why they could not be read.
//!
//! Bodies are capped at [`UPLOAD_LIMIT`]. Reading an upload that goes over
//! fails half-way; before, the handlers took that failure for an empty
//! file and said "file empty". Here it becomes [`UploadError::TooLarge`],
//! answered with the limit in the user's language: a page shows it with the
//! form, the API answers 413 with the same message as JSON.

use std::collections::BTreeMap;

use axum::Json;
use axum::body::Bytes;
use axum::extract::Multipart;
use axum::extract::multipart::MultipartError;
use axum::extract::rejection::BytesRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use jiuzhu_domain::i18n::{Lang, Message};

use crate::error::{ApiErrorBody, ApiProblem};

/// Largest upload accepted, in bytes (a roster of a few hundred thousand
/// rows); the whole request body, form fields included.
pub(crate) const UPLOAD_LIMIT: usize = 64 * 1024 * 1024;

/// Why an upload's bytes could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum UploadError {
    /// The body went over [`UPLOAD_LIMIT`].
    TooLarge,
    /// The body ended early or was not a well-formed form.
    Broken,
}

impl UploadError {
    fn of_status(status: StatusCode) -> UploadError {
        if status == StatusCode::PAYLOAD_TOO_LARGE { UploadError::TooLarge } else { UploadError::Broken }
    }

    pub(crate) fn message(self) -> Message {
        match self {
            UploadError::TooLarge => Message::new("upload.error.too_large").arg("limit", UPLOAD_LIMIT >> 20),
            UploadError::Broken => Message::new("upload.error.broken"),
        }
    }

    /// The API's answer: 413 (or 400) with the message as JSON.
    pub(crate) fn api_response(self, lang: Lang) -> Response {
        let (status, error) = match self {
            UploadError::TooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "too_large"),
            UploadError::Broken => (StatusCode::BAD_REQUEST, "invalid"),
        };
        let message = self.message();
        let problem = ApiProblem { field: "file".into(), code: message.key.to_string(), message: message.render(lang) };
        (status, Json(ApiErrorBody { error: error.into(), problems: vec![problem] })).into_response()
    }
}

impl From<&MultipartError> for UploadError {
    fn from(err: &MultipartError) -> UploadError {
        UploadError::of_status(err.status())
    }
}

/// The raw body of an API upload, or why it could not be read (answer
/// with [`UploadError::api_response`]).
pub(crate) fn api_body(body: Result<Bytes, BytesRejection>) -> Result<Bytes, UploadError> {
    body.map_err(|rejection| UploadError::of_status(rejection.status()))
}

/// A multipart form with one file.
#[derive(Debug, Default)]
pub(crate) struct UploadForm {
    /// The bytes of the field named `file`.
    pub(crate) bytes: Vec<u8>,
    /// The file name the browser sent with it.
    pub(crate) file_name: String,
    /// The other fields, as text.
    pub(crate) fields: BTreeMap<String, String>,
}

/// Reads every field of a multipart form; a failure part-way (a body over
/// the limit, most often) is an error, never an empty file.
pub(crate) async fn read_form(mut multipart: Multipart) -> Result<UploadForm, UploadError> {
    let mut form = UploadForm::default();
    while let Some(field) = multipart.next_field().await.map_err(|e| UploadError::from(&e))? {
        let name = field.name().unwrap_or_default().to_string();
        if name == "file" {
            form.file_name = field.file_name().unwrap_or_default().to_string();
            form.bytes = field.bytes().await.map_err(|e| UploadError::from(&e))?.to_vec();
        } else {
            form.fields.insert(name, field.text().await.map_err(|e| UploadError::from(&e))?);
        }
    }
    Ok(form)
}
