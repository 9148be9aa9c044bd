//! The commands that change a case, written once over the table traits (`tables/`): open a case,
//! apply a transition (a person's, an event's or a timer's), fire a due timer, record a timer whose
//! transition was refused. Each reads what it needs, lets the runtime decide (a pure function), plans
//! the writes (`case_writes.rs`) and hands them to the case table in one write, which refuses them if
//! the case moved since it was read. Production runs them on a SQL transaction
//! (`database/commands.rs`, `database/timers.rs`), the scenario runner on the in-memory store
//! (`memory/`): the same decisions, timers and outbox rows either way.
//!
//! Who may act is checked here with `sportello_runtime::access`; idempotency keys, retries of stale
//! commands and an event's message id are the callers' (they differ in how a transaction is held).

use jiff::Timestamp;
use serde_json::json;

use crate::case_row::{CaseRow, Loaded, waiting_for};
use crate::case_writes::{Change, chain_only, plan};
use crate::tables::{CaseTable, DefinitionTable, DueTimer, IdempotencyTable, RequestKey, TimerTable};
use crate::types::{Applied, OpenCase, case_code};
use sportello_definition::Definition;
use sportello_runtime::audit::GENESIS;
use sportello_runtime::audit_body::{Opened, Origin, TimerRefused, Transitioned};
use sportello_runtime::case::{Actor, Case};
use sportello_runtime::clock::civil_day;
use sportello_runtime::documents::Attached;
use sportello_runtime::effect::Effect;
use sportello_runtime::error::Error;
use sportello_runtime::transition::{self, ApplyTransition};

/// What a command decided on a case as read, not yet written.
pub struct Decided {
    /// The case as read.
    pub loaded: Loaded,
    /// The case after the command.
    pub after: Case,
    /// Who its state waits for after it.
    pub waiting_for: Option<&'static str>,
    /// The audit entry's body.
    pub audit: serde_json::Value,
    /// What the runtime asked for: timers, assignment, outbox.
    pub effects: Vec<Effect>,
    /// The documents it attaches to the case file.
    pub attached: Vec<Attached>,
    /// When it was decided.
    pub now: Timestamp,
}

/// Lets the runtime decide `command` on a case already read, on its workflow `definition`; `origin`
/// says what applied the transition, for its audit entry.
///
/// # Errors
///
/// The runtime's refusal (an unknown transition, a false guard, invalid input, a stale version, …).
pub fn decide_transition(
    loaded: Loaded,
    definition: &Definition,
    command: &ApplyTransition,
    origin: &Origin,
    now: Timestamp,
) -> Result<Decided, Error> {
    let outcome = transition::apply(definition, &loaded.case, command, civil_day(now))?;
    let audit =
        Transitioned { entry: &outcome.audit, origin, data: &loaded.row.data, version: outcome.case.version, at: now }
            .body();
    let waiting_for = waiting_for(definition, outcome.case.state.as_str());
    let attached = command.documents.clone();
    Ok(Decided { loaded, after: outcome.case, waiting_for, audit, effects: outcome.effects, attached, now })
}

/// Writes a decided command through `tables`.
///
/// # Errors
///
/// [`Error::StaleCaseVersion`] when the case moved since it was read; a storage error.
pub async fn write_decided<T: CaseTable + Sync>(tables: &T, decided: Decided) -> Result<Applied, Error> {
    let Decided { loaded, after, waiting_for, audit, effects, attached, now } = decided;
    tables.write(plan(Change { before: &loaded.row, after, waiting_for, audit, effects, attached, now })).await
}

/// Applies `command` to a case already read, as decided on its own workflow version, and writes it.
/// The caller has checked that the actor may act on the case.
///
/// # Errors
///
/// The runtime's refusal; [`Error::StaleCaseVersion`] when the case moved since it was read; a
/// storage error.
pub async fn apply_to<T: CaseTable + DefinitionTable + Sync>(
    tables: &T,
    loaded: Loaded,
    command: &ApplyTransition,
    origin: &Origin,
    now: Timestamp,
) -> Result<Applied, Error> {
    let definition = tables.definition(&loaded.row.workflow, loaded.row.workflow_version as u32).await?;
    write_decided(tables, decide_transition(loaded, &definition, command, origin, now)?).await
}

