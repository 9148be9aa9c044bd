//! The seal an audit entry puts on its case: a digest of each field of the case row as the command left
//! it, kept in the entry's body under `seal` and so covered by the entry's hash. `audit verify`
//! compares the row as stored with the seal of its chain's last entry and names each field that
//! differs: a case row changed behind Sportello's back (its applicant, say) no longer passes, though
//! its chain is intact.
//!
//! Each digest is the first 16 hexadecimal digits (64 bits) of SHA-256 over the field's name and its
//! value as canonical JSON (so a database that re-serialises JSON, like PostgreSQL's `jsonb`, changes
//! nothing). Sixteen digits keep the entry small; finding another value with the same digest would
//! take about 2^64 attempts. Derived columns (`waiting_for`, `due_at`, `updated_at`) and the chain's
//! own head are not sealed; nor are the case's timers, which live in their own table.

use serde_json::{Value as Json, json};
use sha2::{Digest, Sha256};

use crate::audit::{canonical_json, hex};

/// The key of the seal in an entry's body.
pub const SEAL_KEY: &str = "seal";

/// The sealed fields of a case row, as the store keeps them.
#[derive(Debug, Clone, Copy)]
pub struct SealedFields<'a> {
    /// The workflow's id.
    pub workflow: &'a str,
    /// The workflow version the case runs on.
    pub workflow_version: u32,
    /// The current state.
    pub state: &'a str,
    /// The case data.
    pub data: &'a Json,
    /// The legal clocks' events, as stored.
    pub clocks: &'a Json,
    /// The case's version.
    pub version: u64,
    /// The applicant's fiscal code.
    pub applicant: &'a str,
    /// The owning office.
    pub office: &'a str,
    /// The clerk it is assigned to.
    pub assignee: Option<&'a str>,
    /// The day it was opened (`YYYY-MM-DD`).
    pub opened_on: &'a str,
}

impl SealedFields<'_> {
    fn values(&self) -> [(&'static str, Json); 10] {
        [
            ("workflow", json!(self.workflow)),
            ("workflow_version", json!(self.workflow_version)),
            ("state", json!(self.state)),
            ("data", self.data.clone()),
            ("clocks", self.clocks.clone()),
            ("version", json!(self.version)),
            ("applicant", json!(self.applicant)),
            ("office", json!(self.office)),
            ("assignee", json!(self.assignee)),
            ("opened_on", json!(self.opened_on)),
        ]
    }

    /// The seal: each field's digest, by name.
    pub fn seal(&self) -> Json {
        Json::Object(
            self.values().into_iter().map(|(name, value)| (name.to_owned(), json!(digest(name, &value)))).collect(),
        )
    }

    /// The fields whose value differs from what `seal` recorded, in the seal's field order; a field
    /// the seal lacks counts as differing.
    pub fn differing(&self, seal: &Json) -> Vec<&'static str> {
        self.values()
            .into_iter()
            .filter(|(name, value)| seal.get(name).and_then(Json::as_str) != Some(digest(name, value).as_str()))
            .map(|(name, _)| name)
            .collect()
    }
}

/// `body` with the seal of `fields` added (a body that is not an object is left as it is).
pub fn sealed(mut body: Json, fields: &SealedFields<'_>) -> Json {
    if let Some(object) = body.as_object_mut() {
        object.insert(SEAL_KEY.to_owned(), fields.seal());
    }
    body
}

fn digest(name: &str, value: &Json) -> String {
    let mut hasher = Sha256::new();
    hasher.update(name.as_bytes());
    hasher.update(b"\n");
    hasher.update(canonical_json(value).as_bytes());
    let mut text = hex(&hasher.finalize());
    text.truncate(16);
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields<'a>(data: &'a Json, clocks: &'a Json) -> SealedFields<'a> {
        SealedFields {
            workflow: "records-access",
            workflow_version: 1,
            state: "submitted",
            data,
            clocks,
            version: 2,
            applicant: "RSSMRA85T10A562S",
            office: "segreteria",
            assignee: None,
            opened_on: "2026-03-02",
        }
    }

    #[test]
    fn the_seal_is_pinned_and_ignores_key_order() {
        let (data, clocks) = (json!({"a": 1, "b": [true, null]}), json!({}));
        let seal = fields(&data, &clocks).seal();
        assert_eq!(seal.as_object().unwrap().len(), 10);
        // Pinned: a change here makes every stored seal differ.
        assert_eq!(seal["applicant"], "eaa06b37885ec780");
        let reordered: Json = serde_json::from_str(r#"{"b": [true, null], "a": 1}"#).unwrap();
        assert_eq!(fields(&reordered, &clocks).seal(), seal);
    }

    #[test]
    fn each_changed_field_is_named() {
        let (data, clocks) = (json!({"reason": "studio"}), json!({}));
        let seal = fields(&data, &clocks).seal();
        assert!(fields(&data, &clocks).differing(&seal).is_empty());
        let other_data = json!({"reason": "lavoro"});
        let mut changed = fields(&other_data, &clocks);
        changed.applicant = "BNCLRA90A41H501X";
        changed.assignee = Some("m.rossi");
        assert_eq!(changed.differing(&seal), ["data", "applicant", "assignee"]);
        assert_eq!(fields(&data, &clocks).differing(&json!({})).len(), 10, "a missing seal differs in every field");
    }

    #[test]
    fn a_body_gets_the_seal_beside_its_keys() {
        let (data, clocks) = (json!({}), json!({}));
        let body = sealed(json!({"kind": "transition"}), &fields(&data, &clocks));
        assert_eq!(body["kind"], "transition");
        assert_eq!(body[SEAL_KEY], fields(&data, &clocks).seal());
    }
}
