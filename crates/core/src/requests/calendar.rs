//! Subject-access deadlines (the ICO's calendar-month rule), as pure
//! functions over dates.
//!
//! - The clock starts on the day of receipt, or on the day identity was
//!   verified when verification was asked for.
//! - Due: the same day-of-month `months` later; if that date does not exist,
//!   the last day of that month; then, if it is a weekend day or a bank
//!   holiday, the next working day.
//! - A pause moves the due date later by the days paused (then again to a
//!   working day).
//!
//! Bank holidays: England & Wales, and Scotland, 2024–2028, substitute days
//! included; a site chooses its calendar ([`Region`]).

use chrono::{Datelike, NaiveDate, Weekday};
use std::str::FromStr;

/// Whose bank holidays count.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Region {
    #[default]
    EnglandAndWales,
    Scotland,
}

impl Region {
    pub const ALL: [Region; 2] = [Region::EnglandAndWales, Region::Scotland];

    pub fn name(self) -> &'static str {
        match self {
            Region::EnglandAndWales => "england_and_wales",
            Region::Scotland => "scotland",
        }
    }

    pub fn holidays(self) -> &'static [(i32, u32, u32)] {
        match self {
            Region::EnglandAndWales => ENGLAND_AND_WALES,
            Region::Scotland => SCOTLAND,
        }
    }
}

impl FromStr for Region {
    type Err = crate::Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Region::ALL
            .into_iter()
            .find(|r| r.name() == s)
            .ok_or_else(|| {
                crate::Error::Invalid(format!(
                    "unknown calendar {s:?}: use england_and_wales or scotland"
                ))
            })
    }
}

/// England & Wales bank holidays 2024–2028 (gov.uk), substitute days included.
pub const ENGLAND_AND_WALES: &[(i32, u32, u32)] = &[
    (2024, 1, 1),
    (2024, 3, 29),
    (2024, 4, 1),
    (2024, 5, 6),
    (2024, 5, 27),
    (2024, 8, 26),
    (2024, 12, 25),
    (2024, 12, 26),
    (2025, 1, 1),
    (2025, 4, 18),
    (2025, 4, 21),
    (2025, 5, 5),
    (2025, 5, 26),
    (2025, 8, 25),
    (2025, 12, 25),
    (2025, 12, 26),
    (2026, 1, 1),
    (2026, 4, 3),
    (2026, 4, 6),
    (2026, 5, 4),
    (2026, 5, 25),
    (2026, 8, 31),
    (2026, 12, 25),
    (2026, 12, 28), // Boxing Day falls on a Saturday
    (2027, 1, 1),
    (2027, 3, 26),
    (2027, 3, 29),
    (2027, 5, 3),
    (2027, 5, 31),
    (2027, 8, 30),
    (2027, 12, 27), // Christmas Day falls on a Saturday
    (2027, 12, 28), // Boxing Day falls on a Sunday
    (2028, 1, 3),   // New Year's Day falls on a Saturday
    (2028, 4, 14),
    (2028, 4, 17),
    (2028, 5, 1),
    (2028, 5, 29),
    (2028, 8, 28),
    (2028, 12, 25),
    (2028, 12, 26),
];

