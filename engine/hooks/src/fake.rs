//! Fakes of the ports, for the local demo and for tests: they keep what they are given in memory and
//! answer as the real systems do when all is well. A configuration must name them (`provider =
//! "fake"`), and production mode refuses them, so they never stand in for a real system unnoticed.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

use super::{
    AppIo, Creditor, DebtPosition, DebtPositions, Email, HookFuture, IoMessage, IoProfile, Mailer, PaymentStatus,
    Webhooks,
};

/// App IO, where every citizen is on the app and allows the service, unless told otherwise.
#[derive(Debug, Default)]
pub struct FakeAppIo {
    sent: Mutex<Vec<(IoMessage, String)>>,
    profiles: Mutex<BTreeMap<String, IoProfile>>,
}

impl FakeAppIo {
    /// A fake App IO.
    pub fn new() -> FakeAppIo {
        FakeAppIo::default()
    }

    /// Sets what the profile lookup answers for `fiscal_code`.
    pub fn set_profile(&self, fiscal_code: &str, profile: IoProfile) {
        self.profiles.lock().expect("not poisoned").insert(fiscal_code.to_owned(), profile);
    }

    /// The messages sent, with their idempotency keys, in order.
    pub fn sent(&self) -> Vec<(IoMessage, String)> {
        self.sent.lock().expect("not poisoned").clone()
    }
}

impl AppIo for FakeAppIo {
    fn profile<'a>(&'a self, fiscal_code: &'a str) -> HookFuture<'a, IoProfile> {
        let profile = self.profiles.lock().expect("not poisoned").get(fiscal_code).copied();
        Box::pin(async move { Ok(profile.unwrap_or(IoProfile::Allowed)) })
    }

    fn send<'a>(&'a self, message: &'a IoMessage, idempotency_key: &'a str) -> HookFuture<'a, String> {
        let mut sent = self.sent.lock().expect("not poisoned");
        sent.push((message.clone(), idempotency_key.to_owned()));
        let id = format!("fake-io-{}", sent.len());
        Box::pin(async move { Ok(id) })
    }
}

/// An SMTP relay that keeps the e-mails.
#[derive(Debug, Default)]
pub struct FakeMailer {
    sent: Mutex<Vec<(Email, String)>>,
}

impl FakeMailer {
    /// A fake relay.
    pub fn new() -> FakeMailer {
        FakeMailer::default()
    }

    /// The e-mails sent, with their idempotency keys, in order.
    pub fn sent(&self) -> Vec<(Email, String)> {
        self.sent.lock().expect("not poisoned").clone()
    }
}

impl Mailer for FakeMailer {
    fn send<'a>(&'a self, email: &'a Email, idempotency_key: &'a str) -> HookFuture<'a, String> {
        self.sent.lock().expect("not poisoned").push((email.clone(), idempotency_key.to_owned()));
        let id = format!("<{idempotency_key}@fake.sportello>");
        Box::pin(async move { Ok(id) })
    }
}

/// pagoPA GPD for one creditor: positions are created and stay unpaid until told otherwise.
#[derive(Debug)]
pub struct FakeDebtPositions {
    creditor: Creditor,
    created: Mutex<Vec<DebtPosition>>,
    statuses: Mutex<BTreeMap<String, PaymentStatus>>,
}

impl FakeDebtPositions {
    /// A fake GPD for `creditor`.
    pub fn new(creditor: Creditor) -> FakeDebtPositions {
        FakeDebtPositions { creditor, created: Mutex::default(), statuses: Mutex::default() }
    }

    /// The positions created, in order (a second creation of one IUPD is not repeated).
    pub fn created(&self) -> Vec<DebtPosition> {
        self.created.lock().expect("not poisoned").clone()
    }

    /// Sets what the status lookup answers for `iupd`.
    pub fn set_status(&self, iupd: &str, status: PaymentStatus) {
        self.statuses.lock().expect("not poisoned").insert(iupd.to_owned(), status);
    }
}

impl DebtPositions for FakeDebtPositions {
    fn creditor(&self) -> &Creditor {
        &self.creditor
    }

    fn create<'a>(&'a self, position: &'a DebtPosition) -> HookFuture<'a, ()> {
        let mut created = self.created.lock().expect("not poisoned");
        let known: BTreeSet<&str> = created.iter().map(|p| p.iupd.as_str()).collect();
        if !known.contains(position.iupd.as_str()) {
            created.push(position.clone());
        }
        Box::pin(async { Ok(()) })
    }

    fn status<'a>(&'a self, iupd: &'a str) -> HookFuture<'a, PaymentStatus> {
        let status = self.statuses.lock().expect("not poisoned").get(iupd).cloned();
        Box::pin(async move { Ok(status.unwrap_or(PaymentStatus::Unpaid)) })
    }
}

/// Webhook endpoints that accept every call.
#[derive(Debug, Default)]
pub struct FakeWebhooks {
    calls: Mutex<Vec<(String, serde_json::Value, String)>>,
}

impl FakeWebhooks {
    /// Fake endpoints.
    pub fn new() -> FakeWebhooks {
        FakeWebhooks::default()
    }

    /// The calls made: endpoint, body and idempotency key, in order.
    pub fn calls(&self) -> Vec<(String, serde_json::Value, String)> {
        self.calls.lock().expect("not poisoned").clone()
    }
}

impl Webhooks for FakeWebhooks {
    fn call<'a>(
        &'a self,
        endpoint: &'a str,
        body: &'a serde_json::Value,
        idempotency_key: &'a str,
    ) -> HookFuture<'a, ()> {
        self.calls.lock().expect("not poisoned").push((endpoint.to_owned(), body.clone(), idempotency_key.to_owned()));
        Box::pin(async { Ok(()) })
    }
}
