//! Page sessions on the server (`web_session`): the cookie carries a session id, and a session counts
//! only while its row says it is live, so signing out ends it in every process that serves pages for
//! the database, a copy of the cookie taken before stops working, a user can end all their sessions at
//! once, and signing in with other staff grants ends the sessions that held the old ones. Times are
//! Unix seconds by the wall clock, as the cookie's own expiry is. A subject is stored as the caller
//! gives it (the pages give a hash, never a fiscal code in clear).

use sea_orm::ConnectionTrait;

use super::sql::statement;
use super::{Store, db};
use sportello_runtime::error::Error;

/// A session that has just been signed in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewWebSession {
    /// Its id, random, as the cookie carries it.
    pub id: String,
    /// Who signed in (an opaque key: the same person always gives the same one).
    pub subject: String,
    /// What they were granted (roles and offices, as an opaque key): a sign-in with other grants ends
    /// the sessions that hold the old ones.
    pub grants: String,
    /// When it started.
    pub started_at: i64,
    /// When it expires.
    pub expires_at: i64,
}

/// How long an ended or expired session's row is kept before a sign-in deletes it, in seconds.
const KEPT_AFTER_END: i64 = 24 * 3600;

impl Store {
    /// Records a signed-in session. In the same transaction it ends the live sessions of the same
    /// subject held with other grants (their roles changed at the identity provider), and deletes the
    /// rows of sessions that ended or expired more than a day ago. How many sessions it ended.
    ///
    /// # Errors
    ///
    /// [`Error::Storage`].
    pub async fn start_web_session(&self, session: NewWebSession) -> Result<u64, Error> {
        self.inner
            .writer
            .write(false, move |txn| {
                Box::pin(async move {
                    let now = session.started_at;
                    let purge = "DELETE FROM web_session WHERE expires_at < ? OR ended_at < ?";
                    let cutoff = now - KEPT_AFTER_END;
                    txn.execute_raw(statement(txn, purge, [cutoff.into(), cutoff.into()])).await.map_err(db)?;
                    let end = "UPDATE web_session SET ended_at = ? \
                               WHERE subject = ? AND grants <> ? AND ended_at IS NULL AND expires_at > ?";
                    let values =
                        [now.into(), session.subject.as_str().into(), session.grants.as_str().into(), now.into()];
                    let ended = txn.execute_raw(statement(txn, end, values)).await.map_err(db)?.rows_affected();
                    let insert = "INSERT INTO web_session (id, subject, grants, started_at, expires_at, ended_at) \
                                  VALUES (?, ?, ?, ?, ?, NULL)";
                    let values = [
                        session.id.as_str().into(),
                        session.subject.as_str().into(),
                        session.grants.as_str().into(),
                        session.started_at.into(),
                        session.expires_at.into(),
                    ];
                    txn.execute_raw(statement(txn, insert, values)).await.map_err(db)?;
                    Ok(ended)
                })
            })
            .await
    }

    /// Whether session `id` is live at `now`: recorded, not ended, not expired.
    ///
    /// # Errors
    ///
    /// [`Error::Storage`].
    pub async fn web_session_is_live(&self, id: &str, now: i64) -> Result<bool, Error> {
        let reader = &self.inner.reader;
        let sql = "SELECT COUNT(*) FROM web_session WHERE id = ? AND ended_at IS NULL AND expires_at > ?";
        let row = reader.query_one_raw(statement(reader, sql, [id.into(), now.into()])).await.map_err(db)?;
        let live: i64 = match row {
            Some(row) => row.try_get_by_index(0).map_err(db)?,
            None => 0,
        };
        Ok(live > 0)
    }

    /// Ends session `id` at `now` (signing out); ending one already ended or unknown changes nothing.
    ///
    /// # Errors
    ///
    /// [`Error::Storage`].
    pub async fn end_web_session(&self, id: &str, now: i64) -> Result<(), Error> {
        let id = id.to_owned();
        self.inner
            .writer
            .write(false, move |txn| {
                Box::pin(async move {
                    let sql = "UPDATE web_session SET ended_at = ? WHERE id = ? AND ended_at IS NULL";
                    txn.execute_raw(statement(txn, sql, [now.into(), id.as_str().into()])).await.map_err(db)?;
                    Ok(())
                })
            })
            .await
    }

    /// Ends every live session of `subject` at `now` ("sign out everywhere"); how many.
    ///
    /// # Errors
    ///
    /// [`Error::Storage`].
    pub async fn end_web_sessions_of(&self, subject: &str, now: i64) -> Result<u64, Error> {
        let subject = subject.to_owned();
        self.inner
            .writer
            .write(false, move |txn| {
                Box::pin(async move {
                    let sql = "UPDATE web_session SET ended_at = ? WHERE subject = ? AND ended_at IS NULL";
                    let values = [now.into(), subject.as_str().into()];
                    Ok(txn.execute_raw(statement(txn, sql, values)).await.map_err(db)?.rows_affected())
                })
            })
            .await
    }
}
