//! [`AppIoClient`]: the [`AppIo`] port on the App IO services API (`io-services-api.yaml`). The profile
//! is read with `getProfileByPOST` (`POST /profiles`) and messages are sent with
//! `submitMessageforUserWithFiscalCodeInBody` (`POST /messages`): both carry the fiscal code in the body,
//! so it never appears in a URL or an access log. Every request carries the service's
//! `Ocp-Apim-Subscription-Key`. A message outside the API's limits (subject 10–120 characters, markdown
//! 80–10,000, amount 1–9,999,999,999 cents) is refused here, without a request.

use std::ops::RangeInclusive;
use std::time::Duration;

use reqwest::{StatusCode, Url};
use serde::{Deserialize, Serialize};
use sportello_hooks::{AppIo, HookError, HookFuture, IoMessage, IoProfile};

use super::http::{self, IDEMPOTENCY_KEY, SetupError};
use super::secret::Secret;

/// The header carrying the subscription key, for App IO and GPD alike.
pub const SUBSCRIPTION_KEY: &str = "Ocp-Apim-Subscription-Key";

/// The production App IO API.
pub const DEFAULT_BASE_URL: &str = "https://api.io.pagopa.it/api/v1";

/// The subject's length, in characters (`MessageContentBase.subject`).
pub const SUBJECT_CHARS: RangeInclusive<usize> = 10..=120;

/// The markdown's length, in characters (`MessageContentBase.markdown`).
pub const MARKDOWN_CHARS: RangeInclusive<usize> = 80..=10_000;

/// The amount of a payment notice, in cents (`PaymentDataBase.amount`).
pub const AMOUNT_CENTS: RangeInclusive<i64> = 1..=9_999_999_999;

/// How this system is named in error messages.
const SYSTEM: &str = "app io";

/// App IO, for one service (one subscription key).
#[derive(Debug, Clone)]
pub struct AppIoClient {
    http: reqwest::Client,
    base: Url,
    subscription_key: Secret,
}

impl AppIoClient {
    /// A client for the API at `base_url` (e.g. [`DEFAULT_BASE_URL`]), giving up on a request after
    /// `timeout`.
    pub fn new(base_url: &str, subscription_key: Secret, timeout: Duration) -> Result<AppIoClient, SetupError> {
        Ok(AppIoClient { http: http::client(Some(timeout))?, base: http::base_url(base_url)?, subscription_key })
    }

    fn post(&self, path: &str) -> reqwest::RequestBuilder {
        self.http.post(http::endpoint(&self.base, &[path])).header(SUBSCRIPTION_KEY, self.subscription_key.expose())
    }

    async fn read_profile(&self, fiscal_code: &str) -> Result<IoProfile, HookError> {
        let request = self.post("profiles").json(&FiscalCodePayload { fiscal_code });
        let response = http::send(SYSTEM, request).await?;
        if response.status() == StatusCode::NOT_FOUND {
            return Ok(IoProfile::NotOnIo);
        }
        let response = http::success(SYSTEM, response, &[fiscal_code]).await?;
        let profile: LimitedProfile = http::json(SYSTEM, response).await?;
        Ok(if profile.sender_allowed { IoProfile::Allowed } else { IoProfile::SenderNotAllowed })
    }

    async fn submit(&self, message: &IoMessage, idempotency_key: &str) -> Result<String, HookError> {
        let body = NewMessage::try_from(message)?;
        let request = self.post("messages").header(IDEMPOTENCY_KEY, idempotency_key).json(&body);
        let response = http::send(SYSTEM, request).await?;
        let response = http::success(SYSTEM, response, &[&message.fiscal_code]).await?;
        let created: CreatedMessage = http::json(SYSTEM, response).await?;
        Ok(created.id)
    }
}

impl AppIo for AppIoClient {
    fn profile<'a>(&'a self, fiscal_code: &'a str) -> HookFuture<'a, IoProfile> {
        Box::pin(self.read_profile(fiscal_code))
    }

    fn send<'a>(&'a self, message: &'a IoMessage, idempotency_key: &'a str) -> HookFuture<'a, String> {
        Box::pin(self.submit(message, idempotency_key))
    }
}

/// `FiscalCodePayload`.
#[derive(Serialize)]
struct FiscalCodePayload<'a> {
    fiscal_code: &'a str,
}

/// `LimitedProfile`, the part we read.
#[derive(Deserialize)]
struct LimitedProfile {
    sender_allowed: bool,
}

