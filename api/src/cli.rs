//! Command-line interface: `sportello validate | graph | schema | test` for workflow files, and
//! `serve | dev-token | migrate | deploy | audit | worker` for the database (`--database URL`, default
//! `sqlite://sportello.db`, also read from `DATABASE_URL`).
//!
//! Exit codes: 0 when everything is valid, 1 when a workflow file is invalid or an audit chain is
//! broken, 2 for any other error (a missing file, bad arguments, an unreachable database). Errors
//! print with their causes (`{:#}`); anyhow lives only at this edge.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};
use sportello_definition::{diagram, json_schema};

use crate::database::DatabaseArgs;
use crate::migrate::MigrateCommand;
use crate::report::{self, FileReport};
use crate::workflow_files;
use crate::{audit, backup, deploy, migrate, worker};

/// Sportello: case management for the online services of Italian municipalities.
#[derive(Parser, Debug)]
#[command(name = "sportello", version, about)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
    #[command(flatten)]
    database: DatabaseArgs,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Check workflow files (or folders of them) and report every problem with its place.
    Validate {
        /// Workflow files or folders (searched for `*.yaml`, scenario files `*.test.yaml` excluded).
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
        format: OutputFormat,
    },
    /// Draw a workflow as a state diagram.
    Graph {
        /// The workflow file.
        file: PathBuf,
        /// Diagram language.
        #[arg(long, value_enum, default_value_t = GraphFormat::Mermaid)]
        format: GraphFormat,
    },
    /// Print the JSON Schema of the workflow format (as committed in docs/workflow.schema.json).
    Schema,
    /// Run the scenario tests (`*.test.yaml`) beside workflows, and report transition coverage.
    Test {
        /// Scenario files or folders (default: `workflows/`).
        paths: Vec<PathBuf>,
    },
    /// Bring the database schema up to date, or show which migrations have run.
    Migrate {
        #[command(subcommand)]
        command: MigrateCommand,
    },
    /// Validate workflow files and deploy each changed one as its next version.
    Deploy {
        /// Workflow files or folders.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
    /// Check the audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Copy the SQLite database to FILE while Sportello runs, and check the copy.
    Backup {
        /// Where the copy goes; it must not exist.
        file: PathBuf,
    },
    /// Run Sportello: the HTTP API, with the timer worker in the same process.
    Serve(crate::serve::ServeArgs),
    /// Print a sign-in token for dev mode (`sportello serve --dev`).
    DevToken(crate::dev_token::DevTokenArgs),
    /// Fill the database with realistic cases of the shipped workflows, opened over the past year.
    Demo(crate::demo::DemoArgs),
    /// Fire due timers (deadlines, legal-clock expiries) and deliver the outbox until stopped.
    Worker {
        /// Seconds to wait when no timer is due.
        #[arg(long, default_value_t = 1.0)]
        poll_interval: f64,
        /// Settings file (TOML): its `[hooks]` and `[outbox]` say where effects go.
        #[arg(long, env = "SPORTELLO_CONFIG")]
        config: Option<PathBuf>,
    },
}

#[derive(Subcommand, Debug)]
enum AuditCommand {
    /// Verify the hash chains and the case rows' seals; with a checkpoint, also what was deleted or
    /// rewritten since it was taken.
    Verify {
        /// Only this case (its code, like BP-2026-000123).
        #[arg(long, conflicts_with = "checkpoint")]
        case: Option<String>,
        /// A signed checkpoint file (`sportello audit checkpoint`) to compare the database with.
        #[arg(long, requires = "public_key")]
        checkpoint: Option<PathBuf>,
        /// The public key the checkpoint must be signed with (`audit keygen` wrote it as KEY.pub).
        #[arg(long, requires = "checkpoint")]
        public_key: Option<PathBuf>,
        /// Also reread every attached document from the document store and check its bytes against
        /// the SHA-256 its audit entry sealed.
        #[arg(long)]
        documents: bool,
        /// The settings file naming the document store (`[documents]`), as `serve --config`; without
        /// it, the folder beside the SQLite database or the SPORTELLO_DOCUMENTS__* variables.
        #[arg(long, env = "SPORTELLO_CONFIG")]
        config: Option<PathBuf>,
    },
    /// Write a new Ed25519 key pair for checkpoints: KEY (the signing key) and KEY.pub.
    Keygen {
        /// The signing key's file; it must not exist.
        #[arg(long)]
        key: PathBuf,
    },
    /// Take a signed checkpoint of every chain head into a folder.
    Checkpoint {
        /// The signing key's file (`sportello audit keygen`).
        #[arg(long)]
        key: PathBuf,
        /// The folder to write the checkpoint file into.
        #[arg(long)]
        to: PathBuf,
    },
    /// List the latest refused requests of the security log, newest first.
    Refusals {
        /// How many (1 to 10,000).
        #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u64).range(1..=10_000))]
        limit: u64,
    },
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum OutputFormat {
    Human,
    Json,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum GraphFormat {
    Mermaid,
    Dot,
}

/// Parses the command line from the process arguments and runs it.
pub fn run() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            return if error.use_stderr() { ExitCode::from(2) } else { ExitCode::SUCCESS };
        }
    };
    match execute(cli) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(2)
        }
    }
}

