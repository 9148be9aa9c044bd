//! The commands that change a case, each run inside one transaction by the writer: open a case, apply
//! a transition, take in an external event. Each reads what it needs, lets the runtime decide, and
//! writes through [`rows::save`]; a client's idempotency key and an event's message id are checked and
//! remembered in the same transaction.

use jiff::Timestamp;
use sea_orm::ActiveValue::Set;
use sea_orm::{ConnectionTrait, EntityTrait};
use serde_json::{Value as Json, json};

use super::entities::{case, idempotency_key, processed_event};
use super::rows::{self, Change, micros, sha256_hex};
use super::{Inner, db};
use crate::definition::Definition;
use crate::error::Error;
use crate::runtime::audit::{GENESIS, canonical_json};
use crate::runtime::case::{Actor, Case};
use crate::runtime::clock::civil_day;
use crate::runtime::transition::{self, ApplyTransition};
use crate::store::types::{Applied, Apply, DeliverEvent, OpenCase, actor_scope, case_code};

/// Opens a case on the workflow's latest version, in its initial state.
pub async fn open_case(conn: &impl ConnectionTrait, inner: &Inner, command: OpenCase) -> Result<Applied, Error> {
    let request = json!({"open": command.workflow, "applicant": command.applicant, "data": command.data});
    let key = command.idempotency_key.as_deref().map(|k| (actor_scope(&command.actor), k, request_hash(&request)));
    if let Some(applied) = remembered(conn, key.as_ref()).await? {
        return Ok(applied);
    }
    let definition = inner.definitions.latest(conn, &command.workflow).await?;
    let allowed = match &command.actor {
        Actor::Citizen { fiscal_code } => *fiscal_code == command.applicant,
        Actor::Staff { offices, .. } => offices.contains(&definition.office),
        Actor::System => false,
    };
    if !allowed {
        return Err(Error::ActorNotAllowed { actor: command.actor.describe(), transition: "open".to_owned() });
    }
    if !command.data.is_object() {
        return Err(Error::InvalidInput(vec![(String::new(), "the case data must be a JSON object".to_owned())]));
    }
    let now = inner.clock.now();
    let today = civil_day(now);
    let mut row = case::Model {
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
        opened_at: micros(now),
        updated_at: micros(now),
        audit_sequence: 0,
        audit_hash: GENESIS.to_owned(),
    };
    let mut insert: case::ActiveModel = row.clone().into();
    insert.id = sea_orm::ActiveValue::NotSet;
    row.id = case::Entity::insert(insert).exec(conn).await.map_err(db)?.last_insert_id;
    let id = row.id;
    let before = rows::Loaded::from_row(row)?;
    let draft = Case { code: case_code(&definition.id, today, id), ..before.case.clone() };
    let (opened, effects) = transition::open(&definition, &draft, today)?;
    let audit = json!({
        "command": "open",
        "actor": command.actor.describe(),
        "workflow": definition.id.as_str(),
        "workflow_version": definition.version,
        "to": opened.state.as_str(),
        "data_sha256": sha256_hex(&before.row.data),
        "at": now.to_string(),
        "on": today.to_string(),
        "outcome": "applied",
    });
    let applied = rows::save(conn, Change { before: &before.row, after: opened, audit, effects, now }).await?;
    remember(conn, key.as_ref(), &applied, now).await?;
    Ok(applied)
}

/// Applies a transition to a case.
pub async fn apply(conn: &impl ConnectionTrait, inner: &Inner, command: Apply) -> Result<Applied, Error> {
    let Apply { case_id, command, idempotency_key } = command;
    let request = json!({"case": case_id, "transition": command.transition, "input": command.input,
        "expected_version": command.expected_version});
    let key = idempotency_key.as_deref().map(|k| (actor_scope(&command.actor), k, request_hash(&request)));
    if let Some(applied) = remembered(conn, key.as_ref()).await? {
        return Ok(applied);
    }
    let applied = decide_and_save(conn, inner, case_id, &command, json!({"command": "apply"})).await?;
    remember(conn, key.as_ref(), &applied, inner.clock.now()).await?;
    Ok(applied)
}

