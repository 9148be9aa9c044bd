//! A draft, changed or deleted by its applicant: while the case is still in its workflow's initial
//! state, the citizen who opened it (or for whom it was opened) may change its fields, or delete it.
//! Staff are refused here (the pages let them save a draft on the applicant's behalf; the API keeps
//! the data the applicant's, and deleting an unsent application is the applicant's choice alone);
//! another citizen's case is not found, and a case that has left its initial state is refused by the
//! store ([`super::cases::save_draft`], [`sportello_store::Store::delete_draft`]).
//!
//! A deleted draft keeps its row and its audit chain (so that `audit verify` and the signed
//! checkpoints still pass), with its data cleared; to everyone asking, it no longer exists.

use serde_json::{Map, Value as Json};
use sportello_runtime::case::Actor;
use sportello_runtime::error::Error as EngineError;
use sportello_store::{Applied, DeleteDraft, case_id_from_code};

use super::Error;
use super::cases::save_draft;
use super::refusals::refused;
use crate::state::AppState;

/// Merges `changes` into the data of the draft `code` for `actor`, its applicant (a field set to
/// `null` is removed), at `expected_version` when given.
///
/// # Errors
///
/// [`Error::Forbidden`] for anyone but a citizen; `case-not-found` for a citizen who is not the
/// applicant; `transition-not-allowed` once the case has left its initial state; `stale-case-version`.
pub async fn update(
    state: &AppState,
    actor: &Actor,
    code: &str,
    changes: Map<String, Json>,
    expected_version: Option<u64>,
) -> Result<Applied, Error> {
    if !matches!(actor, Actor::Citizen { .. }) {
        refused(state, actor, code, "update_draft", "forbidden");
        return Err(Error::forbidden("only the applicant changes the data of a draft"));
    }
    save_draft(state, actor, code, changes, expected_version).await
}

/// Deletes the draft `code` for `actor`, its applicant, at `expected_version` when given: afterwards
/// it is found by no one, and its data is gone from the case row.
///
/// # Errors
///
/// [`Error::Forbidden`] for anyone but a citizen; `case-not-found` for a case that does not exist, was
/// deleted, or is not the citizen's; `transition-not-allowed` once the case has left its initial
/// state; `stale-case-version`.
pub async fn delete(state: &AppState, actor: &Actor, code: &str, expected_version: Option<u64>) -> Result<(), Error> {
    if !matches!(actor, Actor::Citizen { .. }) {
        refused(state, actor, code, "delete_draft", "forbidden");
        return Err(Error::forbidden("only the applicant deletes a draft"));
    }
    let case_id = case_id_from_code(code).ok_or(Error::NotFound(EngineError::CaseNotFound))?;
    // The id alone names a row; the code's workflow initials and year must match too.
    match state.store.case_summary(case_id).await {
        Ok(summary) if summary.code.eq_ignore_ascii_case(code) => {}
        Ok(_) | Err(EngineError::CaseNotFound) => {
            refused(state, actor, code, "delete_draft", "case-not-found");
            return Err(Error::NotFound(EngineError::CaseNotFound));
        }
        Err(other) => return Err(other.into()),
    }
    let command = DeleteDraft { case_id, actor: actor.clone(), expected_version };
    match state.store.delete_draft(command).await {
        Ok(_) => Ok(()),
        Err(error) => {
            if matches!(error, EngineError::CaseNotFound) {
                refused(state, actor, code, "delete_draft", error.code());
            }
            Err(error.into())
        }
    }
}
