//! Delivering the outbox, on SQLite and on PostgreSQL when `TEST_POSTGRES_URL` is set. A fee request's
//! three effects: its payment numbered once and published at pagoPA, its App IO message carrying the
//! notice (and waiting for it when both are claimed together), its webhook call. One idempotency key per
//! effect over all its attempts; retries after the policy's wait or the system's `Retry-After`, never
//! before; incidents when the budget is spent, the request is refused or a port is not configured, in
//! the audit chain; a clerk's retry or dismissal of an incident; claims that outlive their lease; receipts
//! and expiries, by callback and by polling, settling a payment once; and, on PostgreSQL, two workers
//! delivering each effect exactly once. The ports are test-local: App IO and GPD answer as scripted per
//! call, and count every call.

use sportello_testkit as support;

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use jiff::civil::{Date, date};
use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};
use sportello_hooks::backoff::RetryPolicy;
use sportello_hooks::deliver::{Deliverer, LEASE, Round};
use sportello_hooks::fake::{FakeAppIo, FakeDebtPositions, FakeMailer, FakeWebhooks};
use sportello_hooks::poll::Poll;
use sportello_hooks::{
    AppIo, Creditor, DebtPosition, DebtPositions, HookError, HookFuture, Hooks, IoMessage, IoProfile, PaymentStatus,
};
use sportello_runtime::case::Actor;
use sportello_runtime::clock::end_of_day;
use sportello_runtime::error::Error;
use sportello_runtime::pagopa::{CreditorFiscalCode, NoticeNumber, SegregationCode};
use sportello_runtime::transition::ApplyTransition;
use sportello_store::{
    Applied, Apply, DeliverEvent, EffectRecord, OpenCase, OutboxKind, OutboxStatus, PaymentRecord, PaymentStage, Store,
    StoreOptions,
};
use support::{TestStore, stores};

const MONDAY: Date = date(2026, 3, 2);
const ANNA: &str = "RSSMRA85T10A562S";
const FEE_CENTS: i64 = 1_650;
const NOTICE_OFFSET: u64 = 4_200_000;
const CREDITOR: &str = "80012345676";

/// `draft --submit--> to_pay` asks for payment `fee`, notifies `pay_fee` (with the notice) and calls
/// webhook `protocol`; `payment.paid` moves it to `paid` (notify `paid`), `payment.expired` to `lapsed`.
const FEE_REQUEST: &str = support::FEE_REQUEST;

/// Three attempts; waits of 30 to 60 s, then 60 to 120 s.
const POLICY: RetryPolicy = RetryPolicy { budget: 3, base: Duration::from_secs(60), max: Duration::from_secs(3600) };

/// How long a message waits for the payment notice it carries (`deliver.rs`).
const PAYMENT_WAIT: SignedDuration = SignedDuration::from_secs(15);

// ---------------------------------------------------------------------------------------------------
// Ports

/// What a scripted port answers to one call.
#[derive(Debug, Clone, PartialEq)]
enum Answer {
    Ok,
    Unavailable,
    Throttled(Option<Duration>),
    Rejected,
}

impl Answer {
    fn result(self) -> Result<(), HookError> {
        match self {
            Answer::Ok => Ok(()),
            Answer::Unavailable => Err(HookError::Unavailable("HTTP 503".into())),
            Answer::Throttled(retry_after) => Err(HookError::Throttled { retry_after }),
            Answer::Rejected => Err(HookError::Rejected("HTTP 400: bad request".into())),
        }
    }
}

/// The next answer of `script`; `Ok` once it has run out.
fn next(script: &Mutex<VecDeque<Answer>>) -> Answer {
    script.lock().unwrap().pop_front().unwrap_or(Answer::Ok)
}

/// App IO where everyone allows the service; each send answers the next scripted answer and is counted,
/// with its idempotency key, whatever it answered.
#[derive(Default)]
struct ScriptedAppIo {
    script: Mutex<VecDeque<Answer>>,
    calls: Mutex<Vec<(IoMessage, String)>>,
}

impl ScriptedAppIo {
    fn answer(&self, answers: impl IntoIterator<Item = Answer>) {
        self.script.lock().unwrap().extend(answers);
    }

    /// Every message App IO was asked to send, with its key, in order.
    fn calls(&self) -> Vec<(IoMessage, String)> {
        self.calls.lock().unwrap().clone()
    }

    /// The keys of every send.
    fn keys(&self) -> Vec<String> {
        self.calls().into_iter().map(|(_, key)| key).collect()
    }
}

impl AppIo for ScriptedAppIo {
    fn profile<'a>(&'a self, _fiscal_code: &'a str) -> HookFuture<'a, IoProfile> {
        Box::pin(async { Ok(IoProfile::Allowed) })
    }

    fn send<'a>(&'a self, message: &'a IoMessage, idempotency_key: &'a str) -> HookFuture<'a, String> {
        let answer = next(&self.script);
        let mut calls = self.calls.lock().unwrap();
        calls.push((message.clone(), idempotency_key.to_owned()));
        let id = format!("io-{}", calls.len());
        Box::pin(async move { answer.result().map(|()| id) })
    }
}

/// GPD as the fake keeps it; each creation answers the next scripted answer (an `Ok` one is passed to
/// the fake) and is counted by IUPD.
struct Gpd {
    fake: FakeDebtPositions,
    script: Mutex<VecDeque<Answer>>,
    creations: Mutex<Vec<String>>,
}

impl Gpd {
    fn new() -> Gpd {
        let creditor = Creditor {
            fiscal_code: CreditorFiscalCode::parse(CREDITOR).unwrap(),
            name: "Comune di Esempio".into(),
            segregation: SegregationCode::new(1).unwrap(),
        };
        Gpd { fake: FakeDebtPositions::new(creditor), script: Mutex::default(), creations: Mutex::default() }
    }

    fn answer(&self, answers: impl IntoIterator<Item = Answer>) {
        self.script.lock().unwrap().extend(answers);
    }

    /// The IUPD of every creation asked for, in order.
    fn creations(&self) -> Vec<String> {
        self.creations.lock().unwrap().clone()
    }
}

impl DebtPositions for Gpd {
    fn creditor(&self) -> &Creditor {
        self.fake.creditor()
    }

    fn create<'a>(&'a self, position: &'a DebtPosition) -> HookFuture<'a, ()> {
        Box::pin(async move {
            let answer = next(&self.script);
            self.creations.lock().unwrap().push(position.iupd.clone());
            answer.result()?;
            self.fake.create(position).await
        })
    }

    fn status<'a>(&'a self, iupd: &'a str) -> HookFuture<'a, PaymentStatus> {
        self.fake.status(iupd)
    }
}

/// The ports of one test.
struct Ports {
    app_io: Arc<ScriptedAppIo>,
    gpd: Arc<Gpd>,
    webhooks: Arc<FakeWebhooks>,
}

impl Ports {
    fn new() -> Ports {
        Ports { app_io: Arc::default(), gpd: Arc::new(Gpd::new()), webhooks: Arc::default() }
    }

    fn hooks(&self) -> Hooks {
        Hooks {
            app_io: Some(self.app_io.clone()),
            mailer: None,
            debt_positions: Some(self.gpd.clone()),
            webhooks: Some(self.webhooks.clone()),
        }
    }

