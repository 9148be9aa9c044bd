//! The case file's metadata (`document`, migration 19): uploads recorded once their blob is durable,
//! found again by their id when a transition attaches them (in that transition's transaction, where
//! they are marked with its audit entry's sequence), listed for a case's pages, and removed when they
//! expire unused. The blobs themselves are the document store's (`sportello-documents`): a row names
//! one by its SHA-256 and is never written before it.

use jiff::Timestamp;
use sea_orm::{ConnectionTrait, QueryResult};
use serde_json::Value as Json;

use super::sql::{from_micros, micros, statement};
use super::{Store, db};
use sportello_runtime::documents::Attached;
use sportello_runtime::error::Error;

/// An upload to record: its blob is already stored.
#[derive(Debug, Clone, PartialEq)]
pub struct NewUpload {
    /// Its public id (random), by which the uploader names it to a transition.
    pub upload_id: String,
    /// The case.
    pub case_id: i64,
    /// Its document type.
    pub doc_type: String,
    /// Its name, made fit to show.
    pub name: String,
    /// Its media type, told from its bytes.
    pub media_type: String,
    /// Its size in bytes.
    pub size: u64,
    /// The SHA-256 of its bytes: its blob's name.
    pub sha256: String,
    /// Who signed it (a `.p7m`), as JSON.
    pub signer: Option<Json>,
    /// Who uploaded it: a citizen's fiscal code or a member of staff's user id.
    pub uploaded_by: String,
    /// `citizen` or `staff`.
    pub uploader_kind: String,
    /// Who sees it besides the office: `applicant` or `staff`.
    pub visible_to: String,
    /// When an upload no transition attached is removed.
    pub expires_at: Timestamp,
}

/// A document of a case file, attached or still waiting for a transition.
#[derive(Debug, Clone, PartialEq)]
pub struct DocumentRecord {
    /// Its public id.
    pub upload_id: String,
    /// The case.
    pub case_id: i64,
    /// Its document type.
    pub doc_type: String,
    /// Its name, made fit to show.
    pub name: String,
    /// Its media type.
    pub media_type: String,
    /// Its size in bytes.
    pub size: u64,
    /// The SHA-256 of its bytes.
    pub sha256: String,
    /// Who signed it.
    pub signer: Option<Json>,
    /// Who uploaded it.
    pub uploaded_by: String,
    /// `citizen` or `staff`.
    pub uploader_kind: String,
    /// When.
    pub uploaded_at: Timestamp,
    /// `applicant` or `staff`.
    pub visible_to: String,
    /// The audit entry that attached it (`None`: waiting for a transition).
    pub audit_sequence: Option<i64>,
    /// When it is removed if still unattached.
    pub expires_at: Option<Timestamp>,
}

impl DocumentRecord {
    /// Whether a transition attached it.
    pub fn is_attached(&self) -> bool {
        self.audit_sequence.is_some()
    }
}

const COLUMNS: &str = "upload_id, case_id, doc_type, name, media_type, size, sha256, signer, uploaded_by, \
    uploader_kind, uploaded_at, visible_to, audit_sequence, expires_at";

fn record(row: &QueryResult) -> Result<DocumentRecord, Error> {
    let get = |e| db(e);
    let signer: Option<String> = row.try_get_by_index(7).map_err(get)?;
    Ok(DocumentRecord {
        upload_id: row.try_get_by_index(0).map_err(get)?,
        case_id: row.try_get_by_index(1).map_err(get)?,
        doc_type: row.try_get_by_index(2).map_err(get)?,
        name: row.try_get_by_index(3).map_err(get)?,
        media_type: row.try_get_by_index(4).map_err(get)?,
        size: u64::try_from(row.try_get_by_index::<i64>(5).map_err(get)?).unwrap_or_default(),
        sha256: row.try_get_by_index(6).map_err(get)?,
        signer: signer.and_then(|s| serde_json::from_str(&s).ok()),
        uploaded_by: row.try_get_by_index(8).map_err(get)?,
        uploader_kind: row.try_get_by_index(9).map_err(get)?,
        uploaded_at: from_micros(row.try_get_by_index(10).map_err(get)?),
        visible_to: row.try_get_by_index(11).map_err(get)?,
        audit_sequence: row.try_get_by_index(12).map_err(get)?,
        expires_at: row.try_get_by_index::<Option<i64>>(13).map_err(get)?.map(from_micros),
    })
}

