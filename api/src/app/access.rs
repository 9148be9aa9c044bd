//! Reading a case the actor may see, by the runtime's access rules (`sportello_runtime::access`: a
//! citizen only their own, staff only the cases of their offices). A case the actor may not see is
//! refused exactly like a case that does not exist, and the attempt is written to that case's audit
//! trail.

use std::sync::Arc;

use sportello_definition::Definition;
use sportello_runtime::access::may_see;
use sportello_runtime::case::Actor;
use sportello_runtime::error::Error as EngineError;
use sportello_store::{CaseSummary, StoredCase, case_id_from_code};

use super::Error;
use crate::state::AppState;

/// The case with `code`, if `actor` may see it, and its workflow version's definition. `action` names
/// the attempt in the audit trail when it is refused (`read`, `apply:approve`, …).
pub async fn visible_case(
    state: &AppState,
    actor: &Actor,
    code: &str,
    action: &str,
) -> Result<(StoredCase, Arc<Definition>), Error> {
    let id = case_id_from_code(code).ok_or(Error::NotFound(EngineError::CaseNotFound))?;
    let stored = state.store.case(id).await?;
    check(state, actor, code, action, (id, &stored.case.code, &stored.case.office, &stored.case.applicant)).await?;
    let definition = state.store.definition(stored.case.workflow.as_str(), Some(stored.case.workflow_version)).await?;
    Ok((stored, definition))
}

/// Like [`visible_case`], for a command: only the case's summary (one light read), since the command
/// reads the case itself.
pub async fn visible_summary(state: &AppState, actor: &Actor, code: &str, action: &str) -> Result<CaseSummary, Error> {
    let id = case_id_from_code(code).ok_or(Error::NotFound(EngineError::CaseNotFound))?;
    let summary = state.store.case_summary(id).await?;
    check(state, actor, code, action, (id, &summary.code, &summary.office, &summary.applicant)).await?;
    Ok(summary)
}

/// Whether the case `(id, code, office, applicant)` is the one `code` names and `actor` may see it;
/// a refusal on an existing case is written to its audit trail.
async fn check(
    state: &AppState,
    actor: &Actor,
    code: &str,
    action: &str,
    (id, stored_code, office, applicant): (i64, &str, &str, &str),
) -> Result<(), Error> {
    if !stored_code.eq_ignore_ascii_case(code) {
        return Err(Error::NotFound(EngineError::CaseNotFound));
    }
    if !may_see(actor, office, applicant) {
        denied(state, id, actor, action, "case-not-found").await;
        return Err(Error::NotFound(EngineError::CaseNotFound));
    }
    Ok(())
}

/// Writes a refused attempt to the case's audit trail; a failure to write it is logged, not sent.
pub async fn denied(state: &AppState, case_id: i64, actor: &Actor, action: &str, code: &str) {
    if let Err(error) = state.store.record_denied(case_id, actor, action, code).await {
        tracing::warn!(error.message = %error, "could not record a denied attempt");
    }
}
