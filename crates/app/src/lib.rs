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

pub mod access;
pub mod audit_log;
pub mod auth;
pub mod calendar;
pub mod case;
pub mod demo;
pub mod entitlement;
pub mod error;
pub mod import;
pub mod input;
pub mod job;
pub mod notice_board;
pub mod payee;
pub mod payment;
pub mod policy;
pub mod privacy;
pub mod registry;
pub mod relatives;
pub mod text_limits;
pub mod verification;

pub use error::AppError;
pub use jiuzhu_store::Db;

use jiuzhu_domain::{Permission, RegionCode, Role};

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

/// Who is acting: a signed-in user (or the command line), with the roles
/// that give permissions and the region that bounds what they reach.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// `None` for the command line and other system work.
    pub user_id: Option<i64>,
    pub login: String,
    /// The name history and the audit log show.
    pub name: String,
    pub roles: Vec<Role>,
    pub scope: Scope,
    /// Where the request came from (`cli` for the command line).
    pub ip: String,
}

impl Actor {
    /// The command line and the demo loader: every permission, everywhere.
    pub fn system() -> Actor {
        Actor {
            user_id: None,
            login: "system".to_string(),
            name: "system".to_string(),
            roles: Role::ALL.to_vec(),
            scope: Scope::All,
            ip: "cli".to_string(),
        }
    }

    /// Someone of the public at a village's notice board, without signing
    /// in: no role, and nothing in sight but that village (never
    /// [`Scope::All`]).
    pub fn public(ip: &str, village: &RegionCode) -> Actor {
        Actor {
            user_id: None,
            login: "public".to_string(),
            name: "公众".to_string(),
            roles: Vec::new(),
            scope: Scope::Region(village.clone()),
            ip: ip.to_string(),
        }
    }

    /// A user with these roles in `scope`, for tests and tools.
    pub fn user(user_id: i64, login: &str, roles: &[Role], scope: Scope) -> Actor {
        Actor {
            user_id: Some(user_id),
            login: login.to_string(),
            name: login.to_string(),
            roles: roles.to_vec(),
            scope,
            ip: "127.0.0.1".to_string(),
        }
    }

    pub fn can(&self, permission: Permission) -> bool {
        jiuzhu_domain::access::any_grants(&self.roles, permission)
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
