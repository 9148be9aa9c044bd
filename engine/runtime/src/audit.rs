//! The audit log: append-only entries, hash-chained per case, so that an altered, inserted or deleted
//! entry is detected and named.
//!
//! Each entry's hash is SHA-256 over the case, its sequence number (1, 2, …), the previous entry's hash
//! and the entry's body as canonical JSON (object keys sorted, so a database that reorders keys, like
//! PostgreSQL's `jsonb`, does not break the chain). The case row keeps the head (last sequence and
//! hash), which catches entries removed from the end.

use serde_json::Value as Json;
use sha2::{Digest, Sha256};

/// The previous hash of a case's first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// An audit entry as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainedEntry {
    /// The case it belongs to.
    pub case: String,
    /// Its place in the case's chain, from 1.
    pub sequence: u64,
    /// What happened: actor, command, from → to, input, clock changes, outcome.
    pub body: Json,
    /// The previous entry's hash, or [`GENESIS`].
    pub previous_hash: String,
    /// This entry's hash.
    pub hash: String,
}

/// The last link of a case's chain, as the case row keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    /// The last sequence number.
    pub sequence: u64,
    /// The last hash.
    pub hash: String,
}

/// Where and how a chain is broken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainBreak {
    /// The entry's content no longer matches its hash.
    #[error("entry {sequence} of case {case} was altered")]
    Altered {
        /// The case.
        case: String,
        /// The altered entry.
        sequence: u64,
    },
    /// The entry does not follow the one before it: something was inserted, or it was re-linked.
    #[error("entry {sequence} of case {case} does not follow the entry before it (inserted or re-linked)")]
    Inserted {
        /// The case.
        case: String,
        /// The first entry out of place.
        sequence: u64,
    },
    /// The case row differs from what its chain's last entry sealed (`audit_seal.rs`): it was changed
    /// outside Sportello.
    #[error("case {case} was changed outside Sportello: {} from what entry {sequence} sealed", differ(fields))]
    RowAltered {
        /// The case.
        case: String,
        /// The entry whose seal the row no longer matches.
        sequence: u64,
        /// The fields that differ.
        fields: Vec<&'static str>,
    },
    /// The entry's `recorded_at` column is not the instant its (hashed) body holds.
    #[error("entry {sequence} of case {case} was moved in time: its recorded_at is not the time it holds")]
    TimeAltered {
        /// The case.
        case: String,
        /// The entry.
        sequence: u64,
    },
    /// Entries are missing.
    #[error("entries {from} to {to} of case {case} were deleted")]
    Deleted {
        /// The case.
        case: String,
        /// The first missing sequence number.
        from: u64,
        /// The last missing sequence number.
        to: u64,
    },
}

/// `state differs`, `timers differ`, `data, applicant differ`.
fn differ(fields: &[&str]) -> String {
    // One field differs; fields, or the timers or clocks, differ.
    let plural = fields.len() > 1 || fields.first().is_some_and(|field| field.ends_with('s'));
    format!("{} {}", fields.join(", "), if plural { "differ" } else { "differs" })
}

/// The entry that follows `previous` (or starts the chain) with `body`.
pub fn append(case: &str, previous: Option<&ChainedEntry>, body: Json) -> ChainedEntry {
    let head = previous.map(|p| Head { sequence: p.sequence, hash: p.hash.clone() });
    append_after(case, head.as_ref(), body)
}

/// The entry that follows the chain whose last link is `head` (or starts it), with `body`.
pub fn append_after(case: &str, head: Option<&Head>, body: Json) -> ChainedEntry {
    let sequence = head.map_or(1, |h| h.sequence + 1);
    let previous_hash = head.map_or_else(|| GENESIS.to_owned(), |h| h.hash.clone());
    let hash = hash(case, sequence, &previous_hash, &body);
    ChainedEntry { case: case.to_owned(), sequence, body, previous_hash, hash }
}

/// Checks a case's entries, in stored order, against each other and the case's head.
pub fn verify(case: &str, entries: &[ChainedEntry], head: Option<&Head>) -> Result<(), ChainBreak> {
    let mut expected_sequence = 1;
    let mut expected_previous = GENESIS.to_owned();
    for entry in entries {
        if entry.hash != hash(case, entry.sequence, &entry.previous_hash, &entry.body) || entry.case != case {
            return Err(ChainBreak::Altered { case: case.to_owned(), sequence: entry.sequence });
        }
        if entry.sequence > expected_sequence && entry.previous_hash != expected_previous {
            return Err(ChainBreak::Deleted { case: case.to_owned(), from: expected_sequence, to: entry.sequence - 1 });
        }
        if entry.sequence != expected_sequence || entry.previous_hash != expected_previous {
            return Err(ChainBreak::Inserted { case: case.to_owned(), sequence: entry.sequence });
        }
        expected_sequence += 1;
        expected_previous.clone_from(&entry.hash);
    }
    match head {
        Some(head) if head.sequence >= expected_sequence => {
            Err(ChainBreak::Deleted { case: case.to_owned(), from: expected_sequence, to: head.sequence })
        }
        Some(head) if head.sequence + 1 != expected_sequence || head.hash != expected_previous => {
            Err(ChainBreak::Inserted { case: case.to_owned(), sequence: head.sequence + 1 })
        }
        _ => Ok(()),
    }
}

