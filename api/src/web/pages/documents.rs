//! The documents of the personal area: `/documenti`, every document of the citizen's applications
//! that they may see, newest first, each with its application's service and code; and the downloads
//! from the pages, with the session's visitor as the caller: `/pratiche/{code}/documenti/{id}` for
//! the citizen, `/ufficio/pratiche/{code}/documenti/{id}` for the clerk. A download is answered as
//! the API answers it ([`crate::document_response`]); a document the visitor may not see is the
//! "not found" page, as a case is.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, header};
use axum::response::Response;
use serde_json::json;
use sportello_runtime::case::Actor;

use super::case_file::entry;
use crate::app::access::visible_case;
use crate::app::documents;
use crate::app::search::{self, CaseFilter};
use crate::state::AppState;
use crate::web::Web;
use crate::web::context::{Page, Place};
use crate::web::error::PageError;
use crate::web::visitor::Visitor;

/// The most applications whose documents are listed.
const CASES: u32 = 200;

/// `/documenti`: every document of the signed-in citizen's applications.
pub async fn list(
    State(state): State<AppState>,
    State(web): State<Arc<Web>>,
    Visitor(session): Visitor,
) -> Result<Response, PageError> {
    let page = Page::new(&web, &session);
    let actor = Actor::Citizen { fiscal_code: page.citizen("/documenti")? };
    let found = search::search(&state, &actor, CaseFilter { limit: Some(CASES), ..CaseFilter::default() }).await?;
    let mut listed = Vec::new();
    for case in found.items {
        let (stored, definition) = visible_case(&state, &actor, &case.code, "documents").await?;
        let title = json!({"it": definition.title.it, "en": definition.title.en});
        for record in documents::visible_documents(&state, &actor, &stored).await?.iter().filter(|r| r.is_attached()) {
            let href = format!("/pratiche/{}/documenti/{}", case.code, record.upload_id);
            let mut shown = entry(&page, &definition, record, &href);
            shown["code"] = json!(case.code);
            shown["procedure"] = title.clone();
            listed.push(shown);
        }
    }
    listed.sort_by(|a, b| b["uploaded_at"].as_str().cmp(&a["uploaded_at"].as_str()));
    let data = json!({"documents": listed});
    Ok(page.render("documents", &page.t("nav_documents"), Place::Section("/documenti"), None, data))
}

/// `GET /pratiche/{code}/documenti/{id}`: a document of the citizen's application.
pub async fn citizen_download(
    State(state): State<AppState>,
    State(web): State<Arc<Web>>,
    Visitor(session): Visitor,
    Path((code, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let page = Page::new(&web, &session);
    let actor = Actor::Citizen { fiscal_code: page.citizen(&format!("/pratiche/{code}"))? };
    download(&state, &actor, &code, &id, &headers).await
}

/// `GET /ufficio/pratiche/{code}/documenti/{id}`: a document of a case of the clerk's offices.
pub async fn clerk_download(
    State(state): State<AppState>,
    State(web): State<Arc<Web>>,
    Visitor(session): Visitor,
    Path((code, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let page = Page::new(&web, &session);
    let actor = page.clerk(&format!("/ufficio/pratiche/{code}"))?.clone();
    download(&state, &actor, &code, &id, &headers).await
}

async fn download(
    state: &AppState,
    actor: &Actor,
    code: &str,
    id: &str,
    headers: &HeaderMap,
) -> Result<Response, PageError> {
    let range = headers.get(header::RANGE).and_then(|v| v.to_str().ok());
    let download = documents::download(state, actor, code, id, range).await?;
    Ok(crate::document_response::respond(download, headers))
}
