//! The problem pages, served by the server itself so that every problem's `type` resolves: the
//! documentation page of each code the API sends (`docs/problems/<code>.md`), embedded in the binary
//! and answered as Markdown at `GET /problems/<code>`. A problem's `type` is that address made absolute
//! with the server's public URL (`public_url` in the settings): [`absolute_types`] rewrites each
//! problem on its way out, whichever layer or handler refused the request.

use std::sync::Arc;

use axum::extract::{Path, Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::problem::{PROBLEM_JSON, Problem};

/// Embeds the page of each code, by name: a code without a page does not compile.
macro_rules! pages {
    ($($code:literal,)*) => {
        /// Each code the API sends with its page, in Markdown.
        pub const PAGES: &[(&str, &str)] = &[
            $(($code, include_str!(concat!("../../docs/problems/", $code, ".md"))),)*
        ];
    };
}

pages! {
    "case-not-found",
    "workflow-not-found",
    "unknown-transition",
    "unknown-event",
    "stale-case-version",
    "transition-not-allowed",
    "event-not-expected",
    "guard-failed",
    "actor-not-allowed",
    "invalid-input",
    "expression-failed",
    "invalid-workflow",
    "idempotency-key-reused",
    "invalid-cursor",
    "storage-failed",
    "file-too-large",
    "document-store-unavailable",
    "range-not-satisfiable",
    "missing-token",
    "invalid-token",
    "expired-token",
    "unknown-issuer",
    "unsupported-algorithm",
    "unknown-key",
    "invalid-fiscal-code",
    "identity-missing",
    "keys-unavailable",
    "forbidden",
    "incident-not-found",
    "service-closed",
    "malformed-request",
    "uri-too-long",
    "headers-too-large",
    "request-header-timeout",
    "malformed-json",
    "invalid-query",
    "invalid-header",
    "unsupported-media-type",
    "payload-too-large",
    "route-not-found",
    "method-not-allowed",
    "rate-limited",
    "request-timeout",
    "not-ready",
    "internal-error",
}

/// The page of `code`, if it is one the API sends.
pub fn page(code: &str) -> Option<&'static str> {
    PAGES.iter().find(|(c, _)| *c == code).map(|(_, text)| *text)
}

/// `GET /problems/{code}`: the code's page as Markdown, or `route-not-found`.
pub async fn serve_page(Path(code): Path<String>) -> Response {
    match page(&code) {
        Some(text) => ([(header::CONTENT_TYPE, "text/markdown; charset=utf-8")], text).into_response(),
        None => Problem::new("route-not-found", format!("no problem page for `{code}`")).into_response(),
    }
}

/// Makes the `type` of the problem a response carries absolute: `<public URL>/problems/<code>`.
pub async fn absolute_types(State(base): State<Arc<str>>, request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let Some(mut problem) = response.extensions_mut().remove::<Problem>() else { return response };
    problem.kind = format!("{base}/problems/{}", problem.code);
    let (mut parts, _) = response.into_parts();
    let body = serde_json::to_vec(&problem).unwrap_or_default();
    parts.headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, axum::body::Body::from(body))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::problem::CODES;

    #[test]
    fn every_code_the_api_sends_has_its_page_and_every_page_a_code() {
        for (code, _, title) in CODES {
            let text = page(code).unwrap_or_else(|| panic!("{code} has no page in PAGES"));
            assert!(text.starts_with(&format!("# {code}")), "{code}: the page is about another code");
            assert!(!title.is_empty());
        }
        assert_eq!(PAGES.len(), CODES.len(), "a page listed for a code the API does not send");
    }
}
