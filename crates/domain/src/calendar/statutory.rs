//! The statutory holidays of 《全国年节及纪念日放假办法》 (as revised in
//! 2024, in force from 2025-01-01) that every citizen has off: 元旦 1 day
//! (1月1日), 春节 4 days (除夕 and 正月初一 to 初三), 清明节 1 day (the 清明
//! solar term), 劳动节 2 days (5月1日、2日), 端午节 1 day (五月初五), 中秋节
//! 1 day (八月十五), 国庆节 3 days (10月1日 to 3日): 13 days a year.
//!
//! These are what a year's due dates are counted with *provisionally*,
//! before the State Council's arrangement for that year is loaded. It is
//! approximate by definition: the arrangement adds 调休 days off around
//! the holidays and make-up working days on weekends, and moves a holiday
//! that falls on a weekend; none of that follows from rules, so none of it
//! is guessed here.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use chrono::{Datelike, NaiveDate};

use super::lunar;

/// The years whose statutory holidays can be computed (the lunar table and
/// the 清明 formula).
pub const YEARS: std::ops::RangeInclusive<i32> = 1901..=2099;

/// The statutory holidays of `year` with their names, in date order;
/// `None` outside [`YEARS`].
pub fn holidays(year: i32) -> Option<Vec<(NaiveDate, &'static str)>> {
    if !YEARS.contains(&year) {
        return None;
    }
    let fixed = |m, d| NaiveDate::from_ymd_opt(year, m, d);
    let spring = lunar::new_year(year)?;
    let mut days = vec![
        (fixed(1, 1)?, "元旦"),
        (lunar::new_years_eve(year)?, "春节"),
        (spring, "春节"),
        (spring.succ_opt()?, "春节"),
        (spring.succ_opt()?.succ_opt()?, "春节"),
        (lunar::qingming(year)?, "清明节"),
        (fixed(5, 1)?, "劳动节"),
        (fixed(5, 2)?, "劳动节"),
        (lunar::to_solar(year, 5, 5)?, "端午节"),
        (lunar::to_solar(year, 8, 15)?, "中秋节"),
        (fixed(10, 1)?, "国庆节"),
        (fixed(10, 2)?, "国庆节"),
        (fixed(10, 3)?, "国庆节"),
    ];
    days.sort();
    Some(days)
}

/// Whether `date` is one of the statutory holidays of its year (`false`
/// outside [`YEARS`]). Computed once for all years.
pub fn is_holiday(date: NaiveDate) -> bool {
    static ALL: OnceLock<BTreeSet<NaiveDate>> = OnceLock::new();
    let all = ALL.get_or_init(|| YEARS.filter_map(holidays).flatten().map(|(d, _)| d).collect());
    YEARS.contains(&date.year()) && all.contains(&date)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn the_2027_statutory_holidays() {
        let got = holidays(2027).unwrap();
        let want = vec![
            (day(2027, 1, 1), "元旦"),
            (day(2027, 2, 5), "春节"),
            (day(2027, 2, 6), "春节"),
            (day(2027, 2, 7), "春节"),
            (day(2027, 2, 8), "春节"),
            (day(2027, 4, 5), "清明节"),
            (day(2027, 5, 1), "劳动节"),
            (day(2027, 5, 2), "劳动节"),
            (day(2027, 6, 9), "端午节"),
            (day(2027, 9, 15), "中秋节"),
            (day(2027, 10, 1), "国庆节"),
            (day(2027, 10, 2), "国庆节"),
            (day(2027, 10, 3), "国庆节"),
        ];
        assert_eq!(got, want);
    }

    #[test]
    fn every_year_has_thirteen_distinct_days_within_the_arrangements_of_2025_and_2026() {
        for year in YEARS {
            let days = holidays(year).unwrap();
            let distinct: BTreeSet<_> = days.iter().map(|(d, _)| *d).collect();
            // 中秋 can fall on 10-01..03 (2001, 2020, 2031…): then 12 days.
            assert!(matches!(distinct.len(), 12 | 13), "{year}: {days:?}");
            assert!(days.iter().all(|(d, _)| d.year() == year), "{year}");
        }
        // The statutory days are inside each published arrangement's days off.
        let built_in = crate::calendar::Calendar::built_in();
        for year in [2025, 2026] {
            for (date, name) in holidays(year).unwrap() {
                assert_eq!(built_in.is_working_day(date), Ok(false), "{date} {name}");
            }
        }
        assert!(holidays(2100).is_none());
        assert!(is_holiday(day(2027, 2, 8)));
        assert!(!is_holiday(day(2027, 2, 9)));
    }
}
