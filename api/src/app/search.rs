//! Searching cases: the cases an actor may see that match a filter, soonest legal due date first,
//! a page at a time. A citizen's search covers only their own cases; staff search only their
//! offices' cases.

use serde::{Deserialize, Serialize};
use sportello_definition::model::WaitingFor;
use sportello_runtime::case::Actor;
use sportello_runtime::clock::civil_day;
use sportello_store::{CaseQuery, CaseSummary, DueFilter, MAX_LIMIT};
use utoipa::{IntoParams, ToSchema};

use super::Error;
use super::workflows::{TextDto, waiting_for_name};
use crate::state::AppState;

/// What to search for; each filter set must match. The API reads it from the query string of
/// `GET /cases` as it is (an unknown parameter is refused).
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CaseFilter {
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
    #[param(minimum = 1, maximum = 200)]
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

/// The legal due date of a due instant: a term's timer falls at the end of its last day (midnight in
/// Rome), so the day is the one just before the instant.
pub(super) fn last_day(due_at: jiff::Timestamp) -> String {
    civil_day(due_at - jiff::SignedDuration::from_micros(1)).to_string()
}

fn parse_waiting_for(text: &str) -> Result<WaitingFor, Error> {
    serde_json::from_value(serde_json::Value::String(text.to_owned())).map_err(|_| Error::InvalidFilter {
        message: format!("waiting_for `{text}` is not one of citizen, office, payment, external, nobody"),
        fields: vec![("waiting_for".to_owned(), "unknown value".to_owned())],
    })
}

/// `limit` as asked, if it is a page size the API takes (1 to [`MAX_LIMIT`]); unset stays unset (the
/// store's default).
pub(super) fn page_size(limit: Option<u32>) -> Result<Option<u32>, Error> {
    match limit {
        Some(size) if !(1..=MAX_LIMIT).contains(&size) => Err(Error::InvalidFilter {
            message: format!("limit {size} is not a page size: ask for 1 to {MAX_LIMIT} cases"),
            fields: vec![("limit".to_owned(), format!("from 1 to {MAX_LIMIT}"))],
        }),
        other => Ok(other),
    }
}

/// Scopes a query to what `actor` may see.
fn scope(actor: &Actor, query: &mut CaseQuery, applicant_filter: Option<String>) -> Result<(), Error> {
    match actor {
        Actor::Citizen { fiscal_code } => {
            if applicant_filter.is_some() {
                return Err(Error::forbidden("citizens cannot search by applicant"));
            }
            query.applicant = Some(fiscal_code.clone());
        }
        Actor::Staff { offices, .. } => {
            query.offices = Some(offices.clone());
            query.applicant = applicant_filter.map(|a| a.trim().to_ascii_uppercase());
        }
        Actor::System => return Err(Error::forbidden("not for the system")),
    }
    Ok(())
}

/// The list items of `summaries`, with their status texts and due dates.
pub(super) async fn items(state: &AppState, summaries: Vec<CaseSummary>) -> Result<Vec<CaseListItem>, Error> {
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

/// One page of the cases `actor` may see that match `filter`, soonest legal due date first.
pub async fn search(state: &AppState, actor: &Actor, filter: CaseFilter) -> Result<CasePageDto, Error> {
    let due = match (filter.overdue, filter.due_within_days) {
        (Some(true), _) => Some(DueFilter::Overdue),
        (_, Some(days)) => Some(DueFilter::Within { days }),
        _ => None,
    };
    let mut query = CaseQuery {
        workflow: filter.workflow,
        state: filter.state,
        waiting_for: filter.waiting_for.as_deref().map(parse_waiting_for).transpose()?,
        office: filter.office,
        assignee: filter.assignee,
        code: filter.code,
        due,
        after: filter.cursor,
        limit: page_size(filter.limit)?,
        ..CaseQuery::default()
    };
    scope(actor, &mut query, filter.applicant)?;
    let page = state.store.search(&query).await?;
    Ok(CasePageDto { items: items(state, page.items).await?, next: page.next })
}
