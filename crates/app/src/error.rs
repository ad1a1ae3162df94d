//! Errors of the use cases.
//!
//! Policy: use cases return [`AppError`]; each variant says what the
//! person can do about it. `NotFound` also covers "outside your scope", so
//! that nobody learns what exists elsewhere. Store errors that are not a
//! named conflict become `Internal` and are logged, never shown.

use jiuzhu_domain::i18n::Message;
use jiuzhu_store::StoreError;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AppError {
    /// The thing does not exist, or is outside the actor's scope.
    #[error("not found")]
    NotFound,
    /// The actor's roles do not allow the action.
    #[error("forbidden")]
    Forbidden,
    /// Not signed in, or the session ended.
    #[error("unauthenticated")]
    Unauthenticated,
    /// The input is not acceptable; one message per field or problem.
    #[error("invalid input")]
    Invalid(Vec<FieldError>),
    /// The change conflicts with the stored state (a taken number, a stale
    /// edit, a person registered elsewhere).
    #[error("conflict")]
    Conflict(Message),
    /// Too many attempts from the same source lately; try again later.
    #[error("too many requests")]
    TooMany(Message),
    #[error("internal error: {0}")]
    Internal(String),
}

/// A problem with one input field (`field` is the form field's name, or
/// empty for the whole form).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: &'static str,
    pub message: Message,
}

impl AppError {
    pub fn invalid(field: &'static str, message: Message) -> AppError {
        AppError::Invalid(vec![FieldError { field, message }])
    }
}

impl From<StoreError> for AppError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound => AppError::NotFound,
            StoreError::Conflict { constraint } => AppError::Conflict(match constraint.as_str() {
                "household_external_id_key" => Message::new("household.error.external_id_taken").arg("external_id", ""),
                "person_id_number_key" => Message::new("household.error.person_elsewhere").arg("external_id", ""),
                "entitlement_household_id_key" | "entitlement_person_id_key" => {
                    Message::new("entitlement.error.open_twice")
                }
                other => Message::new("common.conflict").arg("detail", other),
            }),
            other => {
                tracing::error!(error = %other, "store error");
                AppError::Internal(other.to_string())
            }
        }
    }
}

pub type Result<T, E = AppError> = std::result::Result<T, E>;
