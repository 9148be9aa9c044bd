//! Saving a draft: while a case is still in its workflow's initial state, the applicant (or staff of
//! the owning office, on the applicant's behalf) may change its data without moving it, so that an
//! application can be filled in over several visits. Like every command it is decided on the case as
//! read and committed by the writer with the version check, raising the version and appending a
//! `save_draft` entry (who, which fields, the data's hash) to the audit chain. The data is checked only
//! for its shape, as when the case was opened; the transition that sends the application checks the rest.

use super::Store;
use super::edit::write_edit;
use crate::types::{Applied, SaveDraft};
use sportello_runtime::case_edit;
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
        write_edit(&self.inner, command.case_id, command.expected_version, |loaded, definition, now| {
            case_edit::save_draft(
                definition,
                &loaded.case,
                &command.actor,
                &command.data,
                command.expected_version,
                now,
            )
        })
        .await
    }
}
