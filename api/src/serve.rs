//! `sportello serve`: the one command that runs Sportello. On a fresh machine it creates and migrates
//! the SQLite file, deploys the workflows folder (each changed file becomes its next version), starts
//! the timer worker in-process (unless `--no-workers`), prints where it listens and, in dev mode, how to
//! sign in; SIGINT or SIGTERM stop it gracefully: requests in flight finish and the worker stops
//! between rounds. Production mode (the default) refuses to start without an OpenID Connect issuer, and
//! with a fake provider or a missing key in `[hooks]`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::Args;
use sportello_documents::store::StoreKind;
use sportello_store::redact;

use crate::auth::{Authenticator, DevAuth};
use crate::config::Settings;
use crate::database::DatabaseArgs;
use crate::hooks::EngineFakes;
use crate::startup::{Application, Dependencies};

/// Options of `sportello serve`; each also has a settings key (see `docs/operations.md`).
#[derive(Args, Debug, Clone)]
pub struct ServeArgs {
    /// Settings file (TOML).
    #[arg(long, env = "SPORTELLO_CONFIG")]
    pub config: Option<PathBuf>,
    /// Address and port to listen on (default 127.0.0.1:8080).
    #[arg(long)]
    pub listen: Option<SocketAddr>,
    /// Development mode: local sign-in tokens from `sportello dev-token`. Never for production.
    #[arg(long)]
    pub dev: bool,
    /// Serve the API only; run timers with `sportello worker` elsewhere.
    #[arg(long)]
    pub no_workers: bool,
    /// Folder of workflow files to deploy at start (default `workflows`).
    #[arg(long)]
    pub workflows: Option<PathBuf>,
}

/// Loads the settings: defaults, file, `SPORTELLO_*` variables, then flags.
pub fn settings(args: &ServeArgs) -> anyhow::Result<Settings> {
    let mut settings = Settings::load(args.config.as_deref(), std::env::vars())?;
    if let Some(listen) = args.listen {
        settings.listen = listen;
    }
    if args.dev {
        settings.dev = true;
    }
    if args.no_workers {
        settings.workers = false;
    }
    if let Some(workflows) = &args.workflows {
        settings.workflows = workflows.clone();
    }
    Ok(settings)
}

/// Runs the server until a stop signal.
pub async fn run(database: &DatabaseArgs, args: &ServeArgs) -> anyhow::Result<ExitCode> {
    let mut settings = settings(args)?;
    if settings.documents.folder.is_none() {
        let file = crate::documents::sqlite_file(&database.database);
        settings.documents.folder = settings.documents.local_folder(file.as_deref());
        // In dev mode on PostgreSQL, beside the dev key: this folder, as `sportello-dev.key` is.
        if settings.documents.folder.is_none() && settings.dev {
            settings.documents.folder = Some(PathBuf::from("sportello-documents"));
        }
    }
    if settings.documents.folder.is_none() && settings.documents.store == StoreKind::Local {
        bail!(
            "set documents.folder (SPORTELLO_DOCUMENTS__FOLDER), or documents.store = \"s3\": with PostgreSQL \
             there is no database file to keep the documents beside"
        );
    }
    crate::telemetry::init(settings.dev);
    if !settings.dev && settings.auth.issuer.is_none() {
        bail!(
            "no sign-in is configured: set `[auth] issuer` (or SPORTELLO_AUTH__ISSUER), or run with --dev to try Sportello locally"
        );
    }
    // Checked before the database is touched: a fake or a missing key, or sign-in settings that
    // cannot work (the issuer reserved for dev tokens, say), stop a production start.
    let hooks =
        crate::hooks::build(&settings.hooks, !settings.dev, &EngineFakes).context("invalid [hooks] settings")?;
    let dev = settings.dev.then(|| DevAuth { key_file: settings.dev_key_file.clone() });
    let auth = Authenticator::new(settings.auth.clone(), dev).context("invalid [auth] settings")?;
    let checkpoints = settings.audit.load().context("invalid [audit] settings")?;
    let store = database.connect().await?;
    let setup =
        crate::setup::prepare(&store, &database.database, &settings.workflows, args.workflows.is_some()).await?;
    let app =
        Application::build(&settings, Dependencies { store, auth, hooks }).await?.with_checkpoints(checkpoints.clone());
    // Still under the setup lock, so that two dev servers starting together seed once.
    if settings.dev && settings.dev_cases {
        let seeded = crate::dev_cases::seed(app.state()).await.context("cannot open the demo citizen's cases")?;
        if seeded > 0 {
            eprintln!("sportello: DEV MODE: opened {seeded} cases for the demo citizen on this empty database");
        }
    }
    setup.release().await?;
    eprintln!("sportello: listening on http://{} (database {})", app.address(), redact(&database.database));
    eprintln!(
        "sportello: pages at http://{}/, API at /api/v1, its OpenAPI document at /api/v1/openapi.json",
        app.address()
    );
    if settings.dev {
        eprintln!("sportello: DEV MODE: sign in with a local token, for example");
        eprintln!("    TOKEN=$({})", crate::dev_token::hint(&settings.dev_key_file));
        eprintln!("    curl -H \"Authorization: Bearer $TOKEN\" http://{}/api/v1/workflows", app.address());
        eprintln!("  (roles: citizen, clerk --office OFFICE, analyst); the pages list demo users at /accedi");
    }
    if !settings.workers {
        eprintln!("sportello: timers and the outbox are not run here (--no-workers): run `sportello worker`");
    }
    if let Some(schedule) = &checkpoints {
        eprintln!(
            "sportello: signed audit checkpoints into {} every {} min",
            schedule.folder.display(),
            schedule.every.as_secs() / 60
        );
    }
    for line in crate::hooks::describe(&settings.hooks) {
        eprintln!("sportello: {line}");
    }
    app.run_until_stopped(crate::worker::stop_signal()).await?;
    eprintln!("sportello: stopped");
    Ok(ExitCode::SUCCESS)
}
