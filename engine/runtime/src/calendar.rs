//! Working days in an Italian municipality: weekends, national holidays (Easter Monday computed), the
//! patron saint's day, extra closures, and whether Saturday is a working day.
//!
//! Dates are civil dates in the administration's zone (Europe/Rome); instants are turned into them at
//! the edge. National holidays: 1 and 6 January, Easter Monday, 25 April, 1 May, 2 June, 15 August,
//! 4 October (from 2026), 1 November, 8, 25 and 26 December. A holiday on a Sunday is not
//! moved to another day.

use jiff::civil::{Date, Weekday};

use sportello_definition::calendar::CalendarSpec;

/// A calendar of working days.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Calendar {
    spec: CalendarSpec,
}

/// Fixed-date national holidays as (month, day).
const NATIONAL_HOLIDAYS: [(i8, i8); 10] =
    [(1, 1), (1, 6), (4, 25), (5, 1), (6, 2), (8, 15), (11, 1), (12, 8), (12, 25), (12, 26)];

/// The first year 4 October (San Francesco d'Assisi) is a national holiday again.
const SAINT_FRANCIS_FROM: i16 = 2026;

impl Calendar {
    /// The calendar a workflow's definition names.
    pub fn new(spec: CalendarSpec) -> Self {
        Self { spec }
    }

    /// Whether `date` is a public holiday or a closure of this calendar (weekends aside).
    pub fn is_holiday(&self, date: Date) -> bool {
        let (year, month, day) = (date.year(), date.month(), date.day());
        NATIONAL_HOLIDAYS.contains(&(month, day))
            || (month == 10 && day == 4 && year >= SAINT_FRANCIS_FROM)
            || easter_sunday(year).and_then(|easter| easter.tomorrow().ok()) == Some(date)
            || self.spec.patron_day.is_some_and(|(m, d)| i8::try_from(m) == Ok(month) && i8::try_from(d) == Ok(day))
            || self
                .spec
                .closures
                .iter()
                .any(|&(y, m, d)| y == year && i8::try_from(m) == Ok(month) && i8::try_from(d) == Ok(day))
    }

    /// Whether the offices work on `date`.
    pub fn is_working_day(&self, date: Date) -> bool {
        match date.weekday() {
            Weekday::Sunday => false,
            Weekday::Saturday if !self.spec.saturday_working => false,
            _ => !self.is_holiday(date),
        }
    }

    /// `date` itself when it is a working day, else the next working day.
    pub fn roll_forward(&self, mut date: Date) -> Date {
        // At most a long weekend plus a few holidays: bounded, but guard anyway.
        for _ in 0..30 {
            if self.is_working_day(date) {
                return date;
            }
            match date.tomorrow() {
                Ok(next) => date = next,
                Err(_) => return date,
            }
        }
        date
    }

    /// The `n`-th working day after `date` (`date` itself is not counted).
    pub fn add_working_days(&self, mut date: Date, n: u32) -> Date {
        let mut counted = 0;
        while counted < n {
            match date.tomorrow() {
                Ok(next) => date = next,
                Err(_) => return date,
            }
            if self.is_working_day(date) {
                counted += 1;
            }
        }
        date
    }

    /// How many working days fall after `from` up to and including `to` (0 when `to <= from`).
    pub fn working_days_between(&self, from: Date, to: Date) -> u32 {
        let mut count = 0;
        let mut date = from;
        while date < to {
            match date.tomorrow() {
                Ok(next) => date = next,
                Err(_) => break,
            }
            if self.is_working_day(date) {
                count += 1;
            }
        }
        count
    }
}

/// `date` plus `days` calendar days (saturating at the last representable date).
pub fn add_days(date: Date, days: u32) -> Date {
    date.checked_add(jiff::Span::new().days(i64::from(days))).unwrap_or(Date::MAX)
}

/// `date` plus `months` calendar months: the same day number, or the month's last day when it has no
/// such day (art. 2963 c.c.).
pub fn add_months(date: Date, months: u32) -> Date {
    date.checked_add(jiff::Span::new().months(i64::from(months))).unwrap_or(Date::MAX)
}

/// The days from `from` to `to`, negative when `to` comes first.
pub fn days_between(from: Date, to: Date) -> i64 {
    from.until((jiff::Unit::Day, to)).map_or(0, |span| i64::from(span.get_days()))
}

/// Easter Sunday of `year` in the Gregorian calendar (the anonymous algorithm of Meeus, Jones and Butcher).
pub fn easter_sunday(year: i16) -> Option<Date> {
    let y = i32::from(year);
    let (a, b, c) = (y % 19, y / 100, y % 100);
    let (d, e) = (b / 4, b % 4);
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let (i, k) = (c / 4, c % 4);
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    Date::new(year, i8::try_from(month).ok()?, i8::try_from(day).ok()?).ok()
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;
    use sportello_definition::calendar::built_in;

    fn modena() -> Calendar {
        Calendar::new(built_in("modena").unwrap())
    }

    #[test]
    fn easter_is_computed() {
        assert_eq!(easter_sunday(2026), Some(date(2026, 4, 5)));
        assert_eq!(easter_sunday(2027), Some(date(2027, 3, 28)));
        assert_eq!(easter_sunday(2038), Some(date(2038, 4, 25)));
        assert_eq!(easter_sunday(2285), Some(date(2285, 3, 22)));
    }

    #[test]
    fn national_and_municipal_holidays_are_not_working_days() {
        let italia = Calendar::new(built_in("italia").unwrap());
        assert!(!modena().is_working_day(date(2027, 3, 29)), "Easter Monday 2027");
        assert!(!modena().is_working_day(date(2027, 10, 4)), "San Francesco, national from 2026");
        assert!(italia.is_working_day(date(2024, 10, 4)), "4 October 2024 was a working day");
        assert!(!modena().is_working_day(date(2028, 1, 31)), "San Geminiano in Modena");
        assert!(italia.is_working_day(date(2028, 1, 31)), "but not elsewhere");
        assert!(!modena().is_working_day(date(2026, 12, 26)) && !modena().is_working_day(date(2026, 6, 2)));
        assert!(!modena().is_working_day(date(2026, 11, 28)), "a Saturday");
    }

    #[test]
    fn saturday_and_closures_are_settings() {
        let mut spec = built_in("modena").unwrap();
        spec.saturday_working = true;
        spec.closures = vec![(2026, 12, 24)];
        let calendar = Calendar::new(spec);
        assert!(calendar.is_working_day(date(2026, 11, 28)));
        assert!(!calendar.is_working_day(date(2026, 12, 24)));
        assert!(modena().is_working_day(date(2026, 12, 24)));
    }
}
