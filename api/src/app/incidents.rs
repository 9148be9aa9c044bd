//! A clerk's actions on an incident (an effect whose retry budget is spent, or that the remote system
//! refused): retry it (delivered again from now, with a fresh budget, under the same idempotency key)
//! or dismiss it (not delivered). Both are written to the case's audit chain. Only staff of the
//! case's office.

pub use sportello_runtime::audit_body::IncidentAction;
use sportello_runtime::case::Actor;

use super::Error;
use super::access::visible_summary;
use super::refusals::refused;

use crate::state::AppState;

/// Retries or dismisses the incident `id` (the effect's id, as given) of the case `code` for
/// `actor`; the case's id.
pub async fn handle(
    state: &AppState,
    actor: &Actor,
    code: &str,
    id: &str,
    action: IncidentAction,
) -> Result<i64, Error> {
    let attempt = format!("incident:{}", action.as_str());
    let summary = visible_summary(state, actor, code, &attempt).await?;
    let not_found = || Error::IncidentNotFound { case: summary.code.clone(), id: id.to_owned() };
    let effect: i64 = id.parse().map_err(|_| not_found())?;
    if !matches!(actor, Actor::Staff { .. }) {
        refused(state, actor, code, &attempt, "forbidden");
        return Err(Error::forbidden("incidents are handled by the office's staff"));
    }
    let done = match action {
        IncidentAction::Retry => state.store.retry_incident(summary.id, effect, actor).await?,
        IncidentAction::Dismiss => state.store.dismiss_incident(summary.id, effect, actor).await?,
    };
    if !done {
        return Err(not_found());
    }
    Ok(summary.id)
}
