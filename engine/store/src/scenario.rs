//! Scenario tests for analysts: `*.test.yaml` files beside a workflow that open a case, apply
//! transitions, deliver events and move time, and say what must hold after each step.
//!
//! Each scenario runs on its own in-memory store (`memory/`), through the same commands, timers and
//! outbox as the database: time is a manual clock the scenario moves (09:00 in Rome of each step's
//! day), and the timers a transition sets (state deadlines, clock expiries) fire, soonest first, when
//! the scenario moves past them. A failure names the test file's `line:column`; a run reports which
//! transitions the scenarios covered.

mod expect;

use std::collections::BTreeSet;
use std::sync::Arc;

use indexmap::IndexMap;
use jiff::Timestamp;
use jiff::civil::Date;
use serde::Deserialize;
use serde_json::Value as Json;

use self::expect::RawExpect;
use crate::memory::MemoryStore;
use crate::types::{Apply, DeliverEvent, OpenCase, PendingTimer};
use sportello_definition::duration::{Duration, DurationUnit};
use sportello_definition::node::Node;
use sportello_definition::{Definition, Location, YamlPath, parse};
use sportello_runtime::calendar::{Calendar, add_days, add_months};
use sportello_runtime::case::{Actor, Case};
use sportello_runtime::clock::{ManualClock, civil_day, morning_of};
use sportello_runtime::documents::Attached;
use sportello_runtime::error::Error;
use sportello_runtime::transition::ApplyTransition;

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
    /// Fake documents the step's transition attaches, by document type: a list of file names (the
    /// media type is told from the extension; the bytes are the name's, so two names differ).
    #[serde(default)]
    documents: Option<IndexMap<String, Vec<String>>>,
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
///
/// # Errors
///
/// The place and reason when `text` is not a scenario file.
pub async fn run(definition: &Definition, text: &str) -> Result<FileResult, (Location, String)> {
    let tree = parse::parse_text(text).map_err(|d| (d.location, d.message))?;
    let file: RawFile = serde_json::from_value(tree.to_json())
        .map_err(|e| (Location { line: 1, column: 1 }, format!("not a scenario file: {e}")))?;
    let mut result = FileResult::default();
    for (name, scenario) in &file.scenarios {
        let ran = match Runner::open(definition, scenario, &tree, name).await {
            Ok(mut runner) => runner.run(scenario, &mut result.covered).await,
            Err(failure) => Err(failure),
        };
        match ran {
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
    store: MemoryStore,
    clock: ManualClock,
    case_id: i64,
    /// The case as the last step left it.
    case: Case,
    today: Date,
    /// Its pending timers, soonest first, as the last step left them.
    timers: Vec<PendingTimer>,
    trail: Vec<String>,
}

type Failure = (Location, String);

/// A step's effects, as expectations name them: `notify: NAME`, `payment: NAME`, `webhook: NAME`.
type Effects = Vec<String>;

impl<'a> Runner<'a> {
    /// Opens the scenario's case on a store of its own.
    async fn open(
        definition: &'a Definition,
        scenario: &RawScenario,
        tree: &'a Node,
        name: &str,
    ) -> Result<Runner<'a>, Failure> {
        let path = sportello_definition::yaml_path!["scenarios", name, "start"];
        let today: Date = scenario
            .start
            .parse()
            .map_err(|_| (tree.locate_value(&path), format!("`{}` is not a date YYYY-MM-DD", scenario.start)))?;
        let clock = ManualClock::at_day(today);
        let store = MemoryStore::new(Arc::new(clock.clone()));
        store.deploy(definition.clone());
        let open = OpenCase {
            workflow: definition.id.to_string(),
            applicant: scenario.applicant.clone(),
            actor: Actor::Citizen { fiscal_code: scenario.applicant.clone() },
            data: scenario.data.clone().unwrap_or_else(|| Json::Object(Default::default())),
            idempotency_key: None,
        };
        let opened = store.open_case(open).await.map_err(|e| (tree.locate(&path), e.to_string()))?;
        let mut runner = Runner {
            definition,
            calendar: Calendar::new(definition.calendar.clone()),
            tree,
            name: name.to_owned(),
            case: store.case(opened.case_id).await.map_err(|e| (tree.locate(&path), e.to_string()))?,
            case_id: opened.case_id,
            store,
            clock,
            today,
            timers: Vec::new(),
            trail: vec!["open".to_owned()],
        };
        runner.refresh().await.map_err(|e| (tree.locate(&path), e.to_string()))?;
        Ok(runner)
    }

    fn at(&self, step: usize, key: &str) -> Location {
        let path: YamlPath = sportello_definition::yaml_path!["scenarios", self.name, "steps"].index(step).key(key);
        self.tree.locate(&path)
    }

    async fn run(&mut self, scenario: &RawScenario, covered: &mut BTreeSet<String>) -> Result<(), Failure> {
        for (i, step) in scenario.steps.iter().enumerate() {
            let effects_before = self.effects().await.map_err(|e| (self.at(i, "expect"), e.to_string()))?.len();
            if let Some(transition) = &step.apply {
                let actor = self.actor(step.by.as_deref().unwrap_or("citizen"));
                let documents = fake_documents(step.documents.as_ref());
                let outcome = self.apply(transition, actor, step.input.clone().unwrap_or(Json::Null), documents).await;
                match (outcome, &step.fails) {
                    (Ok(()), None) => {
                        covered.insert(transition.clone());
                    }
                    (Ok(()), Some(code)) => {
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
                let message_id = format!("scenario-step-{}", i + 1);
                let delivered =
                    DeliverEvent { case_id: self.case_id, event: event.clone(), message_id, payload: Json::Null };
                self.store
                    .deliver_event(delivered)
                    .await
                    .map_err(|e| (self.at(i, "event"), format!("`{fire}` was refused: {e}")))?;
                self.trail.push(fire.to_string());
                covered.insert(fire.to_string());
            } else if step.advance.is_some() || step.to.is_some() {
                let target = self.target(i, step)?;
                self.advance_to(target, covered).await.map_err(|e| (self.at(i, "advance"), e.to_string()))?;
            } else {
                return Err((self.at(i, "expect"), "a step needs `apply`, `event`, `advance` or `to`".to_owned()));
            }
            self.refresh().await.map_err(|e| (self.at(i, "expect"), e.to_string()))?;
            if let Some(expect) = &step.expect {
                let effects = self.effects().await.map_err(|e| (self.at(i, "expect"), e.to_string()))?;
                self.check(i, expect, &effects[effects_before.min(effects.len())..])?;
            }
        }
        Ok(())
    }

    /// Reads the case and its timers as the store holds them now.
    async fn refresh(&mut self) -> Result<(), Error> {
        self.case = self.store.case(self.case_id).await?;
        self.timers = self.store.timers(self.case_id).await?;
        Ok(())
    }

    /// The effects the case's commands requested so far, oldest first, as expectations name them.
    async fn effects(&self) -> Result<Effects, Error> {
        let records = self.store.effects(self.case_id).await?;
        Ok(records.into_iter().map(|r| format!("{}: {}", r.kind.as_str(), r.name)).collect())
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

    /// Applies `transition` as `actor` at 09:00 of the scenario's day.
    async fn apply(
        &mut self,
        transition: &str,
        actor: Actor,
        input: Json,
        documents: Vec<Attached>,
    ) -> Result<(), Error> {
        self.clock.set(morning_of(self.today));
        let command = ApplyTransition {
            documents,
            transition: transition.to_owned(),
            actor,
            input,
            expected_version: Some(self.case.version),
            term_day: None,
        };
        self.store.apply(Apply { case_id: self.case_id, code: None, command, idempotency_key: None }).await?;
        self.trail.push(transition.to_owned());
        Ok(())
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

    /// Moves to `target`, firing every timer due by 09:00 of that day, soonest first, each on its own
    /// day (at 09:00, or when it falls due if that is later): as the timer worker would, a timer whose
    /// transition is refused (a false guard) is dropped, and the case stays where it is.
    async fn advance_to(&mut self, target: Date, covered: &mut BTreeSet<String>) -> Result<(), Error> {
        loop {
            let pending = self.store.timers(self.case_id).await?;
            let Some(timer) = pending.into_iter().find(|t| t.due_at <= morning_of(target)) else { break };
            self.today = self.today.max(civil_day(timer.due_at));
            let now: Timestamp = morning_of(self.today).max(timer.due_at);
            self.clock.set(now);
            let fired = self.store.fire_due_timers(1).await?;
            if fired.fired == 1 {
                covered.insert(timer.fire.clone());
                self.trail.push(timer.fire);
            } else {
                self.trail.push(format!("{} refused", timer.fire));
            }
        }
        self.today = self.today.max(target);
        self.clock.set(morning_of(self.today));
        Ok(())
    }
}

/// The fake documents a step names, by type: each file's bytes are its type and name, so that two
/// names are two files and the same name twice is the same file.
fn fake_documents(named: Option<&IndexMap<String, Vec<String>>>) -> Vec<Attached> {
    let mut documents = Vec::new();
    for (doc_type, names) in named.into_iter().flatten() {
        for name in names {
            let bytes = format!("{doc_type}/{name}");
            let media_type = match name.rsplit_once('.').map(|(_, ext)| ext.to_ascii_lowercase()).as_deref() {
                Some("p7m") => "application/pkcs7-mime",
                Some("jpg" | "jpeg") => "image/jpeg",
                Some("png") => "image/png",
                _ => "application/pdf",
            };
            documents.push(Attached {
                upload: format!("scenario-{}", documents.len() + 1),
                doc_type: doc_type.clone(),
                name: name.clone(),
                media_type: media_type.to_owned(),
                size: bytes.len() as u64,
                sha256: sportello_runtime::audit::sha256_hex(&bytes),
            });
        }
    }
    documents
}

/// Which of the workflow's transitions the scenarios covered, as (covered, total).
pub fn coverage(definition: &Definition, covered: &BTreeSet<String>) -> (usize, usize) {
    let total = definition.transitions.len();
    (definition.transitions.keys().filter(|t| covered.contains(t.as_str())).count(), total)
}
