//! Planner statistics. SQLite chooses an index by what it knows of the data, and knows nothing until
//! `ANALYZE` has run: without statistics, a staff search by applicant read an office's cases in due
//! order instead of the applicant's few (6 ms instead of 0.2 ms at 100,000 cases). `PRAGMA optimize`
//! analyses, within a bounded number of rows per index, only the tables never analysed or grown or
//! shrunk 25-fold since, so it is cheap to run at start and every few hours, as SQLite advises.
//! PostgreSQL keeps its own statistics (autovacuum), so there it does nothing.

use sea_orm::ConnectionTrait;

use super::{Store, db};
use crate::error::Error;
use crate::store::types::Backend;

/// Rows read per index when analysing (SQLite's advice for `PRAGMA optimize`).
const ANALYSIS_LIMIT: u32 = 1000;

impl Store {
    /// Brings the planner's statistics up to date where the data has changed a lot (SQLite).
    pub async fn optimize(&self) -> Result<(), Error> {
        if self.backend() != Backend::Sqlite {
            return Ok(());
        }
        let admin = &self.inner.admin;
        admin.execute_unprepared(&format!("PRAGMA analysis_limit = {ANALYSIS_LIMIT}")).await.map_err(db)?;
        admin.execute_unprepared("PRAGMA optimize = 0x10002").await.map_err(db)?;
        Ok(())
    }
}
