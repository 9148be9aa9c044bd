//! `sportello backup FILE`: a consistent copy of the SQLite database, written while Sportello runs and
//! checked before it takes its name (`Store::back_up_to`). Restoring is copying it back with Sportello
//! stopped, then `sportello audit verify` (docs/operations.md, "Backups").

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, bail};
use sportello_store::redact;

use crate::database::DatabaseArgs;

/// Backs the database up to `target`, which must not exist. Exit 0 with what the copy holds.
pub async fn run(database: &DatabaseArgs, target: &Path) -> anyhow::Result<ExitCode> {
    if !database.database.starts_with("sqlite:") {
        bail!(
            "`sportello backup` copies a SQLite database; {} is not one: on PostgreSQL use pg_dump \
             (docs/operations.md, \"Backups\")",
            redact(&database.database)
        );
    }
    let store = database.open().await?;
    let report = store
        .back_up_to(target)
        .await
        .with_context(|| format!("no backup of {} was written", redact(&database.database)))?;
    println!(
        "backed up to {}: {} bytes, {} case(s), {} audit entries, {} migrations; integrity ok",
        target.display(),
        report.bytes,
        report.cases,
        report.audit_entries,
        report.migrations
    );
    Ok(ExitCode::SUCCESS)
}
