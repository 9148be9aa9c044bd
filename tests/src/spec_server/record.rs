//! What a server keeps for the test to look at afterwards: every request it received, and every
//! violation of the document, by a request or by a scripted reply.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Instant;

use axum::body::Bytes;
use axum::http::{HeaderMap, Method};
use serde_json::Value;

/// A request as the server received it.
#[derive(Debug, Clone)]
pub struct RecordedRequest {
    /// The method.
    pub method: Method,
    /// The path below the base path (the whole path when it is not below it), still percent-encoded,
    /// e.g. `/profiles/SPNDNL80R13C555X`.
    pub path: String,
    /// The operation it was routed to; `None` when no operation matched.
    pub operation_id: Option<String>,
    /// The path parameters, percent-decoded.
    pub path_params: BTreeMap<String, String>,
    /// The query parameters in order, decoded.
    pub query: Vec<(String, String)>,
    /// The headers.
    pub headers: HeaderMap,
    /// The body parsed as JSON; `None` when empty or not JSON.
    pub body: Option<Value>,
    /// The body as received.
    pub raw_body: Bytes,
    /// When it arrived.
    pub at: Instant,
    /// Whether it followed the document (otherwise it was answered 400).
    pub valid: bool,
}

impl RecordedRequest {
    /// A header's value, if present and text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }

    /// The first value of a query parameter.
    pub fn query_param(&self, name: &str) -> Option<&str> {
        self.query.iter().find(|(key, _)| key == name).map(|(_, value)| value.as_str())
    }

    /// A path parameter, e.g. `path_param("iupd")`.
    pub fn path_param(&self, name: &str) -> Option<&str> {
        self.path_params.get(name).map(String::as_str)
    }
}

/// Whether the request or the reply broke the document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ViolationKind {
    /// The client sent something the document does not allow: a bug in the client under test.
    Request,
    /// A scripted reply the document does not allow: a bug in the test.
    Reply,
}

/// One way a request or a scripted reply breaks the document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// Request or reply.
    pub kind: ViolationKind,
    /// `METHOD /template` of the operation, or `METHOD /path` as received when none matched.
    pub operation: String,
    /// The `operationId`, when an operation matched.
    pub operation_id: Option<String>,
    /// Where: `path`, `query toPublish`, `header Ocp-Apim-Subscription-Key`, `security`,
    /// `content type`, `body /content/subject`, `reply 201 body /iupd`.
    pub place: String,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}: {}", self.operation, self.place, self.message)
    }
}
