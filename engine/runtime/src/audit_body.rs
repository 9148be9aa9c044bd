//! What each audit entry says: one type per kind of entry (a case opened, a transition applied by a
//! caller, an event or a timer, a draft saved or deleted, a case assigned, a request refused, a payment recorded
//! without a transition, a timer refused, an effect given up as an incident and a clerk's action on
//! one), each holding the facts the store has (who, when, the versions, the data as stored) and
//! giving the JSON body that [`crate::audit`] chains. The rules of what an entry keeps are here: only
//! the SHA-256 of a case's data, only the names of a draft's fields, no fiscal code of a citizen who
//! is not the applicant. Every body's keys, values and key order are the chain's format: entries
//! already written must keep verifying, so the tests at the bottom pin each body as it has always
//! been written.

use jiff::Timestamp;
use serde_json::{Map, Value as Json, json};

use crate::audit::sha256_hex;
use crate::case::Actor;
use crate::clock::civil_day;
use crate::error::Error;
use crate::transition::AuditEntry;
use sportello_definition::ids::{StateId, WorkflowId};

impl AuditEntry {
    /// The entry as the JSON body the audit chain hashes and stores: what the runtime decided, before
    /// the store says when and how the transition came ([`Transitioned`]).
    pub fn body(&self) -> Json {
        Json::Object(self.fields())
    }

    fn fields(&self) -> Map<String, Json> {
        let clocks: Vec<Json> = self
            .clock_events
            .iter()
            .map(|(clock, event)| json!({"clock": clock, "event": event.kind(), "on": event.day().to_string()}))
            .collect();
        let mut out = fields([
            ("actor", json!(self.actor)),
            ("transition", json!(self.transition.as_str())),
            ("from", json!(self.from.as_str())),
            ("to", json!(self.to.as_str())),
            ("input", self.input.clone()),
            ("clock_events", json!(clocks)),
            ("on", json!(self.on.to_string())),
        ]);
        // Only an entry that attached documents names them, so entries written before the case
        // file existed keep their body.
        if !self.documents.is_empty() {
            out.insert("documents".to_owned(), crate::documents::audit_list(&self.documents));
        }
        out
    }
}

/// A case opened in its workflow's initial state.
#[derive(Debug, Clone, Copy)]
pub struct Opened<'a> {
    /// Who opened it.
    pub actor: &'a Actor,
    /// Its workflow.
    pub workflow: &'a WorkflowId,
    /// The version of the workflow it opened on.
    pub workflow_version: u32,
    /// The state it opened in.
    pub state: &'a StateId,
    /// Its data as stored (JSON text); the entry keeps only its SHA-256.
    pub data: &'a str,
    /// When.
    pub at: Timestamp,
}

impl Opened<'_> {
    /// The entry's JSON body.
    pub fn body(&self) -> Json {
        json!({
            "command": "open",
            "actor": self.actor.describe(),
            "workflow": self.workflow.as_str(),
            "workflow_version": self.workflow_version,
            "to": self.state.as_str(),
            "data_sha256": sha256_hex(self.data),
            "at": self.at.to_string(),
            "on": day(self.at),
            "outcome": "applied",
        })
    }
}

/// What applied a transition: a caller's command, an external event or a timer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A citizen or a member of staff applied it.
    Apply,
    /// An external event fired it.
    Event {
        /// The event (`payment.paid`, …).
        event: String,
        /// The sender's message id.
        message_id: String,
        /// The payment the event settles, if it settles one.
        payment: Option<SettledPayment>,
    },
    /// A timer fired it.
    Timer {
        /// The timer's kind (`deadline`, `clock`).
        kind: String,
        /// The state or clock it belongs to.
        name: String,
    },
}

/// A payment an event settles, as the audit trail names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettledPayment {
    /// The payment's name in the workflow.
    pub name: String,
    /// Its notice number.
    pub notice_number: String,
}

