//! Workflows: the catalogue with versions, one workflow's states and transitions with their status
//! texts, its diagram (Mermaid), validation of a YAML file (diagnostics with line and column) and
//! deployment. Anyone signed in may read; analysts validate and deploy.

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use sportello_definition::{self as definition, Definition, Diagnostic, diagram};
use sportello_store::WorkflowVersions;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

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

/// A text in Italian and, where given, English.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TextDto {
    /// Italian.
    pub it: String,
    /// English.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub en: Option<String>,
}

impl From<&definition::model::Text> for TextDto {
    fn from(text: &definition::model::Text) -> Self {
        TextDto { it: text.it.clone(), en: text.en.clone() }
    }
}

/// One deployed version.
#[derive(Debug, Serialize, ToSchema)]
pub struct VersionDto {
    /// The version number.
    pub version: u32,
    /// SHA-256 of its source.
    pub hash: String,
    /// When it was deployed (RFC 3339).
    pub deployed_at: String,
}

/// A workflow in the catalogue.
#[derive(Debug, Serialize, ToSchema)]
pub struct WorkflowSummary {
    /// Its id.
    pub id: String,
    /// Its title (latest version).
    pub title: TextDto,
    /// The owning office.
    pub office: String,
    /// The latest version.
    pub latest_version: u32,
    /// Every version, oldest first.
    pub versions: Vec<VersionDto>,
}

/// A state, as the citizen and the clerk see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct StateDto {
    /// Its id.
    pub id: String,
    /// The status text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<TextDto>,
    /// Who the case waits for in this state.
    pub waiting_for: String,
    /// Whether the case ends here.
    pub is_final: bool,
    /// The outcome of a final state.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
    /// The milestone entering it marks, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub milestone: Option<TextDto>,
}

/// A transition.
#[derive(Debug, Serialize, ToSchema)]
pub struct TransitionDto {
    /// Its name.
    pub name: String,
    /// Its title.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<TextDto>,
    /// The states it leaves.
    pub from: Vec<String>,
    /// The state it enters.
    pub to: String,
    /// Who may apply it (`citizen`, `system`, or a staff role).
    pub by: Vec<String>,
    /// The JSON Schema of its input, if it takes one.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub input: Option<Json>,
}

/// A workflow at one version.
#[derive(Debug, Serialize, ToSchema)]
pub struct WorkflowDetail {
    /// Its id.
    pub id: String,
    /// This version.
    pub version: u32,
    /// Its title.
    pub title: TextDto,
    /// Its description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<TextDto>,
    /// The owning office.
    pub office: String,
    /// The initial state.
    pub initial: String,
    /// States in declaration order.
    pub states: Vec<StateDto>,
    /// Transitions in declaration order.
    pub transitions: Vec<TransitionDto>,
    /// External events and the transitions they fire.
    #[schema(value_type = Object)]
    pub events: Json,
    /// The JSON Schema of the case data.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub data: Option<Json>,
    /// Every deployed version.
    pub versions: Vec<VersionDto>,
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

/// Which version to show.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct VersionQuery {
    /// A version number (default: the latest).
    pub version: Option<u32>,
}

fn versions_dto(versions: &WorkflowVersions) -> Vec<VersionDto> {
    versions
        .versions
        .iter()
        .map(|v| VersionDto { version: v.version, hash: v.hash.clone(), deployed_at: v.deployed_at.to_string() })
        .collect()
}

/// The status-text view of a state's `waiting_for`.
pub fn waiting_for_name(waiting: definition::model::WaitingFor) -> String {
    serde_json::to_value(waiting).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}

fn actor_name(actor: &definition::model::Actor) -> String {
    match actor {
        definition::model::Actor::Citizen => "citizen".to_owned(),
        definition::model::Actor::System => "system".to_owned(),
        definition::model::Actor::Staff(role) => role.clone(),
    }
}

/// A workflow's detail without its versions, for the analysts' page.
pub(crate) fn detail_of(definition: &Definition) -> WorkflowDetail {
    detail(definition, Vec::new())
}

