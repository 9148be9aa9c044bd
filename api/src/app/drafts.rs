//! A draft's data, changed by its applicant: while the case is still in its workflow's initial state,
//! the citizen who opened it (or for whom it was opened) may change its fields. Staff are refused here
//! (the pages let them save a draft on the applicant's behalf; the API keeps the data the applicant's);
//! another citizen's case is not found, and a case that has left its initial state is refused by the
//! store ([`super::cases::save_draft`]).

use serde_json::{Map, Value as Json};
use sportello_runtime::case::Actor;
use sportello_store::Applied;

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
