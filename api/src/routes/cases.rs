//! Cases: open one, read it, apply a transition (`If-Match` with the version, `Idempotency-Key` for
//! safe retries), and assign it. Each handler turns the request into an engine command, lets the store
//! run it as one transaction, and answers with the case as the caller sees it.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::Value as Json;
use sportello_runtime::case::Actor;
use sportello_runtime::error::Error;
use sportello_runtime::transition::ApplyTransition;
use sportello_store::{Apply, Assign, OpenCase};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::access::{denied, visible_case, visible_summary};
use super::case_view::{CaseDto, case_dto};
use super::effects_view;
use crate::extract::{Caller, JsonBody, etag, idempotency_key, if_match};
use crate::problem::{FieldError, Problem};
use crate::state::AppState;

/// The routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(open_case))
        .routes(routes!(get_case))
        .routes(routes!(apply_transition))
        .routes(routes!(assign_case))
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
    /// The clerk's user id, or null to unassign.
    pub assignee: Option<String>,
}

/// The case as the caller sees it, with its version as `ETag`.
pub(super) async fn case_response(
    state: &AppState,
    caller: &Actor,
    case_id: i64,
    status: StatusCode,
    replayed: bool,
) -> Result<Response, Problem> {
    let stored = state.store.case(case_id).await?;
    let definition = state.store.definition(stored.case.workflow.as_str(), Some(stored.case.workflow_version)).await?;
    let dto = case_dto(&definition, &stored, caller);
    let mut response = (status, axum::Json(dto)).into_response();
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&etag(stored.case.version)) {
        headers.insert(header::ETAG, value);
    }
    if status == StatusCode::CREATED
        && let Ok(value) = HeaderValue::from_str(&format!("/api/v1/cases/{}", stored.case.code))
    {
        headers.insert(header::LOCATION, value);
    }
    if replayed {
        headers.insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    Ok(response)
}

