//! What a case asked of the outside world, as the API and the pages show it: its pagoPA payments (amount, notice
//! number, due date, payee, the QR payload printed on the notice, and whether it is paid), and its
//! effects (messages sent with their channel and remote id; for staff also webhooks, payments being
//! created, failures and incidents). Read with the whole case and the timeline, not on every
//! command's answer.

use serde::Serialize;
use serde_json::Value as Json;
use sportello_hooks::Creditor;
use sportello_hooks::render::euro;
use sportello_runtime::case::Actor;
use sportello_runtime::pagopa::{NoticeNumber, qr_payload};
use sportello_store::{EffectRecord, OutboxKind, OutboxStatus, PaymentRecord};
use utoipa::ToSchema;

/// The payee of a payment.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PayeeDto {
    /// The creditor's fiscal code.
    pub fiscal_code: String,
    /// The creditor's name.
    pub name: String,
}

/// A pagoPA payment asked of the citizen.
#[derive(Debug, Serialize, ToSchema)]
pub struct PaymentDto {
    /// The payment's name in the workflow.
    pub name: String,
    /// The reason of payment.
    pub description: String,
    /// The amount in cents.
    pub amount_cents: i64,
    /// The amount as printed (`€ 12,50`).
    pub amount: String,
    /// The last day to pay.
    pub due_date: String,
    /// `requested` (being created at pagoPA), `open`, `paid` or `expired`.
    pub status: String,
    /// The 18-digit notice number (codice avviso), once created.
    pub notice_number: Option<String>,
    /// Who is paid, when pagoPA is configured.
    pub payee: Option<PayeeDto>,
    /// The payload of the notice's QR code: `PAGOPA|002|<notice>|<creditor fiscal code>|<amount in cents>`.
    pub qr_payload: Option<String>,
    /// When it was paid (RFC 3339).
    pub paid_at: Option<String>,
}

/// Something the case asked of another system.
#[derive(Debug, Serialize, ToSchema)]
pub struct EffectDto {
    /// Its id (for the incident actions).
    pub id: i64,
    /// `notify`, `payment` or `webhook`.
    pub kind: String,
    /// Its name in the workflow.
    pub name: String,
    /// `pending`, `delivered`, `incident` or `dismissed`.
    pub status: String,
    /// When the transition asked for it (RFC 3339).
    pub created_at: String,
    /// When it was delivered (RFC 3339).
    pub delivered_at: Option<String>,
    /// How it went out: `app_io`, `email`, `pagopa`, `webhook`, or `none` (the citizen is not on App IO
    /// and has no e-mail address).
    pub channel: Option<String>,
    /// The remote system's id for it (App IO's message id, …).
    pub message_id: Option<String>,
    /// Attempts so far (staff only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attempts: Option<u32>,
    /// The last failure (staff only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    /// When the next attempt may start, while pending (staff only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_attempt_at: Option<String>,
}

/// The payments as shown on the case.
pub fn payments(records: &[PaymentRecord], creditor: Option<&Creditor>) -> Vec<PaymentDto> {
    records
        .iter()
        .map(|p| {
            let notice = p.notice_number.as_deref().and_then(|n| NoticeNumber::parse(n).ok());
            PaymentDto {
                name: p.name.clone(),
                description: p.description.clone(),
                amount_cents: p.amount_cents,
                amount: euro(p.amount_cents),
                due_date: p.due_date.to_string(),
                status: p.status.as_str().to_owned(),
                notice_number: p.notice_number.clone(),
                payee: creditor
                    .map(|c| PayeeDto { fiscal_code: c.fiscal_code.as_str().to_owned(), name: c.name.clone() }),
                qr_payload: notice.zip(creditor).map(|(notice, c)| qr_payload(&notice, &c.fiscal_code, p.amount_cents)),
                paid_at: p.paid_at.map(|t| t.to_string()),
            }
        })
        .collect()
}

/// The effects `caller` may see: staff every one with its failures; the citizen the messages sent.
pub fn effects(records: &[EffectRecord], caller: &Actor) -> Vec<EffectDto> {
    let staff = matches!(caller, Actor::Staff { .. });
    records
        .iter()
        .filter(|e| staff || (e.kind == OutboxKind::Notify && e.status == OutboxStatus::Delivered))
        .map(|e| {
            let result = e.result.as_ref();
            let text = |key: &str| result.and_then(|r| r.get(key)).and_then(Json::as_str).map(str::to_owned);
            EffectDto {
                id: e.id,
                kind: e.kind.as_str().to_owned(),
                name: e.name.clone(),
                status: e.status.as_str().to_owned(),
                created_at: e.created_at.to_string(),
                delivered_at: e.delivered_at.map(|t| t.to_string()),
                channel: text("channel"),
                message_id: text("message_id"),
                attempts: staff.then_some(e.attempts),
                last_error: if staff { e.last_error.clone() } else { None },
                next_attempt_at: (staff && e.status == OutboxStatus::Pending).then(|| e.next_attempt_at.to_string()),
            }
        })
        .collect()
}
