//! A case: one application moving through its workflow, and who acts on it.

use std::collections::BTreeMap;

use indexmap::IndexMap;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use super::legal_clock::ClockEvent;
use sportello_definition::ids::{StateId, WorkflowId};

/// One application, as the runtime reads and writes it.
#[derive(Debug, Clone, PartialEq)]
pub struct Case {
    /// The code citizens and clerks quote (`BP-2026-000123`).
    pub code: String,
    /// The workflow and the version the case was opened with.
    pub workflow: WorkflowId,
    /// The workflow version; a case stays on it.
    pub workflow_version: u32,
    /// The current state.
    pub state: StateId,
    /// The application data, a JSON object.
    pub data: Json,
    /// Optimistic-concurrency counter, raised by every transition.
    pub version: u64,
    /// The applicant's fiscal code.
    pub applicant: String,
    /// The owning office.
    pub office: String,
    /// The day the case was opened (Europe/Rome).
    pub opened_on: Date,
    /// What happened to each legal clock.
    pub clocks: IndexMap<String, Vec<ClockEvent>>,
    /// How many documents of each type its case file holds.
    pub documents: BTreeMap<String, u32>,
}

/// Who acts.
///
/// Its JSON form, `{"kind": "citizen", "fiscal_code": …}` or `{"kind": "staff", "user": …, "roles": …,
/// "offices": …}`, is what the pages' signed session cookie keeps: renaming a variant or a field signs
/// everyone out, which the tests below pin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Actor {
    /// A citizen, signed in with SPID/CIE.
    Citizen {
        /// Their fiscal code.
        fiscal_code: String,
    },
    /// A member of staff.
    Staff {
        /// Their user id.
        user: String,
        /// The roles they hold.
        roles: Vec<String>,
        /// The offices they work for.
        offices: Vec<String>,
    },
    /// The engine itself: deadlines, clock expiries, external events.
    System,
}

impl Actor {
    /// How the audit trail names the actor (no personal data beyond what identifies them).
    pub fn describe(&self) -> String {
        match self {
            Actor::Citizen { .. } => "the applicant".to_owned(),
            Actor::Staff { user, .. } => format!("staff member {user}"),
            Actor::System => "the system".to_owned(),
        }
    }

    /// Who the actor is, as the case file records an uploader: a citizen's fiscal code, a member of
    /// staff's user id; `None` for the system.
    pub fn key(&self) -> Option<String> {
        match self {
            Actor::Citizen { fiscal_code } => Some(fiscal_code.clone()),
            Actor::Staff { user, .. } => Some(user.clone()),
            Actor::System => None,
        }
    }

    /// Whether the actor is a member of staff holding `role`; citizens and the system hold none. A
    /// role here is the staff member's own (from their token), not yet one a workflow gives an office:
    /// for what they may do on a case, see [`access`](crate::access).
    pub fn has_role(&self, role: &str) -> bool {
        matches!(self, Actor::Staff { roles, .. } if roles.iter().any(|r| r == role))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn clerk() -> Actor {
        Actor::Staff { user: "u-17".into(), roles: vec!["clerk".into()], offices: vec!["anagrafe".into()] }
    }

    #[test]
    fn an_actor_keeps_the_json_shape_that_signed_session_cookies_hold() {
        let citizen = Actor::Citizen { fiscal_code: "RSSMRA85T10A562S".into() };
        let citizen_json = json!({"kind": "citizen", "fiscal_code": "RSSMRA85T10A562S"});
        let staff_json = json!({"kind": "staff", "user": "u-17", "roles": ["clerk"], "offices": ["anagrafe"]});
        assert_eq!(serde_json::to_value(&citizen).unwrap(), citizen_json);
        assert_eq!(serde_json::to_value(clerk()).unwrap(), staff_json);
        assert_eq!(serde_json::from_value::<Actor>(citizen_json).unwrap(), citizen);
        assert_eq!(serde_json::from_value::<Actor>(staff_json).unwrap(), clerk());
        assert_eq!(serde_json::to_value(Actor::System).unwrap(), json!({"kind": "system"}));
    }

    #[test]
    fn only_staff_hold_roles() {
        assert!(clerk().has_role("clerk"));
        assert!(!clerk().has_role("analyst"));
        assert!(!Actor::Citizen { fiscal_code: "RSSMRA85T10A562S".into() }.has_role("clerk"));
        assert!(!Actor::System.has_role("clerk"));
    }
}
