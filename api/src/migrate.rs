//! `sportello migrate up|status`: bring the schema (and, on SQLite, the planner's statistics) up to
//! date, or list each migration and whether it has run.

use std::process::ExitCode;

use anyhow::Context;
use clap::Subcommand;
use sportello_migrations::{Migrator, MigratorTrait};

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
    let db = store.connection();
    match command {
        MigrateCommand::Up => {
            let setup =
                SetupLock::acquire(&database.database).await.context("cannot take the database's setup lock")?;
            let pending = Migrator::get_pending_migrations(db).await.context("cannot read the schema version")?;
            Migrator::up(db, None).await.context("a migration failed; the ones before it are applied")?;
            // Cases written before the worklist columns existed learn who they wait for from their
            // workflow, which SQL cannot read.
            store.fill_waiting_for().await.context("cannot fill in who older cases wait for")?;
            store.optimize().await.context("cannot update the planner's statistics")?;
            setup.release().await.context("cannot release the database's setup lock")?;
            println!("applied {} migration(s); the schema is up to date", pending.len());
        }
        MigrateCommand::Status => {
            let migrations = Migrator::get_migration_with_status(db).await.context("cannot read the schema version")?;
            let mut pending = 0;
            for migration in &migrations {
                let status = migration.status().to_string().to_lowercase();
                if status != "applied" {
                    pending += 1;
                }
                println!("{:<8} {}", status, migration.name());
            }
            println!("{} migration(s), {} pending", migrations.len(), pending);
        }
    }
    Ok(ExitCode::SUCCESS)
}
