//! The writes a command leaves for its group to send. In a group on SQLite, a transition whose case the
//! writer read ahead (so the row it decided on is the case as it stands: see `writer.rs`), or an
//! opening once it has inserted its case's row, does not send its writes (timers, the case row, the
//! audit entry) in a round trip of its own: it leaves them here, and the writer sends those of all
//! such commands in one round trip, before the next command that reads cases for itself and before
//! the commit.
//!
//! Each command's writes carry the case row's check (the version and audit head it read), as when sent
//! alone, so a command whose case had moved would write nothing. After sending them the writer reads
//! back, in one statement, that every case row is at the version and audit head (sequence and hash)
//! its command wrote, and fails the whole group otherwise: nothing is acknowledged that was not
//! written. The hash tells a command's own entry from another's at the same sequence.

use std::sync::{Arc, Mutex};

use sea_orm::{ConnectionTrait, DatabaseTransaction, DbBackend, Statement, Value};

use super::db;
use sportello_runtime::error::{Error, StorageError};

/// Where the commands of one group leave their writes; a clone shares them.
#[derive(Clone, Default)]
pub struct DeferredWrites(Arc<Mutex<Deferred>>);

#[derive(Default)]
struct Deferred {
    /// The statements left, one after another, and their values in order.
    sql: String,
    values: Vec<Value>,
    /// For each command, the case row as its writes leave it.
    cases: Vec<ExpectedCase>,
}

/// A case row as a command's writes leave it.
pub struct ExpectedCase {
    pub id: i64,
    pub version: i64,
    /// The audit head: the sequence and hash of the command's own entry.
    pub sequence: i64,
    pub hash: String,
}

impl DeferredWrites {
    /// Leaves `sql` (statements separated by `;`) with its `values`, which move a case as `case` says.
    pub fn leave(&self, sql: &str, values: Vec<Value>, case: ExpectedCase) {
        let mut left = self.0.lock().expect("no command panics while leaving its writes");
        if !left.sql.is_empty() {
            left.sql.push_str("; ");
        }
        left.sql.push_str(sql);
        left.values.extend(values);
        left.cases.push(case);
    }

    /// Sends the writes left so far in one round trip, then checks in one statement that every case
    /// they were to move has moved. An error means the group must be rolled back.
    pub async fn send(&self, txn: &DatabaseTransaction) -> Result<(), Error> {
        let left = std::mem::take(&mut *self.0.lock().expect("no command panics while leaving its writes"));
        if left.cases.is_empty() {
            return Ok(());
        }
        // The values go into the text, quoted as SQLite quotes them (a quote doubled), rather than
        // bound: the driver keeps every text it binds values to prepared, in a cache of a hundred,
        // and every group's text is its own, so each group would leave up to two prepared
        // statements per command in that cache (peak RSS 34 MiB against 27.5 at C = 32 in the
        // benchmark). Every value here is one the engine made: JSON it serialised, names its
        // workflows define, hashes, numbers.
        let statements = Statement::from_sql_and_values(DbBackend::Sqlite, left.sql, left.values).to_string();
        txn.execute_unprepared(&statements).await.map_err(db)?;
        let rows = vec!["(?, ?, ?, ?)"; left.cases.len()].join(", ");
        let sql = format!(
            "SELECT COUNT(*) FROM \"case\" WHERE (\"id\", \"version\", \"audit_sequence\", \"audit_hash\") \
             IN (VALUES {rows})"
        );
        let values = left
            .cases
            .iter()
            .flat_map(|case| [case.id.into(), case.version.into(), case.sequence.into(), case.hash.as_str().into()]);
        let found =
            txn.query_one_raw(Statement::from_sql_and_values(DbBackend::Sqlite, sql, values)).await.map_err(db)?;
        let moved: i64 = found.map(|row| row.try_get_by_index(0)).transpose().map_err(db)?.unwrap_or(0);
        if moved != left.cases.len() as i64 {
            return Err(Error::Storage(StorageError(Arc::new(NotWritten { moved, left: left.cases.len() }))));
        }
        Ok(())
    }
}

