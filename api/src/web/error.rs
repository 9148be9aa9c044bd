//! Pages that cannot be shown: not found (also for a case the visitor may not see, as in the API),
//! not taking the request's method, not allowed, a form whose CSRF token expired, or an internal
//! failure (logged, never shown). A handler returns a [`PageError`], often from an [`app::Error`]; the
//! visitor middleware renders it inside the layout, in the visitor's language.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use sportello_runtime::error::Error as EngineError;

use crate::app;

/// A page that cannot be shown, and why.
#[derive(Debug, Clone)]
pub struct PageError {
    status: StatusCode,
    page: ErrorPage,
    location: Option<String>,
}

/// What the error page says: a title and a message, by text key or as given.
#[derive(Debug, Clone)]
pub struct ErrorPage {
    /// The title's text key.
    pub title: &'static str,
    /// The message's text key, or a message already written.
    pub message: Message,
}

/// An error page's message.
#[derive(Debug, Clone)]
pub enum Message {
    /// A text key.
    Key(&'static str),
    /// Words from the application layer (English), as the API sends them.
    Given(String),
}

impl PageError {
    fn new(status: StatusCode, title: &'static str, message: Message) -> PageError {
        PageError { status, page: ErrorPage { title, message }, location: None }
    }

    /// Not signed in (or not any more): to the sign-in page, which comes back to `next`.
    pub fn sign_in(next: &str) -> PageError {
        let mut error = PageError::new(StatusCode::SEE_OTHER, "error", Message::Key("error_message"));
        let next: String = serde_urlencoded::to_string([("next", next)]).unwrap_or_default();
        error.location = Some(format!("/accedi?{next}"));
        error
    }

    /// 404: no such page or case (or one the visitor may not see).
    pub fn not_found() -> PageError {
        PageError::new(StatusCode::NOT_FOUND, "not_found", Message::Key("not_found_message"))
    }

    /// 405: a page asked for with a method it does not take (a form posted to a page that only shows,
    /// say). The router adds `Allow`.
    pub fn method_not_allowed() -> PageError {
        PageError::new(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", Message::Key("method_not_allowed_message"))
    }

    /// 403: not for this visitor's profile.
    pub fn forbidden() -> PageError {
        PageError::new(StatusCode::FORBIDDEN, "forbidden", Message::Key("forbidden_message"))
    }

    /// 403: the form's CSRF token is not the session's (an old page, or another site's form).
    pub fn expired_form() -> PageError {
        PageError::new(StatusCode::FORBIDDEN, "forbidden", Message::Key("expired_form"))
    }

    /// 413: a form or an uploaded file over the size the page takes.
    pub fn too_large() -> PageError {
        PageError::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large", Message::Key("too_large_message"))
    }

    /// 400: a form that cannot be read.
    pub fn bad_request() -> PageError {
        PageError::new(StatusCode::BAD_REQUEST, "error", Message::Key("expired_form"))
    }

    /// 500: logged with `what`, shown as a generic error.
    pub fn internal(what: &str) -> PageError {
        tracing::error!(error.message = %what, "a page failed");
        PageError::new(StatusCode::INTERNAL_SERVER_ERROR, "error", Message::Key("error_message"))
    }
}

impl From<app::Error> for PageError {
    /// The page for an error of the application layer: not found and forbidden as such (a case the
    /// visitor may not see is not found), a storage failure as "try again" (503), and any other refusal
    /// with its own words: 409 when the case does not allow it as it stands, 422 for invalid input, 400
    /// for an invalid filter or page cursor.
    fn from(error: app::Error) -> PageError {
        let status = match &error {
            app::Error::NotFound(_) | app::Error::IncidentNotFound { .. } => return PageError::not_found(),
            app::Error::Forbidden(_) | app::Error::Refused(EngineError::ActorNotAllowed { .. }) => {
                return PageError::forbidden();
            }
            app::Error::Storage(cause) => {
                tracing::error!(error.message = %error, error.cause_chain = ?cause, "storage failed");
                return PageError::new(StatusCode::SERVICE_UNAVAILABLE, "error", Message::Key("error_message"));
            }
            app::Error::DocumentStore(cause) => {
                tracing::error!(error.cause = %cause, "document store failed");
                return PageError::new(StatusCode::SERVICE_UNAVAILABLE, "error", Message::Key("error_message"));
            }
            app::Error::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            app::Error::RangeNotSatisfiable { .. } => StatusCode::RANGE_NOT_SATISFIABLE,
            app::Error::InvalidInput { .. } | app::Error::FileRefused { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            app::Error::InvalidFilter { .. } | app::Error::Refused(EngineError::InvalidCursor) => {
                StatusCode::BAD_REQUEST
            }
            app::Error::Refused(
                EngineError::Expression(_) | EngineError::InvalidWorkflow(_) | EngineError::IdempotencyKeyReused,
            ) => StatusCode::UNPROCESSABLE_ENTITY,
            // A stale version, a transition or event not allowed in the case's state, a condition not
            // met, a service outside its window.
            app::Error::Refused(_) | app::Error::Closed { .. } => StatusCode::CONFLICT,
        };
        PageError::new(status, "error", Message::Given(error.to_string()))
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        if let Some(location) = &self.location {
            return super::redirect::see_other(location);
        }
        let mut response = self.status.into_response();
        response.extensions_mut().insert(self.page);
        response
    }
}
