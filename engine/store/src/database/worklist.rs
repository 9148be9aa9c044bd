//! Worklists: who each case waits for, kept on the case row as `waiting_for` (the name of its state's
//! `waiting_for` in the workflow; null in a final state) by every write, and the per-state counts of
//! the cases waiting for an office. Rows written before the column existed are filled by
//! [`Store::fill_waiting_for`], since SQL cannot read the workflow's YAML.

use sea_orm::ConnectionTrait;

use super::sql::{corrupt, from_micros, micros, placeholders, statement};
use super::{Store, db};
pub use crate::case_row::{as_str, waiting_for};
use crate::queries::{StateCount, WaitingFor};
use sportello_runtime::error::Error;

impl Store {
    /// For the cases of `offices` waiting for the office: per workflow and state, how many there are,
    /// how many are overdue (their due instant has passed) and the soonest due instant. Ordered by
    /// workflow and state; states with no such case are left out, and so are deleted drafts.
    pub async fn worklist_counts(&self, offices: &[String]) -> Result<Vec<StateCount>, Error> {
        if offices.is_empty() {
            return Ok(Vec::new());
        }
        let reader = &self.inner.reader;
        let sql = format!(
            "SELECT \"workflow\", \"state\", COUNT(*), \
             SUM(CASE WHEN \"due_at\" < ? THEN 1 ELSE 0 END), MIN(\"due_at\") \
             FROM \"case\" WHERE \"waiting_for\" = ? AND \"office\" IN ({}) AND \"deleted_at\" IS NULL \
             GROUP BY \"workflow\", \"state\" ORDER BY \"workflow\", \"state\"",
            placeholders(offices.len())
        );
        let mut values: Vec<sea_orm::Value> = vec![micros(self.now()).into(), as_str(WaitingFor::Office).into()];
        values.extend(offices.iter().map(|o| o.as_str().into()));
        let rows = reader.query_all_raw(statement(reader, &sql, values)).await.map_err(db)?;
        rows.into_iter()
            .map(|row| {
                let get = |index| row.try_get_by_index::<i64>(index).map_err(db);
                Ok(StateCount {
                    workflow: row.try_get_by_index(0).map_err(db)?,
                    state: row.try_get_by_index(1).map_err(db)?,
                    count: get(2)? as u64,
                    overdue: get(3)? as u64,
                    earliest_due: row.try_get_by_index::<Option<i64>>(4).map_err(db)?.map(from_micros),
                })
            })
            .collect()
    }

    /// Sets `waiting_for` on the cases that have none and are not in a final state: the cases written
    /// before the column existed (migration 8). Run once after migrating; later runs find nothing to do.
    /// Returns how many cases it filled.
    pub async fn fill_waiting_for(&self) -> Result<u64, Error> {
        let reader = &self.inner.reader;
        let groups = reader
            .query_all_raw(statement(
                reader,
                "SELECT DISTINCT \"workflow\", \"workflow_version\", \"state\" FROM \"case\" \
                 WHERE \"waiting_for\" IS NULL",
                [],
            ))
            .await
            .map_err(db)?;
        let mut filled = 0;
        for row in groups {
            let workflow: String = row.try_get_by_index(0).map_err(db)?;
            let version: i32 = row.try_get_by_index(1).map_err(db)?;
            let state: String = row.try_get_by_index(2).map_err(db)?;
            let definition = self.inner.definitions.get(reader, &workflow, version as u32).await?;
            let Some(name) = waiting_for(&definition, &state) else { continue };
            let values: [sea_orm::Value; 4] = [name.into(), workflow.into(), version.into(), state.into()];
            filled += self
                .inner
                .writer
                .write(false, move |txn| {
                    Box::pin(async move {
                        let update = statement(
                            txn,
                            "UPDATE \"case\" SET \"waiting_for\" = ? WHERE \"workflow\" = ? \
                             AND \"workflow_version\" = ? AND \"state\" = ? AND \"waiting_for\" IS NULL",
                            values,
                        );
                        Ok(txn.execute_raw(update).await.map_err(db)?.rows_affected())
                    })
                })
                .await?;
        }
        Ok(filled)
    }
}

/// A stored `waiting_for` back.
pub fn parse(stored: Option<&str>, case_id: i64) -> Result<Option<WaitingFor>, Error> {
    let Some(stored) = stored else { return Ok(None) };
    let all = [WaitingFor::Citizen, WaitingFor::Office, WaitingFor::Payment, WaitingFor::External, WaitingFor::Nobody];
    all.into_iter()
        .find(|w| as_str(*w) == stored)
        .map(Some)
        .ok_or_else(|| corrupt(format!("case {case_id}: stored waiting_for `{stored}` is not one Sportello writes")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_waiting_for_round_trips_through_its_stored_name() {
        for w in
            [WaitingFor::Citizen, WaitingFor::Office, WaitingFor::Payment, WaitingFor::External, WaitingFor::Nobody]
        {
            assert_eq!(parse(Some(as_str(w)), 1), Ok(Some(w)));
        }
        assert_eq!(parse(None, 1), Ok(None));
        assert_eq!(parse(Some("mayor"), 1).unwrap_err().code(), "storage-failed");
    }
}
