//! Where commands commit. On SQLite one task owns the only write connection: it takes every command
//! waiting, runs each in its own savepoint of one transaction, commits once (one fsync for the whole
//! group), and only then answers each caller. A refused command rolls back its savepoint alone; a
//! failed commit answers every caller of the group with an error, so nothing is acknowledged that is
//! not durable. On PostgreSQL each command runs in its own transaction from the pool.

use std::future::Future;
use std::pin::Pin;

use sea_orm::{DatabaseConnection, DatabaseTransaction, TransactionTrait};
use tokio::sync::{mpsc, oneshot};

use super::db;
use crate::error::{Error, StorageError};

/// A boxed future that may borrow the transaction.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

type Reply = Box<dyn FnOnce(Result<(), Error>) + Send>;
type Job = Box<dyn for<'a> FnOnce(&'a DatabaseTransaction) -> BoxFuture<'a, (bool, Reply)> + Send>;

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
        let (sender, receiver) = mpsc::channel(max_batch * 4);
        tokio::spawn(run(db, receiver, max_batch));
        Writer::Group(sender)
    }

    /// Runs each command in its own transaction on `db`.
    pub fn direct(db: DatabaseConnection) -> Writer {
        Writer::Direct(db)
    }

    /// Runs `job` in a transaction and returns its result once the transaction is durable.
    pub async fn write<T, F>(&self, job: F) -> Result<T, Error>
    where
        T: Send + 'static,
        F: for<'a> FnOnce(&'a DatabaseTransaction) -> BoxFuture<'a, Result<T, Error>> + Send + 'static,
    {
        let (sender, receiver) = oneshot::channel::<Result<T, Error>>();
        let job: Job = Box::new(move |txn| {
            Box::pin(async move {
                let result = job(txn).await;
                let ok = result.is_ok();
                let reply: Reply = Box::new(move |committed: Result<(), Error>| {
                    let _ = sender.send(committed.and(result));
                });
                (ok, reply)
            })
        });
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
    // Dropping a job unanswered tells its caller the command was not carried out.
    let Ok(txn) = db.begin().await else { return };
    let mut replies = Vec::with_capacity(jobs.len());
    for job in jobs {
        let Ok(savepoint) = txn.begin().await else { continue };
        let (ok, reply) = job(&savepoint).await;
        let finished = if ok { savepoint.commit().await } else { savepoint.rollback().await };
        match finished {
            Ok(()) => replies.push(reply),
            Err(error) => reply(Err(db_error(error))),
        }
    }
    let committed = txn.commit().await.map_err(db_error);
    for reply in replies {
        reply(committed.clone());
    }
}

async fn run_one(db: &DatabaseConnection, job: Job) {
    let txn = match db.begin().await {
        Ok(txn) => txn,
        Err(_) => return,
    };
    let (ok, reply) = job(&txn).await;
    let finished = if ok { txn.commit().await } else { txn.rollback().await };
    reply(finished.map_err(db_error));
}

fn db_error(error: sea_orm::DbErr) -> Error {
    db(error)
}

fn not_carried_out() -> Error {
    Error::Storage(StorageError(std::sync::Arc::new(NotCarriedOut)))
}

#[derive(Debug, thiserror::Error)]
#[error("the database did not take the command (it could not start a transaction, or the store is closed)")]
struct NotCarriedOut;
