//! What the command-line tests share: running a binary of this package in a folder, with no database
//! setting from the environment, and its output as one text; and `sportello migrate up`, `deploy` and
//! `demo` on a test's database, run through sportello-api's library, since the `sportello` binary is
//! sportello-api's and Cargo builds it only for that package's tests.

use std::path::Path;
use std::process::ExitCode;

use clap::Parser;
use sportello_api::database::{DatabaseArgs, SyncMode};
use sportello_api::demo::DemoArgs;
use sportello_api::migrate::MigrateCommand;

pub use sportello_testkit::cli::{run, text};

/// The URL of `sportello.db` in `dir`.
pub fn database_url(dir: &Path) -> String {
    format!("sqlite://{}", dir.join("sportello.db").display())
}

/// `sportello migrate up` on `sportello.db` in `dir`.
pub fn migrate(dir: &Path) {
    let database = database(dir);
    block_on(sportello_api::migrate::run(&database, MigrateCommand::Up));
}

/// `sportello deploy workflows/`, then `sportello demo ARGS…` (e.g. `--cases 200`), on the migrated
/// `sportello.db` in `dir`.
pub fn demo(dir: &Path, args: &[&str]) {
    #[derive(Parser)]
    struct Demo {
        #[command(flatten)]
        args: DemoArgs,
    }
    let demo = Demo::parse_from(["demo"].iter().chain(args)).args;
    let database = database(dir);
    let workflows = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../workflows");
    block_on(sportello_api::deploy::run(&database, &[workflows]));
    block_on(sportello_api::demo::run(&database, &demo));
}

fn database(dir: &Path) -> DatabaseArgs {
    DatabaseArgs { database: database_url(dir), sqlite_synchronous: SyncMode::Full }
}

/// Runs a command to its end; panics unless it exits 0.
fn block_on(command: impl Future<Output = anyhow::Result<ExitCode>>) {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    assert_eq!(runtime.block_on(command).unwrap(), ExitCode::SUCCESS);
}
