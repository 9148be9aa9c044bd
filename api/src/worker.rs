//! `sportello worker`: fire due timers (state deadlines, legal-clock expiries) until stopped. Each
//! round takes a batch; a full batch is followed at once by the next, an empty one waits for the poll
//! interval. Any number of workers can share a PostgreSQL database; each timer fires once. SIGINT or
//! SIGTERM stops it between rounds, so no round is cut in half.

use std::process::ExitCode;
use std::time::Duration;

use crate::database::DatabaseArgs;

/// Timers per round.
const BATCH: u64 = 100;

/// Runs the timer worker until a stop signal.
pub async fn run(database: &DatabaseArgs, poll: Duration) -> anyhow::Result<ExitCode> {
    let store = database.open().await?;
    eprintln!("worker: firing due timers every {}s (stop with Ctrl-C)", poll.as_secs_f64());
    let mut stop = std::pin::pin!(stop_signal());
    loop {
        let round = store.fire_due_timers(BATCH).await;
        let wait = match &round {
            Ok(fired) if (fired.fired + fired.refused) as u64 == BATCH => Duration::ZERO,
            Ok(_) => poll,
            Err(error) => {
                eprintln!("worker: a round failed, retrying: {error:#}");
                poll
            }
        };
        if let Ok(fired) = round
            && fired.fired + fired.refused > 0
        {
            eprintln!("worker: fired {} timer(s), {} refused", fired.fired, fired.refused);
        }
        tokio::select! {
            () = &mut stop => break,
            () = tokio::time::sleep(wait) => {}
        }
    }
    eprintln!("worker: stopped");
    Ok(ExitCode::SUCCESS)
}

async fn stop_signal() {
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
