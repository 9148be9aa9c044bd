//! Hooks: what Sportello asks of the outside world after a command commits. Each effect in the outbox
//! (a notification, a pagoPA debt position, a webhook call) is delivered through one of the ports
//! below: [`AppIo`] for App IO messages, [`Mailer`] for e-mail, [`DebtPositions`] for pagoPA GPD and
//! [`Webhooks`] for other systems. The engine knows nothing of HTTP: the API crate implements the ports
//! with real clients, and [`fake`] holds the explicit fakes a configuration may name for a local demo.
//! [`deliver`] turns one outbox row into calls on the ports and says what became of it; the store
//! then records the outcome (delivered, retried later, or an incident once the budget is spent).
#![warn(missing_docs)]

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use sportello_runtime::pagopa::{CreditorFiscalCode, NoticeNumber, SegregationCode};

pub mod backoff;
pub mod deliver;
pub mod fake;
pub mod poll;
pub mod render;

/// What a port's call returns, boxed so the ports can be used as trait objects.
pub type HookFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, HookError>> + Send + 'a>>;

/// Why a call to another system did not succeed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HookError {
    /// The system asked us to slow down (HTTP 429), with its `Retry-After` when given.
    #[error("throttled by the remote system")]
    Throttled {
        /// How long the system asked us to wait.
        retry_after: Option<Duration>,
    },
    /// The system could not be reached or failed (connection, timeout, HTTP 5xx): retrying may help.
    #[error("remote system unavailable: {0}")]
    Unavailable(String),
    /// The system refused the request (HTTP 4xx): the same request will be refused again.
    #[error("refused by the remote system: {0}")]
    Rejected(String),
    /// Sportello is not configured for this effect (no provider, no creditor, no endpoint).
    #[error("not configured: {0}")]
    NotConfigured(String),
}

/// A citizen's App IO profile, as seen by our service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IoProfile {
    /// On App IO, and our service may write to them.
    Allowed,
    /// On App IO, but they turned our service off (`sender_allowed: false`).
    SenderNotAllowed,
    /// Not on App IO (the profile lookup answered 404).
    NotOnIo,
}

/// The payment notice an App IO message carries (`payment_data`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IoPayment {
    /// The 18-digit notice number.
    pub notice_number: NoticeNumber,
    /// The amount in cents.
    pub amount_cents: i64,
    /// The creditor's fiscal code (the payee).
    pub payee: CreditorFiscalCode,
}

/// One App IO message, ready to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IoMessage {
    /// The recipient's fiscal code (sent in the body, never in the URL).
    pub fiscal_code: String,
    /// 10 to 120 characters, no personal data.
    pub subject: String,
    /// 80 to 10,000 characters of markdown.
    pub markdown: String,
    /// A due date shown by the app, in UTC.
    pub due_date: Option<Timestamp>,
    /// The payment notice, for a message about a payment.
    pub payment: Option<IoPayment>,
}

/// App IO (`io-services-api.yaml`).
pub trait AppIo: Send + Sync {
    /// Whether the citizen is on App IO and allows our service.
    fn profile<'a>(&'a self, fiscal_code: &'a str) -> HookFuture<'a, IoProfile>;
    /// Sends a message, with our idempotency key for it; returns App IO's message id.
    fn send<'a>(&'a self, message: &'a IoMessage, idempotency_key: &'a str) -> HookFuture<'a, String>;
}

/// One e-mail, ready to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    /// The recipient's address.
    pub to: String,
    /// The subject.
    pub subject: String,
    /// The body, as plain text (the notification's markdown).
    pub text: String,
}

/// An SMTP relay (or a fake).
pub trait Mailer: Send + Sync {
    /// Sends the e-mail, with our idempotency key as its `Message-ID` seed; returns the message id.
    fn send<'a>(&'a self, email: &'a Email, idempotency_key: &'a str) -> HookFuture<'a, String>;
}

/// A debt position to create on pagoPA GPD, with its single payment option.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DebtPosition {
    /// The position's id at the creditor (IUPD), never reused.
    pub iupd: String,
    /// The notice number; its last 17 digits are the IUV.
    pub notice_number: NoticeNumber,
    /// The debtor's fiscal code.
    pub debtor_fiscal_code: String,
    /// The debtor's name, as printed on the notice.
    pub debtor_name: String,
    /// The amount in cents.
    pub amount_cents: i64,
    /// The reason of payment (1 to 140 characters).
    pub description: String,
    /// The last day to pay (Europe/Rome).
    pub due_date: Date,
}

/// What GPD knows of a position's payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PaymentStatus {
    /// Published and not paid yet.
    Unpaid,
    /// Paid.
    Paid {
        /// The receipt's id (or the notice number when GPD gives none).
        receipt_id: String,
        /// When it was paid, if GPD says.
        paid_at: Option<Timestamp>,
    },
    /// Expired, invalidated or deleted at GPD without a payment.
    Expired,
}

/// The municipality as a pagoPA creditor (ente creditore).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Creditor {
    /// Its fiscal code (11 digits).
    pub fiscal_code: CreditorFiscalCode,
    /// Its name, as printed on the notice (the payee).
    pub name: String,
    /// Its segregation code, the second and third digit of its notice numbers.
    pub segregation: SegregationCode,
}

/// pagoPA GPD (`pagopa-gpd-api.json`), for one creditor.
pub trait DebtPositions: Send + Sync {
    /// The creditor the positions are created for.
    fn creditor(&self) -> &Creditor;
    /// Creates and publishes the position. A position with this IUPD that already exists (HTTP 409)
    /// counts as created.
    fn create<'a>(&'a self, position: &'a DebtPosition) -> HookFuture<'a, ()>;
    /// Reads the payment's status, by IUPD.
    fn status<'a>(&'a self, iupd: &'a str) -> HookFuture<'a, PaymentStatus>;
}

/// Calls to other systems' webhooks (the protocol register, …).
pub trait Webhooks: Send + Sync {
    /// POSTs `body` to the endpoint configured as `endpoint`, signed, with our idempotency key.
    fn call<'a>(
        &'a self,
        endpoint: &'a str,
        body: &'a serde_json::Value,
        idempotency_key: &'a str,
    ) -> HookFuture<'a, ()>;
}

/// The ports a delivery may use; a port left `None` is not configured, and an effect that needs it
/// becomes an incident that says so.
#[derive(Clone, Default)]
pub struct Hooks {
    /// App IO.
    pub app_io: Option<std::sync::Arc<dyn AppIo>>,
    /// E-mail, the fallback for citizens not reachable on App IO.
    pub mailer: Option<std::sync::Arc<dyn Mailer>>,
    /// pagoPA GPD.
    pub debt_positions: Option<std::sync::Arc<dyn DebtPositions>>,
    /// Webhooks.
    pub webhooks: Option<std::sync::Arc<dyn Webhooks>>,
}
