//! What a scenario step expects, and checking it after the step: the case's state, status text, data
//! and clocks, the pending timers, the audit trail so far and the effects the step requested. The
//! first expectation that does not hold fails the step, at its key in the test file.

use indexmap::IndexMap;
use jiff::civil::Date;
use serde::Deserialize;
use serde_json::Value as Json;

use super::{Failure, Runner};
use crate::types::PendingTimer;
use sportello_definition::{Location, YamlPath};
use sportello_runtime::clock::civil_day;
use sportello_runtime::legal_clock::ClockStatus;
use sportello_runtime::transition;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawExpect {
    state: Option<String>,
    /// The citizen's status text (Italian).
    status: Option<String>,
    /// Fields that must have these values.
    data: Option<serde_json::Map<String, Json>>,
    /// Per clock: `due`, `remaining_days`, `running`, `suspended_since`.
    clock: Option<IndexMap<String, IndexMap<String, Json>>>,
    /// How many documents of each named type the case file holds.
    documents: Option<IndexMap<String, u32>>,
    /// Effects the step must have requested: `notify: name`, `payment: name`, `webhook: name`.
    effects: Option<Vec<String>>,
    /// Every pending timer, as `deadline:STATE` or `clock:CLOCK` → the last day of its term.
    timers: Option<IndexMap<String, String>>,
    /// The whole audit trail so far: `open`, then each transition applied (`NAME refused` for a timer
    /// whose transition was refused).
    audit: Option<Vec<String>>,
}

