//! The files a form sends with a transition. [`inputs`] draws one file input per document type the
//! transition takes (`doc:<type>`, `multiple` when it takes more than one, the formats and the size
//! limit in words, whether it is required), and [`receive`] reads the form as it arrives without
//! holding a file in memory: the CSRF token first (a file before it is refused), then the text fields,
//! and each file streamed straight into the case file's upload ([`app::documents::upload`]), where it
//! is checked and kept as waiting for the transition. What was refused is told beside its input in the
//! visitor's language; the caller applies the transition with [`Received::documents`] in its input,
//! or, when anything was refused, [`Received::discard`]s every upload of the submission.

use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, Request};
use axum::http::header;
use indexmap::IndexMap;
use serde_json::{Map, Value as Json, json};
use sportello_definition::Definition;
use sportello_definition::model::DocumentInput;
use sportello_runtime::case::Actor;

use super::case_file::format_name;
use crate::app::{self, documents};
use crate::state::AppState;
use crate::web::context::Page;
use crate::web::error::PageError;
use crate::web::render::human_size;
use crate::web::session::same_token;
use crate::web::text::text;

/// The most bytes of text fields a form may send (the server's default body limit, which these
/// forms lift for their files).
const TEXT_BYTES: usize = 1024 * 1024;
/// The most bytes of a refused file read past its refusal, so that the browser, which sends the whole
/// form before it reads the answer, gets the page telling why; past this the answer is sent anyway.
const DRAIN_BYTES: u64 = 128 * 1024 * 1024;

/// The file inputs of the form of `transition`, which takes `takes`, with `problems` (document type,
/// message) beside their inputs: each `{name, id, title, hint, formats, accept, multiple, required,
/// limits, error, error_id, described_by}`; the id (`doc-<transition>-<type>`) is unique on a page that
/// has several actions taking the same type.
pub fn inputs(
    page: &Page<'_>,
    definition: &Definition,
    transition: &str,
    takes: &IndexMap<String, DocumentInput>,
    problems: &[(String, String)],
) -> Vec<Json> {
    let (lang, code) = (page.language(), page.lang());
    takes
        .iter()
        .filter_map(|(name, range)| definition.documents.get(name).map(|doc_type| (name, range, doc_type)))
        .map(|(name, range, doc_type)| {
            let id = format!("doc-{transition}-{name}");
            let error = problems.iter().filter(|(t, _)| t == name).map(|(_, m)| m.as_str()).collect::<Vec<_>>();
            let error = (!error.is_empty()).then(|| error.join(" "));
            let hint_id = format!("{id}-hint");
            let error_id = error.as_ref().map(|_| format!("{id}-error"));
            let described_by = [Some(hint_id.clone()), error_id.clone()].into_iter().flatten().collect::<Vec<_>>();
            json!({
                "name": format!("doc:{name}"),
                "id": id,
                "title": doc_type.title.get(lang),
                "hint": doc_type.hint.as_ref().map(|h| h.get(lang)),
                "hint_id": hint_id,
                "limits": limits(code, &doc_type.accept, doc_type.signed, doc_type.max_bytes, *range),
                "accept": accept_attribute(&doc_type.accept, doc_type.signed),
                "multiple": range.max > 1,
                "required": range.min >= 1,
                "error": error,
                "error_id": error_id,
                "described_by": described_by.join(" "),
            })
        })
        .collect()
}

/// What a file input takes, in words: "PDF o file firmato .p7m, fino a 20 MB per file · obbligatorio,
/// al massimo 3 file".
fn limits(lang: &str, accept: &[String], signed: bool, max_bytes: u64, range: DocumentInput) -> String {
    let size = text(lang, "file_limit").replace("{size}", &human_size(max_bytes, lang));
    let mut count = vec![text(lang, if range.min >= 1 { "file_required" } else { "file_optional" })];
    if range.max > 1 {
        count.push(text(lang, "file_at_most").replace("{n}", &range.max.to_string()));
    }
    format!("{}, {size} · {}", formats(lang, accept, signed), count.join(", "))
}

