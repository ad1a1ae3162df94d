//! The pure core of jiuzhu: the value types and rules of social assistance.
//!
//! Everything here is deterministic. This crate does no I/O, never reads the
//! clock, an environment variable or a random source: time, identifiers and
//! seeds come in as parameters. That is what lets a test stand on any date and
//! lets the same rule run in the web server, the CLI and a batch job.
//!
//! Main types:
//! - [`IdNumber`]: a GB 11643 citizen ID number, normalised and checked.
//! - [`RegionCode`] and [`RegionTree`]: the administrative hierarchy.
//! - [`Fen`]: money as integer fen, parsed from and shown as 元.
//! - [`household`]: relations, disability, programmes and the household rules.
//! - [`i18n`]: the one message catalogue (Simplified Chinese and English).
//!
//! ```
//! use jiuzhu_domain::{Fen, IdNumber};
//! let id = IdNumber::parse(" 11010519491231002x ").unwrap();
//! assert_eq!(id.as_str(), "11010519491231002X");
//! assert_eq!(Fen::parse_yuan("￥1,234.5").unwrap().to_string(), "1,234.50元");
//! ```

#[macro_use]
mod macros;

pub mod access;
pub mod assistance;
pub mod audit;
pub mod calendar;
pub mod case;
pub mod dataset;
pub mod document;
pub mod entitlement;
pub mod history;
pub mod household;
pub mod i18n;
pub mod id_number;
pub mod job;
pub mod limits;
pub mod money;
pub mod notice;
pub mod payment;
pub mod photo;
pub mod policy;
pub mod region;
pub mod text;
pub mod verification;

pub use access::{Permission, Role};
pub use household::{DisabilityKind, DisabilityLevel, Program, Relation};
pub use i18n::Lang;
pub use id_number::{IdNumber, IdNumberError, Sex};
pub use money::{Fen, MoneyError};
pub use region::{Region, RegionCode, RegionError, RegionLevel, RegionTree};