/// `NewMessage`, the part we send.
#[derive(Serialize)]
struct NewMessage<'a> {
    fiscal_code: &'a str,
    content: MessageContent<'a>,
}

/// `MessageContent`.
#[derive(Serialize)]
struct MessageContent<'a> {
    subject: &'a str,
    markdown: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    due_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    payment_data: Option<PaymentData<'a>>,
}

/// `PaymentDataWithRequiredPayee`.
#[derive(Serialize)]
struct PaymentData<'a> {
    amount: i64,
    notice_number: &'a str,
    /// Always true: the debt position stops taking payments after its due date (`switchToExpired` in
    /// the GPD client), so the message says so.
    invalid_after_due_date: bool,
    payee: Payee<'a>,
}

/// `Payee`.
#[derive(Serialize)]
struct Payee<'a> {
    fiscal_code: &'a str,
}

/// `CreatedMessage`.
#[derive(Deserialize)]
struct CreatedMessage {
    id: String,
}

impl<'a> TryFrom<&'a IoMessage> for NewMessage<'a> {
    type Error = HookError;

    fn try_from(message: &'a IoMessage) -> Result<NewMessage<'a>, HookError> {
        check_length("subject", &message.subject, SUBJECT_CHARS)?;
        check_length("markdown", &message.markdown, MARKDOWN_CHARS)?;
        let payment_data = match &message.payment {
            None => None,
            Some(payment) => {
                if !AMOUNT_CENTS.contains(&payment.amount_cents) {
                    return Err(HookError::Rejected(format!(
                        "an app io payment amount must be {} to {} cents",
                        AMOUNT_CENTS.start(),
                        AMOUNT_CENTS.end()
                    )));
                }
                Some(PaymentData {
                    amount: payment.amount_cents,
                    notice_number: payment.notice_number.as_str(),
                    invalid_after_due_date: true,
                    payee: Payee { fiscal_code: payment.payee.as_str() },
                })
            }
        };
        Ok(NewMessage {
            fiscal_code: &message.fiscal_code,
            content: MessageContent {
                subject: &message.subject,
                markdown: &message.markdown,
                // `Timestamp`: ISO 8601 in UTC, as in the spec's example "2018-10-13T00:00:00.000Z".
                due_date: message.due_date.map(|due| due.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()),
                payment_data,
            },
        })
    }
}

