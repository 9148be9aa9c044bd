//! The outbox worker loop shared by `sportello worker` and `sportello serve`: deliver due effects in
//! rounds (a full round is followed at once by the next, a short one waits for the poll interval), and
//! every `hooks.pagopa.poll_seconds` ask pagoPA about the payments still open. A stop request is
//! honoured between rounds; an effect claimed by a round that is cut short by the process dying is
//! claimed again when its lease ends.

use std::time::{Duration, Instant};

use sportello_hooks::deliver::{Deliverer, Round};
use tokio::sync::watch;

/// Effects per round.
pub const BATCH: u64 = 32;

/// Payments asked about per page of a polling pass.
const POLL_PAGE: u64 = 100;

/// Runs until `stop` turns true.
pub async fn run(deliverer: Deliverer, poll: Duration, payments_every: Duration, mut stop: watch::Receiver<bool>) {
    let mut last_payments_poll: Option<Instant> = None;
    loop {
        if *stop.borrow() {
            break;
        }
        let round = deliverer.round(BATCH).await;
        let wait = match &round {
            Ok(round) if handled(round) == BATCH => Duration::ZERO,
            Ok(_) => poll,
            Err(error) => {
                tracing::warn!(error.message = %error, "an outbox round failed; retrying");
                poll
            }
        };
        if let Ok(round) = round
            && handled(&round) > 0
        {
            tracing::info!(
                delivered = round.delivered,
                retried = round.retried,
                incidents = round.incidents,
                postponed = round.postponed,
                "outbox round"
            );
        }
        if deliverer.hooks.debt_positions.is_some()
            && last_payments_poll.is_none_or(|at| at.elapsed() >= payments_every)
        {
            last_payments_poll = Some(Instant::now());
            match deliverer.poll_payments(POLL_PAGE).await {
                Ok(poll) if poll.paid + poll.expired + poll.failed > 0 => {
                    tracing::info!(
                        checked = poll.checked,
                        paid = poll.paid,
                        expired = poll.expired,
                        failed = poll.failed,
                        "payments polled"
                    )
                }
                Ok(_) => {}
                Err(error) => tracing::warn!(error.message = %error, "polling payments failed; retrying"),
            }
        }
        tokio::select! {
            _ = stop.changed() => {}
            () = tokio::time::sleep(wait) => {}
        }
    }
}

fn handled(round: &Round) -> u64 {
    u64::from(round.delivered + round.retried + round.incidents + round.postponed)
}
