//! The table traits (`tables/`) on SQL: [`SqlTables`] is one command's transaction (or, for reads,
//! any connection), SQLite's or PostgreSQL's. Each method is the hand-written or entity statement the
//! store already tuned (`rows.rs`, `batch.rs`); what the commands decide comes from
//! `case_commands.rs`, the same for every backend.

use std::sync::Arc;

use jiff::Timestamp;
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{LockBehavior, LockType};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use sportello_definition::Definition;
use sportello_runtime::audit::ChainedEntry;
use sportello_runtime::error::Error;

use super::audit;
use super::db;
use super::deferred::DeferredWrites;
use super::definitions::Definitions;
use super::entities::{idempotency_key, outbox, timer};
use super::message::Message;
use super::outbox::effect_record;
use super::rows;
use super::sql::{by_key, corrupt, micros};
use crate::case_row::{CaseRow, Loaded};
use crate::case_writes::CaseWrites;
use crate::effects::EffectRecord;
use crate::tables::{
    AuditTable, CaseTable, DefinitionTable, DueTimer, IdempotencyTable, OutboxTable, RequestKey, TimerTable,
};
use crate::types::{Applied, PendingTimer};

/// One command's view of the SQL tables: its transaction, the store's parsed definitions, and what
/// the command's writes carry along.
pub struct SqlTables<'a, C> {
    /// The transaction (or connection).
    pub conn: &'a C,
    /// Deployed definitions, parsed once.
    pub definitions: &'a Definitions,
    /// Whether due timers are locked as they are read (PostgreSQL, where workers run side by side).
    pub lock_timers: bool,
    /// An event's message to remember with the command's writes, in their round trip.
    pub message: Option<&'a Message>,
    /// On SQLite in a group, where the writer takes the writes that end in the case row's update
    /// (`deferred.rs`).
    pub later: Option<&'a DeferredWrites>,
}

impl<'a, C> SqlTables<'a, C> {
    /// The tables on `conn`, for a command that writes straight away.
    pub fn on(conn: &'a C, definitions: &'a Definitions, lock_timers: bool) -> Self {
        SqlTables { conn, definitions, lock_timers, message: None, later: None }
    }
}

impl<C: ConnectionTrait + Sync> CaseTable for SqlTables<'_, C> {
    async fn read_case(&self, id: i64) -> Result<Loaded, Error> {
        rows::load(self.conn, id).await
    }

    async fn insert_case(&self, row: &CaseRow) -> Result<Option<i64>, Error> {
        rows::insert_case(self.conn, row).await
    }

    async fn delete_case(&self, id: i64) -> Result<(), Error> {
        rows::delete_case(self.conn, id).await
    }

    async fn write(&self, writes: CaseWrites<'_>) -> Result<Applied, Error> {
        rows::write(self.conn, writes, self.message, self.later).await
    }

    async fn append(&self, before: &CaseRow, entry: ChainedEntry, now: Timestamp) -> Result<(), Error> {
        rows::append(self.conn, before, &entry, now, None).await
    }
}

impl<C: ConnectionTrait + Sync> DefinitionTable for SqlTables<'_, C> {
    async fn definition(&self, workflow: &str, version: u32) -> Result<Arc<Definition>, Error> {
        self.definitions.get(self.conn, workflow, version).await
    }

    async fn latest(&self, workflow: &str) -> Result<Arc<Definition>, Error> {
        self.definitions.latest(self.conn, workflow).await
    }
}

impl<C: ConnectionTrait + Sync> TimerTable for SqlTables<'_, C> {
    async fn due_timers(&self, now: Timestamp, limit: u64) -> Result<Vec<DueTimer>, Error> {
        let mut due = timer::Entity::find()
            .filter(timer::Column::DueAt.lte(micros(now)))
            .order_by_asc(timer::Column::DueAt)
            .order_by_asc(timer::Column::Id)
            .limit(limit);
        if self.lock_timers {
            due = due.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
        }
        let due = due.all(self.conn).await.map_err(db)?;
        Ok(due
            .into_iter()
            .map(|t| DueTimer {
                id: t.id,
                case_id: t.case_id,
                term_day: t.term_day.as_deref().and_then(|d| d.parse().ok()),
                kind: t.kind,
                name: t.name,
                fire: t.fire,
            })
            .collect())
    }

    async fn delete_timer(&self, id: i64) -> Result<(), Error> {
        timer::Entity::delete_by_id(id).exec(self.conn).await.map_err(db)?;
        Ok(())
    }

    async fn pending_timers(&self, case_id: i64) -> Result<Vec<PendingTimer>, Error> {
        rows::pending_timers(self.conn, case_id).await
    }
}

impl<C: ConnectionTrait + Sync> IdempotencyTable for SqlTables<'_, C> {
    async fn earlier_result(&self, key: &RequestKey) -> Result<Option<Applied>, Error> {
        let found = idempotency_key::Entity::find_by_id((key.scope.clone(), key.key.clone()));
        let Some(row) = by_key(found, self.conn).await? else { return Ok(None) };
        if row.request_hash != key.hash {
            return Err(Error::IdempotencyKeyReused);
        }
        let mut applied: Applied = serde_json::from_str(&row.response)
            .map_err(|_| corrupt("a stored idempotent response is not readable".to_owned()))?;
        applied.replayed = true;
        Ok(Some(applied))
    }

    async fn remember_result(&self, key: &RequestKey, applied: &Applied, now: Timestamp) -> Result<(), Error> {
        let row = idempotency_key::ActiveModel {
            scope: Set(key.scope.clone()),
            key: Set(key.key.clone()),
            request_hash: Set(key.hash.clone()),
            response: Set(serde_json::to_string(applied).expect("an outcome serialises")),
            created_at: Set(micros(now)),
        };
        idempotency_key::Entity::insert(row).exec_without_returning(self.conn).await.map_err(db)?;
        Ok(())
    }
}

impl<C: ConnectionTrait + Sync> AuditTable for SqlTables<'_, C> {
    async fn audit_entries(&self, case_id: i64) -> Result<Vec<ChainedEntry>, Error> {
        let code = rows::load(self.conn, case_id).await?.case.code;
        let stored = audit::stored_entries(self.conn, case_id).await?;
        Ok(stored.into_iter().map(|e| audit::chained(&code, e)).collect())
    }
}

impl<C: ConnectionTrait + Sync> OutboxTable for SqlTables<'_, C> {
    async fn effects_of(&self, case_id: i64) -> Result<Vec<EffectRecord>, Error> {
        let rows = outbox::Entity::find()
            .filter(outbox::Column::CaseId.eq(case_id))
            .order_by_asc(outbox::Column::Id)
            .all(self.conn)
            .await
            .map_err(db)?;
        rows.into_iter().map(effect_record).collect()
    }
}
