//! One case's life in the demo: its first visit opens it as the applicant; every later one reads the
//! case from the store, lets the workflow's script decide, and carries the decision out through the
//! store's commands (`apply`, `deliver_event`, `assign`), as the API would. Staff work Monday to
//! Friday and often take a case in charge (assign it to themselves) before acting on it. A refusal
//! (a timer moved the case first, a guard said no) is counted and the case looked at again later; a
//! storage error stops the demo.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::Context;
use jiff::civil::{Date, Weekday};
use serde_json::json;
use sportello_runtime::case::Actor;
use sportello_runtime::error::Error;
use sportello_runtime::transition::ApplyTransition;
use sportello_store::{Apply, Assign, DeliverEvent, OpenCase, Store};

use super::people::{Person, staff_actor, staff_with};
use super::rng::Rng;
use super::step::{By, Step, Visit};
use super::workflows::Service;

/// Visits after which a case is left alone, whatever its state (a safety net for scripts).
const MAX_VISITS: u32 = 80;

/// What every agent shares: the store and the applicants, and what was done so far.
pub struct World {
    /// The store, on the demo's manual clock.
    pub store: Store,
    /// The applicants.
    pub applicants: Vec<Person>,
    /// What was done.
    pub tally: Tally,
    /// Where the documents the demo attaches are kept.
    pub documents: std::sync::Arc<dyn sportello_documents::store::DocumentStore>,
}

/// Counts of what the demo did.
#[derive(Debug, Default)]
pub struct Tally {
    /// Cases opened.
    pub opened: AtomicU64,
    /// Commands carried out (openings, transitions, events, assignments).
    pub commands: AtomicU64,
    /// Timers fired.
    pub timers: AtomicU64,
    /// Timers whose transition was refused.
    pub timers_refused: AtomicU64,
    /// Commands refused, by error code.
    pub refused: Mutex<BTreeMap<&'static str, u64>>,
}

impl Tally {
    fn refuse(&self, error: &Error) {
        *self.refused.lock().unwrap_or_else(std::sync::PoisonError::into_inner).entry(error.code()).or_default() += 1;
    }
}

/// One case of the run.
#[derive(Debug)]
pub struct Agent {
    /// Its number in the run, from 0.
    pub number: u64,
    /// Its workflow.
    pub service: &'static Service,
    /// Its applicant (an index into [`World::applicants`]).
    pub applicant: usize,
    /// Its randomness.
    pub rng: Rng,
    case_id: Option<i64>,
    state: String,
    since: Option<Date>,
    visits: u32,
    messages: u32,
}

/// When to look at the case again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// After this many days (0: later the same day).
    After(i64),
    /// Never: the case is closed or left to its timers.
    Done,
}

impl Agent {
    /// A case not opened yet.
    pub fn new(number: u64, service: &'static Service, applicant: usize, rng: Rng) -> Agent {
        Agent {
            number,
            service,
            applicant,
            rng,
            case_id: None,
            state: String::new(),
            since: None,
            visits: 0,
            messages: 0,
        }
    }