fn hash(case: &str, sequence: u64, previous_hash: &str, body: &Json) -> String {
    let mut text = format!("{case}\n{sequence}\n{previous_hash}\n").into_bytes();
    canonical(body, &mut text);
    hex(&Sha256::digest(&text))
}

/// SHA-256 of some text, in lowercase hexadecimal: what an entry keeps of data it must not hold in
/// clear (a case's data, a fiscal code).
pub fn sha256_hex(text: &str) -> String {
    hex(&Sha256::digest(text.as_bytes()))
}

/// Bytes as lowercase hexadecimal.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        out.push(char::from(DIGITS[usize::from(byte >> 4)]));
        out.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
    out
}

/// `value` as text with object keys sorted: equal JSON values give equal text, whatever their key order.
pub fn canonical_json(value: &Json) -> String {
    let mut out = Vec::new();
    canonical(value, &mut out);
    String::from_utf8(out).expect("JSON text is UTF-8")
}

/// JSON with object keys sorted, whatever order they were stored in.
fn canonical(value: &Json, out: &mut Vec<u8>) {
    match value {
        Json::Object(map) => {
            let mut entries: Vec<(&String, &Json)> = map.iter().collect();
            entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
            out.push(b'{');
            for (i, (key, value)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                serde_json::to_writer(&mut *out, key).expect("a string serialises");
                out.push(b':');
                canonical(value, out);
            }
            out.push(b'}');
        }
        Json::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                canonical(item, out);
            }
            out.push(b']');
        }
        scalar => serde_json::to_writer(&mut *out, scalar).expect("a scalar serialises"),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn chain(n: u64) -> Vec<ChainedEntry> {
        let mut entries: Vec<ChainedEntry> = Vec::new();
        for i in 1..=n {
            let body =
                json!({"transition": format!("step_{i}"), "actor": "staff member u-17", "input": {"b": 1, "a": [i]}});
            let next = append("BP-1", entries.last(), body);
            entries.push(next);
        }
        entries
    }

    fn head(entries: &[ChainedEntry]) -> Head {
        let last = entries.last().unwrap();
        Head { sequence: last.sequence, hash: last.hash.clone() }
    }

    #[test]
    fn an_intact_chain_verifies_whatever_the_key_order() {
        let mut entries = chain(5);
        let head = head(&entries);
        // A database that stores JSON with its keys reordered.
        entries[2].body = json!({"input": {"a": [3], "b": 1}, "actor": "staff member u-17", "transition": "step_3"});
        assert_eq!(verify("BP-1", &entries, Some(&head)), Ok(()));
        assert_eq!(verify("BP-1", &[], None), Ok(()));
    }

    #[test]
    fn an_altered_entry_is_named() {
        let mut entries = chain(5);
        let head = head(&entries);
        entries[2].body["input"]["b"] = json!(2);
        assert_eq!(
            verify("BP-1", &entries, Some(&head)),
            Err(ChainBreak::Altered { case: "BP-1".into(), sequence: 3 })
        );
    }

    #[test]
    fn an_inserted_entry_is_named_even_with_a_valid_hash() {
        let mut entries = chain(4);
        let head = head(&entries);
        let forged = append("BP-1", Some(&entries[1]), json!({"transition": "forged"}));
        entries.insert(2, forged);
        assert_eq!(
            verify("BP-1", &entries, Some(&head)),
            Err(ChainBreak::Inserted { case: "BP-1".into(), sequence: 3 })
        );
    }

    #[test]
    fn deleted_entries_are_named_in_the_middle_and_at_the_end() {
        let entries = chain(6);
        let head = head(&entries);
        let mut middle = entries.clone();
        middle.drain(2..4);
        assert_eq!(
            verify("BP-1", &middle, Some(&head)),
            Err(ChainBreak::Deleted { case: "BP-1".into(), from: 3, to: 4 })
        );
        assert_eq!(
            verify("BP-1", &entries[..4], Some(&head)),
            Err(ChainBreak::Deleted { case: "BP-1".into(), from: 5, to: 6 })
        );
    }

    #[test]
    fn an_entry_moved_to_another_case_is_altered() {
        let mut entries = chain(2);
        entries[1].case = "BP-2".into();
        assert_eq!(verify("BP-1", &entries, None), Err(ChainBreak::Altered { case: "BP-1".into(), sequence: 2 }));
    }
}
