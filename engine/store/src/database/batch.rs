//! The writes of one command that end in its case row's update and audit entry, in as few round trips
//! as the backend allows: on SQLite one, every statement before the update carrying the case row's
//! check itself, so that a stale command writes nothing; on PostgreSQL one per timer write, then the
//! update, the entry's insert and an event's message id as one statement.

use std::borrow::Cow;

use jiff::Timestamp;
use sea_orm::{ConnectionTrait, DbBackend, Statement};

use super::db;
use super::deferred::{DeferredWrites, ExpectedCase};
use super::message::Message;
use super::sql::{micros, statement};
use crate::case_row::CaseRow;
use crate::types::Applied;
use sportello_runtime::audit;
use sportello_runtime::error::Error;
use sportello_runtime::timers::TimerChange;

/// The audit entry's insert on PostgreSQL, after the case row's update in a `WITH "updated" AS (…)`:
/// it writes only if the update returned the row.
const INSERT_AUDIT_IF_UPDATED: &str = "INSERT INTO \"audit_entry\" (\"case_id\", \"sequence\", \"body\", \
    \"previous_hash\", \"hash\", \"recorded_at\") SELECT ?, ?, ?, ?, ?, ? FROM \"updated\"";

/// The audit entry's insert on SQLite, right after the case row's update: it writes only if the
/// update changed the row (`changes()` counts the statement before it).
const INSERT_AUDIT_IF_CHANGED: &str = "INSERT INTO \"audit_entry\" (\"case_id\", \"sequence\", \"body\", \
    \"previous_hash\", \"hash\", \"recorded_at\") SELECT ?, ?, ?, ?, ?, ? WHERE changes() = 1";

/// An event's message id remembered with its result, right after the audit entry's insert and only if
/// that inserted the entry: on SQLite the next statement of the round trip, on PostgreSQL the end of
/// the statement whose `WITH "entry" AS (…)` inserted it.
const INSERT_PROCESSED_IF_ENTERED: &str = "INSERT INTO \"processed_event\" (\"case_id\", \"message_id\", \
    \"event\", \"outcome\", \"received_at\") SELECT ?, ?, ?, ?, ? FROM \"entry\"";
const INSERT_PROCESSED_IF_CHANGED: &str = "INSERT INTO \"processed_event\" (\"case_id\", \"message_id\", \
    \"event\", \"outcome\", \"received_at\") SELECT ?, ?, ?, ?, ? WHERE changes() = 1";

/// A timer's delete and insert, plain (PostgreSQL) and carrying the case row's check (SQLite: the
/// last three values are the case id, version and audit sequence read).
const DELETE_TIMER: &str = "DELETE FROM \"timer\" WHERE \"case_id\" = ? AND \"kind\" = ? AND \"name\" = ?";
const DELETE_TIMER_IF_CURRENT: &str = "DELETE FROM \"timer\" WHERE \"case_id\" = ? AND \"kind\" = ? \
    AND \"name\" = ? AND EXISTS (SELECT 1 FROM \"case\" WHERE \"id\" = ? AND \"version\" = ? \
    AND \"audit_sequence\" = ?)";
const INSERT_TIMER: &str = "INSERT INTO \"timer\" (\"case_id\", \"kind\", \"name\", \"fire\", \"due_at\", \
    \"term_day\", \"created_at\") VALUES (?, ?, ?, ?, ?, ?, ?)";
const INSERT_TIMER_IF_CURRENT: &str = "INSERT INTO \"timer\" (\"case_id\", \"kind\", \"name\", \"fire\", \
    \"due_at\", \"term_day\", \"created_at\") SELECT ?, ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM \"case\" \
    WHERE \"id\" = ? AND \"version\" = ? AND \"audit_sequence\" = ?)";

/// The writes of one command that end in the case row's update and its audit entry: one round trip
/// on SQLite; on PostgreSQL one per timer write, and one for the update with the entry's insert (and
/// the event's message id, if the command took one in).
pub struct Batch {
    sqlite: bool,
    /// The case row's checks (id, version, audit sequence read), for SQLite's guarded timer writes.
    guard: [sea_orm::Value; 3],
    statements: Vec<(Cow<'static, str>, Vec<sea_orm::Value>)>,
    /// The values of the event's row to insert after the audit entry, if the command took one in.
    message: Option<[sea_orm::Value; 5]>,
}

impl Batch {
    pub fn for_case(conn: &impl ConnectionTrait, before: &CaseRow) -> Batch {
        Batch {
            sqlite: conn.get_database_backend() == DbBackend::Sqlite,
            guard: [before.id.into(), before.version.into(), before.audit_sequence.into()],
            statements: Vec::new(),
            message: None,
        }
    }

