//! The case table: a case read with its pending timers, a new case inserted, one command's planned
//! writes (`case_writes.rs`) applied with their checks, an entry appended to the chain alone.

use std::future::Future;

use jiff::Timestamp;
use sportello_runtime::audit::ChainedEntry;
use sportello_runtime::error::Error;

use crate::case_row::{CaseRow, Loaded};
use crate::case_writes::CaseWrites;
use crate::types::Applied;

/// Cases, as the commands read and write them.
pub trait CaseTable {
    /// The case `id`, with its pending timers.
    ///
    /// # Errors
    ///
    /// [`Error::CaseNotFound`]; a storage error, unreadable when the row does not parse.
    fn read_case(&self, id: i64) -> impl Future<Output = Result<Loaded, Error>> + Send;

    /// Inserts `row` as a new case (its `id` is the table's to give) and returns its id, unless a
    /// version of its workflow later than the row's has been deployed (`None`: nothing was inserted).
    ///
    /// # Errors
    ///
    /// A storage error.
    fn insert_case(&self, row: &CaseRow) -> impl Future<Output = Result<Option<i64>, Error>> + Send;

    /// Deletes a case just inserted that nothing refers to yet (an opening refused after its insert).
    ///
    /// # Errors
    ///
    /// A storage error.
    fn delete_case(&self, id: i64) -> impl Future<Output = Result<(), Error>> + Send;

    /// Writes one command's planned writes: timers, the case row, the audit entry, the outbox rows;
    /// all of them, or none if the row is no longer at the version and audit head it was read at.
    ///
    /// # Errors
    ///
    /// [`Error::StaleCaseVersion`] when the row moved since it was read; a storage error.
    fn write(&self, writes: CaseWrites<'_>) -> impl Future<Output = Result<Applied, Error>> + Send;

    /// Appends `entry`, which changes nothing but the chain, to the chain of `before` (as read).
    ///
    /// # Errors
    ///
    /// [`Error::StaleCaseVersion`] when the chain moved since the row was read; a storage error.
    fn append(
        &self,
        before: &CaseRow,
        entry: ChainedEntry,
        now: Timestamp,
    ) -> impl Future<Output = Result<(), Error>> + Send;
}
