//! Administrative regions (行政区划): province → city → county → township →
//! village → group.
//!
//! Codes follow the statistical division codes (统计用区划代码): 12 digits,
//! 2 province + 2 city + 2 county + 3 township + 3 village, with the unused
//! tail filled with zeros (`340102000000` is a county). Village groups (村民小组)
//! have no national code; jiuzhu extends the village code with three more
//! digits (15 in all).
//!
//! Region scope is a prefix: a region contains every code that starts with
//! its significant digits. [`RegionCode::prefix_range`] turns that into a
//! half-open string range that an index can serve.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// The six levels of the hierarchy, from the top.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RegionLevel {
    Province,
    City,
    County,
    Township,
    Village,
    Group,
}

impl RegionLevel {
    /// Number of significant digits of a code at this level.
    pub fn digits(self) -> usize {
        match self {
            RegionLevel::Province => 2,
            RegionLevel::City => 4,
            RegionLevel::County => 6,
            RegionLevel::Township => 9,
            RegionLevel::Village => 12,
            RegionLevel::Group => 15,
        }
    }

    pub fn as_i64(self) -> i64 {
        self as i64 + 1
    }

    pub fn from_i64(n: i64) -> Option<Self> {
        [
            RegionLevel::Province,
            RegionLevel::City,
            RegionLevel::County,
            RegionLevel::Township,
            RegionLevel::Village,
            RegionLevel::Group,
        ]
        .get(usize::try_from(n - 1).ok()?)
        .copied()
    }

    /// The message-catalogue key of the level's name.
    pub fn message_key(self) -> &'static str {
        match self {
            RegionLevel::Province => "region.level.province",
            RegionLevel::City => "region.level.city",
            RegionLevel::County => "region.level.county",
            RegionLevel::Township => "region.level.township",
            RegionLevel::Village => "region.level.village",
            RegionLevel::Group => "region.level.group",
        }
    }
}

/// A region code in canonical form: 12 digits, or 15 for a group.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RegionCode(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RegionError {
    #[error("region code must be digits")]
    NotDigits,
    #[error("region code has {0} digits")]
    BadLength(usize),
    #[error("region code has a zero segment above a non-zero one")]
    Gap,
}

impl RegionCode {
    /// Parses a code given in any of its usual lengths: 2, 4, 6, 9, 12 or
    /// 15 digits (shorter ones are padded with zeros).
    pub fn parse(raw: &str) -> Result<Self, RegionError> {
        let s = crate::text::clean(raw);
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(RegionError::NotDigits);
        }
        let canonical = match s.len() {
            2 | 4 | 6 | 9 | 12 => format!("{s:0<12}"),
            15 => s,
            n => return Err(RegionError::BadLength(n)),
        };
        let code = RegionCode(canonical);
        // A non-zero segment below a zero one ("34 00 01 …") is not a code.
        let level = code.level();
        let segments = [(0, 2), (2, 4), (4, 6), (6, 9), (9, 12), (12, 15)];
        for (idx, (from, to)) in segments.iter().enumerate() {
            if *to > code.0.len() {
                break;
            }
            let zero = code.0[*from..*to].bytes().all(|b| b == b'0');
            if zero && idx < level as usize + 1 {
                return Err(RegionError::Gap);
            }
        }
        Ok(code)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn level(&self) -> RegionLevel {
        if self.0.len() == 15 {
            return RegionLevel::Group;
        }
        let b = self.0.as_bytes();
        let nonzero = |from: usize, to: usize| b[from..to].iter().any(|&c| c != b'0');
        if nonzero(9, 12) {
            RegionLevel::Village
        } else if nonzero(6, 9) {
            RegionLevel::Township
        } else if nonzero(4, 6) {
            RegionLevel::County
        } else if nonzero(2, 4) {
            RegionLevel::City
        } else {
            RegionLevel::Province
        }
    }

    /// The significant digits: `340102001` for township `340102001000`.
    pub fn prefix(&self) -> &str {
        &self.0[..self.level().digits()]
    }

    /// Whether `other` lies inside this region (a region contains itself).
    pub fn contains(&self, other: &RegionCode) -> bool {
        other.0.starts_with(self.prefix())
    }

