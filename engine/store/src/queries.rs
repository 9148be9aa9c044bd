//! What case lists, worklists and audit pages ask the store and get back: a search with its filters
//! and cursor, one page of case summaries, the per-state counts of a worklist, and a case's audit
//! trail as stored. Who may see what is the caller's business: it scopes a clerk with `offices` and a
//! citizen with `applicant`.

use jiff::Timestamp;
use jiff::civil::Date;
use serde_json::Value as Json;

pub use sportello_definition::model::WaitingFor;

/// The page size when a query names none.
pub const DEFAULT_LIMIT: u32 = 50;

/// The largest page a query gets, whatever it asks for.
pub const MAX_LIMIT: u32 = 200;

/// A search over cases. Every filter set must match; an unset one matches everything. Results come
/// by legal due date: soonest first, cases with nothing due last, ties by id.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaseQuery {
    /// Cases of this workflow.
    pub workflow: Option<String>,
    /// Cases in this state.
    pub state: Option<String>,
    /// Cases whose state waits for this party (a case in a final state waits for no one and never
    /// matches).
    pub waiting_for: Option<WaitingFor>,
    /// Cases of one of these offices (a clerk's scope); an empty list matches nothing.
    pub offices: Option<Vec<String>>,
    /// Cases of this office.
    pub office: Option<String>,
    /// Cases assigned to this clerk.
    pub assignee: Option<String>,
    /// Cases of this applicant, by fiscal code (a citizen's scope).
    pub applicant: Option<String>,
    /// The case with this code (`RA-2026-000042`); a code no case has matches nothing.
    pub code: Option<String>,
    /// Cases by how soon they fall due.
    pub due: Option<DueFilter>,
    /// Where the previous page ended: its [`CasePage::next`].
    pub after: Option<String>,
    /// The page size: [`DEFAULT_LIMIT`] if unset, at most [`MAX_LIMIT`], at least 1.
    pub limit: Option<u32>,
}

impl CaseQuery {
    /// The page size this query gets.
    pub fn page_size(&self) -> u32 {
        self.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT)
    }
}

/// How soon a case falls due, against the store's clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DueFilter {
    /// Its due instant has passed.
    Overdue,
    /// Its legal due date (the last day of its term, Europe/Rome) is at most this many days after
    /// today; overdue cases included.
    Within {
        /// Days from today.
        days: u32,
    },
}

/// One page of a search.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CasePage {
    /// The cases, in order.
    pub items: Vec<CaseSummary>,
    /// The cursor of the next page (pass it as [`CaseQuery::after`]), or `None` on the last one.
    pub next: Option<String>,
}

/// A case as a list shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseSummary {
    /// The row id.
    pub id: i64,
    /// Its code (`RA-2026-000042`).
    pub code: String,
    /// The workflow.
    pub workflow: String,
    /// The workflow version it runs on.
    pub workflow_version: u32,
    /// Its state.
    pub state: String,
    /// Who its state waits for; `None` in a final state.
    pub waiting_for: Option<WaitingFor>,
    /// The office in charge.
    pub office: String,
    /// The clerk it is assigned to.
    pub assignee: Option<String>,
    /// The applicant's fiscal code.
    pub applicant: String,
    /// The day it was opened (Europe/Rome).
    pub opened_on: Date,
    /// When it last changed.
    pub updated_at: Timestamp,
    /// Its legal due instant: the earliest of its pending timers, if any.
    pub due_at: Option<Timestamp>,
    /// Its version.
    pub version: u64,
}

/// How many cases of a worklist wait in one state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateCount {
    /// The workflow.
    pub workflow: String,
    /// The state.
    pub state: String,
    /// Cases in it.
    pub count: u64,
    /// Those past their due instant.
    pub overdue: u64,
    /// The soonest due instant among them.
    pub earliest_due: Option<Timestamp>,
}

/// One entry of a case's audit trail, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    /// Its place in the chain, from 1.
    pub sequence: u64,
    /// When it was written.
    pub recorded_at: Timestamp,
    /// What happened, as stored (a body no longer readable as JSON comes back as a JSON string).
    pub body: Json,
    /// Its hash (SHA-256, lowercase hex).
    pub hash: String,
}
