//! The working-day calendar (工作日与调休): public holidays and make-up
//! working days as data, and time limits counted in working days
//! (`policy.md` §12).
//!
//! The State Council publishes each year's arrangement around November;
//! it cannot be computed from rules, so it is a data file
//! (`data/holidays.csv`, built in; an administrator may load a newer one,
//! which replaces the built-in days of the years it covers). A year
//! without a loaded arrangement is counted *provisionally* (暂定): weekends
//! and the statutory holidays of 《全国年节及纪念日放假办法》
//! ([`statutory`], with the lunar dates from [`lunar`]), no 调休 and no
//! make-up working days. A due date counted through such a year is shown
//! as provisional and counted again when the year is loaded, so no case
//! waits for the notice. Counting follows §12.1: the start day is not
//! counted, and since the result is always the n-th working day, a limit
//! never ends on a rest day.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, Days, NaiveDate, Weekday};

pub mod lunar;
pub mod statutory;

/// The arrangement shipped with this release (2025 and 2026).
pub const BUILT_IN: &str = include_str!("../data/holidays.csv");

/// What a listed date is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DayKind {
    /// A day off (法定节假日 or 调休放假).
    Holiday,
    /// A weekend day designated as a working day (调休上班).
    Workday,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    /// The calendar has no arrangement for this year, and the year is
    /// outside what can be counted provisionally (1901–2099).
    #[error("no holiday arrangement for {year}")]
    NotCovered { year: i32 },
    /// A line of the data file cannot be read.
    #[error("line {line}: {reason}")]
    BadLine { line: usize, reason: String },
}

impl CalendarError {
    pub fn to_message(&self) -> crate::i18n::Message {
        use crate::i18n::Message;
        match self {
            CalendarError::NotCovered { year } => Message::new("calendar.error.not_covered").arg("year", year),
            CalendarError::BadLine { line, reason } => {
                Message::new("calendar.error.bad_line").arg("line", line).arg("reason", reason)
            }
        }
    }
}

/// Holidays and make-up working days of the covered years.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Calendar {
    years: BTreeSet<i32>,
    days: BTreeMap<NaiveDate, DayKind>,
}

impl Calendar {
    /// The calendar shipped with this release.
    pub fn built_in() -> Calendar {
        Calendar::parse(BUILT_IN).unwrap_or_default()
    }

    /// Reads `date,kind[,name]` lines (`kind` is `holiday`/`放假` or
    /// `workday`/`上班`); `#` starts a comment. A year is covered once any
    /// of its dates is listed.
    pub fn parse(text: &str) -> Result<Calendar, CalendarError> {
        let mut calendar = Calendar::default();
        for (idx, raw) in text.lines().enumerate() {
            let line = raw.trim().trim_start_matches('\u{feff}');
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let bad = |reason: &str| CalendarError::BadLine { line: idx + 1, reason: reason.to_string() };
            let mut parts = line.split(',').map(str::trim);
            let date = parts.next().and_then(crate::dataset::parse_date).ok_or_else(|| bad("not a date"))?;
            let kind = match parts.next() {
                Some("holiday" | "放假" | "休") => DayKind::Holiday,
                Some("workday" | "上班" | "班") => DayKind::Workday,
                _ => return Err(bad("kind must be holiday or workday")),
            };
            let weekend = matches!(date.weekday(), Weekday::Sat | Weekday::Sun);
            if kind == DayKind::Workday && !weekend {
                return Err(bad("a make-up working day must be a Saturday or Sunday"));
            }
            if calendar.days.insert(date, kind).is_some_and(|k| k != kind) {
                return Err(bad("listed twice with different kinds"));
            }
            calendar.years.insert(date.year());
        }
        Ok(calendar)
    }

    /// Whether the year's arrangement is loaded (built in or by an
    /// administrator); other years are counted provisionally.
    pub fn covers(&self, year: i32) -> bool {
        self.years.contains(&year)
    }

