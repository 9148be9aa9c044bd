//! Lists of cases: the search (`GET /cases`, filtered, sorted by legal due date, cursor-paginated) and
//! the clerk's worklist (`GET /worklist`: the cases waiting for the clerk's offices, soonest due first,
//! with counts per state and overdue counts). A citizen's search covers only their own cases; staff
//! search only their offices' cases.

use axum::extract::State;
use serde::{Deserialize, Serialize};
use sportello_definition::model::WaitingFor;
use sportello_runtime::case::Actor;
use sportello_runtime::clock::civil_day;
use sportello_store::{CaseQuery, CaseSummary, DueFilter};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::effects_view::{EffectDto, effects};
use super::workflows::{TextDto, waiting_for_name};
use crate::extract::{Caller, QueryParams};
use crate::problem::{FieldError, Problem};
use crate::state::AppState;

/// The routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(search_cases)).routes(routes!(worklist))
}

/// Search filters; each one set must match.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// Workflow id.
    pub workflow: Option<String>,
    /// State.
    pub state: Option<String>,
    /// Who the case waits for: `citizen`, `office`, `payment`, `external`.
    pub waiting_for: Option<String>,
    /// Office (staff: one of theirs).
    pub office: Option<String>,
    /// Assigned clerk.
    pub assignee: Option<String>,
    /// Applicant's fiscal code (staff only).
    pub applicant: Option<String>,
    /// Case code.
    pub code: Option<String>,
    /// Only cases past their legal due date.
    pub overdue: Option<bool>,
    /// Only cases due within this many days (overdue included).
    pub due_within_days: Option<u32>,
    /// The `next` cursor of the previous page.
    pub cursor: Option<String>,
    /// Page size (1 to 200, default 50).
    pub limit: Option<u32>,
}

/// A case in a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct CaseListItem {
    /// Case code.
    pub code: String,
    /// Workflow.
    pub workflow: String,
    /// Workflow version.
    pub workflow_version: u32,
    /// State.
    pub state: String,
    /// Status text of the state.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<TextDto>,
    /// Who it waits for (absent when concluded).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waiting_for: Option<String>,
    /// Office.
    pub office: String,
    /// Assigned clerk.
    pub assignee: Option<String>,
    /// Applicant's fiscal code.
    pub applicant: String,
    /// Opening day.
    pub opened_on: String,
    /// Last change (RFC 3339).
    pub updated_at: String,
    /// Legal due date (Europe/Rome), if something is due.
    pub due: Option<String>,
    /// Legal due instant (RFC 3339).
    pub due_at: Option<String>,
    /// Whether the due instant has passed.
    pub overdue: bool,
    /// Version, for `If-Match`.
    pub version: u64,
}

/// One page of cases.
#[derive(Debug, Serialize, ToSchema)]
pub struct CasePageDto {
    /// The cases, soonest due first.
    pub items: Vec<CaseListItem>,
    /// The cursor of the next page, absent on the last.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

/// Cases in one state of a worklist.
#[derive(Debug, Serialize, ToSchema)]
pub struct StateCountDto {
    /// Workflow.
    pub workflow: String,
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
    /// The effect that failed.
    pub effect: EffectDto,
}

/// Worklist paging.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct WorklistParams {
    /// Only this office (one of the clerk's).
    pub office: Option<String>,
    /// The `next` cursor of the previous page.
    pub cursor: Option<String>,
    /// Page size (1 to 200, default 50).
    pub limit: Option<u32>,
}

/// The legal due date of a due instant: a term's timer falls at the end of its last day (midnight in
/// Rome), so the day is the one just before the instant.
fn last_day(due_at: jiff::Timestamp) -> String {
    civil_day(due_at - jiff::SignedDuration::from_micros(1)).to_string()
}

fn parse_waiting_for(text: &str) -> Result<WaitingFor, Problem> {
    serde_json::from_value(serde_json::Value::String(text.to_owned())).map_err(|_| {
        Problem::new(
            "invalid-query",
            format!("waiting_for `{text}` is not one of citizen, office, payment, external, nobody"),
        )
        .with_errors(vec![FieldError { field: "waiting_for".into(), message: "unknown value".into() }])
    })
}

/// Scopes a query to what `caller` may see.
fn scope(caller: &Actor, query: &mut CaseQuery, applicant_filter: Option<String>) -> Result<(), Problem> {
    match caller {
        Actor::Citizen { fiscal_code } => {
            if applicant_filter.is_some() {
                return Err(Problem::new("forbidden", "citizens cannot search by applicant"));
            }
            query.applicant = Some(fiscal_code.clone());
        }
        Actor::Staff { offices, .. } => {
            query.offices = Some(offices.clone());
            query.applicant = applicant_filter.map(|a| a.trim().to_ascii_uppercase());
        }
        Actor::System => return Err(Problem::new("forbidden", "not for the system")),
    }
    Ok(())
}

