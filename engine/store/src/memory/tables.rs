//! The table traits (`tables/`) on maps in memory: what [`super::MemoryStore`] holds while one command
//! runs. A write checks the version and audit head read, like SQL's, and applies the planned timers,
//! row, audit entry and outbox rows together.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use jiff::Timestamp;
use jiff::civil::Date;
use sportello_definition::Definition;
use sportello_runtime::audit::ChainedEntry;
use sportello_runtime::error::Error;
use sportello_runtime::timers::TimerChange;

use super::MemoryStore;
use crate::case_row::{CaseRow, Loaded};
use crate::case_writes::CaseWrites;
use crate::effects::EffectRecord;
use crate::tables::{
    AuditTable, CaseTable, DefinitionTable, DueTimer, IdempotencyTable, OutboxTable, RequestKey, TimerTable,
};
use crate::types::{Applied, PendingTimer};
use crate::{OutboxStatus, sealed_timers};

/// Every table, in memory.
#[derive(Debug, Default)]
pub(super) struct Tables {
    /// Deployed definitions, by workflow and version.
    pub definitions: HashMap<String, BTreeMap<u32, Arc<Definition>>>,
    /// Case rows by id.
    pub cases: BTreeMap<i64, CaseRow>,
    /// The last case id given.
    pub last_case: i64,
    /// Pending timers by id.
    pub timers: BTreeMap<i64, StoredTimer>,
    /// The last timer id given.
    pub last_timer: i64,
    /// Each case's audit chain.
    pub audit: HashMap<i64, Vec<ChainedEntry>>,
    /// Each case's outbox rows.
    pub outbox: HashMap<i64, Vec<EffectRecord>>,
    /// The last outbox row id given.
    pub last_effect: i64,
    /// Idempotency keys: the request's fingerprint and its result.
    pub keys: HashMap<(String, String), (String, Applied)>,
    /// Events' messages taken in, by case and message id: the event and its result.
    pub messages: HashMap<(i64, String), (String, Applied)>,
}

/// A pending timer.
#[derive(Debug, Clone)]
pub(super) struct StoredTimer {
    pub case_id: i64,
    pub kind: String,
    pub name: String,
    pub fire: String,
    pub due_at: Timestamp,
    pub term_day: Option<Date>,
}

impl Tables {
    /// Applies `writes`, which the caller has checked against the row.
    fn apply(&mut self, writes: &CaseWrites<'_>) {
        let id = writes.before.id;
        for change in &writes.timers {
            match change {
                TimerChange::Clear(key) => {
                    self.timers.retain(|_, t| !(t.case_id == id && t.kind == key.kind.as_str() && t.name == key.name))
                }
                TimerChange::Set(timer) => {
                    self.last_timer += 1;
                    let stored = StoredTimer {
                        case_id: id,
                        kind: timer.key.kind.as_str().to_owned(),
                        name: timer.key.name.clone(),
                        fire: timer.fire.to_string(),
                        due_at: timer.due_at,
                        term_day: timer.term_day,
                    };
                    self.timers.insert(self.last_timer, stored);
                }
            }
        }
        let after = &writes.after;
        let row = CaseRow {
            state: after.state.to_string(),
            data: after.data.to_string(),
            clocks: writes.clocks.to_string(),
            version: after.version as i64,
            office: after.office.clone(),
            assignee: writes.assignee.clone(),
            updated_at: writes.now.as_microsecond(),
            audit_sequence: writes.entry.sequence as i64,
            audit_hash: writes.entry.hash.clone(),
            waiting_for: writes.waiting_for.map(str::to_owned),
            due_at: self.due_at(id),
            timers: writes.timers_after.clone(),
            document_types: crate::case_row::document_list(&after.documents),
            ..writes.before.clone()
        };
        self.cases.insert(id, row);
        self.audit.entry(id).or_default().push(writes.entry.clone());
        for delivery in &writes.deliveries {
            self.last_effect += 1;
            let record = EffectRecord {
                id: self.last_effect,
                kind: delivery.kind,
                name: delivery.name.clone(),
                status: OutboxStatus::Pending,
                attempts: 0,
                next_attempt_at: writes.now,
                last_error: None,
                created_at: writes.now,
                delivered_at: None,
                result: None,
            };
            self.outbox.entry(id).or_default().push(record);
        }
    }

    /// The earliest timer of case `id`, in microseconds.
    fn due_at(&self, id: i64) -> Option<i64> {
        self.timers.values().filter(|t| t.case_id == id).map(|t| t.due_at.as_microsecond()).min()
    }

    /// Whether `before` is still the row stored: same version and audit head.
    fn current(&self, before: &CaseRow) -> Result<(), Error> {
        let stored = self.cases.get(&before.id).ok_or(Error::CaseNotFound)?;
        if (stored.version, stored.audit_sequence) == (before.version, before.audit_sequence) {
            Ok(())
        } else {
            Err(Error::StaleCaseVersion { expected: before.version as u64, current: stored.version as u64 })
        }
    }

    /// The timers of case `id` in the seal's shape.
    fn sealed_timers(&self, id: i64) -> serde_json::Value {
        sealed_timers::from_rows(self.timers.values().filter(|t| t.case_id == id).map(|t| {
            let term_day = t.term_day.map(|d| d.to_string());
            sealed_timers::sealed(&t.kind, &t.name, t.due_at.as_microsecond(), &t.fire, term_day.as_deref())
        }))
    }
}

