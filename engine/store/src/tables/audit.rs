//! The audit table: a case's chain of entries, in order. Entries are appended only with a command's
//! writes ([`super::CaseTable::write`], [`super::CaseTable::append`]).

use std::future::Future;

use sportello_runtime::audit::ChainedEntry;
use sportello_runtime::error::Error;

/// Audit chains.
pub trait AuditTable {
    /// The entries of case `id`'s chain, first to last.
    ///
    /// # Errors
    ///
    /// [`Error::CaseNotFound`]; a storage error.
    fn audit_entries(&self, case_id: i64) -> impl Future<Output = Result<Vec<ChainedEntry>, Error>> + Send;
}