async fn items(state: &AppState, summaries: Vec<CaseSummary>) -> Result<Vec<CaseListItem>, Problem> {
    let now = state.store.now();
    let mut out = Vec::with_capacity(summaries.len());
    for s in summaries {
        let definition = state.store.definition(&s.workflow, Some(s.workflow_version)).await?;
        let status = definition.states.get(s.state.as_str()).and_then(|st| st.status.as_ref()).map(Into::into);
        out.push(CaseListItem {
            status,
            waiting_for: s.waiting_for.map(waiting_for_name),
            due: s.due_at.map(last_day),
            due_at: s.due_at.map(|t| t.to_string()),
            overdue: s.due_at.is_some_and(|t| t < now),
            code: s.code,
            workflow: s.workflow,
            workflow_version: s.workflow_version,
            state: s.state,
            office: s.office,
            assignee: s.assignee,
            applicant: s.applicant,
            opened_on: s.opened_on.to_string(),
            updated_at: s.updated_at.to_string(),
            version: s.version,
        });
    }
    Ok(out)
}

/// Searches cases the caller may see, soonest legal due date first.
#[utoipa::path(get, path = "/cases", tag = "cases", security(("bearer" = [])), params(SearchParams),
    responses((status = 200, body = CasePageDto), (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json")))]
async fn search_cases(
    State(state): State<AppState>,
    Caller(caller): Caller,
    QueryParams(params): QueryParams<SearchParams>,
) -> Result<axum::Json<CasePageDto>, Problem> {
    search(&state, &caller, params).await.map(axum::Json)
}

/// One page of the cases `caller` may see that match `params`.
pub(crate) async fn search(state: &AppState, caller: &Actor, params: SearchParams) -> Result<CasePageDto, Problem> {
    let due = match (params.overdue, params.due_within_days) {
        (Some(true), _) => Some(DueFilter::Overdue),
        (_, Some(days)) => Some(DueFilter::Within { days }),
        _ => None,
    };
    let mut query = CaseQuery {
        workflow: params.workflow,
        state: params.state,
        waiting_for: params.waiting_for.as_deref().map(parse_waiting_for).transpose()?,
        office: params.office,
        assignee: params.assignee,
        code: params.code,
        due,
        after: params.cursor,
        limit: params.limit,
        ..CaseQuery::default()
    };
    scope(caller, &mut query, params.applicant)?;
    let page = state.store.search(&query).await?;
    Ok(CasePageDto { items: items(state, page.items).await?, next: page.next })
}

/// The clerk's worklist: cases waiting for their offices, soonest legal due date first, with counts.
#[utoipa::path(get, path = "/worklist", tag = "cases", security(("bearer" = [])), params(WorklistParams),
    responses((status = 200, body = WorklistDto), (status = 403, body = Problem, content_type = "application/problem+json")))]
async fn worklist(
    State(state): State<AppState>,
    Caller(caller): Caller,
    QueryParams(params): QueryParams<WorklistParams>,
) -> Result<axum::Json<WorklistDto>, Problem> {
    worklist_of(&state, &caller, params).await.map(axum::Json)
}

/// The worklist of `caller`'s offices (or of the one `params` names).
pub(crate) async fn worklist_of(
    state: &AppState,
    caller: &Actor,
    params: WorklistParams,
) -> Result<WorklistDto, Problem> {
    let Actor::Staff { offices, .. } = caller else {
        return Err(Problem::new("forbidden", "the worklist is for staff"));
    };
    let offices: Vec<String> = match &params.office {
        Some(office) if offices.contains(office) => vec![office.clone()],
        Some(office) => return Err(Problem::new("forbidden", format!("you do not work for office `{office}`"))),
        None => offices.clone(),
    };
    let counts = state.store.worklist_counts(&offices).await?;
    let query = CaseQuery {
        waiting_for: Some(WaitingFor::Office),
        offices: Some(offices),
        after: params.cursor,
        limit: params.limit,
        ..CaseQuery::default()
    };
    let page = state.store.search(&query).await?;
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
        items: items(state, page.items).await?,
        next: page.next,
        incidents: incidents
            .into_iter()
            .map(|i| IncidentDto {
                code: i.code,
                effect: effects(std::slice::from_ref(&i.effect), caller).pop().expect("staff see every effect"),
            })
            .collect(),
    })
}

/// Incidents listed on the worklist.
const INCIDENTS_LISTED: u64 = 50;
