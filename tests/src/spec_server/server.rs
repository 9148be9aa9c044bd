//! The HTTP server: binds `127.0.0.1:0` on the current tokio runtime, checks and records every
//! request, answers `400` to a request the document rejects and what the script says to the others,
//! and stops when dropped, failing the test if violations were left unexamined.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Instant;

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use tokio::sync::watch;

use super::record::{RecordedRequest, Violation};
use super::script::{Action, Decision, Reply, ReplyBody, Scope, Script, Scripted};
use super::spec::Spec;
use super::validate::{Incoming, check_reply, check_request};

/// The largest request body read, in bytes.
const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;

/// A local server for one document. Dropping it stops it.
pub struct SpecServer {
    shared: Arc<Shared>,
    address: SocketAddr,
    stop: watch::Sender<bool>,
}

struct Shared {
    spec: Spec,
    state: Mutex<ServerState>,
    stopped: watch::Receiver<bool>,
}

#[derive(Default)]
struct ServerState {
    script: Script,
    requests: Vec<RecordedRequest>,
    violations: Vec<Violation>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, ServerState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl SpecServer {
    /// Starts serving `spec` on `127.0.0.1` and a free port. Panics outside a tokio runtime.
    pub fn start(spec: Spec) -> Self {
        assert!(tokio::runtime::Handle::try_current().is_ok(), "SpecServer::start runs inside a tokio runtime");
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("binding 127.0.0.1:0");
        listener.set_nonblocking(true).expect("a non-blocking listener");
        let address = listener.local_addr().expect("the bound address");
        let listener = tokio::net::TcpListener::from_std(listener).expect("a tokio listener");
        let (stop, stopped) = watch::channel(false);
        let shared = Arc::new(Shared { spec, state: Mutex::default(), stopped: stopped.clone() });
        let app = Router::new().fallback(handle).with_state(Arc::clone(&shared));
        let mut shutdown = stopped;
        tokio::spawn(async move {
            let stopping = async move {
                let _ = shutdown.wait_for(|stopped| *stopped).await;
            };
            let _ = axum::serve(listener, app).with_graceful_shutdown(stopping).await;
        });
        Self { shared, address, stop }
    }

    /// `http://127.0.0.1:PORT` followed by the base path, e.g. `http://127.0.0.1:41234/api/v1`.
    pub fn base_url(&self) -> String {
        format!("http://{}{}", self.address, self.shared.spec.base_path())
    }

    /// The bound address.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// The document served.
    pub fn spec(&self) -> &Spec {
        &self.shared.spec
    }

    /// Queues `reply` for the next request to `operation_id`. Panics on an unknown operation.
    pub fn script(&self, operation_id: &str, reply: Reply) {
        self.known(operation_id);
        self.shared.lock().script.enqueue(operation_id, Scripted::Fixed(reply));
    }

    /// Queues a reply computed from the request.
    pub fn script_fn(&self, operation_id: &str, reply: impl Fn(&RecordedRequest) -> Reply + Send + Sync + 'static) {
        self.known(operation_id);
        self.shared.lock().script.enqueue(operation_id, Scripted::Computed(Arc::new(reply)));
    }

    /// The reply once the queue for `operation_id` is empty (otherwise `501`).
    pub fn default_reply(&self, operation_id: &str, reply: Reply) {
        self.known(operation_id);
        self.shared.lock().script.set_default(operation_id, Scripted::Fixed(reply));
    }

    /// The reply once the queue for `operation_id` is empty, computed from the request.
    pub fn default_fn(&self, operation_id: &str, reply: impl Fn(&RecordedRequest) -> Reply + Send + Sync + 'static) {
        self.known(operation_id);
        self.shared.lock().script.set_default(operation_id, Scripted::Computed(Arc::new(reply)));
    }

    /// Answers `500` to `probability` (0–1) of the valid requests in `scope` (an `operationId` or
    /// [`Scope::All`]), as drawn by a generator seeded with `seed`: the same seed, the same sequence.
    pub fn fail_randomly(&self, scope: impl Into<Scope>, probability: f64, seed: u64) {
        let scope = scope.into();
        if let Scope::Operation(id) = &scope {
            self.known(id);
        }
        self.shared.lock().script.fail_randomly(scope, probability, seed);
    }

    /// Every request received so far, in order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.lock().requests.clone()
    }

    /// The requests routed to `operation_id`.
    pub fn requests_to(&self, operation_id: &str) -> Vec<RecordedRequest> {
        let state = self.shared.lock();
        state.requests.iter().filter(|r| r.operation_id.as_deref() == Some(operation_id)).cloned().collect()
    }

    /// Every violation so far, by requests and by scripted replies.
    pub fn violations(&self) -> Vec<Violation> {
        self.shared.lock().violations.clone()
    }

    /// The violations so far, forgotten by the server: for a test that expects them.
    pub fn take_violations(&self) -> Vec<Violation> {
        std::mem::take(&mut self.shared.lock().violations)
    }

    /// Panics listing the violations, if any.
    pub fn assert_no_violations(&self) {
        let violations = self.violations();
        assert!(violations.is_empty(), "{}", report(self.shared.spec.title(), &violations));
    }

    fn known(&self, operation_id: &str) {
        if self.shared.spec.operation(operation_id).is_none() {
            let known: Vec<&str> = self.shared.spec.operations().iter().map(|op| op.id()).collect();
            panic!(
                "`{operation_id}` is not an operationId of {}; it has: {}",
                self.shared.spec.title(),
                known.join(", ")
            );
        }
    }
}

