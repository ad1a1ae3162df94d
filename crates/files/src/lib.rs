//! Reading and writing what offices exchange: CSV in UTF-8 or GBK
//! (detected, never asked), Excel workbooks in and out.
//!
//! - [`table`] turns a file's bytes into a grid of text cells with line
//!   numbers, whatever its format and encoding.
//! - [`roster`] reads a roster (花名册) from such a grid: header aliases,
//!   one validated row per person, problems with line and column, and the
//!   grouping of rows into households.
//! - [`department`] reads a department data delivery of any dataset kind:
//!   every catalogue column normalised, bad rows listed and skipped.
//! - [`export`] writes a roster to xlsx with ID numbers as text.
//!
//! Architecture invariant: this crate knows file formats and the domain's
//! value types, never the database. What a roster means for the registry
//! (already registered people, unknown regions) is decided in `jiuzhu-app`.

pub mod department;
pub mod export;
pub mod roster;
pub mod table;

pub use roster::{ColumnRef, Field, Problem, Roster, RosterHousehold, parse_roster};
pub use table::{Table, TableError, read_table};
