//! What can go wrong in a use case, said as what happened: something that does not exist (or that the
//! actor may not see, which is answered the same), the engine's refusal of a command as it stands,
//! input or a filter that fails the use case's checks (with the fields at fault), an action not for
//! this actor, an incident that is not open, or the database failing. The engine's own error is kept
//! inside; each variant has the stable kebab-case code documented in `docs/problems/`. The one mapping
//! to HTTP is in [`crate::problem`], the pages' in `web/error.rs`.

use sportello_runtime::error::{Error as EngineError, StorageError};

/// The detail of an engine's invalid-input refusal, whose fields say the rest.
const INVALID_FORM: &str = "the input does not satisfy the form";

/// Why a use case did not do what it was asked.
#[derive(Debug, Clone, thiserror::Error)]
pub enum Error {
    /// No such case (or one the actor may not see), workflow, transition or event: the engine's
    /// `CaseNotFound`, `WorkflowNotFound`, `UnknownTransition` or `UnknownEvent`.
    #[error(transparent)]
    NotFound(EngineError),
    /// The engine refused the command as it stands: a stale version, a transition or event not
    /// allowed in the case's state, a condition not met, an actor not allowed, an expression that
    /// failed, an invalid workflow, a reused idempotency key or an invalid page cursor.
    #[error(transparent)]
    Refused(EngineError),
    /// The input does not satisfy the form or the use case's checks; each field at fault (a JSON
    /// pointer such as `/applicant`) with what is wrong with it.
    #[error("{message}")]
    InvalidInput {
        /// What is wrong, in a sentence.
        message: String,
        /// Each field at fault and why.
        fields: Vec<(String, String)>,
    },
    /// A search filter with a value it cannot take; each filter at fault (its name) and why.
    #[error("{message}")]
    InvalidFilter {
        /// What is wrong, in a sentence.
        message: String,
        /// Each filter at fault and why.
        fields: Vec<(String, String)>,
    },
    /// Not for this actor (a citizen opening a case for someone else, the worklist for a citizen, …).
    #[error("{0}")]
    Forbidden(String),
    /// The case has no open incident with that id.
    #[error("case {case} has no open incident {id}")]
    IncidentNotFound {
        /// The case's code.
        case: String,
        /// The id asked for.
        id: String,
    },
    /// The service takes applications only in a period (the workflow's `window`), and today is not
    /// in it.
    #[error("applications for this service are accepted from {from} to {until}")]
    Closed {
        /// The first day applications are accepted.
        from: String,
        /// The last day.
        until: String,
    },
    /// An upload the case file does not take: the part of the request at fault (`/file`, `/name` or
    /// `/type`), a stable reason (`not-accepted-type`, `duplicate-file`, …; see
    /// `docs/problems/invalid-input.md`) and a sentence for the person who sent the file, in Italian.
    #[error("the file cannot join the case file: {reason}")]
    FileRefused {
        /// The part of the request at fault.
        field: &'static str,
        /// Why, as a stable kebab-case word.
        reason: &'static str,
        /// Why, in Italian, for the person who sent it.
        sentence: String,
    },
    /// An upload passed its document type's size limit (it was refused while it streamed).
    #[error("the file is larger than the {limit} bytes this document type accepts")]
    TooLarge {
        /// The limit, in bytes.
        limit: u64,
    },
    /// The document store is full or cannot be reached; nothing was stored.
    #[error("the document store cannot take or give files now: {0}")]
    DocumentStore(String),
    /// A range of a document that it does not have.
    #[error("the document has {size} bytes; the range asked for is outside them")]
    RangeNotSatisfiable {
        /// The document's size.
        size: u64,
    },
    /// The database failed or could not be reached; nothing was changed.
    #[error("storage failed")]
    Storage(#[source] StorageError),
}

impl Error {
    /// The stable code, as documented in `docs/problems/<code>.md`.
    pub fn code(&self) -> &'static str {
        match self {
            Error::NotFound(error) | Error::Refused(error) => error.code(),
            Error::InvalidInput { .. } | Error::FileRefused { .. } => "invalid-input",
            Error::InvalidFilter { .. } => "invalid-query",
            Error::Forbidden(_) => "forbidden",
            Error::IncidentNotFound { .. } => "incident-not-found",
            Error::Closed { .. } => "service-closed",
            Error::Storage(_) => "storage-failed",
            Error::TooLarge { .. } => "file-too-large",
            Error::DocumentStore(_) => "document-store-unavailable",
            Error::RangeNotSatisfiable { .. } => "range-not-satisfiable",
        }
    }

    /// Invalid input on one field.
    pub fn invalid_field(message: impl Into<String>, field: &str, why: impl Into<String>) -> Error {
        Error::InvalidInput { message: message.into(), fields: vec![(field.to_owned(), why.into())] }
    }

    /// Not for this actor, and why.
    pub fn forbidden(why: impl Into<String>) -> Error {
        Error::Forbidden(why.into())
    }
}

impl From<EngineError> for Error {
    fn from(error: EngineError) -> Error {
        match error {
            EngineError::Storage(cause) => Error::Storage(cause),
            EngineError::InvalidInput(fields) => Error::InvalidInput { message: INVALID_FORM.to_owned(), fields },
            EngineError::CaseNotFound
            | EngineError::WorkflowNotFound(_)
            | EngineError::UnknownTransition(_)
            | EngineError::UnknownEvent(_) => Error::NotFound(error),
            error => Error::Refused(error),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_engine_code_is_kept() {
        for error in [
            EngineError::CaseNotFound,
            EngineError::StaleCaseVersion { expected: 1, current: 2 },
            EngineError::InvalidInput(vec![("/reason".into(), "required".into())]),
            EngineError::IdempotencyKeyReused,
        ] {
            let code = error.code();
            assert_eq!(Error::from(error).code(), code);
        }
    }

    #[test]
    fn a_missing_case_is_not_found_and_a_stale_version_is_refused() {
        assert!(matches!(Error::from(EngineError::CaseNotFound), Error::NotFound(EngineError::CaseNotFound)));
        assert!(matches!(
            Error::from(EngineError::StaleCaseVersion { expected: 1, current: 2 }),
            Error::Refused(EngineError::StaleCaseVersion { .. })
        ));
    }
}