impl Drop for SpecServer {
    /// Stops the server (hanging replies end too), then fails the test if violations remain.
    fn drop(&mut self) {
        let _ = self.stop.send(true);
        let violations = self.take_violations();
        if !violations.is_empty() && !std::thread::panicking() {
            panic!("{}", report(self.shared.spec.title(), &violations));
        }
    }
}

fn report(title: &str, violations: &[Violation]) -> String {
    let lines: Vec<String> = violations.iter().map(|v| format!("  {v}")).collect();
    format!("{} violation(s) of {title}:\n{}", violations.len(), lines.join("\n"))
}

async fn handle(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let Ok(body) = to_bytes(body, MAX_BODY_BYTES).await else {
        return problem(StatusCode::PAYLOAD_TOO_LARGE, "the body could not be read whole", &[]);
    };
    let incoming = Incoming {
        method: &parts.method,
        path: parts.uri.path(),
        query: parts.uri.query(),
        headers: &parts.headers,
        body: &body,
    };
    let checked = check_request(&shared.spec, &incoming);
    let path = parts.uri.path();
    let recorded = RecordedRequest {
        method: parts.method.clone(),
        path: path.strip_prefix(shared.spec.base_path()).unwrap_or(path).to_owned(),
        operation_id: checked.operation.map(|op| op.id().to_owned()),
        path_params: checked.path_params.into_iter().collect(),
        query: checked.query,
        headers: parts.headers.clone(),
        body: serde_json::from_slice(&body).ok(),
        raw_body: body.clone(),
        at: Instant::now(),
        valid: checked.violations.is_empty(),
    };
    {
        let mut state = shared.lock();
        state.requests.push(recorded.clone());
        state.violations.extend(checked.violations.iter().cloned());
    }
    let Some(operation) = checked.operation.filter(|_| checked.violations.is_empty()) else {
        return problem(StatusCode::BAD_REQUEST, "the request violates the OpenAPI document", &checked.violations);
    };
    let decision = shared.lock().script.next(operation.id());
    let reply = match decision {
        Decision::Fail => {
            return problem(StatusCode::INTERNAL_SERVER_ERROR, "a random failure scripted by the test", &[]);
        }
        Decision::Unscripted => {
            let detail = format!("no reply scripted for {}", operation.id());
            return problem(StatusCode::NOT_IMPLEMENTED, &detail, &[]);
        }
        Decision::Reply(entry) => entry.reply(&recorded),
    };
    if let (true, Action::Respond { status, body, .. }) = (reply.checked, &reply.action) {
        let (content_type, json) = match body {
            ReplyBody::Empty => (None, None),
            ReplyBody::Json(json) => (Some("application/json"), Some(json)),
            ReplyBody::Text { content_type, .. } => (Some(content_type.as_str()), None),
        };
        let violations = check_reply(operation, status.as_u16(), content_type, json);
        shared.lock().violations.extend(violations);
    }
    match reply.action {
        Action::Hang => {
            let mut stopped = shared.stopped.clone();
            let _ = stopped.wait_for(|stopped| *stopped).await;
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
        Action::Respond { status, headers, body } => respond(status, headers, body),
    }
}

fn respond(status: StatusCode, headers: Vec<(header::HeaderName, HeaderValue)>, body: ReplyBody) -> Response {
    let (content_type, bytes) = match body {
        ReplyBody::Empty => (None, Vec::new()),
        ReplyBody::Json(json) => (Some("application/json".to_owned()), json.to_string().into_bytes()),
        ReplyBody::Text { content_type, text } => (Some(content_type), text.into_bytes()),
    };
    let mut response = Response::new(Body::from(bytes));
    *response.status_mut() = status;
    let own_content_type = headers.iter().any(|(name, _)| name == header::CONTENT_TYPE);
    if let Some(value) = content_type.filter(|_| !own_content_type).and_then(|c| HeaderValue::try_from(c).ok()) {
        response.headers_mut().insert(header::CONTENT_TYPE, value);
    }
    for (name, value) in headers {
        response.headers_mut().append(name, value);
    }
    response
}

/// A problem body (`title`, `status`, `detail`) as both documents' `ProblemJson` allow, with the
/// violations listed.
fn problem(status: StatusCode, detail: &str, violations: &[Violation]) -> Response {
    let mut body = json!({
        "title": status.canonical_reason().unwrap_or("Error"),
        "status": status.as_u16(),
        "detail": detail,
    });
    if !violations.is_empty() {
        body["violations"] = Value::from(violations.iter().map(ToString::to_string).collect::<Vec<_>>());
    }
    (status, axum::Json(body)).into_response()
}

#[cfg(test)]
mod tests {
    use super::super::examples::client;
    use super::*;

    #[tokio::test]
    #[should_panic(
        expected = "1 violation(s) of IO API for Public Administration Services:\n  GET /api/v1/nowhere: path:"
    )]
    async fn dropping_a_server_with_unexamined_violations_fails_the_test() {
        let io = SpecServer::start(Spec::app_io().unwrap());
        let answer = client().get(format!("{}/nowhere", io.base_url())).send().await.unwrap();
        assert_eq!(answer.status(), StatusCode::BAD_REQUEST);
    }
}
