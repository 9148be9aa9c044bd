//! `GET /cases/{code}/timeline`, the citizen's timeline of a case, `GET /cases/{code}/audit`, the
//! staff's audit trail, both read through [`crate::app::timeline`], and `GET /cases/{code}/messages`,
//! the messages sent for the case as they went out ([`crate::app::messages`]).

use axum::extract::{Path, State};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::messages::{self, MessageDto};
use crate::app::timeline::{self, AuditEntryDto, TimelineDto};
use crate::extract::Caller;
use crate::problem::Problem;
use crate::state::AppState;

/// The routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(timeline)).routes(routes!(audit_trail)).routes(routes!(messages))
}

/// The case's timeline: status, milestones with dates, legal due date and what is expected of the
/// citizen.
#[utoipa::path(get, path = "/cases/{code}/timeline", tag = "cases", security(("bearer" = [])),
    params(("code" = String, Path, description = "Case code")),
    responses((status = 200, body = TimelineDto), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn timeline(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(code): Path<String>,
) -> Result<axum::Json<TimelineDto>, Problem> {
    Ok(axum::Json(timeline::timeline(&state, &caller, &code).await?))
}

/// The case's audit trail, every entry as stored (staff of the office only).
#[utoipa::path(get, path = "/cases/{code}/audit", tag = "cases", security(("bearer" = [])),
    params(("code" = String, Path, description = "Case code")),
    responses((status = 200, body = Vec<AuditEntryDto>), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn audit_trail(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(code): Path<String>,
) -> Result<axum::Json<Vec<AuditEntryDto>>, Problem> {
    Ok(axum::Json(timeline::audit_trail(&state, &caller, &code).await?))
}

/// The messages sent for the case: channel, when, subject and body as sent. The applicant reads those
/// delivered; staff of the office every one, pending and failed ones included.
#[utoipa::path(get, path = "/cases/{code}/messages", tag = "cases", security(("bearer" = [])),
    params(("code" = String, Path, description = "Case code")),
    responses((status = 200, body = Vec<MessageDto>), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn messages(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(code): Path<String>,
) -> Result<axum::Json<Vec<MessageDto>>, Problem> {
    Ok(axum::Json(messages::messages(&state, &caller, &code).await?))
}
