//! The few places where SQLite and PostgreSQL differ and one SQL text cannot
//! cover both. Keep this module small: everything else is shared.

use sqlx::error::{DatabaseError, ErrorKind};

/// The name of the constraint a database error violated, if it is a
/// unique or foreign-key violation.
///
/// PostgreSQL reports the constraint's name. SQLite reports only
/// `UNIQUE constraint failed: table.column`, so the name is rebuilt from
/// the migrations' convention `table_column_key`.
pub(crate) fn constraint_name(err: &dyn DatabaseError) -> Option<String> {
    match err.kind() {
        ErrorKind::UniqueViolation | ErrorKind::ForeignKeyViolation => {}
        _ => return None,
    }
    if let Some(name) = err.constraint() {
        return Some(name.to_string());
    }
    let message = err.message();
    if let Some(rest) = message.strip_prefix("UNIQUE constraint failed: ") {
        let first = rest.split(',').next().unwrap_or(rest).trim();
        return Some(format!("{}_key", first.replace('.', "_")));
    }
    if err.kind() == ErrorKind::ForeignKeyViolation {
        return Some("foreign_key".to_string());
    }
    None
}