impl Runner<'_> {
    /// Checks what step `i` expects, `effects` being what the step requested. The expectations are
    /// checked in a fixed order (state, status, data, clocks, timers, audit, effects) and the first
    /// that does not hold is the failure.
    pub(super) fn check(&self, i: usize, expect: &RawExpect, effects: &[String]) -> Result<(), Failure> {
        if let Some(state) = &expect.state {
            self.check_state(i, state)?;
        }
        if let Some(status) = &expect.status {
            self.check_status(i, status)?;
        }
        if let Some(data) = &expect.data {
            self.check_data(i, data)?;
        }
        for (doc_type, expected) in expect.documents.iter().flatten() {
            let held = self.case.documents.get(doc_type).copied().unwrap_or_default();
            if held != *expected {
                return Err((
                    self.within(i, &["documents", doc_type]),
                    format!("expected {expected} documents of type `{doc_type}`, but the case file holds {held}"),
                ));
            }
        }
        for (clock, expected) in expect.clock.iter().flatten() {
            self.check_clock(i, clock, expected)?;
        }
        if let Some(expected) = &expect.timers {
            self.check_timers(i, expected)?;
        }
        if let Some(expected) = &expect.audit {
            self.check_audit(i, expected)?;
        }
        if let Some(wanted) = &expect.effects {
            self.check_effects(i, wanted, effects)?;
        }
        Ok(())
    }

    /// The place of `keys`, one inside the other, under the `expect` of step `i`.
    fn within(&self, i: usize, keys: &[&str]) -> Location {
        let mut path: YamlPath =
            sportello_definition::yaml_path!["scenarios", self.name, "steps"].index(i).key("expect");
        for key in keys {
            path = path.key(*key);
        }
        self.tree.locate(&path)
    }

    /// Fails unless the case is in `state`.
    fn check_state(&self, i: usize, state: &str) -> Result<(), Failure> {
        if self.case.state != state {
            return Err((
                self.within(i, &["state"]),
                format!("expected state `{state}`, but the case is in `{}`", self.case.state),
            ));
        }
        Ok(())
    }

    /// Fails unless the citizen's status text of the case's state is `status` (no text counts as empty).
    fn check_status(&self, i: usize, status: &str) -> Result<(), Failure> {
        let actual =
            self.definition.states[self.case.state.as_str()].status.as_ref().map(|s| s.it.as_str()).unwrap_or_default();
        if actual != status {
            return Err((
                self.within(i, &["status"]),
                format!("expected the status text \"{status}\", but it is \"{actual}\""),
            ));
        }
        Ok(())
    }

    /// Fails at the first field of `data` whose value in the case data is not the one given.
    fn check_data(&self, i: usize, data: &serde_json::Map<String, Json>) -> Result<(), Failure> {
        for (field, value) in data {
            if self.case.data.get(field) != Some(value) {
                let actual = self.case.data.get(field).unwrap_or(&Json::Null);
                return Err((
                    self.within(i, &["data", field]),
                    format!("expected data.{field} = {value}, but it is {actual}"),
                ));
            }
        }
        Ok(())
    }

    /// Fails when the workflow has no clock `clock`, or at the first key of `expected` that its status
    /// today has not, or has with another value.
    fn check_clock(&self, i: usize, clock: &str, expected: &IndexMap<String, Json>) -> Result<(), Failure> {
        let status = transition::clock_status(self.definition, &self.case, &self.calendar, clock, self.today)
            .ok_or_else(|| (self.at(i, "expect"), format!("the workflow has no clock `{clock}`")))?;
        for (key, value) in expected {
            let Some(actual) = clock_value(&status, key) else {
                return Err((
                    self.within(i, &["clock", clock, key]),
                    format!(
                        "clocks have no `{key}`; use due, remaining_days, elapsed_days, running, suspended_since, interruptions"
                    ),
                ));
            };
            if &actual != value {
                let message =
                    format!("expected clock {clock}.{key} = {value}, but it is {actual} (today is {})", self.today);
                return Err((self.within(i, &["clock", clock, key]), message));
            }
        }
        Ok(())
    }

    /// Fails unless the pending timers are exactly those of `expected`, each ending on the day given.
    fn check_timers(&self, i: usize, expected: &IndexMap<String, String>) -> Result<(), Failure> {
        let mut pending: Vec<(String, String)> =
            self.timers.iter().map(|t| (format!("{}:{}", t.kind, t.name), last_day(t).to_string())).collect();
        pending.sort();
        let mut wanted: Vec<(String, String)> = expected.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        wanted.sort();
        if pending != wanted {
            return Err((
                self.within(i, &["timers"]),
                format!("expected pending timers {}, but they are {}", show_timers(&wanted), show_timers(&pending)),
            ));
        }
        Ok(())
    }

    /// Fails unless the audit trail so far is `expected`.
    fn check_audit(&self, i: usize, expected: &[String]) -> Result<(), Failure> {
        if expected != self.trail.as_slice() {
            return Err((
                self.within(i, &["audit"]),
                format!("expected the audit trail [{}], but it is [{}]", expected.join(", "), self.trail.join(", ")),
            ));
        }
        Ok(())
    }

    /// Fails at the first of the `wanted` effects that the step's `effects` do not include.
    fn check_effects(&self, i: usize, wanted: &[String], effects: &[String]) -> Result<(), Failure> {
        for name in wanted {
            if !effects.contains(name) {
                return Err((
                    self.within(i, &["effects"]),
                    format!("expected the effect `{name}`, which this step did not request"),
                ));
            }
        }
        Ok(())
    }
}

/// The day a timer's term ends, as expectations name it: its term day, or for a deadline in hours the
/// day it falls due.
fn last_day(timer: &PendingTimer) -> Date {
    timer.term_day.unwrap_or_else(|| civil_day(timer.due_at))
}

/// Pending timers as a failure message lists them: `KEY on DAY, …`, or `none`.
fn show_timers(timers: &[(String, String)]) -> String {
    if timers.is_empty() {
        "none".to_owned()
    } else {
        timers.iter().map(|(k, d)| format!("{k} on {d}")).collect::<Vec<_>>().join(", ")
    }
}

/// The value of `key` in a clock's status, as an expectation writes it; `None` for a key clocks do
/// not have.
fn clock_value(status: &ClockStatus, key: &str) -> Option<Json> {
    Some(match key {
        "due" => status.due.map_or(Json::Null, |d| Json::String(d.to_string())),
        "remaining_days" => status.remaining_days.map_or(Json::Null, Json::from),
        "elapsed_days" => Json::from(status.elapsed_days),
        "running" => Json::Bool(status.running()),
        "suspended_since" => status.suspended_since.map_or(Json::Null, |d| Json::String(d.to_string())),
        "interruptions" => Json::from(status.interruptions),
        _ => return None,
    })
}
