//! Case rows in and out of SQL: the hand-written reads of a case row (with its timers), and the
//! statements of one command's planned writes (`case_writes.rs`: timer rows, the case row with its
//! version check, the audit entry, outbox rows).
//!
//! Timers are written before the case row: a timer worker on PostgreSQL locks a timer and then its
//! case, so every writer takes locks in that order and two of them never wait on each other; and the
//! case row's `due_at` (its earliest timer, what case lists sort on) is read from the timers as they
//! stand after the command, in the case row's own update. The statements that end in the case row's
//! update and its audit entry go to the database as one [`Batch`] (`batch.rs`).

use super::batch::Batch;
use super::db;
use super::deferred::{DeferredWrites, ExpectedCase};
use super::entities::{outbox, timer};
use super::message::Message;
use super::payments;
use super::sql::{from_micros, micros, placeholders, statement};
use crate::case_row::{CaseRow, Loaded};
use crate::case_writes::CaseWrites;
use crate::sealed_timers;
use crate::types::{Applied, PendingTimer};
use crate::{OutboxKind, OutboxStatus};
use jiff::Timestamp;
use sea_orm::{
    ActiveValue::{NotSet, Set},
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QueryResult,
};
use sportello_runtime::audit::ChainedEntry;
use sportello_runtime::error::Error;

/// Reads a case.
///
/// Hand-written, like the case row's update: every command reads its case, and building the
/// seventeen-column `SELECT` through the query builder, then finding each column of the row by name,
/// cost more than the lookup itself.
pub async fn load(conn: &impl ConnectionTrait, id: i64) -> Result<Loaded, Error> {
    let sql = on(conn, SELECT_CASE, PG_SELECT_CASE);
    let found = conn.query_one_raw(statement(conn, sql, [id.into()])).await.map_err(db)?;
    let row = case_row(&found.ok_or(Error::CaseNotFound)?).map_err(db)?;
    Loaded::from_row(row)
}

/// Reads the rows of cases `ids` (not yet parsed: see [`Loaded::from_row`]) in one statement, by id;
/// a case that does not exist is not in the map.
pub async fn load_rows(
    conn: &impl ConnectionTrait,
    ids: &[i64],
) -> Result<std::collections::HashMap<i64, CaseRow>, Error> {
    let sql = format!("{} ({})", on(conn, SELECT_CASES, PG_SELECT_CASES), placeholders(ids.len()));
    let found = conn.query_all_raw(statement(conn, &sql, ids.iter().map(|&id| id.into()))).await.map_err(db)?;
    found.iter().map(|row| case_row(row).map(|row| (row.id, row)).map_err(db)).collect()
}

/// Reads a case row (not yet parsed: see [`Loaded::from_row`]) and, in the same statement, what an
/// event's message came to if it was taken in before: its event and stored outcome.
pub async fn load_with_message(
    conn: &impl ConnectionTrait,
    id: i64,
    message_id: &str,
) -> Result<(CaseRow, Option<(String, String)>), Error> {
    let values = [message_id.into(), id.into()];
    let sql = on(conn, SELECT_CASE_AND_MESSAGE, PG_SELECT_CASE_AND_MESSAGE);
    let found = conn.query_one_raw(statement(conn, sql, values)).await.map_err(db)?;
    let found = found.ok_or(Error::CaseNotFound)?;
    let row = case_row(&found).map_err(db)?;
    let event: Option<String> = found.try_get_by_index(19).map_err(db)?;
    let outcome: Option<String> = found.try_get_by_index(20).map_err(db)?;
    Ok((row, event.zip(outcome)))
}

/// Inserts a new case row (its `id` is left to the database) and returns its id, unless a version of
/// its workflow later than the row's has been deployed (`None`: nothing was inserted). The check lets
/// a command open a case on the latest version as last read, without reading it again.
pub async fn insert_case(conn: &impl ConnectionTrait, row: &CaseRow) -> Result<Option<i64>, Error> {
    let values: [sea_orm::Value; 18] = [
        row.workflow.as_str().into(),
        row.workflow_version.into(),
        row.state.as_str().into(),
        row.data.as_str().into(),
        row.clocks.as_str().into(),
        row.version.into(),
        row.applicant.as_str().into(),
        row.office.as_str().into(),
        row.assignee.clone().into(),
        row.opened_on.as_str().into(),
        row.opened_at.into(),
        row.updated_at.into(),
        row.audit_sequence.into(),
        row.audit_hash.as_str().into(),
        row.waiting_for.clone().into(),
        row.due_at.into(),
        row.workflow.as_str().into(),
        row.workflow_version.into(),
    ];
    let Some(inserted) = conn.query_one_raw(statement(conn, INSERT_CASE_IF_LATEST, values)).await.map_err(db)? else {
        return Ok(None);
    };
    inserted.try_get_by_index(0).map(Some).map_err(db)
}

