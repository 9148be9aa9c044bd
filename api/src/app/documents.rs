//! The case file's use cases: upload a document to a case (streamed to a spool while hashed, its bytes
//! checked, kept in the document store, then recorded as waiting for the transition that attaches it),
//! list the documents a caller may see, and open one for download. Who sees what: the staff of the
//! case's office every attached document; the applicant those of types `visible_to: applicant`; an
//! upload not yet attached only the person who uploaded it. Anything else is refused exactly like a
//! case that does not exist.

use std::ops::Range;

use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use jiff::Timestamp;
use serde::Serialize;
use serde_json::Value as Json;
use sportello_definition::Definition;
use sportello_definition::model::{DocumentTypeDef, Visibility};
use sportello_documents::checks::{self, Inspected, MediaType};
use sportello_documents::store::{ByteStream, StoreError};
use sportello_runtime::case::Actor;
use sportello_runtime::error::Error as EngineError;
use sportello_runtime::transition::available;
use sportello_store::{DocumentRecord, NewUpload, StoredCase};
use utoipa::ToSchema;

use super::Error;
use super::access::visible_case;
use crate::state::AppState;

/// The longest file name kept, in characters; a longer one is refused rather than cut.
const LONGEST_NAME: usize = 255;

/// A document of a case file, as its API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DocumentDto {
    /// Its id: name it under `documents` in a transition's input to attach it; the download is at
    /// `/api/v1/cases/{code}/documents/{id}`.
    pub id: String,
    /// Its document type.
    #[serde(rename = "type")]
    pub doc_type: String,
    /// What the type is called (Italian).
    pub title: String,
    /// The file's name, fit to show.
    pub name: String,
    /// Its media type, told from its bytes.
    pub media_type: String,
    /// Its size in bytes.
    pub size: u64,
    /// The SHA-256 of its bytes (hex), as the audit chain seals it.
    pub sha256: String,
    /// Who signed it, for a CAdES `.p7m`: subject, fiscal code, issuer, validity.
    #[schema(value_type = Option<Object>)]
    pub signer: Option<Json>,
    /// Who uploaded it: `citizen` or `staff`.
    pub uploaded_by: String,
    /// When (RFC 3339).
    pub uploaded_at: String,
    /// Whether a transition attached it; until then it can be attached, and expires at `expires_at`.
    pub attached: bool,
    /// When an upload no transition attached is removed.
    pub expires_at: Option<String>,
    /// `applicant` (the applicant sees it too) or `staff`.
    pub visible_to: String,
}

impl DocumentDto {
    /// The API's view of `record`, titled by `definition`.
    pub fn of(record: &DocumentRecord, definition: &Definition) -> DocumentDto {
        DocumentDto {
            id: record.upload_id.clone(),
            doc_type: record.doc_type.clone(),
            title: definition
                .documents
                .get(&record.doc_type)
                .map_or_else(|| record.doc_type.clone(), |t| t.title.it.clone()),
            name: record.name.clone(),
            media_type: record.media_type.clone(),
            size: record.size,
            sha256: record.sha256.clone(),
            signer: record.signer.clone(),
            uploaded_by: record.uploader_kind.clone(),
            uploaded_at: record.uploaded_at.to_string(),
            attached: record.is_attached(),
            expires_at: record.expires_at.map(|t| t.to_string()),
            visible_to: record.visible_to.clone(),
        }
    }
}

/// An upload as the caller sends it: its type, the name it had, and its bytes as they arrive.
pub struct Upload<S> {
    /// The document type.
    pub doc_type: String,
    /// The file's name on the sender's machine (only shown, never a path).
    pub name: String,
    /// The bytes.
    pub body: S,
}

/// Whether `actor` may see `record` of `stored` (the caller checked they may see the case).
pub fn may_see_document(actor: &Actor, stored: &StoredCase, record: &DocumentRecord) -> bool {
    if !record.is_attached() {
        return actor.key().as_deref() == Some(record.uploaded_by.as_str());
    }
    match actor {
        Actor::Staff { .. } => true,
        Actor::Citizen { fiscal_code } => *fiscal_code == stored.case.applicant && record.visible_to == "applicant",
        Actor::System => false,
    }
}

