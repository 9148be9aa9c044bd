//! The seal an audit entry puts on its case: a digest of the case row as the command left it, kept in
//! the entry's body under `seal` and so covered by the entry's hash. `audit verify` compares the row as
//! stored with the seal of its chain's last entry and names each field that differs: a case row
//! changed behind Sportello's back (its applicant, say) no longer passes, though its chain is intact.
//!
//! The seal is `{"row": R, "fields": F}`. `R` is SHA-256 over every sealed field's name and value
//! (canonical JSON, so a database that re-serialises JSON, like PostgreSQL's `jsonb`, changes nothing):
//! matching it is what proves the row unchanged. `F` holds, for each field in [`FIELDS`] order, the
//! first 8 hexadecimal digits of that field's own digest, only to name which fields differ when `R`
//! does not match; it keeps the entry about 180 bytes longer, not 360 as full digests would. Derived
//! columns (`waiting_for`, `due_at`, `updated_at`) and the chain's own head are not sealed. The case's
//! timers are, though they live in a table of their own: the store reads them with the row.

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
    /// Its pending timers, as the store lists them (each `[kind, name, due_at, fire, term_day]`, sorted).
    pub timers: &'a Json,
}

/// The sealed fields, in the order of the seal's field digests.
pub const FIELDS: [&str; 11] = [
    "workflow",
    "workflow_version",
    "state",
    "data",
    "clocks",
    "version",
    "applicant",
    "office",
    "assignee",
    "opened_on",
    "timers",
];

/// Digits of each field's digest kept in the seal.
const HINT: usize = 8;

impl SealedFields<'_> {
    fn values(&self) -> [Json; 11] {
        [
            json!(self.workflow),
            json!(self.workflow_version),
            json!(self.state),
            self.data.clone(),
            self.clocks.clone(),
            json!(self.version),
            json!(self.applicant),
            json!(self.office),
            json!(self.assignee),
            json!(self.opened_on),
            self.timers.clone(),
        ]
    }

    /// The seal: the row's digest and each field's hint.
    pub fn seal(&self) -> Json {
        let (row, fields) = self.digests();
        json!({"row": row, "fields": fields})
    }

    fn digests(&self) -> (String, String) {
        let mut row = Sha256::new();
        let mut fields = String::with_capacity(HINT * FIELDS.len());
        for (name, value) in FIELDS.iter().zip(self.values()) {
            let text = format!("{name}\n{}\n", canonical_json(&value));
            row.update(text.as_bytes());
            fields.push_str(&hex(&Sha256::digest(text.as_bytes()))[..HINT]);
        }
        (hex(&row.finalize()), fields)
    }

    /// The fields whose value differs from what `seal` recorded, in [`FIELDS`] order; empty when the
    /// row matches. When the row's digest differs but no field's hint does (a chance of one in four
    /// billion, or a collision sought on purpose), the answer is `["row"]`.
    pub fn differing(&self, seal: &Json) -> Vec<&'static str> {
        let (row, fields) = self.digests();
        if seal.get("row").and_then(Json::as_str) == Some(row.as_str()) {
            return Vec::new();
        }
        let sealed = seal.get("fields").and_then(Json::as_str).unwrap_or_default();
        let named: Vec<&'static str> = FIELDS
            .iter()
            .enumerate()
            .filter(|(i, _)| sealed.get(i * HINT..(i + 1) * HINT) != Some(&fields[i * HINT..(i + 1) * HINT]))
            .map(|(_, name)| *name)
            .collect();
        if named.is_empty() { vec!["row"] } else { named }
    }
}

/// `body` with the seal of `fields` added (a body that is not an object is left as it is).
pub fn sealed(mut body: Json, fields: &SealedFields<'_>) -> Json {
    if let Some(object) = body.as_object_mut() {
        object.insert(SEAL_KEY.to_owned(), fields.seal());
    }
    body
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
            timers: &NO_TIMERS,
        }
    }

    static NO_TIMERS: Json = Json::Array(Vec::new());

    #[test]
    fn the_seal_is_pinned_and_ignores_key_order() {
        let (data, clocks) = (json!({"a": 1, "b": [true, null]}), json!({}));
        let seal = fields(&data, &clocks).seal();
        assert_eq!(seal["fields"].as_str().unwrap().len(), 88);
        // Pinned: a change here makes every stored seal differ.
        assert_eq!(&seal["fields"].as_str().unwrap()[48..56], "9215d94b", "the applicant's hint");
        assert_eq!(seal["row"], "63e837c48745f958d19cd3b7eb38efa180ba0090637d2d1d1e14c156efd7baae");
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
        assert_eq!(fields(&data, &clocks).differing(&json!({})).len(), 11, "a missing seal differs in every field");
        let mut forged = seal.clone();
        forged["row"] = json!("0".repeat(64));
        assert_eq!(fields(&data, &clocks).differing(&forged), ["row"], "hints that match prove nothing");
    }

    #[test]
    fn a_body_gets_the_seal_beside_its_keys() {
        let (data, clocks) = (json!({}), json!({}));
        let body = sealed(json!({"kind": "transition"}), &fields(&data, &clocks));
        assert_eq!(body["kind"], "transition");
        assert_eq!(body[SEAL_KEY], fields(&data, &clocks).seal());
    }
}
