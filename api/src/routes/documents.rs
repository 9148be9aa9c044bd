//! The case file over HTTP: upload a document as the request's body (streamed: the server never holds
//! it whole), list a case's documents, download one (with its sniffed type, as an attachment, never
//! rendered by the browser, its SHA-256 as `ETag`, and byte ranges), and discard an upload no
//! transition attached. The use cases are in [`crate::app::documents`]; the download's answer is
//! built by [`crate::document_response`], which the pages share.

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::access::visible_case;
use crate::app::documents::{self, DocumentDto, Upload};
use crate::extract::{Caller, QueryParams};
use crate::problem::Problem;
use crate::state::AppState;

/// The routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(upload_document, list_documents))
        .routes(routes!(download_document, discard_upload))
}

/// What an upload is.
#[derive(Debug, Deserialize, IntoParams, ToSchema)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct UploadParams {
    /// The document type, as the workflow declares it (`project`, `isee`, …).
    #[serde(rename = "type")]
    pub doc_type: String,
    /// The file's name (shown to people; never used as a path).
    pub name: String,
}

/// The documents of a case.
#[derive(Debug, serde::Serialize, ToSchema)]
pub struct DocumentList {
    /// Oldest first: attached ones, and the caller's own uploads still waiting for a transition.
    pub documents: Vec<DocumentDto>,
}

/// Uploads a document to a case: the request's body is the file's bytes, sent as they are
/// (`Content-Type: application/octet-stream` or the file's own type; the server tells the type from
/// the bytes and ignores the header). The upload waits for a transition that takes its type: name
/// its `id` under `documents` in that transition's input, `{"documents": {"project": ["<id>"]}}`. An
/// upload no transition attaches expires (`expires_at`).
#[utoipa::path(post, path = "/cases/{code}/documents", tag = "documents", security(("bearer" = [])),
    params(("code" = String, Path, description = "Case code"), UploadParams),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "The file's bytes"),
    responses((status = 201, body = DocumentDto, description = "Stored, waiting for a transition to attach it"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 413, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
        (status = 503, body = Problem, content_type = "application/problem+json")))]
async fn upload_document(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(code): Path<String>,
    QueryParams(params): QueryParams<UploadParams>,
    body: Body,
) -> Result<Response, Problem> {
    let upload = Upload { doc_type: params.doc_type, name: params.name, body: body.into_data_stream() };
    let dto = documents::upload(&state, &caller, &code, upload).await?;
    let mut response = (StatusCode::CREATED, axum::Json(&dto)).into_response();
    if let Ok(value) = HeaderValue::from_str(&format!("/api/v1/cases/{code}/documents/{}", dto.id)) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    Ok(response)
}

/// The documents of a case the caller may see.
#[utoipa::path(get, path = "/cases/{code}/documents", tag = "documents", security(("bearer" = [])),
    params(("code" = String, Path, description = "Case code")),
    responses((status = 200, body = DocumentList),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn list_documents(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(code): Path<String>,
) -> Result<Response, Problem> {
    let (stored, definition) = visible_case(&state, &caller, &code, "documents").await?;
    let records = documents::visible_documents(&state, &caller, &stored).await?;
    let documents = records.iter().map(|r| DocumentDto::of(r, &definition)).collect();
    Ok(axum::Json(DocumentList { documents }).into_response())
}

/// Downloads a document: its bytes as an attachment, with the type told from them, its SHA-256 as
/// `ETag` (`If-None-Match` answers 304), and one byte range when `Range` asks for it (206).
#[utoipa::path(get, path = "/cases/{code}/documents/{id}", tag = "documents", security(("bearer" = [])),
    params(("code" = String, Path, description = "Case code"), ("id" = String, Path, description = "Document id"),
        ("Range" = Option<String>, Header, description = "One byte range: `bytes=0-1023`")),
    responses((status = 200, description = "The file, with the media type told from its bytes", content(
            (Vec<u8> = "application/pdf"), (Vec<u8> = "image/jpeg"), (Vec<u8> = "image/png"),
            (Vec<u8> = "application/pkcs7-mime"))),
        (status = 206, description = "The range asked for", content(
            (Vec<u8> = "application/pdf"), (Vec<u8> = "image/jpeg"), (Vec<u8> = "image/png"),
            (Vec<u8> = "application/pkcs7-mime"))),
        (status = 304, description = "Not changed since the ETag given"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 416, body = Problem, content_type = "application/problem+json")))]
async fn download_document(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path((code, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let range = headers.get(header::RANGE).and_then(|v| v.to_str().ok());
    let download = documents::download(&state, &caller, &code, &id, range).await?;
    Ok(crate::document_response::respond(download, &headers))
}

/// Discards an upload of the caller's that no transition attached yet.
#[utoipa::path(delete, path = "/cases/{code}/documents/{id}", tag = "documents", security(("bearer" = [])),
    params(("code" = String, Path, description = "Case code"), ("id" = String, Path, description = "Document id")),
    responses((status = 204, description = "Discarded"),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn discard_upload(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path((code, id)): Path<(String, String)>,
) -> Result<Response, Problem> {
    documents::discard(&state, &caller, &code, &id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
