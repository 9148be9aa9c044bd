//! Saving a draft: while a case is still in its workflow's initial state, the applicant (or staff of
//! the owning office, on the applicant's behalf) may change its data without moving it, so that an
//! application can be filled in over several visits. Like every command it is decided on the case as
//! read and committed by the writer with the version check, raising the version and appending a
//! `save_draft` entry (who, which fields, the data's hash) to the audit chain. The data is checked only
//! for its shape, as when the case was opened; the transition that sends the application checks the rest.

use super::Store;
use super::retry::Retry;
use super::rows::{self, Change};
use super::worklist::waiting_for;
use crate::types::{Applied, SaveDraft};
use sportello_runtime::case_edit::{self, Edit};
use sportello_runtime::error::Error;

impl Store {
    /// Merges `command.data` into the draft's data (a field set to `null` is removed). Refused with
    /// [`Error::TransitionNotAllowed`] once the case has left its initial state, with
    /// [`Error::CaseNotFound`] for a citizen who is not the applicant, and with
    /// [`Error::ActorNotAllowed`] for staff of another office or the system.
    ///
    /// # Errors
    ///
    /// Those refusals; [`Error::StaleCaseVersion`] when the caller's version is no longer the case's;
    /// [`Error::Storage`].
    pub async fn save_draft(&self, command: SaveDraft) -> Result<Applied, Error> {
        let inner = &self.inner;
        let mut retry = Retry::new(command.expected_version);
        loop {
            let loaded = rows::load(&inner.reader, command.case_id).await?;
            let definition =
                inner.definitions.get(&inner.reader, &loaded.row.workflow, loaded.row.workflow_version as u32).await?;
            let now = inner.clock.now();
            let Edit { case: after, audit, effects } = case_edit::save_draft(
                &definition,
                &loaded.case,
                &command.actor,
                &command.data,
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
