//! Assigning a case to a clerk: a command like the others, decided on the case as read and committed
//! by the writer with the version check, raising the case's version and appending an `assign` entry
//! (who, from whom, to whom) to its audit chain in the same transaction. Who may assign is the
//! caller's check; the store checks only the version the caller saw.

use super::Store;
use super::retry::Retry;
use super::rows::{self, Change};
use super::worklist::waiting_for;
use crate::types::{Applied, Assign};
use sportello_runtime::case_edit::{self, Edit};
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
        let inner = &self.inner;
        let mut retry = Retry::new(command.expected_version);
        loop {
            let loaded = rows::load(&inner.reader, command.case_id).await?;
            let definition =
                inner.definitions.get(&inner.reader, &loaded.row.workflow, loaded.row.workflow_version as u32).await?;
            let now = inner.clock.now();
            let Edit { case: after, audit, effects } = case_edit::assign(
                &loaded.case,
                &command.actor,
                loaded.row.assignee.as_deref(),
                command.assignee.as_deref(),
                command.expected_version,
                now,
            )?;
            let waiting_for = waiting_for(&definition, after.state.as_str());
            let committed = inner
                .writer
                .write(false, move |txn| {
                    Box::pin(async move {
                        let change = Change { before: &loaded.row, after, waiting_for, audit, effects, now };
                        rows::write_change(txn, change).await
                    })
                })
                .await;
            match committed {
                lost if retry.again(&lost) => {}
                other => return other,
            }
        }
    }
}
