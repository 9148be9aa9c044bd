//! Cases: open one, read it, apply a transition (`If-Match` with the version, `Idempotency-Key` for
//! safe retries), assign it, and change or delete a draft (its applicant, while it is in its
//! workflow's initial state). Each handler reads the request, calls the use case in
//! [`crate::app::cases`], and answers with the case as the caller sees it, its version as `ETag`.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Map, Value as Json};
use sportello_runtime::case::Actor;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use sportello_store::Applied;

use crate::app::case_view::CaseDto;
use crate::app::cases::{self, NewCase};
use crate::app::drafts;
use crate::extract::{Caller, JsonBody, etag, idempotency_key, if_match};
use crate::problem::Problem;
use crate::state::AppState;

/// The routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(open_case))
        .routes(routes!(get_case, delete_draft))
        .routes(routes!(apply_transition))
        .routes(routes!(assign_case))
        .routes(routes!(update_draft))
}

/// A new application.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OpenCaseBody {
    /// The workflow (its latest version is used).
    pub workflow: String,
    /// The applicant's fiscal code: staff opening on a citizen's behalf must give it; a citizen may
    /// omit it (it is their own).
    pub applicant: Option<String>,
    /// Initial data (a draft), merged into the case.
    #[schema(value_type = Option<Object>)]
    pub data: Option<Json>,
}

/// A new assignee.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignBody {
    /// The user id of a member of staff of the case's office, or null to unassign.
    pub assignee: Option<String>,
}

/// The answer to a command: the case as the caller sees it, with its version as `ETag`.
pub(super) fn case_response(dto: CaseDto, status: StatusCode, replayed: bool) -> Response {
    let code = dto.code.clone();
    let version = dto.version;
    let mut response = (status, axum::Json(dto)).into_response();
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&etag(version)) {
        headers.insert(header::ETAG, value);
    }
    if status == StatusCode::CREATED
        && let Ok(value) = HeaderValue::from_str(&format!("/api/v1/cases/{code}"))
    {
        headers.insert(header::LOCATION, value);
    }
    if replayed {
        headers.insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    response
}

/// The answer to a command that returned `applied`, for `caller`.
pub(super) async fn applied_response(
    state: &AppState,
    caller: &Actor,
    applied: Applied,
    status: StatusCode,
) -> Result<Response, Problem> {
    let replayed = applied.replayed;
    Ok(case_response(cases::after_command(state, caller, applied).await?, status, replayed))
}

