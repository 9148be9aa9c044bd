//! A SQLite database copied while Sportello runs (`sportello backup`): `VACUUM INTO` writes a
//! consistent snapshot (one read transaction: commands acknowledged before it are in, later ones are
//! not) to a file beside the target, which is synced, checked (`PRAGMA integrity_check`, the schema's
//! migrations, its cases and audit entries counted), and only then renamed into place; so a backup
//! interrupted halfway never leaves a file under the target's name. PostgreSQL has `pg_dump` for this.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use sea_orm::ConnectionTrait;
use sea_orm::sqlx::sqlite::SqliteConnectOptions;
use sea_orm::sqlx::{self, Connection};

use super::sql::statement;
use super::{Store, db};
use crate::types::Backend;
use sportello_runtime::error::{Error, StorageError};

/// What a backup holds, read from the copy itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupReport {
    /// The copy's size in bytes.
    pub bytes: u64,
    /// Cases in the copy.
    pub cases: u64,
    /// Audit entries in the copy.
    pub audit_entries: u64,
    /// Migrations the copy's schema has run.
    pub migrations: u64,
}

/// Why a backup was not written.
#[derive(Debug, thiserror::Error)]
enum BackupError {
    #[error("backups are written by `sportello backup` on SQLite only; on PostgreSQL use pg_dump")]
    NotSqlite,
    #[error("{0} already exists: a backup never overwrites a file")]
    Exists(String),
    #[error("the folder {0} does not exist")]
    NoFolder(String),
    #[error("the copy in {path} failed its integrity check: {problem}; it was removed")]
    Damaged { path: String, problem: String },
    #[error("cannot {what} {path}: {source}")]
    Io { what: &'static str, path: String, source: std::io::Error },
}

fn refused(error: BackupError) -> Error {
    Error::Storage(StorageError(Arc::new(error)))
}

fn io(what: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> Error {
    let path = path.display().to_string();
    move |source| refused(BackupError::Io { what, path, source })
}

impl Store {
    /// Writes a consistent copy of the SQLite database to `target`, which must not exist, while
    /// commands go on; returns what the copy holds.
    ///
    /// # Errors
    ///
    /// [`Error::Storage`]: the store is on PostgreSQL; `target` exists or its folder does not; the
    /// copy cannot be written, synced or renamed; or it fails its integrity check (it is removed).
    pub async fn back_up_to(&self, target: &Path) -> Result<BackupReport, Error> {
        if self.inner.backend != Backend::Sqlite {
            return Err(refused(BackupError::NotSqlite));
        }
        if target.exists() {
            return Err(refused(BackupError::Exists(target.display().to_string())));
        }
        let folder = match target.parent() {
            Some(folder) if !folder.as_os_str().is_empty() => folder.to_owned(),
            _ => PathBuf::from("."),
        };
        if !folder.is_dir() {
            return Err(refused(BackupError::NoFolder(folder.display().to_string())));
        }
        let mut partial = target.as_os_str().to_owned();
        partial.push(".partial");
        let partial = PathBuf::from(partial);
        // Left by a backup interrupted before its rename: never a finished backup.
        if partial.exists() {
            std::fs::remove_file(&partial).map_err(io("remove the unfinished", &partial))?;
        }
        let reader = &self.inner.reader;
        let into = partial.to_string_lossy().into_owned();
        reader.execute_raw(statement(reader, "VACUUM INTO ?", [into.into()])).await.map_err(db)?;
        let report = match check_copy(&partial).await {
            Ok(report) => report,
            Err(problem) => {
                let _ = std::fs::remove_file(&partial);
                let path = target.display().to_string();
                return Err(refused(BackupError::Damaged { path, problem }));
            }
        };
        std::fs::File::open(&partial).and_then(|file| file.sync_all()).map_err(io("sync", &partial))?;
        std::fs::rename(&partial, target).map_err(io("rename the copy to", target))?;
        // The rename itself is durable once the folder is synced.
        std::fs::File::open(&folder).and_then(|dir| dir.sync_all()).map_err(io("sync the folder", &folder))?;
        Ok(report)
    }
}

/// Opens the copy on its own, read-only and without touching it (`immutable`: no lock, no WAL
/// files), and checks it; the problem found, if any.
async fn check_copy(path: &Path) -> Result<BackupReport, String> {
    let options = SqliteConnectOptions::new().filename(path).read_only(true).immutable(true);
    let mut conn = sqlx::SqliteConnection::connect_with(&options).await.map_err(|e| e.to_string())?;
    let checked = async {
        let integrity: String = sqlx::query_scalar("PRAGMA integrity_check").fetch_one(&mut conn).await?;
        let counts: (i64, i64, i64) = sqlx::query_as(
            "SELECT (SELECT COUNT(*) FROM \"case\"), (SELECT COUNT(*) FROM audit_entry), \
             (SELECT COUNT(*) FROM seaql_migrations)",
        )
        .fetch_one(&mut conn)
        .await?;
        Ok::<_, sqlx::Error>((integrity, counts))
    }
    .await;
    let _ = conn.close().await;
    let (integrity, (cases, audit_entries, migrations)) = checked.map_err(|e| e.to_string())?;
    if integrity != "ok" {
        return Err(integrity);
    }
    let bytes = std::fs::metadata(path).map_err(|e| e.to_string())?.len();
    Ok(BackupReport { bytes, cases: cases as u64, audit_entries: audit_entries as u64, migrations: migrations as u64 })
}
