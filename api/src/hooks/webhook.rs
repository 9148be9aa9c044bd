//! [`WebhookClient`]: the [`Webhooks`] port, POSTing JSON to other systems' endpoints (the protocol
//! register, …), each configured by name with a URL and a secret. Every call is signed so the receiver
//! can check it came from us and is fresh: `X-Sportello-Timestamp` is the Unix time in seconds and
//! `X-Sportello-Signature` is `sha256=` and the lowercase hex HMAC-SHA256, keyed with the endpoint's
//! secret, of `"<timestamp>.<body bytes>"`. Any 2xx answer is success.

use std::fmt::Write as _;
use std::time::Duration;

use hmac::{Hmac, Mac};
use indexmap::IndexMap;
use jiff::Timestamp;
use reqwest::Url;
use reqwest::header::CONTENT_TYPE;
use sha2::Sha256;
use sportello_hooks::{HookError, HookFuture, Webhooks};

use super::http::{self, IDEMPOTENCY_KEY, SetupError};
use super::secret::Secret;

/// The header with the signing time, in Unix seconds.
pub const TIMESTAMP_HEADER: &str = "X-Sportello-Timestamp";

/// The header with the signature, `sha256=<hex>`.
pub const SIGNATURE_HEADER: &str = "X-Sportello-Signature";

/// The shortest secret accepted, in characters.
pub const MIN_SECRET_CHARS: usize = 32;

/// One endpoint.
#[derive(Debug, Clone)]
struct Endpoint {
    url: Url,
    secret: Secret,
    timeout: Duration,
}

/// The configured webhook endpoints, by name.
#[derive(Debug, Clone)]
pub struct WebhookClient {
    http: reqwest::Client,
    endpoints: IndexMap<String, Endpoint>,
}

impl WebhookClient {
    /// A client with no endpoints yet.
    pub fn new() -> Result<WebhookClient, SetupError> {
        Ok(WebhookClient { http: http::client(None)?, endpoints: IndexMap::new() })
    }

    /// Adds (or replaces) the endpoint `name`, called at `url` and signed with `secret` (at least
    /// [`MIN_SECRET_CHARS`] characters), giving up on a call after `timeout`.
    pub fn endpoint(
        mut self,
        name: &str,
        url: &str,
        secret: Secret,
        timeout: Duration,
    ) -> Result<WebhookClient, SetupError> {
        if secret.expose().chars().count() < MIN_SECRET_CHARS {
            return Err(SetupError::WeakSecret(MIN_SECRET_CHARS));
        }
        self.endpoints.insert(name.to_owned(), Endpoint { url: http::base_url(url)?, secret, timeout });
        Ok(self)
    }

    async fn post(&self, name: &str, body: &serde_json::Value, idempotency_key: &str) -> Result<(), HookError> {
        let endpoint = self
            .endpoints
            .get(name)
            .ok_or_else(|| HookError::NotConfigured(format!("no webhook endpoint is named {name:?}")))?;
        let system = format!("webhook {name:?}");
        let body =
            serde_json::to_vec(body).map_err(|_| HookError::Rejected("the webhook body is not json".to_owned()))?;
        let timestamp = Timestamp::now().as_second();
        let signature = sign(endpoint.secret.expose(), timestamp, &body);
        let request = self
            .http
            .post(endpoint.url.clone())
            .timeout(endpoint.timeout)
            .header(CONTENT_TYPE, "application/json")
            .header(IDEMPOTENCY_KEY, idempotency_key)
            .header(TIMESTAMP_HEADER, timestamp.to_string())
            .header(SIGNATURE_HEADER, signature)
            .body(body);
        let response = http::send(&system, request).await?;
        http::success(&system, response, &[]).await.map(drop)
    }
}

impl Webhooks for WebhookClient {
    fn call<'a>(
        &'a self,
        endpoint: &'a str,
        body: &'a serde_json::Value,
        idempotency_key: &'a str,
    ) -> HookFuture<'a, ()> {
        Box::pin(self.post(endpoint, body, idempotency_key))
    }
}

