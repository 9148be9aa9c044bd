//! What callers give the store and get back: commands, their results, and the views of a case.

use indexmap::IndexMap;
use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use serde_json::{Value as Json, json};

use sportello_runtime::audit::ChainBreak;
use sportello_runtime::case::{Actor, Case};
use sportello_runtime::legal_clock::{ClockEvent, ClockStatus};
use sportello_runtime::transition::ApplyTransition;

/// Where the data lives and how durably SQLite writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreOptions {
    /// `sqlite://FILE` (created if missing) or `postgres://…`.
    pub url: String,
    /// SQLite's `synchronous` setting.
    pub synchronous: Synchronous,
    /// Connections in the PostgreSQL pool (and SQLite readers).
    pub pool_size: u32,
    /// The most commands one SQLite group commit takes.
    pub max_batch: usize,
}

impl StoreOptions {
    /// Durable defaults for `url`.
    pub fn new(url: impl Into<String>) -> Self {
        StoreOptions { url: url.into(), synchronous: Synchronous::Full, pool_size: 8, max_batch: 256 }
    }
}

/// SQLite's `synchronous` pragma, in WAL mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Synchronous {
    /// Every commit is fsynced before it is acknowledged: durable against power loss (the default).
    #[default]
    Full,
    /// Commits are fsynced at checkpoints: safe against a crash of the process, not of the machine.
    Normal,
}

/// Which database the store talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// One SQLite file.
    Sqlite,
    /// A PostgreSQL database.
    Postgres,
}

/// The result of deploying a workflow file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deployed {
    /// The workflow id.
    pub workflow: String,
    /// The version now current.
    pub version: u32,
    /// False when the file was already deployed as it is (nothing was written).
    pub changed: bool,
}

/// Opening a case.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenCase {
    /// The workflow id; the case takes its latest deployed version.
    pub workflow: String,
    /// The applicant's fiscal code.
    pub applicant: String,
    /// Who opens it: the applicant, or a clerk of the owning office on their behalf.
    pub actor: Actor,
    /// The application data (a JSON object).
    pub data: Json,
    /// A client's idempotency key.
    pub idempotency_key: Option<String>,
}

/// Applying a transition to a stored case.
#[derive(Debug, Clone, PartialEq)]
pub struct Apply {
    /// The case.
    pub case_id: i64,
    /// The case's code as the caller named it, when it came from outside (a URL): a case whose code
    /// differs is refused as not found, like a case that does not exist.
    pub code: Option<String>,
    /// The transition, actor, input and expected version.
    pub command: ApplyTransition,
    /// A client's idempotency key.
    pub idempotency_key: Option<String>,
}

/// An external event for a case (a pagoPA receipt, a protocol number, …).
#[derive(Debug, Clone, PartialEq)]
pub struct DeliverEvent {
    /// The case.
    pub case_id: i64,
    /// The event's name, as the workflow's transitions name it in `on:`.
    pub event: String,
    /// The sender's message id: a redelivery with the same id is not applied twice.
    pub message_id: String,
    /// The event's payload, validated as the transition's input.
    pub payload: Json,
}

/// Assigning a case to a clerk, or taking it off them. Who may do it is the caller's check.
#[derive(Debug, Clone, PartialEq)]
pub struct Assign {
    /// The case.
    pub case_id: i64,
    /// The clerk, or `None` to leave the case unassigned.
    pub assignee: Option<String>,
    /// Who assigns it (recorded in the audit trail).
    pub actor: Actor,
    /// The version the caller saw; `None` to assign whatever the version.
    pub expected_version: Option<u64>,
}

/// New data for a case still in its initial state (a draft).
#[derive(Debug, Clone)]
pub struct SaveDraft {
    /// The case.
    pub case_id: i64,
    /// The fields to set; a field set to `null` is removed.
    pub data: serde_json::Map<String, serde_json::Value>,
    /// Who saves it: the applicant, or staff of the owning office.
    pub actor: Actor,
    /// The version the caller saw; `None` to save whatever the version.
    pub expected_version: Option<u64>,
}