/// Scotland's bank holidays 2024–2028 (gov.uk), substitute days included:
/// 2 January and St Andrew's Day, no Easter Monday, summer in early August.
pub const SCOTLAND: &[(i32, u32, u32)] = &[
    (2024, 1, 1),
    (2024, 1, 2),
    (2024, 3, 29),
    (2024, 5, 6),
    (2024, 5, 27),
    (2024, 8, 5),
    (2024, 12, 2), // St Andrew's Day falls on a Saturday
    (2024, 12, 25),
    (2024, 12, 26),
    (2025, 1, 1),
    (2025, 1, 2),
    (2025, 4, 18),
    (2025, 5, 5),
    (2025, 5, 26),
    (2025, 8, 4),
    (2025, 12, 1), // St Andrew's Day falls on a Sunday
    (2025, 12, 25),
    (2025, 12, 26),
    (2026, 1, 1),
    (2026, 1, 2),
    (2026, 4, 3),
    (2026, 5, 4),
    (2026, 5, 25),
    (2026, 8, 3),
    (2026, 11, 30),
    (2026, 12, 25),
    (2026, 12, 28), // Boxing Day falls on a Saturday
    (2027, 1, 1),
    (2027, 1, 4), // 2 January falls on a Saturday
    (2027, 3, 26),
    (2027, 5, 3),
    (2027, 5, 31),
    (2027, 8, 2),
    (2027, 11, 30),
    (2027, 12, 27), // Christmas Day falls on a Saturday
    (2027, 12, 28), // Boxing Day falls on a Sunday
    (2028, 1, 3),   // New Year's Day falls on a Saturday
    (2028, 1, 4),   // 2 January falls on a Sunday
    (2028, 4, 14),
    (2028, 5, 1),
    (2028, 5, 29),
    (2028, 8, 7),
    (2028, 11, 30),
    (2028, 12, 25),
    (2028, 12, 26),
];

/// The first and last years the holiday table covers.
pub const COVERED_YEARS: (i32, i32) = (2024, 2028);

/// Whether `d` is a bank holiday in `region`.
pub fn is_bank_holiday(region: Region, d: NaiveDate) -> bool {
    region
        .holidays()
        .iter()
        .any(|&(y, m, day)| d.year() == y && d.month() == m && d.day() == day)
}

/// Not a Saturday, Sunday or bank holiday.
pub fn is_working_day(region: Region, d: NaiveDate) -> bool {
    !matches!(d.weekday(), Weekday::Sat | Weekday::Sun) && !is_bank_holiday(region, d)
}

/// `d` if it is a working day, else the next one.
pub fn next_working_day(region: Region, mut d: NaiveDate) -> NaiveDate {
    while !is_working_day(region, d) {
        d = d.succ_opt().expect("a date before the end of time");
    }
    d
}

/// The same day-of-month `months` later, or the last day of that month when
/// the day does not exist there.
pub fn add_months_clamped(start: NaiveDate, months: u32) -> NaiveDate {
    let y = start.year() + ((start.month0() + months) / 12) as i32;
    let m = (start.month0() + months) % 12 + 1;
    let mut day = start.day();
    loop {
        if let Some(d) = NaiveDate::from_ymd_opt(y, m, day) {
            return d;
        }
        day -= 1;
    }
}

/// The due date for a clock that started on `start`, running `months`
/// calendar months (1, or 2–3 when extended), paused for `paused_days`.
pub fn due_date(region: Region, start: NaiveDate, months: u32, paused_days: i64) -> NaiveDate {
    let due = next_working_day(region, add_months_clamped(start, months));
    if paused_days <= 0 {
        return due;
    }
    next_working_day(region, due + chrono::Duration::days(paused_days))
}

/// Whether an extension may still be made on `today`: only while the first
/// month (with its pauses) is still running.
pub fn within_first_month(
    region: Region,
    start: NaiveDate,
    paused_days: i64,
    today: NaiveDate,
) -> bool {
    today <= due_date(region, start, 1, paused_days)
}

#[cfg(test)]
mod tests {
    use super::*;

    const EW: Region = Region::EnglandAndWales;
    const SC: Region = Region::Scotland;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn every_holiday_is_a_weekday_and_the_tables_are_sorted() {
        for (region, per_year) in [(EW, 8), (SC, 9)] {
            let mut prev = None;
            for &(y, m, day) in region.holidays() {
                let h = d(y, m, day);
                assert!(
                    !matches!(h.weekday(), Weekday::Sat | Weekday::Sun),
                    "{h} is a weekend day"
                );
                assert!(prev < Some(h), "{h} out of order");
                prev = Some(h);
            }
            for y in COVERED_YEARS.0..=COVERED_YEARS.1 {
                let n = region.holidays().iter().filter(|h| h.0 == y).count();
                assert_eq!(n, per_year, "{region:?} {y}");
            }
        }
    }

