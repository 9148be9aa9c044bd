//! Which timers a transition's effects set and clear, decided once for the store and the scenario
//! runner alike. A state deadline is keyed by its state, a clock's expiry by its clock; setting one
//! replaces the timer of the same key. A deadline in days falls at the end of its last day in
//! Europe/Rome and remembers that day as its term (the fired transition counts from it); one in hours
//! falls that many hours after the transition and has no term day.

use jiff::civil::Date;
use jiff::{SignedDuration, Timestamp};

use crate::clock::end_of_day;
use crate::effect::{DeadlineDue, Effect};
use sportello_definition::ids::TransitionId;

/// What a timer waits for: a state's deadline or a legal clock's expiry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TimerKind {
    /// The deadline of the state the case is in (`deadline:` in the state).
    Deadline,
    /// The expiry of a legal clock with an `on_expiry` transition.
    Clock,
}

impl TimerKind {
    /// The name stored in the timer table and shown in scenario expectations (`deadline`, `clock`).
    pub fn as_str(self) -> &'static str {
        match self {
            TimerKind::Deadline => "deadline",
            TimerKind::Clock => "clock",
        }
    }

    /// The kind named `text`, as [`TimerKind::as_str`] writes it.
    pub fn parse(text: &str) -> Option<TimerKind> {
        match text {
            "deadline" => Some(TimerKind::Deadline),
            "clock" => Some(TimerKind::Clock),
            _ => None,
        }
    }
}

/// Which timer of a case: at most one is pending per key.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TimerKey {
    /// Deadline or clock.
    pub kind: TimerKind,
    /// The state (for a deadline) or the clock.
    pub name: String,
}

impl std::fmt::Display for TimerKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.kind.as_str(), self.name)
    }
}

/// A timer to set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timer {
    /// Which timer it is.
    pub key: TimerKey,
    /// The system transition it fires.
    pub fire: TransitionId,
    /// When it falls due.
    pub due_at: Timestamp,
    /// The last day of the term, for terms counted in days: the fired transition counts from it.
    pub term_day: Option<Date>,
}

/// One change to a case's pending timers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TimerChange {
    /// Drop the timer of this key, if any.
    Clear(TimerKey),
    /// Set this timer (after a [`TimerChange::Clear`] of its key).
    Set(Timer),
}

/// The timer changes `effects` ask for, in order, for a transition applied at `now`.
pub fn timer_changes(effects: &[Effect], now: Timestamp) -> Vec<TimerChange> {
    let mut changes = Vec::new();
    for effect in effects {
        match effect {
            Effect::CancelDeadline { state } => changes.push(TimerChange::Clear(deadline(state.as_str()))),
            Effect::ScheduleDeadline { state, due, fire } => {
                let (due_at, term_day) = match due {
                    DeadlineDue::Day(day) => (end_of_day(*day), Some(*day)),
                    DeadlineDue::Hours(hours) => (now + SignedDuration::from_hours((*hours).into()), None),
                };
                let key = deadline(state.as_str());
                changes.push(TimerChange::Clear(key.clone()));
                changes.push(TimerChange::Set(Timer { key, fire: fire.clone(), due_at, term_day }));
            }
            Effect::SetClockExpiry { clock, due, fire } => {
                let key = TimerKey { kind: TimerKind::Clock, name: clock.clone() };
                changes.push(TimerChange::Clear(key.clone()));
                if let Some(day) = due {
                    let due_at = end_of_day(*day);
                    changes.push(TimerChange::Set(Timer { key, fire: fire.clone(), due_at, term_day: Some(*day) }));
                }
            }
            Effect::Notify { .. } | Effect::RequestPayment { .. } | Effect::CallWebhook(_) | Effect::Assign { .. } => {}
        }
    }
    changes
}

/// `pending` after `changes`, in the order the timers were set.
pub fn apply_changes(pending: &mut Vec<Timer>, changes: Vec<TimerChange>) {
    for change in changes {
        match change {
            TimerChange::Clear(key) => pending.retain(|timer| timer.key != key),
            TimerChange::Set(timer) => pending.push(timer),
        }
    }
}

fn deadline(state: &str) -> TimerKey {
    TimerKey { kind: TimerKind::Deadline, name: state.to_owned() }
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;
    use crate::clock::start_of_day;
    use sportello_definition::ids::StateId;

    fn fire(name: &str) -> TransitionId {
        TransitionId::parse(name).unwrap()
    }

    fn state(name: &str) -> StateId {
        StateId::parse(name).unwrap()
    }

    #[test]
    fn a_deadline_in_days_falls_at_the_end_of_its_last_day_and_keeps_it_as_its_term() {
        let now = start_of_day(date(2027, 3, 1));
        let effects = [Effect::ScheduleDeadline {
            state: state("waiting"),
            due: DeadlineDue::Day(date(2027, 3, 31)),
            fire: fire("lapse"),
        }];

        let mut pending = Vec::new();
        apply_changes(&mut pending, timer_changes(&effects, now));

        assert_eq!(pending.len(), 1);
        assert_eq!(pending[0].key.to_string(), "deadline:waiting");
        assert_eq!(pending[0].due_at, start_of_day(date(2027, 4, 1)));
        assert_eq!(pending[0].term_day, Some(date(2027, 3, 31)));
    }

    #[test]
    fn a_deadline_in_hours_falls_that_many_hours_after_the_transition_with_no_term_day() {
        let now = start_of_day(date(2027, 3, 1)) + SignedDuration::from_hours(9);
        let effects =
            [Effect::ScheduleDeadline { state: state("examine"), due: DeadlineDue::Hours(30), fire: fire("late") }];

        let changes = timer_changes(&effects, now);

        let TimerChange::Set(timer) = &changes[1] else { panic!("{changes:?}") };
        assert_eq!(timer.due_at, start_of_day(date(2027, 3, 2)) + SignedDuration::from_hours(15));
        assert_eq!(timer.term_day, None);
    }

    #[test]
    fn leaving_a_state_and_stopping_a_clock_clear_their_timers_and_only_theirs() {
        let now = start_of_day(date(2027, 3, 1));
        let mut pending = Vec::new();
        let set = [
            Effect::ScheduleDeadline { state: state("a"), due: DeadlineDue::Day(date(2027, 3, 5)), fire: fire("x") },
            Effect::SetClockExpiry { clock: "procedure".into(), due: Some(date(2027, 4, 1)), fire: fire("y") },
        ];
        apply_changes(&mut pending, timer_changes(&set, now));

        let clear = [
            Effect::CancelDeadline { state: state("a") },
            Effect::SetClockExpiry { clock: "other".into(), due: None, fire: fire("z") },
        ];
        apply_changes(&mut pending, timer_changes(&clear, now));

        assert_eq!(pending.iter().map(|t| t.key.to_string()).collect::<Vec<_>>(), ["clock:procedure"]);
        let stop = [Effect::SetClockExpiry { clock: "procedure".into(), due: None, fire: fire("y") }];
        apply_changes(&mut pending, timer_changes(&stop, now));
        assert!(pending.is_empty());
    }

    #[test]
    fn kinds_read_back_what_they_write() {
        for kind in [TimerKind::Deadline, TimerKind::Clock] {
            assert_eq!(TimerKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(TimerKind::parse("reminder"), None);
    }
}
