//! Signed checkpoints of the audit log, in the manner of a transparency log's signed tree head: the
//! number of cases, every case's chain head (its last sequence number and hash), and a Merkle root over
//! those heads, signed with an Ed25519 key kept outside the database. A chain can be rewritten
//! consistently by someone who can write the database; a checkpoint taken before cannot, without the
//! key. Comparing a database with a checkpoint names each case deleted since, each chain cut short
//! (entries deleted from its end) and each chain whose history up to the checkpoint was rewritten.
//!
//! The Merkle tree is RFC 6962's: a leaf hashes `0x00` and the head's text, a node `0x01` and its two
//! children, an odd last node is carried up; the leaves are the heads in case-id order. What is signed
//! is the text `sportello-checkpoint/1`, the instant, the number of cases and the root, one per line.

use std::collections::BTreeMap;

use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::audit::hex;

/// The checkpoint format this code writes and reads.
pub const FORMAT: u32 = 1;

/// A case's chain head, as a checkpoint records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseHead {
    /// The case row's id.
    pub id: i64,
    /// The case's code.
    pub case: String,
    /// Its chain's last sequence number (0: no entry yet).
    pub sequence: u64,
    /// Its chain's last hash.
    pub hash: String,
}

/// A signed checkpoint, as written to its file (JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Checkpoint {
    /// [`FORMAT`].
    pub format: u32,
    /// When it was taken (RFC 3339).
    pub taken_at: String,
    /// How many cases the database held.
    pub cases: u64,
    /// The Merkle root over `heads`, hexadecimal.
    pub root: String,
    /// The public key it was signed with, hexadecimal (for information: a check uses the key the
    /// operator gives, never this one).
    pub public_key: String,
    /// The Ed25519 signature of the signed text, hexadecimal.
    pub signature: String,
    /// Every case's chain head, in id order.
    pub heads: Vec<CaseHead>,
}

/// Why a checkpoint cannot be trusted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckpointError {
    /// Not a checkpoint of a format this code reads.
    #[error("the checkpoint's format is {0}; this version reads format {FORMAT}")]
    Format(u32),
    /// The signature does not verify with the given key.
    #[error("the checkpoint's signature does not verify with the given public key")]
    Signature,
    /// The heads are not the ones the signed root covers, or not as many as it says.
    #[error("the checkpoint's heads do not match its signed root and count: the file was changed")]
    Heads,
}

/// What a database lost or changed since a checkpoint, for one case.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckpointBreak {
    /// The case is gone.
    #[error("case {case} was deleted since the checkpoint")]
    Deleted {
        /// The case's code in the checkpoint.
        case: String,
    },
    /// Its chain now ends before the checkpoint's head: entries were deleted from its end.
    #[error("the chain of case {case} was cut short: it had {sequence} entries at the checkpoint, now {now}")]
    Truncated {
        /// The case.
        case: String,
        /// Its head's sequence number at the checkpoint.
        sequence: u64,
        /// Its entries now.
        now: u64,
    },
    /// The entry at the checkpoint's head has another hash: the history up to it was rewritten.
    #[error("the chain of case {case} was rewritten: entry {sequence} is not the one the checkpoint saw")]
    Rewritten {
        /// The case.
        case: String,
        /// The checkpoint's head.
        sequence: u64,
    },
}

/// A case as the database holds it now, for [`Checkpoint::compare`]: its code, its head's sequence, and
/// the hash of its entry at the checkpoint's head sequence, if that entry exists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseNow {
    /// Its code.
    pub case: String,
    /// Its chain's last sequence number.
    pub sequence: u64,
    /// The hash of its entry at the checkpoint's sequence.
    pub hash_at_checkpoint: Option<String>,
}

impl Checkpoint {
    /// Takes a checkpoint of `heads` (in any order) at `taken_at`, signed with `key`.
    pub fn sign(mut heads: Vec<CaseHead>, taken_at: jiff::Timestamp, key: &SigningKey) -> Checkpoint {
        heads.sort_by_key(|h| h.id);
        let root = merkle_root(&heads);
        let taken_at = taken_at.to_string();
        let cases = heads.len() as u64;
        let signature = key.sign(signed_text(&taken_at, cases, &root).as_bytes());
        Checkpoint {
            format: FORMAT,
            taken_at,
            cases,
            root,
            public_key: hex(key.verifying_key().as_bytes()),
            signature: hex(&signature.to_bytes()),
            heads,
        }
    }

