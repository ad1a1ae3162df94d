//! The Chinese lunisolar calendar (农历) for 1900–2100, as far as the
//! statutory holidays need it: the solar date of a lunar month and day, and
//! the 清明 solar term.
//!
//! The lunar years are the compact table used by many implementations: one
//! number per year from 1900, where bits 0–3 name the leap month (0: none),
//! bits 4–15 give the lengths of months 12 down to 1 (bit 15 is month 1;
//! set: 30 days, clear: 29), and bit 16 the leap month's length. Lunar
//! 1900-01-01 is 1900-01-31. The table was checked year by year against an
//! independent astronomical implementation (lunar-python) for the Spring
//! Festival, the Dragon Boat and the Mid-Autumn festivals, 1900–2100.

use chrono::{Days, NaiveDate};

/// The first year of the table.
pub const FIRST_YEAR: i32 = 1900;
/// The last year of the table.
pub const LAST_YEAR: i32 = 2100;

#[rustfmt::skip]
const YEARS: [u32; 201] = [
    0x04bd8, 0x04ae0, 0x0a570, 0x054d5, 0x0d260, 0x0d950, 0x16554, 0x056a0, 0x09ad0, 0x055d2, // 1900
    0x04ae0, 0x0a5b6, 0x0a4d0, 0x0d250, 0x1d255, 0x0b540, 0x0d6a0, 0x0ada2, 0x095b0, 0x14977, // 1910
    0x04970, 0x0a4b0, 0x0b4b5, 0x06a50, 0x06d40, 0x1ab54, 0x02b60, 0x09570, 0x052f2, 0x04970, // 1920
    0x06566, 0x0d4a0, 0x0ea50, 0x16a95, 0x05ad0, 0x02b60, 0x186e3, 0x092e0, 0x1c8d7, 0x0c950, // 1930
    0x0d4a0, 0x1d8a6, 0x0b550, 0x056a0, 0x1a5b4, 0x025d0, 0x092d0, 0x0d2b2, 0x0a950, 0x0b557, // 1940
    0x06ca0, 0x0b550, 0x15355, 0x04da0, 0x0a5b0, 0x14573, 0x052b0, 0x0a9a8, 0x0e950, 0x06aa0, // 1950
    0x0aea6, 0x0ab50, 0x04b60, 0x0aae4, 0x0a570, 0x05260, 0x0f263, 0x0d950, 0x05b57, 0x056a0, // 1960
    0x096d0, 0x04dd5, 0x04ad0, 0x0a4d0, 0x0d4d4, 0x0d250, 0x0d558, 0x0b540, 0x0b6a0, 0x195a6, // 1970
    0x095b0, 0x049b0, 0x0a974, 0x0a4b0, 0x0b27a, 0x06a50, 0x06d40, 0x0af46, 0x0ab60, 0x09570, // 1980
    0x04af5, 0x04970, 0x064b0, 0x074a3, 0x0ea50, 0x06b58, 0x05ac0, 0x0ab60, 0x096d5, 0x092e0, // 1990
    0x0c960, 0x0d954, 0x0d4a0, 0x0da50, 0x07552, 0x056a0, 0x0abb7, 0x025d0, 0x092d0, 0x0cab5, // 2000
    0x0a950, 0x0b4a0, 0x0baa4, 0x0ad50, 0x055d9, 0x04ba0, 0x0a5b0, 0x15176, 0x052b0, 0x0a930, // 2010
    0x07954, 0x06aa0, 0x0ad50, 0x05b52, 0x04b60, 0x0a6e6, 0x0a4e0, 0x0d260, 0x0ea65, 0x0d530, // 2020
    0x05aa0, 0x076a3, 0x096d0, 0x04afb, 0x04ad0, 0x0a4d0, 0x1d0b6, 0x0d250, 0x0d520, 0x0dd45, // 2030
    0x0b5a0, 0x056d0, 0x055b2, 0x049b0, 0x0a577, 0x0a4b0, 0x0aa50, 0x1b255, 0x06d20, 0x0ada0, // 2040
    0x14b63, 0x09370, 0x049f8, 0x04970, 0x064b0, 0x168a6, 0x0ea50, 0x06b20, 0x1a6c4, 0x0aae0, // 2050
    0x092e0, 0x0d2e3, 0x0c960, 0x0d557, 0x0d4a0, 0x0da50, 0x05d55, 0x056a0, 0x0a6d0, 0x055d4, // 2060
    0x052d0, 0x0a9b8, 0x0a950, 0x0b4a0, 0x0b6a6, 0x0ad50, 0x055a0, 0x0aba4, 0x0a5b0, 0x052b0, // 2070
    0x0b273, 0x06930, 0x07337, 0x06aa0, 0x0ad50, 0x14b55, 0x04b60, 0x0a570, 0x054e4, 0x0d160, // 2080
    0x0e968, 0x0d520, 0x0daa0, 0x16aa6, 0x056d0, 0x04ae0, 0x0a9d4, 0x0a2d0, 0x0d150, 0x0f252, // 2090
    0x0d520,                                                                                   // 2100
];