    fn deliverer(&self, store: &Store) -> Deliverer {
        Deliverer {
            store: store.clone(),
            hooks: self.hooks(),
            policy: POLICY,
            notice_offset: NOTICE_OFFSET,
            lease: LEASE,
        }
    }
}

// ---------------------------------------------------------------------------------------------------
// Cases

fn clerk() -> Actor {
    Actor::Staff { user: "u-17".into(), roles: vec!["clerk".into()], offices: vec!["anagrafe".into()] }
}

async fn deploy(t: &TestStore) {
    t.store.deploy(FEE_REQUEST, Some("fee-request")).await.unwrap();
}

async fn apply(store: &Store, case_id: i64, transition: &str, actor: Actor, input: Value) -> Applied {
    let command = ApplyTransition {
        documents: Vec::new(),
        transition: transition.into(),
        actor,
        input,
        expected_version: None,
        term_day: None,
    };
    store.apply(Apply { code: None, case_id, command, idempotency_key: None }).await.unwrap()
}

/// Opens a fee request for `applicant` and submits it: its three effects are written, none delivered.
async fn submit(store: &Store, applicant: &str) -> i64 {
    let command = OpenCase {
        workflow: "fee-request".into(),
        applicant: applicant.into(),
        actor: Actor::Citizen { fiscal_code: applicant.into() },
        data: json!({"applicant_name": "Anna Rossi"}),
        idempotency_key: None,
    };
    let case_id = store.open_case(command).await.unwrap().case_id;
    let citizen = Actor::Citizen { fiscal_code: applicant.into() };
    apply(store, case_id, "submit", citizen, json!({"fee_cents": FEE_CENTS})).await;
    case_id
}

/// Delivers a submitted fee request's effects without the race between the payment and its message:
/// a round of one takes the payment (the oldest row), the next the message and the webhook.
async fn deliver_submitted(deliverer: &Deliverer) {
    assert_eq!(deliverer.round(1).await.unwrap(), Round { delivered: 1, ..Round::default() });
    assert_eq!(deliverer.round(10).await.unwrap(), Round { delivered: 2, ..Round::default() });
}

/// A submitted fee request, delivered and paid: its one pending effect is the message `paid`, whose
/// row id is returned with the case's.
async fn paid_case(t: &TestStore, deliverer: &Deliverer) -> (i64, i64) {
    let case_id = submit(&t.store, ANNA).await;
    deliver_submitted(deliverer).await;
    let notice = payment(&t.store, case_id).await.notice_number.unwrap();
    let paid = receipt(case_id, "psp-1", &notice);
    assert_eq!(t.store.deliver_event(paid).await.unwrap().state, "paid");
    let pending: Vec<EffectRecord> =
        effects(&t.store, case_id).await.into_iter().filter(|e| e.status == OutboxStatus::Pending).collect();
    assert_eq!(pending.len(), 1, "{}: {pending:?}", t.backend);
    assert_eq!((pending[0].kind, pending[0].name.as_str()), (OutboxKind::Notify, "paid"));
    (case_id, pending[0].id)
}

fn receipt(case_id: i64, message_id: &str, notice: &str) -> DeliverEvent {
    DeliverEvent {
        case_id,
        event: "payment.paid".into(),
        message_id: message_id.into(),
        payload: json!({"notice_number": notice, "receipt_id": "RCPT-0001"}),
    }
}

async fn effects(store: &Store, case_id: i64) -> Vec<EffectRecord> {
    store.case_effects(case_id).await.unwrap()
}

async fn effect(store: &Store, case_id: i64, effect_id: i64) -> EffectRecord {
    effects(store, case_id).await.into_iter().find(|e| e.id == effect_id).unwrap()
}

async fn effect_of_kind(store: &Store, case_id: i64, kind: OutboxKind) -> EffectRecord {
    effects(store, case_id).await.into_iter().find(|e| e.kind == kind).unwrap()
}

/// The case's one payment.
async fn payment(store: &Store, case_id: i64) -> PaymentRecord {
    let mut payments = store.case_payments(case_id).await.unwrap();
    assert_eq!(payments.len(), 1);
    payments.remove(0)
}

async fn state(store: &Store, case_id: i64) -> (String, u64) {
    let case = store.case(case_id).await.unwrap().case;
    (case.state.to_string(), case.version)
}

async fn audit(store: &Store, case_id: i64) -> Vec<Value> {
    store.audit_trail(case_id).await.unwrap().into_iter().map(|e| e.body).collect()
}

async fn chains_hold(store: &Store) {
    let report = store.verify_audit(None).await.unwrap();
    assert!(report.breaks.is_empty(), "{:?}", report.breaks);
}

/// Moves the clock to `at`.
fn set(t: &TestStore, at: Timestamp) {
    t.clock.set(at);
}

// ---------------------------------------------------------------------------------------------------
// Delivery

#[tokio::test]
async fn submitting_a_fee_request_writes_three_effects_and_asks_for_one_payment() {
    for t in stores("outbox_submit", MONDAY).await {
        deploy(&t).await;

        let case_id = submit(&t.store, ANNA).await;

        let written: Vec<_> = effects(&t.store, case_id)
            .await
            .into_iter()
            .map(|e| (e.kind, e.name, e.status, e.attempts, e.next_attempt_at, e.delivered_at))
            .collect();
        let now = t.store.now();
        let pending =
            |kind: OutboxKind, name: &str| -> (OutboxKind, String, OutboxStatus, u32, Timestamp, Option<Timestamp>) {
                (kind, name.to_owned(), OutboxStatus::Pending, 0, now, None)
            };
        assert_eq!(
            written,
            [
                pending(OutboxKind::Payment, "fee"),
                pending(OutboxKind::Notify, "pay_fee"),
                pending(OutboxKind::Webhook, "protocol"),
            ],
            "{}",
            t.backend
        );
        let fee = payment(&t.store, case_id).await;
        assert_eq!((fee.name.as_str(), fee.status.as_str(), fee.amount_cents), ("fee", "requested", FEE_CENTS));
        assert_eq!(fee.description, "Diritti di segreteria");
        assert_eq!((fee.notice_number, fee.iupd), (None, None), "numbered only when delivered");
        assert_eq!(fee.effect_id, effect_of_kind(&t.store, case_id, OutboxKind::Payment).await.id);
    }
}

