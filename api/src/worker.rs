//! `sportello worker`: fire due timers (state deadlines, legal-clock expiries) until stopped, with no
//! HTTP server. Any number of workers can share a PostgreSQL database; each timer fires once. SIGINT or
//! SIGTERM stops it between rounds, so no round is cut in half.

use std::process::ExitCode;
use std::time::Duration;

use tokio::sync::watch;

use crate::database::DatabaseArgs;
use crate::timer_worker;

/// Runs the timer worker until a stop signal.
pub async fn run(database: &DatabaseArgs, poll: Duration) -> anyhow::Result<ExitCode> {
    let store = database.open().await?;
    crate::telemetry::init(true);
    eprintln!("worker: firing due timers every {}s (stop with Ctrl-C)", poll.as_secs_f64());
    let (stop_tx, stop_rx) = watch::channel(false);
    let worker = tokio::spawn(timer_worker::run(store, poll, stop_rx, |fired, refused| {
        eprintln!("worker: fired {fired} timer(s), {refused} refused");
    }));
    stop_signal().await;
    let _ = stop_tx.send(true);
    let _ = worker.await;
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
