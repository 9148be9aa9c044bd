//! External events for a case (`payment.paid`, `documents.received`, …), delivered by a configured
//! integration with its own bearer token, and deduplicated by message id: the same message twice moves
//! the case once and answers the same both times. The token names the integration here; the rest is
//! [`crate::app::events`].

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Deserialize;
use serde_json::Value as Json;
use sportello_runtime::case::Actor;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::cases::applied_response;
use crate::app::events::{self, Event};
use crate::extract::{JsonBody, bearer};
use crate::problem::Problem;
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
    responses((status = 200, body = crate::app::case_view::CaseDto, description = "The case after the event (a system view)"),
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
    let (name, allowed) =
        state.integrations.find(token).ok_or_else(|| Problem::new("invalid-token", "unknown integration token"))?;
    let delivered = Event { name: event, message_id: body.message_id, payload: body.payload };
    let applied = events::deliver(&state, name, allowed, &code, delivered).await?;
    applied_response(&state, &Actor::System, applied, StatusCode::OK).await
}