impl Store {
    /// Records an upload whose blob is stored, waiting for a transition to attach it.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] on `/file` when the case file already holds the same bytes (attached or
    /// waiting); [`Error::Storage`].
    pub async fn record_upload(&self, upload: NewUpload, now: Timestamp) -> Result<(), Error> {
        self.inner
            .writer
            .write(false, move |txn| {
                Box::pin(async move {
                    let sql = "SELECT 1 FROM document WHERE case_id = ? AND sha256 = ?";
                    let twice = txn
                        .query_one_raw(statement(txn, sql, [upload.case_id.into(), upload.sha256.as_str().into()]))
                        .await
                        .map_err(db)?;
                    if twice.is_some() {
                        return Err(Error::InvalidInput(vec![(
                            "/file".to_owned(),
                            "the case file already holds this same file".to_owned(),
                        )]));
                    }
                    let sql = format!(
                        "INSERT INTO document ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?)"
                    );
                    let values: Vec<sea_orm::Value> = vec![
                        upload.upload_id.into(),
                        upload.case_id.into(),
                        upload.doc_type.into(),
                        upload.name.into(),
                        upload.media_type.into(),
                        i64::try_from(upload.size).unwrap_or(i64::MAX).into(),
                        upload.sha256.into(),
                        upload.signer.map(|s| s.to_string()).into(),
                        upload.uploaded_by.into(),
                        upload.uploader_kind.into(),
                        micros(now).into(),
                        upload.visible_to.into(),
                        micros(upload.expires_at).into(),
                    ];
                    txn.execute_raw(statement(txn, &sql, values)).await.map_err(db)?;
                    Ok(())
                })
            })
            .await
    }

    /// The documents of case `case_id`, attached and waiting, in the order they were uploaded.
    ///
    /// # Errors
    ///
    /// [`Error::Storage`].
    pub async fn case_documents(&self, case_id: i64) -> Result<Vec<DocumentRecord>, Error> {
        let reader = &self.inner.reader;
        let sql = format!("SELECT {COLUMNS} FROM document WHERE case_id = ? ORDER BY id");
        let rows = reader.query_all_raw(statement(reader, &sql, [case_id.into()])).await.map_err(db)?;
        rows.iter().map(record).collect()
    }

    /// The document `upload_id` of case `case_id`, if there is one.
    ///
    /// # Errors
    ///
    /// [`Error::Storage`].
    pub async fn case_document(&self, case_id: i64, upload_id: &str) -> Result<Option<DocumentRecord>, Error> {
        let reader = &self.inner.reader;
        let sql = format!("SELECT {COLUMNS} FROM document WHERE case_id = ? AND upload_id = ?");
        let row =
            reader.query_one_raw(statement(reader, &sql, [case_id.into(), upload_id.into()])).await.map_err(db)?;
        row.as_ref().map(record).transpose()
    }

    /// Removes an upload no transition attached yet, by whoever uploaded it: whether there was one.
    ///
    /// # Errors
    ///
    /// [`Error::Storage`].
    pub async fn discard_upload(&self, case_id: i64, upload_id: &str, uploaded_by: &str) -> Result<bool, Error> {
        let values: Vec<sea_orm::Value> = vec![case_id.into(), upload_id.into(), uploaded_by.into()];
        self.inner
            .writer
            .write(false, move |txn| {
                Box::pin(async move {
                    let sql = "DELETE FROM document WHERE case_id = ? AND upload_id = ? AND uploaded_by = ? \
                               AND audit_sequence IS NULL";
                    let done = txn.execute_raw(statement(txn, sql, values)).await.map_err(db)?;
                    Ok(done.rows_affected() > 0)
                })
            })
            .await
    }

    /// Removes the uploads that expired unattached before `now`, and gives back the SHA-256 of each
    /// blob no document names any more (for the caller to delete from the document store).
    ///
    /// # Errors
    ///
    /// [`Error::Storage`].
    pub async fn remove_expired_uploads(&self, now: Timestamp) -> Result<Vec<String>, Error> {
        self.inner
            .writer
            .write(false, move |txn| {
                Box::pin(async move {
                    let sql = "SELECT DISTINCT sha256 FROM document WHERE audit_sequence IS NULL AND expires_at < ?";
                    let rows = txn.query_all_raw(statement(txn, sql, [micros(now).into()])).await.map_err(db)?;
                    let hashes: Vec<String> =
                        rows.iter().map(|r| r.try_get_by_index(0)).collect::<Result<_, _>>().map_err(db)?;
                    let sql = "DELETE FROM document WHERE audit_sequence IS NULL AND expires_at < ?";
                    txn.execute_raw(statement(txn, sql, [micros(now).into()])).await.map_err(db)?;
                    let mut unused = Vec::new();
                    for hash in hashes {
                        let sql = "SELECT 1 FROM document WHERE sha256 = ?";
                        if txn.query_one_raw(statement(txn, sql, [hash.as_str().into()])).await.map_err(db)?.is_none() {
                            unused.push(hash);
                        }
                    }
                    Ok(unused)
                })
            })
            .await
    }

