//! `audit verify`: reads each case's chain in sequence order and checks it against itself and the
//! head kept on the case row, naming the first altered, inserted or deleted entry of each case; then
//! checks the case row against the seal of its chain's last entry, naming each field changed outside
//! Sportello. A chain whose last entry has no seal (written before rows were sealed) is counted. A
//! deleted draft is checked like any case (its row stays, its chain ends with the `delete_draft` entry
//! that sealed the row as it left it), and its `deleted_at` mark against that entry: a row marked
//! deleted whose chain did not delete it (a case hidden), or the other way round (a deleted draft
//! brought back), names `deleted_at` among the fields altered.

use std::collections::HashMap;

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use super::db;
use super::entities::{audit_entry, case, timer};
use super::sql::corrupt;
use crate::case_row::{CaseRow, stored_json};
use crate::sealed_timers;
use crate::types::{AuditReport, case_code};
use sportello_runtime::audit::{self, ChainBreak, ChainedEntry, Head};
use sportello_runtime::audit_seal::SEAL_KEY;
use sportello_runtime::error::Error;

/// Verifies one case, or all of them.
pub async fn verify(conn: &impl ConnectionTrait, only: Option<i64>) -> Result<AuditReport, Error> {
    let mut cases = case::Entity::find().order_by_asc(case::Column::Id);
    if let Some(id) = only {
        cases = cases.filter(case::Column::Id.eq(id));
    }
    let cases = cases.all(conn).await.map_err(db)?;
    if only.is_some() && cases.is_empty() {
        return Err(Error::CaseNotFound);
    }
    // Every pending timer, by case, as the seals list them.
    let mut timers = timer::Entity::find().order_by_asc(timer::Column::CaseId);
    if let Some(id) = only {
        timers = timers.filter(timer::Column::CaseId.eq(id));
    }
    let mut timers_of: HashMap<i64, Vec<timer::Model>> = HashMap::new();
    for pending in timers.all(conn).await.map_err(db)? {
        timers_of.entry(pending.case_id).or_default().push(pending);
    }
    let mut report = AuditReport::default();
    for row in cases {
        let marked_deleted = row.deleted_at.is_some();
        let mut row = CaseRow::from(row);
        let timers = timers_of.get(&row.id).into_iter().flatten();
        row.timers = sealed_timers::from_rows(
            timers.map(|t| sealed_timers::sealed(&t.kind, &t.name, t.due_at, &t.fire, t.term_day.as_deref())),
        );
        let opened_on = row.opened_on.parse().map_err(|_| corrupt(format!("case {}: bad opening day", row.id)))?;
        let code = case_code(&row.workflow, opened_on, row.id);
        let stored = stored_entries(conn, row.id).await?;
        let recorded: Vec<i64> = stored.iter().map(|e| e.recorded_at).collect();
        let entries: Vec<ChainedEntry> = stored.into_iter().map(|e| chained(&code, e)).collect();
        report.cases += 1;
        report.entries += entries.len() as u64;
        let head = (row.audit_sequence > 0)
            .then(|| Head { sequence: row.audit_sequence as u64, hash: row.audit_hash.clone() });
        if let Err(broken) = audit::verify(&code, &entries, head.as_ref()) {
            report.breaks.push(broken);
            continue;
        }
        // The chain is whole: each entry's time column must be the instant its body holds, …
        if let Some(moved) = entries.iter().zip(&recorded).find(|(entry, at)| !at_matches(entry, **at)) {
            report.breaks.push(ChainBreak::TimeAltered { case: code, sequence: moved.0.sequence });
            continue;
        }
        // … and the row must be as its last entry sealed it, deleted only if that entry deleted it.
        let Some(last) = entries.last() else { continue };
        let deleted_by_chain = last.body.get("command").and_then(|c| c.as_str()) == Some(DELETED_BY);
        let mut fields = Vec::new();
        match last.body.get(SEAL_KEY) {
            Some(seal) => {
                let (data, clocks) = (stored_json(&row.data), stored_json(&row.clocks));
                fields = row.sealed_fields(&data, &clocks).differing(seal);
            }
            None => report.unsealed += 1,
        }
        if marked_deleted != deleted_by_chain {
            fields.push("deleted_at");
        }
        if !fields.is_empty() {
            report.breaks.push(ChainBreak::RowAltered { case: code, sequence: last.sequence, fields });
        }
    }
    Ok(report)
}

/// The command of the entry that deletes a draft (`sportello_runtime::audit_body::DraftDeleted`).
const DELETED_BY: &str = "delete_draft";

/// Whether `recorded_at` (microseconds) is the instant `entry`'s body holds under `at`; a body without
/// one says nothing.
fn at_matches(entry: &ChainedEntry, recorded_at: i64) -> bool {
    let Some(at) = entry.body.get("at").and_then(|at| at.as_str()) else { return true };
    at.parse::<jiff::Timestamp>().is_ok_and(|at| at.as_microsecond() == recorded_at)
}

/// The stored entries of case `id`'s chain, first to last.
pub async fn stored_entries(conn: &impl ConnectionTrait, id: i64) -> Result<Vec<audit_entry::Model>, Error> {
    audit_entry::Entity::find()
        .filter(audit_entry::Column::CaseId.eq(id))
        .order_by_asc(audit_entry::Column::Sequence)
        .all(conn)
        .await
        .map_err(db)
}

/// A stored entry of the chain of case `code`, as the chain is checked.
pub fn chained(code: &str, stored: audit_entry::Model) -> ChainedEntry {
    ChainedEntry {
        case: code.to_owned(),
        sequence: stored.sequence as u64,
        // A body that is no longer JSON was altered; its text, as a string, will not match.
        body: serde_json::from_str(&stored.body).unwrap_or(serde_json::Value::String(stored.body)),
        previous_hash: stored.previous_hash,
        hash: stored.hash,
    }
}
