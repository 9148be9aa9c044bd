//! A case's audit trail as stored: every entry in sequence order, its body as written and its hash,
//! for the case page and for anyone who wants to check the chain by hand. `audit verify` checks it.

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use super::entities::audit_entry;
use super::sql::from_micros;
use super::{Store, db};
use crate::queries::AuditRecord;
use sportello_runtime::error::Error;

impl Store {
    /// Every audit entry of the case, in sequence order. A case that does not exist is
    /// [`Error::CaseNotFound`] (every case has at least the entry that opened it).
    pub async fn audit_trail(&self, case_id: i64) -> Result<Vec<AuditRecord>, Error> {
        let entries = audit_entry::Entity::find()
            .filter(audit_entry::Column::CaseId.eq(case_id))
            .order_by_asc(audit_entry::Column::Sequence)
            .all(&self.inner.reader)
            .await
            .map_err(db)?;
        if entries.is_empty() {
            return Err(Error::CaseNotFound);
        }
        Ok(entries
            .into_iter()
            .map(|e| AuditRecord {
                sequence: e.sequence as u64,
                recorded_at: from_micros(e.recorded_at),
                // A body that is no longer JSON was altered by hand; it is shown as the text it is.
                body: serde_json::from_str(&e.body).unwrap_or(serde_json::Value::String(e.body)),
                hash: e.hash,
            })
            .collect())
    }
}
