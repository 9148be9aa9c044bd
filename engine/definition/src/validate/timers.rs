//! What the engine fires by itself: legal clocks (start, suspension, interruption, cumulative terms,
//! expiry), state deadlines and external events, each firing a `system` transition that leaves the
//! right state; and system transitions that nothing fires.

use std::collections::{BTreeSet, VecDeque};

use indexmap::IndexMap;

use super::Ctx;
use crate::diagnostic::{Code, YamlPath};
use crate::ids::{StateId, TransitionId};
use crate::model::{ClockDef, ClockEffect};
use crate::raw::RawStates;

impl Ctx<'_> {
    pub(super) fn clocks(&mut self) -> IndexMap<String, ClockDef> {
        let raw = self.raw;
        let states: Vec<String> = raw.states.keys().cloned().collect();
        let clock_names: Vec<String> = raw.clocks.keys().cloned().collect();
        let mut out = IndexMap::new();
        for (name, clock) in &raw.clocks {
            let path = crate::yaml_path!["clocks", name];
            let title = clock.title.as_ref().map(|t| self.text(t, &path.key("title")));
            if clock.days == 0 {
                self.push(
                    Code::InvalidValue,
                    path.key("days"),
                    format!("clock `{name}` lasts zero days"),
                    "give the term's length in days, as the law states it",
                );
            }
            let starts = self.reference(Code::UnknownState, path.key("starts_on"), "state", &clock.starts_on, &states);
            for (i, other) in clock.cumulative_with.iter().enumerate() {
                if other == name {
                    self.push(
                        Code::InvalidValue,
                        path.key("cumulative_with").index(i),
                        format!("clock `{name}` cannot be cumulative with itself"),
                        "name the earlier clocks whose days add up with this one",
                    );
                } else {
                    self.reference(
                        Code::UnknownClock,
                        path.key("cumulative_with").index(i),
                        "clock",
                        other,
                        &clock_names,
                    );
                }
            }
            if let Some(expiry) = &clock.on_expiry {
                let running = if starts { self.running_states(name, &clock.starts_on) } else { BTreeSet::new() };
                self.check_fired(&path.key("on_expiry"), expiry, &running, &format!("clock `{name}`"));
                if let Some(transition) = raw.transitions.get(expiry) {
                    let leaves: BTreeSet<&str> = transition.from.names().into_iter().collect();
                    if leaves.iter().any(|s| running.contains(*s)) {
                        for state in running.iter().filter(|s| !leaves.contains(s.as_str())) {
                            self.push(
                                Code::ClockExpiryNotHandled,
                                path.key("on_expiry"),
                                format!("clock `{name}` runs in state `{state}`, which `{expiry}` does not leave"),
                                format!("add `{state}` to the `from` of `{expiry}`, or suspend or stop the clock in `{state}`"),
                            );
                        }
                    }
                }
            }
            out.insert(
                name.clone(),
                ClockDef {
                    title,
                    days: clock.days,
                    counting: clock.counting,
                    starts_on: StateId::checked(&clock.starts_on),
                    cumulative_with: clock.cumulative_with.clone(),
                    on_expiry: clock.on_expiry.as_deref().map(TransitionId::checked),
                },
            );
        }
        for (state_name, state) in &raw.states {
            for clock in state.clock.keys() {
                self.reference(
                    Code::UnknownClock,
                    crate::yaml_path!["states", state_name, "clock", clock],
                    "clock",
                    clock,
                    &clock_names,
                );
            }
        }
        out
    }

    /// The states in which clock `name` counts time: reachable from its start without passing a state
    /// that stops it or a final state, and not suspended or interrupted there.
    fn running_states(&self, name: &str, start: &str) -> BTreeSet<String> {
        let raw = self.raw;
        let mut successors: std::collections::HashMap<&str, Vec<&str>> = std::collections::HashMap::new();
        for transition in raw.transitions.values() {
            for from in transition.from.names() {
                successors.entry(from).or_default().push(transition.to.as_str());
            }
        }
        let mut seen = BTreeSet::new();
        let mut queue = VecDeque::from([start.to_owned()]);
        let mut running = BTreeSet::new();
        while let Some(state_name) = queue.pop_front() {
            if !seen.insert(state_name.clone()) {
                continue;
            }
            let Some(state) = raw.states.get(&state_name) else {
                continue;
            };
            let effect = state.clock.get(name).copied();
            if state.r#final || effect == Some(ClockEffect::Stop) {
                continue;
            }
            if effect.is_none() {
                running.insert(state_name.clone());
            }
            for to in successors.get(state_name.as_str()).into_iter().flatten() {
                queue.push_back((*to).to_owned());
            }
        }
        running
    }

    /// Checks that `transition`, fired by the engine for `what`, exists, is `system`, and leaves one
    /// of `states` (when any are given).
    pub(super) fn check_fired(
        &mut self,
        path: &YamlPath,
        transition: &str,
        states: &BTreeSet<String>,
        what: &str,
    ) -> bool {
        let raw = self.raw;
        let names: Vec<String> = raw.transitions.keys().cloned().collect();
        if !self.reference(Code::UnknownTransition, path.clone(), "transition", transition, &names) {
            return false;
        }
        let def = &raw.transitions[transition];
        if def.by.names() != ["system"] {
            self.push(
                Code::TimerTransitionNotSystem,
                path.clone(),
                format!("{what} fires `{transition}`, which is not a `system` transition"),
                format!("set `by: system` on `{transition}`, or fire a separate system transition"),
            );
            return false;
        }
        let from = def.from.names();
        if !states.is_empty() && !from.iter().any(|s| states.contains(*s)) {
            let list: Vec<&str> = states.iter().map(String::as_str).collect();
            self.push(
                Code::TimerTransitionWrongState,
                path.clone(),
                format!("{what} fires `{transition}`, which does not leave {}", quoted(&list)),
                format!("`{transition}` leaves {}; fire a transition from the right state", quoted(&from)),
            );
            return false;
        }
        true
    }

    pub(super) fn events(&mut self) -> IndexMap<String, Vec<TransitionId>> {
        let raw = self.raw;
        let mut out = IndexMap::new();
        for (name, event) in &raw.events {
            let path = crate::yaml_path!["events", name, "fires"];
            let mut leaving: IndexMap<&str, &str> = IndexMap::new();
            let names = event.fires.names();
            for (i, transition) in names.iter().enumerate() {
                let at = if matches!(event.fires, RawStates::Many(_)) { path.index(i) } else { path.clone() };
                if !self.check_fired(&at, transition, &BTreeSet::new(), &format!("event `{name}`")) {
                    continue;
                }
                for from in raw.transitions[*transition].from.names() {
                    if let Some(other) = leaving.insert(from, transition) {
                        self.push(
                            Code::AmbiguousEvent,
                            at.clone(),
                            format!("event `{name}` fires both `{other}` and `{transition}` from state `{from}`"),
                            "an event may fire one transition per state: remove one or split the event",
                        );
                    }
                }
            }
            out.insert(name.clone(), names.iter().map(|s| TransitionId::checked(s)).collect());
        }
        out
    }

    pub(super) fn check_deadline(&mut self, state_name: &str) {
        let Some(deadline) = self.raw.states.get(state_name).and_then(|s| s.deadline.as_ref()) else {
            return;
        };
        let path = crate::yaml_path!["states", state_name, "deadline"];
        if deadline.after.is_some() == deadline.at.is_some() {
            self.push(
                Code::BadDeadline,
                path.clone(),
                format!("the deadline of `{state_name}` needs exactly one of `after` and `at`"),
                "write `after: 30 days` for a term from entry, or `at: data.hearing_date` for a date from the case",
            );
        }
        let states = BTreeSet::from([state_name.to_owned()]);
        self.check_fired(&path.key("fire"), &deadline.fire, &states, &format!("the deadline of `{state_name}`"));
    }

    pub(super) fn check_system_transitions(&mut self) {
        let raw = self.raw;
        let mut fired: BTreeSet<&str> = BTreeSet::new();
        fired.extend(raw.clocks.values().filter_map(|c| c.on_expiry.as_deref()));
        fired.extend(raw.states.values().filter_map(|s| s.deadline.as_ref()).map(|d| d.fire.as_str()));
        for event in raw.events.values() {
            fired.extend(event.fires.names());
        }
        for (id, transition) in &raw.transitions {
            if transition.by.names() == ["system"] && !fired.contains(id.as_str()) {
                self.push(Code::SystemTransitionNeverFired, crate::yaml_path!["transitions", id, "by"], format!("system transition `{id}` is fired by no deadline, clock or event"), "fire it from a state's `deadline`, a clock's `on_expiry` or an event, or let people fire it (`by: clerk`)");
            }
        }
    }
}

fn quoted(names: &[&str]) -> String {
    names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
}
