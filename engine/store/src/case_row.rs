//! A case as every backend stores it: [`CaseRow`], the row with its columns as stored (JSON as text,
//! instants in microseconds) and its pending timers in the seal's shape (`sealed_timers.rs`); and
//! [`Loaded`], a row with the runtime's view of it. The SQL tables and the in-memory store both keep
//! cases in this shape, so what a command plans to write (`case_writes.rs`) is planned once.

use serde_json::Value as Json;

use crate::queries::WaitingFor;
use crate::types::{case_code, clocks_from_json};
use crate::unreadable::corrupt;
use sportello_definition::Definition;
use sportello_definition::ids::{StateId, WorkflowId};
use sportello_runtime::audit_seal::SealedFields;
use sportello_runtime::case::Case;
use sportello_runtime::error::Error;

/// A case row as stored.
#[derive(Clone, Debug, PartialEq)]
pub struct CaseRow {
    /// The row id (the database's: the case's code ends with it).
    pub id: i64,
    /// The workflow.
    pub workflow: String,
    /// The version of the workflow the case runs on.
    pub workflow_version: i32,
    /// The state.
    pub state: String,
    /// The case data, JSON text.
    pub data: String,
    /// The legal clocks' events, JSON text.
    pub clocks: String,
    /// Bumped by every change of the case.
    pub version: i64,
    /// The applicant's fiscal code.
    pub applicant: String,
    /// The office that holds the case.
    pub office: String,
    /// The clerk it is assigned to.
    pub assignee: Option<String>,
    /// The opening day, `YYYY-MM-DD`.
    pub opened_on: String,
    /// When it was opened, in microseconds.
    pub opened_at: i64,
    /// When it last changed, in microseconds.
    pub updated_at: i64,
    /// The sequence of its audit chain's last entry (0: none yet).
    pub audit_sequence: i64,
    /// The hash of its audit chain's last entry.
    pub audit_hash: String,
    /// Who its state waits for (`citizen`, `office`, `system`; `None` in a final state).
    pub waiting_for: Option<String>,
    /// Its earliest timer, in microseconds.
    pub due_at: Option<i64>,
    /// Its pending timers as its audit seal sees them (`sealed_timers.rs`); `null` when a row was read
    /// without them.
    pub timers: Json,
    /// The types of the documents its case file holds, one per document, comma-separated (`None`:
    /// none).
    pub document_types: Option<String>,
}

/// A case row and the runtime's view of it.
pub struct Loaded {
    /// The row as read.
    pub row: CaseRow,
    /// The case.
    pub case: Case,
}

impl Loaded {
    /// A row already in hand (one just read or inserted).
    ///
    /// # Errors
    ///
    /// A storage error (unreadable) when a stored column does not parse.
    pub fn from_row(row: CaseRow) -> Result<Loaded, Error> {
        let case = row.case()?;
        Ok(Loaded { row, case })
    }
}

impl CaseRow {
    /// The runtime's view of the row.
    ///
    /// # Errors
    ///
    /// A storage error (unreadable) when a stored column does not parse.
    pub fn case(&self) -> Result<Case, Error> {
        let corrupt = |what: &str| corrupt(format!("case {}: stored {what} is not readable", self.id));
        let opened_on = self.opened_on.parse().map_err(|_| corrupt("opening day"))?;
        let clocks = serde_json::from_str(&self.clocks)
            .ok()
            .and_then(|c| clocks_from_json(&c))
            .ok_or_else(|| corrupt("clocks"))?;
        Ok(Case {
            code: case_code(&self.workflow, opened_on, self.id),
            workflow: WorkflowId::parse(&self.workflow).map_err(|_| corrupt("workflow"))?,
            workflow_version: self.workflow_version as u32,
            state: StateId::parse(&self.state).map_err(|_| corrupt("state"))?,
            data: serde_json::from_str(&self.data).map_err(|_| corrupt("data"))?,
            version: self.version as u64,
            applicant: self.applicant.clone(),
            office: self.office.clone(),
            opened_on,
            clocks,
            documents: document_counts(self.document_types.as_deref()),
        })
    }

    /// The sealed fields of the row (`audit_seal.rs`), with its data and clocks as parsed from it.
    pub fn sealed_fields<'a>(&'a self, data: &'a Json, clocks: &'a Json) -> SealedFields<'a> {
        SealedFields {
            workflow: &self.workflow,
            workflow_version: self.workflow_version as u32,
            state: &self.state,
            data,
            clocks,
            version: self.version as u64,
            applicant: &self.applicant,
            office: &self.office,
            assignee: self.assignee.as_deref(),
            opened_on: &self.opened_on,
            timers: &self.timers,
        }
    }
}

/// How many documents of each type a comma-separated list names.
pub fn document_counts(types: Option<&str>) -> std::collections::BTreeMap<String, u32> {
    let mut counts = std::collections::BTreeMap::new();
    for doc_type in types.unwrap_or_default().split(',').filter(|t| !t.is_empty()) {
        *counts.entry(doc_type.to_owned()).or_default() += 1;
    }
    counts
}

/// The comma-separated list of types that `counts` counts (`None`: no document).
pub fn document_list(counts: &std::collections::BTreeMap<String, u32>) -> Option<String> {
    let types: Vec<&str> = counts.iter().flat_map(|(t, n)| std::iter::repeat_n(t.as_str(), *n as usize)).collect();
    (!types.is_empty()).then(|| types.join(","))
}

/// A JSON column as stored; text that is not JSON (altered) stays as a string, to differ.
pub fn stored_json(text: &str) -> Json {
    serde_json::from_str(text).unwrap_or_else(|_| Json::String(text.to_owned()))
}

/// What a case in `state` waits for, as stored: its state's `waiting_for`, or `None` in a final state
/// (and in a state the definition does not have, which a validated definition's case never is in).
pub fn waiting_for(definition: &Definition, state: &str) -> Option<&'static str> {
    let state = definition.states.get(state)?;
    (!state.is_final).then(|| as_str(state.waiting_for))
}

/// A `waiting_for` as stored: its name in the YAML.
pub fn as_str(waiting_for: WaitingFor) -> &'static str {
    match waiting_for {
        WaitingFor::Citizen => "citizen",
        WaitingFor::Office => "office",
        WaitingFor::Payment => "payment",
        WaitingFor::External => "external",
        WaitingFor::Nobody => "nobody",
    }
}
