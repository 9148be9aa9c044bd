//! `--explain`: the statements behind the lists, each with the plan the database chooses for it
//! and how long it takes straight on the database (the best of five), so a slow list can be traced
//! to its statement without the HTTP layer. The statements are spelled out as the store's
//! `search.rs` and `worklist.rs` build them (the same conditions in the same order); on SQLite the
//! plan is the bundled SQLite's, which may differ from the `sqlite3` shell's.

use std::time::{Duration, Instant};

use sea_orm::{ConnectionTrait, DbBackend, Statement, Value};
use sportello_store::Store;

use crate::sample::Sample;

/// The columns a case summary is read from.
const COLUMNS: &str = "\"id\", \"workflow\", \"workflow_version\", \"state\", \"waiting_for\", \"office\", \
    \"assignee\", \"applicant\", \"opened_on\", \"updated_at\", \"due_at\", \"version\"";

/// Prints each list statement's plan and time.
pub async fn run(store: &Store, sample: &Sample) -> anyhow::Result<()> {
    let case = sample.drawn.first().ok_or_else(|| anyhow::anyhow!("no case drawn"))?;
    let now = jiff::Timestamp::now().as_microsecond();
    let week = now + 7 * 86_400 * 1_000_000;
    let office = || Value::from(case.office.clone());
    let dated = |conditions: &str| {
        format!(
            "SELECT {COLUMNS} FROM \"case\" WHERE {conditions} AND \"due_at\" IS NOT NULL ORDER BY \"due_at\", \"id\" LIMIT ?"
        )
    };
    let undated = |conditions: &str| {
        format!(
            "SELECT {COLUMNS} FROM \"case\" WHERE {conditions} AND \"due_at\" IS NULL ORDER BY \"due_at\", \"id\" LIMIT ?"
        )
    };
    let limit = || Value::from(51i64);
    let statements: Vec<(&str, String, Vec<Value>)> = vec![
        (
            "worklist counts",
            "SELECT \"workflow\", \"state\", COUNT(*), SUM(CASE WHEN \"due_at\" < ? THEN 1 ELSE 0 END), MIN(\"due_at\") \
             FROM \"case\" WHERE \"waiting_for\" = ? AND \"office\" IN (?) GROUP BY \"workflow\", \"state\" \
             ORDER BY \"workflow\", \"state\""
                .to_owned(),
            vec![now.into(), "office".into(), office()],
        ),
        ("worklist page, dated", dated("\"waiting_for\" = ? AND \"office\" IN (?)"), vec!["office".into(), office(), limit()]),
        ("worklist page, undated", undated("\"waiting_for\" = ? AND \"office\" IN (?)"), vec!["office".into(), office(), limit()]),
        (
            "search workflow+state, dated",
            dated("\"workflow\" = ? AND \"state\" = ? AND \"office\" IN (?)"),
            vec![case.workflow.clone().into(), case.state.clone().into(), office(), limit()],
        ),
        (
            "search workflow+state, undated",
            undated("\"workflow\" = ? AND \"state\" = ? AND \"office\" IN (?)"),
            vec![case.workflow.clone().into(), case.state.clone().into(), office(), limit()],
        ),
        ("search overdue", dated("\"office\" IN (?) AND \"due_at\" < ?"), vec![office(), now.into(), limit()]),
        ("search due within 7 days", dated("\"office\" IN (?) AND \"due_at\" <= ?"), vec![office(), week.into(), limit()]),
        (
            "search applicant (staff), undated",
            undated("\"applicant\" = ? AND \"office\" IN (?)"),
            vec![case.applicant.clone().into(), office(), limit()],
        ),
        ("citizen's cases, undated", undated("\"applicant\" = ?"), vec![case.applicant.clone().into(), limit()]),
    ];
    let conn = store.connection();
    let backend = conn.get_database_backend();
    for (name, sql, values) in statements {
        let sql = if backend == DbBackend::Postgres { numbered(&sql) } else { sql };
        let explain = if backend == DbBackend::Postgres { "EXPLAIN " } else { "EXPLAIN QUERY PLAN " };
        let plan = conn
            .query_all_raw(Statement::from_sql_and_values(backend, format!("{explain}{sql}"), values.clone()))
            .await?;
        let mut best = Duration::MAX;
        let mut rows = 0;
        for _ in 0..5 {
            let started = Instant::now();
            rows =
                conn.query_all_raw(Statement::from_sql_and_values(backend, sql.clone(), values.clone())).await?.len();
            best = best.min(started.elapsed());
        }
        println!("{name}: {:.2} ms, {rows} row(s)", best.as_secs_f64() * 1000.0);
        for row in plan {
            let detail: String = match backend {
                DbBackend::Postgres => row.try_get_by_index(0)?,
                _ => row.try_get_by_index(3)?,
            };
            println!("    {detail}");
        }
    }
    Ok(())
}

/// `?` placeholders as PostgreSQL's `$1`, `$2`, ….
fn numbered(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut n = 0;
    for c in sql.chars() {
        if c == '?' {
            n += 1;
            out.push_str(&format!("${n}"));
        } else {
            out.push(c);
        }
    }
    out
}
