//! Errors as `application/problem+json` (RFC 9457): the one place where the stable codes of the
//! application layer ([`app::Error`], which keeps the engine's) meet HTTP statuses. Every refusal the
//! API sends, from a use case, the sign-in or the HTTP layer itself
//! (malformed JSON, wrong content type, oversized body, unknown route), is a [`Problem`] with a `type`
//! pointing at its documentation page (`docs/problems/<code>.md`, served at `/problems/<code>`, the
//! address made absolute on the way out by [`crate::problem_pages`]), a `code`, a human `detail` and, for
//! invalid input, the fields at fault. Internal failures are logged here with their cause chain and sent
//! as a bare "internal error".

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use sportello_runtime::error::Error as EngineError;
use utoipa::ToSchema;

use crate::app;

/// The media type of every error body.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// An error response body.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Problem {
    /// Where the code is documented: `<public URL>/problems/<code>`, served by the server itself.
    #[serde(rename = "type")]
    pub kind: String,
    /// A short summary of the code.
    pub title: String,
    /// The HTTP status.
    pub status: u16,
    /// What happened in this case.
    pub detail: String,
    /// The stable, kebab-case code.
    pub code: String,
    /// For invalid input: each field at fault.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// Seconds to wait before retrying (also sent as `Retry-After`).
    #[serde(skip)]
    pub retry_after: Option<u64>,
}

/// One field at fault.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FieldError {
    /// A JSON pointer into the request body (`/reason`), or a parameter name.
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

impl Problem {
    /// A problem with `code`, its status and title from the table below, and `detail`.
    pub fn new(code: &str, detail: impl Into<String>) -> Problem {
        let (status, title) = describe(code);
        Problem {
            kind: format!("/problems/{code}"),
            title: title.to_owned(),
            status: status.as_u16(),
            detail: detail.into(),
            code: code.to_owned(),
            errors: Vec::new(),
            retry_after: None,
        }
    }

    /// The same problem with the fields at fault.
    pub fn with_errors(mut self, errors: Vec<FieldError>) -> Problem {
        self.errors = errors;
        self
    }

    /// The same problem with a `Retry-After`.
    pub fn retry_after(mut self, seconds: u64) -> Problem {
        self.retry_after = Some(seconds);
        self
    }

