//! The documents a transition attaches to the case file: checked against what the transition takes
//! (known types, counts within range, no file twice), counted into the case, and sealed by their
//! SHA-256 in the transition's audit entry. The bytes and their checks are elsewhere (the documents
//! crate); here a document is what the audit trail and the guards know of it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value as Json, json};

use crate::error::Error;
use sportello_definition::Definition;
use sportello_definition::model::TransitionDef;

/// A document a transition attaches, as its audit entry records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attached {
    /// The upload's id, by which the caller named it (not sealed: the hash is).
    pub upload: String,
    /// Its document type.
    #[serde(rename = "type")]
    pub doc_type: String,
    /// The name it was uploaded with, made fit to show.
    pub name: String,
    /// Its media type, told from its bytes.
    pub media_type: String,
    /// Its size in bytes.
    pub size: u64,
    /// The SHA-256 of its bytes, lowercase hex: the name of its blob.
    pub sha256: String,
}

/// Checks `attached` against what `transition` takes: every type known to it, between its `min` and
/// `max` of each, and no file twice.
///
/// # Errors
///
/// [`Error::InvalidInput`] with one problem per document type, at `/documents/<type>`.
pub fn check(transition: &TransitionDef, attached: &[Attached]) -> Result<(), Error> {
    let mut problems = Vec::new();
    let mut counts: BTreeMap<&str, u32> = BTreeMap::new();
    for document in attached {
        *counts.entry(document.doc_type.as_str()).or_default() += 1;
    }
    for doc_type in counts.keys().filter(|t| !transition.documents.contains_key(**t)) {
        problems
            .push((format!("/documents/{doc_type}"), "this action does not take documents of this type".to_owned()));
    }
    for (doc_type, range) in &transition.documents {
        let count = counts.get(doc_type.as_str()).copied().unwrap_or_default();
        if count < range.min {
            problems
                .push((format!("/documents/{doc_type}"), format!("at least {} required, {count} given", range.min)));
        } else if count > range.max {
            problems.push((format!("/documents/{doc_type}"), format!("at most {} allowed, {count} given", range.max)));
        }
    }
    for (i, document) in attached.iter().enumerate() {
        if attached[..i].iter().any(|earlier| earlier.sha256 == document.sha256) {
            problems.push((format!("/documents/{}", document.doc_type), "the same file is attached twice".to_owned()));
        }
    }
    if problems.is_empty() { Ok(()) } else { Err(Error::InvalidInput(problems)) }
}

/// Adds `attached` to the case file's counts.
pub fn count_into(counts: &mut BTreeMap<String, u32>, attached: &[Attached]) {
    for document in attached {
        *counts.entry(document.doc_type.clone()).or_default() += 1;
    }
}

/// What expressions see as `documents`: every declared type with the number the case file holds.
pub fn variable(definition: &Definition, counts: &BTreeMap<String, u32>) -> Json {
    let by_type: Map<String, Json> = definition
        .documents
        .keys()
        .map(|doc_type| (doc_type.clone(), json!(counts.get(doc_type).copied().unwrap_or_default())))
        .collect();
    Json::Object(by_type)
}

/// The audit entry's list of attached documents.
pub fn audit_list(attached: &[Attached]) -> Json {
    json!(
        attached
            .iter()
            .map(|d| json!({"type": d.doc_type, "name": d.name, "media_type": d.media_type, "size": d.size, "sha256": d.sha256}))
            .collect::<Vec<_>>()
    )
}

#[cfg(test)]
mod tests {
    use indexmap::IndexMap;
    use sportello_definition::ids::StateId;
    use sportello_definition::model::{Actor, DocumentInput, TransitionDef};

    use super::{Attached, check};
    use crate::error::Error;

    fn takes(types: &[(&str, u32, u32)]) -> TransitionDef {
        let documents: IndexMap<String, DocumentInput> =
            types.iter().map(|(t, min, max)| ((*t).to_owned(), DocumentInput { min: *min, max: *max })).collect();
        TransitionDef {
            title: None,
            from: vec![StateId::parse("draft").expect("an id")],
            to: StateId::parse("submitted").expect("an id"),
            by: vec![Actor::Citizen],
            guard: None,
            refusal: None,
            input: None,
            documents,
        }
    }

    fn doc(doc_type: &str, sha: &str) -> Attached {
        Attached {
            upload: format!("u-{sha}"),
            doc_type: doc_type.to_owned(),
            name: "a.pdf".to_owned(),
            media_type: "application/pdf".to_owned(),
            size: 10,
            sha256: sha.repeat(64),
        }
    }

    fn fields(result: Result<(), Error>) -> Vec<String> {
        match result {
            Err(Error::InvalidInput(problems)) => problems.into_iter().map(|(f, m)| format!("{f}: {m}")).collect(),
            other => panic!("expected invalid input, got {other:?}"),
        }
    }

    #[test]
    fn counts_within_range_pass() {
        let transition = takes(&[("project", 1, 3), ("isee", 0, 1)]);
        assert!(check(&transition, &[doc("project", "a"), doc("project", "b")]).is_ok());
    }

    #[test]
    fn a_missing_required_document_is_named() {
        let transition = takes(&[("project", 1, 3)]);
        assert_eq!(fields(check(&transition, &[])), ["/documents/project: at least 1 required, 0 given"]);
    }

    #[test]
    fn too_many_unknown_types_and_twice_the_same_file_are_refused() {
        let transition = takes(&[("project", 0, 1)]);
        let found = fields(check(&transition, &[doc("project", "a"), doc("project", "a"), doc("other", "b")]));
        assert_eq!(
            found,
            [
                "/documents/other: this action does not take documents of this type",
                "/documents/project: at most 1 allowed, 2 given",
                "/documents/project: the same file is attached twice",
            ]
        );
    }
}