/// Deletes a case row just inserted, that nothing else refers to yet (an opening refused after the
/// insert).
pub async fn delete_case(conn: &impl ConnectionTrait, id: i64) -> Result<(), Error> {
    conn.execute_raw(statement(conn, "DELETE FROM \"case\" WHERE \"id\" = ?", [id.into()])).await.map_err(db)?;
    Ok(())
}

/// A new case row (every column but `id`), if its workflow version is still the latest deployed.
const INSERT_CASE_IF_LATEST: &str = "INSERT INTO \"case\" (\"workflow\", \"workflow_version\", \"state\", \
    \"data\", \"clocks\", \"version\", \"applicant\", \"office\", \"assignee\", \"opened_on\", \"opened_at\", \
    \"updated_at\", \"audit_sequence\", \"audit_hash\", \"waiting_for\", \"due_at\") \
    SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM \"workflow_version\" \
    WHERE \"workflow\" = ? AND \"version\" > ?) RETURNING \"id\"";

/// The case row's columns, in the order [`case_row`] reads them, then its timers (`sealed_timers.rs`)
/// aggregated in SQLite's dialect or PostgreSQL's.
macro_rules! case_columns {
    (sqlite) => {
        concat!(
            case_columns!(),
            ", (SELECT json_group_array(json_array(\"kind\", \"name\", \"due_at\", \"fire\", \"term_day\")) \
             FROM \"timer\" WHERE \"timer\".\"case_id\" = \"case\".\"id\"), \
             (SELECT group_concat(\"doc_type\", ',') FROM \"document\" WHERE \"document\".\"case_id\" = \
             \"case\".\"id\" AND \"document\".\"audit_sequence\" IS NOT NULL)"
        )
    };
    (postgres) => {
        concat!(
            case_columns!(),
            ", (SELECT COALESCE(json_agg(json_build_array(\"kind\", \"name\", \"due_at\", \"fire\", \"term_day\")), \
             '[]'::json)::text FROM \"timer\" WHERE \"timer\".\"case_id\" = \"case\".\"id\"), \
             (SELECT string_agg(\"doc_type\", ',') FROM \"document\" WHERE \"document\".\"case_id\" = \
             \"case\".\"id\" AND \"document\".\"audit_sequence\" IS NOT NULL)"
        )
    };
    () => {
        "\"id\", \"workflow\", \"workflow_version\", \"state\", \"data\", \"clocks\", \"version\", \"applicant\", \
         \"office\", \"assignee\", \"opened_on\", \"opened_at\", \"updated_at\", \"audit_sequence\", \"audit_hash\", \
         \"waiting_for\", \"due_at\""
    };
}

/// A case row by id, unless it was deleted (a deleted draft is not found, by reads and commands alike).
const SELECT_CASE: &str =
    concat!("SELECT ", case_columns!(sqlite), " FROM \"case\" WHERE \"id\" = ? AND \"deleted_at\" IS NULL");
const PG_SELECT_CASE: &str =
    concat!("SELECT ", case_columns!(postgres), " FROM \"case\" WHERE \"id\" = ? AND \"deleted_at\" IS NULL");

/// Case rows by id, leaving deleted ones out, to be followed by an `IN (…)` list.
const SELECT_CASES: &str =
    concat!("SELECT ", case_columns!(sqlite), " FROM \"case\" WHERE \"deleted_at\" IS NULL AND \"id\" IN");
const PG_SELECT_CASES: &str =
    concat!("SELECT ", case_columns!(postgres), " FROM \"case\" WHERE \"deleted_at\" IS NULL AND \"id\" IN");

