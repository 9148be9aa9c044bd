//! The deployed workflow versions, as the commands need them: one version of a workflow, parsed, and
//! the latest.

use std::future::Future;
use std::sync::Arc;

use sportello_definition::Definition;
use sportello_runtime::error::Error;

/// Deployed definitions.
pub trait DefinitionTable {
    /// `workflow` at `version`.
    ///
    /// # Errors
    ///
    /// [`Error::WorkflowNotFound`]; a storage error.
    fn definition(&self, workflow: &str, version: u32) -> impl Future<Output = Result<Arc<Definition>, Error>> + Send;

    /// The latest deployed version of `workflow`.
    ///
    /// # Errors
    ///
    /// [`Error::WorkflowNotFound`]; a storage error.
    fn latest(&self, workflow: &str) -> impl Future<Output = Result<Arc<Definition>, Error>> + Send;
}