impl Origin {
    fn fields(&self) -> Map<String, Json> {
        match self {
            Origin::Apply => fields([("command", json!("apply"))]),
            Origin::Event { event, message_id, payment } => {
                let mut out =
                    fields([("command", json!("event")), ("event", json!(event)), ("message_id", json!(message_id))]);
                if let Some(payment) = payment {
                    out.extend(fields([
                        ("payment", json!(payment.name)),
                        ("notice_number", json!(payment.notice_number)),
                    ]));
                }
                out
            }
            Origin::Timer { kind, name } => {
                fields([("command", json!("timer")), ("timer", json!(kind)), ("name", json!(name))])
            }
        }
    }
}

/// A transition applied: the runtime's [`AuditEntry`], how it came, and what the store knows of it.
#[derive(Debug, Clone, Copy)]
pub struct Transitioned<'a> {
    /// What the runtime decided.
    pub entry: &'a AuditEntry,
    /// What applied it.
    pub origin: &'a Origin,
    /// The case's data as stored before the transition (JSON text); the entry keeps only its SHA-256.
    pub data: &'a str,
    /// The case's version after the transition.
    pub version: u64,
    /// When.
    pub at: Timestamp,
}

impl Transitioned<'_> {
    /// The entry's JSON body.
    pub fn body(&self) -> Json {
        let mut body = self.entry.fields();
        body.extend(self.origin.fields());
        body.extend(fields([
            ("at", json!(self.at.to_string())),
            ("data_sha256", json!(sha256_hex(self.data))),
            ("version", json!(self.version)),
            ("outcome", json!("applied")),
        ]));
        Json::Object(body)
    }
}

/// A draft saved: fields of a case still in its initial state set or removed.
#[derive(Debug, Clone, Copy)]
pub struct DraftSaved<'a> {
    /// Who saved it.
    pub actor: &'a Actor,
    /// The fields set (a `null` removes one); the entry keeps only their names.
    pub changes: &'a Map<String, Json>,
    /// The case's data after the save (JSON text); the entry keeps only its SHA-256.
    pub data: &'a str,
    /// The case's version after the save.
    pub version: u64,
    /// When.
    pub at: Timestamp,
}

impl DraftSaved<'_> {
    /// The entry's JSON body.
    pub fn body(&self) -> Json {
        json!({
            "command": "save_draft",
            "actor": self.actor.describe(),
            "fields": self.changes.keys().collect::<Vec<_>>(),
            "data_sha256": sha256_hex(self.data),
            "at": self.at.to_string(),
            "on": day(self.at),
            "version": self.version,
            "outcome": "applied",
        })
    }
}

/// A draft deleted by its applicant: the case is marked deleted and its data cleared. The entry
/// keeps no field name and no digest of the data cleared; the entries before it keep what they sealed.
#[derive(Debug, Clone, Copy)]
pub struct DraftDeleted<'a> {
    /// Who deleted it.
    pub actor: &'a Actor,
    /// The case's version after the deletion.
    pub version: u64,
    /// When.
    pub at: Timestamp,
}

impl DraftDeleted<'_> {
    /// The entry's JSON body.
    pub fn body(&self) -> Json {
        json!({
            "command": "delete_draft",
            "actor": self.actor.describe(),
            "at": self.at.to_string(),
            "on": day(self.at),
            "version": self.version,
            "outcome": "applied",
        })
    }
}

/// A case assigned to a clerk, or taken off one.
#[derive(Debug, Clone, Copy)]
pub struct Assigned<'a> {
    /// Who assigned it.
    pub actor: &'a Actor,
    /// The clerk who had it, if anyone did.
    pub from: Option<&'a str>,
    /// The clerk who has it now, if anyone does.
    pub to: Option<&'a str>,
    /// The case's version after the assignment.
    pub version: u64,
    /// When.
    pub at: Timestamp,
}

impl Assigned<'_> {
    /// The entry's JSON body.
    pub fn body(&self) -> Json {
        json!({
            "command": "assign",
            "actor": self.actor.describe(),
            "from": self.from,
            "to": self.to,
            "at": self.at.to_string(),
            "on": day(self.at),
            "version": self.version,
            "outcome": "applied",
        })
    }
}