fn info(year: i32) -> Option<u32> {
    usize::try_from(year - FIRST_YEAR).ok().and_then(|i| YEARS.get(i).copied())
}

/// The leap month of a year's table entry (0: none).
fn leap_month(info: u32) -> u32 {
    info & 0xf
}

fn leap_days(info: u32) -> u32 {
    match leap_month(info) {
        0 => 0,
        _ if info & 0x10000 != 0 => 30,
        _ => 29,
    }
}

/// Length of ordinary month `month` (1–12).
fn month_days(info: u32, month: u32) -> u32 {
    if info & (0x10000 >> month) != 0 { 30 } else { 29 }
}

fn year_days(info: u32) -> u32 {
    (1..=12).map(|m| month_days(info, m)).sum::<u32>() + leap_days(info)
}

/// 正月初一 (the Spring Festival) of a lunar year, as a solar date.
pub fn new_year(year: i32) -> Option<NaiveDate> {
    info(year)?;
    let before: u64 = (FIRST_YEAR..year).filter_map(info).map(|i| u64::from(year_days(i))).sum();
    NaiveDate::from_ymd_opt(1900, 1, 31)?.checked_add_days(Days::new(before))
}

/// The solar date of day `day` of the ordinary (not leap) month `month`
/// of lunar year `year`.
pub fn to_solar(year: i32, month: u32, day: u32) -> Option<NaiveDate> {
    let info = info(year)?;
    if !(1..=12).contains(&month) || day == 0 || day > month_days(info, month) {
        return None;
    }
    let leap = leap_month(info);
    let mut offset: u32 = (1..month).map(|m| month_days(info, m)).sum();
    if leap != 0 && leap < month {
        offset += leap_days(info);
    }
    new_year(year)?.checked_add_days(Days::new(u64::from(offset + day - 1)))
}

/// 除夕: the last day of the lunar year before the Spring Festival of `year`.
pub fn new_years_eve(year: i32) -> Option<NaiveDate> {
    new_year(year)?.pred_opt()
}