impl CaseTable for MemoryStore {
    async fn read_case(&self, id: i64) -> Result<Loaded, Error> {
        let tables = self.tables();
        let mut row = tables.cases.get(&id).cloned().ok_or(Error::CaseNotFound)?;
        row.timers = tables.sealed_timers(id);
        Loaded::from_row(row)
    }

    async fn insert_case(&self, row: &CaseRow) -> Result<Option<i64>, Error> {
        let mut tables = self.tables();
        let later = tables
            .definitions
            .get(&row.workflow)
            .and_then(|versions| versions.keys().next_back())
            .is_some_and(|&latest| latest > row.workflow_version as u32);
        if later {
            return Ok(None);
        }
        tables.last_case += 1;
        let id = tables.last_case;
        tables.cases.insert(id, CaseRow { id, ..row.clone() });
        Ok(Some(id))
    }

    async fn delete_case(&self, id: i64) -> Result<(), Error> {
        self.tables().cases.remove(&id);
        Ok(())
    }

    async fn write(&self, writes: CaseWrites<'_>) -> Result<Applied, Error> {
        let mut tables = self.tables();
        tables.current(writes.before)?;
        tables.apply(&writes);
        let mut applied = writes.applied();
        applied.after = Some(Box::new(writes.into_case_after()));
        Ok(applied)
    }

    async fn append(&self, before: &CaseRow, entry: ChainedEntry, _now: Timestamp) -> Result<(), Error> {
        let mut tables = self.tables();
        tables.current(before)?;
        let due_at = tables.due_at(before.id);
        if let Some(row) = tables.cases.get_mut(&before.id) {
            row.audit_sequence = entry.sequence as i64;
            row.audit_hash = entry.hash.clone();
            row.due_at = due_at;
        }
        tables.audit.entry(before.id).or_default().push(entry);
        Ok(())
    }
}

impl DefinitionTable for MemoryStore {
    async fn definition(&self, workflow: &str, version: u32) -> Result<Arc<Definition>, Error> {
        let tables = self.tables();
        let found = tables.definitions.get(workflow).and_then(|versions| versions.get(&version));
        found.cloned().ok_or_else(|| Error::WorkflowNotFound(workflow.to_owned()))
    }

    async fn latest(&self, workflow: &str) -> Result<Arc<Definition>, Error> {
        let tables = self.tables();
        let found = tables.definitions.get(workflow).and_then(|versions| versions.values().next_back());
        found.cloned().ok_or_else(|| Error::WorkflowNotFound(workflow.to_owned()))
    }
}

impl TimerTable for MemoryStore {
    async fn due_timers(&self, now: Timestamp, limit: u64) -> Result<Vec<DueTimer>, Error> {
        let tables = self.tables();
        let mut due: Vec<(&i64, &StoredTimer)> = tables.timers.iter().filter(|(_, t)| t.due_at <= now).collect();
        due.sort_by_key(|(id, t)| (t.due_at, **id));
        Ok(due
            .into_iter()
            .take(usize::try_from(limit).unwrap_or(usize::MAX))
            .map(|(id, t)| DueTimer {
                id: *id,
                case_id: t.case_id,
                kind: t.kind.clone(),
                name: t.name.clone(),
                fire: t.fire.clone(),
                term_day: t.term_day,
            })
            .collect())
    }

    async fn delete_timer(&self, id: i64) -> Result<(), Error> {
        self.tables().timers.remove(&id);
        Ok(())
    }

    async fn pending_timers(&self, case_id: i64) -> Result<Vec<PendingTimer>, Error> {
        let tables = self.tables();
        let mut pending: Vec<PendingTimer> = tables
            .timers
            .values()
            .filter(|t| t.case_id == case_id)
            .map(|t| PendingTimer {
                kind: t.kind.clone(),
                name: t.name.clone(),
                fire: t.fire.clone(),
                due_at: t.due_at,
                term_day: t.term_day,
            })
            .collect();
        pending.sort_by_key(|t| t.due_at);
        Ok(pending)
    }
}

impl IdempotencyTable for MemoryStore {
    async fn earlier_result(&self, key: &RequestKey) -> Result<Option<Applied>, Error> {
        let tables = self.tables();
        let Some((hash, applied)) = tables.keys.get(&(key.scope.clone(), key.key.clone())) else { return Ok(None) };
        if *hash != key.hash {
            return Err(Error::IdempotencyKeyReused);
        }
        Ok(Some(Applied { replayed: true, after: None, ..applied.clone() }))
    }

    async fn remember_result(&self, key: &RequestKey, applied: &Applied, _now: Timestamp) -> Result<(), Error> {
        let stored = (key.hash.clone(), Applied { after: None, ..applied.clone() });
        self.tables().keys.insert((key.scope.clone(), key.key.clone()), stored);
        Ok(())
    }
}

impl AuditTable for MemoryStore {
    async fn audit_entries(&self, case_id: i64) -> Result<Vec<ChainedEntry>, Error> {
        self.tables().audit.get(&case_id).cloned().ok_or(Error::CaseNotFound)
    }
}

impl OutboxTable for MemoryStore {
    async fn effects_of(&self, case_id: i64) -> Result<Vec<EffectRecord>, Error> {
        Ok(self.tables().outbox.get(&case_id).cloned().unwrap_or_default())
    }
}
