//! Legal clocks: where a term stands, from what happened to it, on a working-day calendar.
//!
//! The rules, from the law the workflow language cites:
//! - the day the term starts is not counted (*dies a quo non computatur*, art. 155 c.p.c., art. 2963
//!   c.c.): a 30-day term started on 2 March ends on 1 April;
//! - `calendar` counting counts every day and rolls a due date that falls on a non-working day forward
//!   to the next working day (art. 155 c.p.c., Saturday included unless the calendar works Saturdays);
//!   `business` counting counts only working days;
//! - a **suspension** (L. 241/1990 art. 2 c.7) stops the count from the day the case enters the
//!   suspending state to the day it leaves: a 12-day suspension moves the due date 12 days later;
//! - an **interruption** (DPR 380/2001 art. 20 c.5) voids the time run so far: the term starts again,
//!   in full, from the day the case leaves the interrupting state (the documents arrive);
//! - **cumulative** terms (Codice della Strada art. 204) are one term of the summed days counted from
//!   the start of the earliest: the caller passes the sum and the earliest start.
//!
//! Everything here is a pure function of the events and `today`, so tests give dates, not sleeps.

use jiff::civil::Date;

use super::calendar::{Calendar, add_days, days_between};
use sportello_definition::model::Counting;

/// What happened to a clock, each on the civil date it happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClockEvent {
    /// The case entered the clock's `starts_on` state.
    Started(Date),
    /// The case entered a state that suspends the clock.
    Suspended(Date),
    /// The case left the suspending state.
    Resumed(Date),
    /// The case entered a state that interrupts the clock.
    Interrupted(Date),
    /// The case left the interrupting state: the term starts again in full.
    Restarted(Date),
    /// The case entered a state that stops the clock, or a final state.
    Stopped(Date),
}

impl ClockEvent {
    /// What happened, as one lowercase word (`started`, `suspended`, …), for audit entries and pages.
    pub fn kind(&self) -> &'static str {
        match self {
            ClockEvent::Started(_) => "started",
            ClockEvent::Suspended(_) => "suspended",
            ClockEvent::Resumed(_) => "resumed",
            ClockEvent::Interrupted(_) => "interrupted",
            ClockEvent::Restarted(_) => "restarted",
            ClockEvent::Stopped(_) => "stopped",
        }
    }

    /// The day it happened.
    pub fn day(&self) -> Date {
        match *self {
            ClockEvent::Started(d)
            | ClockEvent::Suspended(d)
            | ClockEvent::Resumed(d)
            | ClockEvent::Interrupted(d)
            | ClockEvent::Restarted(d)
            | ClockEvent::Stopped(d) => d,
        }
    }
}

/// A term's length and how its days count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Term {
    /// Days (calendar or working, as `counting` says).
    pub days: u32,
    /// How days count.
    pub counting: Counting,
}

/// Where a clock stands on a given day.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ClockStatus {
    /// The day the current run of the term started (after the last restart), if it has started.
    pub started_on: Option<Date>,
    /// The due date, rolled forward to a working day; none before the start, while interrupted, or
    /// once stopped.
    pub due: Option<Date>,
    /// Days counted so far in the current run (working days for business counting).
    pub elapsed_days: u32,
    /// Days left to the due date, negative when overdue (working days for business counting).
    pub remaining_days: Option<i64>,
    /// Since when the clock is suspended, if it is.
    pub suspended_since: Option<Date>,
    /// Since when the clock is interrupted, if it is.
    pub interrupted_since: Option<Date>,
    /// The day the clock stopped, if it did.
    pub stopped_on: Option<Date>,
    /// How many suspensions have ended or are under way.
    pub suspensions: u32,
    /// How many interruptions there have been.
    pub interruptions: u32,
}

impl ClockStatus {
    /// Whether the term is running on the day the status was computed.
    pub fn running(&self) -> bool {
        self.started_on.is_some()
            && self.suspended_since.is_none()
            && self.interrupted_since.is_none()
            && self.stopped_on.is_none()
    }
}

