//! The database a run writes to: where it is ([`Target`]), making it fresh (deleting a SQLite file and
//! its `-wal` and `-shm`; dropping and recreating a dedicated PostgreSQL schema, never touching the rest
//! of a shared database), and the few raw queries both engines' checks and reports need ([`Db`]), over
//! the sqlx pools that sea-orm re-exports.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use sea_orm::sqlx::{self, AssertSqlSafe, Connection, PgConnection, PgPool, SqlitePool};
use sportello_store::Synchronous;

/// Where a run's data goes.
#[derive(Debug, Clone)]
pub enum Target {
    /// A SQLite file, in WAL mode with this `synchronous`.
    Sqlite {
        /// The database file.
        path: PathBuf,
        /// `FULL` (durable) or `NORMAL`.
        synchronous: Synchronous,
    },
    /// A PostgreSQL database, with its durable defaults.
    Postgres {
        /// `postgres://USER@HOST:PORT/DB`, as given.
        url: String,
    },
}

/// A pool on either backend; [`on_pool!`] runs the same sqlx code on whichever it is.
#[derive(Debug, Clone)]
pub enum Db {
    /// SQLite.
    Sqlite(SqlitePool),
    /// PostgreSQL.
    Postgres(PgPool),
}

/// Runs `$body` with `$pool` bound to the pool, whichever backend it is (sqlx's query functions are
/// generic over the database, so one body type-checks for both).
macro_rules! on_pool {
    ($db:expr, $pool:ident => $body:expr) => {
        match $db {
            $crate::db::Db::Sqlite($pool) => $body,
            $crate::db::Db::Postgres($pool) => $body,
        }
    };
}
pub(crate) use on_pool;

impl Db {
    /// Opens up to `connections` connections of the pool now (no more than it may hold), so that the
    /// run does not pay for connecting.
    pub async fn warm_up(&self, connections: u32) -> Result<()> {
        let opened: Result<()> = on_pool!(self, pool => async {
            let wanted = connections.min(pool.options().get_max_connections());
            let mut held = Vec::new();
            for _ in 0..wanted {
                held.push(pool.acquire().await?);
            }
            Ok(())
        }
        .await);
        opened.context("opening the pool's connections")
    }

    /// The one integer `sql` returns; `sql` is built by this program from constants, never from input.
    pub async fn scalar(&self, sql: &str) -> Result<i64> {
        on_pool!(self, pool => sqlx::query_scalar::<_, i64>(AssertSqlSafe(sql)).fetch_one(pool).await)
            .with_context(|| format!("running `{sql}`"))
    }

    /// The database's name and version: `sqlite 3.46.1`, `PostgreSQL 15.20 (Debian …)`.
    pub async fn server_version(&self) -> Result<String> {
        let version = match self {
            Db::Sqlite(pool) => {
                let v: String = sqlx::query_scalar("SELECT sqlite_version()").fetch_one(pool).await?;
                format!("sqlite {v}")
            }
            Db::Postgres(pool) => {
                let v: String = sqlx::query_scalar("SHOW server_version").fetch_one(pool).await?;
                let fsync: String = sqlx::query_scalar("SHOW fsync").fetch_one(pool).await?;
                let commit: String = sqlx::query_scalar("SHOW synchronous_commit").fetch_one(pool).await?;
                format!("PostgreSQL {v}, fsync={fsync}, synchronous_commit={commit}")
            }
        };
        Ok(version)
    }

    /// PostgreSQL's durability as the result line says it: `on` when every commit is flushed before it
    /// is acknowledged (`fsync` on, `synchronous_commit` not `off`), otherwise `off`.
    pub async fn pg_sync_label(&self) -> Result<&'static str> {
        let Db::Postgres(pool) = self else { anyhow::bail!("not a PostgreSQL database") };
        let fsync: String = sqlx::query_scalar("SHOW fsync").fetch_one(pool).await?;
        let commit: String = sqlx::query_scalar("SHOW synchronous_commit").fetch_one(pool).await?;
        Ok(if fsync == "on" && commit != "off" { "on" } else { "off" })
    }

    /// The bytes the run's data takes: the SQLite file plus its write-ahead log, or every table, index
    /// and TOAST relation of the run's own PostgreSQL schema (the database may hold other data).
    pub async fn size_bytes(&self, target: &Target) -> Result<u64> {
        match (self, target) {
            (_, Target::Sqlite { path, .. }) => {
                let file =
                    std::fs::metadata(path).with_context(|| format!("reading the size of {}", path.display()))?;
                let wal = std::fs::metadata(sibling(path, "-wal")).map(|m| m.len()).unwrap_or(0);
                Ok(file.len() + wal)
            }
            (Db::Postgres(pool), Target::Postgres { .. }) => {
                let sql = "SELECT CAST(COALESCE(SUM(pg_total_relation_size(c.oid)), 0) AS BIGINT) \
                           FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
                           WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'm')";
                let bytes: i64 = sqlx::query_scalar(sql).fetch_one(pool).await.context("measuring the schema")?;
                Ok(bytes.max(0) as u64)
            }
            (Db::Sqlite(_), Target::Postgres { .. }) => anyhow::bail!("a SQLite pool for a PostgreSQL target"),
        }
    }
}

/// Deletes a SQLite database file and its `-wal` and `-shm`, if they exist.
pub fn remove_sqlite_files(path: &Path) -> Result<()> {
    for file in [path.to_path_buf(), sibling(path, "-wal"), sibling(path, "-shm")] {
        match std::fs::remove_file(&file) {
            Err(error) if error.kind() != std::io::ErrorKind::NotFound => {
                return Err(error).with_context(|| format!("deleting {} for a fresh run", file.display()));
            }
            _ => {}
        }
    }
    Ok(())
}

/// `sqlite://FILE`, with the characters sqlx would read as URL syntax (`%`, `?`, `#`) escaped.
pub fn sqlite_url(path: &Path) -> Result<String> {
    let text = path.to_str().with_context(|| format!("the database path {} is not UTF-8", path.display()))?;
    Ok(format!("sqlite://{}", text.replace('%', "%25").replace('?', "%3F").replace('#', "%23")))
}

/// Drops and recreates `schema` in the database at `url`, and returns the URL that puts it first on
/// the search path, so unqualified table names land there.
pub async fn fresh_pg_schema(url: &str, schema: &str) -> Result<String> {
    let mut admin = PgConnection::connect(url).await.with_context(|| format!("connecting to {}", redact(url)))?;
    // `schema` is one of the engines' constants, never user input.
    sqlx::raw_sql(AssertSqlSafe(format!("DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}")))
        .execute(&mut admin)
        .await
        .with_context(|| format!("recreating the schema {schema}"))?;
    admin.close().await?;
    let separator = if url.contains('?') { '&' } else { '?' };
    Ok(format!("{url}{separator}options[search_path]={schema}"))
}

pub use sportello_store::redact;

fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = OsString::from(path.as_os_str());
    name.push(suffix);
    PathBuf::from(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_urls_escape_what_sqlx_would_read_as_url_syntax() {
        assert_eq!(sqlite_url(Path::new("/tmp/bench.db")).ok().as_deref(), Some("sqlite:///tmp/bench.db"));
        assert_eq!(sqlite_url(Path::new("a?b#c%d.db")).ok().as_deref(), Some("sqlite://a%3Fb%23c%25d.db"));
        assert_eq!(sibling(Path::new("/tmp/bench.db"), "-wal"), Path::new("/tmp/bench.db-wal"));
    }
}