    /// Remembers `message` as taken in, with the command's result, after the audit entry.
    pub fn remember_message(&mut self, message: &Message, applied: &Applied, now: Timestamp) {
        self.message = Some([
            message.case_id.into(),
            message.id.as_str().into(),
            message.event.as_str().into(),
            serde_json::to_string(applied).expect("an outcome serialises").into(),
            micros(now).into(),
        ]);
    }

    /// A timer write, before the case row's update.
    pub fn timer(&mut self, change: &TimerChange, id: i64, now: Timestamp) {
        let (sql, mut values): (_, Vec<sea_orm::Value>) = match change {
            TimerChange::Clear(key) => (
                if self.sqlite { DELETE_TIMER_IF_CURRENT } else { DELETE_TIMER },
                vec![id.into(), key.kind.as_str().into(), key.name.as_str().into()],
            ),
            TimerChange::Set(timer) => (
                if self.sqlite { INSERT_TIMER_IF_CURRENT } else { INSERT_TIMER },
                vec![
                    id.into(),
                    timer.key.kind.as_str().into(),
                    timer.key.name.as_str().into(),
                    timer.fire.as_str().into(),
                    micros(timer.due_at).into(),
                    timer.term_day.map(|day| day.to_string()).into(),
                    micros(now).into(),
                ],
            ),
        };
        if self.sqlite {
            values.extend(self.guard.iter().cloned());
        }
        self.statements.push((sql.into(), values));
    }

    /// The case row's update, with its checks.
    pub fn case(&mut self, sql: impl Into<Cow<'static, str>>, values: Vec<sea_orm::Value>) {
        self.statements.push((sql.into(), values));
    }

    /// Runs the statements, then inserts `entry` if the case row's update changed the row. Whether it
    /// did: `false` means the case is no longer at the version and audit head read, and nothing was
    /// written (SQLite) or the transaction must be rolled back (PostgreSQL, which the caller's error
    /// does). With `later` (SQLite, a case the writer read ahead), the round trip is left there with
    /// the case row as it will leave it, for the writer to send and check with its group's others:
    /// `true`.
    pub async fn run(
        self,
        conn: &impl ConnectionTrait,
        entry: &audit::ChainedEntry,
        now: Timestamp,
        later: Option<(&DeferredWrites, ExpectedCase)>,
    ) -> Result<bool, Error> {
        let id = self.guard[0].clone();
        let audit = audit_values(id, entry, now);
        if self.sqlite {
            // One round trip. Every statement before the update carries its check, so a stale case
            // changes nothing; a current one changes the row and inserts the entry: at least two rows.
            let mut sql = String::new();
            let mut all = Vec::new();
            for (statement, values) in self.statements {
                sql.push_str(&statement);
                sql.push_str("; ");
                all.extend(values);
            }
            sql.push_str(INSERT_AUDIT_IF_CHANGED);
            all.extend(audit);
            if let Some(message) = self.message {
                sql.push_str("; ");
                sql.push_str(INSERT_PROCESSED_IF_CHANGED);
                all.extend(message);
            }
            if let Some((later, moved)) = later {
                later.leave(&sql, all, moved);
                return Ok(true);
            }
            let done =
                conn.execute_raw(Statement::from_sql_and_values(DbBackend::Sqlite, sql, all)).await.map_err(db)?;
            return Ok(done.rows_affected() >= 2);
        }
        // The timer writes one by one, then the case row's update, the entry's insert and the
        // message's as one statement (one round trip): the entry is inserted only if the update
        // changed the row, and the message only if the entry was inserted.
        let mut statements = self.statements;
        let Some((update, mut values)) = statements.pop() else { return Ok(false) };
        for (sql, values) in statements {
            conn.execute_raw(statement(conn, &sql, values)).await.map_err(db)?;
        }
        values.extend(audit);
        let sql = match self.message {
            None => format!("WITH \"updated\" AS ({update} RETURNING \"id\") {INSERT_AUDIT_IF_UPDATED}"),
            Some(message) => {
                values.extend(message);
                format!(
                    "WITH \"updated\" AS ({update} RETURNING \"id\"), \"entry\" AS ({INSERT_AUDIT_IF_UPDATED} \
                     RETURNING \"case_id\") {INSERT_PROCESSED_IF_ENTERED}"
                )
            }
        };
        let done = conn.execute_raw(statement(conn, &sql, values)).await.map_err(db)?;
        Ok(done.rows_affected() == 1)
    }
}

/// The values of an audit entry's row, in the order the inserts name them.
fn audit_values(id: sea_orm::Value, entry: &audit::ChainedEntry, now: Timestamp) -> [sea_orm::Value; 6] {
    [
        id,
        (entry.sequence as i64).into(),
        entry.body.to_string().into(),
        entry.previous_hash.clone().into(),
        entry.hash.clone().into(),
        micros(now).into(),
    ]
}