/// A payment settled by an event that fires no transition in the case's state: recorded, and the
/// state stays.
#[derive(Debug, Clone, Copy)]
pub struct PaymentRecorded<'a> {
    /// The event (`payment.paid`, `payment.expired`).
    pub event: &'a str,
    /// The sender's message id.
    pub message_id: &'a str,
    /// The payment's name in the workflow.
    pub payment: &'a str,
    /// Its notice number.
    pub notice_number: &'a str,
    /// When.
    pub at: Timestamp,
}

impl PaymentRecorded<'_> {
    /// The entry's JSON body; the actor is the system.
    pub fn body(&self) -> Json {
        json!({
            "command": "event",
            "event": self.event,
            "message_id": self.message_id,
            "actor": Actor::System.describe(),
            "payment": self.payment,
            "notice_number": self.notice_number,
            "at": self.at.to_string(),
            "on": day(self.at),
            "outcome": "recorded",
        })
    }
}

/// A timer whose transition was refused (its guard false, say): recorded, and the timer dropped.
#[derive(Debug, Clone, Copy)]
pub struct TimerRefused<'a> {
    /// The transition the timer fires.
    pub transition: &'a str,
    /// The timer's kind (`deadline`, `clock`).
    pub kind: &'a str,
    /// The state or clock it belongs to.
    pub name: &'a str,
    /// Why the transition was refused.
    pub refusal: &'a Error,
    /// When.
    pub at: Timestamp,
}

impl TimerRefused<'_> {
    /// The entry's JSON body; the actor is the system.
    pub fn body(&self) -> Json {
        json!({
            "command": "timer",
            "actor": Actor::System.describe(),
            "transition": self.transition,
            "timer": self.kind,
            "name": self.name,
            "at": self.at.to_string(),
            "on": day(self.at),
            "outcome": "refused",
            "code": self.refusal.code(),
            "reason": self.refusal.to_string(),
        })
    }
}

/// What became of an effect in the outbox, as the audit trail records it.
#[derive(Debug, Clone, Copy)]
pub enum OutboxEvent<'a> {
    /// Delivery gave up (the budget is spent or the remote system refused): an incident.
    Incident {
        /// The effect's kind (`notify`, `payment`, `webhook`, …).
        kind: &'a str,
        /// The notification, payment or webhook's name in the workflow.
        name: &'a str,
        /// The attempts made.
        attempts: u32,
        /// The last attempt's error.
        error: &'a str,
    },
    /// A clerk acted on an incident.
    Handled {
        /// The clerk.
        actor: &'a Actor,
        /// What they did.
        action: IncidentAction,
    },
}

/// What a clerk does with an incident.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IncidentAction {
    /// Deliver the effect again, with a fresh budget.
    Retry,
    /// Give the effect up.
    Dismiss,
}

impl IncidentAction {
    /// Every action.
    pub const ALL: [IncidentAction; 2] = [IncidentAction::Retry, IncidentAction::Dismiss];

    /// The action as the audit trail and the paths name it (`retry`, `dismiss`).
    pub fn as_str(self) -> &'static str {
        match self {
            IncidentAction::Retry => "retry",
            IncidentAction::Dismiss => "dismiss",
        }
    }

    /// The action named `name`, as [`IncidentAction::as_str`] writes it.
    pub fn parse(name: &str) -> Option<IncidentAction> {
        Self::ALL.into_iter().find(|action| action.as_str() == name)
    }
}

/// An entry about one effect of the case's outbox.
#[derive(Debug, Clone, Copy)]
pub struct OutboxEntry<'a> {
    /// The effect's outbox row.
    pub effect_id: i64,
    /// What became of it.
    pub event: OutboxEvent<'a>,
    /// When.
    pub at: Timestamp,
}

