//! The outbox: what a case's commands asked to be delivered (notifications, payments, webhooks), in
//! the order they asked. Rows are added only with a command's writes ([`super::CaseTable::write`]).

use std::future::Future;

use sportello_runtime::error::Error;

use crate::effects::EffectRecord;

/// Outbox rows.
pub trait OutboxTable {
    /// The effects of case `id`, oldest first.
    ///
    /// # Errors
    ///
    /// A storage error.
    fn effects_of(&self, case_id: i64) -> impl Future<Output = Result<Vec<EffectRecord>, Error>> + Send;
}
