//! A case: one application moving through its workflow, and who acts on it.

use indexmap::IndexMap;
use jiff::civil::Date;
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
}

/// Who acts.
#[derive(Debug, Clone, PartialEq, Eq)]
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
}