#[tokio::test]
async fn a_delivered_fee_request_has_an_open_numbered_payment_its_notice_on_app_io_and_a_webhook_call() {
    for t in stores("outbox_delivered", MONDAY).await {
        deploy(&t).await;
        let ports = Ports::new();
        let deliverer = ports.deliverer(&t.store);
        let case_id = submit(&t.store, ANNA).await;

        deliver_submitted(&deliverer).await;

        // The payment: numbered from its id, published at GPD, open.
        let fee = payment(&t.store, case_id).await;
        let notice = NoticeNumber::parse(fee.notice_number.as_deref().unwrap()).unwrap();
        assert_eq!(notice.base(), fee.id as u64 + NOTICE_OFFSET, "{}", t.backend);
        assert_eq!(notice.segregation(), SegregationCode::new(1).unwrap());
        assert_eq!(fee.iupd.as_deref(), Some(format!("SPORTELLO-{}", notice.iuv()).as_str()));
        assert_eq!(fee.status, PaymentStage::Open);
        let positions = ports.gpd.fake.created();
        assert_eq!(positions.len(), 1);
        let position = &positions[0];
        assert_eq!(Some(&position.iupd), fee.iupd.as_ref());
        assert_eq!(position.notice_number, notice);
        assert_eq!((position.amount_cents, position.due_date), (FEE_CENTS, fee.due_date));
        assert_eq!((position.debtor_fiscal_code.as_str(), position.debtor_name.as_str()), (ANNA, "Anna Rossi"));
        assert_eq!(position.description, "Diritti di segreteria");

        // The message: the notice, the amount, the creditor as payee, due at the end of the due day.
        let calls = ports.app_io.calls();
        assert_eq!(calls.len(), 1, "{}", t.backend);
        let (message, _) = &calls[0];
        assert_eq!(message.fiscal_code, ANNA);
        let payment_data = message.payment.as_ref().expect("the message carries payment_data");
        assert_eq!(payment_data.notice_number, notice);
        assert_eq!(payment_data.amount_cents, FEE_CENTS);
        assert_eq!(payment_data.payee.as_str(), CREDITOR);
        assert_eq!(message.due_date, Some(end_of_day(fee.due_date) - SignedDuration::from_secs(1)));
        let text = format!("{}\n{}", message.subject, message.markdown);
        let due = format!("{:02}/{:02}/{}", fee.due_date.day(), fee.due_date.month(), fee.due_date.year());
        for shown in ["€ 16,50", notice.as_str(), due.as_str()] {
            assert!(text.contains(shown), "{}: {shown:?} in {text}", t.backend);
        }

        // The webhook: the case's code and state.
        let code = t.store.case(case_id).await.unwrap().case.code;
        let webhook_calls = ports.webhooks.calls();
        assert_eq!(webhook_calls.len(), 1);
        let (endpoint, body, _) = &webhook_calls[0];
        assert_eq!(endpoint, "protocol-register");
        assert_eq!((body["case"].as_str(), body["state"].as_str()), (Some(code.as_str()), Some("to_pay")));
        assert_eq!(body["webhook"], "protocol");

        // The case page: all three delivered, with what each one recorded.
        let delivered: Vec<(OutboxKind, OutboxStatus, u32, Option<Value>)> =
            effects(&t.store, case_id).await.into_iter().map(|e| (e.kind, e.status, e.attempts, e.result)).collect();
        let done = |kind: OutboxKind, result: Value| (kind, OutboxStatus::Delivered, 1, Some(result));
        assert_eq!(
            delivered,
            [
                done(
                    OutboxKind::Payment,
                    json!({"channel": "pagopa", "iupd": fee.iupd, "notice_number": notice.as_str()})
                ),
                done(
                    OutboxKind::Notify,
                    json!({"channel": "app_io", "message_id": "io-1",
                        "sent": {"subject": message.subject, "body": message.markdown}})
                ),
                done(OutboxKind::Webhook, json!({"channel": "webhook", "endpoint": "protocol-register"})),
            ],
            "{}",
            t.backend
        );
        assert!(effects(&t.store, case_id).await.iter().all(|e| e.delivered_at == Some(t.store.now())));
    }
}

#[tokio::test]
async fn a_round_publishes_the_payment_before_the_message_that_carries_its_notice() {
    for t in stores("outbox_payment_first", MONDAY).await {
        deploy(&t).await;
        let ports = Ports::new();
        let deliverer = ports.deliverer(&t.store);
        let case_id = submit(&t.store, ANNA).await;

        // One round claims all three: the payment goes first, so the message finds its notice.
        let round = deliverer.round(10).await.unwrap();

        assert_eq!(round, Round { delivered: 3, ..Round::default() }, "{}", t.backend);
        let notice = payment(&t.store, case_id).await.notice_number.unwrap();
        let calls = ports.app_io.calls();
        assert_eq!(calls[0].0.payment.as_ref().map(|p| p.notice_number.as_str()), Some(notice.as_str()));
    }
}

#[tokio::test]
async fn a_message_whose_payment_is_not_published_yet_waits_fifteen_seconds_and_then_carries_the_notice() {
    for t in stores("outbox_postponed", MONDAY).await {
        deploy(&t).await;
        let ports = Ports::new();
        let deliverer = ports.deliverer(&t.store);
        let case_id = submit(&t.store, ANNA).await;
        let message_id = effect_of_kind(&t.store, case_id, OutboxKind::Notify).await.id;
        let submitted_at = t.store.now();

        // GPD is down for the first attempt: the payment is retried later, the message waits for it.
        ports.gpd.answer([Answer::Unavailable]);
        let first = deliverer.round(10).await.unwrap();

        assert_eq!(first, Round { delivered: 1, retried: 1, postponed: 1, ..Round::default() }, "{}", t.backend);
        let message = effect(&t.store, case_id, message_id).await;
        assert_eq!(message.next_attempt_at, submitted_at + PAYMENT_WAIT, "{}", t.backend);
        assert_eq!((message.status, message.attempts), (OutboxStatus::Pending, 0), "a wait is not an attempt");
        assert!(ports.app_io.calls().is_empty());
        assert_eq!(payment(&t.store, case_id).await.status, PaymentStage::Requested);

        // Nothing before its time; at 15 s the message comes back, finds no notice yet (the payment
        // waits for its backoff, at least 30 s with this policy) and waits again, unattempted.
        t.clock.advance(PAYMENT_WAIT - SignedDuration::from_secs(1));
        assert_eq!(deliverer.round(10).await.unwrap(), Round::default(), "{}: not before its time", t.backend);
        t.clock.advance(SignedDuration::from_secs(1));
        assert_eq!(deliverer.round(10).await.unwrap(), Round { postponed: 1, ..Round::default() }, "{}", t.backend);
        // When the payment's retry is due, the message is too: one round publishes it and sends the
        // message with its notice.
        set(&t, effect_of_kind(&t.store, case_id, OutboxKind::Payment).await.next_attempt_at);
        let second = deliverer.round(10).await.unwrap();
        assert_eq!(second, Round { delivered: 2, ..Round::default() }, "{}", t.backend);
        assert_eq!(payment(&t.store, case_id).await.status, PaymentStage::Open);
        let calls = ports.app_io.calls();
        assert_eq!(calls.len(), 1, "{}", t.backend);
        let notice = payment(&t.store, case_id).await.notice_number.unwrap();
        assert_eq!(calls[0].0.payment.as_ref().map(|p| p.notice_number.as_str()), Some(notice.as_str()));
        let message = effect(&t.store, case_id, message_id).await;
        assert_eq!((message.status, message.attempts), (OutboxStatus::Delivered, 1));
    }
}

// ---------------------------------------------------------------------------------------------------
// Idempotency keys and retries