/// The formats `accept` lists, in words: "PDF o file firmato .p7m"; for a document that must be
/// signed, what the signed envelope may hold: "PDF firmato digitalmente (.p7m)".
pub fn formats(lang: &str, accept: &[String], signed: bool) -> String {
    let plain: Vec<String> = accept.iter().filter(|m| !is_p7m(m)).map(|m| format_name(lang, m)).collect();
    if signed {
        return if plain.is_empty() {
            text(lang, "signed_file")
        } else {
            text(lang, "signed_formats").replace("{formats}", &in_words(lang, &plain))
        };
    }
    in_words(lang, &accept.iter().map(|m| format_name(lang, m)).collect::<Vec<_>>())
}

fn is_p7m(media_type: &str) -> bool {
    media_type == "application/pkcs7-mime"
}

/// "A", "A o B", "A, B o C".
fn in_words(lang: &str, items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} {} {last}", rest.join(", "), text(lang, "or")),
    }
}

/// The input's `accept` attribute: extensions and media types, so the browser's file picker offers
/// the files the case file takes (the server checks the bytes whatever the picker let through).
fn accept_attribute(accept: &[String], signed: bool) -> String {
    let shown: Vec<&str> = accept
        .iter()
        .filter(|m| !signed || is_p7m(m))
        .map(|m| match m.as_str() {
            "application/pdf" => ".pdf,application/pdf",
            "image/jpeg" => ".jpg,.jpeg,image/jpeg",
            "image/png" => ".png,image/png",
            "application/pkcs7-mime" => ".p7m,application/pkcs7-mime",
            other => other,
        })
        .collect();
    shown.join(",")
}

/// A file the form sent, kept in the case file as waiting for the transition.
#[derive(Debug, Clone)]
pub struct Uploaded {
    /// Its document type.
    pub doc_type: String,
    /// Its upload id.
    pub id: String,
}

/// A form as received: its text fields, the files it uploaded, and what was refused.
#[derive(Debug, Default)]
pub struct Received {
    /// The text fields, in order, repeated names kept.
    pub fields: Vec<(String, String)>,
    /// The files kept, waiting for the transition.
    pub uploads: Vec<Uploaded>,
    /// What was refused: document type and why, in the visitor's language.
    pub problems: Vec<(String, String)>,
    /// Whether the form sent any file (then a refused form asks to choose them again).
    pub chose_files: bool,
}

impl Received {
    /// What the transition's input names under `documents`: each type's upload ids.
    pub fn documents(&self) -> Json {
        let mut by_type: Map<String, Json> = Map::new();
        for upload in &self.uploads {
            let ids = by_type.entry(upload.doc_type.clone()).or_insert_with(|| json!([]));
            if let Some(ids) = ids.as_array_mut() {
                ids.push(json!(upload.id));
            }
        }
        Json::Object(by_type)
    }

    /// How many files of `doc_type` were kept.
    pub fn count(&self, doc_type: &str) -> u32 {
        u32::try_from(self.uploads.iter().filter(|u| u.doc_type == doc_type).count()).unwrap_or(u32::MAX)
    }

    /// Discards every upload of this form (the transition did not take them), so nothing is left
    /// waiting; one that cannot be discarded now expires unattached.
    pub async fn discard(&self, state: &AppState, actor: &Actor, code: &str) {
        for upload in &self.uploads {
            if let Err(error) = documents::discard(state, actor, code, &upload.id).await {
                tracing::warn!(error.message = %error, "an upload of a refused form was not discarded; it expires");
            }
        }
    }
}

/// Whether the case file counts the form's files in: the counts each type asks for, checked after
/// the form was read, told beside the inputs. Added to `received.problems`.
pub fn check_counts(page: &Page<'_>, takes: &IndexMap<String, DocumentInput>, received: &mut Received) {
    for (doc_type, range) in takes {
        if received.problems.iter().any(|(t, _)| t == doc_type) {
            continue;
        }
        if let Some(message) = count_problem(page.lang(), received.count(doc_type), *range) {
            received.problems.push((doc_type.clone(), message));
        }
    }
}

/// Why `count` files are not what `range` takes, if they are not.
pub fn count_problem(lang: &str, count: u32, range: DocumentInput) -> Option<String> {
    if count < range.min {
        return Some(match range.min {
            1 => text(lang, "attach_at_least_one"),
            n => text(lang, "attach_at_least").replace("{n}", &n.to_string()),
        });
    }
    (count > range.max).then(|| too_many(lang, range.max))
}

