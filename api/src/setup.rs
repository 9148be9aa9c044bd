//! Getting a database ready for Sportello, as `serve` does at every start and `demo` before it fills
//! one: under the database's setup lock (processes started together on one PostgreSQL database take
//! turns), every pending migration runs, older cases learn who they wait for, and the workflows
//! folder is deployed (each changed file as its workflow's next version). A missing folder is an
//! error only when it was asked for.

use std::path::Path;

use anyhow::Context;
use sportello_store::{SetupLock, Store, redact};

/// A database held under its setup lock, migrated and with its workflows deployed; release it once
/// whatever else must happen before another process sets the database up (the dev cases) is done.
pub struct Prepared {
    lock: SetupLock,
}

impl Prepared {
    /// Lets the next process set the database up.
    ///
    /// # Errors
    ///
    /// The lock cannot be released (PostgreSQL's connection is gone).
    pub async fn release(self) -> anyhow::Result<()> {
        self.lock.release().await.context("cannot release the database's setup lock")
    }
}

/// Takes the setup lock of the database at `url` (which `store` is open on), migrates it and deploys
/// `workflows`; `explicit` says the folder was asked for, so its absence is an error.
///
/// # Errors
///
/// The lock cannot be taken, a migration fails, the folder is asked for and missing, a workflow file
/// does not validate, or the store refuses a deployment.
pub async fn prepare(store: &Store, url: &str, workflows: &Path, explicit: bool) -> anyhow::Result<Prepared> {
    let lock = SetupLock::acquire(url).await.context("cannot take the database's setup lock")?;
    store.migrate_up().await.with_context(|| format!("cannot migrate the database {}", redact(url)))?;
    store.fill_waiting_for().await.context("cannot fill in who older cases wait for")?;
    crate::deploy::deploy_folder(store, workflows, explicit).await?;
    Ok(Prepared { lock })
}
