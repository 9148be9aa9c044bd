//! Keeps the database planner's statistics current while `sportello serve` runs: at start and then
//! every few hours, [`Store::optimize`] (SQLite's `PRAGMA optimize`, which re-analyses only tables that
//! grew or shrank a lot; on PostgreSQL, `ANALYZE` of the case and timer tables). A failure is logged
//! and tried again next time.

use std::time::Duration;

use sportello_store::Store;
use tokio::sync::watch;

/// How often: SQLite advises every few hours for a long-lived process.
pub const EVERY: Duration = Duration::from_secs(3 * 60 * 60);

/// Runs until `stop` turns true.
pub async fn run(store: Store, mut stop: watch::Receiver<bool>) {
    loop {
        if let Err(error) = store.optimize().await {
            tracing::warn!(error.message = %error, "could not update the planner's statistics");
        }
        tokio::select! {
            _ = stop.changed() => return,
            () = tokio::time::sleep(EVERY) => {}
        }
    }
}
