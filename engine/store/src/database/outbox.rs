//! The outbox, as the delivery worker sees it: claim due effects, then record what became of each
//! one (delivered, tried again later, or an incident), and the clerk's actions on incidents.
//!
//! A claim moves the row's `next_attempt_at` past the lease (the longest a delivery may take) and
//! counts the attempt, in one transaction; on PostgreSQL the rows are read `FOR UPDATE SKIP LOCKED`,
//! so concurrent workers claim different rows. The attempt count is the claim's token: an outcome is
//! recorded only while the row still carries it, so a worker that outlived its lease cannot
//! overwrite the outcome of the worker that claimed the row after it. A worker that dies leaves the
//! row to be claimed again when the lease ends, under the same idempotency key: delivery is at least
//! once, never under two keys. Incidents, retries and dismissals are entries in the case's audit chain.

use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use sea_orm::sea_query::{Expr, ExprTrait, LockBehavior, LockType};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde_json::Value as Json;

use super::entities::outbox;
use super::retry::Retry;
use super::rows;
use super::sql::{corrupt, from_micros, micros};
use super::{Store, db};
use crate::case_writes::chain_only;
use crate::types::Backend;
use crate::{ClaimedEffect, EffectRecord, IncidentRecord, OutboxKind, OutboxStatus};
use sportello_runtime::audit_body::{IncidentAction, OutboxEntry, OutboxEvent};
use sportello_runtime::case::Actor;
use sportello_runtime::error::Error;

impl Store {
    /// Claims up to `limit` effects due now, for `lease`: until it ends no other worker takes them.
    /// Only kinds this version delivers are claimed: a row of a kind it does not know (written by a
    /// newer version, during a rolling upgrade) waits for a worker that knows it.
    pub async fn claim_effects(&self, limit: u64, lease: Duration) -> Result<Vec<ClaimedEffect>, Error> {
        let inner = self.inner.clone();
        let now = inner.clock.now();
        let until = micros(now + SignedDuration::try_from(lease).unwrap_or(SignedDuration::from_secs(60)));
        self.inner
            .writer
            .write(true, move |txn| {
                Box::pin(async move {
                    let mut due = outbox::Entity::find()
                        .filter(outbox::Column::Status.eq(OutboxStatus::Pending.as_str()))
                        .filter(outbox::Column::Kind.is_in(OutboxKind::ALL.map(OutboxKind::as_str)))
                        .filter(outbox::Column::NextAttemptAt.lte(micros(now)))
                        .order_by_asc(outbox::Column::NextAttemptAt)
                        .order_by_asc(outbox::Column::Id)
                        .limit(limit);
                    if inner.backend == Backend::Postgres {
                        due = due.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
                    }
                    let rows = due.all(txn).await.map_err(db)?;
                    if rows.is_empty() {
                        return Ok(Vec::new());
                    }
                    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
                    outbox::Entity::update_many()
                        .col_expr(outbox::Column::NextAttemptAt, Expr::value(until))
                        .col_expr(outbox::Column::Attempts, Expr::col(outbox::Column::Attempts).add(1))
                        .filter(outbox::Column::Id.is_in(ids))
                        .exec(txn)
                        .await
                        .map_err(db)?;
                    rows.into_iter()
                        .map(|row| {
                            Ok(ClaimedEffect {
                                id: row.id,
                                case_id: row.case_id,
                                kind: kind(&row)?,
                                name: row.name,
                                payload: serde_json::from_str(&row.payload).unwrap_or(Json::Null),
                                idempotency_key: row.idempotency_key,
                                attempt: (row.attempts + 1) as u32,
                            })
                        })
                        .collect()
                })
            })
            .await
    }

    /// Records a delivery; `false` when the claim was lost meanwhile (the lease ended and another
    /// worker claimed the effect), and nothing was written.
    pub async fn effect_delivered(&self, effect: &ClaimedEffect, result: Json) -> Result<bool, Error> {
        let now = micros(self.now());
        self.update_claimed(
            effect,
            vec![
                (outbox::Column::Status, Expr::value(OutboxStatus::Delivered.as_str())),
                (outbox::Column::DeliveredAt, Expr::value(now)),
                (outbox::Column::Result, Expr::value(result.to_string())),
            ],
        )
        .await
    }

    /// Puts the effect back to wait until `at` without counting the attempt (what it needs is not
    /// ready yet: a message waiting for its payment notice).
    pub async fn effect_postponed(&self, effect: &ClaimedEffect, at: Timestamp) -> Result<bool, Error> {
        let attempts = effect.attempt as i32 - 1;
        self.update_claimed(
            effect,
            vec![
                (outbox::Column::NextAttemptAt, Expr::value(micros(at))),
                (outbox::Column::Attempts, Expr::value(attempts)),
            ],
        )
        .await
    }

