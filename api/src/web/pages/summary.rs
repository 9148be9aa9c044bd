//! The review before sending: "Invia" on an application form saves the draft and shows
//! `/pratiche/{code}/riepilogo`, every field as it will be sent (labelled as in the form), the file
//! inputs of the documents the sending transition takes, "Conferma e invia" and a way back to change
//! it. Only the confirmation applies the sending transition, with the data shown at the version shown
//! and the files chosen here: an upload waits only hours for its transition, a draft can wait weeks,
//! so the files go with the sending itself.

use std::sync::Arc;

use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value as Json, json};
use sportello_runtime::case::Actor;

use super::action::{form_version, with_reload};
use super::attachments::{self, Received};
use super::case_data::data_facts;
use super::citizen::{application_schema, send};
use crate::app::{cases, workflows};
use crate::state::AppState;
use crate::web::Web;
use crate::web::context::{Page, Place};
use crate::web::error::PageError;
use crate::web::redirect::see_other;
use crate::web::visitor::Visitor;

/// `/pratiche/{code}/riepilogo`: what the draft `code` will send, to confirm.
pub async fn summary(
    State(state): State<AppState>,
    State(web): State<Arc<Web>>,
    Visitor(session): Visitor,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    let page = Page::new(&web, &session);
    render(&state, &page, &code, StatusCode::OK, None, &[]).await
}

/// The review of draft `code`, with `error` above the confirmation and `files` (document type,
/// message) beside the file inputs.
pub(super) async fn render(
    state: &AppState,
    page: &Page<'_>,
    code: &str,
    status: StatusCode,
    error: Option<String>,
    files: &[(String, String)],
) -> Result<Response, PageError> {
    let actor = Actor::Citizen { fiscal_code: page.citizen(&format!("/pratiche/{code}/riepilogo"))? };
    let case = cases::case_of(state, &actor, code).await?;
    let definition = workflows::definition(state, &case.workflow, Some(case.workflow_version)).await?;
    if case.state != definition.initial.as_str() {
        return Ok(see_other(&format!("/pratiche/{}", case.code)));
    }
    let (sending, ..) = application_schema(&definition).ok_or_else(PageError::not_found)?;
    let takes = definition.transitions.get(sending.as_str()).map(|t| t.documents.clone()).unwrap_or_default();
    let data = json!({
        "title": {"it": definition.title.it, "en": definition.title.en},
        "code": case.code,
        "version": case.version,
        "data": data_facts(page, &definition, &case.data),
        "files": attachments::inputs(page, &definition, &sending, &takes, files),
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

/// `POST /pratiche/{code}/invia`: sends the draft as reviewed, with the files chosen; a draft changed
/// since the review is shown again instead, as is a file refused.
pub async fn confirm(
    State(state): State<AppState>,
    State(web): State<Arc<Web>>,
    Visitor(session): Visitor,
    Path(code): Path<String>,
    request: Request,
) -> Result<Response, PageError> {
    let page = Page::new(&web, &session);
    let actor = Actor::Citizen { fiscal_code: page.citizen(&format!("/pratiche/{code}/riepilogo"))? };
    let case = cases::case_of(&state, &actor, &code).await?;
    let definition = workflows::definition(&state, &case.workflow, Some(case.workflow_version)).await?;
    let (sending, ..) = application_schema(&definition).ok_or_else(PageError::not_found)?;
    let takes = definition.transitions.get(sending.as_str()).map(|t| t.documents.clone()).unwrap_or_default();
    let mut received = attachments::receive(&state, &page, &actor, &code, &takes, request).await?;
    attachments::check_counts(&page, &takes, &mut received);
    if form_version(&received.fields) != Some(case.version) {
        received.discard(&state, &actor, &code).await;
        let message = with_reload(&page, &received, page.t("stale"));
        return render(&state, &page, &code, StatusCode::CONFLICT, Some(message), &[]).await;
    }
    if !received.problems.is_empty() {
        return refused_files(&state, &page, &actor, &code, &received, received.problems.clone()).await;
    }
    let data = match case.data {
        Json::Object(data) => data,
        _ => serde_json::Map::new(),
    };
    match send(&state, &page, &actor, &definition, &case.code, data, Some(case.version), &received).await? {
        Ok(response) => Ok(response),
        Err(files) => refused_files(&state, &page, &actor, &code, &received, files).await,
    }
}

/// The review again, the files `received` discarded and `files` (document type, message) told beside
/// their inputs.
async fn refused_files(
    state: &AppState,
    page: &Page<'_>,
    actor: &Actor,
    code: &str,
    received: &Received,
    files: Vec<(String, String)>,
) -> Result<Response, PageError> {
    received.discard(state, actor, code).await;
    let message = with_reload(page, received, page.t("check_the_form"));
    render(state, page, code, StatusCode::UNPROCESSABLE_ENTITY, Some(message), &files).await
}
