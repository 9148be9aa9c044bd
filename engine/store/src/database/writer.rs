//! Where commands commit. On SQLite one task owns the only write connection: it takes every command
//! waiting (up to a batch), runs them in one transaction, commits once (one fsync for the whole
//! group), and only then answers each caller; while it commits, the next group gathers. On PostgreSQL
//! each command runs in its own transaction from the pool.
//!
//! A command that may write and then be refused (a timer round, a deploy) is *isolated*: in a group
//! it runs in its own savepoint, so a refusal undoes only its own writes. The others (a transition, an
//! event: they read and decide before writing) are refused, if at all, before their first write, so
//! they need no savepoint; such a refusal, or a case of theirs found unreadable, is answered to them
//! alone. A database error in a group rolls the whole group back and answers every caller in it with
//! the error: nothing is acknowledged that is not durable.
//!
//! A transition names its case ([`Writer::write_on_case`]): in a group, the writer reads the cases of
//! all such jobs in one statement before running them, and hands each job its case's row instead of a
//! round trip of its own to read it. A row goes only to the first job on its case, and none after a
//! job that names no case (it may write any), so every job decides on the case as the jobs before it
//! left it. A job handed its case leaves its writes for the writer to send with the group's others
//! (`deferred.rs`), before the next job that reads cases for itself and before the commit. An opening
//! ([`Writer::write_new_case`]) leaves its writes the same way, after inserting its case's row.
//!
//! While commands keep coming, the SQLite writer keeps its connection instead of giving it back to
//! the pool after each group: it ends a group with `COMMIT; BEGIN` in one round trip, so the next
//! group finds its transaction begun. A deferred `BEGIN` that has read nothing holds no lock and no
//! snapshot, so readers and checkpoints are not held up by it. A connection given back costs a round
//! trip to the driver's thread (which checks it), and taking it again another (for `BEGIN`): two of
//! the five a lone transition made otherwise. The writer gives the connection back when no command has come for
//! [`HOLD_IDLE`], and at least every [`HOLD_MOST`], so that the rest of the store (migrations, the
//! readiness check's look at them, statistics) gets its turn under a steady stream of commands.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, Instant};

use sea_orm::{ConnectionTrait, DatabaseConnection, DatabaseTransaction, TransactionTrait};
use tokio::sync::{mpsc, oneshot};

use super::db as db_error;
pub use super::deferred::DeferredWrites;
use super::rows;
use crate::case_row::CaseRow;
use sportello_runtime::error::{Error, StorageError};

/// A boxed future that may borrow the transaction.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Answers a caller once the group's fate is known: `Ok` if it committed.
type Reply = Box<dyn FnOnce(Result<(), Error>) + Send>;

/// How a job ended.
struct Ran {
    /// Whether the job succeeded.
    ok: bool,
    /// Whether it failed on a database error (its writes, and its group's, cannot be trusted).
    storage_error: bool,
    reply: Reply,
}

/// A job's work: given the transaction and, if the writer has them for it, its case read ahead and
/// where to leave its writes (`None`: the job reads and writes for itself).
type Run = Box<dyn for<'a> FnOnce(&'a DatabaseTransaction, Option<ReadAhead>) -> BoxFuture<'a, Ran> + Send>;

/// What the writer hands a job in a group: its case as read at the start of the group (a transition's;
/// `None` for a case the job inserts), and where the job leaves the writes that end in that case row's
/// update (`deferred.rs`), for the writer to send with the group's others.
pub struct ReadAhead {
    pub row: Option<CaseRow>,
    pub later: DeferredWrites,
}

/// What a job may read and write, as far as the writer needs to know.
#[derive(Debug, Clone, Copy)]
enum Scope {
    /// Anything.
    Any,
    /// One case, and no other.
    Case(i64),
    /// Only a case it inserts (opening one), which no other job can name before the group commits.
    New,
}

/// A command for the writer.
pub struct Job {
    isolated: bool,
    scope: Scope,
    run: Run,
}

/// How commands reach the database.
#[derive(Debug, Clone)]
pub enum Writer {
    /// SQLite: one writer task, group commit.
    Group(mpsc::Sender<Job>),
    /// PostgreSQL: a transaction per command.
    Direct(DatabaseConnection),
}

