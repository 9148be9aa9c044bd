//! The case as an actor sees it, the same value the API sends and the pages draw: state with its
//! status text, data, each legal clock (started, elapsed, remaining, due, suspended since, history),
//! pending timers, the legal due date, and the transitions the actor may apply, with their input
//! forms. Built from what the store returns and the case's own workflow version, never from the latest
//! one.

use serde::Serialize;
use serde_json::Value as Json;
use sportello_definition::Definition;
use sportello_runtime::case::Actor;
use sportello_runtime::transition;
use sportello_store::StoredCase;
use utoipa::ToSchema;

use super::effects_view::{EffectDto, PaymentDto};
use super::workflows::{TextDto, waiting_for_name};

/// A legal clock on a case.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClockDto {
    /// The clock's name.
    pub name: String,
    /// Its title.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<TextDto>,
    /// The day the current run started.
    pub started_on: Option<String>,
    /// Days counted so far.
    pub elapsed_days: u32,
    /// Days left (negative when overdue).
    pub remaining_days: Option<i64>,
    /// The legal due date, rolled forward to a working day.
    pub due: Option<String>,
    /// Since when it is suspended.
    pub suspended_since: Option<String>,
    /// Since when it is interrupted.
    pub interrupted_since: Option<String>,
    /// The day it stopped.
    pub stopped_on: Option<String>,
    /// Everything that happened to it: `{event, on}`.
    pub history: Vec<ClockEventDto>,
}

/// One thing that happened to a clock.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClockEventDto {
    /// `started`, `suspended`, `resumed`, `interrupted`, `restarted` or `stopped`.
    pub event: String,
    /// The day.
    pub on: String,
}

/// A pending timer.
#[derive(Debug, Serialize, ToSchema)]
pub struct TimerDto {
    /// `deadline` or `clock`.
    pub kind: String,
    /// The state or clock it belongs to.
    pub name: String,
    /// The transition it fires.
    pub fire: String,
    /// When (RFC 3339).
    pub due_at: String,
}

/// A transition the caller may apply now.
#[derive(Debug, Serialize, ToSchema)]
pub struct AvailableTransition {
    /// Its name (`POST /cases/{code}/transitions/{name}`).
    pub name: String,
    /// Its title.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<TextDto>,
    /// The state it leads to.
    pub to: String,
    /// What the person reads when its condition is not met, if it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refusal: Option<TextDto>,
    /// The JSON Schema of its input, if it takes one.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub input: Option<Json>,
}

/// A case.
#[derive(Debug, Serialize, ToSchema)]
pub struct CaseDto {
    /// The case code (`NE-2026-000123`).
    pub code: String,
    /// Its workflow.
    pub workflow: String,
    /// The workflow version it runs on.
    pub workflow_version: u32,
    /// The current state.
    pub state: String,
    /// The status text of the state.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<TextDto>,
    /// Who the case waits for.
    pub waiting_for: String,
    /// Whether the case is concluded.
    pub is_final: bool,
    /// The version to send in `If-Match`.
    pub version: u64,
    /// The owning office.
    pub office: String,
    /// The clerk it is assigned to.
    pub assignee: Option<String>,
    /// The applicant's fiscal code.
    pub applicant: String,
    /// The day it was opened.
    pub opened_on: String,
    /// The earliest legal due date among its clocks and deadlines.
    pub due: Option<String>,
    /// The application data.
    #[schema(value_type = Object)]
    pub data: Json,
    /// The legal clocks.
    pub clocks: Vec<ClockDto>,
    /// Pending timers.
    pub timers: Vec<TimerDto>,
    /// What the caller may do now.
    pub available_transitions: Vec<AvailableTransition>,
    /// Its pagoPA payments (on `GET /cases/{code}` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payments: Option<Vec<PaymentDto>>,
    /// Its case file as the caller may see it (on `GET /cases/{code}` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub documents: Option<Vec<super::documents::DocumentDto>>,
    /// What it asked of other systems: for the citizen the messages sent, for staff every effect with
    /// its failures and incidents (on `GET /cases/{code}` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub effects: Option<Vec<EffectDto>>,
}

/// The case as `caller` sees it.
pub fn case_dto(definition: &Definition, stored: &StoredCase, caller: &Actor) -> CaseDto {
    let case = &stored.case;
    let state = definition.states.get(case.state.as_str());
    let clocks: Vec<ClockDto> = stored
        .clocks
        .iter()
        .map(|(name, view)| {
            let s = &view.status;
            ClockDto {
                name: name.clone(),
                title: definition.clocks.get(name).and_then(|c| c.title.as_ref()).map(Into::into),
                started_on: s.started_on.map(|d| d.to_string()),
                elapsed_days: s.elapsed_days,
                remaining_days: s.remaining_days,
                due: s.due.map(|d| d.to_string()),
                suspended_since: s.suspended_since.map(|d| d.to_string()),
                interrupted_since: s.interrupted_since.map(|d| d.to_string()),
                stopped_on: s.stopped_on.map(|d| d.to_string()),
                history: view
                    .history
                    .iter()
                    .map(|e| ClockEventDto { event: e.kind().to_owned(), on: e.day().to_string() })
                    .collect(),
            }
        })
        .collect();
    let timer_days = stored
        .timers
        .iter()
        .map(|t| sportello_runtime::clock::civil_day(t.due_at - jiff::SignedDuration::from_micros(1)).to_string());
    let due = clocks.iter().filter_map(|c| c.due.clone()).chain(timer_days).min();
    CaseDto {
        code: case.code.clone(),
        workflow: case.workflow.to_string(),
        workflow_version: case.workflow_version,
        state: case.state.to_string(),
        status: state.and_then(|s| s.status.as_ref()).map(Into::into),
        waiting_for: state.map(|s| waiting_for_name(s.waiting_for)).unwrap_or_default(),
        is_final: state.is_some_and(|s| s.is_final),
        version: case.version,
        office: case.office.clone(),
        assignee: stored.assignee.clone(),
        applicant: case.applicant.clone(),
        opened_on: case.opened_on.to_string(),
        due,
        data: case.data.clone(),
        clocks,
        timers: stored
            .timers
            .iter()
            .map(|t| TimerDto {
                kind: t.kind.clone(),
                name: t.name.clone(),
                fire: t.fire.clone(),
                due_at: t.due_at.to_string(),
            })
            .collect(),
        available_transitions: available(definition, stored, caller),
        payments: None,
        documents: None,
        effects: None,
    }
}

/// The transitions `caller` may apply to the case now.
pub fn available(definition: &Definition, stored: &StoredCase, caller: &Actor) -> Vec<AvailableTransition> {
    transition::available(definition, &stored.case, caller)
        .into_iter()
        .filter_map(|name| {
            let t = definition.transitions.get(name.as_str())?;
            Some(AvailableTransition {
                name: name.to_string(),
                title: t.title.as_ref().map(Into::into),
                to: t.to.to_string(),
                refusal: t.refusal.as_ref().map(Into::into),
                input: t.input.as_ref().map(|s| s.schema().clone()),
            })
        })
        .collect()
}
