//! The `limit` engine: only the database work of one transition, with no engine at all, so that
//! Sportello's throughput can be divided by what the same database allows on the same machine. Two
//! minimal tables (`cases`: id, state, version, data; `audit`: case, from, to, event, actor, time and
//! the SHA-256 of the data as read). A transition reads the case, decides with a hard-coded match on
//! (state, event, actor kind), then in one transaction updates the case with an optimistic version
//! check and appends the audit row, and commits. SQLite: WAL with the chosen `synchronous`, one
//! connection; PostgreSQL: a pool of one connection per worker, in the schema `limit_bench`. Neither
//! pool checks a connection with a round trip when it is taken (as Sportello's store does not for a
//! connection in use moments before), so that the limit does only the transition's own work.

use std::time::Duration;

use anyhow::{Context, Result, bail, ensure};
use jiff::Timestamp;
use sea_orm::sqlx::postgres::PgPoolOptions;
use sea_orm::sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sea_orm::sqlx::{self, AssertSqlSafe, Connection};
use sportello_store::Synchronous;

use crate::db::{self, Db, Target, on_pool};
use crate::workload::{self, ActorKind, Step};

/// The PostgreSQL schema the limit engine's tables live in.
const SCHEMA: &str = "limit_bench";

/// The bare-SQL engine. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Limit {
    db: Db,
}

impl Limit {
    /// Connects to a fresh database and creates the two tables.
    pub async fn connect(target: &Target, concurrency: u32) -> Result<Limit> {
        let db = match target {
            Target::Sqlite { path, synchronous } => {
                db::remove_sqlite_files(path)?;
                let options = SqliteConnectOptions::new()
                    .filename(path)
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(match synchronous {
                        Synchronous::Full => SqliteSynchronous::Full,
                        Synchronous::Normal => SqliteSynchronous::Normal,
                    })
                    .busy_timeout(Duration::from_secs(10));
                let pool = SqlitePoolOptions::new()
                    .max_connections(1)
                    .test_before_acquire(false)
                    .connect_with(options)
                    .await
                    .with_context(|| format!("opening {}", path.display()))?;
                Db::Sqlite(pool)
            }
            Target::Postgres { url } => {
                let url = db::fresh_pg_schema(url, SCHEMA).await?;
                let pool = PgPoolOptions::new()
                    .max_connections(concurrency)
                    .test_before_acquire(false)
                    .connect(&url)
                    .await
                    .with_context(|| format!("connecting to {}", db::redact(&url)))?;
                Db::Postgres(pool)
            }
        };
        let (id, big) = match db {
            // On SQLite `INTEGER PRIMARY KEY` is the rowid itself: no second index.
            Db::Sqlite(_) => ("INTEGER PRIMARY KEY", "INTEGER"),
            Db::Postgres(_) => ("BIGINT PRIMARY KEY", "BIGINT"),
        };
        let tables = [
            format!("CREATE TABLE cases (id {id}, state TEXT NOT NULL, version {big} NOT NULL, data TEXT NOT NULL)"),
            format!(
                "CREATE TABLE audit (case_id {big} NOT NULL, from_state TEXT, to_state TEXT NOT NULL, \
                 event TEXT NOT NULL, actor TEXT NOT NULL, at {big} NOT NULL, data_sha256 TEXT NOT NULL)"
            ),
        ];
        for sql in tables {
            on_pool!(&db, pool => sqlx::raw_sql(AssertSqlSafe(sql)).execute(pool).await.map(drop))
                .context("creating the tables")?;
        }
        Ok(Limit { db })
    }

    /// The pool, for the checks and the report.
    pub fn db(&self) -> &Db {
        &self.db
    }