#[tokio::test]
async fn every_attempt_of_an_effect_carries_its_one_key_and_a_delivered_effect_is_not_sent_again() {
    for t in stores("outbox_keys", MONDAY).await {
        deploy(&t).await;
        let ports = Ports::new();
        let deliverer = ports.deliverer(&t.store);
        let (case_id, paid_id) = paid_case(&t, &deliverer).await;
        let before = ports.app_io.keys();
        ports.app_io.answer([Answer::Unavailable, Answer::Throttled(None)]);

        for _ in 0..3 {
            deliverer.round(10).await.unwrap();
            set(&t, effect(&t.store, case_id, paid_id).await.next_attempt_at);
        }
        assert_eq!(effect(&t.store, case_id, paid_id).await.status, OutboxStatus::Delivered, "{}", t.backend);
        for _ in 0..3 {
            t.clock.advance(SignedDuration::from_hours(24));
            assert_eq!(deliverer.round(10).await.unwrap(), Round::default());
        }

        let keys = ports.app_io.keys();
        let attempts = &keys[before.len()..];
        assert_eq!(attempts.len(), 3, "{}: {keys:?}", t.backend);
        assert!(attempts.iter().all(|k| *k == attempts[0]), "one key on every attempt: {attempts:?}");
        assert!(!before.contains(&attempts[0]), "each effect has its own key");
        let effect = effect(&t.store, case_id, paid_id).await;
        let result = effect.result.expect("a delivered message records what it did");
        assert_eq!((effect.attempts, &result["channel"], &result["message_id"]), (3, &json!("app_io"), &json!("io-4")));
        assert!(result["sent"]["subject"].is_string(), "the message as sent: {result}");
    }
}

#[tokio::test]
async fn a_payment_tried_again_after_pagopa_failed_keeps_the_notice_number_it_was_first_given() {
    for t in stores("outbox_payment_retry", MONDAY).await {
        deploy(&t).await;
        let ports = Ports::new();
        let deliverer = ports.deliverer(&t.store);
        let case_id = submit(&t.store, ANNA).await;
        ports.gpd.answer([Answer::Unavailable]);

        assert_eq!(deliverer.round(1).await.unwrap(), Round { retried: 1, ..Round::default() }, "{}", t.backend);
        let numbered = payment(&t.store, case_id).await;
        assert_eq!(numbered.status, PaymentStage::Requested);
        let retry_at = effect_of_kind(&t.store, case_id, OutboxKind::Payment).await.next_attempt_at;
        // Just before the payment's retry, its message is put back to wait, and the webhook goes out.
        set(&t, retry_at - SignedDuration::from_secs(1));
        let waiting = deliverer.round(10).await.unwrap();
        set(&t, retry_at);
        let retried = deliverer.round(10).await.unwrap();
        t.clock.advance(PAYMENT_WAIT);
        let sent = deliverer.round(10).await.unwrap();

        assert_eq!(waiting, Round { delivered: 1, postponed: 1, ..Round::default() }, "{}", t.backend);
        assert_eq!(retried, Round { delivered: 1, ..Round::default() }, "{}: the payment alone", t.backend);
        assert_eq!(sent, Round { delivered: 1, ..Round::default() }, "{}: its message", t.backend);
        let opened = payment(&t.store, case_id).await;
        assert_eq!(opened.status, PaymentStage::Open);
        assert!(opened.notice_number.is_some());
        assert_eq!((&opened.notice_number, &opened.iupd), (&numbered.notice_number, &numbered.iupd));
        assert_eq!(ports.gpd.creations(), [numbered.iupd.clone().unwrap(), numbered.iupd.unwrap()]);
        let carried = ports.app_io.calls()[0].0.payment.clone().map(|p| p.notice_number.as_str().to_owned());
        assert_eq!(carried, opened.notice_number);
    }
}

#[tokio::test]
async fn an_unavailable_app_io_is_tried_again_after_the_policy_s_wait_and_not_before() {
    for t in stores("outbox_unavailable", MONDAY).await {
        deploy(&t).await;
        let ports = Ports::new();
        let deliverer = ports.deliverer(&t.store);
        let (case_id, paid_id) = paid_case(&t, &deliverer).await;
        ports.app_io.answer([Answer::Unavailable]);
        let failed_at = t.store.now();

        assert_eq!(deliverer.round(10).await.unwrap(), Round { retried: 1, ..Round::default() }, "{}", t.backend);

        let wait = SignedDuration::try_from(POLICY.wait(paid_id, 1)).unwrap();
        let effect_now = effect(&t.store, case_id, paid_id).await;
        assert_eq!((effect_now.status, effect_now.attempts), (OutboxStatus::Pending, 1));
        // Stored to the microsecond.
        assert_eq!(effect_now.next_attempt_at.as_microsecond(), (failed_at + wait).as_microsecond());
        assert_eq!(effect_now.last_error.as_deref(), Some("remote system unavailable: HTTP 503"));
        t.clock.advance(wait - SignedDuration::from_secs(1));
        assert_eq!(deliverer.round(10).await.unwrap(), Round::default(), "{}: not before the wait", t.backend);
        t.clock.advance(SignedDuration::from_secs(1));
        assert_eq!(deliverer.round(10).await.unwrap(), Round { delivered: 1, ..Round::default() });
        assert_eq!(effect(&t.store, case_id, paid_id).await.status, OutboxStatus::Delivered);
    }
}

#[tokio::test]
async fn a_throttled_call_is_tried_again_after_the_retry_after_it_was_given() {
    for t in stores("outbox_throttled", MONDAY).await {
        deploy(&t).await;
        let ports = Ports::new();
        let deliverer = ports.deliverer(&t.store);
        let (case_id, paid_id) = paid_case(&t, &deliverer).await;
        // Longer than any wait of the policy's first attempt (at most 60 s).
        ports.app_io.answer([Answer::Throttled(Some(Duration::from_secs(300)))]);
        let throttled_at = t.store.now();

        assert_eq!(deliverer.round(10).await.unwrap(), Round { retried: 1, ..Round::default() }, "{}", t.backend);

        let effect_now = effect(&t.store, case_id, paid_id).await;
        assert_eq!(effect_now.next_attempt_at, throttled_at + SignedDuration::from_secs(300));
        assert_eq!(effect_now.last_error.as_deref(), Some("throttled by the remote system"));
        t.clock.advance(SignedDuration::from_secs(299));
        assert_eq!(deliverer.round(10).await.unwrap(), Round::default(), "{}", t.backend);
        t.clock.advance(SignedDuration::from_secs(1));
        assert_eq!(deliverer.round(10).await.unwrap(), Round { delivered: 1, ..Round::default() });
    }
}

