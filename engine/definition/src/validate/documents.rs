//! The case file's document types and the documents each transition takes: formats the case file can
//! check, sizes that are sizes, counts that can be met, documents only someone who can attach them is
//! asked for, and no data or input field under the name that carries the attachments.

use indexmap::IndexMap;

use serde_json::Value;

use super::{Ctx, text_of};
use crate::data_schema::properties;
use crate::diagnostic::{Code, YamlPath};
use crate::model::{DocumentInput, DocumentTypeDef, MEDIA_TYPES, Visibility};
use crate::raw::{RawDocumentInput, RawDocumentType, RawTransition};

/// The most documents of one type a transition may take.
pub const MAX_DOCUMENTS_PER_TYPE: u32 = 10;
/// The largest file a document type may accept: 500 MB.
pub const MAX_DOCUMENT_BYTES: u64 = 500 * MB;
/// A document type's size limit when it does not say: 10 MB.
pub const DEFAULT_DOCUMENT_BYTES: u64 = 10 * MB;
/// The input key under which the API carries a transition's attachments (`{"documents": {"project":
/// ["<upload id>"]}}`): no field of the case data or of an input may be called so.
pub const RESERVED_INPUT_KEY: &str = "documents";
const MB: u64 = 1024 * 1024;
const SIGNED: &str = "application/pkcs7-mime";

