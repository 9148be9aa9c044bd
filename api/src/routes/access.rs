//! Who may see which case: a citizen only their own, staff only the cases of their offices. A case the
//! caller may not see is answered exactly like a case that does not exist (404), and the attempt is
//! written to that case's audit trail.

use std::sync::Arc;

use sportello_definition::Definition;
use sportello_runtime::case::Actor;
use sportello_runtime::error::Error;
use sportello_store::{CaseSummary, StoredCase, case_id_from_code};

use crate::problem::Problem;
use crate::state::AppState;

/// Whether `caller` may see a case of `office` opened by `applicant`.
pub fn may_see(caller: &Actor, office: &str, applicant: &str) -> bool {
    match caller {
        Actor::Citizen { fiscal_code } => fiscal_code == applicant,
        Actor::Staff { offices, .. } => offices.iter().any(|o| o == office),
        Actor::System => false,
    }
}

/// The case with `code`, if `caller` may see it, and its workflow version's definition. `action` names
/// the attempt in the audit trail when it is refused (`read`, `apply:approve`, …).
pub async fn visible_case(
    state: &AppState,
    caller: &Actor,
    code: &str,
    action: &str,
) -> Result<(StoredCase, Arc<Definition>), Problem> {
    let id = case_id_from_code(code).ok_or_else(|| Problem::from(Error::CaseNotFound))?;
    let stored = state.store.case(id).await?;
    check(state, caller, code, action, (id, &stored.case.code, &stored.case.office, &stored.case.applicant)).await?;
    let definition = state.store.definition(stored.case.workflow.as_str(), Some(stored.case.workflow_version)).await?;
    Ok((stored, definition))
}

/// Like [`visible_case`], for a command: only the case's summary (one light read), since the command
/// reads the case itself.
pub async fn visible_summary(
    state: &AppState,
    caller: &Actor,
    code: &str,
    action: &str,
) -> Result<CaseSummary, Problem> {
    let id = case_id_from_code(code).ok_or_else(|| Problem::from(Error::CaseNotFound))?;
    let summary = state.store.case_summary(id).await?;
    check(state, caller, code, action, (id, &summary.code, &summary.office, &summary.applicant)).await?;
    Ok(summary)
}

/// Whether the case `(id, code, office, applicant)` is the one `code` names and `caller` may see it;
/// a refusal on an existing case is written to its audit trail.
async fn check(
    state: &AppState,
    caller: &Actor,
    code: &str,
    action: &str,
    (id, stored_code, office, applicant): (i64, &str, &str, &str),
) -> Result<(), Problem> {
    if !stored_code.eq_ignore_ascii_case(code) {
        return Err(Error::CaseNotFound.into());
    }
    if !may_see(caller, office, applicant) {
        denied(state, id, caller, action, "case-not-found").await;
        return Err(Error::CaseNotFound.into());
    }
    Ok(())
}

/// Writes a refused attempt to the case's audit trail; a failure to write it is logged, not sent.
pub async fn denied(state: &AppState, case_id: i64, caller: &Actor, action: &str, code: &str) {
    if let Err(error) = state.store.record_denied(case_id, caller, action, code).await {
        tracing::warn!(error.message = %error, "could not record a denied attempt");
    }
}