impl OutboxEntry<'_> {
    /// The entry's JSON body.
    pub fn body(&self) -> Json {
        let (at, on, effect_id) = (self.at.to_string(), day(self.at), self.effect_id);
        match self.event {
            OutboxEvent::Incident { kind, name, attempts, error } => json!({
                "command": "outbox",
                "actor": Actor::System.describe(),
                "effect": format!("{kind}: {name}"),
                "attempts": attempts,
                "error": error,
                "outcome": "incident",
                "at": at,
                "on": on,
                "effect_id": effect_id,
            }),
            OutboxEvent::Handled { actor, action } => json!({
                "command": "incident",
                "actor": actor.describe(),
                "action": action.as_str(),
                "outcome": "applied",
                "at": at,
                "on": on,
                "effect_id": effect_id,
            }),
        }
    }
}

/// The day of `at` in Europe/Rome, as entries write it.
fn day(at: Timestamp) -> String {
    civil_day(at).to_string()
}

/// A JSON object with these keys, in this order.
fn fields<const N: usize>(pairs: [(&str, Json); N]) -> Map<String, Json> {
    pairs.into_iter().map(|(key, value)| (key.to_owned(), value)).collect()
}

#[cfg(test)]
mod tests {
    //! Each body pinned as the store wrote it before the bodies moved here (and as entries already
    //! in the chains hold it): the same keys, values and key order, byte for byte.

    use jiff::civil::date;

    use super::*;
    use crate::legal_clock::ClockEvent;
    use sportello_definition::ids::TransitionId;

    const AT: &str = "2026-04-20T22:00:00Z";

    fn at() -> Timestamp {
        AT.parse().unwrap()
    }

    fn citizen(fiscal_code: &str) -> Actor {
        Actor::Citizen { fiscal_code: fiscal_code.to_owned() }
    }

    fn clerk() -> Actor {
        Actor::Staff { user: "u-17".into(), roles: vec!["clerk".into()], offices: vec!["segreteria".into()] }
    }

    /// The body as stored: JSON text in the order its keys were written.
    fn text(body: &Json) -> String {
        body.to_string()
    }

    #[test]
    fn an_opening_is_pinned() {
        let body = Opened {
            actor: &citizen("RSSMRA85T10A562S"),
            workflow: &WorkflowId::parse("records-access").unwrap(),
            workflow_version: 1,
            state: &StateId::parse("draft").unwrap(),
            data: "{}",
            at: at(),
        }
        .body();
        let expected = json!({
            "command": "open",
            "actor": "the applicant",
            "workflow": "records-access",
            "workflow_version": 1,
            "to": "draft",
            "data_sha256": "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a",
            "at": "2026-04-20T22:00:00Z",
            "on": "2026-04-21",
            "outcome": "applied",
        });
        assert_eq!(text(&body), text(&expected));
    }

    fn entry() -> AuditEntry {
        AuditEntry {
            documents: Vec::new(),
            actor: "the system".into(),
            transition: TransitionId::parse("copy_fee_paid").unwrap(),
            from: StateId::parse("awaiting_copy_fee").unwrap(),
            to: StateId::parse("granted").unwrap(),
            input: json!({"b": 1, "a": 2}),
            clock_events: vec![("procedure".into(), ClockEvent::Stopped(date(2026, 3, 5)))],
            on: date(2026, 4, 21),
        }
    }

    #[test]
    fn the_runtimes_entry_of_a_transition_is_pinned() {
        let expected = json!({
            "actor": "the system",
            "transition": "copy_fee_paid",
            "from": "awaiting_copy_fee",
            "to": "granted",
            "input": {"b": 1, "a": 2},
            "clock_events": [{"clock": "procedure", "event": "stopped", "on": "2026-03-05"}],
            "on": "2026-04-21",
        });
        assert_eq!(text(&entry().body()), text(&expected));
    }

    fn transitioned(origin: &Origin) -> Json {
        Transitioned { entry: &entry(), origin, data: "{}", version: 9, at: at() }.body()
    }