    /// Checks that the checkpoint was signed with `key` and that its heads are the ones signed.
    ///
    /// # Errors
    ///
    /// [`CheckpointError`]: another format, a signature that does not verify, heads changed.
    pub fn check(&self, key: &VerifyingKey) -> Result<(), CheckpointError> {
        if self.format != FORMAT {
            return Err(CheckpointError::Format(self.format));
        }
        let signature = unhex::<64>(&self.signature).map(|b| Signature::from_bytes(&b));
        let text = signed_text(&self.taken_at, self.cases, &self.root);
        if signature.is_none_or(|s| key.verify(text.as_bytes(), &s).is_err()) {
            return Err(CheckpointError::Signature);
        }
        let in_order = self.heads.windows(2).all(|w| w[0].id < w[1].id);
        if !in_order || self.heads.len() as u64 != self.cases || merkle_root(&self.heads) != self.root {
            return Err(CheckpointError::Heads);
        }
        Ok(())
    }

    /// What `now` (each case the database holds, by id) lost or changed since this checkpoint, in
    /// case-id order. Cases opened since, and entries added since, are not breaks.
    pub fn compare(&self, now: &BTreeMap<i64, CaseNow>) -> Vec<CheckpointBreak> {
        let mut breaks = Vec::new();
        for head in &self.heads {
            let Some(current) = now.get(&head.id).filter(|c| c.case == head.case) else {
                breaks.push(CheckpointBreak::Deleted { case: head.case.clone() });
                continue;
            };
            if head.sequence == 0 {
                continue;
            }
            let case = head.case.clone();
            match &current.hash_at_checkpoint {
                Some(hash) if current.sequence >= head.sequence => {
                    if *hash != head.hash {
                        breaks.push(CheckpointBreak::Rewritten { case, sequence: head.sequence });
                    }
                }
                _ => breaks.push(CheckpointBreak::Truncated { case, sequence: head.sequence, now: current.sequence }),
            }
        }
        breaks
    }
}

/// A signing key from its 32-byte seed in hexadecimal (a key file's content, spaces trimmed).
pub fn signing_key(text: &str) -> Option<SigningKey> {
    unhex::<32>(text.trim()).map(|seed| SigningKey::from_bytes(&seed))
}

/// A public key from its 32 bytes in hexadecimal.
pub fn verifying_key(text: &str) -> Option<VerifyingKey> {
    unhex::<32>(text.trim()).and_then(|bytes| VerifyingKey::from_bytes(&bytes).ok())
}

fn signed_text(taken_at: &str, cases: u64, root: &str) -> String {
    format!("sportello-checkpoint/{FORMAT}\n{taken_at}\n{cases}\n{root}\n")
}

/// RFC 6962's Merkle tree hash over the heads, in the order given.
pub fn merkle_root(heads: &[CaseHead]) -> String {
    if heads.is_empty() {
        return hex(&Sha256::digest(b""));
    }
    let mut level: Vec<[u8; 32]> = heads
        .iter()
        .map(|h| {
            let mut hasher = Sha256::new();
            hasher.update([0u8]);
            hasher.update(format!("{}\n{}\n{}\n{}", h.id, h.case, h.sequence, h.hash).as_bytes());
            hasher.finalize().into()
        })
        .collect();
    while level.len() > 1 {
        level = level
            .chunks(2)
            .map(|pair| match pair {
                [left, right] => {
                    let mut hasher = Sha256::new();
                    hasher.update([1u8]);
                    hasher.update(left);
                    hasher.update(right);
                    hasher.finalize().into()
                }
                [single] => *single,
                _ => unreachable!("chunks of two"),
            })
            .collect();
    }
    hex(&level[0])
}

