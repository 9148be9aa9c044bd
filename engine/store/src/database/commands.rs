//! The commands that change a case: open it, apply a transition, take in an external event. Each runs
//! in one transaction of the writer: it reads the case, lets the runtime decide, and writes only if
//! the case is still at the version read (and its audit chain at the head read). On SQLite the writer
//! owns the only connection that writes, so nothing moves the case between the read and the write,
//! and the read finds the writer's page cache warm; on PostgreSQL another command can get there
//! first, and then a command that named no version is decided again on the new state, and one that
//! named a version is refused as stale.
//!
//! A client's idempotency key and an event's message id are looked up in that transaction before
//! deciding (a retry gets the first result without deciding anything), and remembered in it.

use std::sync::Arc;

use jiff::Timestamp;
use sea_orm::{ConnectionTrait, DatabaseTransaction, EntityTrait};
use serde_json::Value as Json;

use super::Inner;
use super::entities::processed_event;
use super::message::Message;
use super::retry::Retry;
use super::rows;
use super::sql;
use super::tables::SqlTables;
use super::writer::{BoxFuture, ReadAhead};
use super::{documents, payment_events, payments};
use crate::case_commands::{
    Decided, decide_transition, idempotent_result, open_on, store_idempotent_result, write_decided,
};
use crate::case_row::{CaseRow, Loaded};
use crate::tables::{DefinitionTable, RequestKey};
use crate::types::{Applied, Apply, DeliverEvent, OpenCase};
use sportello_runtime::access;
use sportello_runtime::audit_body::{Origin, SettledPayment};
use sportello_runtime::case::Actor;
use sportello_runtime::error::Error;
use sportello_runtime::transition::ApplyTransition;

/// Opens a case on the workflow's latest version, in its initial state.
pub async fn open_case(inner: &Arc<Inner>, command: OpenCase) -> Result<Applied, Error> {
    let key = RequestKey::of_opening(&command);
    if !command.data.is_object() {
        return Err(Error::InvalidInput(vec![(String::new(), "the case data must be a JSON object".to_owned())]));
    }
    let (clock, store) = (inner.clock.clone(), inner.clone());
    let key_again = key.clone();
    // Not isolated: a refusal after the row's insert takes the row back out (`insert_case`).
    let opened = inner
        .writer
        .write_new_case(move |txn, later| {
            Box::pin(async move {
                let mut tables = SqlTables::on(txn, &store.definitions, false);
                tables.later = later.as_ref();
                if let Some(applied) = idempotent_result(&tables, key.as_ref()).await? {
                    return Ok(applied);
                }
                // The latest version as last read, if it was, saves a round trip: the case row's
                // insert checks that no later version has been deployed since, and inserts nothing
                // if one has; then the latest is read afresh.
                let mut definition = match store.definitions.latest_read(&command.workflow) {
                    Some(definition) => definition,
                    None => store.definitions.latest(txn, &command.workflow).await?,
                };
                loop {
                    let now = clock.now();
                    if let Some(applied) = open_on(&tables, &definition, &command, now).await? {
                        store_idempotent_result(&tables, key.as_ref(), &applied, now).await?;
                        return Ok(applied);
                    }
                    definition = store.definitions.latest(txn, &command.workflow).await?;
                }
            })
        })
        .await;
    match opened {
        Err(error @ Error::Storage(_)) => replay_or(&inner.reader, &inner.definitions, key_again.as_ref(), error).await,
        other => other,
    }
}

/// Applies a transition to a case.
pub async fn apply(inner: &Arc<Inner>, command: Apply) -> Result<Applied, Error> {
    let key = RequestKey::of_transition(&command);
    let Apply { case_id, code, command, .. } = command;
    let mut retry = Retry::new(command.expected_version);
    let command = Arc::new(command);
    let code: Option<Arc<str>> = code.map(Into::into);
    loop {
        let (decider, command, code) = (inner.clone(), command.clone(), code.clone());
        let committed = commit(inner, key.clone(), Target::Case(case_id), move |tables, row| {
            Box::pin(async move {
                let loaded = match row {
                    Some(row) => Loaded::from_row(row)?,
                    None => rows::load(tables.conn, case_id).await?,
                };
                if code.is_some_and(|code| !loaded.case.code.eq_ignore_ascii_case(&code)) {
                    return Err(Error::CaseNotFound);
                }
                access::may_act_on(&command.actor, &loaded.case)?;
                let definition = tables.definition(&loaded.row.workflow, loaded.row.workflow_version as u32).await?;
                let now = decider.clock.now();
                if !command.documents.is_empty() {
                    // The uploads the caller named, found in this transaction: what the runtime checks
                    // and the audit entry seals are the stored ones.
                    let by = command.actor.key().unwrap_or_default();
                    let found = documents::resolve(tables.conn, loaded.row.id, &by, &command.documents, now).await?;
                    let command = ApplyTransition { documents: found, ..(*command).clone() };
                    let decided = decide_transition(loaded, &definition, &command, &Origin::Apply, now)?;
                    return Ok(Decision::Write(Box::new(decided), None));
                }
                let decided = decide_transition(loaded, &definition, &command, &Origin::Apply, now)?;
                Ok(Decision::Write(Box::new(decided), None))
            })
        })
        .await;
        match committed {
            lost if retry.again(&lost) => {}
            Err(error @ Error::Storage(_)) => {
                return replay_or(&inner.reader, &inner.definitions, key.as_ref(), error).await;
            }
            other => return other,
        }
    }
}

