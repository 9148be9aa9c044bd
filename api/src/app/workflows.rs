//! Workflows as both adapters show them: the catalogue with every deployed version, one workflow's
//! states and transitions with their status texts (the shared text and state views live here too),
//! a workflow's definition at a version, and, for analysts, validating and deploying a workflow file.

use std::sync::Arc;

use serde::Serialize;
use serde_json::Value as Json;
use sportello_definition::{self as definition, Definition, Report};
use sportello_runtime::case::Actor;
use sportello_store::{Deployed, WorkflowVersions};
use utoipa::ToSchema;

use super::Error;
use crate::state::AppState;

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
pub fn detail_of(definition: &Definition) -> WorkflowDetail {
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

/// Every deployed workflow at its latest version.
pub async fn catalogue(state: &AppState) -> Result<Vec<WorkflowSummary>, Error> {
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

/// The workflow `id` at `version` (default: the latest).
pub async fn definition(state: &AppState, id: &str, version: Option<u32>) -> Result<Arc<Definition>, Error> {
    Ok(state.store.definition(id, version).await?)
}

/// Every deployed workflow's latest definition.
pub async fn latest_definitions(state: &AppState) -> Result<Vec<Arc<Definition>>, Error> {
    let mut out = Vec::new();
    for versions in state.store.workflows().await? {
        out.push(state.store.definition(&versions.workflow, None).await?);
    }
    Ok(out)
}

/// The workflow `id` at `version` (default: the latest), with every deployed version.
pub async fn workflow(state: &AppState, id: &str, version: Option<u32>) -> Result<WorkflowDetail, Error> {
    let definition = state.store.definition(id, version).await?;
    let versions = state.store.workflows().await?.into_iter().find(|w| w.workflow == id).map(|w| versions_dto(&w));
    Ok(detail(&definition, versions.unwrap_or_default()))
}

fn analyst(actor: &Actor) -> Result<(), Error> {
    if matches!(actor, Actor::Staff { roles, .. } if roles.iter().any(|r| r == "analyst")) {
        Ok(())
    } else {
        Err(Error::forbidden("only analysts validate and deploy workflows"))
    }
}

/// Validates a workflow file for an analyst: every problem with its line and column.
pub fn validate(actor: &Actor, source: &str) -> Result<Report, Error> {
    analyst(actor)?;
    Ok(definition::load_str(source, None))
}

/// Deploys a workflow file for an analyst: a changed source becomes the next version; the same
/// source changes nothing.
pub async fn deploy(state: &AppState, actor: &Actor, source: &str) -> Result<Deployed, Error> {
    analyst(actor)?;
    Ok(state.store.deploy(source, None).await?)
}