fn unhex<const N: usize>(text: &str) -> Option<[u8; N]> {
    if text.len() != N * 2 || !text.is_ascii() {
        return None;
    }
    let mut out = [0u8; N];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&text[i * 2..i * 2 + 2], 16).ok()?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(seed: u8) -> SigningKey {
        SigningKey::from_bytes(&[seed; 32])
    }

    fn heads(n: i64) -> Vec<CaseHead> {
        (1..=n)
            .map(|id| CaseHead { id, case: format!("RA-2026-{id:06}"), sequence: 3, hash: format!("{id:064x}") })
            .collect()
    }

    fn now_of(heads: &[CaseHead]) -> BTreeMap<i64, CaseNow> {
        heads
            .iter()
            .map(|h| {
                (h.id, CaseNow { case: h.case.clone(), sequence: h.sequence, hash_at_checkpoint: Some(h.hash.clone()) })
            })
            .collect()
    }

    #[test]
    fn a_checkpoint_verifies_with_its_key_only() {
        let at: jiff::Timestamp = "2026-12-07T10:00:00Z".parse().unwrap();
        let checkpoint = Checkpoint::sign(heads(5), at, &key(7));
        assert_eq!(checkpoint.check(&key(7).verifying_key()), Ok(()));
        assert_eq!(checkpoint.check(&key(8).verifying_key()), Err(CheckpointError::Signature));
        let mut forged = checkpoint.clone();
        forged.cases = 4;
        assert_eq!(forged.check(&key(7).verifying_key()), Err(CheckpointError::Signature));
        let mut dropped = checkpoint.clone();
        dropped.heads.remove(2);
        assert_eq!(dropped.check(&key(7).verifying_key()), Err(CheckpointError::Heads));
        let text = serde_json::to_string(&checkpoint).unwrap();
        let read: Checkpoint = serde_json::from_str(&text).unwrap();
        assert_eq!(read, checkpoint);
    }

    #[test]
    fn the_root_is_rfc_6962s() {
        // One leaf: SHA-256 of 0x00 and its text; two: of 0x01 and both leaves' hashes.
        let one = heads(1);
        let leaf = Sha256::digest([&[0u8][..], b"1\nRA-2026-000001\n3\n", one[0].hash.as_bytes()].concat());
        assert_eq!(merkle_root(&one), hex(&leaf));
        let two = heads(2);
        let second = Sha256::digest([&[0u8][..], b"2\nRA-2026-000002\n3\n", two[1].hash.as_bytes()].concat());
        let node = Sha256::digest([&[1u8][..], &leaf[..], &second[..]].concat());
        assert_eq!(merkle_root(&two), hex(&node));
        assert_ne!(merkle_root(&heads(3)), merkle_root(&heads(4)));
    }

    #[test]
    fn deleted_cases_cut_and_rewritten_chains_are_named() {
        let taken = heads(4);
        let checkpoint = Checkpoint::sign(taken.clone(), jiff::Timestamp::UNIX_EPOCH, &key(1));
        let mut now = now_of(&taken);
        assert!(checkpoint.compare(&now).is_empty());
        now.remove(&1);
        now.get_mut(&2).unwrap().sequence = 2;
        now.get_mut(&2).unwrap().hash_at_checkpoint = None;
        now.get_mut(&3).unwrap().hash_at_checkpoint = Some("f".repeat(64));
        // Entries added since are fine.
        now.get_mut(&4).unwrap().sequence = 9;
        now.insert(5, CaseNow { case: "RA-2026-000005".into(), sequence: 1, hash_at_checkpoint: None });
        assert_eq!(
            checkpoint.compare(&now),
            [
                CheckpointBreak::Deleted { case: "RA-2026-000001".into() },
                CheckpointBreak::Truncated { case: "RA-2026-000002".into(), sequence: 3, now: 2 },
                CheckpointBreak::Rewritten { case: "RA-2026-000003".into(), sequence: 3 },
            ]
        );
    }

    #[test]
    fn keys_read_from_hexadecimal() {
        let seed = hex(&[9u8; 32]);
        let signing = signing_key(&format!("{seed}\n")).unwrap();
        let public = verifying_key(&hex(signing.verifying_key().as_bytes())).unwrap();
        assert_eq!(public, signing.verifying_key());
        assert!(signing_key("short").is_none());
        assert!(signing_key(&"zz".repeat(32)).is_none());
    }
}