/// The documents of the case `stored` that `actor` may see, oldest first.
///
/// # Errors
///
/// [`Error::Storage`].
pub async fn visible_documents(
    state: &AppState,
    actor: &Actor,
    stored: &StoredCase,
) -> Result<Vec<DocumentRecord>, Error> {
    let all = state.store.case_documents(stored.id).await?;
    Ok(all.into_iter().filter(|d| may_see_document(actor, stored, d)).collect())
}

/// Receives `upload` for the case `code` from `actor`: streamed to a spool while hashed (refused as
/// soon as it passes the type's size), checked, kept, and recorded as waiting to be attached.
///
/// # Errors
///
/// Not found for a case the actor may not see; [`Error::FileRefused`] on `/type` (unknown, or taken
/// by no action the actor can take now), `/name` (a name that cannot be shown safely) or `/file`
/// (empty, of a type not accepted, a damaged or encrypted PDF, a signature that does not verify, the
/// same file twice), each with its reason and an Italian sentence; [`Error::TooLarge`];
/// [`Error::DocumentStore`] when the store is full or unreachable.
pub async fn upload<S, E>(state: &AppState, actor: &Actor, code: &str, upload: Upload<S>) -> Result<DocumentDto, Error>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    let (stored, definition) = visible_case(state, actor, code, "upload").await?;
    let doc_type = accepted_type(&definition, &stored, actor, &upload.doc_type)?;
    check_name(&upload.name)?;
    let mut spool = state.documents.spool(doc_type.max_bytes).await.map_err(store_error)?;
    let mut body = upload.body;
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|e| {
            tracing::info!(error.message = %e, "an upload broke off");
            refused("/file", "incomplete-upload", "Il file non è arrivato per intero: caricalo di nuovo.")
        })?;
        spool.write(&chunk).await.map_err(store_error)?;
    }
    let spooled = spool.finish().await.map_err(store_error)?;
    let accept: Vec<MediaType> = doc_type.accept.iter().filter_map(|m| m.parse().ok()).collect();
    let (len, signed) = (spooled.len(), doc_type.signed);
    let file = spooled.open().map_err(|e| store_error(StoreError::Io(e)))?;
    let inspected =
        tokio::task::spawn_blocking(move || checks::inspect(std::io::BufReader::new(file), len, &accept, signed))
            .await
            .map_err(|e| {
                tracing::error!(error.message = %e, "the checks of an upload stopped");
                refused("/file", "unchecked-file", "Non è stato possibile controllare il file: riprova più tardi.")
            })?
            .map_err(refusal)?;
    let sha256 = spooled.sha256().to_owned();
    state.documents.put(spooled).await.map_err(store_error)?;
    // The store's clock, which also decides at attachment whether an upload expired.
    let now = state.store.now();
    let record =
        new_upload(&stored, actor, &upload.doc_type, &upload.name, doc_type, &inspected, len, sha256, now, state);
    state.store.record_upload(record.clone(), now).await.map_err(|error| match error {
        EngineError::InvalidInput(_) => refused(
            "/file",
            "duplicate-file",
            "Il fascicolo della pratica contiene già questo stesso file: non serve caricarlo due volte.",
        ),
        other => Error::from(other),
    })?;
    let found = state.store.case_document(stored.id, &record.upload_id).await?;
    let record = found.ok_or(Error::NotFound(EngineError::CaseNotFound))?;
    Ok(DocumentDto::of(&record, &definition))
}