#[tokio::test]
async fn an_effect_that_spends_its_budget_becomes_an_incident_in_the_audit_chain() {
    for t in stores("outbox_budget", MONDAY).await {
        deploy(&t).await;
        let ports = Ports::new();
        let deliverer = ports.deliverer(&t.store);
        let (case_id, paid_id) = paid_case(&t, &deliverer).await;
        ports.app_io.answer([Answer::Unavailable, Answer::Unavailable, Answer::Unavailable]);

        let mut rounds = Vec::new();
        for _ in 0..POLICY.budget {
            rounds.push(deliverer.round(10).await.unwrap());
            set(&t, effect(&t.store, case_id, paid_id).await.next_attempt_at);
        }

        let retried = Round { retried: 1, ..Round::default() };
        assert_eq!(rounds, [retried, retried, Round { incidents: 1, ..Round::default() }], "{}", t.backend);
        let incident = effect(&t.store, case_id, paid_id).await;
        assert_eq!((incident.status, incident.attempts), (OutboxStatus::Incident, 3));
        assert_eq!(incident.last_error.as_deref(), Some("remote system unavailable: HTTP 503"));
        let last = audit(&t.store, case_id).await.pop().unwrap();
        assert_eq!(
            (&last["command"], &last["outcome"], &last["effect"], &last["attempts"], &last["effect_id"]),
            (&json!("outbox"), &json!("incident"), &json!("notify: paid"), &json!(3), &json!(paid_id)),
            "{}",
            t.backend
        );
        assert_eq!(last["error"], "remote system unavailable: HTTP 503");
        chains_hold(&t.store).await;
        let listed = t.store.incidents(&["anagrafe".to_owned()], 10).await.unwrap();
        assert_eq!(listed.iter().map(|i| i.effect.id).collect::<Vec<_>>(), [paid_id]);
        t.clock.advance(SignedDuration::from_hours(24 * 7));
        assert_eq!(deliverer.round(10).await.unwrap(), Round::default(), "an incident is not tried again by itself");
        assert_eq!(ports.app_io.calls().len(), 1 + 3);
    }
}

#[tokio::test]
async fn a_refused_message_becomes_an_incident_at_once() {
    for t in stores("outbox_rejected", MONDAY).await {
        deploy(&t).await;
        let ports = Ports::new();
        let deliverer = ports.deliverer(&t.store);
        let (case_id, paid_id) = paid_case(&t, &deliverer).await;
        ports.app_io.answer([Answer::Rejected]);

        let round = deliverer.round(10).await.unwrap();

        assert_eq!(round, Round { incidents: 1, ..Round::default() }, "{}", t.backend);
        let incident = effect(&t.store, case_id, paid_id).await;
        assert_eq!((incident.status, incident.attempts), (OutboxStatus::Incident, 1));
        assert_eq!(incident.last_error.as_deref(), Some("refused by the remote system: HTTP 400: bad request"));
        assert_eq!(audit(&t.store, case_id).await.pop().unwrap()["outcome"], "incident");
        chains_hold(&t.store).await;
    }
}

// ---------------------------------------------------------------------------------------------------
// Incidents

#[tokio::test]
async fn a_clerk_s_retry_puts_an_incident_back_and_it_goes_out_under_the_same_key() {
    for t in stores("outbox_retry_incident", MONDAY).await {
        deploy(&t).await;
        let ports = Ports::new();
        let deliverer = ports.deliverer(&t.store);
        let (case_id, paid_id) = paid_case(&t, &deliverer).await;
        ports.app_io.answer([Answer::Rejected]);
        deliverer.round(10).await.unwrap();
        t.clock.advance(SignedDuration::from_hours(2));

        assert!(t.store.retry_incident(case_id, paid_id, &clerk()).await.unwrap(), "{}", t.backend);

        let retried = effect(&t.store, case_id, paid_id).await;
        assert_eq!((retried.status, retried.attempts), (OutboxStatus::Pending, 0), "a fresh budget");
        assert_eq!(retried.next_attempt_at, t.store.now());
        assert_eq!(deliverer.round(10).await.unwrap(), Round { delivered: 1, ..Round::default() });
        let keys = ports.app_io.keys();
        let (refused, sent) = (&keys[keys.len() - 2], &keys[keys.len() - 1]);
        assert_eq!(refused, sent, "{}: the retry goes out under the effect's key", t.backend);
        let last = audit(&t.store, case_id).await.pop().unwrap();
        assert_eq!(
            (&last["command"], &last["action"], &last["actor"], &last["effect_id"]),
            (&json!("incident"), &json!("retry"), &json!("staff member u-17"), &json!(paid_id))
        );
        assert!(!t.store.retry_incident(case_id, paid_id, &clerk()).await.unwrap(), "not an incident any more");
        assert!(!t.store.dismiss_incident(case_id, paid_id, &clerk()).await.unwrap());
        assert_eq!(audit(&t.store, case_id).await.pop().unwrap(), last, "a refused retry is not audited");
        chains_hold(&t.store).await;
    }
}

#[tokio::test]
async fn a_clerk_s_dismissal_closes_an_incident_and_it_is_never_delivered() {
    for t in stores("outbox_dismiss_incident", MONDAY).await {
        deploy(&t).await;
        let ports = Ports::new();
        let deliverer = ports.deliverer(&t.store);
        let (case_id, paid_id) = paid_case(&t, &deliverer).await;
        ports.app_io.answer([Answer::Rejected]);
        deliverer.round(10).await.unwrap();
        let other_case = submit(&t.store, ANNA).await;

        assert!(!t.store.dismiss_incident(other_case, paid_id, &clerk()).await.unwrap(), "not that case's incident");
        assert!(t.store.dismiss_incident(case_id, paid_id, &clerk()).await.unwrap(), "{}", t.backend);

        assert_eq!(effect(&t.store, case_id, paid_id).await.status, OutboxStatus::Dismissed);
        let last = audit(&t.store, case_id).await.pop().unwrap();
        assert_eq!(
            (&last["command"], &last["action"], &last["actor"], &last["effect_id"]),
            (&json!("incident"), &json!("dismiss"), &json!("staff member u-17"), &json!(paid_id))
        );
        assert!(t.store.incidents(&[], 10).await.unwrap().is_empty());
        assert!(!t.store.retry_incident(case_id, paid_id, &clerk()).await.unwrap(), "a dismissed effect stays so");
        let calls = ports.app_io.calls().len();
        t.clock.advance(SignedDuration::from_hours(24));
        deliver_submitted(&deliverer).await; // the other case's effects, and nothing else
        assert_eq!(ports.app_io.calls().len(), calls + 1);
        assert_eq!(effect(&t.store, case_id, paid_id).await.status, OutboxStatus::Dismissed);
        chains_hold(&t.store).await;
    }
}

// ---------------------------------------------------------------------------------------------------
// Leases

#[tokio::test]
async fn an_effect_whose_worker_died_is_claimed_again_only_after_its_lease_and_the_late_outcome_is_ignored() {
    for t in stores("outbox_lease", MONDAY).await {
        deploy(&t).await;
        let ports = Ports::new();
        let deliverer = ports.deliverer(&t.store);
        let (case_id, paid_id) = paid_case(&t, &deliverer).await;
        let lease = SignedDuration::try_from(LEASE).unwrap();

        // A worker claims the message and dies.
        let dead = t.store.claim_effects(10, LEASE).await.unwrap();
        assert_eq!(dead.iter().map(|e| (e.id, e.attempt)).collect::<Vec<_>>(), [(paid_id, 1)], "{}", t.backend);

        assert_eq!(deliverer.round(10).await.unwrap(), Round::default(), "{}: claimed", t.backend);
        t.clock.advance(lease - SignedDuration::from_secs(1));
        assert_eq!(deliverer.round(10).await.unwrap(), Round::default(), "{}: still claimed", t.backend);
        t.clock.advance(SignedDuration::from_secs(1));
        assert_eq!(deliverer.round(10).await.unwrap(), Round { delivered: 1, ..Round::default() });

        assert_eq!(ports.app_io.keys().last(), Some(&dead[0].idempotency_key), "the same key after the lease");
        let delivered = effect(&t.store, case_id, paid_id).await;
        assert_eq!((delivered.status, delivered.attempts), (OutboxStatus::Delivered, 2));
        // The dead worker wakes up with its outcome: ignored.
        assert!(!t.store.effect_delivered(&dead[0], json!({"channel": "late"})).await.unwrap(), "{}", t.backend);
        assert!(!t.store.effect_failed(&dead[0], "late failure", None).await.unwrap());
        assert!(!t.store.effect_postponed(&dead[0], t.store.now()).await.unwrap());
        assert_eq!(effect(&t.store, case_id, paid_id).await, delivered);
        assert_ne!(audit(&t.store, case_id).await.pop().unwrap()["outcome"], "incident");
    }
}