    /// An internal failure: logged with its cause chain, sent without it.
    pub fn internal(error: &(dyn std::error::Error + 'static)) -> Problem {
        tracing::error!(error.message = %error, error.cause_chain = ?error, "internal error");
        Problem::new("internal-error", "internal error")
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }
}

/// Every code the API sends: its status and title. `docs/problems/<code>.md` documents each; a test
/// checks that every code here has its page.
pub const CODES: &[(&str, u16, &str)] = &[
    // The engine's refusals.
    ("case-not-found", 404, "Case not found"),
    ("workflow-not-found", 404, "Workflow not found"),
    ("unknown-transition", 404, "Unknown transition"),
    ("unknown-event", 404, "Unknown event"),
    ("stale-case-version", 409, "Stale case version"),
    ("transition-not-allowed", 409, "Transition not allowed in this state"),
    ("event-not-expected", 409, "Event not expected in this state"),
    ("guard-failed", 409, "Condition not met"),
    ("actor-not-allowed", 403, "Not allowed to apply this transition"),
    ("invalid-input", 422, "Invalid input"),
    ("expression-failed", 422, "Expression failed"),
    ("invalid-workflow", 422, "Invalid workflow"),
    ("idempotency-key-reused", 422, "Idempotency key reused"),
    ("invalid-cursor", 400, "Invalid cursor"),
    ("storage-failed", 503, "Storage unavailable"),
    // The case file.
    ("file-too-large", 413, "File too large"),
    ("document-store-unavailable", 503, "Document store unavailable"),
    ("range-not-satisfiable", 416, "Range not satisfiable"),
    // Sign-in and roles.
    ("missing-token", 401, "Sign-in required"),
    ("invalid-token", 401, "Invalid token"),
    ("expired-token", 401, "Expired token"),
    ("unknown-issuer", 401, "Unknown token issuer"),
    ("unsupported-algorithm", 401, "Unsupported token algorithm"),
    ("unknown-key", 401, "Unknown signing key"),
    ("invalid-fiscal-code", 401, "Invalid fiscal code in token"),
    ("identity-missing", 401, "No identity in token"),
    ("keys-unavailable", 503, "Signing keys unavailable"),
    ("forbidden", 403, "Forbidden"),
    // Incidents.
    ("incident-not-found", 404, "Incident not found"),
    // Services.
    ("service-closed", 409, "Service closed for applications"),
    // The HTTP layer.
    ("malformed-request", 400, "Malformed request"),
    ("uri-too-long", 414, "URI too long"),
    ("headers-too-large", 431, "Request headers too large"),
    ("request-header-timeout", 408, "Request headers too slow"),
    ("malformed-json", 400, "Malformed JSON"),
    ("invalid-query", 422, "Invalid query parameter"),
    ("invalid-header", 400, "Invalid header"),
    ("unsupported-media-type", 415, "Unsupported media type"),
    ("payload-too-large", 413, "Payload too large"),
    ("route-not-found", 404, "No such route"),
    ("method-not-allowed", 405, "Method not allowed"),
    ("rate-limited", 429, "Too many requests"),
    ("request-timeout", 503, "Request timed out"),
    ("not-ready", 503, "Not ready"),
    ("internal-error", 500, "Internal error"),
];

fn describe(code: &str) -> (StatusCode, &'static str) {
    CODES
        .iter()
        .find(|(c, _, _)| *c == code)
        .map(|(_, status, title)| (StatusCode::from_u16(*status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR), *title))
        .unwrap_or((StatusCode::INTERNAL_SERVER_ERROR, "Internal error"))
}

impl From<app::Error> for Problem {
    /// The use cases' errors as problems: the code is the error's, the detail its message, the fields
    /// at fault listed; a storage failure is logged with its cause and sent with `Retry-After`.
    fn from(error: app::Error) -> Problem {
        match &error {
            app::Error::Storage(cause) => {
                tracing::error!(error.message = %error, error.cause_chain = ?cause, "storage failed");
                Problem::new(error.code(), "the database is unavailable; nothing was changed, try again").retry_after(1)
            }
            app::Error::InvalidInput { fields, .. } | app::Error::InvalidFilter { fields, .. } => {
                Problem::new(error.code(), error.to_string()).with_errors(
                    fields
                        .iter()
                        .map(|(field, message)| FieldError { field: field.clone(), message: message.clone() })
                        .collect(),
                )
            }
            app::Error::FileRefused { field, sentence, .. } => Problem::new(error.code(), error.to_string())
                .with_errors(vec![FieldError { field: (*field).to_owned(), message: sentence.clone() }]),
            app::Error::TooLarge { .. } => Problem::new(error.code(), error.to_string())
                .with_errors(vec![FieldError { field: "/file".to_owned(), message: error.to_string() }]),
            app::Error::DocumentStore(cause) => {
                tracing::error!(error.cause = %cause, "document store failed");
                Problem::new(error.code(), "the document store cannot take or give files now; nothing was stored")
                    .retry_after(30)
            }
            app::Error::NotFound(_)
            | app::Error::RangeNotSatisfiable { .. }
            | app::Error::Refused(_)
            | app::Error::Forbidden(_)
            | app::Error::IncidentNotFound { .. }
            | app::Error::Closed { .. } => Problem::new(error.code(), error.to_string()),
        }
    }
}

impl From<EngineError> for Problem {
    fn from(error: EngineError) -> Problem {
        Problem::from(app::Error::from(error))
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = self.status();
        let retry_after = self.retry_after;
        let carried = self.clone();
        let mut response = (status, axum::Json(self)).into_response();
        // For the layer that makes `type` absolute (`problem_pages::absolute_types`).
        response.extensions_mut().insert(carried);
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        if let Some(seconds) = retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        if status == StatusCode::UNAUTHORIZED {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_engine_code_has_a_status_other_than_500() {
        let errors = [
            EngineError::CaseNotFound,
            EngineError::StaleCaseVersion { expected: 1, current: 2 },
            EngineError::UnknownTransition("x".into()),
            EngineError::TransitionNotAllowed { transition: "x".into(), state: "y".into() },
            EngineError::ActorNotAllowed { actor: "a".into(), transition: "x".into() },
            EngineError::InvalidInput(vec![("/reason".into(), "required".into())]),
            EngineError::GuardFailed { transition: "x".into(), guard: "g".into() },
            EngineError::WorkflowNotFound("w".into()),
            EngineError::InvalidWorkflow("w".into()),
            EngineError::UnknownEvent("e".into()),
            EngineError::EventNotExpected { event: "e".into(), state: "s".into() },
            EngineError::IdempotencyKeyReused,
        ];
        for error in errors {
            let code = error.code();
            let problem = Problem::from(error);
            assert_ne!(problem.status, 500, "{code}");
            assert_eq!(problem.code, code);
        }
    }

    #[test]
    fn invalid_input_lists_the_fields() {
        let problem = Problem::from(EngineError::InvalidInput(vec![("/reason".into(), "is required".into())]));
        assert_eq!(problem.status, 422);
        assert_eq!(problem.errors[0].field, "/reason");
    }

    #[test]
    fn the_application_s_own_errors_have_their_statuses() {
        let forbidden = Problem::from(app::Error::forbidden("the worklist is for staff"));
        assert_eq!((forbidden.status, forbidden.code.as_str()), (403, "forbidden"));
        let filter = Problem::from(app::Error::InvalidFilter {
            message: "waiting_for `x` is not one of …".into(),
            fields: vec![("waiting_for".into(), "unknown value".into())],
        });
        assert_eq!((filter.status, filter.code.as_str(), filter.errors.len()), (422, "invalid-query", 1));
        let incident = Problem::from(app::Error::IncidentNotFound { case: "NE-2026-000001".into(), id: "7".into() });
        assert_eq!((incident.status, incident.detail.as_str()), (404, "case NE-2026-000001 has no open incident 7"));
    }

    #[test]
    fn a_refused_file_is_invalid_input_on_its_field_with_its_reason() {
        let problem = Problem::from(app::Error::FileRefused {
            field: "/file",
            reason: "not-accepted-type",
            sentence: "Il file caricato è una pagina HTML, un tipo di file che qui non è accettato.".into(),
        });
        assert_eq!((problem.status, problem.code.as_str()), (422, "invalid-input"));
        assert_eq!(problem.detail, "the file cannot join the case file: not-accepted-type");
        assert_eq!(
            (problem.errors[0].field.as_str(), problem.errors[0].message.starts_with("Il file")),
            ("/file", true)
        );
    }

    #[test]
    fn an_unknown_code_is_an_internal_error() {
        assert_eq!(Problem::new("no-such-code", "x").status, 500);
    }
}