fn execute(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Validate { paths, format } => validate(&paths, format),
        Command::Graph { file, format } => graph(&file, format),
        Command::Test { paths } => block_on(crate::scenarios::run(&paths)),
        Command::Schema => {
            print_out(&json_schema::workflow_schema())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Migrate { command } => block_on(migrate::run(&cli.database, command)),
        Command::Deploy { paths } => block_on(deploy::run(&cli.database, &paths)),
        Command::Audit { command: AuditCommand::Verify { case, checkpoint, public_key, documents, config } } => {
            let against = checkpoint.zip(public_key);
            let documents = documents.then_some(config);
            block_on(audit::verify(&cli.database, case.as_deref(), against.as_ref(), documents.as_ref()))
        }
        Command::Audit { command: AuditCommand::Keygen { key } } => audit::keygen(&key),
        Command::Audit { command: AuditCommand::Checkpoint { key, to } } => {
            block_on(audit::checkpoint(&cli.database, &key, &to))
        }
        Command::Audit { command: AuditCommand::Refusals { limit } } => block_on(audit::refusals(&cli.database, limit)),
        Command::Backup { file } => block_on(backup::run(&cli.database, &file)),
        Command::Serve(args) => block_on(crate::serve::run(&cli.database, &args)),
        Command::DevToken(args) => {
            crate::dev_token::run(&args)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Demo(args) => block_on(crate::demo::run(&cli.database, &args)),
        Command::Worker { poll_interval, config } => {
            let poll = std::time::Duration::try_from_secs_f64(poll_interval)
                .ok()
                .filter(|p| !p.is_zero())
                .context("--poll-interval must be a positive number of seconds")?;
            block_on(worker::run(&cli.database, poll, config.as_deref()))
        }
    }
}

fn block_on<F: std::future::Future<Output = anyhow::Result<ExitCode>>>(future: F) -> anyhow::Result<ExitCode> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?
        .block_on(future)
}

fn validate(paths: &[PathBuf], format: OutputFormat) -> anyhow::Result<ExitCode> {
    let files = workflow_files::collect(paths)?;
    let (mut invalid, mut errors, mut warnings) = (0, 0, 0);
    let mut json = Vec::new();
    let mut human = String::new();
    let mut reports = Vec::new();
    for file in &files {
        let (report, source) = workflow_files::validate_file(file)?;
        let (e, w) = report.counts();
        errors += e;
        warnings += w;
        if !report.is_valid() {
            invalid += 1;
        }
        if format == OutputFormat::Human {
            human.push_str(&report::human(&file.display().to_string(), &report, source.as_deref()));
        }
        reports.push((file.display().to_string(), report));
    }
    match format {
        OutputFormat::Human => {
            human.push_str(&report::summary(files.len(), invalid, errors, warnings));
            human.push('\n');
            print_out(&human)?;
        }
        OutputFormat::Json => {
            for (file, report) in &reports {
                json.push(FileReport {
                    file: file.clone(),
                    valid: report.is_valid(),
                    diagnostics: &report.diagnostics,
                });
            }
            print_out(&(serde_json::to_string_pretty(&json)? + "\n"))?;
        }
    }
    Ok(if invalid == 0 { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

fn graph(file: &std::path::Path, format: GraphFormat) -> anyhow::Result<ExitCode> {
    let (report, source) = workflow_files::validate_file(file)?;
    let Some(definition) = report.definition else {
        eprint!("{}", report::human(&file.display().to_string(), &report, source.as_deref()));
        eprintln!("error: {} is not a valid workflow; fix it before drawing it", file.display());
        return Ok(ExitCode::from(1));
    };
    let text = match format {
        GraphFormat::Mermaid => diagram::mermaid(&definition),
        GraphFormat::Dot => diagram::dot(&definition),
    };
    print_out(&text)?;
    Ok(ExitCode::SUCCESS)
}

fn print_out(text: &str) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush()) {
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.context("cannot write to standard output"),
    }
}
