//! The citizen's timeline of a case (status text, milestones with their dates, the taken-in-charge
//! day, the legal due date, what is expected from the citizen, the payments asked and the messages
//! sent) and the staff's audit trail (every entry of the hash chain as stored).

use std::sync::Arc;

use serde::Serialize;
use serde_json::Value as Json;
use sportello_definition::Definition;
use sportello_runtime::case::Actor;
use utoipa::ToSchema;

use super::Error;
use super::access::visible_case;
use super::case_view::{AvailableTransition, available, case_dto};
use super::effects_view::{self, EffectDto, PaymentDto};
use super::refusals::refused;
use super::workflows::{TextDto, waiting_for_name};
use crate::state::AppState;

/// A step of the timeline: the case entered a state on a day.
#[derive(Debug, Serialize, ToSchema)]
pub struct Milestone {
    /// The day (Europe/Rome).
    pub on: String,
    /// The state entered.
    pub state: String,
    /// Its status text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<TextDto>,
    /// The milestone it marks, if it is one (`Presa in carico`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub milestone: Option<TextDto>,
}

/// The citizen's view of a case.
#[derive(Debug, Serialize, ToSchema)]
pub struct TimelineDto {
    /// Case code.
    pub code: String,
    /// The workflow's title.
    pub title: TextDto,
    /// The current status text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<TextDto>,
    /// Who the case waits for.
    pub waiting_for: String,
    /// Whether it is concluded.
    pub is_final: bool,
    /// The outcome, once concluded: `accepted`, `rejected`, `withdrawn`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
    /// The day it was opened.
    pub opened_on: String,
    /// The day the office took it in charge (the first milestone reached), if it has.
    pub taken_in_charge_on: Option<String>,
    /// The legal due date.
    pub due: Option<String>,
    /// Since when the legal term is suspended, if it is.
    pub suspended_since: Option<String>,
    /// Every state entered, oldest first.
    pub milestones: Vec<Milestone>,
    /// What the citizen can do now.
    pub expected_from_citizen: Vec<AvailableTransition>,
    /// The payments asked of the citizen, with their notices and whether they are paid.
    pub payments: Vec<PaymentDto>,
    /// The messages sent to the citizen (App IO or e-mail), with their dates.
    pub messages: Vec<EffectDto>,
    /// The version, for `If-Match`.
    pub version: u64,
}

/// One audit entry.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEntryDto {
    /// Its place in the chain, from 1.
    pub sequence: u64,
    /// When it was written (RFC 3339).
    pub recorded_at: String,
    /// What happened.
    #[schema(value_type = Object)]
    pub body: Json,
    /// Its hash, chaining it to the previous one.
    pub hash: String,
}

/// The citizen's view of the case `code`, if `actor` may see it.
pub async fn timeline(state: &AppState, actor: &Actor, code: &str) -> Result<TimelineDto, Error> {
    timeline_with_definition(state, actor, code).await.map(|(timeline, _, _)| timeline)
}

/// The citizen's view of the case `code`, with the definition of the case's workflow version and
/// whether the case is still in its initial state (a draft), from one read of the case.
pub async fn timeline_with_definition(
    state: &AppState,
    actor: &Actor,
    code: &str,
) -> Result<(TimelineDto, Arc<Definition>, bool), Error> {
    let (stored, definition) = visible_case(state, actor, code, "read").await?;
    let is_draft = stored.case.state == definition.initial;
    let view = case_dto(&definition, &stored, actor);
    let trail = state.store.audit_trail(stored.id).await?;
    let milestones: Vec<Milestone> = trail
        .iter()
        .filter(|r| r.body.get("command").and_then(Json::as_str).is_some_and(|c| c != "assign"))
        .filter_map(|r| {
            let to = r.body.get("to")?.as_str()?;
            let on = r.body.get("on")?.as_str()?;
            let s = definition.states.get(to);
            Some(Milestone {
                on: on.to_owned(),
                state: to.to_owned(),
                status: s.and_then(|s| s.status.as_ref()).map(Into::into),
                milestone: s.and_then(|s| s.milestone.as_ref()).map(Into::into),
            })
        })
        .collect();
    let taken_in_charge_on = milestones.iter().find(|m| m.milestone.is_some()).map(|m| m.on.clone());
    let state_def = definition.states.get(stored.case.state.as_str());
    let citizen = Actor::Citizen { fiscal_code: stored.case.applicant.clone() };
    let timeline = TimelineDto {
        code: view.code,
        title: (&definition.title).into(),
        status: view.status,
        waiting_for: state_def.map(|s| waiting_for_name(s.waiting_for)).unwrap_or_default(),
        is_final: view.is_final,
        outcome: state_def
            .and_then(|s| s.outcome)
            .and_then(|o| serde_json::to_value(o).ok()?.as_str().map(str::to_owned)),
        opened_on: view.opened_on,
        taken_in_charge_on,
        due: view.due,
        suspended_since: view.clocks.iter().filter_map(|c| c.suspended_since.clone()).min(),
        milestones,
        expected_from_citizen: available(&definition, &stored, &citizen),
        payments: effects_view::payments(&state.store.case_payments(stored.id).await?, state.creditor.as_deref()),
        messages: effects_view::effects(&state.store.case_effects(stored.id).await?, &citizen),
        version: view.version,
    };
    Ok((timeline, definition, is_draft))
}

/// The audit trail of the case `code`, if `actor` is staff of its office.
pub async fn audit_trail(state: &AppState, actor: &Actor, code: &str) -> Result<Vec<AuditEntryDto>, Error> {
    let (stored, _) = visible_case(state, actor, code, "audit").await?;
    if !matches!(actor, Actor::Staff { .. }) {
        refused(state, actor, code, "audit", "forbidden");
        return Err(Error::forbidden("the audit trail is for staff"));
    }
    let trail = state.store.audit_trail(stored.id).await?;
    Ok(trail
        .into_iter()
        .map(|r| AuditEntryDto {
            sequence: r.sequence,
            recorded_at: r.recorded_at.to_string(),
            body: r.body,
            hash: r.hash,
        })
        .collect())
}