/// A case row by id (unless it was deleted), then the event and outcome of one of its messages, if it
/// was taken in (no column of the case is named like one of `processed_event`'s).
macro_rules! select_case_and_message {
    ($dialect:tt) => {
        concat!(
            "SELECT ",
            case_columns!($dialect),
            ", \"processed_event\".\"event\", \"processed_event\".\"outcome\" FROM \"case\" \
             LEFT JOIN \"processed_event\" ON \"processed_event\".\"case_id\" = \"case\".\"id\" \
             AND \"processed_event\".\"message_id\" = ? WHERE \"case\".\"id\" = ? \
             AND \"case\".\"deleted_at\" IS NULL"
        )
    };
}
const SELECT_CASE_AND_MESSAGE: &str = select_case_and_message!(sqlite);
const PG_SELECT_CASE_AND_MESSAGE: &str = select_case_and_message!(postgres);

/// `sqlite` or `postgres`, for `conn`'s backend.
fn on(conn: &impl ConnectionTrait, sqlite: &'static str, postgres: &'static str) -> &'static str {
    if conn.get_database_backend() == sea_orm::DbBackend::Postgres { postgres } else { sqlite }
}

/// The row [`SELECT_CASE`] finds, its columns taken by position.
fn case_row(row: &QueryResult) -> Result<CaseRow, DbErr> {
    Ok(CaseRow {
        id: row.try_get_by_index(0)?,
        workflow: row.try_get_by_index(1)?,
        workflow_version: row.try_get_by_index(2)?,
        state: row.try_get_by_index(3)?,
        data: row.try_get_by_index(4)?,
        clocks: row.try_get_by_index(5)?,
        version: row.try_get_by_index(6)?,
        applicant: row.try_get_by_index(7)?,
        office: row.try_get_by_index(8)?,
        assignee: row.try_get_by_index(9)?,
        opened_on: row.try_get_by_index(10)?,
        opened_at: row.try_get_by_index(11)?,
        updated_at: row.try_get_by_index(12)?,
        audit_sequence: row.try_get_by_index(13)?,
        audit_hash: row.try_get_by_index(14)?,
        waiting_for: row.try_get_by_index(15)?,
        due_at: row.try_get_by_index(16)?,
        timers: sealed_timers::parse(&row.try_get_by_index::<String>(17)?),
        document_types: row.try_get_by_index(18)?,
    })
}

/// The timers pending on case `id`, soonest first.
pub async fn pending_timers(conn: &impl ConnectionTrait, id: i64) -> Result<Vec<PendingTimer>, Error> {
    let timers = timer::Entity::find()
        .filter(timer::Column::CaseId.eq(id))
        .order_by_asc(timer::Column::DueAt)
        .all(conn)
        .await
        .map_err(db)?;
    Ok(timers
        .into_iter()
        .map(|t| PendingTimer {
            kind: t.kind,
            name: t.name,
            fire: t.fire,
            due_at: from_micros(t.due_at),
            term_day: t.term_day.and_then(|day| day.parse().ok()),
        })
        .collect())
}

/// Writes a command's planned writes: the timer rows, the case row (if the version and audit head
/// are still the ones read; its `due_at` read back from the timers just written), the audit entry, then
/// the outbox rows.
///
/// Timers come first. On PostgreSQL that is the lock order (the timer worker locks a timer and then
/// its case, so every writer does, and none waits on another in a circle); a stale version is found at
/// the case row and the command's transaction rolls back. On SQLite commands share one transaction, so
/// a refused one must write nothing: each timer write carries the case row's check itself, and the
/// timers, the case row and the audit entry go in one round trip. On PostgreSQL the case row's update
/// and the audit entry's insert are one statement.
///
/// `message`, if any, is remembered as taken in with the result, in the same round trip. With `later`
/// (a case the writer read ahead, on SQLite), the writes that end in the case row's update are left
/// there for the writer to send with its group's others (`deferred.rs`), and the outbox rows go before
/// them.
///
/// # Errors
///
/// [`Error::StaleCaseVersion`] when the row moved since it was read; a storage error.
pub async fn write(
    conn: &impl ConnectionTrait,
    writes: CaseWrites<'_>,
    message: Option<&Message>,
    later: Option<&DeferredWrites>,
) -> Result<Applied, Error> {
    let before = writes.before;
    let (id, now) = (before.id, writes.now);
    let mut batch = Batch::for_case(conn, before);
    for timer in &writes.timers {
        batch.timer(timer, id, now);
    }
    let (sql, values) = case_update(&writes);
    batch.case(sql, values);
    let mut applied = writes.applied();
    if let Some(message) = message {
        batch.remember_message(message, &applied, now);
    }
    let entry = &writes.entry;
    let moved = || ExpectedCase {
        id,
        version: writes.after.version as i64,
        sequence: entry.sequence as i64,
        hash: entry.hash.clone(),
    };
    if !batch.run(conn, entry, now, later.map(|later| (later, moved()))).await? {
        let current = load(conn, id).await.map(|l| l.case.version).unwrap_or(before.version as u64 + 1);
        return Err(Error::StaleCaseVersion { expected: before.version as u64, current });
    }
    insert_deliveries(conn, &writes).await?;
    if !writes.attached.is_empty() {
        super::documents::attach(conn, id, &writes.attached, writes.entry.sequence).await?;
    }
    applied.after = Some(Box::new(writes.into_case_after()));
    Ok(applied)
}

