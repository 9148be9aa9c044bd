//! The database options every data command takes (`--database URL`, also `DATABASE_URL`; SQLite's
//! durability), and opening the store on them, checked to be migrated.

use std::sync::Arc;

use anyhow::{Context, bail};
use clap::{Args, ValueEnum};
use sportello_runtime::clock::SystemClock;
use sportello_store::{Store, StoreOptions, Synchronous, redact};

/// Where the data lives.
#[derive(Args, Debug, Clone)]
pub struct DatabaseArgs {
    /// Database URL: `sqlite://FILE` (created if missing) or `postgres://USER@HOST:PORT/DB`.
    #[arg(long, env = "DATABASE_URL", default_value = "sqlite://sportello.db", global = true)]
    pub database: String,
    /// SQLite only: `full` fsyncs every commit before acknowledging it (durable against power loss);
    /// `normal` is faster and survives a crash of the process, not of the machine.
    #[arg(long, env = "SPORTELLO_SQLITE_SYNCHRONOUS", value_enum, default_value_t = SyncMode::Full, global = true)]
    pub sqlite_synchronous: SyncMode,
}

/// SQLite's `synchronous` setting.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum SyncMode {
    /// Durable: every commit is on disk before it is acknowledged.
    Full,
    /// Faster; not durable against power loss.
    Normal,
}

impl DatabaseArgs {
    /// Connects, without checking the schema.
    pub async fn connect(&self) -> anyhow::Result<Store> {
        let mut options = StoreOptions::new(&self.database);
        options.synchronous = match self.sqlite_synchronous {
            SyncMode::Full => Synchronous::Full,
            SyncMode::Normal => Synchronous::Normal,
        };
        Store::connect(&options, Arc::new(SystemClock))
            .await
            .with_context(|| format!("cannot open the database {}", redact(&self.database)))
    }

    /// Connects and checks that every migration has run.
    pub async fn open(&self) -> anyhow::Result<Store> {
        let store = self.connect().await?;
        let pending = store
            .pending_migrations()
            .await
            .with_context(|| format!("cannot read the schema version of {}", redact(&self.database)))?;
        if pending > 0 {
            bail!(
                "the database {} has {pending} pending migration(s): run `sportello migrate up` first",
                redact(&self.database)
            );
        }
        Ok(store)
    }
}