fn detail(definition: &Definition, versions: Vec<VersionDto>) -> WorkflowDetail {
    WorkflowDetail {
        id: definition.id.to_string(),
        version: definition.version,
        title: (&definition.title).into(),
        description: definition.description.as_ref().map(Into::into),
        office: definition.office.clone(),
        initial: definition.initial.to_string(),
        states: definition
            .states
            .iter()
            .map(|(id, s)| StateDto {
                id: id.to_string(),
                status: s.status.as_ref().map(Into::into),
                waiting_for: waiting_for_name(s.waiting_for),
                is_final: s.is_final,
                outcome: s.outcome.and_then(|o| serde_json::to_value(o).ok()?.as_str().map(str::to_owned)),
                milestone: s.milestone.as_ref().map(Into::into),
            })
            .collect(),
        transitions: definition
            .transitions
            .iter()
            .map(|(name, t)| TransitionDto {
                name: name.to_string(),
                title: t.title.as_ref().map(Into::into),
                from: t.from.iter().map(ToString::to_string).collect(),
                to: t.to.to_string(),
                by: t.by.iter().map(actor_name).collect(),
                input: t.input.as_ref().map(|s| s.schema().clone()),
            })
            .collect(),
        events: serde_json::to_value(
            definition
                .events
                .iter()
                .map(|(e, ts)| (e.clone(), ts.iter().map(ToString::to_string).collect::<Vec<_>>()))
                .collect::<indexmap::IndexMap<_, _>>(),
        )
        .unwrap_or_default(),
        data: definition.data.as_ref().map(|s| s.schema().clone()),
        versions,
    }
}

/// The deployed workflows.
#[utoipa::path(get, path = "/workflows", tag = "workflows", security(("bearer" = [])),
    responses((status = 200, body = Vec<WorkflowSummary>), (status = 401, body = Problem, content_type = "application/problem+json")))]
async fn list_workflows(
    State(state): State<AppState>,
    _caller: Caller,
) -> Result<axum::Json<Vec<WorkflowSummary>>, Problem> {
    catalogue(&state).await.map(axum::Json)
}

/// Every deployed workflow at its latest version.
pub(crate) async fn catalogue(state: &AppState) -> Result<Vec<WorkflowSummary>, Problem> {
    let mut out = Vec::new();
    for versions in state.store.workflows().await? {
        let definition = state.store.definition(&versions.workflow, None).await?;
        out.push(WorkflowSummary {
            id: versions.workflow.clone(),
            title: (&definition.title).into(),
            office: definition.office.clone(),
            latest_version: definition.version,
            versions: versions_dto(&versions),
        });
    }
    Ok(out)
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
    let definition = state.store.definition(&id, query.version).await?;
    let versions = state.store.workflows().await?.into_iter().find(|w| w.workflow == id).map(|w| versions_dto(&w));
    Ok(axum::Json(detail(&definition, versions.unwrap_or_default())))
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
    let definition = state.store.definition(&id, query.version).await?;
    Ok(([(header::CONTENT_TYPE, "text/vnd.mermaid; charset=utf-8")], diagram::mermaid(&definition)))
}

fn analyst(caller: &Caller) -> Result<(), Problem> {
    if caller.has_role("analyst") {
        Ok(())
    } else {
        Err(Problem::new("forbidden", "only analysts validate and deploy workflows"))
    }
}

/// Validates a workflow file: every problem with its line and column.
#[utoipa::path(post, path = "/workflows/validate", tag = "workflows", security(("bearer" = [])),
    request_body(content = String, content_type = "application/yaml", description = "The workflow file"),
    responses((status = 200, body = ValidationDto), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 415, body = Problem, content_type = "application/problem+json")))]
async fn validate_workflow(caller: Caller, YamlBody(source): YamlBody) -> Result<axum::Json<ValidationDto>, Problem> {
    analyst(&caller)?;
    let report = definition::load_str(&source, None);
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
    caller: Caller,
    YamlBody(source): YamlBody,
) -> Result<(StatusCode, axum::Json<DeployedDto>), Problem> {
    analyst(&caller)?;
    let deployed = state.store.deploy(&source, None).await?;
    let status = if deployed.changed { StatusCode::CREATED } else { StatusCode::OK };
    Ok((
        status,
        axum::Json(DeployedDto { workflow: deployed.workflow, version: deployed.version, changed: deployed.changed }),
    ))
}
