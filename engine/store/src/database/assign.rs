//! Assigning a case to a clerk: a command like the others, decided on the case as read and committed
//! by the writer with the version check, raising the case's version and appending an `assign` entry
//! (who, from whom, to whom) to its audit chain in the same transaction. Who may assign is the
//! caller's check; the store checks only the version the caller saw.

use super::Store;
use super::edit::write_edit;
use crate::types::{Applied, Assign};
use sportello_runtime::case_edit;
use sportello_runtime::error::Error;

impl Store {
    /// Sets the case's assignee (`None` takes it off whoever had it), raises its version and audits it.
    /// A named version that is no longer the case's is [`Error::StaleCaseVersion`]; without one, a
    /// concurrent change is waited out and the assignment decided again.
    ///
    /// # Errors
    ///
    /// [`Error::CaseNotFound`]; [`Error::StaleCaseVersion`]; [`Error::Storage`]. Who may assign is
    /// the caller's to check (the application layer lets only staff of the case's office).
    pub async fn assign(&self, command: Assign) -> Result<Applied, Error> {
        write_edit(&self.inner, command.case_id, command.expected_version, |loaded, _, now| {
            case_edit::assign(
                &loaded.case,
                &command.actor,
                loaded.row.assignee.as_deref(),
                command.assignee.as_deref(),
                command.expected_version,
                now,
            )
        })
        .await
    }
}
