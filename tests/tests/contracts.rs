//! Contract tests: Sportello's real App IO and pagoPA GPD clients against the spec servers, which check
//! every request against the official OpenAPI documents in `tests/specs/` and answer what each test
//! scripts. Each test proves that the request the client sends is one the document accepts and that
//! the scripted answer maps to the right outcome (or [`HookError`]); each ends with
//! `assert_no_violations()`. The last test proves the checking is real: a request the document forbids
//! is recorded as a violation.

use std::time::{Duration, Instant};

use jiff::civil::date;
use reqwest::StatusCode;
use serde_json::{Value, json};
use sportello_api::hooks::app_io::SUBSCRIPTION_KEY;
use sportello_api::hooks::{AppIoClient, GpdClient, GpdConfig, Secret};
use sportello_hooks::{
    AppIo, Creditor, DebtPosition, DebtPositions, HookError, IoMessage, IoPayment, IoProfile, PaymentStatus,
};
use sportello_runtime::pagopa::{CreditorFiscalCode, NoticeNumber, SegregationCode};
use sportello_tests::spec_server::{Reply, Spec, SpecServer, ViolationKind};

/// The subscription key the clients are given; the servers check only that one is present.
const KEY: &str = "contract-test-subscription-key";
/// The citizen the messages and positions are for.
const CITIZEN: &str = "RSSMRA80A01H501U";
/// The municipality as a creditor.
const CREDITOR: &str = "80012345676";
/// The IUPD of the position the GPD tests create and read.
const IUPD: &str = "80012345676-case-42";
/// The clients' timeout: a hung connection fails after this long.
const TIMEOUT: Duration = Duration::from_secs(1);

const PROFILE: &str = "getProfileByPOST";
const SEND: &str = "submitMessageforUserWithFiscalCodeInBody";
const CREATE: &str = "createPosition";
const POSITION: &str = "getOrganizationDebtPositionByIUPD";

fn app_io() -> (SpecServer, AppIoClient) {
    let server = SpecServer::start(Spec::app_io().unwrap());
    let client = AppIoClient::new(&server.base_url(), Secret::new(KEY), TIMEOUT).unwrap();
    (server, client)
}

fn gpd() -> (SpecServer, GpdClient) {
    let server = SpecServer::start(Spec::gpd_debt_positions().unwrap());
    let client = GpdClient::new(GpdConfig {
        base_url: server.base_url(),
        subscription_key: Secret::new(KEY),
        creditor: Creditor {
            fiscal_code: CreditorFiscalCode::parse(CREDITOR).unwrap(),
            name: "Comune di Esempio".to_owned(),
            segregation: segregation(),
        },
        iban: "IT60X0542811101000000123456".to_owned(),
        category: "9/0101108TS/".to_owned(),
        retention_days: 365,
        timeout: TIMEOUT,
    })
    .unwrap();
    (server, client)
}

fn segregation() -> SegregationCode {
    SegregationCode::parse("01").unwrap()
}

fn notice_number() -> NoticeNumber {
    NoticeNumber::generate(segregation(), 12_373).unwrap()
}

fn message() -> IoMessage {
    IoMessage {
        fiscal_code: CITIZEN.to_owned(),
        subject: "Richiesta di accesso agli atti ricevuta".to_owned(),
        markdown: "Abbiamo ricevuto e protocollato la tua richiesta di accesso agli atti. ".repeat(2),
        due_date: None,
        payment: None,
    }
}

fn position() -> DebtPosition {
    DebtPosition {
        iupd: IUPD.to_owned(),
        notice_number: notice_number(),
        debtor_fiscal_code: CITIZEN.to_owned(),
        debtor_name: "Mario Rossi".to_owned(),
        amount_cents: 1_652,
        description: "Certificato di residenza, pratica 42".to_owned(),
        due_date: date(2030, 7, 31),
    }
}

/// A problem body as both documents' `ProblemJson` define it.
fn problem(status: u16, title: &str, detail: &str) -> Value {
    json!({ "title": title, "status": status, "detail": detail })
}

/// Runs `call` and says how long it took.
async fn timed<T>(call: impl Future<Output = T>) -> (T, Duration) {
    let started = Instant::now();
    let outcome = call.await;
    (outcome, started.elapsed())
}