/// Takes in an external event: the transition it fires from the case's state, applied by the system.
pub async fn deliver_event(inner: &Arc<Inner>, command: DeliverEvent) -> Result<Applied, Error> {
    let message = Message::of(&command);
    let command = Arc::new(command);
    let mut retry = Retry::new(None);
    loop {
        let (decider, event) = (inner.clone(), command.clone());
        let committed = commit(inner, None, Target::Message(message.clone()), move |tables, _| {
            Box::pin(async move { decide_event(tables, &decider, &event).await })
        })
        .await;
        match committed {
            lost if retry.again(&lost) => {}
            // The same message taken in at the same moment by another process (PostgreSQL): its
            // result stands.
            Err(error @ Error::Storage(_)) => {
                return match processed(&inner.reader, &message).await {
                    Ok(Some(applied)) => Ok(applied),
                    _ => Err(error),
                };
            }
            other => return other,
        }
    }
}

/// Decides what an event does to the case as it stands in the committing transaction.
async fn decide_event(
    tables: &SqlTables<'_, DatabaseTransaction>,
    inner: &Inner,
    command: &DeliverEvent,
) -> Result<Decision, Error> {
    let conn = tables.conn;
    // The message's earlier result, if it was taken in before, is read with the case.
    let (row, seen) = rows::load_with_message(conn, command.case_id, &command.message_id).await?;
    if let Some((event, outcome)) = seen {
        return replayed(&Message::of(command), &event, &outcome).map(Decision::Done);
    }
    let loaded = Loaded::from_row(row)?;
    let definition = tables.definition(&loaded.row.workflow, loaded.row.workflow_version as u32).await?;
    // A pagoPA event settles one of the case's payments, whether or not the state moves on it.
    let settle = payment_events::resolve(conn, &definition, command).await?;
    if let Some(settle) = &settle
        && settle.already
    {
        return Ok(Decision::Done(payment_events::unchanged(&loaded)));
    }
    let transition = definition.event_transition(&command.event, &loaded.row.state);
    let settle = match (settle, transition) {
        (Some(settle), None) => {
            let message = Message::of(command);
            let now = inner.clock.now();
            return Ok(Decision::Record { loaded: Box::new(loaded), settle, message, now });
        }
        (settle, _) => settle,
    };
    if !definition.events.contains_key(&command.event) {
        return Err(Error::UnknownEvent(command.event.clone()));
    }
    let transition = transition
        .ok_or_else(|| Error::EventNotExpected { event: command.event.clone(), state: loaded.row.state.clone() })?;
    let apply = ApplyTransition {
        documents: Vec::new(),
        transition: transition.to_string(),
        actor: Actor::System,
        // A payment's receipt is the engine's to read, not the transition's input.
        input: if settle.is_some() { Json::Null } else { command.payload.clone() },
        expected_version: None,
        term_day: None,
    };
    let origin = Origin::Event {
        event: command.event.clone(),
        message_id: command.message_id.clone(),
        payment: settle
            .as_ref()
            .map(|settle| SettledPayment { name: settle.name.clone(), notice_number: settle.notice.clone() }),
    };
    let decided = decide_transition(loaded, &definition, &apply, &origin, inner.clock.now())?;
    Ok(Decision::Write(Box::new(decided), settle))
}

/// What deciding a command in its committing transaction came to.
enum Decision {
    /// Nothing to write: this is the result (the payment the event reports is already settled).
    Done(Applied),
    /// A payment to settle without a transition (the event fires none in the case's state).
    Record { loaded: Box<Loaded>, settle: payment_events::Settle, message: Message, now: Timestamp },
    /// A transition to write, and the payment it settles.
    Write(Box<Decided>, Option<payment_events::Settle>),
}

