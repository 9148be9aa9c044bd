//! Deleting a draft from the citizen's case page: a secondary button under the draft's callout, with a
//! confirmation to tick, as for withdrawing a case. Sent without the tick, the page says so and nothing
//! changes; sent with it, the draft is deleted ([`crate::app::drafts::delete`]) and the citizen is sent
//! back to "Le mie pratiche" with the notice "Bozza eliminata". A draft sent or changed meanwhile
//! shows the case page again with why.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::response::Response;
use sportello_runtime::case::Actor;
use sportello_runtime::error::Error as EngineError;

use super::action::{DELETE_FORM, Refused, form_version};
use super::citizen::{confirmed, render_case};
use crate::app::{self, drafts};
use crate::state::AppState;
use crate::web::Web;
use crate::web::context::Page;
use crate::web::error::PageError;
use crate::web::redirect::see_other;
use crate::web::visitor::{Form, Visitor};

/// `POST /pratiche/{code}/elimina`: deletes the draft once the confirmation is ticked.
pub async fn delete(
    State(state): State<AppState>,
    State(web): State<Arc<Web>>,
    Visitor(session): Visitor,
    Path(code): Path<String>,
    Form { fields, .. }: Form,
) -> Result<Response, PageError> {
    let page = Page::new(&web, &session);
    let fiscal_code = page.citizen(&format!("/pratiche/{code}"))?;
    let actor = Actor::Citizen { fiscal_code };
    if !confirmed(&fields) {
        return render_case(&state, &page, &code, None, Some(refused(page.t("confirm_delete_needed")))).await;
    }
    let message = match drafts::delete(&state, &actor, &code, form_version(&fields)).await {
        Ok(()) => return Ok(see_other("/pratiche?notice=draft_deleted")),
        Err(app::Error::Refused(EngineError::StaleCaseVersion { .. })) => page.t("stale"),
        Err(app::Error::Refused(EngineError::TransitionNotAllowed { .. })) => page.t("not_possible_now"),
        Err(error) => return Err(error.into()),
    };
    render_case(&state, &page, &code, None, Some(refused(message))).await
}

/// The deletion form refused, with `message` above it.
fn refused(message: String) -> Refused {
    Refused::with_message(DELETE_FORM, message)
}