impl Ctx<'_> {
    /// The declared document types, each checked.
    pub(super) fn document_types(&mut self) -> IndexMap<String, DocumentTypeDef> {
        let raw = self.raw;
        raw.documents.iter().map(|(id, declared)| (id.clone(), self.document_type(id, declared))).collect()
    }

    fn document_type(&mut self, id: &str, raw: &RawDocumentType) -> DocumentTypeDef {
        let path = crate::yaml_path!["documents", id];
        let title = match &raw.title {
            Some(title) => self.text(title, &path.key("title")),
            None => {
                self.push(
                    Code::MissingKey,
                    path.clone(),
                    format!("document type `{id}` has no `title`"),
                    "write what the document is called on the pages: `title: { it: Elaborati progettuali }`",
                );
                text_of(&Default::default())
            }
        };
        let hint = raw.hint.as_ref().map(|h| self.text(h, &path.key("hint")));
        let mut accept = Vec::new();
        for (i, media_type) in raw.accept.iter().enumerate() {
            if MEDIA_TYPES.contains(&media_type.as_str()) {
                accept.push(media_type.clone());
            } else {
                self.push(
                    Code::BadDocumentFormat,
                    path.key("accept").index(i),
                    format!("the case file cannot check files of type `{media_type}`"),
                    format!("accepted types are {}", MEDIA_TYPES.map(|m| format!("`{m}`")).join(", ")),
                );
            }
        }
        if raw.accept.is_empty() {
            accept.push(MEDIA_TYPES[0].to_owned());
        }
        if raw.signed && !raw.accept.is_empty() && !accept.iter().any(|m| m == SIGNED) {
            self.push(
                Code::BadDocumentFormat,
                path.key("accept"),
                format!("document type `{id}` must be signed but does not accept `{SIGNED}`"),
                format!("a digitally signed file is a CAdES `.p7m`: add `{SIGNED}` to `accept`"),
            );
        }
        if raw.signed && raw.accept.is_empty() {
            accept = vec![SIGNED.to_owned()];
        }
        let max_bytes = match raw.max_size.as_deref() {
            None => DEFAULT_DOCUMENT_BYTES,
            Some(text) => match parse_size(text) {
                Some(bytes) if bytes > 0 && bytes <= MAX_DOCUMENT_BYTES => bytes,
                _ => {
                    self.push(
                        Code::BadDocumentFormat,
                        path.key("max_size"),
                        format!("`{text}` is not a size between 1 KB and 500 MB"),
                        "write the size as `512 KB` or `20 MB` (1 MB = 1,048,576 bytes)",
                    );
                    DEFAULT_DOCUMENT_BYTES
                }
            },
        };
        DocumentTypeDef {
            title,
            hint,
            accept,
            max_bytes,
            signed: raw.signed,
            visible_to: raw.visible_to.unwrap_or_default(),
        }
    }

    /// The documents transition `id` takes, each type known and each count possible.
    pub(super) fn document_inputs(&mut self, id: &str, transition: &RawTransition) -> IndexMap<String, DocumentInput> {
        let raw = self.raw;
        let by = transition.by.names();
        let mut out = IndexMap::new();
        for (name, count) in &transition.documents {
            let path = crate::yaml_path!["transitions", id, "documents", name];
            if !self.reference(Code::UnknownDocumentType, path.clone(), "document type", name, raw.documents.keys()) {
                continue;
            }
            self.check_document_count(id, name, count, &path);
            if by.contains(&"system") {
                self.push(
                    Code::DocumentsNobodyCanSend,
                    path.clone(),
                    format!("transition `{id}` is fired by the engine, which cannot attach `{name}`"),
                    "ask for the document on a transition a person takes (`by: citizen` or a staff role)",
                );
            }
            if by.contains(&"citizen") && raw.documents[name].visible_to == Some(Visibility::Staff) {
                self.push(
                    Code::HiddenDocumentFromCitizen,
                    path.clone(),
                    format!("the citizen attaches `{name}` on `{id}` but may not see it afterwards"),
                    "make the type `visible_to: applicant`, or let only staff attach it",
                );
            }
            out.insert(name.clone(), DocumentInput { min: count.min, max: count.max });
        }
        out
    }

    /// Reports a field of `data`, or of a transition's `input`, named [`RESERVED_INPUT_KEY`].
    pub(super) fn check_reserved_names(&mut self) {
        let (raw, key) = (self.raw, RESERVED_INPUT_KEY);
        if raw.data.as_ref().is_some_and(|data| properties(data).contains_key(key)) {
            self.push(
                Code::ReservedName,
                crate::yaml_path!["data", "properties", key],
                format!("no data field may be called `{key}`: it is the input key of a transition's files"),
                "rename the field (`documents_request`, …); declare files under the top-level `documents`",
            );
        }
        for (id, transition) in &raw.transitions {
            let Some(input) = &transition.input else { continue };
            let path = crate::yaml_path!["transitions", id, "input"];
            let mut places = Vec::new();
            if properties(input).contains_key(key) {
                places.push(path.key("properties").key(key));
            }
            let required = input.get("required").and_then(Value::as_array).into_iter().flatten();
            for (i, _) in required.enumerate().filter(|(_, name)| name.as_str() == Some(key)) {
                places.push(path.key("required").index(i));
            }
            for place in places {
                self.push(
                    Code::ReservedName,
                    place,
                    format!("the input of `{id}` may not have a field `{key}`: it is the key of its files"),
                    "ask for files with the transition's own `documents`; rename a field that holds anything else",
                );
            }
        }
    }

    /// Reports a count no upload can meet, at the `max` or `min` to change (at the document's key when
    /// the offending `max` is the default, which is not written).
    fn check_document_count(&mut self, id: &str, name: &str, count: &RawDocumentInput, path: &YamlPath) {
        let (at, message, hint) = if count.max > MAX_DOCUMENTS_PER_TYPE {
            (
                "max",
                format!("transition `{id}` takes up to {} documents of type `{name}`", count.max),
                format!("a transition takes at most {MAX_DOCUMENTS_PER_TYPE} files of one type: lower `max`"),
            )
        } else if count.max == 0 {
            (
                "max",
                format!("transition `{id}` lists document type `{name}` but takes none (`max: 0`)"),
                format!("remove `{name}` from the transition's `documents`, or let it take some (`max: 1`)"),
            )
        } else if count.min > count.max {
            (
                "min",
                format!(
                    "transition `{id}` asks for at least {} documents of type `{name}` but takes at most {}",
                    count.min, count.max
                ),
                "lower `min`, or raise `max` (1 unless written) to at least `min`".to_owned(),
            )
        } else {
            return;
        };
        self.push(Code::ImpossibleDocumentCount, path.key(at), message, hint);
    }
}

/// A size written `512 KB` or `20 MB`, in bytes.
pub fn parse_size(text: &str) -> Option<u64> {
    let (number, unit) = text.trim().split_once(' ')?;
    let number: u64 = number.trim().parse().ok()?;
    let unit = match unit.trim() {
        "KB" | "kB" => 1024,
        "MB" => MB,
        _ => return None,
    };
    number.checked_mul(unit)
}

#[cfg(test)]
mod tests {
    use super::parse_size;

    #[test]
    fn sizes_are_read_in_kb_and_mb() {
        assert_eq!(parse_size("512 KB"), Some(512 * 1024));
        assert_eq!(parse_size("20 MB"), Some(20 * 1024 * 1024));
        assert_eq!(parse_size("20MB"), None);
        assert_eq!(parse_size("2 GB"), None);
        assert_eq!(parse_size("many MB"), None);
    }
}
