//! `sportello worker`: fire due timers (state deadlines, legal-clock expiries) and deliver the outbox
//! (App IO, e-mail, pagoPA, webhooks, as the settings' `[hooks]` say) until stopped, with no HTTP
//! server. Any number of workers can share a PostgreSQL database; each timer fires once and no effect
//! is delivered by two workers at the same time. SIGINT or SIGTERM stops it between rounds, so no
//! round is cut in half.

use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use tokio::sync::watch;

use anyhow::Context;

use crate::config::Settings;
use crate::database::DatabaseArgs;
use crate::hooks::EngineFakes;
use crate::{outbox_worker, timer_worker};

/// Runs the timer and outbox workers until a stop signal.
pub async fn run(database: &DatabaseArgs, poll: Duration, config: Option<&Path>) -> anyhow::Result<ExitCode> {
    let settings = Settings::load(config, std::env::vars())?;
    let hooks =
        crate::hooks::build(&settings.hooks, !settings.dev, &EngineFakes).context("invalid [hooks] settings")?;
    let store = database.open().await?;
    crate::telemetry::init(true);
    eprintln!("worker: firing due timers every {}s and delivering the outbox (stop with Ctrl-C)", poll.as_secs_f64());
    let deliverer = settings.deliverer(store.clone(), hooks);
    let (outbox_poll, payments_poll) = settings.outbox_intervals();
    let (stop_tx, stop_rx) = watch::channel(false);
    let outbox = tokio::spawn(outbox_worker::run(deliverer, outbox_poll, payments_poll, stop_rx.clone()));
    let worker = tokio::spawn(timer_worker::run(store, poll, stop_rx, |fired, refused| {
        eprintln!("worker: fired {fired} timer(s), {refused} refused");
    }));
    stop_signal().await;
    let _ = stop_tx.send(true);
    let _ = worker.await;
    let _ = outbox.await;
    eprintln!("worker: stopped");
    Ok(ExitCode::SUCCESS)
}

/// Completes on SIGINT or SIGTERM.
pub async fn stop_signal() {
    #[cfg(unix)]
    {
        let mut terminate = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(signal) => signal,
            Err(_) => return std::future::pending().await,
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = tokio::signal::ctrl_c().await;
}
