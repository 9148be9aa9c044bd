//! The clerk's worklist: the cases waiting for their offices, soonest legal due date first, with
//! counts per state and overdue counts, and the open incidents of their offices' cases.

use serde::Serialize;
use sportello_definition::model::WaitingFor;
use sportello_runtime::case::Actor;
use sportello_store::CaseQuery;
use utoipa::ToSchema;

use super::Error;
use super::effects_view::{EffectDto, effects};
use super::search::{CaseListItem, items, last_day};
use super::workflows::TextDto;
use crate::state::AppState;

/// Which page of the worklist.
#[derive(Debug, Clone, Default)]
pub struct WorklistPage {
    /// Only this office (one of the clerk's).
    pub office: Option<String>,
    /// The `next` cursor of the previous page.
    pub cursor: Option<String>,
    /// Page size (1 to 200, default 50).
    pub limit: Option<u32>,
}

/// Cases in one state of a worklist.
#[derive(Debug, Serialize, ToSchema)]
pub struct StateCountDto {
    /// Workflow.
    pub workflow: String,
    /// The workflow's title.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<TextDto>,
    /// State.
    pub state: String,
    /// Status text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<TextDto>,
    /// Cases in it.
    pub count: u64,
    /// Of which overdue.
    pub overdue: u64,
    /// The soonest due date among them.
    pub earliest_due: Option<String>,
}

/// The clerk's worklist.
#[derive(Debug, Serialize, ToSchema)]
pub struct WorklistDto {
    /// Counts per workflow and state.
    pub counts: Vec<StateCountDto>,
    /// Cases waiting for the office.
    pub total: u64,
    /// Of which overdue.
    pub overdue: u64,
    /// One page of them, soonest due first.
    pub items: Vec<CaseListItem>,
    /// The cursor of the next page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
    /// Open incidents of the offices' cases (deliveries that failed for good), newest first, at most 50:
    /// retry or dismiss each at `POST /cases/{code}/incidents/{id}/retry|dismiss`.
    pub incidents: Vec<IncidentDto>,
}

/// An open incident.
#[derive(Debug, Serialize, ToSchema)]
pub struct IncidentDto {
    /// The case's code.
    pub code: String,
    /// The case's workflow.
    pub workflow: String,
    /// The workflow version the case runs on.
    pub workflow_version: u32,
    /// The effect that failed.
    pub effect: EffectDto,
}

/// The worklist of `actor`'s offices (or of the one `page` names).
pub async fn worklist(state: &AppState, actor: &Actor, page: WorklistPage) -> Result<WorklistDto, Error> {
    let Actor::Staff { offices, .. } = actor else {
        return Err(Error::forbidden("the worklist is for staff"));
    };
    let offices: Vec<String> = match &page.office {
        Some(office) if offices.contains(office) => vec![office.clone()],
        Some(office) => return Err(Error::forbidden(format!("you do not work for office `{office}`"))),
        None => offices.clone(),
    };
    let counts = state.store.worklist_counts(&offices).await?;
    let query = CaseQuery {
        waiting_for: Some(WaitingFor::Office),
        offices: Some(offices),
        after: page.cursor,
        limit: super::search::page_size(page.limit)?,
        ..CaseQuery::default()
    };
    let found = state.store.search(&query).await?;
    let incidents = state.store.incidents(query.offices.as_deref().unwrap_or_default(), INCIDENTS_LISTED).await?;
    let mut count_dtos = Vec::with_capacity(counts.len());
    for c in &counts {
        let definition = state.store.definition(&c.workflow, None).await.ok();
        count_dtos.push(StateCountDto {
            status: definition
                .as_ref()
                .and_then(|d| d.states.get(c.state.as_str()))
                .and_then(|s| s.status.as_ref())
                .map(Into::into),
            title: definition.as_ref().map(|d| (&d.title).into()),
            workflow: c.workflow.clone(),
            state: c.state.clone(),
            count: c.count,
            overdue: c.overdue,
            earliest_due: c.earliest_due.map(last_day),
        });
    }
    Ok(WorklistDto {
        total: counts.iter().map(|c| c.count).sum(),
        overdue: counts.iter().map(|c| c.overdue).sum(),
        counts: count_dtos,
        items: items(state, found.items).await?,
        next: found.next,
        incidents: incidents
            .into_iter()
            .map(|i| IncidentDto {
                code: i.code,
                workflow: i.workflow,
                workflow_version: i.workflow_version,
                effect: effects(std::slice::from_ref(&i.effect), actor).pop().expect("staff see every effect"),
            })
            .collect(),
    })
}

/// Incidents listed on the worklist.
const INCIDENTS_LISTED: u64 = 50;