#[tokio::test]
async fn each_app_io_profile_answer_maps_to_what_the_citizen_allows() {
    let (io, client) = app_io();
    io.script(PROFILE, Reply::json(200, json!({ "sender_allowed": true, "preferred_languages": ["it_IT"] })));
    io.script(PROFILE, Reply::json(200, json!({ "sender_allowed": false })));
    io.script(PROFILE, Reply::json(404, problem(404, "Not Found", "no profile for this fiscal code")));

    let mut profiles = Vec::new();
    for _ in 0..3 {
        profiles.push(client.profile(CITIZEN).await);
    }

    assert_eq!(profiles, [Ok(IoProfile::Allowed), Ok(IoProfile::SenderNotAllowed), Ok(IoProfile::NotOnIo)]);
    let requests = io.requests_to(PROFILE);
    assert_eq!(requests.len(), 3);
    for request in &requests {
        assert!(request.valid);
        assert_eq!(request.header(SUBSCRIPTION_KEY), Some(KEY));
        assert_eq!(request.body, Some(json!({ "fiscal_code": CITIZEN })));
    }
    io.assert_no_violations();
}

#[tokio::test]
async fn a_message_app_io_accepts_with_201_returns_the_id_it_created() {
    let (io, client) = app_io();
    io.script(SEND, Reply::json(201, json!({ "id": "01HXSPORTELLO0000000000042" })).header("Location", "/x"));

    let id = client.send(&message(), "notify-42").await;

    assert_eq!(id, Ok("01HXSPORTELLO0000000000042".to_owned()));
    let [request] = io.requests_to(SEND).try_into().unwrap();
    assert!(request.valid);
    assert_eq!(request.header("idempotency-key"), Some("notify-42"));
    assert_eq!(request.header(SUBSCRIPTION_KEY), Some(KEY));
    assert_eq!(request.body.as_ref().unwrap()["fiscal_code"], CITIZEN);
    io.assert_no_violations();
}

#[tokio::test]
async fn a_message_with_a_payment_notice_and_a_due_date_passes_the_spec() {
    let (io, client) = app_io();
    io.script(SEND, Reply::json(201, json!({ "id": "01HXPAYMENT" })));
    let notice = notice_number();
    let message = IoMessage {
        subject: "Certificato di residenza, pagamento dei diritti".to_owned(),
        due_date: Some("2030-07-31T21:59:59.999Z".parse().unwrap()),
        payment: Some(IoPayment {
            notice_number: notice.clone(),
            amount_cents: 1_652,
            payee: CreditorFiscalCode::parse(CREDITOR).unwrap(),
        }),
        ..message()
    };

    let id = client.send(&message, "notify-43").await;

    assert_eq!(id, Ok("01HXPAYMENT".to_owned()));
    let [request] = io.requests_to(SEND).try_into().unwrap();
    let content = &request.body.as_ref().unwrap()["content"];
    assert_eq!(content["due_date"], "2030-07-31T21:59:59.999Z");
    assert_eq!(
        content["payment_data"],
        json!({
            "amount": 1652,
            "notice_number": notice.as_str(),
            "invalid_after_due_date": true,
            "payee": { "fiscal_code": CREDITOR },
        })
    );
    io.assert_no_violations();
}

#[tokio::test]
async fn a_message_app_io_refuses_with_a_400_problem_is_rejected_with_its_detail() {
    let (io, client) = app_io();
    let detail = "value at root.content.markdown is not a valid markdown";
    // The document lists `application/json`; the service answers `application/problem+json`.
    let reply = Reply::json(400, problem(400, "Invalid payload", detail));
    io.script(SEND, reply.header("Content-Type", "application/problem+json"));

    let outcome = client.send(&message(), "notify-44").await;

    assert_eq!(outcome, Err(HookError::Rejected(format!("app io answered 400: Invalid payload: {detail}"))));
    io.assert_no_violations();
}

