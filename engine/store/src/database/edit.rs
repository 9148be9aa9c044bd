//! Writing an edit of a case that is not a transition (a draft saved, an assignment): read the case,
//! let the runtime decide the [`Edit`] on it, and write it with the version check; should another
//! command move the case first, decide again on the new case, unless the caller named the version
//! they saw (then that is a stale version). The one loop both commands share.

use jiff::Timestamp;
use sportello_definition::Definition;
use sportello_runtime::case_edit::Edit;
use sportello_runtime::error::Error;

use super::Inner;
use super::retry::Retry;
use super::rows;
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
                    let change = Change { before: &loaded.row, after, waiting_for, audit, effects, now };
                    rows::write(txn, plan(change), None, None).await
                })
            })
            .await;
        match committed {
            lost if retry.again(&lost) => {}
            other => return other,
        }
    }
}
