//! Time, only through a [`Clock`]: the system clock in production, a [`ManualClock`] that tests move.
//! Terms count civil days in Europe/Rome, so instants are turned into Rome's dates here, and a day's
//! end (when a term that ends on that day has passed) back into an instant.

use std::sync::{Arc, Mutex, PoisonError};

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

/// Where the time comes from.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// The current instant.
    fn now(&self) -> Timestamp;
}

/// The machine's clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }
}

/// A clock that stands still until a test moves it; clones share the same time.
#[derive(Debug, Clone)]
pub struct ManualClock(Arc<Mutex<Timestamp>>);

impl ManualClock {
    /// A clock showing `now`.
    pub fn new(now: Timestamp) -> Self {
        ManualClock(Arc::new(Mutex::new(now)))
    }

    /// A clock showing 09:00 in Rome on `day`.
    pub fn at_day(day: Date) -> Self {
        Self::new(morning_of(day))
    }

    /// Moves the clock to `now`.
    pub fn set(&self, now: Timestamp) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = now;
    }

    /// Moves the clock forward.
    pub fn advance(&self, by: SignedDuration) {
        let mut now = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        *now += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Italy's time zone, from the tz database built into the binary.
pub fn rome() -> TimeZone {
    TimeZone::get("Europe/Rome").expect("the bundled tz database has Europe/Rome")
}

/// The civil date in Rome at `instant`.
pub fn civil_day(instant: Timestamp) -> Date {
    instant.to_zoned(rome()).date()
}

/// The instant `day` begins in Rome (midnight; the zone's rules decide the offset).
pub fn start_of_day(day: Date) -> Timestamp {
    day.to_zoned(rome()).expect("every Rome day has a start").timestamp()
}

/// 09:00 in Europe/Rome on `day`: the instant a day-granular caller means when it says that something
/// happened on that day (a scenario's step, a test clock set to a day), within office hours.
pub fn morning_of(day: Date) -> Timestamp {
    start_of_day(day) + SignedDuration::from_hours(9)
}

/// The instant a term ending on `day` has passed: the start of the next day in Rome.
pub fn end_of_day(day: Date) -> Timestamp {
    start_of_day(day.tomorrow().expect("dates before 9999"))
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;

    #[test]
    fn rome_days_follow_summer_and_winter_time() {
        // 22:30 UTC is 00:30 the next day in Rome in summer (UTC+2), 23:30 the same day in winter (UTC+1).
        assert_eq!(civil_day("2026-07-14T22:30:00Z".parse().unwrap()), date(2026, 7, 15));
        assert_eq!(civil_day("2026-01-14T22:30:00Z".parse().unwrap()), date(2026, 1, 14));
        assert_eq!(end_of_day(date(2026, 7, 14)).to_string(), "2026-07-14T22:00:00Z");
        assert_eq!(end_of_day(date(2026, 1, 14)).to_string(), "2026-01-14T23:00:00Z");
        // The night summer time starts (29 March 2026) is an hour short.
        assert_eq!(
            end_of_day(date(2026, 3, 29)).duration_since(start_of_day(date(2026, 3, 29))),
            SignedDuration::from_hours(23)
        );
    }

    #[test]
    fn a_manual_clock_moves_only_when_told_and_clones_share_it() {
        let clock = ManualClock::at_day(date(2026, 11, 26));
        let other = clock.clone();
        assert_eq!(clock.now().to_string(), "2026-11-26T08:00:00Z");
        other.advance(SignedDuration::from_hours(24));
        assert_eq!(civil_day(clock.now()), date(2026, 11, 27));
    }
}