impl Writer {
    /// Starts the writer task on `db` (a pool of one connection).
    pub fn group(db: DatabaseConnection, max_batch: usize) -> Writer {
        let max_batch = max_batch.max(1);
        let (sender, receiver) = mpsc::channel(max_batch * 4);
        tokio::spawn(run(db, receiver, max_batch));
        Writer::Group(sender)
    }

    /// Runs each command in its own transaction on `db`.
    pub fn direct(db: DatabaseConnection) -> Writer {
        Writer::Direct(db)
    }

    /// Runs `job` in a transaction and returns its result once the transaction is durable. An
    /// `isolated` job gets its own savepoint when it shares the transaction.
    pub async fn write<T, F>(&self, isolated: bool, job: F) -> Result<T, Error>
    where
        T: Send + 'static,
        F: for<'a> FnOnce(&'a DatabaseTransaction) -> BoxFuture<'a, Result<T, Error>> + Send + 'static,
    {
        self.submit(isolated, Scope::Any, move |txn, _| job(txn)).await
    }

    /// Runs `job`, which reads and writes case `case_id` and no other case, in a transaction, and
    /// returns its result once the transaction is durable. In a group, the writer reads the cases of
    /// all such jobs in one statement before running them, and hands each its case's row as read
    /// (`None` when the job must read the row itself: on PostgreSQL, alone, or after a job in the
    /// group that may have written it). The job is not isolated: it must be refused, if at all,
    /// before it writes. With no case named, the job runs as with [`Writer::write`], not isolated.
    pub async fn write_on_case<T, F>(&self, case_id: Option<i64>, job: F) -> Result<T, Error>
    where
        T: Send + 'static,
        F: for<'a> FnOnce(&'a DatabaseTransaction, Option<ReadAhead>) -> BoxFuture<'a, Result<T, Error>>
            + Send
            + 'static,
    {
        self.submit(false, case_id.map_or(Scope::Any, Scope::Case), job).await
    }

    /// Runs `job`, which inserts a case and writes nothing about any other, in a transaction, and
    /// returns its result once the transaction is durable. In a group the writer hands it where to
    /// leave the writes that end in its case row's update (see [`Writer::write_on_case`]). The job is
    /// not isolated: a refusal must leave nothing written (it takes back the row it inserted).
    pub async fn write_new_case<T, F>(&self, job: F) -> Result<T, Error>
    where
        T: Send + 'static,
        F: for<'a> FnOnce(&'a DatabaseTransaction, Option<DeferredWrites>) -> BoxFuture<'a, Result<T, Error>>
            + Send
            + 'static,
    {
        self.submit(false, Scope::New, move |txn, ahead| job(txn, ahead.map(|ahead| ahead.later))).await
    }

    async fn submit<T, F>(&self, isolated: bool, scope: Scope, job: F) -> Result<T, Error>
    where
        T: Send + 'static,
        F: for<'a> FnOnce(&'a DatabaseTransaction, Option<ReadAhead>) -> BoxFuture<'a, Result<T, Error>>
            + Send
            + 'static,
    {
        let (sender, receiver) = oneshot::channel::<Result<T, Error>>();
        let run: Run = Box::new(move |txn, ahead| {
            Box::pin(async move {
                let result = job(txn, ahead).await;
                let ok = result.is_ok();
                let storage_error = matches!(result, Err(Error::Storage(_)));
                let reply: Reply = Box::new(move |committed: Result<(), Error>| {
                    let _ = sender.send(match result {
                        Ok(value) => committed.map(|()| value),
                        Err(refusal) => Err(refusal),
                    });
                });
                Ran { ok, storage_error, reply }
            })
        });
        let job = Job { isolated, scope, run };
        match self {
            Writer::Group(queue) => queue.send(job).await.map_err(|_| not_carried_out())?,
            Writer::Direct(db) => run_one(db, job).await,
        }
        receiver.await.map_err(|_| not_carried_out())?
    }
}