/// Decides a command with `decide` and commits it, in one transaction of the writer, unless its
/// idempotency key or message id was taken in before. The case is read in the transaction that
/// writes it: on SQLite that is the writer's own connection (no hop to a reader, and a page cache
/// that stays warm), and no other command can move the case in between; on PostgreSQL the write
/// still checks the version read.
async fn commit<F>(inner: &Arc<Inner>, key: Option<RequestKey>, target: Target, decide: F) -> Result<Applied, Error>
where
    F: for<'a> FnOnce(
            &'a SqlTables<'a, DatabaseTransaction>,
            Option<CaseRow>,
        ) -> BoxFuture<'a, Result<Decision, Error>>
        + Send
        + 'static,
{
    // An event's case is read with its message, in the event's own statement: the writer reads
    // ahead only a transition's case.
    let (case_id, message) = match target {
        Target::Case(id) => (Some(id), None),
        Target::Message(message) => (None, Some(message)),
    };
    let store = inner.clone();
    // The job's own failures before its first write come back inside `Ok`, so that the writer does
    // not take them for a failed transaction and roll back the commands committed with this one: a
    // refusal, or a row found unreadable (a case whose stored data no longer parses, say).
    let outcome = inner
        .writer
        .write_on_case(case_id, move |txn, ahead| {
            Box::pin(async move {
                // A case read ahead comes with where to leave the writes for the group to send.
                let (row, later) = match ahead {
                    Some(ReadAhead { row, later }) => (row, Some(later)),
                    None => (None, None),
                };
                let mut tables = SqlTables::on(txn, &store.definitions, false);
                let decided = async {
                    if let Some(applied) = idempotent_result(&tables, key.as_ref()).await? {
                        return Ok(Decision::Done(applied));
                    }
                    // `decide` looks up the message, if any, as it reads the case.
                    decide(&tables, row).await
                };
                let (decided, settle) = match decided.await {
                    Ok(Decision::Done(applied)) => return Ok(Ok(applied)),
                    Ok(Decision::Record { loaded, settle, message, now }) => {
                        return payment_events::record(txn, &loaded, &settle, &message, now).await.map(Ok);
                    }
                    Ok(Decision::Write(decided, settle)) => (decided, settle),
                    Err(error @ Error::Storage(_)) if !sql::is_unreadable(&error) => return Err(error),
                    Err(refusal) => return Ok(Err(refusal)),
                };
                let now = decided.now;
                let case_id = decided.loaded.row.id;
                // The message is remembered with the transition's own writes (one round trip on SQLite).
                tables.message = message.as_ref();
                tables.later = later.as_ref();
                let applied = write_decided(&tables, *decided).await?;
                if let Some(settle) = &settle
                    && !payments::settle(txn, case_id, &settle.notice, &settle.settlement, now).await?
                {
                    // Settled meanwhile by a concurrent command (only on PostgreSQL, where this
                    // transaction then rolls back): decide again, and find it settled.
                    return Err(Error::StaleCaseVersion { expected: applied.version, current: applied.version });
                }
                store_idempotent_result(&tables, key.as_ref(), &applied, now).await?;
                Ok(Ok(applied))
            })
        })
        .await;
    outcome.and_then(|own| own)
}

/// What a command is about: a case it reads by id, or an event's message (whose case is read with
/// the message's earlier result, if any).
enum Target {
    Case(i64),
    Message(Message),
}

pub async fn processed(conn: &impl ConnectionTrait, message: &Message) -> Result<Option<Applied>, Error> {
    let Some(seen) =
        sql::by_key(processed_event::Entity::find_by_id((message.case_id, message.id.clone())), conn).await?
    else {
        return Ok(None);
    };
    replayed(message, &seen.event, &seen.outcome).map(Some)
}

/// The result `message` came to when it was taken in as `event`: refused if it now names another.
fn replayed(message: &Message, event: &str, outcome: &str) -> Result<Applied, Error> {
    if event != message.event {
        return Err(Error::IdempotencyKeyReused);
    }
    let mut applied: Applied = serde_json::from_str(outcome)
        .map_err(|_| sql::corrupt(format!("case {}: a stored event outcome is not readable", message.case_id)))?;
    applied.replayed = true;
    Ok(applied)
}

/// After a failed commit: the stored result if the same key was committed meanwhile by a concurrent
/// request (on PostgreSQL the loser's insert of the key fails), else the error.
async fn replay_or(
    conn: &impl ConnectionTrait,
    definitions: &super::definitions::Definitions,
    key: Option<&RequestKey>,
    error: Error,
) -> Result<Applied, Error> {
    let tables = SqlTables::on(conn, definitions, false);
    match idempotent_result(&tables, key).await {
        Ok(Some(applied)) => Ok(applied),
        Err(refusal @ Error::IdempotencyKeyReused) => Err(refusal),
        _ => Err(error),
    }
}
