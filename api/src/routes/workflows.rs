//! Workflows: the catalogue with versions, one workflow's states and transitions with their status
//! texts, its diagram (Mermaid), validation of a YAML file (diagnostics with line and column) and
//! deployment. Anyone signed in may read; analysts validate and deploy. The use cases are in
//! [`crate::app::workflows`]; here are the routes and the answers only the API gives.

use std::num::NonZeroU32;

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use sportello_definition::{Diagnostic, diagram};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::workflows::{self, WorkflowDetail, WorkflowSummary};
use crate::extract::{Caller, QueryParams, YamlBody};
use crate::problem::Problem;
use crate::state::AppState;

/// The routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_workflows, deploy_workflow))
        .routes(routes!(get_workflow))
        .routes(routes!(workflow_diagram))
        .routes(routes!(validate_workflow))
}

/// The result of validating a workflow file.
#[derive(Debug, Serialize, ToSchema)]
pub struct ValidationDto {
    /// Whether it validates (warnings allowed).
    pub valid: bool,
    /// Its workflow id, if it could be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workflow: Option<String>,
    /// Every problem, with line and column.
    #[schema(value_type = Vec<Object>)]
    pub diagnostics: Vec<Diagnostic>,
}

/// A deployment.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeployedDto {
    /// The workflow.
    pub workflow: String,
    /// The version now latest.
    pub version: u32,
    /// Whether this deploy made a new version (false: the same source was already deployed).
    pub changed: bool,
}

/// Which version to show: a query parameter (versions count from 1; `0` is refused naming it).
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct VersionQuery {
    /// A version number, from 1 (default: the latest).
    #[param(minimum = 1, value_type = Option<u32>)]
    pub version: Option<NonZeroU32>,
}

/// The deployed workflows.
#[utoipa::path(get, path = "/workflows", tag = "workflows", security(("bearer" = [])),
    responses((status = 200, body = Vec<WorkflowSummary>), (status = 401, body = Problem, content_type = "application/problem+json")))]
async fn list_workflows(
    State(state): State<AppState>,
    _caller: Caller,
) -> Result<axum::Json<Vec<WorkflowSummary>>, Problem> {
    Ok(axum::Json(workflows::catalogue(&state).await?))
}

/// One workflow: states with status texts, transitions, events, data schema and versions.
#[utoipa::path(get, path = "/workflows/{id}", tag = "workflows", security(("bearer" = [])),
    params(("id" = String, Path, description = "Workflow id"), VersionQuery),
    responses((status = 200, body = WorkflowDetail), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn get_workflow(
    State(state): State<AppState>,
    _caller: Caller,
    Path(id): Path<String>,
    QueryParams(query): QueryParams<VersionQuery>,
) -> Result<axum::Json<WorkflowDetail>, Problem> {
    Ok(axum::Json(workflows::workflow(&state, &id, query.version.map(NonZeroU32::get)).await?))
}

/// The workflow's state diagram in Mermaid.
#[utoipa::path(get, path = "/workflows/{id}/diagram", tag = "workflows", security(("bearer" = [])),
    params(("id" = String, Path, description = "Workflow id"), VersionQuery),
    responses((status = 200, description = "Mermaid source", body = String, content_type = "text/vnd.mermaid"),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn workflow_diagram(
    State(state): State<AppState>,
    _caller: Caller,
    Path(id): Path<String>,
    QueryParams(query): QueryParams<VersionQuery>,
) -> Result<impl IntoResponse, Problem> {
    let definition = workflows::definition(&state, &id, query.version.map(NonZeroU32::get)).await?;
    Ok(([(header::CONTENT_TYPE, "text/vnd.mermaid; charset=utf-8")], diagram::mermaid(&definition)))
}

/// Validates a workflow file: every problem with its line and column.
#[utoipa::path(post, path = "/workflows/validate", tag = "workflows", security(("bearer" = [])),
    request_body(content = String, content_type = "application/yaml", description = "The workflow file"),
    responses((status = 200, body = ValidationDto), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 415, body = Problem, content_type = "application/problem+json")))]
async fn validate_workflow(
    Caller(caller): Caller,
    YamlBody(source): YamlBody,
) -> Result<axum::Json<ValidationDto>, Problem> {
    let report = workflows::validate(&caller, &source)?;
    Ok(axum::Json(ValidationDto {
        valid: report.is_valid(),
        workflow: report.definition.as_ref().map(|d| d.id.to_string()),
        diagnostics: report.diagnostics,
    }))
}

/// Deploys a workflow file: a changed source becomes the next version; the same source is a no-op.
#[utoipa::path(post, path = "/workflows", tag = "workflows", security(("bearer" = [])),
    request_body(content = String, content_type = "application/yaml", description = "The workflow file"),
    responses((status = 201, body = DeployedDto), (status = 200, body = DeployedDto, description = "Already deployed"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn deploy_workflow(
    State(state): State<AppState>,
    Caller(caller): Caller,
    YamlBody(source): YamlBody,
) -> Result<(StatusCode, axum::Json<DeployedDto>), Problem> {
    let deployed = workflows::deploy(&state, &caller, &source).await?;
    let status = if deployed.changed { StatusCode::CREATED } else { StatusCode::OK };
    Ok((
        status,
        axum::Json(DeployedDto { workflow: deployed.workflow, version: deployed.version, changed: deployed.changed }),
    ))
}
