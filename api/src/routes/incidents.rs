//! A clerk's actions on an incident (an effect whose retry budget is spent, or that the remote system
//! refused): retry it (delivered again from now, with a fresh budget, under the same idempotency key)
//! or dismiss it (not delivered), through [`crate::app::incidents`]. Both are written to the case's
//! audit chain. Only staff of the case's office.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use sportello_runtime::case::Actor;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::cases::case_response;
use crate::app::cases;
use crate::app::incidents::{self, IncidentAction};
use crate::extract::Caller;
use crate::problem::Problem;
use crate::state::AppState;

/// The routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(retry_incident)).routes(routes!(dismiss_incident))
}

/// Delivers an incident's effect again, from now, with a fresh retry budget.
#[utoipa::path(post, path = "/cases/{code}/incidents/{id}/retry", tag = "cases", security(("bearer" = [])),
    params(("code" = String, Path, description = "Case code"), ("id" = String, Path, description = "The effect's id, from the case's `effects`")),
    responses((status = 200, body = crate::app::case_view::CaseDto, description = "The case"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn retry_incident(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path((code, id)): Path<(String, String)>,
) -> Result<Response, Problem> {
    act(state, caller, code, id, IncidentAction::Retry).await
}

/// Closes an incident without delivering its effect.
#[utoipa::path(post, path = "/cases/{code}/incidents/{id}/dismiss", tag = "cases", security(("bearer" = [])),
    params(("code" = String, Path, description = "Case code"), ("id" = String, Path, description = "The effect's id, from the case's `effects`")),
    responses((status = 200, body = crate::app::case_view::CaseDto, description = "The case"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn dismiss_incident(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path((code, id)): Path<(String, String)>,
) -> Result<Response, Problem> {
    act(state, caller, code, id, IncidentAction::Dismiss).await
}

async fn act(
    state: AppState,
    caller: Actor,
    code: String,
    id: String,
    action: IncidentAction,
) -> Result<Response, Problem> {
    let case_id = incidents::handle(&state, &caller, &code, &id, action).await?;
    Ok(case_response(cases::current(&state, &caller, case_id).await?, StatusCode::OK, false))
}
