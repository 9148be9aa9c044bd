//! Writing an edit of a case that is not a transition (a draft saved, an assignment): read the case,
//! let the runtime decide the [`Edit`] on it, and write it with the version check; should another
//! command move the case first, decide again on the new case, unless the caller named the version
//! they saw (then that is a stale version). The one loop these commands share; a command may add writes
//! of its own to the same transaction, after the edit's ([`AfterEdit`]: a deleted draft's row marked).

use jiff::Timestamp;
use sea_orm::DatabaseTransaction;
use sportello_definition::Definition;
use sportello_runtime::case_edit::Edit;
use sportello_runtime::error::Error;

use super::Inner;
use super::retry::Retry;
use super::rows;
use super::writer::BoxFuture;
use crate::case_row::{Loaded, waiting_for};
use crate::case_writes::{Change, plan};
use crate::types::Applied;

/// Writes the edit `decide` makes of case `case_id` (given the case as read, its workflow version's
/// definition, and now), at `expected_version` when the caller named one.
///
/// # Errors
///
/// [`Error::CaseNotFound`]; what `decide` refuses; [`Error::StaleCaseVersion`]; [`Error::Storage`].
pub async fn write_edit(
    inner: &Inner,
    case_id: i64,
    expected_version: Option<u64>,
    decide: impl Fn(&Loaded, &Definition, Timestamp) -> Result<Edit, Error>,
) -> Result<Applied, Error> {
    write_edit_then(inner, case_id, expected_version, decide, None).await
}

/// Writes of a command's own, made in the transaction of its edit once the edit is written: given
/// the case's id and now.
pub type AfterEdit = for<'a> fn(&'a DatabaseTransaction, i64, Timestamp) -> BoxFuture<'a, Result<(), Error>>;

/// As [`write_edit`], then `then` in the same transaction, once the edit is written (not when it is
/// refused).
///
/// # Errors
///
/// As [`write_edit`]; what `then` fails with.
pub async fn write_edit_then(
    inner: &Inner,
    case_id: i64,
    expected_version: Option<u64>,
    decide: impl Fn(&Loaded, &Definition, Timestamp) -> Result<Edit, Error>,
    then: Option<AfterEdit>,
) -> Result<Applied, Error> {
    let mut retry = Retry::new(expected_version);
    loop {
        let loaded = rows::load(&inner.reader, case_id).await?;
        let definition =
            inner.definitions.get(&inner.reader, &loaded.row.workflow, loaded.row.workflow_version as u32).await?;
        let now = inner.clock.now();
        let Edit { case: after, audit, effects } = decide(&loaded, &definition, now)?;
        let waiting_for = waiting_for(&definition, after.state.as_str());
        let committed = inner
            .writer
            .write(false, move |txn| {
                Box::pin(async move {
                    let change =
                        Change { before: &loaded.row, after, waiting_for, audit, effects, attached: Vec::new(), now };
                    let applied = rows::write(txn, plan(change), None, None).await?;
                    if let Some(then) = then {
                        then(txn, loaded.row.id, now).await?;
                    }
                    Ok(applied)
                })
            })
            .await;
        match committed {
            lost if retry.again(&lost) => {}
            other => return other,
        }
    }
}