async fn run(db: DatabaseConnection, mut receiver: mpsc::Receiver<Job>, max_batch: usize) {
    let mut jobs = Vec::with_capacity(max_batch);
    let mut held: Option<KeptConnection> = None;
    loop {
        let received = match held {
            None => receiver.recv_many(&mut jobs, max_batch).await,
            Some(_) => match tokio::time::timeout(HOLD_IDLE, receiver.recv_many(&mut jobs, max_batch)).await {
                Ok(received) => received,
                Err(_idle) => {
                    release(held.take()).await;
                    continue;
                }
            },
        };
        if received == 0 {
            release(held.take()).await;
            return;
        }
        let held_now = match held.take() {
            Some(held) => held,
            // Dropping the jobs unanswered tells their callers the commands were not carried out.
            None => match db.begin().await {
                Ok(txn) => KeptConnection { txn, since: Instant::now() },
                Err(_) => {
                    jobs.clear();
                    continue;
                }
            },
        };
        held = run_group(held_now, std::mem::take(&mut jobs)).await;
        if held.as_ref().is_some_and(|held| held.since.elapsed() >= HOLD_MOST) {
            release(held.take()).await;
        }
    }
}

/// The write connection kept by the writer between groups, inside a transaction begun right after
/// the last commit (a deferred `BEGIN` that has read nothing yet: it holds no lock and no snapshot).
struct KeptConnection {
    txn: DatabaseTransaction,
    /// When the connection was taken from the pool.
    since: Instant,
}

/// How long the writer waits for the next command with the connection kept, before giving it back.
const HOLD_IDLE: Duration = Duration::from_millis(2);

/// How long the writer keeps the connection at most, so that the rest of the store (the readiness check,
/// statistics, migrations) gets its turn under a steady stream of commands.
const HOLD_MOST: Duration = Duration::from_millis(50);

/// Gives the kept connection back to the pool: its transaction has written nothing.
async fn release(held: Option<KeptConnection>) {
    if let Some(held) = held {
        let _ = held.txn.commit().await;
    }
}

/// Runs a group of jobs in the kept transaction; commits (and begins the next transaction in the same
/// round trip) or rolls back, answers each caller, and returns the connection to keep, if any.
async fn run_group(held: KeptConnection, jobs: Vec<Job>) -> Option<KeptConnection> {
    let txn = &held.txn;
    let cases = jobs.iter().filter_map(|job| if let Scope::Case(id) = job.scope { Some(id) } else { None });
    let mut group = Group {
        read: read_ahead(txn, cases.collect()).await,
        later: DeferredWrites::default(),
        lone: jobs.len() == 1,
        replies: Vec::with_capacity(jobs.len()),
        failure: None,
        undo: false,
    };
    for job in jobs {
        if group.failure.is_none() {
            group.run(txn, job).await;
        }
    }
    if group.end(txn).await {
        return Some(held);
    }
    discard(held.txn).await;
    None
}

/// A group of jobs while it runs: the cases read ahead for it, the writes its jobs left, and the
/// answers waiting for its end.
struct Group {
    /// Rows read ahead, not yet handed out.
    read: HashMap<i64, CaseRow>,
    /// Writes left by the jobs that were handed their case, to send before the next job that reads
    /// cases for itself and before the commit.
    later: DeferredWrites,
    /// Whether the group is a single job (which needs no savepoint even when isolated).
    lone: bool,
    /// The callers to answer when the group ends.
    replies: Vec<Reply>,
    /// What rolls the whole group back, once something has.
    failure: Option<Error>,
    /// Whether a lone job's refusal must undo what it wrote.
    undo: bool,
}

impl Group {
    /// Runs one job: hands it its case if it was read ahead, sends the writes before it that it must
    /// see, and runs it in a savepoint when it is isolated and shares the transaction.
    async fn run(&mut self, txn: &DatabaseTransaction, job: Job) {
        let (row, reads_cases) = self.row_for(job.scope);
        // A job that reads cases for itself finds there what the jobs before it wrote.
        if reads_cases && let Err(error) = self.later.send(txn).await {
            self.failure = Some(error);
            return;
        }
        let ahead = match (job.scope, row) {
            (_, Some(row)) => Some(ReadAhead { row: Some(row), later: self.later.clone() }),
            (Scope::New, None) if !self.lone => Some(ReadAhead { row: None, later: self.later.clone() }),
            _ => None,
        };
        if job.isolated && !self.lone {
            self.run_in_savepoint(txn, job, ahead).await;
        } else {
            let ran = (job.run)(txn, ahead).await;
            if ran.storage_error {
                // Its own error goes to it; the rest of the group is rolled back at its end.
                (ran.reply)(Ok(()));
                self.failure = Some(rolled_back());
            } else {
                // A lone job's refusal undoes whatever it wrote (it ran with no savepoint).
                self.undo |= self.lone && !ran.ok;
                self.replies.push(ran.reply);
            }
        }
    }