    /// Records a failed attempt: tried again at `retry_at`, or, when `retry_at` is `None` (the budget
    /// is spent or the remote system refused the request), an incident on the case, appended to its
    /// audit chain. Returns whether it became an incident.
    pub async fn effect_failed(
        &self,
        effect: &ClaimedEffect,
        error: &str,
        retry_at: Option<Timestamp>,
    ) -> Result<bool, Error> {
        let (id, attempt) = (effect.id, effect.attempt as i32);
        let Some(at) = retry_at else {
            let incident = OutboxEvent::Incident {
                kind: effect.kind.as_str(),
                name: &effect.name,
                attempts: effect.attempt,
                error,
            };
            return self
                .change_effect(
                    effect.case_id,
                    id,
                    Some(attempt),
                    OutboxStatus::Pending,
                    OutboxStatus::Incident,
                    incident,
                    Some(error.to_owned()),
                )
                .await;
        };
        let columns = vec![
            (outbox::Column::NextAttemptAt, Expr::value(micros(at))),
            (outbox::Column::LastError, Expr::value(error.to_owned())),
        ];
        self.update_claimed(effect, columns).await.map(|_| false)
    }

    /// Sets `columns` of the effect's row while the attempt that claimed it still holds it; `false`
    /// when the claim was lost (and nothing was written).
    async fn update_claimed(
        &self,
        effect: &ClaimedEffect,
        columns: Vec<(outbox::Column, Expr)>,
    ) -> Result<bool, Error> {
        let (id, attempt) = (effect.id, effect.attempt as i32);
        self.inner
            .writer
            .write(false, move |txn| {
                Box::pin(async move {
                    let mut update = outbox::Entity::update_many().filter(claimed(id, attempt));
                    for (column, value) in columns {
                        update = update.col_expr(column, value);
                    }
                    Ok(update.exec(txn).await.map_err(db)?.rows_affected == 1)
                })
            })
            .await
    }

    /// A clerk's retry of an incident: the effect is delivered again from now, with a fresh budget,
    /// under the same idempotency key. Audited. `false` when the case has no such incident.
    pub async fn retry_incident(&self, case_id: i64, effect_id: i64, actor: &Actor) -> Result<bool, Error> {
        let retry = OutboxEvent::Handled { actor, action: IncidentAction::Retry };
        self.change_effect(case_id, effect_id, None, OutboxStatus::Incident, OutboxStatus::Pending, retry, None).await
    }

    /// A clerk's dismissal of an incident: the effect is not delivered. Audited. `false` when the case
    /// has no such incident.
    pub async fn dismiss_incident(&self, case_id: i64, effect_id: i64, actor: &Actor) -> Result<bool, Error> {
        let dismiss = OutboxEvent::Handled { actor, action: IncidentAction::Dismiss };
        self.change_effect(case_id, effect_id, None, OutboxStatus::Incident, OutboxStatus::Dismissed, dismiss, None)
            .await
    }

    /// Moves an effect of the case from status `from` to `to` (checking the claim's attempt, when
    /// given) and appends the entry for `event` to the case's chain, in one transaction.
    #[allow(clippy::too_many_arguments)]
    async fn change_effect(
        &self,
        case_id: i64,
        effect_id: i64,
        attempt: Option<i32>,
        from: OutboxStatus,
        to: OutboxStatus,
        event: OutboxEvent<'_>,
        error: Option<String>,
    ) -> Result<bool, Error> {
        let inner = &self.inner;
        let mut retry = Retry::new(None);
        loop {
            let loaded = rows::load(&inner.reader, case_id).await?;
            let now = inner.clock.now();
            let body = OutboxEntry { effect_id, event, at: now }.body();
            let error = error.clone();
            let changed = inner
                .writer
                .write(true, move |txn| {
                    Box::pin(async move {
                        let mut update = outbox::Entity::update_many()
                            .col_expr(outbox::Column::Status, Expr::value(to.as_str()))
                            .filter(outbox::Column::Id.eq(effect_id))
                            .filter(outbox::Column::CaseId.eq(case_id))
                            .filter(outbox::Column::Status.eq(from.as_str()));
                        if let Some(attempt) = attempt {
                            update = update.filter(outbox::Column::Attempts.eq(attempt));
                        }
                        if let Some(error) = error {
                            update = update.col_expr(outbox::Column::LastError, Expr::value(error));
                        }
                        if to == OutboxStatus::Pending {
                            update = update
                                .col_expr(outbox::Column::Attempts, Expr::value(0))
                                .col_expr(outbox::Column::NextAttemptAt, Expr::value(micros(now)));
                        }
                        if update.exec(txn).await.map_err(db)?.rows_affected != 1 {
                            return Ok(false);
                        }
                        let entry = chain_only(&loaded.row, &loaded.case.code, body);
                        rows::append(txn, &loaded.row, &entry, now, None).await?;
                        Ok(true)
                    })
                })
                .await;
            match changed {
                lost if retry.again(&lost) => {}
                other => return other,
            }
        }
    }