    /// Looks at the case on `today` and does what its script says.
    pub async fn visit(&mut self, world: &World, today: Date) -> anyhow::Result<Next> {
        let applicant = &world.applicants[self.applicant];
        let Some(case_id) = self.case_id else {
            let opened = world
                .store
                .open_case(OpenCase {
                    workflow: self.service.workflow.to_owned(),
                    applicant: applicant.fiscal_code.clone(),
                    actor: applicant.actor(),
                    data: json!({}),
                    idempotency_key: None,
                })
                .await
                .with_context(|| format!("cannot open a {} case", self.service.workflow))?;
            world.tally.opened.fetch_add(1, Ordering::Relaxed);
            world.tally.commands.fetch_add(1, Ordering::Relaxed);
            self.case_id = Some(opened.case_id);
            self.entered(&opened.state, today);
            return Ok(Next::After(if self.rng.chance(0.7) { 0 } else { self.rng.between(1, 4) }));
        };
        let stored = world.store.case(case_id).await.context("cannot read a case")?;
        let definition =
            world.store.definition(stored.case.workflow.as_str(), Some(stored.case.workflow_version)).await?;
        if definition.states.get(stored.case.state.as_str()).is_none_or(|s| s.is_final) {
            return Ok(Next::Done);
        }
        if stored.case.state.as_str() != self.state {
            self.entered(stored.case.state.as_str(), today);
        }
        self.visits += 1;
        if self.visits > MAX_VISITS {
            return Ok(Next::Done);
        }
        let step = (self.service.step)(&mut Visit {
            case: &stored,
            today,
            since: self.since.unwrap_or(today),
            rng: &mut self.rng,
            applicant,
            number: self.number,
        });
        let office = stored.case.office.as_str();
        let (result, then) = match step {
            Step::Leave => return Ok(Next::Done),
            Step::Wait(days) => return Ok(Next::After(days.max(1))),
            Step::Apply { by: By::Staff(_), .. } if matches!(today.weekday(), Weekday::Saturday | Weekday::Sunday) => {
                return Ok(Next::After(if today.weekday() == Weekday::Saturday { 2 } else { 1 }));
            }
            Step::Apply { transition, by, input, then } => {
                let actor = match by {
                    By::Citizen => applicant.actor(),
                    By::Staff(role) => self.staff(world, case_id, office, role, stored.assignee.as_deref()).await?,
                };
                let documents = super::documents::required(
                    &world.store,
                    world.documents.as_ref(),
                    &definition,
                    &stored,
                    transition,
                    &actor,
                )
                .await?;
                let command = ApplyTransition {
                    documents,
                    transition: transition.to_owned(),
                    actor,
                    input,
                    expected_version: None,
                    term_day: None,
                };
                (world.store.apply(Apply { code: None, case_id, command, idempotency_key: None }).await, then)
            }
            Step::Event { event, then } => {
                self.messages += 1;
                let message_id = format!("demo-pagopa-{}-{}", self.number, self.messages);
                let event = DeliverEvent { case_id, event: event.to_owned(), message_id, payload: json!({}) };
                (world.store.deliver_event(event).await, then)
            }
        };
        match result {
            Ok(applied) => {
                world.tally.commands.fetch_add(1, Ordering::Relaxed);
                self.entered(&applied.state, today);
                Ok(Next::After(then.max(0)))
            }
            Err(error @ Error::Storage(_)) => Err(error).context("the store failed"),
            Err(refusal) => {
                world.tally.refuse(&refusal);
                Ok(Next::After(self.rng.between(1, 5)))
            }
        }
    }

    fn entered(&mut self, state: &str, today: Date) {
        state.clone_into(&mut self.state);
        self.since = Some(today);
    }

    /// The member of staff who acts: the case's assignee when they hold `role`, otherwise someone of
    /// the office who does, and who, half the time, first takes the case in charge.
    async fn staff(
        &mut self,
        world: &World,
        case_id: i64,
        office: &str,
        role: &str,
        assignee: Option<&str>,
    ) -> anyhow::Result<Actor> {
        let people = staff_with(office, role);
        anyhow::ensure!(!people.is_empty(), "the demo knows no one with role `{role}` in office `{office}`");
        if let Some(user) = assignee.filter(|a| people.contains(a)) {
            return Ok(staff_actor(office, user));
        }
        let user = *self.rng.pick(&people);
        let actor = staff_actor(office, user);
        if assignee.is_none() && self.rng.chance(0.5) {
            let assign =
                Assign { case_id, assignee: Some(user.to_owned()), actor: actor.clone(), expected_version: None };
            match world.store.assign(assign).await {
                Ok(_) => {
                    world.tally.commands.fetch_add(1, Ordering::Relaxed);
                }
                Err(error @ Error::Storage(_)) => return Err(error).context("the store failed"),
                Err(refusal) => world.tally.refuse(&refusal),
            }
        }
        Ok(actor)
    }
}