fn too_many(lang: &str, max: u32) -> String {
    match max {
        1 => text(lang, "one_file_only"),
        n => text(lang, "too_many_files").replace("{n}", &n.to_string()),
    }
}

/// Reads the form posted to a transition of case `code` that takes `takes`: URL-encoded, or
/// `multipart/form-data` with files, each uploaded to the case file as it streams in.
///
/// # Errors
///
/// 403 when the form's `_csrf` is not the session's or a file comes before it; 400 for a form that
/// cannot be read or a file input the transition has no type for; the application's error when the
/// case file cannot take files now. Any upload the form made is discarded first.
pub async fn receive(
    state: &AppState,
    page: &Page<'_>,
    actor: &Actor,
    code: &str,
    takes: &IndexMap<String, DocumentInput>,
    request: Request,
) -> Result<Received, PageError> {
    let multipart = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    if !multipart {
        let bytes =
            axum::body::to_bytes(request.into_body(), TEXT_BYTES).await.map_err(|_| PageError::bad_request())?;
        let fields: Vec<(String, String)> =
            serde_urlencoded::from_bytes(&bytes).map_err(|_| PageError::bad_request())?;
        let token = fields.iter().find(|(k, _)| k == "_csrf").map(|(_, v)| v.as_str()).unwrap_or_default();
        if !same_token(token, &page.session.csrf) {
            return Err(PageError::expired_form());
        }
        return Ok(Received { fields, ..Received::default() });
    }
    let multipart = Multipart::from_request(request, &()).await.map_err(|_| PageError::bad_request())?;
    let mut received = Received::default();
    let mut reading = Reading { state, page, actor, code, takes, received: &mut received, text: 0, drained: 0 };
    match reading.parts(multipart).await {
        Ok(()) => Ok(received),
        Err(error) => {
            received.discard(state, actor, code).await;
            Err(error)
        }
    }
}

/// A multipart form being read.
struct Reading<'r, 'p> {
    state: &'r AppState,
    page: &'r Page<'p>,
    actor: &'r Actor,
    code: &'r str,
    takes: &'r IndexMap<String, DocumentInput>,
    received: &'r mut Received,
    /// Bytes of text fields read so far.
    text: usize,
    /// Bytes of refused files read past their refusal.
    drained: u64,
}

impl Reading<'_, '_> {
    async fn parts(&mut self, mut multipart: Multipart) -> Result<(), PageError> {
        let mut token_checked = false;
        let mut chosen: IndexMap<String, u32> = IndexMap::new();
        while let Some(mut field) = multipart.next_field().await.map_err(|_| PageError::bad_request())? {
            let name = field.name().unwrap_or_default().to_owned();
            let Some(file_name) = field.file_name().map(str::to_owned) else {
                let value = self.text_of(&mut field).await?;
                if name == "_csrf" {
                    if !same_token(&value, &self.page.session.csrf) {
                        return Err(PageError::expired_form());
                    }
                    token_checked = true;
                }
                self.received.fields.push((name, value));
                continue;
            };
            // The token comes first in the form: a file before it is not this site's form.
            if !token_checked {
                return Err(PageError::expired_form());
            }
            let Some((doc_type, range)) =
                name.strip_prefix("doc:").and_then(|t| self.takes.get_key_value(t)).map(|(t, r)| (t.clone(), *r))
            else {
                return Err(PageError::bad_request());
            };
            // An input left empty sends a part with no file name and no bytes.
            if file_name.is_empty() {
                if !self.drain(&mut field).await? {
                    return Ok(());
                }
                continue;
            }
            self.received.chose_files = true;
            let count = chosen.entry(doc_type.clone()).or_default();
            *count += 1;
            if *count > range.max {
                if *count == range.max + 1 {
                    self.received.problems.push((doc_type, too_many(self.page.lang(), range.max)));
                }
                if !self.drain(&mut field).await? {
                    return Ok(());
                }
                continue;
            }
            let upload = documents::Upload { doc_type: doc_type.clone(), name: file_name, body: &mut field };
            match documents::upload(self.state, self.actor, self.code, upload).await {
                Ok(dto) => self.received.uploads.push(Uploaded { doc_type, id: dto.id }),
                Err(error) => {
                    let message = refusal_text(self.page, &error).ok_or_else(|| PageError::from(error))?;
                    self.received.problems.push((doc_type, message));
                    if !self.drain(&mut field).await? {
                        return Ok(());
                    }
                }
            }
        }
        if !token_checked {
            return Err(PageError::expired_form());
        }
        Ok(())
    }