/// A draft to delete: a case still in its initial state, by its applicant.
#[derive(Debug, Clone)]
pub struct DeleteDraft {
    /// The case.
    pub case_id: i64,
    /// Who deletes it: the applicant (anyone else is refused).
    pub actor: Actor,
    /// The version the caller saw; `None` to delete whatever the version.
    pub expected_version: Option<u64>,
}

/// A command that was carried out.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Applied {
    /// The case.
    pub case_id: i64,
    /// Its code.
    pub code: String,
    /// The state it is in now.
    pub state: String,
    /// Its version now.
    pub version: u64,
    /// True when this is the stored result of an earlier request with the same idempotency key or
    /// message id, returned again without doing anything.
    #[serde(default)]
    pub replayed: bool,
    /// The case as the command left it, when the command changed it just now, so that the answer to
    /// the command is built without reading the case again. Not stored with the result: a replay
    /// has none.
    #[serde(skip)]
    pub after: Option<Box<CaseAfter>>,
}

/// Two results are the same result when they name the same case, state and version and agree on
/// being replays; the case carried along for the answer is not part of it.
impl PartialEq for Applied {
    fn eq(&self, other: &Self) -> bool {
        (self.case_id, &self.code, &self.state, self.version, self.replayed)
            == (other.case_id, &other.code, &other.state, other.version, other.replayed)
    }
}

impl Eq for Applied {}

/// The case as a command left it: what its answer shows, apart from the pending timers.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseAfter {
    /// The case.
    pub case: Case,
    /// The clerk it is assigned to.
    pub assignee: Option<String>,
    /// Audit entries so far.
    pub audit_entries: u64,
}

/// What a round of the timer worker did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FiredTimers {
    /// Timers whose transition was applied.
    pub fired: usize,
    /// Timers whose transition was refused (recorded in the case's audit trail, then dropped).
    pub refused: usize,
}

/// A timer waiting on a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingTimer {
    /// `deadline` (of a state) or `clock` (a clock's expiry).
    pub kind: String,
    /// The state or clock.
    pub name: String,
    /// The system transition it fires.
    pub fire: String,
    /// When it falls due.
    pub due_at: Timestamp,
    /// The last day of its term, for terms counted in days.
    pub term_day: Option<Date>,
}

/// How far behind the timers and the outbox are.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Backlog {
    /// Timers due and not yet fired.
    pub due_timers: u64,
    /// When the oldest of them fell due.
    pub oldest_due: Option<Timestamp>,
    /// Outbox rows not yet delivered.
    pub outbox_pending: u64,
}

/// A deployed workflow and its versions, oldest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkflowVersions {
    /// The workflow id.
    pub workflow: String,
    /// Its versions.
    pub versions: Vec<DeployedVersion>,
}

/// One deployed version of a workflow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeployedVersion {
    /// The version number.
    pub version: u32,
    /// SHA-256 of the source, hex.
    pub hash: String,
    /// When it was deployed.
    pub deployed_at: Timestamp,
}

/// A case as stored, with its timers.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredCase {
    /// The row id.
    pub id: i64,
    /// The case.
    pub case: Case,
    /// The clerk it is assigned to.
    pub assignee: Option<String>,
    /// Its timers, soonest first.
    pub timers: Vec<PendingTimer>,
    /// Audit entries so far.
    pub audit_entries: u64,
    /// Each legal clock of the workflow, as it stands today (Europe/Rome).
    pub clocks: IndexMap<String, ClockView>,
}

/// A legal clock as the case page shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClockView {
    /// Started, elapsed, remaining, due date, suspended or interrupted since, stopped.
    pub status: ClockStatus,
    /// Everything that happened to it (starts, suspensions, resumptions, interruptions, restarts,
    /// stop), each on its day.
    pub history: Vec<ClockEvent>,
}