    /// The row read ahead for a job of `scope`, and whether the job reads cases for itself. A row goes
    /// to the first job on its case; a job that names no case may write any, so no row read ahead is
    /// handed out after it.
    fn row_for(&mut self, scope: Scope) -> (Option<CaseRow>, bool) {
        match scope {
            Scope::Case(id) => self.read.remove(&id).map_or((None, true), |row| (Some(row), false)),
            Scope::New => (None, false),
            Scope::Any => {
                self.read.clear();
                (None, true)
            }
        }
    }

    /// Runs an isolated job in a savepoint of its own: its refusal undoes only its writes; a failure
    /// to end the savepoint fails the group.
    async fn run_in_savepoint(&mut self, txn: &DatabaseTransaction, job: Job, ahead: Option<ReadAhead>) {
        let Ok(savepoint) = txn.begin().await else { return };
        let ran = (job.run)(&savepoint, ahead).await;
        let finished = if ran.ok { savepoint.commit().await } else { savepoint.rollback().await };
        match finished {
            Ok(()) => self.replies.push(ran.reply),
            Err(error) => {
                (ran.reply)(Err(db_error(error)));
                self.failure = Some(rolled_back());
            }
        }
    }

    /// Sends the writes left, commits (beginning the next transaction in the same round trip) or rolls
    /// back, and answers every caller with the outcome; whether the connection is fit to keep.
    async fn end(self, txn: &DatabaseTransaction) -> bool {
        let failure = match self.failure {
            None => self.later.send(txn).await.err(),
            failure => failure,
        };
        let (finished, keep) = match failure {
            None => {
                let end = if self.undo { "ROLLBACK; BEGIN" } else { "COMMIT; BEGIN" };
                match txn.execute_unprepared(end).await {
                    Ok(_) => (Ok(()), true),
                    Err(error) => (Err(db_error(error)), false),
                }
            }
            Some(error) => (Err(error), false),
        };
        for reply in self.replies {
            reply(finished.clone());
        }
        keep
    }
}

/// The rows of the cases the group's jobs name, read in one statement, when at least two jobs name
/// one (a lone job reads its own, in as many round trips). Nothing but the jobs themselves writes
/// between this read and them, and [`run_group`] hands a row only to the first job on its case, and
/// only before any job that names no case. If the read fails, each job reads its own row (and meets
/// the error itself, if it lasts).
async fn read_ahead(txn: &DatabaseTransaction, ids: Vec<i64>) -> HashMap<i64, CaseRow> {
    if ids.len() < 2 {
        return HashMap::new();
    }
    rows::load_rows(txn, &ids).await.unwrap_or_default()
}

/// Rolls back a transaction whose end failed. The failed `COMMIT` may have ended it in SQLite
/// already (an I/O error rolls it back) while the driver still counts it open: a `BEGIN` first makes
/// sure one is open either way (it fails if one is), so that the `ROLLBACK` leaves the connection as
/// the driver thinks it is.
async fn discard(txn: DatabaseTransaction) {
    let _ = txn.execute_unprepared("BEGIN").await;
    let _ = txn.rollback().await;
}

async fn run_one(db: &DatabaseConnection, job: Job) {
    let Ok(txn) = db.begin().await else { return };
    let ran = (job.run)(&txn, None).await;
    let finished = if ran.ok { txn.commit().await } else { txn.rollback().await };
    (ran.reply)(finished.map_err(db_error));
}

fn not_carried_out() -> Error {
    Error::Storage(StorageError(std::sync::Arc::new(NotCarriedOut)))
}

fn rolled_back() -> Error {
    Error::Storage(StorageError(std::sync::Arc::new(RolledBack)))
}

#[derive(Debug, thiserror::Error)]
#[error("the database did not take the command (it could not start a transaction, or the store is closed)")]
struct NotCarriedOut;

#[derive(Debug, thiserror::Error)]
#[error("another command committed with this one failed on the database, so both were rolled back")]
struct RolledBack;