/// The clock's status on `today`, from its events in the order they happened.
pub fn status(term: Term, calendar: &Calendar, events: &[ClockEvent], today: Date) -> ClockStatus {
    let units = |from: Date, to: Date| -> u32 {
        match term.counting {
            Counting::Calendar => u32::try_from(days_between(from, to).max(0)).unwrap_or(u32::MAX),
            Counting::Business => calendar.working_days_between(from, to),
        }
    };
    let mut status = ClockStatus::default();
    let mut suspended_units = 0u32;
    for event in events {
        match *event {
            ClockEvent::Started(day) if status.started_on.is_none() => status.started_on = Some(day),
            ClockEvent::Suspended(day) if status.suspended_since.is_none() => {
                status.suspended_since = Some(day);
                status.suspensions += 1;
            }
            ClockEvent::Resumed(day) => {
                if let Some(since) = status.suspended_since.take() {
                    suspended_units += units(since, day);
                }
            }
            ClockEvent::Interrupted(day) => {
                status.interrupted_since = Some(day);
                status.interruptions += 1;
            }
            ClockEvent::Restarted(day) if status.interrupted_since.is_some() => {
                status.interrupted_since = None;
                status.started_on = Some(day);
                suspended_units = 0;
            }
            ClockEvent::Stopped(day) => {
                status.stopped_on.get_or_insert(day);
            }
            _ => {}
        }
    }
    let Some(start) = status.started_on else { return status };
    let end = status.stopped_on.unwrap_or(today);
    let ongoing = status.suspended_since.map_or(0, |since| units(since, end.max(since)));
    let paused = suspended_units + ongoing;
    status.elapsed_days = if status.interrupted_since.is_some() { 0 } else { units(start, end).saturating_sub(paused) };
    if status.interrupted_since.is_some() || status.stopped_on.is_some() {
        return status;
    }
    let total = term.days.saturating_add(paused);
    let due = match term.counting {
        Counting::Calendar => calendar.roll_forward(add_days(start, total)),
        Counting::Business => calendar.add_working_days(start, total),
    };
    status.due = Some(due);
    status.remaining_days = Some(match term.counting {
        Counting::Calendar => days_between(today, due),
        Counting::Business if due >= today => i64::from(calendar.working_days_between(today, due)),
        Counting::Business => -i64::from(calendar.working_days_between(due, today)),
    });
    status
}

#[cfg(test)]
mod tests {
    //! Each expected date was worked out by hand from the law and the 2026–2028 calendars.

    use jiff::civil::date;

    use super::ClockEvent::{Interrupted, Restarted, Resumed, Started, Stopped, Suspended};
    use super::*;
    use sportello_definition::calendar::built_in;

    fn modena() -> Calendar {
        Calendar::new(built_in("modena").unwrap())
    }

    fn italia() -> Calendar {
        Calendar::new(built_in("italia").unwrap())
    }

    fn calendar_days(days: u32) -> Term {
        Term { days, counting: Counting::Calendar }
    }

    fn business_days(days: u32) -> Term {
        Term { days, counting: Counting::Business }
    }

    fn due(term: Term, calendar: &Calendar, events: &[ClockEvent]) -> Date {
        status(term, calendar, events, date(2026, 1, 1)).due.unwrap()
    }

    #[test]
    fn the_start_day_is_not_counted() {
        // 2 March 2026 (Monday) + 30 days = 1 April (Wednesday).
        assert_eq!(due(calendar_days(30), &modena(), &[Started(date(2026, 3, 2))]), date(2026, 4, 1));
    }

    #[test]
    fn a_thirty_day_term_ending_on_a_sunday_rolls_to_monday() {
        // 27 February 2026 + 30 = Sunday 29 March → Monday 30 March.
        assert_eq!(due(calendar_days(30), &modena(), &[Started(date(2026, 2, 27))]), date(2026, 3, 30));
    }

    #[test]
    fn a_term_ending_on_a_saturday_holiday_rolls_to_monday() {
        // 16 July 2026 + 30 = Saturday 15 August (Ferragosto) → Monday 17 August.
        assert_eq!(due(calendar_days(30), &modena(), &[Started(date(2026, 7, 16))]), date(2026, 8, 17));
    }

