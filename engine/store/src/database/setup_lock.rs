//! One process at a time sets the database up. Several `sportello serve` processes started together
//! on one PostgreSQL database would otherwise run the same migrations and deploy the same workflow
//! version at the same moment, and all but one would fail on a duplicate. [`SetupLock`] is a
//! PostgreSQL session advisory lock on a connection of its own, held while the caller migrates and
//! deploys and released when it is done (or when the process dies: the session ends with it). The
//! others wait for it, then find the work done. SQLite needs none: its writer lock already serialises
//! the steps, and one file is served by one process.

use sea_orm::sqlx::postgres::PgConnection;
use sea_orm::sqlx::{self, Connection};

use super::storage;
use sportello_runtime::error::Error;

/// The advisory lock's key: "sportello setup" as a number, the same in every process.
const KEY: i64 = 0x5350_4f52_5445_4c4c;

/// KeptConnection while one process sets the database up; [`SetupLock::release`] lets the next one in.
#[derive(Debug)]
pub struct SetupLock {
    connection: Option<PgConnection>,
}

impl SetupLock {
    /// Waits until no other process holds the lock on the database at `url`, then takes it; on SQLite,
    /// returns at once.
    pub async fn acquire(url: &str) -> Result<SetupLock, Error> {
        if !(url.starts_with("postgres:") || url.starts_with("postgresql:")) {
            return Ok(SetupLock { connection: None });
        }
        let mut connection = PgConnection::connect(url).await.map_err(storage)?;
        sqlx::query("SELECT pg_advisory_lock($1)").bind(KEY).execute(&mut connection).await.map_err(storage)?;
        Ok(SetupLock { connection: Some(connection) })
    }

    /// Lets the next process in.
    pub async fn release(self) -> Result<(), Error> {
        if let Some(mut connection) = self.connection {
            sqlx::query("SELECT pg_advisory_unlock($1)").bind(KEY).execute(&mut connection).await.map_err(storage)?;
            connection.close().await.map_err(storage)?;
        }
        Ok(())
    }
}