/// Inserts a command's outbox rows, each with its own idempotency key (`code/sequence/n`); a payment
/// also gets its row in the payments table.
async fn insert_deliveries(conn: &impl ConnectionTrait, writes: &CaseWrites<'_>) -> Result<(), Error> {
    let (id, now) = (writes.before.id, writes.now);
    for (index, delivery) in writes.deliveries.iter().enumerate() {
        let row = outbox::ActiveModel {
            id: NotSet,
            case_id: Set(id),
            kind: Set(delivery.kind.as_str().to_owned()),
            name: Set(delivery.name.clone()),
            payload: Set(delivery.payload.to_string()),
            idempotency_key: Set(writes.delivery_key(index)),
            status: Set(OutboxStatus::Pending.as_str().to_owned()),
            attempts: Set(0),
            next_attempt_at: Set(micros(now)),
            last_error: Set(None),
            created_at: Set(micros(now)),
            delivered_at: Set(None),
            result: Set(None),
        };
        match delivery.kind {
            OutboxKind::Payment => {
                let outbox_id = outbox::Entity::insert(row).exec(conn).await.map_err(db)?.last_insert_id;
                payments::insert(conn, id, outbox_id, &delivery.name, &delivery.payload, now).await?;
            }
            OutboxKind::Notify | OutboxKind::Webhook => {
                outbox::Entity::insert(row).exec_without_returning(conn).await.map_err(db)?;
            }
        }
    }
    Ok(())
}

/// The case row's update with its optimistic checks (version and audit head), in SQLite's `?` style.
///
/// Hand-written, as this runs for every command and building it through the query builder cost more
/// than running it. It sets only the indexed columns whose value changes: SQLite rewrites the entries
/// of every index that holds a column the `SET` names, changed or not, and the case table has six (the
/// lists'), so naming them all made every command rewrite each of their entries where a change of
/// state needs two. `due_at` is the earliest of the case's timers, read in the same statement after the
/// timer writes; it is read again only when the command writes timers or the case has some (a timer
/// round deletes the timer it fires before the write), since a case with no timers can only get one
/// from a command that writes it.
fn case_update(writes: &CaseWrites<'_>) -> (String, Vec<sea_orm::Value>) {
    let CaseWrites { before, after, assignee, waiting_for, entry, now, .. } = writes;
    let (waiting_for, timers_written) = (*waiting_for, !writes.timers.is_empty());
    let mut sql = String::with_capacity(400);
    sql.push_str("UPDATE \"case\" SET \"data\" = ?, \"clocks\" = ?, \"version\" = ?");
    let mut values: Vec<sea_orm::Value> =
        vec![after.data.to_string().into(), writes.clocks.to_string().into(), (after.version as i64).into()];
    if after.state.as_str() != before.state {
        sql.push_str(", \"state\" = ?");
        values.push(after.state.as_str().into());
    }
    if after.office != before.office {
        sql.push_str(", \"office\" = ?");
        values.push(after.office.clone().into());
    }
    if *assignee != before.assignee {
        sql.push_str(", \"assignee\" = ?");
        values.push(assignee.clone().into());
    }
    if waiting_for != before.waiting_for.as_deref() {
        sql.push_str(", \"waiting_for\" = ?");
        values.push(waiting_for.map(str::to_owned).into());
    }
    if timers_written || before.due_at.is_some() {
        sql.push_str(
            ", \"due_at\" = (SELECT MIN(\"timer\".\"due_at\") FROM \"timer\" WHERE \"timer\".\"case_id\" = ?)",
        );
        values.push(before.id.into());
    }
    sql.push_str(
        ", \"updated_at\" = ?, \"audit_sequence\" = ?, \"audit_hash\" = ? \
         WHERE \"id\" = ? AND \"version\" = ? AND \"audit_sequence\" = ?",
    );
    values.extend([
        micros(*now).into(),
        (entry.sequence as i64).into(),
        entry.hash.clone().into(),
        before.id.into(),
        before.version.into(),
        before.audit_sequence.into(),
    ]);
    (sql, values)
}

