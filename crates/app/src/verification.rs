//! Economic verification (家庭经济状况核对) over the database: department
//! data deliveries, region policies, verification runs, the per-household
//! report, and objections (异议复核).
//!
//! The flow: the verification centre imports a delivery per dataset kind
//! (kept for ever); a run takes the latest delivery of each kind, feeds
//! its stored records through the engine of `jiuzhu-verify` (the same
//! accumulators as the file batch), turns the sums into findings under the
//! policy in force for each household's region, and stores, per household,
//! the members, sums, findings, the policy used and the deliveries used.
//! A report is assembled from that result and the records of exactly
//! those deliveries, so it reads the same after newer data arrives.

mod deliveries;
mod objections;
mod policy;
mod report;
mod run_job;
mod runs;

pub use deliveries::*;
pub use objections::*;
pub use policy::*;
pub use report::*;
pub(crate) use run_job::run_job;
pub use runs::*;