/// The 清明 solar term of a Gregorian year (1901–2099), by the usual
/// formula: day = ⌊Y·0.2422 + C⌋ − ⌊Y/4⌋ in April, Y the last two digits,
/// C = 5.59 in the 20th century and 4.81 in the 21st. It agrees with an
/// astronomical computation for every year 1901–2099.
pub fn qingming(year: i32) -> Option<NaiveDate> {
    if !(1901..=2099).contains(&year) {
        return None;
    }
    let y = year % 100;
    // In hundredths, to stay in integers: ⌊(Y·2422 + C·10000) / 10000⌋.
    let c = if year < 2000 { 55_900 } else { 48_100 };
    let day = (y * 2422 + c) / 10_000 - y / 4;
    NaiveDate::from_ymd_opt(year, 4, u32::try_from(day).ok()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn spring_festivals() {
        // Known dates (published calendars), including both ends of the table.
        let known = [
            (1900, day(1900, 1, 31)),
            (1949, day(1949, 1, 29)),
            (2000, day(2000, 2, 5)),
            (2008, day(2008, 2, 7)),
            (2020, day(2020, 1, 25)),
            (2023, day(2023, 1, 22)),
            (2024, day(2024, 2, 10)),
            (2025, day(2025, 1, 29)),
            (2026, day(2026, 2, 17)),
            (2027, day(2027, 2, 6)),
            (2028, day(2028, 1, 26)),
            (2029, day(2029, 2, 13)),
            (2030, day(2030, 2, 3)),
            (2100, day(2100, 2, 9)),
        ];
        for (year, date) in known {
            assert_eq!(new_year(year), Some(date), "{year}");
        }
        assert_eq!(new_years_eve(2027), Some(day(2027, 2, 5)));
        assert_eq!(new_years_eve(2026), Some(day(2026, 2, 16)));
        assert_eq!(new_year(1899), None);
        assert_eq!(new_year(2101), None);
    }

    #[test]
    fn dragon_boat_and_mid_autumn() {
        // 2025 and 2026 as in the State Council's notices; 2023 with a leap
        // second month (闰二月) before them; 2027 and 2028 from published calendars.
        assert_eq!(to_solar(2025, 5, 5), Some(day(2025, 5, 31)));
        assert_eq!(to_solar(2025, 8, 15), Some(day(2025, 10, 6)), "闰六月 2025");
        assert_eq!(to_solar(2026, 5, 5), Some(day(2026, 6, 19)));
        assert_eq!(to_solar(2026, 8, 15), Some(day(2026, 9, 25)));
        assert_eq!(to_solar(2023, 5, 5), Some(day(2023, 6, 22)));
        assert_eq!(to_solar(2023, 8, 15), Some(day(2023, 9, 29)));
        assert_eq!(to_solar(2027, 5, 5), Some(day(2027, 6, 9)));
        assert_eq!(to_solar(2027, 8, 15), Some(day(2027, 9, 15)));
        assert_eq!(to_solar(2028, 5, 5), Some(day(2028, 5, 28)), "闰五月 2028 comes after the fifth month");
        assert_eq!(to_solar(2028, 8, 15), Some(day(2028, 10, 3)));
        // The last day of a 30-day month exists (正月 2027 has 30 days); 三月 has 29.
        assert_eq!(to_solar(2027, 1, 30), Some(day(2027, 3, 7)));
        assert_eq!(to_solar(2027, 3, 30), None);
        assert_eq!(to_solar(2027, 13, 1), None);
        assert_eq!(to_solar(2027, 1, 31), None);
    }

    #[test]
    fn qingming_solar_term() {
        assert_eq!(qingming(2008), Some(day(2008, 4, 4)));
        assert_eq!(qingming(2024), Some(day(2024, 4, 4)));
        assert_eq!(qingming(2025), Some(day(2025, 4, 4)));
        assert_eq!(qingming(2026), Some(day(2026, 4, 5)));
        assert_eq!(qingming(2027), Some(day(2027, 4, 5)));
        assert_eq!(qingming(2028), Some(day(2028, 4, 4)));
        assert_eq!(qingming(1990), Some(day(1990, 4, 5)));
        assert_eq!(qingming(1999), Some(day(1999, 4, 5)));
        assert_eq!(qingming(2000), Some(day(2000, 4, 4)), "the 21st-century constant from 2000");
        assert_eq!(qingming(2100), None);
    }

    #[test]
    fn every_lunar_year_has_a_plausible_length() {
        for year in FIRST_YEAR..=LAST_YEAR {
            let i = info(year).unwrap();
            let days = year_days(i);
            assert!(matches!(days, 353..=355 | 383..=385), "{year}: {days}");
            let first = new_year(year).unwrap();
            assert!(first >= day(year, 1, 21) && first <= day(year, 2, 20), "{year}: {first}");
        }
    }
}
