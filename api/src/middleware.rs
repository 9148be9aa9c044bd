//! What wraps every request: a span with the method, the matched route and a request id (never the
//! concrete path, which can hold a case code, nor any header or body), the latency histogram, the
//! request timeout answered as problem+json, per-client rate limiting, the answers for unknown
//! routes and methods, and the answer for a handler that panicked.

use std::any::Any;
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tracing::Instrument;

use crate::problem::Problem;
use crate::state::AppState;

/// The longest an upload or download of a document may take.
const TRANSFER_TIMEOUT: Duration = Duration::from_secs(3600);

/// Whether requests to `route` may carry a document's bytes: the API's documents, the pages'
/// downloads (`/documenti/`) and the pages' forms that upload files (a transition's, the sending).
fn carries_documents(route: &str) -> bool {
    route.contains("/documents")
        || route.contains("/documenti/")
        || route.ends_with("/azioni/{transition}")
        || route.ends_with("/invia")
}

/// Settings the middleware reads.
#[derive(Debug, Clone, Copy)]
pub struct Protection {
    /// A request taking longer is cut off.
    pub timeout: Duration,
}

/// Traces, times and bounds one request.
pub async fn observe(
    State((state, protection)): State<(AppState, Protection)>,
    request: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let method = request.method().to_string();
    let route = request.extensions().get::<MatchedPath>().map_or("unmatched", |p| p.as_str()).to_owned();
    let request_id = request
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| v.len() <= 64 && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
        .map_or_else(new_request_id, str::to_owned);
    let span = tracing::info_span!("request", %method, %route, %request_id);
    // A document's bytes take as long as the network does: uploads and downloads (the API's, and the
    // pages' forms and links) are bounded by the size limits, not by the request timeout.
    let timeout = if carries_documents(&route) { TRANSFER_TIMEOUT } else { protection.timeout };
    let response = match tokio::time::timeout(timeout, next.run(request).instrument(span.clone())).await {
        Ok(response) => response,
        Err(_) => Problem::new("request-timeout", "the request took too long and was stopped").into_response(),
    };
    let status = response.status().as_u16();
    let took = started.elapsed();
    state.metrics.request(&method, &route, status, took);
    span.in_scope(|| tracing::info!(status, latency_ms = took.as_secs_f64() * 1e3, "answered"));
    let mut response = response;
    if let Ok(value) = request_id.parse() {
        response.headers_mut().insert("x-request-id", value);
    }
    response
}

fn new_request_id() -> String {
    let mut bytes = [0u8; 8];
    let _ = getrandom::fill(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Token buckets per client address: `per_minute` requests a minute, bursts up to the same number.
#[derive(Debug)]
pub struct RateLimiter {
    per_minute: u32,
    buckets: Mutex<HashMap<IpAddr, (f64, Instant)>>,
}

impl RateLimiter {
    /// A limiter; 0 means no limit.
    pub fn new(per_minute: u32) -> RateLimiter {
        RateLimiter { per_minute, buckets: Mutex::new(HashMap::new()) }
    }

    /// Takes a token for `client`; the seconds to wait when there is none.
    pub fn check(&self, client: IpAddr, now: Instant) -> Result<(), u64> {
        if self.per_minute == 0 {
            return Ok(());
        }
        let capacity = f64::from(self.per_minute);
        let per_second = capacity / 60.0;
        let mut buckets = self.buckets.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if buckets.len() > 100_000 {
            buckets.retain(|_, (tokens, at)| *tokens + now.duration_since(*at).as_secs_f64() * per_second < capacity);
        }
        let (tokens, at) = buckets.entry(client).or_insert((capacity, now));
        *tokens = (*tokens + now.duration_since(*at).as_secs_f64() * per_second).min(capacity);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            Ok(())
        } else {
            Err(((1.0 - *tokens) / per_second).ceil().max(1.0) as u64)
        }
    }
}

/// Refuses a client over its rate with `rate-limited` and `Retry-After`.
pub async fn rate_limit(State(limiter): State<std::sync::Arc<RateLimiter>>, request: Request, next: Next) -> Response {
    let client = request.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
    if let Some(client) = client
        && let Err(wait) = limiter.check(client, Instant::now())
    {
        return Problem::new("rate-limited", "too many requests from this address; slow down")
            .retry_after(wait)
            .into_response();
    }
    next.run(request).await
}

/// The answer for a path no route matches.
pub async fn route_not_found() -> Problem {
    Problem::new("route-not-found", "no such route; see /api/v1/openapi.json")
}

/// The answer for a route that exists with other methods.
pub async fn method_not_allowed() -> Problem {
    Problem::new("method-not-allowed", "this route does not take that method; see /api/v1/openapi.json")
}

/// A handler that panicked (a bug): `internal-error`, like any failure without a code of its own,
/// instead of a dropped connection. The panic's message is not logged (it can quote data); where it
/// happened is, by the panic hook, and the request's span says which route.
pub fn handler_panicked(_panic: Box<dyn Any + Send + 'static>) -> Response {
    tracing::error!(error.message = "a request handler panicked", "internal error");
    Problem::new("internal-error", "internal error").into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_panic_is_an_internal_error_that_says_nothing_of_its_message() {
        let response = handler_panicked(Box::new("fiscal code RSSMRA85T10A562S not found".to_owned()));
        assert_eq!(response.status(), axum::http::StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(response.headers()["content-type"], "application/problem+json");
        let body = axum::body::to_bytes(response.into_body(), 4096).await.unwrap();
        let body = String::from_utf8_lossy(&body);
        assert!(body.contains("\"code\":\"internal-error\""), "{body}");
        assert!(!body.contains("RSSMRA85T10A562S"), "{body}");
    }

    #[test]
    fn a_client_over_its_rate_waits_and_others_do_not() {
        let limiter = RateLimiter::new(2);
        let now = Instant::now();
        let a: IpAddr = [10, 0, 0, 1].into();
        let b: IpAddr = [10, 0, 0, 2].into();
        assert!(limiter.check(a, now).is_ok());
        assert!(limiter.check(a, now).is_ok());
        assert_eq!(limiter.check(a, now), Err(30));
        assert!(limiter.check(b, now).is_ok());
        assert!(limiter.check(a, now + Duration::from_secs(30)).is_ok());
    }

    #[test]
    fn zero_means_no_limit() {
        let limiter = RateLimiter::new(0);
        for _ in 0..1000 {
            assert!(limiter.check([127, 0, 0, 1].into(), Instant::now()).is_ok());
        }
    }
}