// ---------------------------------------------------------------------------------------------------
// Receipts and expiries

#[tokio::test]
async fn a_receipt_moves_the_case_to_paid_once_however_many_times_it_arrives() {
    for t in stores("outbox_receipt", MONDAY).await {
        deploy(&t).await;
        let ports = Ports::new();
        let deliverer = ports.deliverer(&t.store);
        let case_id = submit(&t.store, ANNA).await;
        deliver_submitted(&deliverer).await;
        let notice = payment(&t.store, case_id).await.notice_number.unwrap();

        let first = t.store.deliver_event(receipt(case_id, "psp-1", &notice)).await.unwrap();
        let again = t.store.deliver_event(receipt(case_id, "psp-1", &notice)).await.unwrap();
        let other_id = t.store.deliver_event(receipt(case_id, "poller-7", &notice)).await.unwrap();

        assert_eq!((first.state.as_str(), first.replayed), ("paid", false), "{}", t.backend);
        assert_eq!((again.state.as_str(), again.version, again.replayed), ("paid", first.version, true));
        assert_eq!((other_id.state.as_str(), other_id.version, other_id.replayed), ("paid", first.version, true));
        assert_eq!(state(&t.store, case_id).await, ("paid".into(), first.version));
        let paid = payment(&t.store, case_id).await;
        assert_eq!((paid.status.as_str(), paid.receipt_id.as_deref()), ("paid", Some("RCPT-0001")));
        assert_eq!(paid.paid_at, Some(t.store.now()));
        let pays: Vec<Value> =
            audit(&t.store, case_id).await.into_iter().filter(|e| e["transition"] == "pay").collect();
        assert_eq!(pays.len(), 1, "{}: {pays:?}", t.backend);
        assert_eq!((&pays[0]["notice_number"], &pays[0]["payment"]), (&json!(notice), &json!("fee")));
        let messages: Vec<_> = effects(&t.store, case_id).await.into_iter().filter(|e| e.name == "paid").collect();
        assert_eq!(messages.len(), 1, "one message `paid`");
        chains_hold(&t.store).await;
    }
}

#[tokio::test]
async fn a_receipt_naming_a_notice_the_case_does_not_have_is_refused_with_the_field() {
    for t in stores("outbox_receipt_unknown_notice", MONDAY).await {
        // A workflow with payments: its payments are looked up, and none has the notice.
        deploy(&t).await;
        let ports = Ports::new();
        let deliverer = ports.deliverer(&t.store);
        let case_id = submit(&t.store, ANNA).await;
        deliver_submitted(&deliverer).await;
        // A workflow with none: nothing is looked up, and the answer is the same.
        t.store.deploy(&support::workflow("records-access"), Some("records-access")).await.unwrap();
        let command = OpenCase {
            workflow: "records-access".into(),
            applicant: ANNA.into(),
            actor: Actor::Citizen { fiscal_code: ANNA.into() },
            data: json!({}),
            idempotency_key: None,
        };
        let without_payments = t.store.open_case(command).await.unwrap().case_id;

        for case in [case_id, without_payments] {
            let before = state(&t.store, case).await;
            let refused = t.store.deliver_event(receipt(case, "psp-9", "301000000000000099")).await.unwrap_err();
            let Error::InvalidInput(fields) = &refused else { panic!("{}: {refused:?}", t.backend) };
            assert_eq!(fields[0].0, "/payload/notice_number", "{}", t.backend);
            assert!(fields[0].1.contains("no payment with notice number 301000000000000099"), "{fields:?}");
            assert_eq!(state(&t.store, case).await, before, "{}: nothing moved", t.backend);
        }
        chains_hold(&t.store).await;
    }
}

#[tokio::test]
async fn the_poller_turns_a_position_paid_at_pagopa_into_the_receipt() {
    for t in stores("outbox_poll_paid", MONDAY).await {
        deploy(&t).await;
        let ports = Ports::new();
        let deliverer = ports.deliverer(&t.store);
        let case_id = submit(&t.store, ANNA).await;
        deliver_submitted(&deliverer).await;
        let fee = payment(&t.store, case_id).await;
        assert_eq!(deliverer.poll_payments(10).await.unwrap(), Poll { checked: 1, ..Poll::default() });
        let paid_at: Timestamp = "2026-03-03T10:15:00Z".parse().unwrap();
        let paid = PaymentStatus::Paid { receipt_id: "RCPT-77".into(), paid_at: Some(paid_at) };
        ports.gpd.fake.set_status(fee.iupd.as_deref().unwrap(), paid);

        let poll = deliverer.poll_payments(10).await.unwrap();

        assert_eq!(poll, Poll { checked: 1, paid: 1, ..Poll::default() }, "{}", t.backend);
        assert_eq!(state(&t.store, case_id).await.0, "paid");
        let settled = payment(&t.store, case_id).await;
        assert_eq!((settled.status.as_str(), settled.receipt_id.as_deref()), ("paid", Some("RCPT-77")));
        assert_eq!(settled.paid_at, Some(paid_at));
        assert_eq!(deliverer.poll_payments(10).await.unwrap(), Poll::default(), "a paid payment is not asked about");
    }
}

#[tokio::test]
async fn the_poller_expires_a_payment_still_unpaid_after_its_due_date_and_the_case_lapses() {
    for t in stores("outbox_poll_expired", MONDAY).await {
        deploy(&t).await;
        let ports = Ports::new();
        let deliverer = ports.deliverer(&t.store);
        let case_id = submit(&t.store, ANNA).await;
        deliver_submitted(&deliverer).await;
        let due_date = payment(&t.store, case_id).await.due_date;
        assert_eq!(due_date, MONDAY + jiff::Span::new().days(30), "{}", t.backend);

        set(&t, end_of_day(due_date) - SignedDuration::from_secs(1));
        let on_the_due_day = deliverer.poll_payments(10).await.unwrap();
        t.clock.advance(SignedDuration::from_secs(1));
        let the_day_after = deliverer.poll_payments(10).await.unwrap();

        assert_eq!(on_the_due_day, Poll { checked: 1, ..Poll::default() }, "{}", t.backend);
        assert_eq!(the_day_after, Poll { checked: 1, expired: 1, ..Poll::default() }, "{}", t.backend);
        assert_eq!(state(&t.store, case_id).await.0, "lapsed");
        assert_eq!(payment(&t.store, case_id).await.status, PaymentStage::Expired);
        let last = audit(&t.store, case_id).await.pop().unwrap();
        assert_eq!((&last["event"], &last["transition"]), (&json!("payment.expired"), &json!("lapse")));
        chains_hold(&t.store).await;
    }
}

