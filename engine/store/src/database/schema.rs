//! The schema, through the store: running the migrations (`sportello migrate`, `serve`, tests of a
//! migration) and reading which have run (`migrate status`, the data commands' check, `/readyz`), so
//! that no caller outside the store needs a database connection of its own.

use sportello_migrations::{Migrator, MigratorTrait};

use super::{Store, db};
use sportello_runtime::error::Error;

/// One migration and whether it has run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Migration {
    /// Its name, `mYYYYMMDD_NNNNNN_<verb>_<noun>`.
    pub name: String,
    /// Whether it has been applied to this database.
    pub applied: bool,
}

impl Store {
    /// Runs every pending migration, in order, on the schema connection; returns how many ran. A
    /// migration that fails leaves the ones before it applied.
    ///
    /// # Errors
    ///
    /// [`Error::Storage`]: the schema version cannot be read, or a migration failed.
    pub async fn migrate_up(&self) -> Result<usize, Error> {
        self.migrate_up_to(None).await
    }

    /// Like [`Store::migrate_up`], but runs at most `count` pending migrations when given: for tests
    /// of a migration on rows written before it.
    ///
    /// # Errors
    ///
    /// [`Error::Storage`]: the schema version cannot be read, or a migration failed.
    pub async fn migrate_up_to(&self, count: Option<u32>) -> Result<usize, Error> {
        let pending = Migrator::get_pending_migrations(&self.inner.admin).await.map_err(db)?.len();
        Migrator::up(&self.inner.admin, count).await.map_err(db)?;
        Ok(count.map_or(pending, |count| pending.min(count as usize)))
    }

    /// Every migration Sportello knows, in order, and whether it has run here.
    ///
    /// # Errors
    ///
    /// [`Error::Storage`]: the schema version cannot be read.
    pub async fn migrations(&self) -> Result<Vec<Migration>, Error> {
        let migrations = Migrator::get_migration_with_status(&self.inner.admin).await.map_err(db)?;
        Ok(migrations
            .iter()
            .map(|m| Migration {
                name: m.name().to_owned(),
                applied: m.status().to_string().eq_ignore_ascii_case("applied"),
            })
            .collect())
    }

    /// How many migrations have not run: 0 when the schema is current.
    ///
    /// # Errors
    ///
    /// [`Error::Storage`]: the schema version cannot be read.
    pub async fn pending_migrations(&self) -> Result<usize, Error> {
        Ok(Migrator::get_pending_migrations(&self.inner.admin).await.map_err(db)?.len())
    }
}