    #[test]
    fn scotland_differs_where_it_should() {
        // Easter Monday 2026 is a holiday in England & Wales only.
        assert!(is_bank_holiday(EW, d(2026, 4, 6)));
        assert!(!is_bank_holiday(SC, d(2026, 4, 6)));
        // 2 January and St Andrew's Day in Scotland only.
        for h in [d(2026, 1, 2), d(2026, 11, 30), d(2027, 1, 4)] {
            assert!(is_bank_holiday(SC, h), "{h}");
            assert!(!is_bank_holiday(EW, h), "{h}");
        }
        // Summer: first Monday of August in Scotland, last in England & Wales.
        assert!(is_bank_holiday(SC, d(2026, 8, 3)));
        assert!(is_bank_holiday(EW, d(2026, 8, 31)));
        // Received 30 Oct 2026: due Mon 30 Nov, St Andrew's Day in Scotland.
        assert_eq!(due_date(EW, d(2026, 10, 30), 1, 0), d(2026, 11, 30));
        assert_eq!(due_date(SC, d(2026, 10, 30), 1, 0), d(2026, 12, 1));
        // Received 6 Mar 2026: due Mon 6 Apr, Easter Monday in E&W only.
        assert_eq!(due_date(EW, d(2026, 3, 6), 1, 0), d(2026, 4, 7));
        assert_eq!(due_date(SC, d(2026, 3, 6), 1, 0), d(2026, 4, 6));
        assert_eq!("scotland".parse::<Region>().unwrap(), SC);
        assert!("wales".parse::<Region>().is_err());
    }

    #[test]
    fn the_2026_holidays() {
        for h in [
            d(2026, 1, 1),
            d(2026, 4, 3),
            d(2026, 4, 6),
            d(2026, 5, 4),
            d(2026, 5, 25),
            d(2026, 8, 31),
            d(2026, 12, 25),
            d(2026, 12, 28),
        ] {
            assert!(is_bank_holiday(EW, h), "{h}");
            assert!(!is_working_day(EW, h), "{h}");
        }
        assert!(!is_bank_holiday(EW, d(2026, 12, 26)));
        assert!(is_working_day(EW, d(2026, 12, 29)));
    }

    #[test]
    fn month_end_clamps_to_the_last_day() {
        assert_eq!(add_months_clamped(d(2026, 1, 31), 1), d(2026, 2, 28));
        assert_eq!(add_months_clamped(d(2028, 1, 31), 1), d(2028, 2, 29));
        assert_eq!(add_months_clamped(d(2026, 3, 31), 1), d(2026, 4, 30));
        assert_eq!(add_months_clamped(d(2026, 11, 30), 3), d(2027, 2, 28));
        assert_eq!(add_months_clamped(d(2026, 12, 15), 1), d(2027, 1, 15));
        assert_eq!(add_months_clamped(d(2026, 5, 10), 1), d(2026, 6, 10));
        // chrono agrees.
        for start in [d(2026, 1, 31), d(2028, 1, 31), d(2026, 10, 31)] {
            for n in 1..=3 {
                assert_eq!(
                    add_months_clamped(start, n),
                    start.checked_add_months(chrono::Months::new(n)).unwrap()
                );
            }
        }
    }

    #[test]
    fn thirty_first_of_january_2026_lands_on_a_saturday_and_rolls_to_monday() {
        assert_eq!(d(2026, 2, 28).weekday(), Weekday::Sat);
        assert_eq!(due_date(EW, d(2026, 1, 31), 1, 0), d(2026, 3, 2));
    }

    #[test]
    fn leap_year_thirty_first_of_january_is_the_29th_of_february() {
        assert_eq!(d(2028, 2, 29).weekday(), Weekday::Tue);
        assert_eq!(due_date(EW, d(2028, 1, 31), 1, 0), d(2028, 2, 29));
    }