    #[test]
    fn a_term_ending_on_easter_monday_rolls_to_tuesday() {
        // 7 March 2026 + 30 = Easter Monday 6 April 2026 → Tuesday 7 April.
        assert_eq!(due(calendar_days(30), &modena(), &[Started(date(2026, 3, 7))]), date(2026, 4, 7));
    }

    #[test]
    fn business_days_skip_easter_monday_2027() {
        // From Thursday 25 March 2027: Fri 26 (1), weekend, Easter Monday 29 skipped, Tue 30 (2), Wed 31 (3).
        assert_eq!(due(business_days(3), &modena(), &[Started(date(2027, 3, 25))]), date(2027, 3, 31));
    }

    #[test]
    fn the_25_april_2027_falls_on_a_sunday_and_adds_no_day() {
        // From Thursday 22 April 2027: Fri 23 (1), Sat 24, Sun 25 (Liberation Day), Mon 26 (2).
        assert_eq!(due(business_days(2), &modena(), &[Started(date(2027, 4, 22))]), date(2027, 4, 26));
    }

    #[test]
    fn business_days_across_christmas_and_new_year() {
        // From Wednesday 23 December 2026: Thu 24 (1), Fri 25 and Sat 26 holidays, Mon 28 (2), Tue 29 (3),
        // Wed 30 (4), Thu 31 (5); then Fri 1 January, weekend, Mon 4 (6), Tue 5 (7), Wed 6 Epiphany,
        // Thu 7 (8), Fri 8 (9), Mon 11 (10).
        let start = [Started(date(2026, 12, 23))];
        assert_eq!(due(business_days(5), &modena(), &start), date(2026, 12, 31));
        assert_eq!(due(business_days(10), &modena(), &start), date(2027, 1, 11));
    }

    #[test]
    fn a_term_started_on_31_january_in_modena() {
        // 31 January 2028 is a Monday and San Geminiano in Modena. Ten working days from it:
        // Feb 1, 2, 3, 4, 7, 8, 9, 10, 11, 14.
        assert_eq!(due(business_days(10), &modena(), &[Started(date(2028, 1, 31))]), date(2028, 2, 14));
        // One working day from Friday 28 January 2028: Monday 31 is closed in Modena, open elsewhere.
        assert_eq!(due(business_days(1), &modena(), &[Started(date(2028, 1, 28))]), date(2028, 2, 1));
        assert_eq!(due(business_days(1), &italia(), &[Started(date(2028, 1, 28))]), date(2028, 1, 31));
        // A 30-day term from 1 January 2028 ends on Monday 31 January: rolled to 1 February in Modena.
        assert_eq!(due(calendar_days(30), &modena(), &[Started(date(2028, 1, 1))]), date(2028, 2, 1));
    }

    #[test]
    fn saint_francis_is_a_holiday_from_2026_only() {
        // 4 October 2027 (Monday) is a holiday; 4 October 2024 (Friday) was not.
        assert_eq!(due(business_days(1), &italia(), &[Started(date(2027, 10, 1))]), date(2027, 10, 5));
        assert_eq!(due(business_days(1), &italia(), &[Started(date(2024, 10, 3))]), date(2024, 10, 4));
    }

    #[test]
    fn a_twelve_day_suspension_moves_the_due_date_by_twelve_days() {
        // 30 days from 2 March 2026 end on 1 April; suspended 10 → 22 March, they end on Monday 13 April.
        let events = [Started(date(2026, 3, 2)), Suspended(date(2026, 3, 10)), Resumed(date(2026, 3, 22))];
        let status = status(calendar_days(30), &modena(), &events, date(2026, 3, 25));
        assert_eq!(status.due, Some(date(2026, 4, 13)));
        assert_eq!((status.elapsed_days, status.remaining_days, status.suspensions), (11, Some(19), 1));
        assert!(status.running());
    }

