//! `sportello-bench`: runs the benchmark workload "school enrolment (v1)" on Sportello's store, on
//! Sportello's real HTTP API served in this process (`--engine http`: the same store behind the
//! server, every creation and step a request from a keep-alive client), or on the bare database with
//! no engine at all (`--engine limit`), so that their ratios are measured on one machine. It makes the
//! database fresh, runs the schedule, checks the result (untimed: a run that fails its checks exits 1
//! and prints no result), and prints one JSON object as the last line of standard output:
//!
//! ```text
//! sportello-bench --engine sportello|http|limit --backend sqlite|pg --sync full|normal --concurrency C \
//!                 --cases N --db FILE --pg postgres://USER@127.0.0.1:PORT/DB
//! ```
//!
//! Exit codes: 0 with a result, 1 when the run fails its checks, 2 for any other error (an answer of
//! the API other than 2xx among them).

mod db;
mod http;
mod limit;
mod report;
mod schedule;
mod sportello;
mod verify;
mod workload;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Parser, ValueEnum};
use serde_json::Value as Json;
use sportello_store::Synchronous;

use db::Target;
use report::Report;
use schedule::Engine;
use verify::CheckFailed;

/// Runs the school-enrolment benchmark on Sportello, its HTTP API or the bare database, and prints one
/// JSON line.
#[derive(Parser, Debug)]
#[command(name = "sportello-bench", version)]
struct Args {
    /// What runs the workload: Sportello's store, its HTTP API, or only the database work with no engine.
    #[arg(long, value_enum)]
    engine: EngineKind,
    /// The database.
    #[arg(long, value_enum, default_value_t = BackendKind::Sqlite)]
    backend: BackendKind,
    /// SQLite's `synchronous` in WAL mode (PostgreSQL runs with its own durable settings).
    #[arg(long, value_enum, default_value_t = SyncMode::Full)]
    sync: SyncMode,
    /// Workers (C); worker k owns the cases with (i - 1) % C == k.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=1024))]
    concurrency: u32,
    /// Cases (N); the run applies W(N) = 5N + 2·floor(N/10) transitions.
    #[arg(long, default_value_t = 2000, value_parser = clap::value_parser!(u64).range(1..=10_000_000))]
    cases: u64,
    /// The SQLite file (with --backend sqlite); it and its -wal and -shm are deleted first.
    #[arg(long, value_name = "FILE")]
    db: Option<PathBuf>,
    /// The PostgreSQL database (with --backend pg); the run uses its own schema, dropped and recreated.
    #[arg(long, value_name = "URL")]
    pg: Option<String>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum EngineKind {
    /// Sportello's store.
    Sportello,
    /// Sportello's HTTP API, served in this process over the same store.
    Http,
    /// The bare-SQL limit.
    Limit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum BackendKind {
    /// A SQLite file.
    Sqlite,
    /// PostgreSQL.
    Pg,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum SyncMode {
    /// Every commit is fsynced before it is acknowledged (durable: the headline).
    Full,
    /// Commits are fsynced at checkpoints (not durable against power loss).
    Normal,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let result = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the tokio runtime")
        .and_then(|runtime| runtime.block_on(run(&args)));
    match result {
        Ok(line) => {
            println!("{line}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("sportello-bench: error: {error:#}");
            ExitCode::from(if error.is::<CheckFailed>() { 1 } else { 2 })
        }
    }
}

async fn run(args: &Args) -> Result<Json> {
    let target = target(args)?;
    let payload_digest = workload::payload_digest(args.cases);
    let transitions = workload::transitions(args.cases);
    let (engine, engine_name) = match args.engine {
        EngineKind::Sportello => {
            let engine = sportello::Sportello::connect(&target, args.concurrency).await?;
            (Engine::Sportello(engine), "sportello")
        }
        EngineKind::Http => (Engine::Http(http::Http::connect(&target, args.concurrency, args.cases).await?), "http"),
        EngineKind::Limit => (Engine::Limit(limit::Limit::connect(&target, args.concurrency).await?), "limit"),
    };
    engine.db().warm_up(args.concurrency).await?;
    if let Engine::Http(http) = &engine {
        http.warm_up(args.concurrency).await?;
    }
    eprintln!(
        "sportello-bench: {engine_name} on {}: {} cases, {transitions} transitions, {} workers",
        backend_name(args.backend),
        args.cases,
        args.concurrency
    );

    let timings = schedule::run(&engine, args.cases, args.concurrency).await?;
    // Measured before the checks, which read every case and would raise the high-water mark.
    let peak_rss_mib = report::peak_rss_mib()?;
    let db = engine.db();
    let db_bytes = db.size_bytes(&target).await?;

    verify::check(&engine, args.cases).await?;
    eprintln!("sportello-bench: checked: {transitions} audit entries, every case closed, versions add up");

    let engine_version = match engine {
        Engine::Sportello(_) => format!("sportello {}", env!("CARGO_PKG_VERSION")),
        Engine::Http(_) => format!("sportello {} over HTTP/1.1 (axum, reqwest, in process)", env!("CARGO_PKG_VERSION")),
        Engine::Limit(_) => "limit (bare SQL through sqlx)".to_owned(),
    };
    let sync = match (&target, args.sync) {
        (Target::Postgres { .. }, _) => db.pg_sync_label().await?,
        (Target::Sqlite { .. }, SyncMode::Full) => "full",
        (Target::Sqlite { .. }, SyncMode::Normal) => "normal",
    };
    let report = Report {
        engine: engine_name,
        backend: backend_name(args.backend),
        sync,
        cases: args.cases,
        concurrency: args.concurrency,
        transitions,
        timings,
        peak_rss_mib,
        db_bytes,
        payload_digest,
        versions: format!("{engine_version}, {}", db.server_version().await?),
    };
    Ok(report.to_json())
}

/// Where the run writes, from the arguments; the flag of the other backend is ignored, so one command
/// line can carry both.
fn target(args: &Args) -> Result<Target> {
    Ok(match args.backend {
        BackendKind::Sqlite => Target::Sqlite {
            path: args.db.clone().context("--backend sqlite needs --db FILE")?,
            synchronous: match args.sync {
                SyncMode::Full => Synchronous::Full,
                SyncMode::Normal => Synchronous::Normal,
            },
        },
        BackendKind::Pg => {
            let url = args.pg.clone().context("--backend pg needs --pg postgres://USER@HOST:PORT/DB")?;
            anyhow::ensure!(
                url.starts_with("postgres://") || url.starts_with("postgresql://"),
                "--pg must be a postgres:// URL, not `{}`",
                db::redact(&url)
            );
            if matches!(args.sync, SyncMode::Normal) {
                eprintln!("sportello-bench: --sync applies to SQLite only; PostgreSQL runs with its own settings");
            }
            Target::Postgres { url }
        }
    })
}

fn backend_name(backend: BackendKind) -> &'static str {
    match backend {
        BackendKind::Sqlite => "sqlite",
        BackendKind::Pg => "pg",
    }
}