#[tokio::test]
async fn a_429_from_app_io_is_throttled_for_as_long_as_retry_after_says() {
    let (io, client) = app_io();
    io.script(SEND, Reply::status(429).header("Retry-After", "7"));

    let outcome = client.send(&message(), "notify-45").await;

    assert_eq!(outcome, Err(HookError::Throttled { retry_after: Some(Duration::from_secs(7)) }));
    io.assert_no_violations();
}

#[tokio::test]
async fn a_500_from_app_io_is_unavailable() {
    let (io, client) = app_io();
    io.script(SEND, Reply::json(500, problem(500, "Internal Server Error", "cannot store the message")));

    let outcome = client.send(&message(), "notify-46").await;

    assert_eq!(
        outcome,
        Err(HookError::Unavailable("app io answered 500: Internal Server Error: cannot store the message".to_owned()))
    );
    io.assert_no_violations();
}

#[tokio::test]
async fn an_app_io_connection_that_hangs_is_unavailable_after_the_configured_timeout() {
    let (io, client) = app_io();
    io.script(PROFILE, Reply::hang());
    io.script(SEND, Reply::hang());

    let (profile, profile_took) = timed(client.profile(CITIZEN)).await;
    let (sent, send_took) = timed(client.send(&message(), "notify-47")).await;

    let gave_up = HookError::Unavailable("app io did not answer in time".to_owned());
    assert_eq!(profile, Err(gave_up.clone()));
    assert_eq!(sent, Err(gave_up));
    for took in [profile_took, send_took] {
        assert!(took >= TIMEOUT && took < TIMEOUT * 3, "gave up after {took:?}, the timeout is {TIMEOUT:?}");
    }
    io.assert_no_violations();
}

#[tokio::test]
async fn a_position_gpd_creates_with_201_passes_the_spec_and_is_published() {
    let (gpd, client) = gpd();
    gpd.script_fn(CREATE, |request| Reply::json(201, request.body.clone().unwrap_or_default()));

    let outcome = client.create(&position()).await;

    assert_eq!(outcome, Ok(()));
    let [request] = gpd.requests_to(CREATE).try_into().unwrap();
    assert!(request.valid);
    assert_eq!(request.path_param("organizationfiscalcode"), Some(CREDITOR));
    assert_eq!(request.query_param("toPublish"), Some("true"));
    assert_eq!(request.header("idempotency-key"), Some(IUPD));
    assert_eq!(request.header(SUBSCRIPTION_KEY), Some(KEY));
    let body = request.body.unwrap();
    assert_eq!(body["iupd"], IUPD);
    assert_eq!(body["paymentOption"][0]["iuv"], notice_number().iuv());
    assert_eq!(body["paymentOption"][0]["amount"], 1652);
    gpd.assert_no_violations();
}

#[tokio::test]
async fn a_position_gpd_already_has_409_counts_as_created() {
    let (gpd, client) = gpd();
    gpd.script(CREATE, Reply::json(409, problem(409, "Conflict", "debt position already exists")));

    assert_eq!(client.create(&position()).await, Ok(()));
    gpd.assert_no_violations();
}

#[tokio::test]
async fn a_position_gpd_refuses_with_a_400_problem_is_rejected_with_its_detail() {
    let (gpd, client) = gpd();
    let detail = "Dates congruence error: due_date must be >= current_date";
    gpd.script(CREATE, Reply::json(400, problem(400, "Bad Request", detail)));

    let outcome = client.create(&position()).await;

    assert_eq!(outcome, Err(HookError::Rejected(format!("pagopa gpd answered 400: Bad Request: {detail}"))));
    gpd.assert_no_violations();
}

#[tokio::test]
async fn a_429_from_gpd_is_throttled() {
    let (gpd, client) = gpd();
    // GPD's document lists no 429 for createPosition, but its API gateway answers one under load.
    gpd.script(CREATE, Reply::status(429).header("Retry-After", "3").unchecked());

    let outcome = client.create(&position()).await;

    assert_eq!(outcome, Err(HookError::Throttled { retry_after: Some(Duration::from_secs(3)) }));
    gpd.assert_no_violations();
}