    /// Whether a date counted up to `date` is provisional (暂定): its year,
    /// or a year between the first loaded one and it, has no loaded
    /// arrangement. (Limits are counted forward from today, which is never
    /// before the first loaded year.)
    pub fn is_provisional(&self, date: NaiveDate) -> bool {
        let first = self.years.first().copied().unwrap_or(date.year());
        first > date.year() || (first..=date.year()).any(|y| !self.covers(y))
    }

    /// The covered years, in order.
    pub fn years(&self) -> impl Iterator<Item = i32> + '_ {
        self.years.iter().copied()
    }

    /// Whether people work on `date`: by the loaded arrangement of its
    /// year, or provisionally (weekends and statutory holidays off).
    pub fn is_working_day(&self, date: NaiveDate) -> Result<bool, CalendarError> {
        let weekend = matches!(date.weekday(), Weekday::Sat | Weekday::Sun);
        if !self.covers(date.year()) {
            if !statutory::YEARS.contains(&date.year()) {
                return Err(CalendarError::NotCovered { year: date.year() });
            }
            return Ok(!weekend && !statutory::is_holiday(date));
        }
        Ok(match self.days.get(&date) {
            Some(DayKind::Holiday) => false,
            Some(DayKind::Workday) => true,
            None => !weekend,
        })
    }

    /// The date `n` working days after `start` (the start day not counted):
    /// "within n working days of acceptance" ends on this day.
    pub fn add_working_days(&self, start: NaiveDate, n: u32) -> Result<NaiveDate, CalendarError> {
        let mut date = start;
        let mut left = n;
        while left > 0 {
            date = date + Days::new(1);
            if self.is_working_day(date)? {
                left -= 1;
            }
        }
        Ok(date)
    }

    /// Working days after `from` up to and including `to` (0 when `to` is
    /// not after `from`): how much of a limit has been used.
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> Result<u32, CalendarError> {
        let mut count = 0;
        let mut date = from;
        while date < to {
            date = date + Days::new(1);
            if self.is_working_day(date)? {
                count += 1;
            }
        }
        Ok(count)
    }

    /// `date` when people work on it, otherwise the next working day: a
    /// period that ends on a rest day is acted on the next working day.
    pub fn working_day_on_or_after(&self, date: NaiveDate) -> Result<NaiveDate, CalendarError> {
        if self.is_working_day(date)? { Ok(date) } else { self.add_working_days(date, 1) }
    }

    /// This calendar with the years of `newer` replacing its own (an
    /// administrator's file replaces the built-in arrangement of the years
    /// it covers, and adds new ones).
    pub fn overlay(mut self, newer: &Calendar) -> Calendar {
        self.days.retain(|d, _| !newer.covers(d.year()));
        self.days.extend(newer.days.iter().map(|(d, k)| (*d, *k)));
        self.years.extend(newer.years.iter().copied());
        self
    }

    /// The listed days of one year, in date order.
    pub fn days_of(&self, year: i32) -> Vec<(NaiveDate, DayKind)> {
        self.days.iter().filter(|(d, _)| d.year() == year).map(|(d, k)| (*d, *k)).collect()
    }

    /// From November on, the next year when its arrangement is missing:
    /// the dashboard warns an administrator to load it.
    pub fn missing_next_year(&self, today: NaiveDate) -> Option<i32> {
        let next = today.year() + 1;
        (today.month() >= 11 && !self.covers(next)).then_some(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn the_built_in_calendar_covers_2025_and_2026() {
        let c = Calendar::built_in();
        assert_eq!(c.years().collect::<Vec<_>>(), vec![2025, 2026]);
        assert_eq!(Calendar::parse(BUILT_IN), Ok(c));
    }

    #[test]
    fn across_national_day_and_mid_autumn_2025() {
        // policy.md's example: accepted on 2025-09-26, 10 working days later
        // is 2025-10-16 (Sunday 09-28 and Saturday 10-11 are working days,
        // 10-01 to 10-08 are holidays).
        let c = Calendar::built_in();
        assert_eq!(c.add_working_days(day(2025, 9, 26), 10), Ok(day(2025, 10, 16)));
        assert_eq!(c.is_working_day(day(2025, 9, 28)), Ok(true));
        assert_eq!(c.is_working_day(day(2025, 10, 8)), Ok(false));
        assert_eq!(c.is_working_day(day(2025, 10, 11)), Ok(true));
        assert_eq!(c.is_working_day(day(2025, 10, 12)), Ok(false));
        assert_eq!(c.working_days_between(day(2025, 9, 26), day(2025, 10, 16)), Ok(10));
    }

    #[test]
    fn across_the_2026_spring_festival() {
        let c = Calendar::built_in();
        // Thursday 02-12: Friday 13th, Saturday 14th (make-up), then nine
        // days off, then Tuesday 24th onwards.
        assert_eq!(c.add_working_days(day(2026, 2, 12), 5), Ok(day(2026, 2, 26)));
        // A 3-day limit from the last working day before the holiday.
        assert_eq!(c.add_working_days(day(2026, 2, 14), 3), Ok(day(2026, 2, 26)));
        assert_eq!(c.is_working_day(day(2026, 2, 28)), Ok(true), "Saturday make-up day");
        // 30 working days from acceptance on 2026-01-30.
        assert_eq!(c.add_working_days(day(2026, 1, 30), 30), Ok(day(2026, 3, 19)));
    }

    #[test]
    fn a_year_without_its_arrangement_is_counted_provisionally() {
        // Issue 10 point 11: on 2026-12-01 a 10-working-day limit reaching
        // into 2027 was refused ("no holiday arrangement for 2027").
        let c = Calendar::built_in();
        assert!(!c.covers(2027));
        // 2026-12-24 (Thursday) + 10: 25, 28–31 Dec, then 2027-01-01 is
        // 元旦 (Friday), 4–8 Jan → Friday 2027-01-08.
        assert_eq!(c.add_working_days(day(2026, 12, 24), 10), Ok(day(2027, 1, 8)));
        assert_eq!(c.add_working_days(day(2026, 12, 24), 3), Ok(day(2026, 12, 29)));
        assert!(c.is_provisional(day(2027, 1, 8)));
        assert!(!c.is_provisional(day(2026, 12, 29)));
        // The statutory days of 2027 are off, nothing around them is:
        // 春节 is 02-05 (除夕) to 02-08 (初三), 02-09 is a working day, no
        // make-up Saturday, and 10-03 (a Sunday) is not moved to a Monday.
        assert_eq!(c.is_working_day(day(2027, 2, 4)), Ok(true));
        for off in [day(2027, 2, 5), day(2027, 2, 8), day(2027, 4, 5), day(2027, 6, 9), day(2027, 9, 15)] {
            assert_eq!(c.is_working_day(off), Ok(false), "{off}");
        }
        assert_eq!(c.is_working_day(day(2027, 2, 9)), Ok(true));
        assert_eq!(c.is_working_day(day(2027, 10, 4)), Ok(true), "Monday after 国庆 is not shifted");
        assert_eq!(c.is_working_day(day(2027, 5, 3)), Ok(true), "劳动节 is two days provisionally");
        assert_eq!(c.add_working_days(day(2027, 2, 4), 1), Ok(day(2027, 2, 9)));
        // Outside the lunar table nothing can be counted.
        assert_eq!(c.is_working_day(day(2100, 1, 4)), Err(CalendarError::NotCovered { year: 2100 }));
        // The November warning still names the year to load.
        assert_eq!(c.missing_next_year(day(2026, 10, 31)), None);
        assert_eq!(c.missing_next_year(day(2026, 11, 1)), Some(2027));
        assert_eq!(c.missing_next_year(day(2025, 11, 20)), None, "2026 is loaded");
    }

    #[test]
    fn edges_the_mutation_run_asked_for() {
        let c = Calendar::built_in();
        // Before the first loaded year nothing is loaded either.
        assert!(c.is_provisional(day(2024, 12, 31)));
        assert!(!c.is_provisional(day(2025, 1, 1)));
        // The next working day on or after a date.
        assert_eq!(c.working_day_on_or_after(day(2025, 10, 1)), Ok(day(2025, 10, 9)));
        assert_eq!(c.working_day_on_or_after(day(2025, 10, 9)), Ok(day(2025, 10, 9)));
        assert_eq!(c.working_day_on_or_after(day(2025, 10, 11)), Ok(day(2025, 10, 11)), "a make-up Saturday");
        // The same day listed twice with the same kind is fine.
        assert!(Calendar::parse("2027-01-01,holiday\n2027-01-01,放假\n").is_ok());
        assert!(Calendar::parse("2027-01-02,holiday\n2027-01-02,workday\n").is_err());
    }

    #[test]
    fn a_gap_year_makes_later_dates_provisional() {
        let c = Calendar::built_in().overlay(&Calendar::parse("2028-01-03,holiday\n").unwrap());
        assert!(c.is_provisional(day(2027, 6, 1)));
        assert!(c.is_provisional(day(2028, 6, 1)), "counted through 2027");
        let c = c.overlay(&Calendar::parse("2027-01-01,holiday\n").unwrap());
        assert!(!c.is_provisional(day(2028, 6, 1)));
        assert!(c.is_provisional(day(2029, 1, 2)));
    }

    #[test]
    fn a_loaded_year_replaces_the_built_in_one_entirely() {
        // Issue 10 point 13: an administrator's file for a built-in year
        // must replace its days, not merge with them.
        let loaded = Calendar::parse("2026-10-01,holiday,国庆节\n2026-10-02,holiday,国庆节\n").unwrap();
        let c = Calendar::built_in().overlay(&loaded);
        assert_eq!(c.days_of(2026), vec![(day(2026, 10, 1), DayKind::Holiday), (day(2026, 10, 2), DayKind::Holiday)]);
        // A built-in holiday the file does not list is a working day now…
        assert_eq!(c.is_working_day(day(2026, 2, 17)), Ok(true), "春节 2026 not in the loaded file");
        assert_eq!(c.is_working_day(day(2026, 10, 5)), Ok(true));
        // …and a built-in make-up Saturday is a rest day again.
        assert_eq!(c.is_working_day(day(2026, 2, 14)), Ok(false));
        // Other years keep the built-in days.
        assert_eq!(c.days_of(2025), Calendar::built_in().days_of(2025));
        assert_eq!(c.years().collect::<Vec<_>>(), vec![2025, 2026]);
    }

    #[test]
    fn bad_data_names_the_line() {
        let err = Calendar::parse("2027-01-01,holiday\n2027-01-05,workday\n").unwrap_err();
        assert!(matches!(err, CalendarError::BadLine { line: 2, .. }), "a Tuesday cannot be a make-up day: {err:?}");
        assert!(Calendar::parse("2027-13-01,holiday").is_err());
        assert!(Calendar::parse("2027-01-01,rest").is_err());
        let next = Calendar::parse("# 2027\n2027-01-01,放假,元旦\n").unwrap();
        assert!(next.covers(2027));
    }

    proptest! {
        #[test]
        fn counting_forward_and_back_agree(offset in 0u64..1200, n in 0u32..40) {
            let c = Calendar::built_in();
            let start = day(2025, 1, 1) + Days::new(offset);
            if let Ok(end) = c.add_working_days(start, n) {
                prop_assert_eq!(c.working_days_between(start, end), Ok(n));
                if n > 0 {
                    prop_assert_eq!(c.is_working_day(end), Ok(true), "a limit never ends on a rest day");
                }
            }
        }
    }
}
