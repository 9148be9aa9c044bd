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

use std::future::Future;
use std::pin::Pin;

use sea_orm::{DatabaseConnection, DatabaseTransaction, TransactionTrait};
use tokio::sync::{mpsc, oneshot};

use super::db as db_error;
use crate::error::{Error, StorageError};

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

type Run = Box<dyn for<'a> FnOnce(&'a DatabaseTransaction) -> BoxFuture<'a, Ran> + Send>;

/// A command for the writer.
pub struct Job {
    isolated: bool,
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
        let (sender, receiver) = oneshot::channel::<Result<T, Error>>();
        let run: Run = Box::new(move |txn| {
            Box::pin(async move {
                let result = job(txn).await;
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
        let job = Job { isolated, run };
        match self {
            Writer::Group(queue) => queue.send(job).await.map_err(|_| not_carried_out())?,
            Writer::Direct(db) => run_one(db, job).await,
        }
        receiver.await.map_err(|_| not_carried_out())?
    }
}

async fn run(db: DatabaseConnection, mut receiver: mpsc::Receiver<Job>, max_batch: usize) {
    let mut jobs = Vec::with_capacity(max_batch);
    while receiver.recv_many(&mut jobs, max_batch).await > 0 {
        run_group(&db, std::mem::take(&mut jobs)).await;
    }
}

async fn run_group(db: &DatabaseConnection, jobs: Vec<Job>) {
    if jobs.len() == 1 {
        let job = jobs.into_iter().next().expect("one job");
        return run_one(db, job).await;
    }
    // Dropping a job unanswered tells its caller the command was not carried out.
    let Ok(txn) = db.begin().await else { return };
    let mut replies = Vec::with_capacity(jobs.len());
    let mut failure = None;
    for job in jobs {
        if failure.is_some() {
            continue;
        }
        if job.isolated {
            let Ok(savepoint) = txn.begin().await else { continue };
            let ran = (job.run)(&savepoint).await;
            let finished = if ran.ok { savepoint.commit().await } else { savepoint.rollback().await };
            match finished {
                Ok(()) => replies.push(ran.reply),
                Err(error) => {
                    (ran.reply)(Err(db_error(error)));
                    failure = Some(());
                }
            }
        } else {
            let ran = (job.run)(&txn).await;
            if ran.storage_error {
                // Its own error goes to it; the rest of the group is rolled back below.
                (ran.reply)(Ok(()));
                failure = Some(());
            } else {
                replies.push(ran.reply);
            }
        }
    }
    let committed = match failure {
        None => txn.commit().await.map_err(db_error),
        Some(()) => {
            let _ = txn.rollback().await;
            Err(rolled_back())
        }
    };
    for reply in replies {
        reply(committed.clone());
    }
}

async fn run_one(db: &DatabaseConnection, job: Job) {
    let Ok(txn) = db.begin().await else { return };
    let ran = (job.run)(&txn).await;
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
