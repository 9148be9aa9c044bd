//! The store in memory: the table traits (`tables/`) on maps, and the commands of `case_commands.rs`
//! run on them, so that a case opened here gets the same decisions, timers, audit chain and outbox
//! rows as in the database. `sportello test` runs analysts' scenarios on it, and handler tests that
//! need no SQL can too: nothing is written to disk and a command costs microseconds.
//!
//! One command runs at a time. Time is the given [`Clock`]'s: the timers fire when a caller asks for
//! the due ones. What only the database does is left out: pagoPA payment positions and their
//! settlement by events (an event here fires its transition with its payload), delivery of the outbox
//! (its rows stay pending), drafts, assignment, lists and statistics.

mod tables;

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use sportello_definition::Definition;
use sportello_runtime::access;
use sportello_runtime::audit_body::Origin;
use sportello_runtime::case::Case;
use sportello_runtime::clock::Clock;
use sportello_runtime::error::Error;

use self::tables::Tables;
use crate::case_commands::{
    apply_to, fire_timer, idempotent_result, open_on, record_refused_timer, store_idempotent_result,
};
use crate::effects::EffectRecord;
use crate::tables::{AuditTable, CaseTable, DefinitionTable, OutboxTable, RequestKey, TimerTable};
use crate::types::{Applied, Apply, DeliverEvent, FiredTimers, OpenCase, PendingTimer};
use sportello_runtime::audit::ChainedEntry;
use sportello_runtime::transition::ApplyTransition;

/// Cases, timers, audit chains and the outbox in memory.
#[derive(Debug)]
pub struct MemoryStore {
    clock: Arc<dyn Clock>,
    tables: Mutex<Tables>,
    /// Held by each command from its first read to its write.
    command: tokio::sync::Mutex<()>,
}

impl MemoryStore {
    /// An empty store on `clock`.
    pub fn new(clock: Arc<dyn Clock>) -> MemoryStore {
        MemoryStore { clock, tables: Mutex::new(Tables::default()), command: tokio::sync::Mutex::new(()) }
    }

    fn tables(&self) -> MutexGuard<'_, Tables> {
        self.tables.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Deploys `definition` (already validated) as its version of its workflow.
    pub fn deploy(&self, definition: Definition) {
        let mut tables = self.tables();
        let versions = tables.definitions.entry(definition.id.to_string()).or_default();
        versions.insert(definition.version, Arc::new(definition));
    }

    /// Opens a case on the workflow's latest version, in its initial state.
    ///
    /// # Errors
    ///
    /// As [`crate::Store::open_case`].
    pub async fn open_case(&self, command: OpenCase) -> Result<Applied, Error> {
        let _one = self.command.lock().await;
        if !command.data.is_object() {
            return Err(Error::InvalidInput(vec![(String::new(), "the case data must be a JSON object".to_owned())]));
        }
        let key = RequestKey::of_opening(&command);
        if let Some(applied) = idempotent_result(self, key.as_ref()).await? {
            return Ok(applied);
        }
        let definition = self.latest(&command.workflow).await?;
        let now = self.clock.now();
        // No other command runs meanwhile, so no later version can have been deployed.
        let applied = open_on(self, &definition, &command, now).await?.ok_or(Error::StaleCaseVersion {
            expected: u64::from(definition.version),
            current: u64::from(definition.version) + 1,
        })?;
        store_idempotent_result(self, key.as_ref(), &applied, now).await?;
        Ok(applied)
    }

    /// Applies a transition to a case.
    ///
    /// # Errors
    ///
    /// As [`crate::Store::apply`].
    pub async fn apply(&self, command: Apply) -> Result<Applied, Error> {
        let _one = self.command.lock().await;
        let key = RequestKey::of_transition(&command);
        let Apply { case_id, code, command, .. } = command;
        if let Some(applied) = idempotent_result(self, key.as_ref()).await? {
            return Ok(applied);
        }
        let loaded = self.read_case(case_id).await?;
        if code.is_some_and(|code| !loaded.case.code.eq_ignore_ascii_case(&code)) {
            return Err(Error::CaseNotFound);
        }
        access::may_act_on(&command.actor, &loaded.case)?;
        let now = self.clock.now();
        let applied = apply_to(self, loaded, &command, &Origin::Apply, now).await?;
        store_idempotent_result(self, key.as_ref(), &applied, now).await?;
        Ok(applied)
    }

