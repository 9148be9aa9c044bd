//! What callers see of the outbox and of payments: an effect claimed for delivery, an effect's record
//! on the case page, an incident in a clerk's worklist, and a pagoPA payment with its notice.

use jiff::Timestamp;
use jiff::civil::Date;
use serde_json::Value as Json;

use crate::{OutboxKind, OutboxStatus, PaymentStage};

/// One effect claimed for delivery, until its lease ends.
#[derive(Debug, Clone, PartialEq)]
pub struct ClaimedEffect {
    /// The outbox row.
    pub id: i64,
    /// The case that asked for it.
    pub case_id: i64,
    /// Which port delivers it.
    pub kind: OutboxKind,
    /// The notification, payment or webhook's name in the workflow.
    pub name: String,
    /// What the transition wrote with it (a payment's amount and due date).
    pub payload: Json,
    /// Its idempotency key, the same on every attempt.
    pub idempotency_key: String,
    /// This attempt's number, from 1.
    pub attempt: u32,
}

/// An effect as the case page shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct EffectRecord {
    /// The outbox row.
    pub id: i64,
    /// Which port delivers it.
    pub kind: OutboxKind,
    /// Its name in the workflow.
    pub name: String,
    /// Where it is in its delivery.
    pub status: OutboxStatus,
    /// Attempts made since it was written (or last retried by a clerk).
    pub attempts: u32,
    /// When the next attempt may start, while pending.
    pub next_attempt_at: Timestamp,
    /// The last failure.
    pub last_error: Option<String>,
    /// When the transition wrote it.
    pub created_at: Timestamp,
    /// When it was delivered.
    pub delivered_at: Option<Timestamp>,
    /// What delivery recorded: the channel used, the remote message id, ….
    pub result: Option<Json>,
}

/// An open incident, for a clerk's worklist.
#[derive(Debug, Clone, PartialEq)]
pub struct IncidentRecord {
    /// The case's code.
    pub code: String,
    /// The case's office.
    pub office: String,
    /// The case's workflow and the version it runs on, whose texts name the effect.
    pub workflow: String,
    /// The workflow's version.
    pub workflow_version: u32,
    /// The effect that failed.
    pub effect: EffectRecord,
}

/// A pagoPA payment asked of the citizen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentRecord {
    /// The row id (with the configured offset, the base of its notice number).
    pub id: i64,
    /// The case.
    pub case_id: i64,
    /// The outbox row that creates its debt position.
    pub effect_id: i64,
    /// The payment's name in the workflow.
    pub name: String,
    /// The amount in cents.
    pub amount_cents: i64,
    /// The reason of payment.
    pub description: String,
    /// The last day to pay.
    pub due_date: Date,
    /// The debt position's id, once numbered.
    pub iupd: Option<String>,
    /// The notice number, once numbered.
    pub notice_number: Option<String>,
    /// Where it stands.
    pub status: PaymentStage,
    /// The receipt's id, once paid.
    pub receipt_id: Option<String>,
    /// When it was paid.
    pub paid_at: Option<Timestamp>,
}
