//! `sportello migrate up|status`: bring the schema (and, on SQLite, the planner's statistics) up to
//! date, or list each migration and whether it has run.

use std::process::ExitCode;

use anyhow::Context;
use clap::Subcommand;
use sportello_store::SetupLock;

use crate::database::DatabaseArgs;

/// What to do with the schema.
#[derive(Subcommand, Debug, Clone, Copy)]
pub enum MigrateCommand {
    /// Run every pending migration.
    Up,
    /// List the migrations and whether each has run.
    Status,
}

/// Runs `command` on the database.
pub async fn run(database: &DatabaseArgs, command: MigrateCommand) -> anyhow::Result<ExitCode> {
    let store = database.connect().await?;
    match command {
        MigrateCommand::Up => {
            let setup =
                SetupLock::acquire(&database.database).await.context("cannot take the database's setup lock")?;
            let applied = store.migrate_up().await.context("a migration failed; the ones before it are applied")?;
            // Cases written before the worklist columns existed learn who they wait for from their
            // workflow, which SQL cannot read.
            store.fill_waiting_for().await.context("cannot fill in who older cases wait for")?;
            store.optimize().await.context("cannot update the planner's statistics")?;
            setup.release().await.context("cannot release the database's setup lock")?;
            println!("applied {applied} migration(s); the schema is up to date");
        }
        MigrateCommand::Status => {
            let migrations = store.migrations().await.context("cannot read the schema version")?;
            let pending = migrations.iter().filter(|m| !m.applied).count();
            for migration in &migrations {
                let status = if migration.applied { "applied" } else { "pending" };
                println!("{:<8} {}", status, migration.name);
            }
            println!("{} migration(s), {} pending", migrations.len(), pending);
        }
    }
    Ok(ExitCode::SUCCESS)
}
