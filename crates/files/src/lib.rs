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
//! - [`bank`] writes the file sent to the paying bank in a layout and reads
//!   the bank's return (回盘文件) into reconciliation's lines.
//! - [`export`] writes a roster to xlsx with ID numbers as text.
//! - [`sheet`] writes a list to xlsx: money as numbers, ID and account
//!   columns as text.
//! - [`limits`] caps what a file may make the readers hold (rows, columns,
//!   cells, text, and each xlsx entry's inflated size and ratio), so that no
//!   upload can exhaust memory; `xlsx` reads a workbook's real cells within them
//!   ([`stream_xlsx`]: row by row, keeping none).
//!
//! Architecture invariant: this crate knows file formats and the domain's
//! value types, never the database. What a roster means for the registry
//! (already registered people, unknown regions) is decided in `jiuzhu-app`.

pub mod bank;
pub mod department;
pub mod export;
pub mod limits;
pub mod roster;
pub mod sheet;
pub mod table;
mod xlsx;

pub use roster::{ColumnRef, Field, Problem, Roster, RosterHousehold, parse_roster};
pub use table::{Table, TableError, read_table};
pub use xlsx::{Streamed, stream_xlsx};
