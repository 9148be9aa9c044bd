//! `sportello-read-bench`: how fast Sportello answers the reads of a busy office, on a database that
//! `sportello demo` filled. It starts the real server in this process (dev sign-in, no timer worker),
//! signs in as a clerk of each office and as applicants found in the data, and times, over HTTP, the
//! worklist, searches with every kind of filter (following `next` cursors for a few pages), a
//! citizen's own cases, one case and its timeline; with `--pages`, the pages instead (signed in with
//! session cookies): the worklist, the clerk's and the citizen's case pages, a citizen's applications
//! and a workflow with its diagram. It changes nothing in the database.
//!
//! ```text
//! sportello-read-bench --database URL [--requests 2000] [--concurrency 8] [--seed 1] [--explain] [--pages]
//! ```
//!
//! It prints one JSON line: per request kind, count, p50, p95, p99 and max in milliseconds, with the
//! number of cases in the database. `--explain` prints instead the plan and time of each statement
//! behind the lists, straight on the database. Exit codes: 0 with a result, 2 for any error (an empty database,
//! an answer other than 200).

mod explain;
mod measure;
mod requests;
mod sample;
mod server;

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::Parser;
use serde_json::{Value as Json, json};
use sportello_api::database::{DatabaseArgs, SyncMode};
use sportello_api::demo::rng::Rng;

use measure::Client;
use server::Server;

/// Times the API's reads on a database filled by `sportello demo`, and prints one JSON line.
#[derive(Parser, Debug)]
#[command(name = "sportello-read-bench", version)]
struct Args {
    /// The database: `sqlite://FILE` or `postgres://…`.
    #[arg(long, env = "DATABASE_URL")]
    database: String,
    /// Requests to time (searches that follow `next` cursors add a request per later page).
    #[arg(long, default_value_t = 2000, value_parser = clap::value_parser!(u32).range(1..=10_000_000))]
    requests: u32,
    /// Requests in flight at once.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=1024))]
    concurrency: u16,
    /// Requests made first and not timed (they fill the database's and the server's caches).
    #[arg(long, default_value_t = 200)]
    warmup: u32,
    /// The seed of the sample and of the mix.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Print the plan and time of each list statement instead of timing requests.
    #[arg(long)]
    explain: bool,
    /// Time the pages (worklist, case pages, a citizen's applications, a workflow) instead of the API.
    #[arg(long)]
    pages: bool,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let result = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
        .and_then(|runtime| runtime.block_on(run(&args)));
    match result {
        Ok(line) => {
            if let Some(line) = line {
                println!("{line}");
            }
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("sportello-read-bench: error: {error:#}");
            ExitCode::from(2)
        }
    }
}

async fn run(args: &Args) -> anyhow::Result<Option<Json>> {
    let database = DatabaseArgs { database: args.database.clone(), sqlite_synchronous: SyncMode::Full };
    let store = database.open().await?;
    let mut rng = Rng::new(args.seed, 0);
    let sample = sample::draw(&store, 400, &mut rng).await?;
    eprintln!(
        "sportello-read-bench: {} cases, {} offices, {} sampled cases of {} applicants; {} requests, {} at a time",
        sample.cases,
        sample.offices.len(),
        sample.drawn.len(),
        sample.applicants.len(),
        args.requests,
        args.concurrency
    );
    if args.explain {
        explain::run(&store, &sample).await?;
        return Ok(None);
    }
    let client = Arc::new(Client::new(Server::start(store).await?)?);
    let concurrency = usize::from(args.concurrency);
    let draw = if args.pages { requests::draw_page } else { requests::draw };
    let warmup = (0..args.warmup).map(|_| draw(&sample, &mut rng)).collect();
    measure::run(client.clone(), warmup, concurrency).await.context("warming up")?;
    let tasks = (0..args.requests).map(|_| draw(&sample, &mut rng)).collect();
    let started = std::time::Instant::now();
    let timings = measure::run(client, tasks, concurrency).await?;
    let seconds = started.elapsed().as_secs_f64();
    Ok(Some(json!({
        "cases": sample.cases,
        "backend": if args.database.starts_with("sqlite:") { "sqlite" } else { "pg" },
        "requests": timings.len(),
        "concurrency": args.concurrency,
        "read": if args.pages { "pages" } else { "api" },
        "seconds": (seconds * 1000.0).round() / 1000.0,
        "kinds": measure::summary(&timings),
    })))
}