    /// The region one level up, if any.
    pub fn parent(&self) -> Option<RegionCode> {
        let level = self.level();
        let parent_digits = match level {
            RegionLevel::Province => return None,
            RegionLevel::City => 2,
            RegionLevel::County => 4,
            RegionLevel::Township => 6,
            RegionLevel::Village => 9,
            RegionLevel::Group => 12,
        };
        RegionCode::parse(&self.0[..parent_digits]).ok()
    }

    /// The region at `level` that contains this one (itself at its own
    /// level); `None` when this region lies above that level.
    pub fn at_level(&self, level: RegionLevel) -> Option<RegionCode> {
        if level > self.level() {
            return None;
        }
        RegionCode::parse(&self.0[..level.digits()]).ok()
    }

    /// The code of a child: `child_segment` is the number of the child in
    /// this region (township 1..=999 in a county, and so on).
    pub fn child(&self, child_segment: u32) -> Option<RegionCode> {
        let (width, base) = match self.level() {
            RegionLevel::Province | RegionLevel::City => (2, self.prefix()),
            RegionLevel::County | RegionLevel::Township | RegionLevel::Village => (3, self.prefix()),
            RegionLevel::Group => return None,
        };
        if child_segment == 0 || child_segment >= 10u32.pow(width) {
            return None;
        }
        RegionCode::parse(&format!("{base}{child_segment:0width$}", width = width as usize)).ok()
    }

    /// The half-open range `[from, to)` of canonical codes inside this
    /// region, for an indexed range scan: every contained code `c` satisfies
    /// `from <= c < to` under byte-wise comparison.
    pub fn prefix_range(&self) -> (String, String) {
        let prefix = self.prefix();
        (prefix.to_string(), next_prefix(prefix))
    }
}

/// The smallest digit string of the same length greater than every string
/// starting with `prefix`; `99` becomes `:` which sorts after every digit.
fn next_prefix(prefix: &str) -> String {
    let mut bytes = prefix.as_bytes().to_vec();
    while let Some(last) = bytes.last_mut() {
        if *last < b'9' {
            *last += 1;
            return String::from_utf8(bytes).unwrap_or_default();
        }
        bytes.pop();
    }
    ":".to_string()
}

impl fmt::Display for RegionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for RegionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RegionCode({})", self.0)
    }
}

impl Serialize for RegionCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for RegionCode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        RegionCode::parse(&raw).map_err(serde::de::Error::custom)
    }
}

/// One region with its Chinese name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Region {
    pub code: RegionCode,
    pub name: String,
}

impl Region {
    pub fn level(&self) -> RegionLevel {
        self.code.level()
    }
}

/// A set of regions arranged as a tree by their codes.
#[derive(Debug, Clone, Default)]
pub struct RegionTree {
    by_code: BTreeMap<RegionCode, Region>,
}

impl RegionTree {
    pub fn new(regions: impl IntoIterator<Item = Region>) -> Self {
        RegionTree { by_code: regions.into_iter().map(|r| (r.code.clone(), r)).collect() }
    }

    pub fn get(&self, code: &RegionCode) -> Option<&Region> {
        self.by_code.get(code)
    }

    pub fn len(&self) -> usize {
        self.by_code.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_code.is_empty()
    }

    /// Regions without a parent in the tree.
    pub fn roots(&self) -> Vec<&Region> {
        self.by_code.values().filter(|r| r.code.parent().is_none_or(|p| !self.by_code.contains_key(&p))).collect()
    }

    /// Direct children, in code order.
    pub fn children(&self, code: &RegionCode) -> Vec<&Region> {
        let (from, to) = code.prefix_range();
        self.by_code
            .range(RegionCode(from)..RegionCode(to))
            .map(|(_, r)| r)
            .filter(|r| r.code.parent().as_ref() == Some(code))
            .collect()
    }

    /// The chain from the root down to `code`, e.g. for breadcrumbs and
    /// full names (`某县城关镇东村`).
    pub fn path(&self, code: &RegionCode) -> Vec<&Region> {
        let mut res = Vec::new();
        let mut cur = Some(code.clone());
        while let Some(c) = cur {
            if let Some(r) = self.by_code.get(&c) {
                res.push(r);
            }
            cur = c.parent();
        }
        res.reverse();
        res
    }

