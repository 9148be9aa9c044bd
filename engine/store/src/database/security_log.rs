//! The security log (`security_event`): requests refused because the caller may not see or touch a
//! case, or because it does not exist, one row each, apart from the cases' audit trails. The target is
//! the case code as the caller gave it, whether or not such a case exists.

use jiff::Timestamp;
use sea_orm::ConnectionTrait;

use super::sql::{from_micros, micros, statement};
use super::{Store, db};
use sportello_runtime::error::Error;

/// A refused request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// When.
    pub at: Timestamp,
    /// Who asked, as the operators read it (`citizen RSSMRA85T10A562S`, `staff member u-17`).
    pub actor: String,
    /// What they tried (`read`, `apply:approve`, `audit`, …).
    pub action: String,
    /// The case code as they gave it.
    pub target: String,
    /// Why it was refused (`case-not-found`, `forbidden`, `actor-not-allowed`, …).
    pub refusal: String,
}

impl Store {
    /// Writes `refusal` to the security log.
    ///
    /// # Errors
    ///
    /// [`Error::Storage`].
    pub async fn record_refusal(&self, refusal: Refusal) -> Result<(), Error> {
        self.inner
            .writer
            .write(false, move |txn| {
                Box::pin(async move {
                    let sql = "INSERT INTO security_event (at, actor, action, target, refusal) VALUES (?, ?, ?, ?, ?)";
                    let values = [
                        micros(refusal.at).into(),
                        refusal.actor.as_str().into(),
                        refusal.action.as_str().into(),
                        refusal.target.as_str().into(),
                        refusal.refusal.as_str().into(),
                    ];
                    txn.execute_raw(statement(txn, sql, values)).await.map_err(db)?;
                    Ok(())
                })
            })
            .await
    }

    /// The latest `limit` refusals of the security log, newest first.
    ///
    /// # Errors
    ///
    /// [`Error::Storage`].
    pub async fn refusals(&self, limit: u64) -> Result<Vec<Refusal>, Error> {
        let reader = &self.inner.reader;
        let sql = "SELECT at, actor, action, target, refusal FROM security_event ORDER BY id DESC LIMIT ?";
        let rows = reader.query_all_raw(statement(reader, sql, [(limit as i64).into()])).await.map_err(db)?;
        rows.iter()
            .map(|row| {
                Ok(Refusal {
                    at: from_micros(row.try_get_by_index(0).map_err(db)?),
                    actor: row.try_get_by_index(1).map_err(db)?,
                    action: row.try_get_by_index(2).map_err(db)?,
                    target: row.try_get_by_index(3).map_err(db)?,
                    refusal: row.try_get_by_index(4).map_err(db)?,
                })
            })
            .collect()
    }
}
