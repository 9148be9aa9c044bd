//! Scenario tests for analysts: `*.test.yaml` files beside a workflow that open a case, apply
//! transitions, deliver events and move time, and say what must hold after each step.
//!
//! Everything runs in memory on the pure runtime: time is a date the scenario moves, and the timers a
//! transition sets (state deadlines, clock expiries) fire when the scenario moves past their day. A
//! failure names the test file's `line:column`; a run reports which transitions the scenarios covered.

mod expect;

use std::collections::BTreeSet;

use indexmap::IndexMap;
use jiff::civil::Date;
use serde::Deserialize;
use serde_json::Value as Json;

use self::expect::RawExpect;
use crate::calendar::{Calendar, add_days, add_months};
use crate::case::{Actor, Case};
use crate::clock::{civil_day, morning_of};
use crate::effect::Effect;
use crate::timers::{Timer, apply_changes, timer_changes};
use crate::transition::{self, ApplyTransition};
use sportello_definition::duration::{Duration, DurationUnit};
use sportello_definition::ids::WorkflowId;
use sportello_definition::node::Node;
use sportello_definition::{Definition, Location, YamlPath, parse};

/// A scenario file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    scenarios: IndexMap<String, RawScenario>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScenario {
    /// The day the case is opened.
    start: String,
    /// The applicant's fiscal code.
    #[serde(default = "default_applicant")]
    applicant: String,
    /// Initial case data.
    #[serde(default)]
    data: Option<Json>,
    steps: Vec<RawStep>,
}

fn default_applicant() -> String {
    "RSSMRA85T10A562S".to_owned()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStep {
    /// Apply this transition …
    #[serde(default)]
    apply: Option<String>,
    /// … as this actor: `citizen`, `system` or a staff role.
    #[serde(default)]
    by: Option<String>,
    #[serde(default)]
    input: Option<Json>,
    /// Deliver this external event.
    #[serde(default)]
    event: Option<String>,
    /// Move time forward by a duration (`30 days`, `10 business days`) …
    #[serde(default)]
    advance: Option<String>,
    /// … or to a date.
    #[serde(default)]
    to: Option<String>,
    /// The refusal code the step must end with.
    #[serde(default)]
    fails: Option<String>,
    #[serde(default)]
    expect: Option<RawExpect>,
}

/// What running one file found.
#[derive(Debug, Default)]
pub struct FileResult {
    /// Scenario names that passed.
    pub passed: Vec<String>,
    /// Failures: scenario, place in the test file, message.
    pub failures: Vec<(String, Location, String)>,
    /// Transitions applied at least once.
    pub covered: BTreeSet<String>,
}

/// Runs the scenarios of `text` (a `*.test.yaml`) against `definition`.
pub fn run(definition: &Definition, text: &str) -> Result<FileResult, (Location, String)> {
    let tree = parse::parse_text(text).map_err(|d| (d.location, d.message))?;
    let file: RawFile = serde_json::from_value(tree.to_json())
        .map_err(|e| (Location { line: 1, column: 1 }, format!("not a scenario file: {e}")))?;
    let mut result = FileResult::default();
    for (name, scenario) in &file.scenarios {
        match Runner::new(definition, scenario, &tree, name)
            .and_then(|mut runner| runner.run(scenario, &mut result.covered))
        {
            Ok(()) => result.passed.push(name.clone()),
            Err((at, message)) => result.failures.push((name.clone(), at, message)),
        }
    }
    Ok(result)
}

struct Runner<'a> {
    definition: &'a Definition,
    calendar: Calendar,
    tree: &'a Node,
    name: String,
    case: Case,
    today: Date,
    timers: Vec<Timer>,
    trail: Vec<String>,
}

type Failure = (Location, String);

impl<'a> Runner<'a> {
    fn new(definition: &'a Definition, scenario: &RawScenario, tree: &'a Node, name: &str) -> Result<Self, Failure> {
        let path = sportello_definition::yaml_path!["scenarios", name, "start"];
        let today: Date = scenario
            .start
            .parse()
            .map_err(|_| (tree.locate_value(&path), format!("`{}` is not a date YYYY-MM-DD", scenario.start)))?;
        let case = Case {
            code: format!("TEST-{}", definition.id),
            workflow: WorkflowId::parse(definition.id.as_str()).map_err(|e| (Location::default(), e.to_string()))?,
            workflow_version: definition.version,
            state: definition.initial.clone(),
            data: scenario.data.clone().unwrap_or_else(|| Json::Object(Default::default())),
            version: 1,
            applicant: scenario.applicant.clone(),
            office: definition.office.clone(),
            opened_on: today,
            clocks: IndexMap::new(),
        };
        let (case, effects) =
            transition::open(definition, &case, today).map_err(|e| (tree.locate(&path), e.to_string()))?;
        let calendar = Calendar::new(definition.calendar.clone());
        let mut runner = Self {
            definition,
            calendar,
            tree,
            name: name.to_owned(),
            case,
            today,
            timers: Vec::new(),
            trail: vec!["open".to_owned()],
        };
        runner.track(&effects);
        Ok(runner)
    }

    fn at(&self, step: usize, key: &str) -> Location {
        let path: YamlPath = sportello_definition::yaml_path!["scenarios", self.name, "steps"].index(step).key(key);
        self.tree.locate(&path)
    }

