//! Planner statistics. A database chooses an index by what it knows of the data: SQLite knows nothing
//! until `ANALYZE` has run, and PostgreSQL only what autovacuum last sampled. Without them, a staff
//! search by applicant read an office's cases in due order instead of the applicant's few (at 100,000
//! cases: 6 ms instead of 0.2 ms on SQLite; 64 ms at p50 on PostgreSQL right after `sportello demo`,
//! before autovacuum had caught up). On SQLite, `PRAGMA optimize` analyses, within a bounded number
//! of rows per index, only the tables never analysed or grown or shrunk 25-fold since, so it is cheap
//! to run at start and every few hours, as SQLite advises. On PostgreSQL, `ANALYZE` samples the case
//! and timer tables (a fixed sample, a fraction of a second at any size).

use sea_orm::ConnectionTrait;

use super::{Store, db};
use crate::types::Backend;
use sportello_runtime::error::Error;

/// Rows read per index when analysing (SQLite's advice for `PRAGMA optimize`).
const ANALYSIS_LIMIT: u32 = 1000;

impl Store {
    /// Brings the planner's statistics up to date (on SQLite, where the data has changed a lot).
    pub async fn optimize(&self) -> Result<(), Error> {
        let admin = &self.inner.admin;
        if self.backend() == Backend::Postgres {
            admin.execute_unprepared("ANALYZE \"case\", \"timer\"").await.map_err(db)?;
            return Ok(());
        }
        admin.execute_unprepared(&format!("PRAGMA analysis_limit = {ANALYSIS_LIMIT}")).await.map_err(db)?;
        admin.execute_unprepared("PRAGMA optimize = 0x10002").await.map_err(db)?;
        Ok(())
    }
}