    /// The names from the county (or the highest level present) down to
    /// `code`, joined without separators as Chinese addresses are written.
    pub fn full_name(&self, code: &RegionCode) -> String {
        self.path(code).iter().filter(|r| r.level() >= RegionLevel::County).map(|r| r.name.as_str()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn code(s: &str) -> RegionCode {
        RegionCode::parse(s).unwrap()
    }

    #[test]
    fn levels_and_prefixes() {
        for (raw, level, prefix) in [
            ("34", RegionLevel::Province, "34"),
            ("3401", RegionLevel::City, "3401"),
            ("340102", RegionLevel::County, "340102"),
            ("340102001", RegionLevel::Township, "340102001"),
            ("340102001002", RegionLevel::Village, "340102001002"),
            ("340102001002003", RegionLevel::Group, "340102001002003"),
            ("340102000000", RegionLevel::County, "340102"),
        ] {
            let c = code(raw);
            assert_eq!((c.level(), c.prefix()), (level, prefix), "{raw}");
        }
    }

    #[test]
    fn bad_codes() {
        assert_eq!(RegionCode::parse("34a102"), Err(RegionError::NotDigits));
        assert_eq!(RegionCode::parse("3401020"), Err(RegionError::BadLength(7)));
        assert_eq!(RegionCode::parse("340100001000"), Err(RegionError::Gap));
        assert_eq!(RegionCode::parse("000000"), Err(RegionError::Gap));
    }

    #[test]
    fn parents_children_containment() {
        let village = code("340102001002");
        assert_eq!(village.parent(), Some(code("340102001")));
        assert_eq!(code("340102001").parent(), Some(code("340102")));
        assert_eq!(code("34").parent(), None);
        assert_eq!(code("340102").child(21), Some(code("340102021")));
        assert!(code("340102").contains(&village));
        assert!(!code("340102002").contains(&village));
        assert!(village.contains(&village));
        assert_eq!(village.at_level(RegionLevel::County), Some(code("340102")));
        assert_eq!(village.at_level(RegionLevel::Village), Some(village.clone()));
        assert_eq!(code("340102").at_level(RegionLevel::Township), None);
    }

    #[test]
    fn tree_navigation() {
        let tree = RegionTree::new([
            Region { code: code("340102"), name: "示范区".into() },
            Region { code: code("340102001"), name: "城关镇".into() },
            Region { code: code("340102001001"), name: "东村".into() },
            Region { code: code("340102002"), name: "河口镇".into() },
        ]);
        assert_eq!(tree.roots().len(), 1);
        let names: Vec<_> = tree.children(&code("340102")).iter().map(|r| r.name.clone()).collect();
        assert_eq!(names, ["城关镇", "河口镇"]);
        assert_eq!(tree.full_name(&code("340102001001")), "示范区城关镇东村");
    }

    fn arb_code() -> impl Strategy<Value = RegionCode> {
        (11u32..66, 1u32..100, 1u32..100, 0u32..1000, 0u32..1000).prop_map(|(p, c, d, t, v)| {
            let raw = match (t, v) {
                (0, _) => format!("{p:02}{c:02}{d:02}"),
                (t, 0) => format!("{p:02}{c:02}{d:02}{t:03}"),
                (t, v) => format!("{p:02}{c:02}{d:02}{t:03}{v:03}"),
            };
            RegionCode::parse(&raw).unwrap()
        })
    }

    proptest! {
        #[test]
        fn prefix_range_matches_containment(a in arb_code(), b in arb_code()) {
            let (from, to) = a.prefix_range();
            let in_range = b.as_str() >= from.as_str() && b.as_str() < to.as_str();
            prop_assert_eq!(in_range, a.contains(&b));
        }

        #[test]
        fn parent_contains_child(a in arb_code()) {
            if let Some(p) = a.parent() {
                prop_assert!(p.contains(&a));
                prop_assert!(p.level() < a.level());
            }
        }

        #[test]
        fn canonical_form_round_trips(a in arb_code()) {
            prop_assert_eq!(RegionCode::parse(a.prefix()).unwrap(), a.clone());
            prop_assert_eq!(RegionCode::parse(a.as_str()).unwrap(), a);
        }
    }
}