/// Takes in an external event: the transition it fires from the case's state, applied by the system.
pub async fn deliver_event(
    conn: &impl ConnectionTrait,
    inner: &Inner,
    command: DeliverEvent,
) -> Result<Applied, Error> {
    let seen = processed_event::Entity::find_by_id((command.case_id, command.message_id.clone()))
        .one(conn)
        .await
        .map_err(db)?;
    if let Some(seen) = seen {
        if seen.event != command.event {
            return Err(Error::IdempotencyKeyReused);
        }
        let mut applied: Applied = serde_json::from_str(&seen.outcome)
            .map_err(|_| rows::corrupt(format!("case {}: a stored event outcome is not readable", command.case_id)))?;
        applied.replayed = true;
        return Ok(applied);
    }
    let loaded = rows::load(conn, command.case_id).await?;
    let definition = inner.definitions.get(conn, &loaded.row.workflow, loaded.row.workflow_version as u32).await?;
    if !definition.events.contains_key(&command.event) {
        return Err(Error::UnknownEvent(command.event));
    }
    let transition = definition
        .event_transition(&command.event, &loaded.row.state)
        .ok_or_else(|| Error::EventNotExpected { event: command.event.clone(), state: loaded.row.state.clone() })?;
    let apply = ApplyTransition {
        transition: transition.to_string(),
        actor: Actor::System,
        input: command.payload.clone(),
        expected_version: None,
        term_day: None,
    };
    let context = json!({"command": "event", "event": command.event, "message_id": command.message_id});
    let applied = decide_and_save_loaded(conn, inner, loaded, &definition, &apply, context).await?;
    let now = inner.clock.now();
    let row = processed_event::ActiveModel {
        case_id: Set(command.case_id),
        message_id: Set(command.message_id),
        event: Set(command.event),
        outcome: Set(serde_json::to_string(&applied).expect("an outcome serialises")),
        received_at: Set(micros(now)),
    };
    processed_event::Entity::insert(row).exec_without_returning(conn).await.map_err(db)?;
    Ok(applied)
}

/// Reads the case, lets the runtime decide, writes the outcome; `context` says which command it was
/// and is merged into the audit entry.
pub async fn decide_and_save(
    conn: &impl ConnectionTrait,
    inner: &Inner,
    case_id: i64,
    command: &ApplyTransition,
    context: Json,
) -> Result<Applied, Error> {
    let loaded = rows::load(conn, case_id).await?;
    let definition = inner.definitions.get(conn, &loaded.row.workflow, loaded.row.workflow_version as u32).await?;
    decide_and_save_loaded(conn, inner, loaded, &definition, command, context).await
}

/// [`decide_and_save`] on a case already read.
async fn decide_and_save_loaded(
    conn: &impl ConnectionTrait,
    inner: &Inner,
    loaded: rows::Loaded,
    definition: &Definition,
    command: &ApplyTransition,
    context: Json,
) -> Result<Applied, Error> {
    let now = inner.clock.now();
    let outcome = transition::apply(definition, &loaded.case, command, civil_day(now))?;
    let mut audit = outcome.audit.body();
    if let (Json::Object(audit), Json::Object(context)) = (&mut audit, context) {
        audit.extend(context);
        audit.insert("at".into(), json!(now.to_string()));
        audit.insert("data_sha256".into(), json!(sha256_hex(&loaded.row.data)));
        audit.insert("version".into(), json!(outcome.case.version));
        audit.insert("outcome".into(), json!("applied"));
    }
    rows::save(conn, Change { before: &loaded.row, after: outcome.case, audit, effects: outcome.effects, now }).await
}

type Key<'a> = (String, &'a str, String);

/// The request's fingerprint: the same JSON with its keys in another order is the same request.
fn request_hash(request: &Json) -> String {
    sha256_hex(&canonical_json(request))
}

async fn remembered(conn: &impl ConnectionTrait, key: Option<&Key<'_>>) -> Result<Option<Applied>, Error> {
    let Some((scope, key, hash)) = key else { return Ok(None) };
    let Some(row) =
        idempotency_key::Entity::find_by_id((scope.clone(), (*key).to_owned())).one(conn).await.map_err(db)?
    else {
        return Ok(None);
    };
    if row.request_hash != *hash {
        return Err(Error::IdempotencyKeyReused);
    }
    let mut applied: Applied = serde_json::from_str(&row.response)
        .map_err(|_| rows::corrupt("a stored idempotent response is not readable".to_owned()))?;
    applied.replayed = true;
    Ok(Some(applied))
}

async fn remember(
    conn: &impl ConnectionTrait,
    key: Option<&Key<'_>>,
    applied: &Applied,
    now: Timestamp,
) -> Result<(), Error> {
    let Some((scope, key, hash)) = key else { return Ok(()) };
    let row = idempotency_key::ActiveModel {
        scope: Set(scope.clone()),
        key: Set((*key).to_owned()),
        request_hash: Set(hash.clone()),
        response: Set(serde_json::to_string(applied).expect("an outcome serialises")),
        created_at: Set(micros(now)),
    };
    idempotency_key::Entity::insert(row).exec_without_returning(conn).await.map_err(db)?;
    Ok(())
}
