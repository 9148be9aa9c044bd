//! A simulated pagoPA receipt, for trying Sportello in dev mode with the fake pagoPA provider, where
//! no real payment can ever arrive: the citizen pays one of their open notices, and the receipt reaches
//! the case exactly as pagoPA's callback does, as the `payment.paid` event naming the notice, through
//! [`events::deliver`](super::events::deliver), from an integration called `pagopa-simulated` so that
//! the audit chain says where it came from. Whether the simulation is allowed at all (dev mode, fake
//! provider) is the caller's to check: the pages offer it only then.

use serde_json::json;
use sportello_runtime::case::Actor;
use sportello_store::Applied;

use super::Error;
use super::cases;
use super::events::{self, Event};
use crate::state::AppState;

/// The integration the simulated receipts come from (the prefix of their message ids).
pub const INTEGRATION: &str = "pagopa-simulated";

/// Pays the notice `notice` of the case `code`, which `actor` must be able to see and which must be
/// open (issued and not yet paid or expired).
///
/// # Errors
///
/// The case is not the actor's to see ([`Error::NotFound`]), it has no open notice with that number
/// ([`Error::InvalidInput`] on `/notice_number`), or the event is refused as a receipt from pagoPA
/// would be.
pub async fn pay(state: &AppState, actor: &Actor, code: &str, notice: &str) -> Result<Applied, Error> {
    let case = cases::case_of(state, actor, code).await?;
    let open = case.payments.iter().flatten().any(|p| p.status == "open" && p.notice_number.as_deref() == Some(notice));
    if !open {
        return Err(Error::invalid_field(
            format!("the case has no notice to pay with number {notice}"),
            "/notice_number",
            "the number of one of the case's open notices",
        ));
    }
    let paid_at = state.store.now();
    let receipt = Event {
        name: "payment.paid".to_owned(),
        message_id: format!("receipt-{notice}"),
        payload: Some(json!({
            "notice_number": notice,
            "receipt_id": format!("SIMULATED-{notice}"),
            "paid_at": paid_at.to_string(),
        })),
    };
    events::deliver(state, INTEGRATION, &["payment.paid".to_owned()], &case.code, receipt).await
}
