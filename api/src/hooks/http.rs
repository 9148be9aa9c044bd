//! What the HTTP clients share: the `reqwest` client (timeouts, no redirects), URLs built from a base,
//! and the one reading of an HTTP outcome as a [`HookError`]. 429 is `Throttled` with the server's
//! `Retry-After` (seconds or an HTTP date, at most an hour); 408, 5xx, connection failures and timeouts
//! are `Unavailable`; any other 4xx (and a 3xx, since redirects are not followed) is `Rejected`, with the
//! problem's `title` and `detail` when the body is JSON. Messages name the system, never a URL (a URL
//! could carry a fiscal code or a token), and remote text passes through [`redact`] first.

use std::time::Duration;

use jiff::Timestamp;
use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::{RequestBuilder, Response, StatusCode, Url};
use serde::Deserialize;
use sportello_hooks::HookError;

use super::redact::redact;

/// The header carrying our idempotency key, on every request that has one.
pub const IDEMPOTENCY_KEY: &str = "Idempotency-Key";

/// The longest wait a `Retry-After` may ask for; a longer one is cut to this.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(3600);

/// The longest wait for a connection (a shorter total timeout wins).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// The most bytes of an error body read to find the problem's title and detail.
const MAX_ERROR_BODY: usize = 64 * 1024;

/// Why a client could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    /// The base URL is not an absolute `http` or `https` URL.
    #[error("not an absolute http or https url")]
    Url,
    /// A webhook secret is shorter than [`MIN_SECRET_CHARS`](super::webhook::MIN_SECRET_CHARS).
    #[error("the secret must be at least {0} characters long")]
    WeakSecret(usize),
    /// The HTTP client could not be built (its TLS backend, for one).
    #[error("cannot build the http client")]
    Client(#[source] reqwest::Error),
}

/// A client with the given total timeout per request (`None`: set on each request instead), a connect
/// timeout of at most 5 seconds, and redirects not followed (they would carry our keys elsewhere).
pub fn client(timeout: Option<Duration>) -> Result<reqwest::Client, SetupError> {
    let mut builder = reqwest::Client::builder()
        .connect_timeout(timeout.map_or(CONNECT_TIMEOUT, |timeout| timeout.min(CONNECT_TIMEOUT)))
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("sportello/", env!("CARGO_PKG_VERSION")));
    if let Some(timeout) = timeout {
        builder = builder.timeout(timeout);
    }
    builder.build().map_err(SetupError::Client)
}

/// `text` as a base URL that paths can be appended to.
pub fn base_url(text: &str) -> Result<Url, SetupError> {
    let url = Url::parse(text.trim()).map_err(|_| SetupError::Url)?;
    if !matches!(url.scheme(), "http" | "https") || url.cannot_be_a_base() || url.host().is_none() {
        return Err(SetupError::Url);
    }
    Ok(url)
}

/// `base` with `segments` appended as path segments, each percent-encoded.
pub fn endpoint(base: &Url, segments: &[&str]) -> Url {
    let mut url = base.clone();
    if let Ok(mut path) = url.path_segments_mut() {
        path.pop_if_empty().extend(segments);
    }
    url
}

/// Sends the request; a failure to get any answer is `Unavailable`.
pub async fn send(system: &str, request: RequestBuilder) -> Result<Response, HookError> {
    request.send().await.map_err(|error| transport_error(system, &error))
}

/// The response if its status is a success, otherwise the refusal it says.
pub async fn success(system: &str, response: Response, sensitive: &[&str]) -> Result<Response, HookError> {
    if response.status().is_success() { Ok(response) } else { Err(refusal(system, response, sensitive).await) }
}

/// Reads a JSON body; one that does not parse means the system misbehaves, which retrying may outlast.
pub async fn json<T: serde::de::DeserializeOwned>(system: &str, response: Response) -> Result<T, HookError> {
    response.json().await.map_err(|error| {
        if error.is_decode() {
            HookError::Unavailable(format!("{system} answered an unexpected body"))
        } else {
            transport_error(system, &error)
        }
    })
}