    /// A text field's value, within the form's budget for text.
    async fn text_of(&mut self, field: &mut axum::extract::multipart::Field<'_>) -> Result<String, PageError> {
        let mut bytes = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(|_| PageError::bad_request())? {
            self.text += chunk.len();
            if self.text > TEXT_BYTES {
                return Err(PageError::bad_request());
            }
            bytes.extend_from_slice(&chunk);
        }
        String::from_utf8(bytes).map_err(|_| PageError::bad_request())
    }

    /// Reads what is left of a refused file and drops it; `false` once the form has sent more of them
    /// than [`DRAIN_BYTES`], when reading stops.
    async fn drain(&mut self, field: &mut axum::extract::multipart::Field<'_>) -> Result<bool, PageError> {
        loop {
            let chunk: Option<Bytes> = field.chunk().await.map_err(|_| PageError::bad_request())?;
            let Some(chunk) = chunk else { return Ok(true) };
            self.drained += chunk.len() as u64;
            if self.drained > DRAIN_BYTES {
                return Ok(false);
            }
        }
    }
}

/// Why the case file refused a file, in the page's language, or `None` when it is not the file's
/// fault (the case is gone, the store is down): that is an error page.
pub fn refusal_text(page: &Page<'_>, error: &app::Error) -> Option<String> {
    match error {
        app::Error::FileRefused { reason, sentence, .. } => {
            let key = format!("file_{}", reason.replace('-', "_"));
            let english = page.t(&key);
            Some(if page.lang() == "en" && english != key { english } else { sentence.clone() })
        }
        app::Error::TooLarge { limit } => {
            Some(page.t("file_over_limit").replace("{size}", &human_size(*limit, page.lang())))
        }
        app::Error::InvalidInput { .. } => Some(page.t("file_not_attached")),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use sportello_definition::model::DocumentInput;

    use super::{accept_attribute, count_problem, formats, limits};

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn the_picker_offers_what_the_case_file_takes() {
        assert_eq!(
            accept_attribute(&strings(&["application/pdf", "application/pkcs7-mime"]), false),
            ".pdf,application/pdf,.p7m,application/pkcs7-mime"
        );
        assert_eq!(
            accept_attribute(&strings(&["application/pdf", "application/pkcs7-mime"]), true),
            ".p7m,application/pkcs7-mime"
        );
    }

    #[test]
    fn formats_counts_and_limits_are_told_in_words() {
        let pdf_or_p7m = strings(&["application/pdf", "application/pkcs7-mime"]);
        assert_eq!(formats("it", &pdf_or_p7m, false), "PDF o file firmato .p7m");
        assert_eq!(formats("it", &pdf_or_p7m, true), "PDF firmato digitalmente (.p7m)");
        assert_eq!(formats("en", &pdf_or_p7m, true), "digitally signed PDF (.p7m)");
        assert_eq!(
            formats("it", &strings(&["application/pdf", "image/jpeg", "image/png"]), false),
            "PDF, immagine JPEG o immagine PNG"
        );
        let range = DocumentInput { min: 1, max: 3 };
        assert_eq!(
            limits("it", &pdf_or_p7m, false, 20 * 1024 * 1024, range),
            "PDF o file firmato .p7m, fino a 20 MB per file · obbligatorio, al massimo 3 file"
        );
        assert_eq!(
            limits("it", &strings(&["application/pdf"]), false, 512 * 1024, DocumentInput { min: 0, max: 1 }),
            "PDF, fino a 512 KB per file · facoltativo"
        );
        assert_eq!(count_problem("it", 0, range).as_deref(), Some("Allega almeno un documento."));
        assert_eq!(count_problem("it", 4, range).as_deref(), Some("Puoi allegare al massimo 3 file di questo tipo."));
        assert_eq!(count_problem("it", 2, range), None);
    }
}
