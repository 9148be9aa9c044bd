//! The timer worker's round: take up to `limit` due timers, soonest first, and fire each one's
//! transition as the system, deleting the timer in the same transaction. On PostgreSQL the timers are
//! claimed with `FOR UPDATE SKIP LOCKED`, so concurrent workers each take different ones. A timer
//! whose transition is refused (its guard is false, say) is recorded in the case's audit trail and
//! dropped; one whose case changed under it is left for the next round. A timer is deleted before its
//! transition is written, so the case's `due_at` (read from its timers by that write) no longer counts it.

use sea_orm::sea_query::{LockBehavior, LockType};
use sea_orm::{ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder, QuerySelect, TransactionTrait};

use super::commands::{read_and_decide, write_decided};
use super::entities::timer;
use super::rows::{self};
use super::sql::micros;
use super::{Inner, db};
use crate::types::{Backend, FiredTimers};
use sportello_runtime::audit_body::{Origin, TimerRefused};
use sportello_runtime::case::Actor;
use sportello_runtime::error::Error;
use sportello_runtime::transition::ApplyTransition;

/// Fires up to `limit` due timers.
pub async fn fire_due(conn: &DatabaseTransaction, inner: &Inner, limit: u64) -> Result<FiredTimers, Error> {
    let now = inner.clock.now();
    let mut due = timer::Entity::find()
        .filter(timer::Column::DueAt.lte(micros(now)))
        .order_by_asc(timer::Column::DueAt)
        .order_by_asc(timer::Column::Id)
        .limit(limit);
    if inner.backend == Backend::Postgres {
        due = due.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
    }
    let due = due.all(conn).await.map_err(db)?;
    let mut report = FiredTimers::default();
    for timer in due {
        let term_day = timer.term_day.as_deref().and_then(|d| d.parse().ok());
        let command = ApplyTransition {
            transition: timer.fire.clone(),
            actor: Actor::System,
            input: serde_json::Value::Null,
            expected_version: None,
            term_day,
        };
        let origin = Origin::Timer { kind: timer.kind.clone(), name: timer.name.clone() };
        let savepoint = conn.begin().await.map_err(db)?;
        let fired = async {
            timer::Entity::delete_by_id(timer.id).exec(&savepoint).await.map_err(db)?;
            write_decided(
                &savepoint,
                read_and_decide(&savepoint, inner, timer.case_id, &command, origin).await?,
                None,
                None,
            )
            .await
        };
        match fired.await {
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
                timer::Entity::delete_by_id(timer.id).exec(conn).await.map_err(db)?;
                let loaded = rows::load(conn, timer.case_id).await?;
                let body = TimerRefused {
                    transition: &timer.fire,
                    kind: &timer.kind,
                    name: &timer.name,
                    refusal: &refusal,
                    at: now,
                }
                .body();
                rows::append_only(conn, &loaded.row, &loaded.case.code, body, now).await?;
                report.refused += 1;
            }
        }
    }
    Ok(report)
}
