//! Cases: open one (a citizen for themselves, staff of the owning office on a citizen's behalf), read
//! it as an actor sees it, apply a transition, save a draft, and assign it to a clerk. Each command is
//! checked for who may do it, run by the store as one transaction, and counted in the metrics.

use serde_json::{Map, Value as Json};
use sportello_definition::codice_fiscale::CodiceFiscale;
use sportello_runtime::case::Actor;
use sportello_runtime::error::Error as EngineError;
use sportello_runtime::transition::ApplyTransition;
use sportello_store::{Applied, Apply, Assign, OpenCase, SaveDraft, case_id_from_code};

use super::Error;
use super::access::{denied, visible_case, visible_summary};
use super::case_view::{CaseDto, case_dto};
use super::effects_view;
use crate::state::AppState;

/// A new application, as asked for.
#[derive(Debug, Clone)]
pub struct NewCase {
    /// The workflow (its latest version is used).
    pub workflow: String,
    /// The applicant's fiscal code: staff must give it; a citizen may omit it (it is their own).
    pub applicant: Option<String>,
    /// Initial data (a draft), merged into the case.
    pub data: Option<Json>,
}

/// Opens a case for `actor`. `key` makes a retry return the same case.
pub async fn open(state: &AppState, actor: &Actor, new: NewCase, key: Option<String>) -> Result<Applied, Error> {
    let applicant = match (actor, new.applicant) {
        (Actor::Citizen { fiscal_code }, None) => fiscal_code.clone(),
        (Actor::Citizen { fiscal_code }, Some(given)) if given.eq_ignore_ascii_case(fiscal_code) => fiscal_code.clone(),
        (Actor::Citizen { .. }, Some(_)) => {
            return Err(Error::forbidden("a citizen opens cases only for themselves"));
        }
        (_, Some(given)) => match CodiceFiscale::parse(&given) {
            Ok(code) => code.as_str().to_owned(),
            Err(error) => {
                return Err(Error::invalid_field(
                    "the applicant's fiscal code is not valid",
                    "/applicant",
                    error.to_string(),
                ));
            }
        },
        (_, None) => {
            return Err(Error::invalid_field(
                "staff must name the applicant",
                "/applicant",
                "required when staff open a case",
            ));
        }
    };
    let command = OpenCase {
        workflow: new.workflow.clone(),
        applicant,
        actor: actor.clone(),
        data: new.data.unwrap_or(Json::Object(Default::default())),
        idempotency_key: key,
    };
    let opened =
        state.store.open_case(command).await.inspect_err(|e| state.metrics.transition(&new.workflow, e.code()));
    let opened = opened?;
    state.metrics.transition(&new.workflow, "opened");
    Ok(opened)
}

/// The case with id `case_id` as `actor` sees it, without its payments and effects: the answer to a
/// command the actor just ran on it.
pub async fn after_command(state: &AppState, actor: &Actor, case_id: i64) -> Result<CaseDto, Error> {
    let stored = state.store.case(case_id).await?;
    let definition = state.store.definition(stored.case.workflow.as_str(), Some(stored.case.workflow_version)).await?;
    Ok(case_dto(&definition, &stored, actor))
}

/// The case `code` as `actor` sees it, with its payments and effects.
pub async fn case_of(state: &AppState, actor: &Actor, code: &str) -> Result<CaseDto, Error> {
    let (stored, definition) = visible_case(state, actor, code, "read").await?;
    let mut dto = case_dto(&definition, &stored, actor);
    let payments = state.store.case_payments(stored.id).await?;
    dto.payments = Some(effects_view::payments(&payments, state.creditor.as_deref()));
    dto.effects = Some(effects_view::effects(&state.store.case_effects(stored.id).await?, actor));
    Ok(dto)
}

/// Applies `transition` with `input` to the case `code` for `actor`, at `expected_version` when given;
/// `key` makes a retry return the first result.
pub async fn apply(
    state: &AppState,
    actor: &Actor,
    code: &str,
    transition: &str,
    input: Json,
    expected_version: Option<u64>,
    key: Option<String>,
) -> Result<Applied, Error> {
    let stored = visible_summary(state, actor, code, &format!("apply:{transition}")).await?;
    let workflow = stored.workflow.clone();
    let command = Apply {
        case_id: stored.id,
        command: ApplyTransition {
            transition: transition.to_owned(),
            actor: actor.clone(),
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
            if matches!(error, EngineError::ActorNotAllowed { .. } | EngineError::CaseNotFound) {
                denied(state, stored.id, actor, &format!("apply:{transition}"), error.code()).await;
            }
            Err(error.into())
        }
    }
}

/// Saves `changes` into the draft `code` for `actor` (a field set to `null` is removed), at
/// `expected_version` when given. The store refuses anyone but the applicant and staff of the owning
/// office, and a case that is no longer a draft.
pub async fn save_draft(
    state: &AppState,
    actor: &Actor,
    code: &str,
    changes: Map<String, Json>,
    expected_version: Option<u64>,
) -> Result<Applied, Error> {
    let case_id = case_id_from_code(code).ok_or(Error::NotFound(EngineError::CaseNotFound))?;
    let command = SaveDraft { case_id, data: changes, actor: actor.clone(), expected_version };
    Ok(state.store.save_draft(command).await?)
}

/// Assigns the case `code` to `assignee` (or unassigns it) for `actor`, staff of its office only;
/// the case's id.
pub async fn assign(
    state: &AppState,
    actor: &Actor,
    code: &str,
    assignee: Option<String>,
    expected_version: Option<u64>,
) -> Result<i64, Error> {
    let stored = visible_summary(state, actor, code, "assign").await?;
    if !matches!(actor, Actor::Staff { .. }) {
        denied(state, stored.id, actor, "assign", "forbidden").await;
        return Err(Error::forbidden("only staff of the office assign cases"));
    }
    if let Some(assignee) = &assignee
        && (assignee.is_empty() || assignee.len() > 200)
    {
        return Err(Error::invalid_field("the assignee must be a user id", "/assignee", "1 to 200 characters"));
    }
    let applied =
        state.store.assign(Assign { case_id: stored.id, assignee, actor: actor.clone(), expected_version }).await?;
    Ok(applied.case_id)
}
