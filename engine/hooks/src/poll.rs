//! Polling pagoPA for the payments still open: a paid position becomes the `payment.paid` event on
//! its case, an expired one (or one still unpaid after its due date) `payment.expired`. The message
//! ids are the notice numbers, and a payment already settled (by the callback, say) is left as it is,
//! so a receipt moves a case once however it arrives.

use serde_json::json;

use super::PaymentStatus;
use super::deliver::Deliverer;
use sportello_runtime::clock::civil_day;
use sportello_runtime::error::Error;
use sportello_store::DeliverEvent;

/// What one polling pass found.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Poll {
    /// Open payments asked about.
    pub checked: u32,
    /// Found paid, their receipts taken in.
    pub paid: u32,
    /// Found expired, their expiries taken in.
    pub expired: u32,
    /// Lookups, or events, that failed (tried again next pass).
    pub failed: u32,
}

impl Deliverer {
    /// Asks pagoPA about every open payment, `batch` at a time.
    pub async fn poll_payments(&self, batch: u64) -> Result<Poll, Error> {
        let mut poll = Poll::default();
        let Some(gpd) = &self.hooks.debt_positions else { return Ok(poll) };
        let mut after = 0;
        loop {
            let open = self.store.open_payments(after, batch).await?;
            let Some(last) = open.last() else { return Ok(poll) };
            after = last.id;
            for payment in open {
                let (Some(iupd), Some(notice)) = (&payment.iupd, &payment.notice_number) else { continue };
                poll.checked += 1;
                let status = match gpd.status(iupd).await {
                    Ok(status) => status,
                    Err(error) => {
                        tracing::warn!(payment = payment.id, error.message = %error, "payment status lookup failed");
                        poll.failed += 1;
                        continue;
                    }
                };
                let today = civil_day(self.store.now());
                let (event, payload) = match status {
                    PaymentStatus::Paid { receipt_id, paid_at } => {
                        let paid_at = paid_at.map(|t| t.to_string());
                        ("payment.paid", json!({"notice_number": notice, "receipt_id": receipt_id, "paid_at": paid_at}))
                    }
                    PaymentStatus::Expired => ("payment.expired", json!({"notice_number": notice})),
                    PaymentStatus::Unpaid if today > payment.due_date => {
                        ("payment.expired", json!({"notice_number": notice}))
                    }
                    PaymentStatus::Unpaid => continue,
                };
                let command = DeliverEvent {
                    case_id: payment.case_id,
                    event: event.to_owned(),
                    message_id: format!("pagopa-poll:{event}:{notice}"),
                    payload,
                };
                match self.store.deliver_event(command).await {
                    Ok(_) if event == "payment.paid" => poll.paid += 1,
                    Ok(_) => poll.expired += 1,
                    Err(error) => {
                        tracing::warn!(payment = payment.id, error.code = error.code(), "a payment event was refused");
                        poll.failed += 1;
                    }
                }
            }
        }
    }
}