    #[test]
    fn thirty_first_of_march_is_due_the_30th_of_april() {
        // 30 Apr 2026 is a Thursday.
        assert_eq!(due_date(EW, d(2026, 3, 31), 1, 0), d(2026, 4, 30));
    }

    #[test]
    fn a_plain_working_day_is_unchanged() {
        // 10 Jun 2026 is a Wednesday.
        assert_eq!(due_date(EW, d(2026, 5, 10), 1, 0), d(2026, 6, 10));
    }

    #[test]
    fn weekend_rolls_to_monday() {
        // 14 Mar 2026 → 14 Apr 2026 (Tue): working. 7 Feb 2026 → 7 Mar (Sat) → 9 Mar.
        assert_eq!(due_date(EW, d(2026, 2, 7), 1, 0), d(2026, 3, 9));
        // Sunday: 8 Feb → 8 Mar (Sun) → 9 Mar.
        assert_eq!(due_date(EW, d(2026, 2, 8), 1, 0), d(2026, 3, 9));
    }

    #[test]
    fn bank_holiday_rolls_to_the_next_working_day() {
        // 25 May 2026 is the Spring bank holiday.
        assert_eq!(due_date(EW, d(2026, 4, 25), 1, 0), d(2026, 5, 26));
        // Easter: 3 Mar 2026 → 3 Apr (Good Friday), then the weekend, then
        // Easter Monday → Tue 7 Apr.
        assert_eq!(due_date(EW, d(2026, 3, 3), 1, 0), d(2026, 4, 7));
    }

    #[test]
    fn christmas_substitute_days() {
        // 2026: 25 Dec (Fri), 26 (Sat), 27 (Sun), 28 (substitute) → 29 Dec.
        assert_eq!(due_date(EW, d(2026, 11, 25), 1, 0), d(2026, 12, 29));
        // 2027: 25 (Sat), 26 (Sun), 27 and 28 substitutes → Wed 29 Dec.
        assert_eq!(due_date(EW, d(2027, 11, 27), 1, 0), d(2027, 12, 29));
        assert_eq!(due_date(EW, d(2027, 11, 28), 1, 0), d(2027, 12, 29));
        // 2028: New Year's Day on a Saturday → substitute Monday 3 Jan → Tue 4.
        assert_eq!(due_date(EW, d(2027, 12, 1), 1, 0), d(2028, 1, 4));
    }

    #[test]
    fn extension_is_the_same_rule_over_three_months() {
        // 31 Jan 2026 + 3 months = 30 Apr 2026 (Thu).
        assert_eq!(due_date(EW, d(2026, 1, 31), 3, 0), d(2026, 4, 30));
        // + 2 months = 31 Mar 2026 (Tue).
        assert_eq!(due_date(EW, d(2026, 1, 31), 2, 0), d(2026, 3, 31));
    }

    #[test]
    fn a_pause_moves_the_due_date_by_its_days() {
        let start = d(2026, 5, 10); // due Wed 10 Jun 2026
        assert_eq!(due_date(EW, start, 1, 0), d(2026, 6, 10));
        assert_eq!(due_date(EW, start, 1, 1), d(2026, 6, 11));
        assert_eq!(due_date(EW, start, 1, 7), d(2026, 6, 17));
        // Landing on a weekend still rolls: 10 Jun + 3 = Sat 13 → Mon 15.
        assert_eq!(due_date(EW, start, 1, 3), d(2026, 6, 15));
    }

    #[test]
    fn extension_window_is_the_first_month() {
        let start = d(2026, 5, 10);
        assert!(within_first_month(EW, start, 0, d(2026, 6, 10)));
        assert!(!within_first_month(EW, start, 0, d(2026, 6, 11)));
        // A pause keeps the first month running longer.
        assert!(within_first_month(EW, start, 5, d(2026, 6, 15)));
    }
}
