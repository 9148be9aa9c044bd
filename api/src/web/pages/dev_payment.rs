//! `POST /pratiche/{code}/pagamenti/{notice}/simula`: in dev mode with the fake pagoPA provider, the
//! citizen's "Simula il pagamento" button beside a notice to pay, which delivers the notice's receipt
//! to the case as pagoPA would ([`crate::app::simulated_payments`]). Anywhere else the page does not
//! exist.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::response::Response;
use sportello_runtime::case::Actor;

use crate::app::simulated_payments;
use crate::state::AppState;
use crate::web::Web;
use crate::web::context::Page;
use crate::web::error::PageError;
use crate::web::redirect::see_other;
use crate::web::visitor::{Form, Visitor};

/// Pays the notice, then back to the case.
pub async fn pay(
    State(state): State<AppState>,
    State(web): State<Arc<Web>>,
    Visitor(session): Visitor,
    Path((code, notice)): Path<(String, String)>,
    _form: Form,
) -> Result<Response, PageError> {
    if !web.simulated_payments {
        return Err(PageError::not_found());
    }
    let page = Page::new(&web, &session);
    let fiscal_code = page.citizen(&format!("/pratiche/{code}"))?;
    simulated_payments::pay(&state, &Actor::Citizen { fiscal_code }, &code, &notice).await?;
    Ok(see_other(&format!("/pratiche/{code}?notice=action_done")))
}