#[allow(clippy::too_many_arguments)]
fn new_upload(
    stored: &StoredCase,
    actor: &Actor,
    type_id: &str,
    name: &str,
    doc_type: &DocumentTypeDef,
    inspected: &Inspected,
    size: u64,
    sha256: String,
    now: Timestamp,
    state: &AppState,
) -> NewUpload {
    let signer = inspected.signer.as_ref().and_then(|s| serde_json::to_value(s).ok());
    let ttl = jiff::SignedDuration::try_from(state.upload_ttl).unwrap_or(jiff::SignedDuration::from_hours(24));
    NewUpload {
        upload_id: upload_id(),
        case_id: stored.id,
        doc_type: type_id.to_owned(),
        name: checks::display_name(name, inspected.media_type),
        media_type: inspected.media_type.as_str().to_owned(),
        size,
        sha256,
        signer,
        uploaded_by: actor.key().unwrap_or_default(),
        uploader_kind: if matches!(actor, Actor::Citizen { .. }) { "citizen" } else { "staff" }.to_owned(),
        visible_to: match doc_type.visible_to {
            Visibility::Applicant => "applicant",
            Visibility::Staff => "staff",
        }
        .to_owned(),
        expires_at: now.checked_add(ttl).unwrap_or(now),
    }
}

/// An upload refused on `field` for `reason`, told in Italian by `sentence`.
fn refused(field: &'static str, reason: &'static str, sentence: impl Into<String>) -> Error {
    Error::FileRefused { field, reason, sentence: sentence.into() }
}

/// The document type `name`, if the workflow declares it and an action `actor` can take now on the
/// case takes it.
fn accepted_type<'d>(
    definition: &'d Definition,
    stored: &StoredCase,
    actor: &Actor,
    name: &str,
) -> Result<&'d DocumentTypeDef, Error> {
    let Some(doc_type) = definition.documents.get(name) else {
        return Err(refused("/type", "unknown-type", "Questo servizio non prevede documenti di questo tipo."));
    };
    let takes = available(definition, &stored.case, actor)
        .iter()
        .any(|t| definition.transitions[t.as_str()].documents.contains_key(name));
    if !takes {
        return Err(refused(
            "/type",
            "type-not-taken-now",
            "Ora nessuna azione che puoi fare su questa pratica prende documenti di questo tipo.",
        ));
    }
    Ok(doc_type)
}

/// Refuses a file name that cannot be shown safely: empty, too long, with a directory part, or with
/// control or direction-changing characters.
fn check_name(name: &str) -> Result<(), Error> {
    let rename = "rinomina il file e caricalo di nuovo";
    let (reason, sentence) = if name.trim().is_empty() {
        ("no-name", "Il file non ha un nome: dagliene uno e caricalo di nuovo.".to_owned())
    } else if name.chars().count() > LONGEST_NAME {
        ("long-name", format!("Il nome del file supera i {LONGEST_NAME} caratteri: {rename}."))
    } else if name.contains('/') || name.contains('\\') || name.split('.').all(|p| p.is_empty()) {
        ("name-with-folder", format!("Il nome del file contiene una cartella (/, \\ o ..): {rename}."))
    } else if name.chars().any(|c| c.is_control() || is_direction_mark(c)) {
        (
            "unsafe-name",
            format!("Il nome del file contiene caratteri di controllo o che ne invertono il verso: {rename}."),
        )
    } else {
        return Ok(());
    };
    Err(refused("/name", reason, sentence))
}

