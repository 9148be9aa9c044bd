//! The engine's errors: every refusal is typed and has a stable kebab-case code, which the API maps to
//! an HTTP status in one place. Nothing here knows of HTTP.

use crate::evaluate::EvaluationError;

/// Why the engine refused a command.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The case does not exist, or the actor may not know that it does.
    #[error("case not found")]
    CaseNotFound,
    /// The caller's expected case version is not the current one.
    #[error("the case is at version {current}, not {expected}: reload it and try again")]
    StaleCaseVersion {
        /// The version the caller expected.
        expected: u64,
        /// The case's version.
        current: u64,
    },
    /// The workflow has no transition of that name.
    #[error("the workflow has no transition `{0}`")]
    UnknownTransition(String),
    /// The transition does not leave the case's current state.
    #[error("transition `{transition}` cannot be applied in state `{state}`")]
    TransitionNotAllowed {
        /// The transition asked for.
        transition: String,
        /// The case's state.
        state: String,
    },
    /// The actor may not fire the transition.
    #[error("{actor} may not apply transition `{transition}`")]
    ActorNotAllowed {
        /// Who tried.
        actor: String,
        /// The transition.
        transition: String,
    },
    /// The input does not satisfy the transition's schema; each error with its JSON pointer.
    #[error("the input is invalid: {}", .0.iter().map(|(at, why)| format!("{at}: {why}")).collect::<Vec<_>>().join("; "))]
    InvalidInput(Vec<(String, String)>),
    /// The transition's guard is false.
    #[error("the condition of transition `{transition}` is not met: {guard}")]
    GuardFailed {
        /// The transition.
        transition: String,
        /// The guard's source.
        guard: String,
    },
    /// An expression could not be evaluated on this case.
    #[error(transparent)]
    Expression(#[from] EvaluationError),
    /// No workflow of that id is deployed.
    #[error("no workflow `{0}` is deployed")]
    WorkflowNotFound(String),
    /// A workflow file to deploy does not validate.
    #[error("the workflow does not validate: {0}")]
    InvalidWorkflow(String),
    /// The workflow declares no such external event.
    #[error("the workflow has no event `{0}`")]
    UnknownEvent(String),
    /// The event is declared but fires no transition from the case's state.
    #[error("event `{event}` is not expected in state `{state}`")]
    EventNotExpected {
        /// The event.
        event: String,
        /// The case's state.
        state: String,
    },
    /// An idempotency key was used before for a different request.
    #[error("this idempotency key was already used for a different request")]
    IdempotencyKeyReused,
    /// A list's page cursor is not one the store gave out.
    #[error("the page cursor is not valid: ask for the first page again")]
    InvalidCursor,
    /// The database failed or could not be reached; nothing was acknowledged.
    #[error("storage failed")]
    Storage(#[source] StorageError),
}

/// A database failure, kept with its cause (the driver's error) for logs, never shown to users.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{0}")]
pub struct StorageError(pub std::sync::Arc<dyn std::error::Error + Send + Sync>);

impl PartialEq for StorageError {
    fn eq(&self, other: &Self) -> bool {
        self.0.to_string() == other.0.to_string()
    }
}

impl Eq for StorageError {}

impl Error {
    /// The stable code, as documented and sent by the API.
    pub fn code(&self) -> &'static str {
        match self {
            Error::CaseNotFound => "case-not-found",
            Error::StaleCaseVersion { .. } => "stale-case-version",
            Error::UnknownTransition(_) => "unknown-transition",
            Error::TransitionNotAllowed { .. } => "transition-not-allowed",
            Error::ActorNotAllowed { .. } => "actor-not-allowed",
            Error::InvalidInput(_) => "invalid-input",
            Error::GuardFailed { .. } => "guard-failed",
            Error::Expression(_) => "expression-failed",
            Error::WorkflowNotFound(_) => "workflow-not-found",
            Error::InvalidWorkflow(_) => "invalid-workflow",
            Error::UnknownEvent(_) => "unknown-event",
            Error::EventNotExpected { .. } => "event-not-expected",
            Error::IdempotencyKeyReused => "idempotency-key-reused",
            Error::InvalidCursor => "invalid-cursor",
            Error::Storage(_) => "storage-failed",
        }
    }
}