    fn run(&mut self, scenario: &RawScenario, covered: &mut BTreeSet<String>) -> Result<(), Failure> {
        for (i, step) in scenario.steps.iter().enumerate() {
            let mut effects = Vec::new();
            if let Some(transition) = &step.apply {
                let actor = self.actor(step.by.as_deref().unwrap_or("citizen"));
                let outcome = self.apply(transition, actor, step.input.clone().unwrap_or(Json::Null));
                match (outcome, &step.fails) {
                    (Ok(new_effects), None) => {
                        covered.insert(transition.clone());
                        effects = new_effects;
                    }
                    (Ok(_), Some(code)) => {
                        return Err((
                            self.at(i, "fails"),
                            format!("expected `{transition}` to fail with {code}, but it was applied"),
                        ));
                    }
                    (Err(error), Some(code)) if error.code() == code => {}
                    (Err(error), _) => {
                        return Err((
                            self.at(i, "apply"),
                            format!("`{transition}` was refused: {} ({error})", error.code()),
                        ));
                    }
                }
            } else if let Some(event) = &step.event {
                let fire = self.definition.event_transition(event, &self.case.state).cloned();
                let Some(fire) = fire else {
                    return Err((
                        self.at(i, "event"),
                        format!("event `{event}` fires no transition from state `{}`", self.case.state),
                    ));
                };
                effects = self
                    .apply(fire.as_str(), Actor::System, Json::Null)
                    .map_err(|e| (self.at(i, "event"), format!("`{fire}` was refused: {e}")))?;
                covered.insert(fire.to_string());
            } else if step.advance.is_some() || step.to.is_some() {
                let target = self.target(i, step)?;
                effects = self.advance_to(target, covered);
            } else {
                return Err((self.at(i, "expect"), "a step needs `apply`, `event`, `advance` or `to`".to_owned()));
            }
            if let Some(expect) = &step.expect {
                self.check(i, expect, &effects)?;
            }
        }
        Ok(())
    }

    fn actor(&self, by: &str) -> Actor {
        match by {
            "citizen" => Actor::Citizen { fiscal_code: self.case.applicant.clone() },
            "system" => Actor::System,
            role => {
                let office = self
                    .definition
                    .roles
                    .get(role)
                    .map_or_else(|| self.definition.office.clone(), |r| r.office.clone());
                Actor::Staff { user: format!("test-{role}"), roles: vec![role.to_owned()], offices: vec![office] }
            }
        }
    }

    fn apply(&mut self, transition: &str, actor: Actor, input: Json) -> Result<Vec<Effect>, crate::error::Error> {
        self.apply_on(transition, actor, input, None)
    }

    fn apply_on(
        &mut self,
        transition: &str,
        actor: Actor,
        input: Json,
        term_day: Option<Date>,
    ) -> Result<Vec<Effect>, crate::error::Error> {
        let command = ApplyTransition {
            transition: transition.to_owned(),
            actor,
            input,
            expected_version: Some(self.case.version),
            term_day,
        };
        let outcome = transition::apply(self.definition, &self.case, &command, self.today)?;
        self.trail.push(transition.to_owned());
        self.case = outcome.case;
        self.track(&outcome.effects);
        Ok(outcome.effects)
    }

    /// Keeps the timers that effects set or clear, as the store does: the same changes, for a step
    /// taken at 09:00 of the scenario's day.
    fn track(&mut self, effects: &[Effect]) {
        apply_changes(&mut self.timers, timer_changes(effects, morning_of(self.today)));
    }

    fn target(&self, i: usize, step: &RawStep) -> Result<Date, Failure> {
        if let Some(to) = &step.to {
            return to.parse().map_err(|_| (self.at(i, "to"), format!("`{to}` is not a date YYYY-MM-DD")));
        }
        let text = step.advance.as_deref().unwrap_or_default();
        let duration: Duration = text
            .parse()
            .map_err(|e: sportello_definition::duration::DurationError| (self.at(i, "advance"), e.to_string()))?;
        Ok(match duration.unit {
            DurationUnit::Days => add_days(self.today, duration.amount),
            DurationUnit::BusinessDays => self.calendar.add_working_days(self.today, duration.amount),
            DurationUnit::Hours => add_days(self.today, duration.amount.div_ceil(24)),
            DurationUnit::Months => add_months(self.today, duration.amount),
        })
    }

    /// Moves to `target`, firing every timer whose day is over, in order; a timer whose transition is
    /// refused (a false guard) is dropped, and the case stays where it is.
    fn advance_to(&mut self, target: Date, covered: &mut BTreeSet<String>) -> Vec<Effect> {
        let mut effects = Vec::new();
        loop {
            self.timers.sort_by_key(|t| t.due_at);
            let Some(index) = self.timers.iter().position(|t| t.due_at <= morning_of(target)) else { break };
            let timer = self.timers.remove(index);
            self.today = self.today.max(civil_day(timer.due_at));
            match self.apply_on(timer.fire.as_str(), Actor::System, Json::Null, timer.term_day) {
                Ok(fired) => {
                    covered.insert(timer.fire.to_string());
                    effects.extend(fired);
                }
                Err(_) => self.trail.push(format!("{} refused", timer.fire)),
            }
        }
        self.today = self.today.max(target);
        effects
    }
}

/// Which of the workflow's transitions the scenarios covered, as (covered, total).
pub fn coverage(definition: &Definition, covered: &BTreeSet<String>) -> (usize, usize) {
    let total = definition.transitions.len();
    (definition.transitions.keys().filter(|t| covered.contains(t.as_str())).count(), total)
}