    #[test]
    fn a_transition_applied_by_a_caller_is_pinned() {
        let expected = json!({
            "actor": "the system",
            "transition": "copy_fee_paid",
            "from": "awaiting_copy_fee",
            "to": "granted",
            "input": {"b": 1, "a": 2},
            "clock_events": [{"clock": "procedure", "event": "stopped", "on": "2026-03-05"}],
            "on": "2026-04-21",
            "command": "apply",
            "at": "2026-04-20T22:00:00Z",
            "data_sha256": "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a",
            "version": 9,
            "outcome": "applied",
        });
        assert_eq!(text(&transitioned(&Origin::Apply)), text(&expected));
    }

    #[test]
    fn a_transition_fired_by_an_event_is_pinned_with_and_without_a_payment() {
        let payment = SettledPayment { name: "copy_fee".into(), notice_number: "301000000000000144".into() };
        let event = |payment| Origin::Event { event: "payment.paid".into(), message_id: "receipt-1".into(), payment };
        let expected = json!({
            "actor": "the system",
            "transition": "copy_fee_paid",
            "from": "awaiting_copy_fee",
            "to": "granted",
            "input": {"b": 1, "a": 2},
            "clock_events": [{"clock": "procedure", "event": "stopped", "on": "2026-03-05"}],
            "on": "2026-04-21",
            "command": "event",
            "event": "payment.paid",
            "message_id": "receipt-1",
            "payment": "copy_fee",
            "notice_number": "301000000000000144",
            "at": "2026-04-20T22:00:00Z",
            "data_sha256": "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a",
            "version": 9,
            "outcome": "applied",
        });
        assert_eq!(text(&transitioned(&event(Some(payment)))), text(&expected));

        let expected = json!({
            "actor": "the system",
            "transition": "copy_fee_paid",
            "from": "awaiting_copy_fee",
            "to": "granted",
            "input": {"b": 1, "a": 2},
            "clock_events": [{"clock": "procedure", "event": "stopped", "on": "2026-03-05"}],
            "on": "2026-04-21",
            "command": "event",
            "event": "payment.paid",
            "message_id": "receipt-1",
            "at": "2026-04-20T22:00:00Z",
            "data_sha256": "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a",
            "version": 9,
            "outcome": "applied",
        });
        assert_eq!(text(&transitioned(&event(None))), text(&expected));
    }

    #[test]
    fn a_transition_fired_by_a_timer_is_pinned() {
        let origin = Origin::Timer { kind: "clock".into(), name: "procedure".into() };
        let expected = json!({
            "actor": "the system",
            "transition": "copy_fee_paid",
            "from": "awaiting_copy_fee",
            "to": "granted",
            "input": {"b": 1, "a": 2},
            "clock_events": [{"clock": "procedure", "event": "stopped", "on": "2026-03-05"}],
            "on": "2026-04-21",
            "command": "timer",
            "timer": "clock",
            "name": "procedure",
            "at": "2026-04-20T22:00:00Z",
            "data_sha256": "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a",
            "version": 9,
            "outcome": "applied",
        });
        assert_eq!(text(&transitioned(&origin)), text(&expected));
    }

    #[test]
    fn a_saved_draft_is_pinned_with_field_names_only() {
        let mut changes = Map::new();
        changes.insert("reason".into(), json!("Tutela di un interesse"));
        changes.insert("access_mode".into(), Json::Null);
        let body =
            DraftSaved { actor: &citizen("RSSMRA85T10A562S"), changes: &changes, data: "{}", version: 2, at: at() }
                .body();
        let expected = json!({
            "command": "save_draft",
            "actor": "the applicant",
            "fields": ["reason", "access_mode"],
            "data_sha256": "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a",
            "at": "2026-04-20T22:00:00Z",
            "on": "2026-04-21",
            "version": 2,
            "outcome": "applied",
        });
        assert_eq!(text(&body), text(&expected));
    }

    #[test]
    fn a_deleted_draft_is_pinned_without_its_data() {
        let body = DraftDeleted { actor: &citizen("RSSMRA85T10A562S"), version: 4, at: at() }.body();
        let expected = json!({
            "command": "delete_draft",
            "actor": "the applicant",
            "at": "2026-04-20T22:00:00Z",
            "on": "2026-04-21",
            "version": 4,
            "outcome": "applied",
        });
        assert_eq!(text(&body), text(&expected));
    }