#[tokio::test]
async fn an_event_naming_an_unknown_notice_number_is_invalid_input() {
    for t in stores("outbox_unknown_notice", MONDAY).await {
        deploy(&t).await;
        let ports = Ports::new();
        let case_id = submit(&t.store, ANNA).await;
        deliver_submitted(&ports.deliverer(&t.store)).await;
        let unknown = NoticeNumber::generate(SegregationCode::new(1).unwrap(), 999).unwrap();

        let refused = t.store.deliver_event(receipt(case_id, "psp-1", unknown.as_str())).await;

        assert!(
            matches!(&refused, Err(Error::InvalidInput(errors)) if errors[0].0 == "/payload/notice_number"),
            "{}: {refused:?}",
            t.backend
        );
        assert_eq!(state(&t.store, case_id).await.0, "to_pay");
        assert_eq!(payment(&t.store, case_id).await.status, PaymentStage::Open);
    }
}

#[tokio::test]
async fn a_receipt_in_a_state_that_does_not_expect_it_is_recorded_without_moving_the_case() {
    for t in stores("outbox_receipt_recorded", MONDAY).await {
        deploy(&t).await;
        let ports = Ports::new();
        let deliverer = ports.deliverer(&t.store);
        let case_id = submit(&t.store, ANNA).await;
        deliver_submitted(&deliverer).await;
        let notice = payment(&t.store, case_id).await.notice_number.unwrap();
        // Moved on without the receipt: `payment.paid` fires nothing in `paid`.
        apply(&t.store, case_id, "pay", Actor::System, Value::Null).await;
        let before = state(&t.store, case_id).await;

        let recorded = t.store.deliver_event(receipt(case_id, "psp-1", &notice)).await.unwrap();

        assert_eq!((recorded.state.as_str(), recorded.version), ("paid", before.1), "{}", t.backend);
        assert_eq!(state(&t.store, case_id).await, before);
        assert_eq!(payment(&t.store, case_id).await.status, PaymentStage::Paid);
        let last = audit(&t.store, case_id).await.pop().unwrap();
        assert_eq!(
            (&last["command"], &last["event"], &last["outcome"], &last["notice_number"]),
            (&json!("event"), &json!("payment.paid"), &json!("recorded"), &json!(notice)),
            "{}",
            t.backend
        );
        let again = t.store.deliver_event(receipt(case_id, "psp-1", &notice)).await.unwrap();
        assert!(again.replayed);
        assert_eq!(audit(&t.store, case_id).await.pop().unwrap(), last, "recorded once");
        // The message id was remembered with the receipt: naming another event with it is refused.
        let mut other = receipt(case_id, "psp-1", &notice);
        other.event = "payment.expired".into();
        let reused = t.store.deliver_event(other).await.unwrap_err();
        assert_eq!(reused.code(), "idempotency-key-reused", "{}", t.backend);
        chains_hold(&t.store).await;
    }
}

// ---------------------------------------------------------------------------------------------------
// Ports not configured, payments that never come

#[tokio::test]
async fn with_no_ports_configured_each_effect_becomes_an_incident_that_says_what_is_missing() {
    for t in stores("outbox_not_configured", MONDAY).await {
        deploy(&t).await;
        let deliverer = Deliverer {
            store: t.store.clone(),
            hooks: Hooks::default(),
            policy: POLICY,
            notice_offset: 0,
            lease: LEASE,
        };
        let case_id = submit(&t.store, ANNA).await;

        let round = deliverer.round(10).await.unwrap();

        assert_eq!(round, Round { incidents: 3, ..Round::default() }, "{}", t.backend);
        let incidents: BTreeMap<&str, (OutboxStatus, u32, Option<String>)> = effects(&t.store, case_id)
            .await
            .into_iter()
            .map(|e| (e.kind.as_str(), (e.status, e.attempts, e.last_error)))
            .collect();
        let incident = |error: &str| (OutboxStatus::Incident, 1, Some(format!("not configured: {error}")));
        assert_eq!(
            incidents,
            BTreeMap::from([
                ("notify", incident("no notification channel is configured ([hooks.app_io] or [hooks.email])")),
                ("payment", incident("no pagoPA provider is configured ([hooks.pagopa])")),
                ("webhook", incident("no webhook endpoints are configured ([hooks.webhooks])")),
            ]),
            "{}",
            t.backend
        );
        assert_eq!(payment(&t.store, case_id).await.status, PaymentStage::Requested);
        let outcomes: Vec<Value> =
            audit(&t.store, case_id).await.into_iter().filter(|e| e["command"] == "outbox").collect();
        assert_eq!(outcomes.len(), 3);
        // A message without a payment too: it is not recorded as sent to nobody.
        apply(&t.store, case_id, "pay", Actor::System, Value::Null).await;
        assert_eq!(deliverer.round(10).await.unwrap(), Round { incidents: 1, ..Round::default() });
        let paid = effects(&t.store, case_id).await.pop().unwrap();
        assert_eq!((paid.name.as_str(), paid.status), ("paid", OutboxStatus::Incident), "{}", t.backend);
        chains_hold(&t.store).await;
    }
}

#[tokio::test]
async fn a_message_waits_for_its_payment_s_incident_and_goes_out_with_the_notice_once_a_clerk_retries_it() {
    for t in stores("outbox_payment_incident", MONDAY).await {
        deploy(&t).await;
        let ports = Ports::new();
        let deliverer = ports.deliverer(&t.store);
        let case_id = submit(&t.store, ANNA).await;
        let fee_id = effect_of_kind(&t.store, case_id, OutboxKind::Payment).await.id;
        ports.gpd.answer([Answer::Rejected]);
        let first = deliverer.round(10).await.unwrap();
        assert_eq!(first, Round { delivered: 1, incidents: 1, postponed: 1, ..Round::default() }, "{}", t.backend);
        t.clock.advance(PAYMENT_WAIT);
        assert_eq!(deliverer.round(10).await.unwrap(), Round { postponed: 1, ..Round::default() }, "still waiting");

        assert!(t.store.retry_incident(case_id, fee_id, &clerk()).await.unwrap());
        assert_eq!(deliverer.round(10).await.unwrap(), Round { delivered: 1, ..Round::default() }, "the payment");
        t.clock.advance(PAYMENT_WAIT);
        assert_eq!(deliverer.round(10).await.unwrap(), Round { delivered: 1, ..Round::default() }, "the message");

        let notice = payment(&t.store, case_id).await.notice_number.unwrap();
        let calls = ports.app_io.calls();
        assert_eq!(calls.len(), 1, "{}", t.backend);
        assert_eq!(calls[0].0.payment.as_ref().map(|p| p.notice_number.as_str()), Some(notice.as_str()));
    }
}

