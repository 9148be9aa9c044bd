//! The timer worker loop shared by `sportello worker` and `sportello serve`: fire due timers in
//! batches; a full batch is followed at once by the next, an empty one waits for the poll interval. A
//! stop request is honoured between rounds, so no round is cut in half.

use std::time::Duration;

use sportello_store::Store;
use tokio::sync::watch;

/// Timers per round.
pub const BATCH: u64 = 100;

/// Runs until `stop` turns true; `report(fired, refused)` is told of every round that fired something.
pub async fn run(store: Store, poll: Duration, mut stop: watch::Receiver<bool>, report: fn(usize, usize)) {
    loop {
        if *stop.borrow() {
            break;
        }
        let round = store.fire_due_timers(BATCH).await;
        let wait = match &round {
            Ok(fired) if (fired.fired + fired.refused) as u64 == BATCH => Duration::ZERO,
            Ok(_) => poll,
            Err(error) => {
                tracing::warn!(error.message = %error, "a timer round failed; retrying");
                poll
            }
        };
        if let Ok(fired) = round
            && fired.fired + fired.refused > 0
        {
            report(fired.fired, fired.refused);
        }
        tokio::select! {
            _ = stop.changed() => {}
            () = tokio::time::sleep(wait) => {}
        }
    }
}

/// Reports a round in the log.
pub fn log_round(fired: usize, refused: usize) {
    tracing::info!(fired, refused, "timers fired");
}