    #[test]
    fn an_assignment_is_pinned_to_and_from_nobody() {
        let body = Assigned { actor: &clerk(), from: None, to: Some("u-42"), version: 3, at: at() }.body();
        let expected = json!({
            "command": "assign",
            "actor": "staff member u-17",
            "from": null,
            "to": "u-42",
            "at": "2026-04-20T22:00:00Z",
            "on": "2026-04-21",
            "version": 3,
            "outcome": "applied",
        });
        assert_eq!(text(&body), text(&expected));
        let body = Assigned { actor: &clerk(), from: Some("u-42"), to: None, version: 4, at: at() }.body();
        let expected = json!({
            "command": "assign",
            "actor": "staff member u-17",
            "from": "u-42",
            "to": null,
            "at": "2026-04-20T22:00:00Z",
            "on": "2026-04-21",
            "version": 4,
            "outcome": "applied",
        });
        assert_eq!(text(&body), text(&expected));
    }

    #[test]
    fn a_recorded_payment_is_pinned() {
        let body = PaymentRecorded {
            event: "payment.paid",
            message_id: "receipt-2",
            payment: "fee",
            notice_number: "301000000000000245",
            at: at(),
        }
        .body();
        let expected = json!({
            "command": "event",
            "event": "payment.paid",
            "message_id": "receipt-2",
            "actor": "the system",
            "payment": "fee",
            "notice_number": "301000000000000245",
            "at": "2026-04-20T22:00:00Z",
            "on": "2026-04-21",
            "outcome": "recorded",
        });
        assert_eq!(text(&body), text(&expected));
    }

    #[test]
    fn a_refused_timer_is_pinned() {
        let refusal = Error::GuardFailed { transition: "lapse".into(), guard: "today < '2000-01-01'".into() };
        let body =
            TimerRefused { transition: "lapse", kind: "deadline", name: "waiting", refusal: &refusal, at: at() }.body();
        let expected = json!({
            "command": "timer",
            "actor": "the system",
            "transition": "lapse",
            "timer": "deadline",
            "name": "waiting",
            "at": "2026-04-20T22:00:00Z",
            "on": "2026-04-21",
            "outcome": "refused",
            "code": "guard-failed",
            "reason": "the condition of transition `lapse` is not met: today < '2000-01-01'",
        });
        assert_eq!(text(&body), text(&expected));
    }

    #[test]
    fn an_incident_and_a_clerks_actions_on_it_are_pinned() {
        let incident = OutboxEvent::Incident { kind: "webhook", name: "protocol", attempts: 1, error: "still \"500\"" };
        let body = OutboxEntry { effect_id: 9, event: incident, at: at() }.body();
        let expected = json!({
            "command": "outbox",
            "actor": "the system",
            "effect": "webhook: protocol",
            "attempts": 1,
            "error": "still \"500\"",
            "outcome": "incident",
            "at": "2026-04-20T22:00:00Z",
            "on": "2026-04-21",
            "effect_id": 9,
        });
        assert_eq!(text(&body), text(&expected));
        for (action, name) in [(IncidentAction::Retry, "retry"), (IncidentAction::Dismiss, "dismiss")] {
            assert_eq!(IncidentAction::parse(name), Some(action));
            let clerk = clerk();
            let body =
                OutboxEntry { effect_id: 9, event: OutboxEvent::Handled { actor: &clerk, action }, at: at() }.body();
            let expected = json!({
                "command": "incident",
                "actor": "staff member u-17",
                "action": name,
                "outcome": "applied",
                "at": "2026-04-20T22:00:00Z",
                "on": "2026-04-21",
                "effect_id": 9,
            });
            assert_eq!(text(&body), text(&expected));
        }
        assert_eq!(IncidentAction::parse("archive"), None);
    }
}