#[tokio::test]
async fn a_500_from_gpd_is_unavailable() {
    let (gpd, client) = gpd();
    gpd.script(CREATE, Reply::json(500, problem(500, "Internal Server Error", "database down")));
    gpd.script(POSITION, Reply::json(500, problem(500, "Internal Server Error", "database down")));

    let created = client.create(&position()).await;
    let status = client.status(IUPD).await;

    let unavailable =
        HookError::Unavailable("pagopa gpd answered 500: Internal Server Error: database down".to_owned());
    assert_eq!(created, Err(unavailable.clone()));
    assert_eq!(status, Err(unavailable));
    gpd.assert_no_violations();
}

#[tokio::test]
async fn a_gpd_connection_that_hangs_is_unavailable_after_the_configured_timeout() {
    let (gpd, client) = gpd();
    gpd.script(CREATE, Reply::hang());

    let (outcome, took) = timed(client.create(&position())).await;

    assert_eq!(outcome, Err(HookError::Unavailable("pagopa gpd did not answer in time".to_owned())));
    assert!(took >= TIMEOUT && took < TIMEOUT * 3, "gave up after {took:?}, the timeout is {TIMEOUT:?}");
    gpd.assert_no_violations();
}

#[tokio::test]
async fn each_position_status_read_by_iupd_maps_to_a_payment_status() {
    let (gpd, client) = gpd();
    let notice = notice_number();
    let paid = json!({
        "iupd": IUPD,
        "organizationFiscalCode": CREDITOR,
        "status": "PAID",
        "paymentDate": "2030-07-20T09:15:00Z",
        "paymentOption": [{
            "nav": notice.as_str(),
            "iuv": notice.iuv(),
            "amount": 1652,
            "status": "PO_PAID",
            "idReceipt": "receipt-7",
        }],
    });
    let unpaid = |status: &str| json!({ "iupd": IUPD, "status": status, "paymentOption": [{ "status": "PO_UNPAID" }] });
    let answers = [
        (Reply::json(200, unpaid("PUBLISHED")), PaymentStatus::Unpaid),
        (Reply::json(200, unpaid("VALID")), PaymentStatus::Unpaid),
        (
            Reply::json(200, paid),
            PaymentStatus::Paid {
                receipt_id: "receipt-7".to_owned(),
                paid_at: Some("2030-07-20T09:15:00Z".parse().unwrap()),
            },
        ),
        (Reply::json(200, json!({ "iupd": IUPD, "status": "EXPIRED" })), PaymentStatus::Expired),
        (Reply::json(404, problem(404, "Not Found", "no debt position found")), PaymentStatus::Expired),
    ];
    for (reply, _) in &answers {
        gpd.script(POSITION, reply.clone());
    }

    for (_, expected) in answers {
        assert_eq!(client.status(IUPD).await, Ok(expected));
    }

    let requests = gpd.requests_to(POSITION);
    assert_eq!(requests.len(), 5);
    for request in &requests {
        assert!(request.valid);
        assert_eq!(request.path_param("organizationfiscalcode"), Some(CREDITOR));
        assert_eq!(request.path_param("iupd"), Some(IUPD));
        assert_eq!(request.header(SUBSCRIPTION_KEY), Some(KEY));
    }
    gpd.assert_no_violations();
}

#[tokio::test]
async fn a_request_the_spec_forbids_is_answered_400_and_recorded_as_a_violation() {
    let io = SpecServer::start(Spec::app_io().unwrap());
    io.default_reply(SEND, Reply::json(201, json!({ "id": "never" })));
    let message = json!({
        "fiscal_code": CITIZEN,
        "content": { "subject": "Hello", "markdown": message().markdown },
    });

    let answer = reqwest::Client::new()
        .post(format!("{}/messages", io.base_url()))
        .header(SUBSCRIPTION_KEY, KEY)
        .json(&message)
        .send()
        .await
        .unwrap();

    assert_eq!(answer.status(), StatusCode::BAD_REQUEST);
    let violations = io.take_violations();
    assert_eq!(violations.len(), 1, "{violations:#?}");
    let violation = &violations[0];
    assert_eq!(violation.kind, ViolationKind::Request);
    assert_eq!(violation.operation_id.as_deref(), Some(SEND));
    assert_eq!(violation.place, "body /content/subject");
    assert!(!io.requests_to(SEND)[0].valid);
    io.assert_no_violations();
}
