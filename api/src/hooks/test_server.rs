//! For the clients' tests: a local HTTP server on 127.0.0.1 that records every request and gives one
//! scripted answer, a server that accepts connections and never answers, and sample pagoPA values.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use sportello_runtime::pagopa::{CreditorFiscalCode, NoticeNumber};
use tokio::net::TcpListener;

/// A short timeout for the clients under test: the silent server makes them wait exactly this long.
pub const SHORT_TIMEOUT: Duration = Duration::from_millis(500);

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    /// Path and query.
    pub uri: String,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Recorded {
    /// A header's value ("" when absent).
    pub fn header(&self, name: &str) -> &str {
        self.headers.get(name).and_then(|value| value.to_str().ok()).unwrap_or("")
    }

    /// The body as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("a JSON body")
    }
}

/// The server's one answer.
#[derive(Debug, Clone)]
pub struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Reply {
    /// An empty answer with this status.
    pub fn status(status: u16) -> Reply {
        Reply { status, headers: Vec::new(), body: String::new() }
    }

    /// A JSON answer.
    pub fn json(status: u16, body: serde_json::Value) -> Reply {
        Reply { body: body.to_string(), ..Reply::status(status) }.header("content-type", "application/json")
    }

    /// An `application/problem+json` answer.
    pub fn problem(status: u16, title: &str, detail: &str) -> Reply {
        let body = serde_json::json!({"type": "about:blank", "title": title, "status": status, "detail": detail});
        Reply { body: body.to_string(), ..Reply::status(status) }.header("content-type", "application/problem+json")
    }

    /// The same answer with one more header.
    pub fn header(mut self, name: &str, value: &str) -> Reply {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }
}

/// A running server; it stops with the test's runtime.
pub struct TestServer {
    /// `http://127.0.0.1:<port>`.
    pub url: String,
    requests: Arc<Mutex<Vec<Recorded>>>,
}

impl TestServer {
    /// Starts a server answering every request with `reply`.
    pub async fn start(reply: Reply) -> TestServer {
        let requests = Arc::new(Mutex::new(Vec::new()));
        let recorded = Arc::clone(&requests);
        let app = Router::new().fallback(move |request: Request| {
            let (reply, recorded) = (reply.clone(), Arc::clone(&recorded));
            async move {
                let (parts, body) = request.into_parts();
                let body = axum::body::to_bytes(body, usize::MAX).await.unwrap().to_vec();
                let uri = parts.uri.path_and_query().map(ToString::to_string).unwrap_or_default();
                let request = Recorded { method: parts.method.to_string(), uri, headers: parts.headers, body };
                recorded.lock().unwrap().push(request);
                let mut response = Response::builder().status(StatusCode::from_u16(reply.status).unwrap());
                for (name, value) in &reply.headers {
                    response = response.header(name, value);
                }
                response.body(Body::from(reply.body)).unwrap()
            }
        });
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        TestServer { url, requests }
    }

    /// Every request received so far.
    pub fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().unwrap().clone()
    }

    /// The one request received, failing when there were more or none.
    pub fn only_request(&self) -> Recorded {
        let requests = self.requests();
        assert_eq!(requests.len(), 1, "expected exactly one request");
        requests.into_iter().next().unwrap()
    }
}

/// The URL of a server that accepts connections and never answers.
pub async fn silent_server() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    url
}

/// A notice number with aux digit 3, segregation code 01 and a valid check: its IUV is
/// `01000000000012373`.
pub fn notice_number() -> NoticeNumber {
    // The one place that builds a notice number from text, should its constructor change.
    serde_json::from_value(serde_json::json!("301000000000012373")).expect("a valid notice number")
}

/// The creditor's fiscal code used in the tests.
pub fn creditor_fiscal_code() -> CreditorFiscalCode {
    CreditorFiscalCode::parse("80012345676").map_err(|error| error.to_string()).unwrap()
}
