//! Saving a draft: while a case is still in its workflow's initial state, the applicant (or staff of
//! the owning office, on the applicant's behalf) may change its data without moving it, so that an
//! application can be filled in over several visits. Like every command it is decided on the case as
//! read and committed by the writer with the version check, raising the version and appending a
//! `save_draft` entry (who, which fields, the data's hash) to the audit chain. The data is checked only
//! for its shape, as when the case was opened; the transition that sends the application checks the rest.

use serde_json::Value as Json;

use super::Store;
use super::retry::Retry;
use super::rows::{self, Change};
use super::worklist::waiting_for;
use crate::types::{Applied, SaveDraft};
use sportello_runtime::access;
use sportello_runtime::audit_body::DraftSaved;
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
            if let Some(expected) = command.expected_version
                && expected != loaded.case.version
            {
                return Err(Error::StaleCaseVersion { expected, current: loaded.case.version });
            }
            access::may_edit_draft(&command.actor, &loaded.case)?;
            let definition =
                inner.definitions.get(&inner.reader, &loaded.row.workflow, loaded.row.workflow_version as u32).await?;
            if loaded.case.state != definition.initial {
                return Err(Error::TransitionNotAllowed {
                    transition: "save_draft".to_owned(),
                    state: loaded.case.state.to_string(),
                });
            }
            let now = inner.clock.now();
            let mut after = loaded.case.clone();
            after.version += 1;
            if let Json::Object(data) = &mut after.data {
                for (field, value) in &command.data {
                    match value {
                        Json::Null => data.remove(field),
                        value => data.insert(field.clone(), value.clone()),
                    };
                }
            }
            let audit = DraftSaved {
                actor: &command.actor,
                changes: &command.data,
                data: &after.data.to_string(),
                version: after.version,
                at: now,
            }
            .body();
            let waiting_for = waiting_for(&definition, after.state.as_str());
            let committed = inner
                .writer
                .write(false, move |txn| {
                    Box::pin(async move {
                        let change =
                            Change { before: &loaded.row, after, waiting_for, audit, effects: Vec::new(), now };
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