/// What `audit verify` found.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AuditReport {
    /// Cases checked.
    pub cases: u64,
    /// Entries checked.
    pub entries: u64,
    /// Every broken chain or altered row, one per case.
    pub breaks: Vec<ChainBreak>,
    /// Cases whose chain's last entry has no seal (written before rows were sealed): their chain is
    /// checked, their row is not.
    pub unsealed: u64,
}

/// A case code: the workflow's initials, the year it was opened and the row id (`BP-2026-000123`).
pub fn case_code(workflow: &str, opened_on: Date, id: i64) -> String {
    let initials: String =
        workflow.split('-').filter_map(|w| w.chars().next()).map(|c| c.to_ascii_uppercase()).collect();
    format!("{initials}-{}-{id:06}", opened_on.year())
}

/// The row id in a case code, if it is one.
pub fn case_id_from_code(code: &str) -> Option<i64> {
    code.rsplit('-').next()?.parse().ok()
}

/// Clock events as stored: `{"clock": [{"event": "started", "on": "2026-03-02"}, …]}`.
pub fn clocks_to_json(clocks: &IndexMap<String, Vec<ClockEvent>>) -> Json {
    clocks
        .iter()
        .map(|(name, events)| {
            let events: Vec<Json> =
                events.iter().map(|e| json!({"event": e.kind(), "on": e.day().to_string()})).collect();
            (name.clone(), Json::Array(events))
        })
        .collect::<serde_json::Map<_, _>>()
        .into()
}

/// Clock events read back; `None` if the stored text is not what [`clocks_to_json`] writes.
pub fn clocks_from_json(value: &Json) -> Option<IndexMap<String, Vec<ClockEvent>>> {
    value
        .as_object()?
        .iter()
        .map(|(name, events)| {
            let events = events
                .as_array()?
                .iter()
                .map(|e| {
                    let day: Date = e.get("on")?.as_str()?.parse().ok()?;
                    Some(match e.get("event")?.as_str()? {
                        "started" => ClockEvent::Started(day),
                        "suspended" => ClockEvent::Suspended(day),
                        "resumed" => ClockEvent::Resumed(day),
                        "interrupted" => ClockEvent::Interrupted(day),
                        "restarted" => ClockEvent::Restarted(day),
                        "stopped" => ClockEvent::Stopped(day),
                        _ => return None,
                    })
                })
                .collect::<Option<Vec<_>>>()?;
            Some((name.clone(), events))
        })
        .collect()
}

/// Who an idempotency key belongs to: keys of different actors never collide.
pub fn actor_scope(actor: &Actor) -> String {
    match actor {
        Actor::Citizen { fiscal_code } => format!("citizen:{fiscal_code}"),
        Actor::Staff { user, .. } => format!("staff:{user}"),
        Actor::System => "system".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;

    #[test]
    fn case_codes_carry_initials_year_and_id() {
        assert_eq!(case_code("building-permit", date(2026, 3, 2), 123), "BP-2026-000123");
        assert_eq!(case_code("records-access", date(2027, 1, 1), 1_234_567), "RA-2027-1234567");
        assert_eq!(case_id_from_code("BP-2026-000123"), Some(123));
        assert_eq!(case_id_from_code("nonsense"), None);
    }

    #[test]
    fn clock_events_round_trip() {
        let mut clocks = IndexMap::new();
        clocks.insert(
            "decision".to_owned(),
            vec![ClockEvent::Started(date(2026, 3, 2)), ClockEvent::Suspended(date(2026, 3, 10))],
        );
        assert_eq!(clocks_from_json(&clocks_to_json(&clocks)), Some(clocks));
        assert_eq!(clocks_from_json(&json!({"decision": [{"event": "paused", "on": "2026-03-02"}]})), None);
    }
}