/// Opens a case: a draft by the citizen, or by staff of the owning office on a citizen's behalf. A
/// citizen cannot open one outside the workflow's application window (409 `service-closed`).
#[utoipa::path(post, path = "/cases", tag = "cases", security(("bearer" = [])),
    request_body = OpenCaseBody,
    params(("Idempotency-Key" = Option<String>, Header, description = "Retry safely: the same key returns the same case")),
    responses((status = 201, body = CaseDto, description = "Opened"),
        (status = 200, body = CaseDto, description = "A retry with the same Idempotency-Key: the case it opened"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn open_case(
    State(state): State<AppState>,
    Caller(caller): Caller,
    headers: HeaderMap,
    JsonBody(body): JsonBody<OpenCaseBody>,
) -> Result<Response, Problem> {
    let key = idempotency_key(&headers)?;
    let new = NewCase { workflow: body.workflow, applicant: body.applicant, data: body.data };
    let opened = cases::open(&state, &caller, new, key).await?;
    let status = if opened.replayed { StatusCode::OK } else { StatusCode::CREATED };
    applied_response(&state, &caller, opened, status).await
}

/// A case: state, status text, data, clocks, timers and what the caller may do now.
#[utoipa::path(get, path = "/cases/{code}", tag = "cases", security(("bearer" = [])),
    params(("code" = String, Path, description = "Case code")),
    responses((status = 200, body = CaseDto), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn get_case(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(code): Path<String>,
) -> Result<Response, Problem> {
    let dto = cases::case_of(&state, &caller, &code).await?;
    let version = dto.version;
    let mut response = axum::Json(dto).into_response();
    if let Ok(value) = HeaderValue::from_str(&etag(version)) {
        response.headers_mut().insert(header::ETAG, value);
    }
    Ok(response)
}

/// Applies a transition with its input (a JSON object, or no body when it takes none).
#[utoipa::path(post, path = "/cases/{code}/transitions/{transition}", tag = "cases", security(("bearer" = [])),
    params(("code" = String, Path, description = "Case code"), ("transition" = String, Path, description = "Transition name"),
        ("If-Match" = Option<String>, Header, description = "The case version you saw, as an entity tag: \"3\""),
        ("Idempotency-Key" = Option<String>, Header, description = "Retry safely: the same key returns the first result")),
    request_body(content = Option<Object>, description = "The transition's input"),
    responses((status = 200, body = CaseDto), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn apply_transition(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path((code, transition)): Path<(String, String)>,
    headers: HeaderMap,
    JsonBody(input): JsonBody<Json>,
) -> Result<Response, Problem> {
    let expected_version = if_match(&headers)?;
    let key = idempotency_key(&headers)?;
    let applied = cases::apply(&state, &caller, &code, &transition, input, expected_version, key).await?;
    applied_response(&state, &caller, applied, StatusCode::OK).await
}

/// Assigns the case to a member of staff of its office (or unassigns it); staff of the office only.
/// The assignee is the caller themselves or someone the directory of people knows as staff of the
/// case's office (they signed in to the pages, or called the API, with that office).
#[utoipa::path(put, path = "/cases/{code}/assignee", tag = "cases", security(("bearer" = [])),
    params(("code" = String, Path, description = "Case code"),
        ("If-Match" = Option<String>, Header, description = "The case version you saw")),
    request_body = AssignBody,
    responses((status = 200, body = CaseDto), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The assignee is not a member of staff of the case's office, or the body \
            does not have the expected shape (`invalid-input`, naming the field: `/assignee`)",
            body = Problem, content_type = "application/problem+json")))]
async fn assign_case(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(code): Path<String>,
    headers: HeaderMap,
    JsonBody(body): JsonBody<AssignBody>,
) -> Result<Response, Problem> {
    let expected_version = if_match(&headers)?;
    let assigned = cases::assign(&state, &caller, &code, body.assignee, expected_version).await?;
    applied_response(&state, &caller, assigned, StatusCode::OK).await
}

/// Changes the data of a draft: its applicant only, while the case is in its workflow's initial state.
/// The body's fields are set; a field set to `null` is removed.
#[utoipa::path(patch, path = "/cases/{code}/data", tag = "cases", security(("bearer" = [])),
    params(("code" = String, Path, description = "Case code"),
        ("If-Match" = Option<String>, Header, description = "The case version you saw")),
    request_body(content = Object, description = "The fields to set (`null` removes one)"),
    responses((status = 200, body = CaseDto), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json")))]
async fn update_draft(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(code): Path<String>,
    headers: HeaderMap,
    JsonBody(changes): JsonBody<Map<String, Json>>,
) -> Result<Response, Problem> {
    let expected_version = if_match(&headers)?;
    let updated = drafts::update(&state, &caller, &code, changes, expected_version).await?;
    applied_response(&state, &caller, updated, StatusCode::OK).await
}

/// Deletes a draft: its applicant only, while the case is in its workflow's initial state. The case is
/// then found by no one (every read and command answers 404) and its data is cleared; its audit trail
/// stays, ending with the deletion, so the audit chain and the signed checkpoints still verify.
#[utoipa::path(delete, path = "/cases/{code}", tag = "cases", security(("bearer" = [])),
    params(("code" = String, Path, description = "Case code"),
        ("If-Match" = Option<String>, Header, description = "The case version you saw")),
    responses((status = 204, description = "Deleted"),
        (status = 403, body = Problem, content_type = "application/problem+json",
            description = "Staff may not delete a draft (`forbidden`)"),
        (status = 404, body = Problem, content_type = "application/problem+json",
            description = "No such case, or not yours (`case-not-found`)"),
        (status = 409, body = Problem, content_type = "application/problem+json",
            description = "The case was sent and is no longer a draft (`transition-not-allowed`), or it changed since the version in If-Match (`stale-case-version`)")))]
async fn delete_draft(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(code): Path<String>,
    headers: HeaderMap,
) -> Result<StatusCode, Problem> {
    let expected_version = if_match(&headers)?;
    drafts::delete(&state, &caller, &code, expected_version).await?;
    Ok(StatusCode::NO_CONTENT)
}