    /// Creates case `i` with `data` in one transaction (the case row and its audit row); its id is `i`.
    pub async fn create(&self, i: u64, data: &str) -> Result<i64> {
        let id = i64::try_from(i).context("case number out of range")?;
        let step = Step::Submit;
        let to = decide(None, step.event(), step.actor()).context("submit refused")?;
        let actor = workload::actor_name(step.actor(), i);
        let data_sha256 = workload::sha256_hex(data);
        let created: Result<()> = on_pool!(&self.db, pool => async {
            let mut tx = pool.begin().await?;
            sqlx::query("INSERT INTO cases (id, state, version, data) VALUES ($1, $2, 1, $3)")
                .bind(id)
                .bind(to)
                .bind(data)
                .execute(&mut *tx)
                .await?;
            sqlx::query(INSERT_AUDIT)
                .bind(id)
                .bind(None::<&str>)
                .bind(to)
                .bind(step.event())
                .bind(&actor)
                .bind(Timestamp::now().as_microsecond())
                .bind(&data_sha256)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(())
        }
        .await);
        created.with_context(|| format!("case {i}: creating it"))?;
        Ok(id)
    }

    /// Applies `step` to case `i` (stored as `id`): read the case, decide, then update it (if its
    /// version is still the one read) and append the audit row in one transaction.
    pub async fn apply(&self, id: i64, i: u64, step: Step) -> Result<()> {
        let applied: Result<()> = on_pool!(&self.db, pool => async {
            let mut conn = pool.acquire().await?;
            let (state, version, data): (String, i64, String) =
                sqlx::query_as("SELECT state, version, data FROM cases WHERE id = $1")
                    .bind(id)
                    .fetch_one(&mut *conn)
                    .await?;
            let Some(to) = decide(Some(&state), step.event(), step.actor()) else {
                bail!("refused from `{state}`");
            };
            let actor = workload::actor_name(step.actor(), i);
            let data_sha256 = workload::sha256_hex(&data);
            let mut tx = conn.begin().await?;
            let updated = sqlx::query("UPDATE cases SET state = $1, version = $2 WHERE id = $3 AND version = $4")
                .bind(to)
                .bind(version + 1)
                .bind(id)
                .bind(version)
                .execute(&mut *tx)
                .await?;
            ensure!(updated.rows_affected() == 1, "version {version} is stale");
            sqlx::query(INSERT_AUDIT)
                .bind(id)
                .bind(Some(state.as_str()))
                .bind(to)
                .bind(step.event())
                .bind(&actor)
                .bind(Timestamp::now().as_microsecond())
                .bind(&data_sha256)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(())
        }
        .await);
        applied.with_context(|| format!("case {i}: {}", step.event()))
    }
}

const INSERT_AUDIT: &str = "INSERT INTO audit (case_id, from_state, to_state, event, actor, at, data_sha256) \
                            VALUES ($1, $2, $3, $4, $5, $6, $7)";

/// What the procedure allows: the state after `event` by `actor` from `state` (`None`: the case does
/// not exist yet), or `None` when the pair is refused.
fn decide(state: Option<&str>, event: &str, actor: ActorKind) -> Option<&'static str> {
    use ActorKind::{Citizen, Clerk, Pagopa};
    match (state, event, actor) {
        (None, "submit", Citizen) => Some("submitted"),
        (Some("submitted"), "take_into_review", Clerk) => Some("under_review"),
        (Some("under_review"), "request_integration", Clerk) => Some("needs_integration"),
        (Some("needs_integration"), "resubmit", Citizen) => Some("under_review"),
        (Some("under_review"), "approve", Clerk) => Some("approved"),
        (Some("approved"), "pay_fee", Pagopa) => Some("fee_paid"),
        (Some("fee_paid"), "close", Clerk) => Some("closed"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_match_allows_exactly_the_workloads_steps() {
        for i in [1, 10] {
            let mut state = None;
            for step in workload::steps(i) {
                let to = decide(state, step.event(), step.actor());
                assert_eq!(to, Some(step.to()), "case {i}, {step:?}");
                state = to;
            }
        }
        assert_eq!(decide(Some("submitted"), "approve", ActorKind::Clerk), None);
        assert_eq!(decide(Some("approved"), "pay_fee", ActorKind::Clerk), None);
        assert_eq!(decide(Some("closed"), "close", ActorKind::Clerk), None);
        assert_eq!(decide(None, "submit", ActorKind::Clerk), None);
    }
}
