//! The review before sending: "Invia" on an application form saves the draft and shows
//! `/pratiche/{code}/riepilogo`, every field as it will be sent (labelled as in the form), with
//! "Conferma e invia" and a way back to change it. Only the confirmation applies the sending
//! transition, with the data shown at the version shown.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value as Json, json};
use sportello_runtime::case::Actor;

use super::action::form_version;
use super::case_data::data_facts;
use super::citizen::{application_schema, send};
use crate::app::{cases, workflows};
use crate::state::AppState;
use crate::web::Web;
use crate::web::context::{Page, Place};
use crate::web::error::PageError;
use crate::web::redirect::see_other;
use crate::web::visitor::{Form, Visitor};

/// `/pratiche/{code}/riepilogo`: what the draft `code` will send, to confirm.
pub async fn summary(
    State(state): State<AppState>,
    State(web): State<Arc<Web>>,
    Visitor(session): Visitor,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    let page = Page::new(&web, &session);
    render(&state, &page, &code, StatusCode::OK, None).await
}

async fn render(
    state: &AppState,
    page: &Page<'_>,
    code: &str,
    status: StatusCode,
    error: Option<String>,
) -> Result<Response, PageError> {
    let actor = Actor::Citizen { fiscal_code: page.citizen(&format!("/pratiche/{code}/riepilogo"))? };
    let case = cases::case_of(state, &actor, code).await?;
    let definition = workflows::definition(state, &case.workflow, Some(case.workflow_version)).await?;
    if case.state != definition.initial.as_str() {
        return Ok(see_other(&format!("/pratiche/{}", case.code)));
    }
    application_schema(&definition).ok_or_else(PageError::not_found)?;
    let data = json!({
        "title": {"it": definition.title.it, "en": definition.title.en},
        "code": case.code,
        "version": case.version,
        "data": data_facts(page, &definition, &case.data),
        "error": error,
    });
    Ok(page.render_status(
        status,
        "summary",
        definition.title.get(page.language()),
        Place::Within("/pratiche"),
        None,
        data,
    ))
}

/// `POST /pratiche/{code}/invia`: sends the draft as reviewed; a draft changed since the review is
/// shown again instead.
pub async fn confirm(
    State(state): State<AppState>,
    State(web): State<Arc<Web>>,
    Visitor(session): Visitor,
    Path(code): Path<String>,
    Form { fields, .. }: Form,
) -> Result<Response, PageError> {
    let page = Page::new(&web, &session);
    let actor = Actor::Citizen { fiscal_code: page.citizen(&format!("/pratiche/{code}/riepilogo"))? };
    let case = cases::case_of(&state, &actor, &code).await?;
    let definition = workflows::definition(&state, &case.workflow, Some(case.workflow_version)).await?;
    if form_version(&fields) != Some(case.version) {
        return render(&state, &page, &code, StatusCode::CONFLICT, Some(page.t("stale"))).await;
    }
    let data = match case.data {
        Json::Object(data) => data,
        _ => serde_json::Map::new(),
    };
    send(&state, &page, &actor, &definition, &case.code, data, Some(case.version)).await
}
