//! External events for a case (`payment.paid`, `documents.received`, …), delivered by a configured
//! integration, each only the events it is configured for, and deduplicated by message id: the same
//! message twice moves the case once and answers the same both times.

use serde_json::Value as Json;
use sportello_runtime::error::Error as EngineError;
use sportello_store::{Applied, DeliverEvent, case_id_from_code};

use super::Error;
use crate::state::AppState;

/// An event as an integration sent it.
#[derive(Debug, Clone)]
pub struct Event {
    /// The event's name.
    pub name: String,
    /// The sender's id for this message: a second delivery with the same id changes nothing.
    pub message_id: String,
    /// What the event carries (a receipt, …).
    pub payload: Option<Json>,
}

/// Delivers `event` to the case `code` for the integration `integration`, which may deliver the
/// events in `allowed`.
pub async fn deliver(
    state: &AppState,
    integration: &str,
    allowed: &[String],
    code: &str,
    event: Event,
) -> Result<Applied, Error> {
    if !allowed.contains(&event.name) {
        return Err(Error::forbidden(format!("integration `{integration}` may not deliver `{}`", event.name)));
    }
    if event.message_id.is_empty() || event.message_id.len() > 200 {
        return Err(Error::invalid_field(
            "message_id must be 1 to 200 characters",
            "/message_id",
            "1 to 200 characters",
        ));
    }
    let case_id = case_id_from_code(code).ok_or(Error::NotFound(EngineError::CaseNotFound))?;
    let stored = state.store.case_summary(case_id).await?;
    if !stored.code.eq_ignore_ascii_case(code) {
        return Err(Error::NotFound(EngineError::CaseNotFound));
    }
    let command = DeliverEvent {
        case_id,
        event: event.name,
        message_id: format!("{integration}:{}", event.message_id),
        payload: event.payload.unwrap_or(Json::Null),
    };
    let workflow = stored.workflow;
    let applied =
        state.store.deliver_event(command).await.inspect_err(|e| state.metrics.transition(&workflow, e.code()))?;
    state.metrics.transition(&workflow, "applied");
    Ok(applied)
}