/// Refuses a text outside `chars`. The bounds are the spec's `minLength`/`maxLength`; App IO checks them
/// in UTF-16 code units, which are never fewer than characters, so the upper bound is checked on both.
fn check_length(field: &str, text: &str, chars: RangeInclusive<usize>) -> Result<(), HookError> {
    let count = text.chars().count();
    if count < *chars.start() || text.encode_utf16().count() > *chars.end() {
        return Err(HookError::Rejected(format!(
            "an app io message {field} must be {} to {} characters long, not {count}",
            chars.start(),
            chars.end()
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use sportello_hooks::IoPayment;

    use super::*;
    use crate::hooks::test_server::{
        Reply, SHORT_TIMEOUT, TestServer, creditor_fiscal_code, notice_number, silent_server,
    };

    const CITIZEN: &str = "RSSMRA80A01H501U";

    fn client(url: &str) -> AppIoClient {
        AppIoClient::new(&format!("{url}/api/v1"), Secret::new("io-key"), SHORT_TIMEOUT).unwrap()
    }

    fn message() -> IoMessage {
        IoMessage {
            fiscal_code: CITIZEN.to_owned(),
            subject: "Tassa di occupazione suolo pubblico".to_owned(),
            markdown: "La sua pratica richiede un pagamento. ".repeat(3),
            due_date: Some("2026-03-31T21:59:59.999Z".parse().unwrap()),
            payment: Some(IoPayment {
                notice_number: notice_number(),
                amount_cents: 12_050,
                payee: creditor_fiscal_code(),
            }),
        }
    }

    #[tokio::test]
    async fn the_profile_is_read_with_the_fiscal_code_in_the_body() {
        let server =
            TestServer::start(Reply::json(200, json!({"sender_allowed": true, "preferred_languages": ["it_IT"]})))
                .await;

        let profile = client(&server.url).profile(CITIZEN).await;

        assert_eq!(profile, Ok(IoProfile::Allowed));
        let request = server.only_request();
        assert_eq!((request.method.as_str(), request.uri.as_str()), ("POST", "/api/v1/profiles"));
        assert_eq!(request.header("ocp-apim-subscription-key"), "io-key");
        assert_eq!(request.header("content-type"), "application/json");
        assert_eq!(request.json(), json!({"fiscal_code": CITIZEN}));
    }

    #[tokio::test]
    async fn a_citizen_who_turned_us_off_or_is_not_on_io_is_told_apart() {
        let server = TestServer::start(Reply::json(200, json!({"sender_allowed": false}))).await;
        assert_eq!(client(&server.url).profile(CITIZEN).await, Ok(IoProfile::SenderNotAllowed));

        let server = TestServer::start(Reply::problem(404, "Not found", "no user found")).await;
        assert_eq!(client(&server.url).profile(CITIZEN).await, Ok(IoProfile::NotOnIo));
    }

    #[tokio::test]
    async fn a_message_is_sent_as_the_spec_says_and_its_id_returned() {
        let server = TestServer::start(Reply::json(201, json!({"id": "01BX9NSMKVXXS5PSP2FATZMYYY"}))).await;

        let id = client(&server.url).send(&message(), "notify-42").await;

        assert_eq!(id, Ok("01BX9NSMKVXXS5PSP2FATZMYYY".to_owned()));
        let request = server.only_request();
        assert_eq!((request.method.as_str(), request.uri.as_str()), ("POST", "/api/v1/messages"));
        assert_eq!(request.header("ocp-apim-subscription-key"), "io-key");
        assert_eq!(request.header("idempotency-key"), "notify-42");
        assert_eq!(
            request.json(),
            json!({
                "fiscal_code": CITIZEN,
                "content": {
                    "subject": "Tassa di occupazione suolo pubblico",
                    "markdown": "La sua pratica richiede un pagamento. ".repeat(3),
                    "due_date": "2026-03-31T21:59:59.999Z",
                    "payment_data": {
                        "amount": 12050,
                        "notice_number": "301000000000012373",
                        "invalid_after_due_date": true,
                        "payee": {"fiscal_code": "80012345676"}
                    }
                }
            })
        );
    }

    #[tokio::test]
    async fn a_message_outside_the_limits_is_refused_without_a_request() {
        let server = TestServer::start(Reply::json(201, json!({"id": "x"}))).await;
        let io = client(&server.url);
        let short_subject = IoMessage { subject: "Pratica".to_owned(), ..message() };
        let short_markdown = IoMessage { markdown: "Paghi.".to_owned(), ..message() };
        let long_markdown = IoMessage { markdown: "x".repeat(10_001), ..message() };
        let mut no_amount = message();
        no_amount.payment.as_mut().unwrap().amount_cents = 0;

        for message in [short_subject, short_markdown, long_markdown, no_amount] {
            assert!(matches!(io.send(&message, "k").await, Err(HookError::Rejected(_))));
        }
        assert!(server.requests().is_empty());
    }

    #[tokio::test]
    async fn throttling_failures_and_refusals_are_told_apart() {
        let server = TestServer::start(Reply::status(429).header("retry-after", "3")).await;
        assert_eq!(
            client(&server.url).send(&message(), "k").await,
            Err(HookError::Throttled { retry_after: Some(Duration::from_secs(3)) })
        );

        let server = TestServer::start(Reply::problem(500, "Internal error", "cannot deliver")).await;
        assert!(matches!(client(&server.url).send(&message(), "k").await, Err(HookError::Unavailable(_))));

        let detail = format!("value {CITIZEN} at root.fiscal_code is not valid");
        let server = TestServer::start(Reply::problem(400, "Invalid payload", &detail)).await;
        assert_eq!(
            client(&server.url).profile(CITIZEN).await,
            Err(HookError::Rejected(
                "app io answered 400: Invalid payload: value [redacted] at root.fiscal_code is not valid".to_owned()
            ))
        );
    }

    #[tokio::test]
    async fn a_server_that_never_answers_is_unavailable_after_the_timeout() {
        let url = silent_server().await;
        let started = std::time::Instant::now();

        let outcome = client(&url).profile(CITIZEN).await;

        let Err(HookError::Unavailable(message)) = outcome else { panic!("expected unavailable, got {outcome:?}") };
        assert_eq!(message, "app io did not answer in time");
        assert!(started.elapsed() < SHORT_TIMEOUT * 4);
    }
}
