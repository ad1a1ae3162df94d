//! Money as integer fen (分). Never a float.
//!
//! Amounts arrive as 元 with up to two decimals, often decorated by Excel
//! (`￥1,234.50`, `1234.5元`); they are parsed once into [`Fen`] and shown as
//! `1,234.50元`.

use serde::{Deserialize, Serialize};
use std::fmt;

/// An amount of money in fen (1 元 = 100 分).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Fen(pub i64);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MoneyError {
    #[error("empty amount")]
    Empty,
    #[error("not an amount")]
    NotANumber,
    #[error("more than two decimals")]
    TooManyDecimals,
    #[error("amount too large")]
    TooLarge,
}

impl Fen {
    pub const ZERO: Fen = Fen(0);

    /// Parses an amount in 元: `1234.5`, `1,234.50`, `￥1234.50`, `1234.50元`,
    /// full-width digits, a leading minus.
    pub fn parse_yuan(raw: &str) -> Result<Fen, MoneyError> {
        let half = crate::text::clean(raw);
        let s: String = half.chars().filter(|c| !matches!(c, ',' | ' ' | '¥' | '￥' | '元')).collect();
        if s.is_empty() {
            return Err(MoneyError::Empty);
        }
        let (negative, digits) = match s.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, s.strip_prefix('+').unwrap_or(&s)),
        };
        let (int_part, frac_part) = match digits.split_once('.') {
            Some((i, f)) => (i, f),
            None => (digits, ""),
        };
        if (int_part.is_empty() && frac_part.is_empty())
            || !int_part.bytes().all(|b| b.is_ascii_digit())
            || !frac_part.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(MoneyError::NotANumber);
        }
        if frac_part.len() > 2 {
            // Trailing zeros beyond the fen are harmless (`12.500`).
            if frac_part[2..].bytes().any(|b| b != b'0') {
                return Err(MoneyError::TooManyDecimals);
            }
        }
        let yuan: i64 = if int_part.is_empty() { 0 } else { int_part.parse().map_err(|_| MoneyError::TooLarge)? };
        let frac = format!("{:0<2}", &frac_part[..frac_part.len().min(2)]);
        let fen: i64 = frac.parse().map_err(|_| MoneyError::NotANumber)?;
        let total = yuan.checked_mul(100).and_then(|v| v.checked_add(fen)).ok_or(MoneyError::TooLarge)?;
        Ok(Fen(if negative { -total } else { total }))
    }

    pub fn checked_add(self, other: Fen) -> Option<Fen> {
        self.0.checked_add(other.0).map(Fen)
    }

    /// The amount in 元 with two decimals and no grouping: `1234.50`, as
    /// spreadsheets expect.
    pub fn to_plain_yuan(self) -> String {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        format!("{sign}{}.{:02}", abs / 100, abs % 100)
    }
}

/// Digits grouped by thousands as Chinese offices write them: `1,234,567`.
pub fn group_thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut res = String::with_capacity(digits.len() + digits.len() / 3);
    for (idx, c) in digits.chars().enumerate() {
        if idx > 0 && (digits.len() - idx).is_multiple_of(3) {
            res.push(',');
        }
        res.push(c);
    }
    res
}

impl fmt::Display for Fen {
    /// `1,234.50元`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        write!(f, "{sign}{}.{:02}元", group_thousands(abs / 100), abs % 100)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Survivors of the first mutation run (docs/mutants-survivors.md):
    /// zero has no sign, a group of exactly three digits gets no leading
    /// comma, a sum that overflows is none.
    #[test]
    fn zero_groups_of_three_and_overflow() {
        assert_eq!(Fen(0).to_string(), "0.00元");
        assert_eq!(Fen(0).to_plain_yuan(), "0.00");
        assert_eq!(Fen(-1).to_plain_yuan(), "-0.01");
        assert_eq!(Fen(12_345_600).to_string(), "123,456.00元");
        assert_eq!(group_thousands(123), "123");
        assert_eq!(group_thousands(123_456), "123,456");
        assert_eq!(group_thousands(0), "0");
        assert_eq!(group_thousands(999), "999");
        assert_eq!(group_thousands(1_000), "1,000");
        assert_eq!(group_thousands(12_345_678), "12,345,678");
        assert_eq!(Fen(1).checked_add(Fen(2)), Some(Fen(3)));
        assert_eq!(Fen(i64::MAX).checked_add(Fen(1)), None);
    }

    #[test]
    fn parses_office_spellings() {
        for (raw, fen) in [
            ("1234.5", 123450),
            ("1,234.50", 123450),
            ("￥1234.50", 123450),
            ("¥1,234.50元", 123450),
            ("１２３４.５", 123450),
            ("0.01", 1),
            (".5", 50),
            ("12.500", 1250),
            ("-3", -300),
            ("700", 70000),
        ] {
            assert_eq!(Fen::parse_yuan(raw), Ok(Fen(fen)), "{raw}");
        }
    }

    #[test]
    fn rejects_non_amounts() {
        assert_eq!(Fen::parse_yuan(""), Err(MoneyError::Empty));
        assert_eq!(Fen::parse_yuan("abc"), Err(MoneyError::NotANumber));
        assert_eq!(Fen::parse_yuan("1.234"), Err(MoneyError::TooManyDecimals));
        assert_eq!(Fen::parse_yuan("1.2.3"), Err(MoneyError::NotANumber));
        assert_eq!(Fen::parse_yuan("."), Err(MoneyError::NotANumber));
        assert_eq!(Fen::parse_yuan("99999999999999999999"), Err(MoneyError::TooLarge));
    }

    #[test]
    fn formats_with_grouping() {
        assert_eq!(Fen(123450).to_string(), "1,234.50元");
        assert_eq!(Fen(5).to_string(), "0.05元");
        assert_eq!(Fen(-100000000).to_string(), "-1,000,000.00元");
        assert_eq!(Fen(123450).to_plain_yuan(), "1234.50");
    }

    proptest! {
        #[test]
        fn display_round_trips(n in -10_000_000_000_000i64..10_000_000_000_000) {
            prop_assert_eq!(Fen::parse_yuan(&Fen(n).to_string()), Ok(Fen(n)));
            prop_assert_eq!(Fen::parse_yuan(&Fen(n).to_plain_yuan()), Ok(Fen(n)));
        }
    }
}
