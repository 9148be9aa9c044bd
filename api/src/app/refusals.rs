//! Refused requests go to the security log, never to a case's audit trail: a structured log line
//! (target `sportello::security`) for each, and a row in the store's `security_event` table for each
//! of the first [`ROWS_PER_MINUTE`](super::refusal_counter::ROWS_PER_MINUTE) refusals of one caller
//! in a minute (beyond that only the log line, so a flood cannot fill the database). The row is
//! written in the background: a refusal answers as fast whether the case exists or not, and the
//! request never waits for the writer.

use sportello_runtime::case::Actor;
use sportello_store::Refusal;

use crate::state::AppState;

/// How the security log names `actor`: operators read it, so a citizen by their fiscal code.
fn named(actor: &Actor) -> String {
    match actor {
        Actor::Citizen { fiscal_code } => format!("citizen {fiscal_code}"),
        other => other.describe(),
    }
}

/// Logs that `actor` was refused `action` (`read`, `apply:approve`, …) on the case `target` (the code
/// as they gave it) with `refusal` (`case-not-found`, `forbidden`, …).
pub fn refused(state: &AppState, actor: &Actor, target: &str, action: &str, refusal: &str) {
    let at = state.store.now();
    let actor = named(actor);
    tracing::warn!(target: "sportello::security", actor = %actor, action, case = target, refusal, "request refused");
    if !state.refusals.admit(&actor, at.as_second().div_euclid(60)) {
        return;
    }
    let row = Refusal { at, actor, action: action.to_owned(), target: target.to_owned(), refusal: refusal.to_owned() };
    let store = state.store.clone();
    tokio::spawn(async move {
        if let Err(error) = store.record_refusal(row).await {
            tracing::warn!(error.message = %error, "could not write a refusal to the security log");
        }
    });
}
