//! Reading a case the actor may see, by the runtime's access rules (`sportello_runtime::access`: a
//! citizen only their own, staff only the cases of their offices). A case the actor may not see is
//! refused exactly like a case that does not exist, on the same path: the case's row is read by key
//! either way (and nothing more for a refused one), and the refusal goes to the security log in the
//! background ([`super::refusals`]), never to the case's audit trail.

use std::sync::Arc;

use sportello_definition::Definition;
use sportello_runtime::access::may_see;
use sportello_runtime::case::{Actor, Case};
use sportello_runtime::error::Error as EngineError;
use sportello_store::{CaseSummary, StoredCase, case_id_from_code};

use super::Error;
use super::refusals::refused;
use crate::state::AppState;

/// The case with `code`, if `actor` may see it, and its workflow version's definition. `action` names
/// the attempt in the security log when it is refused (`read`, `audit`, …).
pub async fn visible_case(
    state: &AppState,
    actor: &Actor,
    code: &str,
    action: &str,
) -> Result<(StoredCase, Arc<Definition>), Error> {
    let visible = |case: &Case| case.code.eq_ignore_ascii_case(code) && may_see(actor, &case.office, &case.applicant);
    let found = match case_id_from_code(code) {
        Some(id) => state.store.case_if(id, visible).await?,
        None => None,
    };
    let Some(stored) = found else {
        refused(state, actor, code, action, "case-not-found");
        return Err(Error::NotFound(EngineError::CaseNotFound));
    };
    let definition = state.store.definition(stored.case.workflow.as_str(), Some(stored.case.workflow_version)).await?;
    Ok((stored, definition))
}

/// The summary of the case `code` (one light read by key), if `actor` may see it; for a command, which
/// reads the case itself, and before reading a case in full.
pub async fn visible_summary(state: &AppState, actor: &Actor, code: &str, action: &str) -> Result<CaseSummary, Error> {
    let found = match case_id_from_code(code) {
        Some(id) => match state.store.case_summary(id).await {
            Ok(summary) => Some(summary),
            Err(EngineError::CaseNotFound) => None,
            Err(other) => return Err(other.into()),
        },
        None => None,
    };
    match found {
        Some(summary)
            if summary.code.eq_ignore_ascii_case(code) && may_see(actor, &summary.office, &summary.applicant) =>
        {
            Ok(summary)
        }
        _ => {
            refused(state, actor, code, action, "case-not-found");
            Err(Error::NotFound(EngineError::CaseNotFound))
        }
    }
}
