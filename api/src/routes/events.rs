//! External events for a case (`payment.paid`, `documents.received`, …), delivered by a configured
//! integration with its own bearer token, and deduplicated by message id: the same message twice moves
//! the case once and answers the same both times.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Deserialize;
use serde_json::Value as Json;
use sportello_runtime::case::Actor;
use sportello_runtime::error::Error;
use sportello_store::{DeliverEvent, case_id_from_code};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::cases::case_response;
use crate::extract::{JsonBody, bearer};
use crate::problem::{FieldError, Problem};
use crate::state::AppState;

/// The routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(deliver_event))
}

/// An external event.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EventBody {
    /// The sender's id for this message: a second delivery with the same id changes nothing.
    pub message_id: String,
    /// What the event carries (a receipt, …).
    #[schema(value_type = Option<Object>)]
    pub payload: Option<Json>,
}

/// Delivers an external event to a case; integrations only, each for the events it is configured for.
#[utoipa::path(post, path = "/cases/{code}/events/{event}", tag = "events", security(("integration" = [])),
    params(("code" = String, Path, description = "Case code"), ("event" = String, Path, description = "Event name")),
    request_body = EventBody,
    responses((status = 200, body = super::case_view::CaseDto, description = "The case after the event (a system view)"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json")))]
async fn deliver_event(
    State(state): State<AppState>,
    Path((code, event)): Path<(String, String)>,
    headers: HeaderMap,
    JsonBody(body): JsonBody<EventBody>,
) -> Result<Response, Problem> {
    let token = bearer(&headers).ok_or_else(|| Problem::new("missing-token", "send the integration's bearer token"))?;
    let (name, events) =
        state.integrations.find(token).ok_or_else(|| Problem::new("invalid-token", "unknown integration token"))?;
    if !events.contains(&event) {
        return Err(Problem::new("forbidden", format!("integration `{name}` may not deliver `{event}`")));
    }
    if body.message_id.is_empty() || body.message_id.len() > 200 {
        return Err(Problem::new("invalid-input", "message_id must be 1 to 200 characters")
            .with_errors(vec![FieldError { field: "/message_id".into(), message: "1 to 200 characters".into() }]));
    }
    let case_id = case_id_from_code(&code).ok_or_else(|| Problem::from(Error::CaseNotFound))?;
    let stored = state.store.case_summary(case_id).await?;
    if !stored.code.eq_ignore_ascii_case(&code) {
        return Err(Error::CaseNotFound.into());
    }
    let command = DeliverEvent {
        case_id,
        event: event.clone(),
        message_id: format!("{name}:{}", body.message_id),
        payload: body.payload.unwrap_or(Json::Null),
    };
    let workflow = stored.workflow;
    let applied =
        state.store.deliver_event(command).await.inspect_err(|e| state.metrics.transition(&workflow, e.code()))?;
    state.metrics.transition(&workflow, "applied");
    case_response(&state, &Actor::System, applied.case_id, StatusCode::OK, applied.replayed).await
}
