//! `sportello-documents-bench`: what the case file costs, measured through the real server in this
//! process (SQLite in a temporary folder, the local document store beside it), in one run:
//!
//! - **big**: one upload of `--big-mb` MB (200 by default), streamed by the client as it is made; the
//!   peak resident memory of the process while it streams, against the resident memory before it;
//! - **many**: `--concurrent` (200) uploads of 1 MB at once, against writing the same bytes to files in
//!   the same folder, each synced before the next as `dd oflag=sync` does; in alternating pairs, with
//!   the median ratio;
//! - **attach**: the latency of a transition that attaches three documents (already uploaded) against
//!   one that attaches none, p50 and p99 of `--transitions` each.
//!
//! Run it with `cargo run --release -p sportello-bench --bin sportello-documents-bench`.

mod files;
mod measure;
mod server;

use std::process::ExitCode;

use anyhow::Context;
use clap::Parser;

/// What to run.
#[derive(Debug, Parser)]
#[command(about = "Measures uploads, their memory and a transition that attaches documents")]
struct Args {
    /// Size of the big upload, in MB.
    #[arg(long, default_value_t = 200)]
    big_mb: u64,
    /// Uploads of 1 MB sent at once.
    #[arg(long, default_value_t = 200)]
    concurrent: usize,
    /// Alternating pairs (synced writes, uploads) of the concurrent uploads.
    #[arg(long, default_value_t = 3)]
    pairs: usize,
    /// Transitions timed with three documents, and as many with none.
    #[arg(long, default_value_t = 300)]
    transitions: usize,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("sportello-documents-bench: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(&args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("sportello-documents-bench: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: &Args) -> anyhow::Result<()> {
    let dir = tempfile::tempdir().context("a temporary folder")?;
    let server = server::Server::start(dir.path()).await?;
    println!("server on {}, documents in {}", server.base, server.documents.display());

    let big = measure::big_upload(&server, args.big_mb).await?;
    println!(
        "big: {} MB streamed in {:.1} s; resident memory {:.1} MiB before, peak {:.1} MiB while streaming: +{:.1} MiB",
        args.big_mb,
        big.seconds,
        big.before_mib,
        big.peak_mib,
        big.peak_mib - big.before_mib
    );

    let many = measure::concurrent_uploads(&server, args.concurrent, args.pairs).await?;
    for (i, (synced, uploads)) in many.pairs.iter().enumerate() {
        println!(
            "many, pair {}: synced writes {:.1} MB/s, {} concurrent uploads {:.1} MB/s: {:.2}",
            i + 1,
            synced,
            args.concurrent,
            uploads,
            uploads / synced
        );
    }
    println!("many: median ratio uploads / synced writes = {:.2}", many.median_ratio);

    let attach = measure::transitions(&server, args.transitions).await?;
    println!(
        "attach: none p50 {:.2} ms p99 {:.2} ms; three documents p50 {:.2} ms p99 {:.2} ms; p99 ratio {:.2}",
        attach.none.0,
        attach.none.1,
        attach.three.0,
        attach.three.1,
        attach.three.1 / attach.none.1
    );
    Ok(())
}