/// `sha256=` and the hex HMAC-SHA256 of `"<timestamp>.<body>"` keyed with `secret`.
fn sign(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    let mut signature = String::from("sha256=");
    for byte in mac.finalize().into_bytes() {
        let _ = write!(signature, "{byte:02x}");
    }
    signature
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use sha2::Digest;

    use super::*;
    use crate::hooks::test_server::{Reply, SHORT_TIMEOUT, TestServer, silent_server};

    const SECRET: &str = "a-webhook-secret-of-at-least-32-characters";

    fn client(url: &str) -> WebhookClient {
        WebhookClient::new()
            .unwrap()
            .endpoint("protocol", &format!("{url}/hooks/sportello"), Secret::new(SECRET), SHORT_TIMEOUT)
            .unwrap()
    }

    /// HMAC-SHA256 written out from RFC 2104, to check the client's signature independently.
    fn hmac_sha256(key: &[u8], message: &[u8]) -> Vec<u8> {
        let mut block = [0u8; 64];
        block[..key.len()].copy_from_slice(key);
        let pad = |byte: u8| block.iter().map(|k| k ^ byte).collect::<Vec<u8>>();
        let inner = sha2::Sha256::new().chain_update(pad(0x36)).chain_update(message).finalize();
        sha2::Sha256::new().chain_update(pad(0x5c)).chain_update(inner).finalize().to_vec()
    }

    #[tokio::test]
    async fn a_call_is_posted_signed_and_with_our_idempotency_key() {
        let server = TestServer::start(Reply::status(204)).await;
        let body = json!({"event": "case.closed", "case_id": "c-1"});

        let outcome = client(&server.url).call("protocol", &body, "webhook-7").await;

        assert_eq!(outcome, Ok(()));
        let request = server.only_request();
        assert_eq!((request.method.as_str(), request.uri.as_str()), ("POST", "/hooks/sportello"));
        assert_eq!(request.header("content-type"), "application/json");
        assert_eq!(request.header("idempotency-key"), "webhook-7");
        assert_eq!(request.json(), body);
        let timestamp: i64 = request.header("x-sportello-timestamp").parse().unwrap();
        assert!((Timestamp::now().as_second() - timestamp).abs() < 60);
        let mut signed = format!("{timestamp}.").into_bytes();
        signed.extend_from_slice(&request.body);
        let expected: String = hmac_sha256(SECRET.as_bytes(), &signed).iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(request.header("x-sportello-signature"), format!("sha256={expected}"));
    }

    #[tokio::test]
    async fn an_unknown_endpoint_is_not_configured() {
        let server = TestServer::start(Reply::status(204)).await;
        let outcome = client(&server.url).call("registry", &json!({}), "k").await;
        assert!(matches!(outcome, Err(HookError::NotConfigured(_))));
        assert!(server.requests().is_empty());
    }

    #[test]
    fn a_short_secret_is_refused() {
        let outcome = WebhookClient::new().unwrap().endpoint(
            "protocol",
            "https://example.it/",
            Secret::new("short"),
            SHORT_TIMEOUT,
        );
        assert!(matches!(outcome, Err(SetupError::WeakSecret(32))));
    }

    #[tokio::test]
    async fn throttling_failures_and_refusals_are_told_apart() {
        let body = json!({"event": "case.closed"});
        let server = TestServer::start(Reply::status(429).header("retry-after", "3")).await;
        assert_eq!(
            client(&server.url).call("protocol", &body, "k").await,
            Err(HookError::Throttled { retry_after: Some(Duration::from_secs(3)) })
        );

        let server = TestServer::start(Reply::status(500)).await;
        assert_eq!(
            client(&server.url).call("protocol", &body, "k").await,
            Err(HookError::Unavailable("webhook \"protocol\" answered 500".to_owned()))
        );

        let server = TestServer::start(Reply::problem(400, "Bad Request", "unknown event")).await;
        assert_eq!(
            client(&server.url).call("protocol", &body, "k").await,
            Err(HookError::Rejected("webhook \"protocol\" answered 400: Bad Request: unknown event".to_owned()))
        );
    }

    #[tokio::test]
    async fn a_server_that_never_answers_is_unavailable_after_the_timeout() {
        let url = silent_server().await;
        let outcome = client(&url).call("protocol", &json!({}), "k").await;
        assert!(matches!(outcome, Err(HookError::Unavailable(message)) if message.contains("did not answer in time")));
    }
}
