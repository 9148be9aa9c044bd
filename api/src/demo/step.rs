//! What a workflow's script sees when someone looks at a case ([`Visit`]) and what it decides to do
//! ([`Step`]): apply a transition as the applicant or as a member of staff, have pagoPA report on a
//! payment, look again later, or leave the case to its timers.

use jiff::civil::Date;
use serde_json::Value as Json;
use sportello_runtime::legal_clock::ClockStatus;
use sportello_store::StoredCase;

use super::people::Person;
use super::rng::Rng;

/// A look at one case on one day.
pub struct Visit<'a> {
    /// The case as stored now.
    pub case: &'a StoredCase,
    /// The simulated day.
    pub today: Date,
    /// The first day the case was seen in its current state (the day it entered it, when the demo
    /// moved it there).
    pub since: Date,
    /// The case's own randomness.
    pub rng: &'a mut Rng,
    /// The applicant.
    pub applicant: &'a Person,
    /// The case's number in this run, from 0 (for references such as permit numbers).
    pub number: u64,
}

impl<'a> Visit<'a> {
    /// The case's state.
    pub fn state(&self) -> &'a str {
        self.case.case.state.as_str()
    }

    /// A field of the case's data.
    pub fn data(&self, key: &str) -> Option<&'a Json> {
        self.case.case.data.get(key)
    }

    /// A date field of the case's data.
    pub fn data_date(&self, key: &str) -> Option<Date> {
        self.data(key)?.as_str()?.parse().ok()
    }

    /// Days since the case was first seen in its state.
    pub fn days_in_state(&self) -> i64 {
        days_between(self.since, self.today)
    }

    /// A legal clock as it stands today.
    pub fn clock(&self, name: &str) -> Option<&'a ClockStatus> {
        self.case.clocks.get(name).map(|view| &view.status)
    }

    /// `today` moved by `days` (negative for the past), as `YYYY-MM-DD`.
    pub fn day(&self, days: i64) -> String {
        plus_days(self.today, days).to_string()
    }
}

/// Who applies a transition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum By {
    /// The applicant.
    Citizen,
    /// A member of the case's office holding this role.
    Staff(&'static str),
}

/// What happens on a visit.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// Apply `transition` with `input`; look again `then` days later (0: later the same day).
    Apply { transition: &'static str, by: By, input: Json, then: i64 },
    /// pagoPA reports `event` (`payment.paid`, `payment.expired`) with a new message id; look again
    /// `then` days later.
    Event { event: &'static str, then: i64 },
    /// Do nothing now; look again in this many days.
    Wait(i64),
    /// Nobody will act on the case any more: it is closed, or abandoned to its timers.
    Leave,
}

impl Step {
    /// The applicant applies `transition`.
    pub fn citizen(transition: &'static str, input: Json) -> Step {
        Step::Apply { transition, by: By::Citizen, input, then: 1 }
    }

    /// A clerk of the office applies `transition`.
    pub fn clerk(transition: &'static str, input: Json) -> Step {
        Step::staff("clerk", transition, input)
    }

    /// A member of the office with `role` applies `transition`.
    pub fn staff(role: &'static str, transition: &'static str, input: Json) -> Step {
        Step::Apply { transition, by: By::Staff(role), input, then: 1 }
    }

    /// pagoPA reports `event`.
    pub fn event(event: &'static str) -> Step {
        Step::Event { event, then: 1 }
    }

    /// The same step, looking again `days` later.
    pub fn then(self, days: i64) -> Step {
        match self {
            Step::Apply { transition, by, input, .. } => Step::Apply { transition, by, input, then: days },
            Step::Event { event, .. } => Step::Event { event, then: days },
            other => other,
        }
    }
}

/// `day` moved by `days`.
pub fn plus_days(day: Date, days: i64) -> Date {
    day.checked_add(jiff::Span::new().days(days)).unwrap_or(day)
}

/// Whole days from `from` to `to`.
pub fn days_between(from: Date, to: Date) -> i64 {
    i64::from((to - from).get_days())
}
