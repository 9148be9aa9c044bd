//! Refused requests in the audit trail: a request the API turned down (reading a case, applying a
//! transition, …) is appended to the case's chain with outcome `denied`, the action tried and the
//! refusal's code, without touching the case's state or version.
//!
//! A citizen other than the applicant is not named in clear (the trail is shown to the applicant):
//! the entry keeps the SHA-256 of their fiscal code, enough to check a suspicion, not to read one off.
//! That rule and the entry's body are the runtime's (`audit_body::Denied`); this file only writes it.

use super::Store;
use super::retry::Retry;
use super::rows::{self};
use sportello_runtime::audit_body::Denied;
use sportello_runtime::case::Actor;
use sportello_runtime::error::Error;

impl Store {
    /// Appends a `denied` entry to the case's audit chain: who tried, what (`read`, `apply:approve`, …)
    /// and the refusal's code (`case-not-found`, `actor-not-allowed`, …). A case that does not exist
    /// has no chain to append to: that is `Ok` and writes nothing.
    pub async fn record_denied(&self, case_id: i64, actor: &Actor, action: &str, code: &str) -> Result<(), Error> {
        let inner = &self.inner;
        let mut retry = Retry::new(None);
        loop {
            let loaded = match rows::load(&inner.reader, case_id).await {
                Err(Error::CaseNotFound) => return Ok(()),
                other => other?,
            };
            let now = inner.clock.now();
            let body = Denied { actor, applicant: &loaded.case.applicant, action, code, at: now }.body();
            let appended = inner
                .writer
                .write(false, move |txn| {
                    Box::pin(async move { rows::append_only(txn, &loaded.row, &loaded.case.code, body, now).await })
                })
                .await;
            match appended {
                lost if retry.again(&lost) => {}
                other => return other,
            }
        }
    }
}
