//! The document store the server keeps uploads in, opened from `[documents]`: a local folder (the
//! default, beside the SQLite database) or an S3-compatible bucket. The port and both stores live in
//! their own crates (`sportello-documents`, `sportello-s3-documents`); this module only chooses.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use sportello_documents::store::{DocumentStore, DocumentsSettings, LocalFolder, StoreKind};
use sportello_s3_documents::S3Documents;

/// The store `settings` name.
///
/// # Errors
///
/// A local store with no folder (a PostgreSQL database and no `documents.folder`), or a folder or
/// bucket settings the store cannot use.
pub fn open(settings: &DocumentsSettings) -> anyhow::Result<Arc<dyn DocumentStore>> {
    let folder = settings.folder.clone();
    Ok(match settings.store {
        StoreKind::Local => {
            let folder = folder.context(
                "set documents.folder (SPORTELLO_DOCUMENTS__FOLDER): with PostgreSQL there is no database file \
                 to keep the documents beside",
            )?;
            let store = LocalFolder::new(folder.clone(), settings.reserve_bytes())
                .with_context(|| format!("cannot use {} as the documents folder", folder.display()))?;
            Arc::new(store)
        }
        StoreKind::S3 => {
            let s3 = settings.s3.as_ref().context("store = \"s3\" needs a [documents.s3] table")?;
            let spools = folder.unwrap_or_else(|| std::env::temp_dir().join("sportello-spools")).join("tmp");
            Arc::new(S3Documents::new(s3, &spools, settings.reserve_bytes()).context("cannot use [documents.s3]")?)
        }
    })
}

/// The store the settings (`config`, or the `SPORTELLO_*` variables alone) name for the database
/// `url`: with no folder set, the local folder beside its SQLite file. For the commands that are not
/// the server (`demo`, `audit verify --documents`).
///
/// # Errors
///
/// As [`open`], and settings that cannot be read.
pub fn open_beside(url: &str, config: Option<&Path>) -> anyhow::Result<Arc<dyn DocumentStore>> {
    let mut settings = crate::config::Settings::load(config, std::env::vars())?.documents;
    if settings.folder.is_none() {
        settings.folder = settings.local_folder(sqlite_file(url).as_deref());
    }
    open(&settings)
}

/// The file of a SQLite database URL (`sqlite://sportello.db?mode=rwc` → `sportello.db`), `None` for
/// another database or one in memory.
pub fn sqlite_file(url: &str) -> Option<PathBuf> {
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or_default();
    (!path.is_empty() && !path.contains(":memory:")).then(|| Path::new(path).to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::sqlite_file;

    #[test]
    fn the_database_file_is_read_from_the_url() {
        assert_eq!(sqlite_file("sqlite://data/sportello.db?mode=rwc").unwrap().to_str(), Some("data/sportello.db"));
        assert_eq!(sqlite_file("sqlite:sportello.db").unwrap().to_str(), Some("sportello.db"));
        assert_eq!(sqlite_file("sqlite::memory:"), None);
        assert_eq!(sqlite_file("postgres://localhost/x"), None);
    }
}