    #[test]
    fn while_suspended_the_due_date_moves_day_by_day() {
        let events = [Started(date(2026, 3, 2)), Suspended(date(2026, 3, 10))];
        // On 15 March, five days suspended so far: 2 March + 35 = Easter Monday 6 April → Tuesday 7 April.
        let on_15 = status(calendar_days(30), &modena(), &events, date(2026, 3, 15));
        assert_eq!(
            (on_15.suspended_since, on_15.due, on_15.elapsed_days),
            (Some(date(2026, 3, 10)), Some(date(2026, 4, 7)), 8)
        );
        assert!(!on_15.running());
    }

    #[test]
    fn an_interruption_restarts_the_term_from_the_day_the_documents_arrive() {
        // Building permit, 150 days from 2 March 2026; interrupted on 20 March, documents on 15 April:
        // 150 days from 15 April = Saturday 12 September → Monday 14 September.
        let events = [Started(date(2026, 3, 2)), Interrupted(date(2026, 3, 20))];
        let waiting = status(calendar_days(150), &modena(), &events, date(2026, 4, 1));
        assert_eq!((waiting.due, waiting.interrupted_since, waiting.interruptions), (None, Some(date(2026, 3, 20)), 1));
        let mut events = events.to_vec();
        events.push(Restarted(date(2026, 4, 15)));
        let restarted = status(calendar_days(150), &modena(), &events, date(2026, 4, 20));
        assert_eq!((restarted.started_on, restarted.due), (Some(date(2026, 4, 15)), Some(date(2026, 9, 14))));
        assert_eq!(restarted.elapsed_days, 5);
    }

    #[test]
    fn the_fine_appeal_terms_add_up_to_180_days_from_filing() {
        // Codice della Strada art. 204: 60 days to forward + 120 to decide, counted together from the
        // filing on Thursday 15 January 2026: 180 days → Tuesday 14 July 2026, however the days split.
        assert_eq!(due(calendar_days(60 + 120), &italia(), &[Started(date(2026, 1, 15))]), date(2026, 7, 14));
    }

    #[test]
    fn suspension_in_business_counting_skips_the_working_days_suspended() {
        // 10 working days from Monday 2 March 2026 end on Monday 16 March; suspended from Wednesday 4 to
        // Monday 9 March (Thu 5, Fri 6, Mon 9: three working days), they end on Thursday 19 March.
        let events = [Started(date(2026, 3, 2)), Suspended(date(2026, 3, 4)), Resumed(date(2026, 3, 9))];
        assert_eq!(due(business_days(10), &modena(), &events), date(2026, 3, 19));
    }

    #[test]
    fn saturday_working_calendars_count_saturdays() {
        let mut spec = built_in("modena").unwrap();
        spec.saturday_working = true;
        let open_saturdays = Calendar::new(spec);
        // One working day after Friday 27 November 2026.
        assert_eq!(due(business_days(1), &open_saturdays, &[Started(date(2026, 11, 27))]), date(2026, 11, 28));
        assert_eq!(due(business_days(1), &modena(), &[Started(date(2026, 11, 27))]), date(2026, 11, 30));
    }

    #[test]
    fn a_closure_day_is_skipped() {
        let mut spec = built_in("modena").unwrap();
        spec.closures = vec![(2026, 12, 24)];
        // From Wednesday 23 December 2026, the first working day is Monday 28 December.
        assert_eq!(due(business_days(1), &Calendar::new(spec), &[Started(date(2026, 12, 23))]), date(2026, 12, 28));
    }

    #[test]
    fn overdue_terms_have_negative_remaining_days_and_stopped_terms_no_due_date() {
        let start = [Started(date(2026, 3, 2))];
        let late = status(calendar_days(30), &modena(), &start, date(2026, 4, 11));
        assert_eq!(late.remaining_days, Some(-10));
        let stopped = status(calendar_days(30), &modena(), &[start[0], Stopped(date(2026, 3, 12))], date(2026, 5, 1));
        assert_eq!((stopped.due, stopped.elapsed_days, stopped.stopped_on), (None, 10, Some(date(2026, 3, 12))));
        assert_eq!(status(calendar_days(30), &modena(), &[], date(2026, 5, 1)), ClockStatus::default());
    }
}