    /// The effects of one case, oldest first: what was sent, what waits, what failed.
    pub async fn case_effects(&self, case_id: i64) -> Result<Vec<EffectRecord>, Error> {
        let rows = outbox::Entity::find()
            .filter(outbox::Column::CaseId.eq(case_id))
            .order_by_asc(outbox::Column::Id)
            .all(&self.inner.reader)
            .await
            .map_err(db)?;
        rows.into_iter().map(effect_record).collect()
    }

    /// Open incidents of cases in `offices` (none when it is empty), newest first, at most `limit`.
    pub async fn incidents(&self, offices: &[String], limit: u64) -> Result<Vec<IncidentRecord>, Error> {
        if offices.is_empty() {
            return Ok(Vec::new());
        }
        // The incidents first, newest first through `outbox_status_id`, each joined to its case: the
        // few incident rows are read, never every delivery of the offices' cases. SQLite keeps the
        // written join order with CROSS JOIN; PostgreSQL chooses it from its statistics.
        use sea_orm::{DbBackend, FromQueryResult, Statement};
        let backend = self.inner.reader.get_database_backend();
        let (join, placeholder): (&str, fn(usize) -> String) = match backend {
            DbBackend::Sqlite => ("CROSS JOIN", |_| "?".to_owned()),
            _ => ("JOIN", |n| format!("${n}")),
        };
        let list: Vec<String> = (1..=offices.len()).map(placeholder).collect();
        let sql = format!(
            r#"SELECT o.id AS id FROM outbox o {join} "case" c ON c.id = o.case_id WHERE o.status = '{incident}' AND c.office IN ({}) ORDER BY o.id DESC LIMIT {limit}"#,
            list.join(", "),
            incident = OutboxStatus::Incident.as_str(),
        );
        let values = offices.iter().map(|o| sea_orm::Value::from(o.clone()));
        #[derive(FromQueryResult)]
        struct Id {
            id: i64,
        }
        let ids: Vec<i64> = Id::find_by_statement(Statement::from_sql_and_values(backend, sql, values))
            .all(&self.inner.reader)
            .await
            .map_err(db)?
            .into_iter()
            .map(|row| row.id)
            .collect();
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let query = outbox::Entity::find().filter(outbox::Column::Id.is_in(ids)).order_by_desc(outbox::Column::Id);
        let rows = query.all(&self.inner.reader).await.map_err(db)?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let summary = self.case_summary(row.case_id).await?;
            out.push(IncidentRecord {
                code: summary.code,
                office: summary.office,
                workflow: summary.workflow,
                workflow_version: summary.workflow_version,
                effect: effect_record(row)?,
            });
        }
        Ok(out)
    }
}

/// The row still claimed by the attempt that claimed it.
fn claimed(id: i64, attempt: i32) -> sea_orm::Condition {
    sea_orm::Condition::all()
        .add(outbox::Column::Id.eq(id))
        .add(outbox::Column::Status.eq(OutboxStatus::Pending.as_str()))
        .add(outbox::Column::Attempts.eq(attempt))
}

/// A row's kind, or a corrupt-row error naming the row and the string.
fn kind(row: &outbox::Model) -> Result<OutboxKind, Error> {
    row.kind.parse().map_err(|e| corrupt(format!("outbox row {}: {e}", row.id)))
}

/// A row's status, or a corrupt-row error naming the row and the string.
fn status(row: &outbox::Model) -> Result<OutboxStatus, Error> {
    row.status.parse().map_err(|e| corrupt(format!("outbox row {}: {e}", row.id)))
}

pub(super) fn effect_record(row: outbox::Model) -> Result<EffectRecord, Error> {
    Ok(EffectRecord {
        id: row.id,
        kind: kind(&row)?,
        status: status(&row)?,
        name: row.name,
        attempts: u32::try_from(row.attempts).unwrap_or(0),
        next_attempt_at: from_micros(row.next_attempt_at),
        last_error: row.last_error,
        created_at: from_micros(row.created_at),
        delivered_at: row.delivered_at.map(from_micros),
        result: row.result.and_then(|r| serde_json::from_str(&r).ok()),
    })
}