#[derive(Debug, thiserror::Error)]
#[error("{moved} of the {left} cases whose commands' writes were sent together moved as they should have")]
struct NotWritten {
    moved: i64,
    left: usize,
}

#[cfg(test)]
mod tests {
    use sea_orm::{Database, TransactionTrait};

    use super::*;

    /// A database with a `case` table of two rows at version 1, audit sequence 1.
    async fn two_cases() -> sea_orm::DatabaseConnection {
        let conn = Database::connect("sqlite::memory:").await.expect("an in-memory database");
        conn.execute_unprepared(
            "CREATE TABLE \"case\" (\"id\" INTEGER PRIMARY KEY, \"version\" INTEGER, \"audit_sequence\" INTEGER, \
             \"audit_hash\" TEXT, \"data\" TEXT); INSERT INTO \"case\" VALUES (1, 1, 1, 'a', '{}'), (2, 1, 1, 'a', '{}')",
        )
        .await
        .expect("creates");
        conn
    }

    /// A case row's update from version and sequence 1 to 2 (audit hash `b`), guarded as a command's is.
    fn step(later: &DeferredWrites, id: i64, read_version: i64) {
        let sql = "UPDATE \"case\" SET \"version\" = 2, \"audit_sequence\" = 2, \"audit_hash\" = 'b' \
                   WHERE \"id\" = ? AND \"version\" = ?";
        later.leave(sql, vec![id.into(), read_version.into()], moved(id, "b"));
    }

    fn moved(id: i64, hash: &str) -> ExpectedCase {
        ExpectedCase { id, version: 2, sequence: 2, hash: hash.to_owned() }
    }

    #[tokio::test]
    async fn the_writes_left_by_several_commands_go_in_one_round_trip_and_are_checked() {
        let conn = two_cases().await;
        let txn = conn.begin().await.unwrap();
        let later = DeferredWrites::default();
        step(&later, 1, 1);
        step(&later, 2, 1);
        later.send(&txn).await.expect("both cases moved");
        later.send(&txn).await.expect("nothing left to send");
        let moved = txn
            .query_one_raw(Statement::from_string(DbBackend::Sqlite, "SELECT SUM(\"version\") FROM \"case\""))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(moved.try_get_by_index::<i64>(0).unwrap(), 4);
    }

    #[tokio::test]
    async fn text_with_quotes_and_question_marks_is_written_as_it_is() {
        let conn = two_cases().await;
        let txn = conn.begin().await.unwrap();
        let later = DeferredWrites::default();
        let data = r#"{"note":"l'atto n. 3? Sì; ''; \"--; DROP TABLE \"case\""}"#;
        let sql = "UPDATE \"case\" SET \"data\" = ?, \"version\" = 2, \"audit_sequence\" = 2, \"audit_hash\" = 'b' \
                   WHERE \"id\" = ?";
        later.leave(sql, vec![data.into(), 1i64.into()], moved(1, "b"));
        later.send(&txn).await.expect("the case moved");
        let sql = "SELECT \"data\" FROM \"case\" WHERE \"id\" = 1";
        let stored = txn.query_one_raw(Statement::from_string(DbBackend::Sqlite, sql)).await.unwrap().unwrap();
        assert_eq!(stored.try_get_by_index::<String>(0).unwrap(), data);
    }

    #[tokio::test]
    async fn a_command_whose_guarded_write_changed_nothing_fails_the_send() {
        let conn = two_cases().await;
        let txn = conn.begin().await.unwrap();
        let later = DeferredWrites::default();
        step(&later, 1, 1);
        // Decided on a version the case is no longer at: its update changes nothing.
        step(&later, 2, 5);
        let error = later.send(&txn).await.expect_err("one case did not move");
        assert!(format!("{error:?}").contains("NotWritten { moved: 1, left: 2 }"), "{error:?}");
    }
}
