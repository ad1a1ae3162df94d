//! Payments: reconcile (being written; see `payment`).

/// The catalogue entries of this part.
pub static MESSAGES: &[(&str, &str, &str)] = &[];
