//! The timer worker's round: take up to `limit` due timers, soonest first, and fire each one's
//! transition as the system, deleting the timer in the same transaction. On PostgreSQL the timers are
//! claimed with `FOR UPDATE SKIP LOCKED`, so concurrent workers each take different ones. A timer
//! whose transition is refused (its guard is false, say) is recorded in the case's audit trail and
//! dropped; one whose case changed under it is left for the next round. A timer is deleted before its
//! transition is written, so the case's `due_at` (read from its timers by that write) no longer counts it.

use sea_orm::{DatabaseTransaction, TransactionTrait};

use super::tables::SqlTables;
use super::{Inner, db};
use crate::case_commands::{fire_timer, record_refused_timer};
use crate::tables::TimerTable;
use crate::types::{Backend, FiredTimers};
use sportello_runtime::error::Error;

/// Fires up to `limit` due timers.
pub async fn fire_due(conn: &DatabaseTransaction, inner: &Inner, limit: u64) -> Result<FiredTimers, Error> {
    let now = inner.clock.now();
    let tables = SqlTables::on(conn, &inner.definitions, inner.backend == Backend::Postgres);
    let due = tables.due_timers(now, limit).await?;
    let mut report = FiredTimers::default();
    for timer in due {
        let savepoint = conn.begin().await.map_err(db)?;
        let fired = fire_timer(&SqlTables::on(&savepoint, &inner.definitions, false), &timer, now).await;
        match fired {
            Ok(_) => {
                savepoint.commit().await.map_err(db)?;
                report.fired += 1;
            }
            Err(Error::StaleCaseVersion { .. }) => {
                savepoint.rollback().await.map_err(db)?;
                continue;
            }
            Err(refusal @ (Error::Storage(_) | Error::CaseNotFound)) => {
                savepoint.rollback().await.map_err(db)?;
                return Err(refusal);
            }
            Err(refusal) => {
                savepoint.rollback().await.map_err(db)?;
                record_refused_timer(&tables, &timer, &refusal, now).await?;
                report.refused += 1;
            }
        }
    }
    Ok(report)
}