    /// Whether any document, attached or waiting, names the blob `sha256`.
    ///
    /// # Errors
    ///
    /// [`Error::Storage`].
    pub async fn blob_in_use(&self, sha256: &str) -> Result<bool, Error> {
        let reader = &self.inner.reader;
        let sql = "SELECT 1 FROM document WHERE sha256 = ? LIMIT 1";
        Ok(reader.query_one_raw(statement(reader, sql, [sha256.into()])).await.map_err(db)?.is_some())
    }

    /// Every attached document of every case, for `audit verify --documents`: case, upload id, the
    /// audit entry that attached it and its SHA-256.
    ///
    /// # Errors
    ///
    /// [`Error::Storage`].
    pub async fn attached_documents(&self) -> Result<Vec<DocumentRecord>, Error> {
        let reader = &self.inner.reader;
        let sql = format!("SELECT {COLUMNS} FROM document WHERE audit_sequence IS NOT NULL ORDER BY case_id, id");
        let rows = reader.query_all_raw(statement(reader, &sql, [])).await.map_err(db)?;
        rows.iter().map(record).collect()
    }
}

/// The uploads `wanted` names (by id and type), as documents to attach to case `case_id` for
/// `uploaded_by`: each must be that case's, that uploader's, of that type, waiting and not expired.
///
/// # Errors
///
/// [`Error::InvalidInput`] at `/documents/<type>` for an upload that is not there to attach;
/// [`Error::Storage`].
pub async fn resolve(
    conn: &impl ConnectionTrait,
    case_id: i64,
    uploaded_by: &str,
    wanted: &[Attached],
    now: Timestamp,
) -> Result<Vec<Attached>, Error> {
    let mut resolved = Vec::with_capacity(wanted.len());
    let mut problems = Vec::new();
    // One statement for all of them: on SQLite each is a round trip to the writer's connection.
    let marks = vec!["?"; wanted.len()].join(", ");
    let sql = format!("SELECT {COLUMNS} FROM document WHERE case_id = ? AND upload_id IN ({marks})");
    let mut values: Vec<sea_orm::Value> = vec![case_id.into()];
    values.extend(wanted.iter().map(|w| w.upload.as_str().into()));
    let rows = conn.query_all_raw(statement(conn, &sql, values)).await.map_err(db)?;
    let stored = rows.iter().map(record).collect::<Result<Vec<_>, _>>()?;
    for want in wanted {
        let found = stored.iter().find(|d| d.upload_id == want.upload).cloned().filter(|d| {
            d.uploaded_by == uploaded_by
                && d.doc_type == want.doc_type
                && d.audit_sequence.is_none()
                && d.expires_at.is_some_and(|at| at > now)
        });
        match found {
            Some(d) => resolved.push(Attached {
                upload: d.upload_id,
                doc_type: d.doc_type,
                name: d.name,
                media_type: d.media_type,
                size: d.size,
                sha256: d.sha256,
            }),
            None => problems.push((
                format!("/documents/{}", want.doc_type),
                format!("no upload `{}` of this type is waiting to be attached", want.upload),
            )),
        }
    }
    if problems.is_empty() { Ok(resolved) } else { Err(Error::InvalidInput(problems)) }
}

/// Marks `attached` as attached to case `case_id` by the audit entry `sequence`, in the transaction
/// of the transition that attaches them.
///
/// # Errors
///
/// [`Error::Storage`], also when one of them is no longer waiting (the transaction must not commit).
pub async fn attach(
    conn: &impl ConnectionTrait,
    case_id: i64,
    attached: &[Attached],
    sequence: u64,
) -> Result<(), Error> {
    // One statement for all of them, checked to have marked each.
    let marks = vec!["?"; attached.len()].join(", ");
    let sql = format!(
        "UPDATE document SET audit_sequence = ?, expires_at = NULL WHERE case_id = ? AND upload_id IN ({marks}) \
         AND audit_sequence IS NULL"
    );
    let mut values: Vec<sea_orm::Value> = vec![(sequence as i64).into(), case_id.into()];
    values.extend(attached.iter().map(|d| d.upload.as_str().into()));
    let done = conn.execute_raw(statement(conn, &sql, values)).await.map_err(db)?;
    if done.rows_affected() != attached.len() as u64 {
        return Err(super::sql::corrupt(format!(
            "case {case_id}: an upload was attached or removed while a transition attached it"
        )));
    }
    Ok(())
}
