//! Idempotency keys: a client's key, scoped to its actor, with the fingerprint of the request it came
//! with and the result that request had. A retry with the same key and request gets that result again
//! without anything being decided; the same key with another request is refused.

use std::future::Future;

use jiff::Timestamp;
use serde_json::{Value as Json, json};
use sportello_runtime::audit::{canonical_json, sha256_hex};
use sportello_runtime::case::Actor;
use sportello_runtime::error::Error;

use crate::types::{Applied, Apply, OpenCase, actor_scope};

/// A client's idempotency key, scoped to its actor, with the request's fingerprint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestKey {
    /// Whose key it is (`actor_scope`).
    pub scope: String,
    /// The key as the client sent it.
    pub key: String,
    /// SHA-256 of the request's canonical JSON, hex.
    pub hash: String,
}

impl RequestKey {
    /// The key `key` of `actor` for `request`; `None` when the client sent no key.
    pub fn new(actor: &Actor, key: Option<&str>, request: &Json) -> Option<RequestKey> {
        Some(RequestKey { scope: actor_scope(actor), key: key?.to_owned(), hash: sha256_hex(&canonical_json(request)) })
    }

    /// The key of an opening, fingerprinted on its workflow, applicant and data.
    pub fn of_opening(command: &OpenCase) -> Option<RequestKey> {
        let request = json!({"open": command.workflow, "applicant": command.applicant, "data": command.data});
        RequestKey::new(&command.actor, command.idempotency_key.as_deref(), &request)
    }

    /// The key of a transition, fingerprinted on its case, transition, input and expected version.
    pub fn of_transition(command: &Apply) -> Option<RequestKey> {
        let apply = &command.command;
        let request = json!({"case": command.case_id, "transition": apply.transition, "input": apply.input,
            "expected_version": apply.expected_version});
        RequestKey::new(&apply.actor, command.idempotency_key.as_deref(), &request)
    }
}

/// Idempotency keys and their results.
pub trait IdempotencyTable {
    /// The result the request with `key` had, marked as a replay; `None` if the key is new.
    ///
    /// # Errors
    ///
    /// [`Error::IdempotencyKeyReused`] when the key came with another request; a storage error.
    fn earlier_result(&self, key: &RequestKey) -> impl Future<Output = Result<Option<Applied>, Error>> + Send;

    /// Remembers `applied` as the result of the request with `key`.
    ///
    /// # Errors
    ///
    /// A storage error (on SQL, also when a concurrent request remembered the key first).
    fn remember_result(
        &self,
        key: &RequestKey,
        applied: &Applied,
        now: Timestamp,
    ) -> impl Future<Output = Result<(), Error>> + Send;
}