/// What a non-success response means (see the module documentation).
pub async fn refusal(system: &str, response: Response, sensitive: &[&str]) -> HookError {
    let status = response.status();
    if status == StatusCode::TOO_MANY_REQUESTS {
        return HookError::Throttled { retry_after: retry_after(response.headers(), Timestamp::now()) };
    }
    let problem = problem(response, sensitive).await;
    let message = format!("{system} answered {}{problem}", status.as_u16());
    if status.is_server_error() || status == StatusCode::REQUEST_TIMEOUT {
        HookError::Unavailable(message)
    } else {
        HookError::Rejected(message)
    }
}

/// The wait asked by `Retry-After`, as seconds or as an HTTP date (one in the past is no wait), cut to
/// [`MAX_RETRY_AFTER`]; `None` when absent or unreadable.
pub fn retry_after(headers: &HeaderMap, now: Timestamp) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    let wait = match value.parse::<u64>() {
        Ok(seconds) => Duration::from_secs(seconds),
        Err(_) => {
            let at = jiff::fmt::rfc2822::DateTimeParser::new().parse_timestamp(value).ok()?;
            Duration::try_from(at.duration_since(now)).unwrap_or(Duration::ZERO)
        }
    };
    Some(wait.min(MAX_RETRY_AFTER))
}

/// An RFC 7807 problem, as far as we read it.
#[derive(Deserialize)]
struct Problem {
    title: Option<String>,
    detail: Option<String>,
}

/// `": title: detail"` from a JSON error body, redacted; empty when there is none.
async fn problem(mut response: Response, sensitive: &[&str]) -> String {
    let is_json = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.contains("json"));
    if !is_json {
        return String::new();
    }
    let mut body = Vec::new();
    while let Ok(Some(chunk)) = response.chunk().await {
        body.extend_from_slice(&chunk);
        if body.len() > MAX_ERROR_BODY {
            return String::new();
        }
    }
    let Ok(problem) = serde_json::from_slice::<Problem>(&body) else { return String::new() };
    let parts: Vec<String> = [problem.title, problem.detail]
        .into_iter()
        .flatten()
        .map(|part| redact(&part, sensitive))
        .filter(|part| !part.is_empty())
        .collect();
    if parts.is_empty() { String::new() } else { format!(": {}", parts.join(": ")) }
}

/// A failure to get an answer, described without its URL (a connection failure with its root cause,
/// such as "connection refused" or a DNS error).
fn transport_error(system: &str, error: &reqwest::Error) -> HookError {
    if error.is_timeout() {
        return HookError::Unavailable(format!("{system} did not answer in time"));
    }
    let what = if error.is_connect() { "could not be reached" } else { "failed to answer" };
    let mut cause: &dyn std::error::Error = error;
    while let Some(source) = cause.source() {
        cause = source;
    }
    let cause = if std::ptr::addr_eq(cause, error) { String::new() } else { format!(": {cause}") };
    HookError::Unavailable(format!("{system} {what}{cause}"))
}

#[cfg(test)]
mod tests {
    use reqwest::header::HeaderValue;

    use super::*;

    fn headers(retry_after: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, HeaderValue::from_str(retry_after).unwrap());
        headers
    }

    #[test]
    fn retry_after_reads_seconds_and_http_dates_and_caps_them() {
        let now: Timestamp = "2026-03-01T10:00:00Z".parse().unwrap();
        assert_eq!(retry_after(&headers("3"), now), Some(Duration::from_secs(3)));
        assert_eq!(retry_after(&headers("Sun, 01 Mar 2026 10:02:00 GMT"), now), Some(Duration::from_secs(120)));
        assert_eq!(retry_after(&headers("Sun, 01 Mar 2026 09:00:00 GMT"), now), Some(Duration::ZERO));
        assert_eq!(retry_after(&headers("86400"), now), Some(MAX_RETRY_AFTER));
        assert_eq!(retry_after(&headers("soon"), now), None);
        assert_eq!(retry_after(&HeaderMap::new(), now), None);
    }

    #[test]
    fn endpoints_append_encoded_segments_to_the_base_path() {
        let base = base_url("https://api.example.it/gpd/v1/").unwrap();
        let url = endpoint(&base, &["organizations", "80012345678", "debtpositions", "a b/c"]);
        assert_eq!(url.as_str(), "https://api.example.it/gpd/v1/organizations/80012345678/debtpositions/a%20b%2Fc");
        assert!(base_url("mailto:someone@example.it").is_err());
        assert!(base_url("not a url").is_err());
    }
}
