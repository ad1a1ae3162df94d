//! The use cases of jiuzhu: one function per thing a person does.
//!
//! Every use case takes the [`Actor`] doing it and, when it changes
//! anything, `now`: the clock is read once by the caller (the web handler
//! or the CLI) and passed down, so the rules never see a clock. A use case
//! checks the actor's region scope, loads what it needs, lets the domain
//! decide, and writes the state change together with its history entry in
//! one transaction.
//!
//! Architecture invariant: nothing here knows HTTP or SQL. Handlers parse
//! input into the forms of [`input`], call one function, and render what
//! it returns.

pub mod demo;
pub mod error;
pub mod import;
pub mod input;
pub mod registry;

pub use error::AppError;
pub use jiuzhu_store::Db;

use jiuzhu_domain::RegionCode;

/// How far an actor can see and act.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// The whole installation (a bureau's administrator, the CLI).
    All,
    /// One region and everything inside it.
    Region(RegionCode),
}

impl Scope {
    pub fn contains(&self, code: &RegionCode) -> bool {
        match self {
            Scope::All => true,
            Scope::Region(scope) => scope.contains(code),
        }
    }

    /// The region a list is filtered to: the requested one when it lies in
    /// scope, the scope otherwise.
    pub fn narrow(&self, requested: Option<&RegionCode>) -> Option<RegionCode> {
        match (self, requested) {
            (Scope::All, requested) => requested.cloned(),
            (Scope::Region(scope), Some(r)) if scope.contains(r) => Some(r.clone()),
            (Scope::Region(scope), Some(r)) if r.contains(scope) => Some(scope.clone()),
            (Scope::Region(scope), _) => Some(scope.clone()),
        }
    }
}

/// Who is acting. Until accounts exist every actor is a named operator
/// with a scope; the name is what history records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub name: String,
    pub scope: Scope,
}

impl Actor {
    /// The command line and the demo loader: everything, named `system`.
    pub fn system() -> Actor {
        Actor { name: "system".to_string(), scope: Scope::All }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_narrowing() {
        let code = |s: &str| RegionCode::parse(s).unwrap();
        let township = Scope::Region(code("340102001"));
        assert_eq!(township.narrow(None), Some(code("340102001")));
        assert_eq!(township.narrow(Some(&code("340102001002"))), Some(code("340102001002")));
        assert_eq!(township.narrow(Some(&code("340102"))), Some(code("340102001")));
        assert_eq!(township.narrow(Some(&code("340102002"))), Some(code("340102001")));
        assert_eq!(Scope::All.narrow(None), None);
        assert!(township.contains(&code("340102001002")));
        assert!(!township.contains(&code("340102002001")));
    }
}