/// Opens a case on `definition`, in its initial state, and writes its opening, unless a later version
/// of its workflow has been deployed (`None`: one has, and nothing was written). The actor must be
/// allowed to open it.
///
/// The initial state's expressions see the case's code, which its id gives, so they are evaluated after
/// the insert; if they refuse, the row is deleted again and nothing stays written.
///
/// # Errors
///
/// [`Error::Forbidden`] and the runtime's refusals; a storage error.
pub async fn open_on<T: CaseTable + Sync>(
    tables: &T,
    definition: &Definition,
    command: &OpenCase,
    now: Timestamp,
) -> Result<Option<Applied>, Error> {
    sportello_runtime::access::may_open(&command.actor, definition, &command.applicant)?;
    let today = civil_day(now);
    let mut row = CaseRow {
        document_types: None,
        id: 0,
        workflow: definition.id.to_string(),
        workflow_version: definition.version as i32,
        state: definition.initial.to_string(),
        data: command.data.to_string(),
        clocks: "{}".to_owned(),
        version: 1,
        applicant: command.applicant.clone(),
        office: definition.office.clone(),
        assignee: None,
        opened_on: today.to_string(),
        opened_at: now.as_microsecond(),
        updated_at: now.as_microsecond(),
        audit_sequence: 0,
        audit_hash: GENESIS.to_owned(),
        waiting_for: None,
        due_at: None,
        timers: json!([]),
    };
    let Some(id) = tables.insert_case(&row).await? else { return Ok(None) };
    row.id = id;
    let before = Loaded::from_row(row)?;
    let draft = Case { code: case_code(&definition.id, today, id), ..before.case.clone() };
    let (opened, effects) = match transition::open(definition, &draft, today) {
        Ok(opened) => opened,
        Err(refusal) => {
            tables.delete_case(id).await?;
            return Err(refusal);
        }
    };
    let audit = Opened {
        actor: &command.actor,
        workflow: &definition.id,
        workflow_version: definition.version,
        state: &opened.state,
        data: &before.row.data,
        at: now,
    }
    .body();
    let waiting_for = waiting_for(definition, opened.state.as_str());
    let change = Change { before: &before.row, after: opened, waiting_for, audit, effects, attached: Vec::new(), now };
    tables.write(plan(change)).await.map(Some)
}

/// Fires `timer`: deletes it, then applies its transition as the system. On a refusal the caller
/// undoes what this wrote (on SQL a savepoint) and records it with [`record_refused_timer`].
///
/// # Errors
///
/// The runtime's refusal; [`Error::StaleCaseVersion`]; [`Error::CaseNotFound`]; a storage error.
pub async fn fire_timer<T: CaseTable + DefinitionTable + TimerTable + Sync>(
    tables: &T,
    timer: &DueTimer,
    now: Timestamp,
) -> Result<Applied, Error> {
    let command = ApplyTransition {
        documents: Vec::new(),
        transition: timer.fire.clone(),
        actor: Actor::System,
        input: serde_json::Value::Null,
        expected_version: None,
        term_day: timer.term_day,
    };
    let origin = Origin::Timer { kind: timer.kind.clone(), name: timer.name.clone() };
    tables.delete_timer(timer.id).await?;
    let loaded = tables.read_case(timer.case_id).await?;
    apply_to(tables, loaded, &command, &origin, now).await
}

/// Drops `timer`, whose transition was `refusal`, and records the refusal in its case's audit trail.
///
/// # Errors
///
/// [`Error::StaleCaseVersion`] when the chain moved meanwhile; a storage error.
pub async fn record_refused_timer<T: CaseTable + TimerTable + Sync>(
    tables: &T,
    timer: &DueTimer,
    refusal: &Error,
    now: Timestamp,
) -> Result<(), Error> {
    tables.delete_timer(timer.id).await?;
    let loaded = tables.read_case(timer.case_id).await?;
    let body = TimerRefused { transition: &timer.fire, kind: &timer.kind, name: &timer.name, refusal, at: now }.body();
    let entry = chain_only(&loaded.row, &loaded.case.code, body);
    tables.append(&loaded.row, entry, now).await
}

/// The earlier result of the request with `key`, if the client sent a key and it was seen before.
///
/// # Errors
///
/// [`Error::IdempotencyKeyReused`] when the key came with another request; a storage error.
pub async fn idempotent_result(
    tables: &impl IdempotencyTable,
    key: Option<&RequestKey>,
) -> Result<Option<Applied>, Error> {
    match key {
        Some(key) => tables.earlier_result(key).await,
        None => Ok(None),
    }
}

/// Remembers `applied` as the result of the request with `key`, if the client sent one.
///
/// # Errors
///
/// A storage error.
pub async fn store_idempotent_result(
    tables: &impl IdempotencyTable,
    key: Option<&RequestKey>,
    applied: &Applied,
    now: Timestamp,
) -> Result<(), Error> {
    match key {
        Some(key) => tables.remember_result(key, applied, now).await,
        None => Ok(()),
    }
}
