//! Refused requests go to the security log, never to a case's audit trail: a structured log line
//! (target `sportello::security`) for each, and a row in the store's `security_event` table for each
//! of the first [`ROWS_PER_MINUTE`] refusals of one caller in a minute (beyond that only the log line,
//! so a flood cannot fill the database). The row is written in the background: a refusal answers as
//! fast whether the case exists or not, and the request never waits for the writer.

use std::collections::HashMap;
use std::sync::Mutex;

use sportello_runtime::case::Actor;
use sportello_store::Refusal;

use crate::state::AppState;

/// The most rows one caller writes to the security log in a minute.
pub const ROWS_PER_MINUTE: u32 = 30;

/// Counts each caller's refusals per minute, to cap the rows they write.
#[derive(Debug, Default)]
pub struct RefusalCounter {
    minutes: Mutex<HashMap<String, (i64, u32)>>,
}

impl RefusalCounter {
    /// Counts a refusal of `actor` in `minute`; whether it may still be written as a row.
    pub fn admit(&self, actor: &str, minute: i64) -> bool {
        let mut minutes = self.minutes.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if minutes.len() > 10_000 {
            minutes.retain(|_, (seen, _)| *seen == minute);
        }
        let entry = minutes.entry(actor.to_owned()).or_insert((minute, 0));
        if entry.0 != minute {
            *entry = (minute, 0);
        }
        entry.1 += 1;
        entry.1 <= ROWS_PER_MINUTE
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_caller_writes_at_most_the_rows_of_a_minute_and_again_the_next() {
        let counter = RefusalCounter::default();
        let admitted = (0..ROWS_PER_MINUTE + 5).filter(|_| counter.admit("citizen X", 7)).count();
        assert_eq!(admitted, ROWS_PER_MINUTE as usize);
        assert!(counter.admit("citizen Y", 7), "another caller has a budget of their own");
        assert!(counter.admit("citizen X", 8), "a new minute, a new budget");
    }
}