fn is_direction_mark(c: char) -> bool {
    matches!(c, '\u{200E}' | '\u{200F}' | '\u{061C}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

fn refusal(refusal: checks::Refusal) -> Error {
    match refusal {
        checks::Refusal::Unreadable(why) => Error::DocumentStore(why),
        refusal => refused("/file", refusal.code(), refusal.to_string()),
    }
}

fn store_error(error: StoreError) -> Error {
    match error {
        StoreError::TooLarge { limit } => Error::TooLarge { limit },
        StoreError::NotFound => Error::NotFound(EngineError::CaseNotFound),
        other => Error::DocumentStore(other.to_string()),
    }
}

/// A new upload's id: 128 random bits, in hex.
fn upload_id() -> String {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).expect("the system's random source");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Uploads the documents `transition` requires on case `code`, made up by
/// [`crate::sample_documents::required`], as `actor`, and gives the input key that attaches them
/// (`{"<type>": [ids]}`), or `None` when it requires none. For the demo and the dev server's cases.
///
/// # Errors
///
/// As [`upload`].
pub async fn upload_samples(
    state: &AppState,
    actor: &Actor,
    code: &str,
    definition: &Definition,
    transition: &str,
) -> Result<Option<Json>, Error> {
    let mut ids: serde_json::Map<String, Json> = serde_json::Map::new();
    for (doc_type, name, bytes) in crate::sample_documents::required(definition, transition, code) {
        let body = futures_util::stream::iter([Ok::<_, std::convert::Infallible>(Bytes::from(bytes))]);
        let dto = upload(state, actor, code, Upload { doc_type: doc_type.clone(), name, body }).await?;
        if let Some(list) = ids.entry(doc_type).or_insert_with(|| Json::Array(Vec::new())).as_array_mut() {
            list.push(Json::String(dto.id));
        }
    }
    Ok((!ids.is_empty()).then_some(Json::Object(ids)))
}

/// A document opened for download: what it is, and its bytes (all, or the range asked for).
pub struct Download {
    /// The document.
    pub record: DocumentRecord,
    /// The bytes sent: the whole file, or `range`.
    pub body: ByteStream,
    /// The range sent, when one was asked for and can be served.
    pub range: Option<Range<u64>>,
}

/// What a range request asks of a file of `size` bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wanted {
    /// The whole file.
    All,
    /// `start..end` (end exclusive).
    Part(u64, u64),
    /// A range the file cannot give (416).
    Unsatisfiable,
}

/// Reads a `Range` header (`bytes=0-499`, `bytes=500-`, `bytes=-500`) for a file of `size` bytes. Only
/// one range is served; several, or a unit other than bytes, get the whole file.
pub fn wanted(header: Option<&str>, size: u64) -> Wanted {
    let Some(spec) = header.and_then(|h| h.trim().strip_prefix("bytes=")) else { return Wanted::All };
    if spec.contains(',') {
        return Wanted::All;
    }
    let Some((start, end)) = spec.trim().split_once('-') else { return Wanted::Unsatisfiable };
    let (start, end) = (start.trim(), end.trim());
    let range = match (start.parse::<u64>(), end.parse::<u64>()) {
        (Ok(start), Ok(end)) if start <= end => (start, (end + 1).min(size)),
        (Ok(start), Err(_)) if end.is_empty() => (start, size),
        (Err(_), Ok(last)) if start.is_empty() && last > 0 => (size.saturating_sub(last), size),
        _ => return Wanted::Unsatisfiable,
    };
    if range.0 >= size { Wanted::Unsatisfiable } else { Wanted::Part(range.0, range.1) }
}

/// Opens the document `id` of case `code` for `actor`, the `range` of it when asked.
///
/// # Errors
///
/// Not found for a case or document the actor may not see (the same answer as for none);
/// [`Error::RangeNotSatisfiable`]; [`Error::DocumentStore`] when the store cannot give the bytes.
pub async fn download(
    state: &AppState,
    actor: &Actor,
    code: &str,
    id: &str,
    range: Option<&str>,
) -> Result<Download, Error> {
    let (stored, _) = visible_case(state, actor, code, "download").await?;
    let record = state.store.case_document(stored.id, id).await?;
    let Some(record) = record.filter(|r| may_see_document(actor, &stored, r)) else {
        return Err(Error::NotFound(EngineError::CaseNotFound));
    };
    let part = match wanted(range, record.size) {
        Wanted::All => None,
        Wanted::Part(start, end) => Some(start..end),
        Wanted::Unsatisfiable => return Err(Error::RangeNotSatisfiable { size: record.size }),
    };
    let body = state.documents.open(&record.sha256, part.clone()).await.map_err(store_error)?;
    Ok(Download { record, body, range: part })
}

/// Discards the upload `id` of case `code`, which `actor` uploaded and no transition attached yet.
///
/// # Errors
///
/// Not found for a case the actor may not see, or no such upload of theirs still waiting;
/// [`Error::Storage`].
pub async fn discard(state: &AppState, actor: &Actor, code: &str, id: &str) -> Result<(), Error> {
    let (stored, _) = visible_case(state, actor, code, "discard").await?;
    let by = actor.key().unwrap_or_default();
    if !state.store.discard_upload(stored.id, id, &by).await? {
        return Err(Error::NotFound(EngineError::CaseNotFound));
    }
    Ok(())
}

/// The documents a transition's input names under its reserved key `documents` (`{"<type>": ["<id>",
/// …]}`), taken out of the input.
///
/// # Errors
///
/// Invalid input on `/documents` when it is not an object of lists of ids.
pub fn take_attachments(input: &mut Json) -> Result<Vec<sportello_runtime::documents::Attached>, Error> {
    let Some(named) = input.as_object_mut().and_then(|i| i.remove("documents")) else { return Ok(Vec::new()) };
    let shape = || {
        Error::invalid_field(
            "the documents to attach are not well formed",
            "/documents",
            "an object naming, for each document type, a list of upload ids: {\"project\": [\"…\"]}",
        )
    };
    let named = named.as_object().ok_or_else(shape)?;
    let mut attached = Vec::new();
    for (doc_type, ids) in named {
        for id in ids.as_array().ok_or_else(shape)? {
            attached.push(sportello_runtime::documents::Attached {
                upload: id.as_str().ok_or_else(shape)?.to_owned(),
                doc_type: doc_type.clone(),
                name: String::new(),
                media_type: String::new(),
                size: 0,
                sha256: String::new(),
            });
        }
    }
    Ok(attached)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use sportello_documents::checks::Refusal;

    use super::{Error, Wanted, check_name, refusal, take_attachments, wanted};

    #[test]
    fn ranges_are_read_as_http_says() {
        assert_eq!(wanted(None, 10), Wanted::All);
        assert_eq!(wanted(Some("bytes=0-4"), 10), Wanted::Part(0, 5));
        assert_eq!(wanted(Some("bytes=5-"), 10), Wanted::Part(5, 10));
        assert_eq!(wanted(Some("bytes=-3"), 10), Wanted::Part(7, 10));
        assert_eq!(wanted(Some("bytes=8-100"), 10), Wanted::Part(8, 10));
        assert_eq!(wanted(Some("bytes=10-"), 10), Wanted::Unsatisfiable);
        assert_eq!(wanted(Some("bytes=4-2"), 10), Wanted::Unsatisfiable);
        assert_eq!(wanted(Some("bytes=0-1,4-5"), 10), Wanted::All);
    }

    #[test]
    fn names_with_folders_controls_or_direction_marks_are_refused() {
        assert!(check_name("tavola 1.pdf").is_ok());
        for bad in ["../etc/passwd", "a\\b.pdf", "..", "nul\0.pdf", "fdp.\u{202E}fdp.exe", &"x".repeat(300), " "] {
            assert!(check_name(bad).is_err(), "{bad:?} passed");
        }
    }

    #[test]
    fn a_refusal_says_why_in_italian_and_keeps_its_reason_apart() {
        let Error::FileRefused { field, reason, sentence } = refusal(Refusal::Empty) else { panic!("a file refused") };
        assert_eq!((field, reason, sentence.as_str()), ("/file", "empty-file", "Il file caricato è vuoto."));
        let Err(Error::FileRefused { field, reason, sentence }) = check_name("../tavola.pdf") else {
            panic!("a name refused")
        };
        assert_eq!((field, reason), ("/name", "name-with-folder"));
        assert!(sentence.starts_with("Il nome del file contiene una cartella"), "{sentence}");
        assert!(matches!(refusal(Refusal::Unreadable("disk".into())), Error::DocumentStore(_)));
    }

    #[test]
    fn attachments_are_taken_out_of_the_input() {
        let mut input = json!({"iban": "IT60X", "documents": {"project": ["a", "b"]}});
        let attached = take_attachments(&mut input).unwrap();
        assert_eq!(input, json!({"iban": "IT60X"}));
        assert_eq!(attached.iter().map(|a| a.upload.as_str()).collect::<Vec<_>>(), ["a", "b"]);
        assert!(take_attachments(&mut json!({"documents": ["a"]})).is_err());
    }
}
