//! Case search: the filters of a [`CaseQuery`] as one parameterised statement, results by legal due
//! date (soonest first, cases with nothing due last, ties by id) and pages by keyset, never by offset.
//! Deleted drafts are never found.
//!
//! Cases with a due instant and cases without are two ranges, each read in the order of the indexes
//! that end in `(due_at, id)` (migrations 8 and 9): the first by `(due_at, id)`, the second
//! (`due_at IS NULL`) by `id`, so no database has to sort nulls last through an index. The second is
//! written `ORDER BY due_at, id` all the same: PostgreSQL does not count `IS NULL` as fixing a column
//! of the index, and with `ORDER BY id` alone it sorted, or read the whole table by primary key
//! (63 ms for a worklist page at 100,000 cases). A page reads the first range and,
//! only if that runs out before the page is full, the second: one statement for most pages, two for
//! the page where one range ends and the other begins. Each reads the page size plus one, to know
//! whether there is a next page. The cursor names the last case of a page: `d<due_at>.<id>` in the
//! first range, `n<id>` in the second.

use jiff::Timestamp;
use sea_orm::{ConnectionTrait, QueryResult};

use super::sql::{corrupt, from_micros, micros, placeholders, statement};
use super::worklist::{as_str, parse};
use super::{Store, db};
use crate::queries::{CasePage, CaseQuery, CaseSummary, DueFilter};
use crate::types::{case_code, case_id_from_code};
use sportello_runtime::clock::{civil_day, end_of_day};
use sportello_runtime::error::Error;

/// The columns a summary is read from, in [`summary`]'s order.
const COLUMNS: &str = "\"id\", \"workflow\", \"workflow_version\", \"state\", \"waiting_for\", \"office\", \
    \"assignee\", \"applicant\", \"opened_on\", \"updated_at\", \"due_at\", \"version\"";

impl Store {
    /// One page of the cases `query` matches, by legal due date. A cursor the store did not give out
    /// is [`Error::InvalidCursor`].
    pub async fn search(&self, query: &CaseQuery) -> Result<CasePage, Error> {
        let after = query.after.as_deref().map(Cursor::parse).transpose()?;
        let limit = query.page_size() as usize;
        let empty = Ok(CasePage { items: Vec::new(), next: None });
        let mut filter = Filter::default();
        // A deleted draft is in no list (`draft_deletion.rs`).
        filter.push("\"deleted_at\" IS NULL".to_owned(), Vec::new());
        filter.equal("workflow", query.workflow.as_deref());
        filter.equal("state", query.state.as_deref());
        filter.equal("waiting_for", query.waiting_for.map(as_str));
        filter.equal("office", query.office.as_deref());
        filter.equal("assignee", query.assignee.as_deref());
        filter.equal("applicant", query.applicant.as_deref());
        if let Some(offices) = &query.offices {
            if offices.is_empty() {
                return empty;
            }
            let values = offices.iter().map(|o| o.as_str().into()).collect();
            filter.push(format!("\"office\" IN ({})", placeholders(offices.len())), values);
        }
        let code = query.code.as_deref().map(str::trim);
        if let Some(code) = code {
            let Some(id) = case_id_from_code(code) else { return empty };
            filter.push("\"id\" = ?".to_owned(), vec![id.into()]);
        }
        match query.due {
            Some(DueFilter::Overdue) => filter.push("\"due_at\" < ?".to_owned(), vec![micros(self.now()).into()]),
            Some(DueFilter::Within { days }) => {
                // A term's timer falls at the end of its last day: due within N days means a last day
                // no later than today + N, so the bound is the end of that day in Rome.
                // `try_days`: a huge N is out of the calendar's range, which means no bound at all.
                let span = jiff::Span::new().try_days(i64::from(days)).ok();
                let last_day = span.and_then(|span| civil_day(self.now()).checked_add(span).ok());
                let until = last_day.map(end_of_day).unwrap_or(Timestamp::MAX);
                filter.push("\"due_at\" <= ?".to_owned(), vec![micros(until).into()]);
            }
            None => {}
        }

        // The rest of the dated range, unless the cursor is past it; then, if the page is not full, the
        // undated range, unless a due filter rules it out.
        let reader = &self.inner.reader;
        let fetch = limit + 1;
        let mut items = Vec::with_capacity(fetch);
        if !matches!(after, Some(Cursor::Undated { .. })) {
            let mut dated = filter.clone();
            dated.push("\"due_at\" IS NOT NULL".to_owned(), Vec::new());
            if let Some(Cursor::Dated { due_at, id }) = after {
                dated.push("(\"due_at\", \"id\") > (?, ?)".to_owned(), vec![due_at.into(), id.into()]);
            }
            items.extend(summaries(reader, dated, "ORDER BY \"due_at\", \"id\"", fetch).await?);
        }
        if query.due.is_none() && items.len() < fetch {
            let mut undated = filter;
            undated.push("\"due_at\" IS NULL".to_owned(), Vec::new());
            if let Some(Cursor::Undated { id }) = after {
                undated.push("\"id\" > ?".to_owned(), vec![id.into()]);
            }
            items.extend(summaries(reader, undated, "ORDER BY \"due_at\", \"id\"", fetch - items.len()).await?);
        }
        if let Some(code) = code {
            // The id alone matched; the code's workflow initials and year must match too.
            items.retain(|c| c.code.eq_ignore_ascii_case(code));
        }
        let next = (items.len() > limit).then(|| Cursor::after(&items[limit - 1]).to_string());
        items.truncate(limit);
        Ok(CasePage { items, next })
    }
}