/// Opens a case: a draft by the citizen, or by staff of the owning office on a citizen's behalf.
#[utoipa::path(post, path = "/cases", tag = "cases", security(("bearer" = [])),
    request_body = OpenCaseBody,
    params(("Idempotency-Key" = Option<String>, Header, description = "Retry safely: the same key returns the same case")),
    responses((status = 201, body = CaseDto), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn open_case(
    State(state): State<AppState>,
    Caller(caller): Caller,
    headers: HeaderMap,
    JsonBody(body): JsonBody<OpenCaseBody>,
) -> Result<Response, Problem> {
    let key = idempotency_key(&headers)?;
    let opened = open(&state, &caller, body, key).await?;
    let status = if opened.replayed { StatusCode::OK } else { StatusCode::CREATED };
    case_response(&state, &caller, opened.case_id, status, opened.replayed).await
}

/// Opens a case for `caller` (the pages share it with the API).
pub(crate) async fn open(
    state: &AppState,
    caller: &Actor,
    body: OpenCaseBody,
    key: Option<String>,
) -> Result<sportello_store::Applied, Problem> {
    let applicant = match (caller, body.applicant) {
        (Actor::Citizen { fiscal_code }, None) => fiscal_code.clone(),
        (Actor::Citizen { fiscal_code }, Some(given)) if given.eq_ignore_ascii_case(fiscal_code) => fiscal_code.clone(),
        (Actor::Citizen { .. }, Some(_)) => {
            return Err(Problem::new("forbidden", "a citizen opens cases only for themselves"));
        }
        (_, Some(given)) => match sportello_definition::codice_fiscale::CodiceFiscale::parse(&given) {
            Ok(code) => code.as_str().to_owned(),
            Err(error) => {
                return Err(Problem::new("invalid-input", "the applicant's fiscal code is not valid")
                    .with_errors(vec![FieldError { field: "/applicant".into(), message: error.to_string() }]));
            }
        },
        (_, None) => {
            return Err(Problem::new("invalid-input", "staff must name the applicant").with_errors(vec![FieldError {
                field: "/applicant".into(),
                message: "required when staff open a case".into(),
            }]));
        }
    };
    let command = OpenCase {
        workflow: body.workflow.clone(),
        applicant,
        actor: caller.clone(),
        data: body.data.unwrap_or(Json::Object(Default::default())),
        idempotency_key: key,
    };
    let opened =
        state.store.open_case(command).await.inspect_err(|e| state.metrics.transition(&body.workflow, e.code()));
    let opened = opened?;
    state.metrics.transition(&body.workflow, "opened");
    Ok(opened)
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
    let dto = case_of(&state, &caller, &code).await?;
    let version = dto.version;
    let mut response = axum::Json(dto).into_response();
    if let Ok(value) = HeaderValue::from_str(&etag(version)) {
        response.headers_mut().insert(header::ETAG, value);
    }
    Ok(response)
}

/// The case `code` as `caller` sees it, with its payments and effects.
pub(crate) async fn case_of(state: &AppState, caller: &Actor, code: &str) -> Result<CaseDto, Problem> {
    let (stored, definition) = visible_case(state, caller, code, "read").await?;
    let mut dto = case_dto(&definition, &stored, caller);
    let payments = state.store.case_payments(stored.id).await?;
    dto.payments = Some(effects_view::payments(&payments, state.creditor.as_deref()));
    dto.effects = Some(effects_view::effects(&state.store.case_effects(stored.id).await?, caller));
    Ok(dto)
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
    let applied = apply(&state, &caller, &code, &transition, input, expected_version, key).await?;
    case_response(&state, &caller, applied.case_id, StatusCode::OK, applied.replayed).await
}

/// Applies `transition` to the case `code` for `caller` (the pages share it with the API).
pub(crate) async fn apply(
    state: &AppState,
    caller: &Actor,
    code: &str,
    transition: &str,
    input: Json,
    expected_version: Option<u64>,
    key: Option<String>,
) -> Result<sportello_store::Applied, Problem> {
    let stored = visible_summary(state, caller, code, &format!("apply:{transition}")).await?;
    let workflow = stored.workflow.clone();
    let command = Apply {
        case_id: stored.id,
        command: ApplyTransition {
            transition: transition.to_owned(),
            actor: caller.clone(),
            input,
            expected_version,
            term_day: None,
        },
        idempotency_key: key,
    };
    match state.store.apply(command).await {
        Ok(applied) => {
            state.metrics.transition(&workflow, "applied");
            Ok(applied)
        }
        Err(error) => {
            state.metrics.transition(&workflow, error.code());
            if matches!(error, Error::ActorNotAllowed { .. } | Error::CaseNotFound) {
                denied(state, stored.id, caller, &format!("apply:{transition}"), error.code()).await;
            }
            Err(error.into())
        }
    }
}

/// Assigns the case to a clerk of its office (or unassigns it); staff of the office only.
#[utoipa::path(put, path = "/cases/{code}/assignee", tag = "cases", security(("bearer" = [])),
    params(("code" = String, Path, description = "Case code"),
        ("If-Match" = Option<String>, Header, description = "The case version you saw")),
    request_body = AssignBody,
    responses((status = 200, body = CaseDto), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json")))]
async fn assign_case(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(code): Path<String>,
    headers: HeaderMap,
    JsonBody(body): JsonBody<AssignBody>,
) -> Result<Response, Problem> {
    let expected_version = if_match(&headers)?;
    let case_id = assign(&state, &caller, &code, body.assignee, expected_version).await?;
    case_response(&state, &caller, case_id, StatusCode::OK, false).await
}

/// Assigns the case `code` to `assignee` (or unassigns it) for `caller`; the case's id.
pub(crate) async fn assign(
    state: &AppState,
    caller: &Actor,
    code: &str,
    assignee: Option<String>,
    expected_version: Option<u64>,
) -> Result<i64, Problem> {
    let stored = visible_summary(state, caller, code, "assign").await?;
    if !matches!(caller, Actor::Staff { .. }) {
        denied(state, stored.id, caller, "assign", "forbidden").await;
        return Err(Problem::new("forbidden", "only staff of the office assign cases"));
    }
    if let Some(assignee) = &assignee
        && (assignee.is_empty() || assignee.len() > 200)
    {
        return Err(Problem::new("invalid-input", "the assignee must be a user id")
            .with_errors(vec![FieldError { field: "/assignee".into(), message: "1 to 200 characters".into() }]));
    }
    let applied =
        state.store.assign(Assign { case_id: stored.id, assignee, actor: caller.clone(), expected_version }).await?;
    Ok(applied.case_id)
}