/// Regression: a message whose payment was dismissed was put back every 15 seconds for ever, never
/// counting an attempt and never shown to a clerk.
#[tokio::test]
async fn a_message_whose_payment_was_dismissed_becomes_an_incident_instead_of_waiting_for_ever() {
    for t in stores("outbox_payment_dismissed", MONDAY).await {
        deploy(&t).await;
        let ports = Ports::new();
        let deliverer = ports.deliverer(&t.store);
        let case_id = submit(&t.store, ANNA).await;
        let fee_id = effect_of_kind(&t.store, case_id, OutboxKind::Payment).await.id;
        ports.gpd.answer([Answer::Rejected]);
        deliverer.round(10).await.unwrap();
        assert!(t.store.dismiss_incident(case_id, fee_id, &clerk()).await.unwrap());
        t.clock.advance(PAYMENT_WAIT);

        let round = deliverer.round(10).await.unwrap();

        assert_eq!(round, Round { incidents: 1, ..Round::default() }, "{}", t.backend);
        let message = effect_of_kind(&t.store, case_id, OutboxKind::Notify).await;
        assert_eq!(message.status, OutboxStatus::Incident);
        assert_eq!(
            message.last_error.as_deref(),
            Some("refused by the remote system: the payment `fee` was dismissed, so there is no notice to send")
        );
        assert!(ports.app_io.calls().is_empty());
        chains_hold(&t.store).await;
    }
}

// ---------------------------------------------------------------------------------------------------
// Concurrent workers

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_workers_on_postgresql_deliver_each_effect_of_forty_cases_exactly_once() {
    const CASES: usize = 40;
    for t in stores("outbox_two_workers", MONDAY).await {
        if t.backend != "postgres" {
            continue;
        }
        deploy(&t).await;
        let ports = Ports::new();
        let mut case_ids = Vec::new();
        for i in 0..CASES {
            case_ids.push(submit(&t.store, &format!("applicant-{i:02}")).await);
        }
        // Two stores on the one database, as two processes would have.
        let mut workers = Vec::new();
        for _ in 0..2 {
            let store = Store::connect(&StoreOptions::new(&t.url), Arc::new(t.clock.clone())).await.unwrap();
            workers.push(ports.deliverer(&store));
        }

        let mut totals = [Round::default(), Round::default()];
        for _ in 0..10 {
            let running: Vec<_> = workers
                .iter()
                .cloned()
                .map(|worker| {
                    tokio::spawn(async move {
                        let mut total = Round::default();
                        loop {
                            let round = worker.round(7).await.unwrap();
                            if round == Round::default() {
                                return total;
                            }
                            total.delivered += round.delivered;
                            total.retried += round.retried;
                            total.incidents += round.incidents;
                            total.postponed += round.postponed;
                        }
                    })
                })
                .collect();
            for (total, worker) in totals.iter_mut().zip(running) {
                let round = worker.await.unwrap();
                total.delivered += round.delivered;
                total.postponed += round.postponed;
                assert_eq!((round.retried, round.incidents), (0, 0));
            }
            // Messages claimed with their unpublished payments wait 15 s.
            t.clock.advance(PAYMENT_WAIT);
        }

        let delivered: u32 = totals.iter().map(|r| r.delivered).sum();
        assert_eq!(delivered as usize, 3 * CASES, "{totals:?}");
        assert!(totals.iter().all(|r| r.delivered > 0), "each worker took a share: {totals:?}");
        for case_id in &case_ids {
            assert!(
                effects(&t.store, *case_id)
                    .await
                    .iter()
                    .all(|e| e.status == OutboxStatus::Delivered && e.attempts == 1)
            );
        }
        let mut sends: BTreeMap<String, usize> = BTreeMap::new();
        let keys = ports.app_io.keys().into_iter();
        let webhook_keys = ports.webhooks.calls().into_iter().map(|(_, _, key)| key);
        let creations = ports.gpd.creations().into_iter();
        for key in keys.chain(webhook_keys).chain(creations) {
            *sends.entry(key).or_default() += 1;
        }
        assert_eq!(sends.len(), 3 * CASES, "one message, one webhook call, one position per case");
        assert!(sends.values().all(|n| *n == 1), "{sends:?}");
        chains_hold(&t.store).await;
    }
}

// ---------------------------------------------------------------------------------------------------
// Channels

#[tokio::test]
async fn a_citizen_not_on_app_io_is_written_to_by_e_mail_and_one_with_no_address_is_recorded_unreached() {
    for t in stores("outbox_email", MONDAY).await {
        deploy(&t).await;
        let app_io = Arc::new(FakeAppIo::new());
        let mailer = Arc::new(FakeMailer::new());
        let hooks = Hooks {
            app_io: Some(app_io.clone()),
            mailer: Some(mailer.clone()),
            debt_positions: Some(Arc::new(Gpd::new())),
            webhooks: Some(Arc::new(FakeWebhooks::new())),
        };
        let deliverer =
            Deliverer { store: t.store.clone(), hooks, policy: POLICY, notice_offset: NOTICE_OFFSET, lease: LEASE };
        const GIOVANNI: &str = "BNCGNN80A01F205W";
        app_io.set_profile(ANNA, IoProfile::NotOnIo);
        app_io.set_profile(GIOVANNI, IoProfile::SenderNotAllowed);
        let mut cases = Vec::new();
        for (applicant, data) in [
            (ANNA, json!({"applicant_name": "Anna Rossi", "email": "anna.rossi@example.it"})),
            (GIOVANNI, json!({"applicant_name": "Giovanni Bianchi"})),
        ] {
            let citizen = Actor::Citizen { fiscal_code: applicant.into() };
            let command = OpenCase {
                workflow: "fee-request".into(),
                applicant: applicant.into(),
                actor: citizen.clone(),
                data,
                idempotency_key: None,
            };
            let case_id = t.store.open_case(command).await.unwrap().case_id;
            apply(&t.store, case_id, "submit", citizen, json!({"fee_cents": FEE_CENTS})).await;
            cases.push(case_id);
        }

        let round = deliverer.round(10).await.unwrap();

        assert_eq!(round, Round { delivered: 6, ..Round::default() }, "{}", t.backend);
        assert!(app_io.sent().is_empty(), "{}: nothing went to App IO", t.backend);
        let mails = mailer.sent();
        assert_eq!(mails.len(), 1, "{}", t.backend);
        let (mail, key) = &mails[0];
        assert_eq!(
            (mail.to.as_str(), mail.subject.as_str()),
            ("anna.rossi@example.it", "Avviso di pagamento dei diritti")
        );
        let notice = payment(&t.store, cases[0]).await.notice_number.unwrap();
        assert!(mail.text.contains(&notice), "{}: the notice is in the e-mail: {}", t.backend, mail.text);
        let code = t.store.case(cases[0]).await.unwrap().case.code;
        assert!(key.starts_with(&format!("{code}/")), "{}: the e-mail carries the effect's key: {key}", t.backend);
        let anna = effect_of_kind(&t.store, cases[0], OutboxKind::Notify).await;
        assert_eq!(anna.result.as_ref().unwrap()["channel"], "email");
        assert_eq!(anna.result.as_ref().unwrap()["because"], "not_on_io");
        let giovanni = effect_of_kind(&t.store, cases[1], OutboxKind::Notify).await;
        assert_eq!(giovanni.status, OutboxStatus::Delivered, "{}", t.backend);
        assert_eq!(
            giovanni.result,
            Some(json!({"channel": "none", "because": "sender_not_allowed", "and": "no_email_address"}))
        );
    }
}