impl Store {
    /// One case as a list shows it: a single read by primary key, with no data or clocks parsed. What
    /// the API checks before a command (who may act on the case), which then reads it in full. A
    /// deleted draft is [`Error::CaseNotFound`].
    pub async fn case_summary(&self, id: i64) -> Result<CaseSummary, Error> {
        let reader = &self.inner.reader;
        let sql = format!("SELECT {COLUMNS} FROM \"case\" WHERE \"id\" = ? AND \"deleted_at\" IS NULL");
        let row = reader.query_one_raw(statement(reader, &sql, [id.into()])).await.map_err(db)?;
        summary(&row.ok_or(Error::CaseNotFound)?)
    }
}

/// Up to `limit` summaries of the cases `filter` matches, in `order`.
async fn summaries(
    conn: &impl ConnectionTrait,
    filter: Filter,
    order: &str,
    limit: usize,
) -> Result<Vec<CaseSummary>, Error> {
    let sql = format!("SELECT {COLUMNS} FROM \"case\" WHERE {} {order} LIMIT ?", filter.conditions.join(" AND "));
    let mut values = filter.values;
    values.push((limit as i64).into());
    let rows = conn.query_all_raw(statement(conn, &sql, values)).await.map_err(db)?;
    rows.iter().map(summary).collect()
}

/// `WHERE` conditions with their values, in placeholder order.
#[derive(Debug, Clone, Default)]
struct Filter {
    conditions: Vec<String>,
    values: Vec<sea_orm::Value>,
}

impl Filter {
    fn push(&mut self, condition: String, values: Vec<sea_orm::Value>) {
        self.conditions.push(condition);
        self.values.extend(values);
    }

    /// `column = value` when there is a value. `column` is one of ours, never the caller's.
    fn equal(&mut self, column: &'static str, value: Option<&str>) {
        if let Some(value) = value {
            self.push(format!("\"{column}\" = ?"), vec![value.into()]);
        }
    }
}

fn summary(row: &QueryResult) -> Result<CaseSummary, Error> {
    let id: i64 = row.try_get_by_index(0).map_err(db)?;
    let workflow: String = row.try_get_by_index(1).map_err(db)?;
    let opened_on: String = row.try_get_by_index(8).map_err(db)?;
    let opened_on = opened_on.parse().map_err(|_| corrupt(format!("case {id}: stored opening day is not readable")))?;
    let waiting_for: Option<String> = row.try_get_by_index(4).map_err(db)?;
    Ok(CaseSummary {
        id,
        code: case_code(&workflow, opened_on, id),
        workflow,
        workflow_version: row.try_get_by_index::<i32>(2).map_err(db)? as u32,
        state: row.try_get_by_index(3).map_err(db)?,
        waiting_for: parse(waiting_for.as_deref(), id)?,
        office: row.try_get_by_index(5).map_err(db)?,
        assignee: row.try_get_by_index(6).map_err(db)?,
        applicant: row.try_get_by_index(7).map_err(db)?,
        opened_on,
        updated_at: from_micros(row.try_get_by_index(9).map_err(db)?),
        due_at: row.try_get_by_index::<Option<i64>>(10).map_err(db)?.map(from_micros),
        version: row.try_get_by_index::<i64>(11).map_err(db)? as u64,
    })
}

/// Where a page ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cursor {
    /// After this case, which has a due instant (microseconds).
    Dated { due_at: i64, id: i64 },
    /// After this case, which has none.
    Undated { id: i64 },
}

impl Cursor {
    fn after(case: &CaseSummary) -> Cursor {
        match case.due_at {
            Some(due_at) => Cursor::Dated { due_at: micros(due_at), id: case.id },
            None => Cursor::Undated { id: case.id },
        }
    }

    fn parse(text: &str) -> Result<Cursor, Error> {
        let parsed = if let Some(rest) = text.strip_prefix('d') {
            rest.split_once('.')
                .and_then(|(due_at, id)| Some(Cursor::Dated { due_at: strict(due_at)?, id: strict(id)? }))
        } else {
            text.strip_prefix('n').and_then(strict).map(|id| Cursor::Undated { id })
        };
        parsed.ok_or(Error::InvalidCursor)
    }
}

/// An integer written as [`Cursor`]'s `Display` writes it: no `+`, no leading zeros, no spaces.
fn strict(text: &str) -> Option<i64> {
    let n: i64 = text.parse().ok()?;
    (n.to_string() == text).then_some(n)
}

impl std::fmt::Display for Cursor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Cursor::Dated { due_at, id } => write!(f, "d{due_at}.{id}"),
            Cursor::Undated { id } => write!(f, "n{id}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_reads_back_what_it_wrote_and_nothing_else() {
        for cursor in [Cursor::Dated { due_at: 1_775_080_799_999_999, id: 42 }, Cursor::Undated { id: 7 }] {
            assert_eq!(Cursor::parse(&cursor.to_string()), Ok(cursor));
        }
        for bad in ["", "d", "d1", "d1.", "d.1", "dx.1", "n", "n+1", "n01", "x42", "n 1", "d1.2.3"] {
            assert_eq!(Cursor::parse(bad), Err(Error::InvalidCursor), "{bad:?}");
        }
    }
}
