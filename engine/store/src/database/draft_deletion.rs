//! Deleting a draft: while a case is still in its workflow's initial state, its applicant may delete
//! it. A case row is never removed (its audit chain, and the signed checkpoints that name it, must
//! keep verifying), so the deletion is a command like a saved draft, decided on the case as read and
//! committed by the writer with the version check: its data and clocks cleared, its timers cleared,
//! the version raised, a `delete_draft` entry appended and sealed over the row so left; then, in the
//! same transaction, the row marked `deleted_at` and its undelivered effects (pending ones, incidents)
//! dismissed with their payload emptied, since a notification's payload holds a copy of the data.
//! Every read of cases leaves a deleted one out (`rows.rs`, `search.rs`, `worklist.rs`), so to
//! anyone asking it no longer exists; `audit verify` still reads it, and checks the mark against the
//! chain's last entry.

use jiff::Timestamp;
use sea_orm::{ConnectionTrait, DatabaseTransaction};

use super::edit::write_edit_then;
use super::sql::{micros, statement};
use super::writer::BoxFuture;
use super::{Store, db};
use crate::OutboxStatus;
use crate::types::{Applied, DeleteDraft};
use sportello_runtime::case_edit;
use sportello_runtime::error::Error;

/// What the undelivered effects of a deleted draft are left saying.
const DISMISSED_BECAUSE: &str = "the draft was deleted by its applicant";

impl Store {
    /// Deletes the draft: afterwards the case is not found by any read or command, and its audit
    /// chain ends with the `delete_draft` entry. Refused with [`Error::TransitionNotAllowed`] once the
    /// case has left its initial state, with [`Error::CaseNotFound`] for a citizen who is not the
    /// applicant, and with [`Error::ActorNotAllowed`] for staff and the system.
    ///
    /// # Errors
    ///
    /// Those refusals; [`Error::CaseNotFound`] for a case that does not exist or was deleted;
    /// [`Error::StaleCaseVersion`] when the caller's version is no longer the case's;
    /// [`Error::Storage`].
    pub async fn delete_draft(&self, command: DeleteDraft) -> Result<Applied, Error> {
        let decide = |loaded: &crate::case_row::Loaded, definition: &_, now| {
            case_edit::delete_draft(definition, &loaded.case, &command.actor, command.expected_version, now)
        };
        write_edit_then(&self.inner, command.case_id, command.expected_version, decide, Some(mark_deleted)).await
    }
}

/// Marks case `id` deleted at `now` and dismisses its undelivered effects.
fn mark_deleted(txn: &DatabaseTransaction, id: i64, now: Timestamp) -> BoxFuture<'_, Result<(), Error>> {
    Box::pin(async move {
        let mark = "UPDATE \"case\" SET \"deleted_at\" = ? WHERE \"id\" = ?";
        txn.execute_raw(statement(txn, mark, [micros(now).into(), id.into()])).await.map_err(db)?;
        let dismiss = "UPDATE \"outbox\" SET \"status\" = ?, \"payload\" = '{}', \"last_error\" = ? \
                       WHERE \"case_id\" = ? AND \"status\" IN (?, ?)";
        let values: [sea_orm::Value; 5] = [
            OutboxStatus::Dismissed.as_str().into(),
            DISMISSED_BECAUSE.into(),
            id.into(),
            OutboxStatus::Pending.as_str().into(),
            OutboxStatus::Incident.as_str().into(),
        ];
        txn.execute_raw(statement(txn, dismiss, values)).await.map_err(db)?;
        Ok(())
    })
}