/// The update of an entry that changes nothing but the chain (and `due_at`, in case a timer went),
/// checked against the audit head.
const UPDATE_CHAIN: &str = "UPDATE \"case\" SET \"audit_sequence\" = ?, \"audit_hash\" = ?, \
    \"due_at\" = (SELECT MIN(\"timer\".\"due_at\") FROM \"timer\" WHERE \"timer\".\"case_id\" = ?) \
    WHERE \"id\" = ? AND \"audit_sequence\" = ?";

/// Appends `entry`, which changes nothing but the chain (a refused timer, a payment recorded without
/// a transition; planned by `case_writes::chain_only`), checked against the audit head read; the case's
/// `due_at` is read again from its timers (a refused timer is deleted before its entry is written).
/// `message`, if any, is remembered as taken in with its result, in the same round trip.
///
/// # Errors
///
/// [`Error::StaleCaseVersion`] when the chain moved since `before` was read; a storage error.
pub async fn append(
    conn: &impl ConnectionTrait,
    before: &CaseRow,
    entry: &ChainedEntry,
    now: Timestamp,
    message: Option<(&Message, &Applied)>,
) -> Result<(), Error> {
    let mut batch = Batch::for_case(conn, before);
    batch.case(
        UPDATE_CHAIN,
        vec![
            (entry.sequence as i64).into(),
            entry.hash.clone().into(),
            before.id.into(),
            before.id.into(),
            before.audit_sequence.into(),
        ],
    );
    if let Some((message, applied)) = message {
        batch.remember_message(message, applied, now);
    }
    if !batch.run(conn, entry, now, None).await? {
        return Err(Error::StaleCaseVersion { expected: before.version as u64, current: before.version as u64 });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case_writes::next_entry;
    use crate::database::entities::case;
    use crate::database::sql::by_key;
    use serde_json::json;
    use sportello_definition::ids::StateId;
    use sportello_runtime::audit::GENESIS;

    fn row() -> CaseRow {
        CaseRow {
            document_types: None,
            id: 7,
            workflow: "school-enrolment".to_owned(),
            workflow_version: 1,
            state: "submitted".to_owned(),
            data: "{}".to_owned(),
            clocks: "{}".to_owned(),
            version: 2,
            applicant: "RSSMRA85T10A562S".to_owned(),
            office: "scuola".to_owned(),
            assignee: None,
            opened_on: "2026-03-02".to_owned(),
            opened_at: 0,
            updated_at: 0,
            audit_sequence: 2,
            audit_hash: GENESIS.to_owned(),
            waiting_for: Some("office".to_owned()),
            due_at: None,
            timers: serde_json::Value::Null,
        }
    }

    #[tokio::test]
    async fn the_hand_written_read_finds_each_column_where_the_entity_does() {
        use sea_orm::Database;
        use sportello_migrations::{Migrator, MigratorTrait};

        let conn = Database::connect("sqlite::memory:").await.expect("an in-memory database");
        Migrator::up(&conn, None).await.expect("migrates");
        let version = super::super::entities::workflow_version::ActiveModel {
            workflow: Set("school-enrolment".to_owned()),
            version: Set(1),
            source: Set(String::new()),
            hash: Set(String::new()),
            deployed_at: Set(0),
        };
        super::super::entities::workflow_version::Entity::insert(version).exec(&conn).await.expect("inserts");
        // Every column set, and no two of the same type alike, so that a column read from the wrong
        // position shows.
        let stored = CaseRow {
            data: r#"{"child":"Giulia"}"#.to_owned(),
            assignee: Some("clerk-01".to_owned()),
            opened_at: 11,
            updated_at: 12,
            due_at: Some(13),
            audit_sequence: 3,
            ..row()
        };
        case::Entity::insert(case::ActiveModel::from(case::Model::from(stored.clone())))
            .exec(&conn)
            .await
            .expect("inserts");

        let by_entity = by_key(case::Entity::find_by_id(stored.id), &conn).await.expect("reads").expect("found");
        assert_eq!(CaseRow::from(by_entity), stored, "the entity does not read the timers");
        // The hand-written read brings the case's timers along, as its seal lists them.
        let pending = timer::ActiveModel {
            id: NotSet,
            case_id: Set(stored.id),
            kind: Set("deadline".to_owned()),
            name: Set("submitted".to_owned()),
            fire: Set("lapse".to_owned()),
            due_at: Set(99),
            term_day: Set(None),
            created_at: Set(0),
        };
        timer::Entity::insert(pending).exec(&conn).await.expect("inserts");
        let stored = CaseRow { timers: json!([["deadline", "submitted", 99, "lapse", null]]), ..stored };
        let loaded = load(&conn, stored.id).await.map_err(|e| format!("{e:?}")).expect("reads");
        assert_eq!(loaded.row, stored);
        assert!(matches!(load(&conn, stored.id + 1).await, Err(Error::CaseNotFound)));

        // With an event's message: the same row, and the message's event and outcome once taken in.
        let (row, seen) = load_with_message(&conn, stored.id, "receipt-1").await.expect("reads");
        assert_eq!((row, seen), (stored.clone(), None));
        let processed = super::super::entities::processed_event::ActiveModel {
            case_id: Set(stored.id),
            message_id: Set("receipt-1".to_owned()),
            event: Set("payment.paid".to_owned()),
            outcome: Set("{}".to_owned()),
            received_at: Set(0),
        };
        super::super::entities::processed_event::Entity::insert(processed).exec(&conn).await.expect("inserts");
        let (row, seen) = load_with_message(&conn, stored.id, "receipt-1").await.expect("reads");
        assert_eq!((row, seen), (stored.clone(), Some(("payment.paid".to_owned(), "{}".to_owned()))));
        let (_, seen) = load_with_message(&conn, stored.id, "receipt-2").await.expect("reads");
        assert_eq!(seen, None);
    }

    fn set_columns(sql: &str) -> Vec<&str> {
        let set = &sql[sql.find(" SET ").expect("a SET") + 5..sql.find(" WHERE ").expect("a WHERE")];
        set.split(", ").map(|assignment| assignment.split(" = ").next().unwrap_or_default().trim_matches('"')).collect()
    }

    /// The writes of a change of state to `under_review`, as planned for `before`.
    fn writes<'a>(
        before: &'a CaseRow,
        assignee: Option<&str>,
        waiting_for: &'static str,
        timers_written: bool,
    ) -> CaseWrites<'a> {
        use sportello_runtime::timers::{TimerChange, TimerKey, TimerKind};
        let mut after = Loaded::from_row(before.clone()).expect("a readable row").case;
        after.state = StateId::parse("under_review").expect("a state id");
        after.version = 3;
        let entry = next_entry(before, &after.code, json!({}));
        let cleared = TimerChange::Clear(TimerKey { kind: TimerKind::Deadline, name: "submitted".to_owned() });
        CaseWrites {
            attached: Vec::new(),
            before,
            after,
            clocks: json!({}),
            assignee: assignee.map(str::to_owned),
            waiting_for: Some(waiting_for),
            timers: if timers_written { vec![cleared] } else { Vec::new() },
            timers_after: json!([]),
            entry,
            deliveries: Vec::new(),
            now: Timestamp::UNIX_EPOCH,
        }
    }

    #[test]
    fn the_case_update_names_only_the_indexed_columns_that_change() {
        let before = row();

        // A change of state only: the worklists' other columns are left out, so SQLite leaves their
        // index entries alone.
        let (sql, values) = case_update(&writes(&before, None, "office", false));
        let columns = set_columns(&sql);
        assert_eq!(
            columns,
            ["data", "clocks", "version", "state", "updated_at", "audit_sequence", "audit_hash"],
            "{sql}"
        );
        assert_eq!(values.len(), sql.matches('?').count());

        // Assigned, waiting for the citizen, with a timer written: each of those is set.
        let (sql, values) = case_update(&writes(&before, Some("clerk-01"), "citizen", true));
        let columns = set_columns(&sql);
        for column in ["assignee", "waiting_for", "due_at"] {
            assert!(columns.contains(&column), "{column}: {sql}");
        }
        assert!(!columns.contains(&"office"), "{sql}");
        assert_eq!(values.len(), sql.matches('?').count());

        // A case that has timers has its due date read again even when the command writes none (a
        // timer round deletes the timer it fires before the write).
        let dated = CaseRow { due_at: Some(1), ..before.clone() };
        let (sql, _) = case_update(&writes(&dated, None, "office", false));
        assert!(set_columns(&sql).contains(&"due_at"), "{sql}");
    }
}
