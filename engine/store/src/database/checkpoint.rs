//! What a signed checkpoint needs of the database (`sportello_runtime::audit_checkpoint`): every case's
//! chain head, read in one statement for a checkpoint; and, to compare one with the database, each case
//! as it is now with the hash of its entry at the checkpoint's head, read a few hundred cases at a
//! time.

use std::collections::{BTreeMap, HashMap};

use sea_orm::{ConnectionTrait, QueryResult};

use super::sql::{corrupt, placeholders, statement};
use super::{Store, db};
use crate::types::case_code;
use sportello_runtime::audit_checkpoint::{CaseHead, CaseNow, Checkpoint};
use sportello_runtime::error::Error;

/// Cases whose entries one statement reads.
const CHUNK: usize = 500;

impl Store {
    /// Every case's chain head, in id order.
    ///
    /// # Errors
    ///
    /// [`Error::Storage`]: the database fails, or a case row's opening day is unreadable.
    pub async fn chain_heads(&self) -> Result<Vec<CaseHead>, Error> {
        let reader = &self.inner.reader;
        let sql = "SELECT \"id\", \"workflow\", \"opened_on\", \"audit_sequence\", \"audit_hash\" FROM \"case\" \
                   ORDER BY \"id\"";
        let rows = reader.query_all_raw(statement(reader, sql, [])).await.map_err(db)?;
        rows.iter()
            .map(|row| {
                let (id, case, sequence) = head_of(row)?;
                let hash: String = row.try_get_by_index(4).map_err(db)?;
                Ok(CaseHead { id, case, sequence, hash })
            })
            .collect()
    }

    /// Each case the database holds now, by id, with the hash of its entry at `checkpoint`'s head for
    /// it (for [`Checkpoint::compare`]).
    ///
    /// # Errors
    ///
    /// [`Error::Storage`]: the database fails, or a case row's opening day is unreadable.
    pub async fn cases_now(&self, checkpoint: &Checkpoint) -> Result<BTreeMap<i64, CaseNow>, Error> {
        let reader = &self.inner.reader;
        let sql = "SELECT \"id\", \"workflow\", \"opened_on\", \"audit_sequence\" FROM \"case\"";
        let rows = reader.query_all_raw(statement(reader, sql, [])).await.map_err(db)?;
        let mut now = BTreeMap::new();
        for row in &rows {
            let (id, case, sequence) = head_of(row)?;
            now.insert(id, CaseNow { case, sequence, hash_at_checkpoint: None });
        }
        let wanted: HashMap<i64, u64> = checkpoint.heads.iter().map(|h| (h.id, h.sequence)).collect();
        for chunk in checkpoint.heads.chunks(CHUNK) {
            let sql = format!(
                "SELECT \"case_id\", \"sequence\", \"hash\" FROM \"audit_entry\" WHERE \"case_id\" IN ({})",
                placeholders(chunk.len())
            );
            let entries =
                reader.query_all_raw(statement(reader, &sql, chunk.iter().map(|h| h.id.into()))).await.map_err(db)?;
            for entry in &entries {
                let id: i64 = entry.try_get_by_index(0).map_err(db)?;
                let sequence: i64 = entry.try_get_by_index(1).map_err(db)?;
                if wanted.get(&id) == Some(&(sequence as u64))
                    && let Some(case) = now.get_mut(&id)
                {
                    case.hash_at_checkpoint = Some(entry.try_get_by_index(2).map_err(db)?);
                }
            }
        }
        Ok(now)
    }
}

/// A case row's id, code and head's sequence number.
fn head_of(row: &QueryResult) -> Result<(i64, String, u64), Error> {
    let id: i64 = row.try_get_by_index(0).map_err(db)?;
    let workflow: String = row.try_get_by_index(1).map_err(db)?;
    let opened_on: String = row.try_get_by_index(2).map_err(db)?;
    let sequence: i64 = row.try_get_by_index(3).map_err(db)?;
    let opened_on = opened_on.parse().map_err(|_| corrupt(format!("case {id}: bad opening day")))?;
    Ok((id, case_code(&workflow, opened_on, id), sequence as u64))
}
