//! What operators watch: whether the database answers, and how far behind the timers and the outbox
//! are (for `/readyz` and `/metrics`).

use jiff::Timestamp;
use sea_orm::ConnectionTrait;

use super::sql::statement;
use super::{Store, db};
use crate::OutboxStatus;
use crate::types::Backlog;
use sportello_runtime::error::Error;

impl Store {
    /// Runs a trivial query: the database is reachable.
    pub async fn ping(&self) -> Result<(), Error> {
        self.inner.reader.execute_unprepared("SELECT 1").await.map_err(db)?;
        Ok(())
    }

    /// Due timers and pending outbox rows, now.
    pub async fn backlog(&self) -> Result<Backlog, Error> {
        let now = self.now().as_microsecond();
        let sql = format!(
            "SELECT (SELECT COUNT(*) FROM timer WHERE due_at <= ?), \
             (SELECT MIN(due_at) FROM timer WHERE due_at <= ?), \
             (SELECT COUNT(*) FROM outbox WHERE status = '{}')",
            OutboxStatus::Pending.as_str()
        );
        let row = self
            .inner
            .reader
            .query_one_raw(statement(&self.inner.reader, &sql, [now.into(), now.into()]))
            .await
            .map_err(db)?;
        let Some(row) = row else { return Ok(Backlog::default()) };
        let due: i64 = row.try_get_by_index(0).map_err(db)?;
        let oldest: Option<i64> = row.try_get_by_index(1).map_err(db)?;
        let pending: i64 = row.try_get_by_index(2).map_err(db)?;
        Ok(Backlog {
            due_timers: due as u64,
            oldest_due: oldest.and_then(|t| Timestamp::from_microsecond(t).ok()),
            outbox_pending: pending as u64,
        })
    }
}
