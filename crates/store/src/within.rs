//! [`Within`]: the part of the region tree a query of a scoped table may
//! see — a region and everything inside it, or the whole installation.
//!
//! Every query that lists or counts rows of a table with a region (cases,
//! households, the staff-relatives register) takes one, so a use case
//! cannot list without saying whose sight it lists for. The use cases get
//! it only from `jiuzhu_app::access`, from the actor (a test of the app
//! checks that no other module of the app builds one); the store turns it
//! into a half-open range of region codes.

use jiuzhu_domain::RegionCode;

/// What a query may see: everything, or one region and everything inside.
/// The default is the whole installation (for tests' filters; the app makes
/// its own only in `access`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Within(Option<RegionCode>);

impl Within {
    /// The whole installation.
    pub fn everything() -> Within {
        Within(None)
    }

    /// One region and everything inside it.
    pub fn region(region: RegionCode) -> Within {
        Within(Some(region))
    }

    /// The region, or none for the whole installation.
    pub fn region_code(&self) -> Option<&RegionCode> {
        self.0.as_ref()
    }

    pub fn contains(&self, code: &RegionCode) -> bool {
        self.0.as_ref().is_none_or(|r| r.contains(code))
    }

    /// The half-open range of region codes inside.
    pub(crate) fn range(&self) -> (String, String) {
        crate::sql::region_range(self.0.as_ref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_region_contains_what_is_inside_it_and_everything_contains_all() {
        let code = |s: &str| RegionCode::parse(s).unwrap();
        let township = Within::region(code("340102001"));
        assert!(township.contains(&code("340102001002")));
        assert!(!township.contains(&code("340102002001")));
        assert!(!township.contains(&code("340102")));
        assert!(Within::everything().contains(&code("340102")));
        assert_eq!(township.range(), ("340102001".to_string(), "340102002".to_string()));
        assert_eq!(Within::everything().range(), (String::new(), ":".to_string()));
    }
}
