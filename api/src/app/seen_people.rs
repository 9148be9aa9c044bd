//! Which API callers this process has recorded in the directory lately, and with what: so an
//! authenticated call writes to the directory only for someone not recorded within the hour, or whose
//! roles, offices, name or address changed since (`people::note_caller`).

use std::collections::HashMap;
use std::sync::Mutex;

use sportello_runtime::case::Actor;

use crate::auth::Profile;

/// How long a recorded caller is not recorded again, in seconds.
const RECORD_EVERY: i64 = 3600;
/// The most callers remembered; past it, the memory starts again.
const REMEMBERED: usize = 10_000;

/// The callers recorded lately: who, a fingerprint of what was recorded, and when.
#[derive(Debug, Default)]
pub struct SeenPeople {
    recorded: Mutex<HashMap<String, (String, i64)>>,
}

impl SeenPeople {
    /// Whether `actor` with `profile` should be recorded at `now` (Unix seconds); if so, it counts as
    /// recorded from now on.
    pub fn needs_recording(&self, actor: &Actor, profile: &Profile, now: i64) -> bool {
        let Some(key) = key(actor) else { return false };
        let print = format!("{actor:?}{profile:?}");
        let mut recorded = self.recorded.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((seen, at)) = recorded.get(&key)
            && *seen == print
            && now - at < RECORD_EVERY
        {
            return false;
        }
        if recorded.len() >= REMEMBERED {
            recorded.clear();
        }
        recorded.insert(key, (print, now));
        true
    }

    /// Forgets `actor` (their recording failed), so the next call records them.
    pub fn forget(&self, actor: &Actor) {
        if let Some(key) = key(actor) {
            self.recorded.lock().unwrap_or_else(std::sync::PoisonError::into_inner).remove(&key);
        }
    }
}

fn key(actor: &Actor) -> Option<String> {
    match actor {
        Actor::Citizen { fiscal_code } => Some(format!("citizen:{fiscal_code}")),
        Actor::Staff { user, .. } => Some(format!("staff:{user}")),
        Actor::System => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clerk(offices: &[&str]) -> Actor {
        Actor::Staff {
            user: "u1".into(),
            roles: vec!["clerk".into()],
            offices: offices.iter().map(|o| o.to_string()).collect(),
        }
    }

    #[test]
    fn a_caller_is_recorded_once_an_hour_and_again_when_their_grants_change() {
        let seen = SeenPeople::default();
        let profile = Profile::default();
        assert!(seen.needs_recording(&clerk(&["anagrafe"]), &profile, 0));
        assert!(!seen.needs_recording(&clerk(&["anagrafe"]), &profile, 60));
        assert!(seen.needs_recording(&clerk(&["anagrafe", "tributi"]), &profile, 120), "offices changed");
        assert!(seen.needs_recording(&clerk(&["anagrafe", "tributi"]), &profile, 120 + RECORD_EVERY));
        seen.forget(&clerk(&[]));
        assert!(seen.needs_recording(&clerk(&["anagrafe", "tributi"]), &profile, 121 + RECORD_EVERY), "forgotten");
        assert!(!seen.needs_recording(&Actor::System, &profile, 0));
    }
}