    /// Takes in an external event: the transition it fires from the case's state, applied by the
    /// system with the event's payload as its input. A message id seen before gets its first result.
    ///
    /// # Errors
    ///
    /// [`Error::UnknownEvent`], [`Error::EventNotExpected`], [`Error::IdempotencyKeyReused`] (a message
    /// id seen with another event) and the transition's refusals.
    pub async fn deliver_event(&self, command: DeliverEvent) -> Result<Applied, Error> {
        let _one = self.command.lock().await;
        let seen = self.tables().messages.get(&(command.case_id, command.message_id.clone())).cloned();
        if let Some((event, applied)) = seen {
            return if event == command.event {
                Ok(Applied { replayed: true, ..applied })
            } else {
                Err(Error::IdempotencyKeyReused)
            };
        }
        let loaded = self.read_case(command.case_id).await?;
        let definition = self.definition(&loaded.row.workflow, loaded.row.workflow_version as u32).await?;
        if !definition.events.contains_key(&command.event) {
            return Err(Error::UnknownEvent(command.event.clone()));
        }
        let transition = definition
            .event_transition(&command.event, &loaded.row.state)
            .ok_or_else(|| Error::EventNotExpected { event: command.event.clone(), state: loaded.row.state.clone() })?;
        let apply = ApplyTransition {
            documents: Vec::new(),
            transition: transition.to_string(),
            actor: sportello_runtime::case::Actor::System,
            input: command.payload.clone(),
            expected_version: None,
            term_day: None,
        };
        let origin =
            Origin::Event { event: command.event.clone(), message_id: command.message_id.clone(), payment: None };
        let applied = apply_to(self, loaded, &apply, &origin, self.clock.now()).await?;
        let remembered = (command.event.clone(), Applied { after: None, ..applied.clone() });
        self.tables().messages.insert((command.case_id, command.message_id), remembered);
        Ok(applied)
    }

    /// Fires up to `limit` timers due at the clock's instant, soonest first: each one's transition is
    /// applied as the system; one whose transition is refused is dropped and the refusal recorded in
    /// its case's audit trail.
    ///
    /// # Errors
    ///
    /// A case that has gone or cannot be read.
    pub async fn fire_due_timers(&self, limit: u64) -> Result<FiredTimers, Error> {
        let _one = self.command.lock().await;
        let now = self.clock.now();
        let mut report = FiredTimers::default();
        for timer in self.due_timers(now, limit).await? {
            match fire_timer(self, &timer, now).await {
                Ok(_) => report.fired += 1,
                Err(error @ (Error::Storage(_) | Error::CaseNotFound | Error::StaleCaseVersion { .. })) => {
                    return Err(error);
                }
                Err(refusal) => {
                    // Nothing was written but the timer's delete, which the refusal's record repeats.
                    record_refused_timer(self, &timer, &refusal, now).await?;
                    report.refused += 1;
                }
            }
        }
        Ok(report)
    }

    /// The case `id`.
    ///
    /// # Errors
    ///
    /// [`Error::CaseNotFound`].
    pub async fn case(&self, id: i64) -> Result<Case, Error> {
        Ok(self.read_case(id).await?.case)
    }

    /// The clerk case `id` is assigned to.
    ///
    /// # Errors
    ///
    /// [`Error::CaseNotFound`].
    pub async fn assignee(&self, id: i64) -> Result<Option<String>, Error> {
        Ok(self.read_case(id).await?.row.assignee)
    }

    /// The timers pending on case `id`, soonest first.
    ///
    /// # Errors
    ///
    /// None in memory; the signature is the table's.
    pub async fn timers(&self, id: i64) -> Result<Vec<PendingTimer>, Error> {
        self.pending_timers(id).await
    }

    /// Case `id`'s audit chain, first entry first.
    ///
    /// # Errors
    ///
    /// [`Error::CaseNotFound`].
    pub async fn audit(&self, id: i64) -> Result<Vec<ChainedEntry>, Error> {
        self.audit_entries(id).await
    }

    /// What case `id`'s commands asked to be delivered, oldest first (never delivered here).
    ///
    /// # Errors
    ///
    /// None in memory; the signature is the table's.
    pub async fn effects(&self, id: i64) -> Result<Vec<EffectRecord>, Error> {
        self.effects_of(id).await
    }
}
