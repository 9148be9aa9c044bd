//! What one command writes about a case, planned once for every backend: from the case row as read
//! and the runtime's decision (the case after, the audit body, the effects), the timer changes
//! (`sportello_runtime::timers`), the assignment, the outbox rows, the audit entry sealed over the case
//! as the command leaves it, and the row's new values. The SQL tables turn a plan into statements
//! (`database/rows.rs`), the in-memory store into map updates (`memory/`); neither decides anything.

use jiff::Timestamp;
use serde_json::{Value as Json, json};

use crate::OutboxKind;
use crate::case_row::{CaseRow, stored_json};
use crate::sealed_timers;
use crate::types::{Applied, CaseAfter, clocks_to_json};
use sportello_runtime::audit::{self, ChainedEntry, Head};
use sportello_runtime::audit_seal::{SealedFields, sealed};
use sportello_runtime::case::Case;
use sportello_runtime::documents::Attached;
use sportello_runtime::effect::{ClockSnapshot, Effect};
use sportello_runtime::timers::{TimerChange, timer_changes};

/// What one command decided about a case.
pub struct Change<'a> {
    /// The row as read.
    pub before: &'a CaseRow,
    /// The case after the command.
    pub after: Case,
    /// Who its state waits for, as stored (`None` in a final state).
    pub waiting_for: Option<&'static str>,
    /// The audit entry's body.
    pub audit: Json,
    /// What to do: timers, assignment, outbox.
    pub effects: Vec<Effect>,
    /// The documents it attaches (uploads waiting for it).
    pub attached: Vec<Attached>,
    /// Now.
    pub now: Timestamp,
}

/// One outbox row a command asks for.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    /// Which port delivers it.
    pub kind: OutboxKind,
    /// Its name in the workflow.
    pub name: String,
    /// What it carries: a notification's snapshot of the case, a payment's amount and due date.
    pub payload: Json,
}

/// The writes of one command, planned: what every backend stores for it.
pub struct CaseWrites<'a> {
    /// The row as read; the writes hold only while the stored row is still at its version and audit
    /// head.
    pub before: &'a CaseRow,
    /// The case after the command.
    pub after: Case,
    /// Its legal clocks as stored.
    pub clocks: Json,
    /// The clerk it is assigned to after the command.
    pub assignee: Option<String>,
    /// Who its state waits for.
    pub waiting_for: Option<&'static str>,
    /// The timers to clear and set, in order.
    pub timers: Vec<TimerChange>,
    /// The pending timers after those changes, in the seal's shape.
    pub timers_after: Json,
    /// The audit entry, its body sealed over the case as the command leaves it.
    pub entry: ChainedEntry,
    /// The outbox rows, in order; the `n`-th has the idempotency key `code/sequence/n`.
    pub deliveries: Vec<Delivery>,
    /// The uploads the command attaches to the case file, marked with its audit entry's sequence.
    pub attached: Vec<Attached>,
    /// Now.
    pub now: Timestamp,
}

/// Plans the writes of `change`.
pub fn plan(change: Change<'_>) -> CaseWrites<'_> {
    let Change { before, mut after, waiting_for, audit, effects, attached, now } = change;
    let mut assignee = before.assignee.clone();
    let timers = timer_changes(&effects, now);
    let deliveries = outbox_deliveries(effects, &mut after, &mut assignee);
    let clocks = clocks_to_json(&after.clocks);
    let timers_after = sealed_timers::after(&before.timers, &timers);
    let sealed_fields = SealedFields {
        state: after.state.as_str(),
        data: &after.data,
        clocks: &clocks,
        version: after.version,
        office: &after.office,
        assignee: assignee.as_deref(),
        timers: &timers_after,
        ..before.sealed_fields(&Json::Null, &Json::Null)
    };
    let entry = next_entry(before, &after.code, sealed(audit, &sealed_fields));
    CaseWrites { before, after, clocks, assignee, waiting_for, timers, timers_after, entry, deliveries, attached, now }
}

/// Plans an entry that changes nothing but the chain (a refused timer, a payment recorded without a
/// transition): its body is sealed over the row as read.
pub fn chain_only(before: &CaseRow, code: &str, body: Json) -> ChainedEntry {
    let (data, clocks) = (stored_json(&before.data), stored_json(&before.clocks));
    next_entry(before, code, sealed(body, &before.sealed_fields(&data, &clocks)))
}

impl CaseWrites<'_> {
    /// The command's result, before it is written.
    pub fn applied(&self) -> Applied {
        Applied {
            case_id: self.before.id,
            code: self.after.code.clone(),
            state: self.after.state.to_string(),
            version: self.after.version,
            replayed: false,
            after: None,
        }
    }

    /// The case as the command left it, for its answer, once the writes are written.
    pub fn into_case_after(self) -> CaseAfter {
        CaseAfter { case: self.after, assignee: self.assignee, audit_entries: self.entry.sequence }
    }

    /// The idempotency key of the `index`-th (from 0) outbox row.
    pub fn delivery_key(&self, index: usize) -> String {
        format!("{}/{}/{}", self.after.code, self.entry.sequence, index + 1)
    }
}

/// The outbox rows `effects` ask for, in order, with `after` and `assignee` changed by any assignment
/// among them. The timer effects are left to [`timer_changes`].
fn outbox_deliveries(effects: Vec<Effect>, after: &mut Case, assignee: &mut Option<String>) -> Vec<Delivery> {
    let mut deliveries = Vec::new();
    for effect in effects {
        let (kind, name, payload) = match effect {
            Effect::CancelDeadline { .. } | Effect::ScheduleDeadline { .. } | Effect::SetClockExpiry { .. } => continue,
            Effect::Assign { office, clerk } => {
                if let Some(office) = office {
                    after.office = office;
                }
                *assignee = clerk;
                continue;
            }
            Effect::Notify { notification, clocks } => {
                (OutboxKind::Notify, notification, notification_snapshot(after, clocks))
            }
            Effect::CallWebhook(name) => (OutboxKind::Webhook, name, json!({})),
            Effect::RequestPayment { payment, amount_cents, description, due } => (
                OutboxKind::Payment,
                payment,
                json!({"amount_cents": amount_cents, "description": description, "due": due.to_string()}),
            ),
        };
        deliveries.push(Delivery { kind, name, payload });
    }
    deliveries
}

/// What a notification's templates will see: the case as this transition left it (state, data, each
/// clock's due date and days left), not as it will be when the message goes out.
fn notification_snapshot(after: &Case, clocks: Vec<ClockSnapshot>) -> Json {
    let clocks: serde_json::Map<String, Json> = clocks
        .into_iter()
        .map(|c| {
            let view = json!({"due": c.due.map(|d| d.to_string()), "remaining_days": c.remaining_days});
            (c.name, view)
        })
        .collect();
    json!({"state": after.state.as_str(), "data": after.data, "clocks": clocks, "documents": after.documents})
}

/// The audit entry that follows the chain whose head `before` keeps (or starts it).
pub fn next_entry(before: &CaseRow, code: &str, body: Json) -> ChainedEntry {
    let head = Head { sequence: before.audit_sequence as u64, hash: before.audit_hash.clone() };
    audit::append_after(code, (head.sequence > 0).then_some(&head), body)
}
