//! The sea-orm store: the only module that speaks SQL. [`Store`] connects (SQLite with WAL and the
//! chosen `synchronous`, foreign keys on; or a PostgreSQL pool), decides and commits commands in
//! transactions of the [`writer`], and reads cases, timers and audit chains on readers.

mod assign;
mod audit;
mod backup;
mod batch;
mod catalog;
mod checkpoint;
mod commands;
mod deferred;
mod definitions;
mod deploy;
mod documents;
mod draft;
mod draft_deletion;
mod edit;
mod entities;
mod health;
mod message;
mod outbox;
mod page_ratings;
mod payment_events;
mod payments;
mod people;
mod retry;
mod rows;
mod schema;
mod search;
mod security_log;
mod setup_lock;
mod sql;
mod statistics;
mod tables;
mod timers;
mod trail;
mod web_sessions;
mod worklist;
mod writer;

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sea_orm::sqlx::postgres::{PgConnection, PgPoolOptions};
use sea_orm::sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sea_orm::sqlx::{self, Connection};
use sea_orm::{DatabaseConnection, DbErr, SqlxPostgresConnector, SqlxSqliteConnector};

use super::types::{
    Applied, Apply, AuditReport, Backend, CaseAfter, ClockView, DeliverEvent, Deployed, FiredTimers, OpenCase,
    StoreOptions, StoredCase, Synchronous,
};
pub use backup::BackupReport;
use definitions::Definitions;
pub use documents::{DocumentRecord, NewUpload};
pub use page_ratings::PageRating;
pub use people::{NotificationPreferences, Person, PersonKind, SignIn};
pub use schema::Migration;
pub use security_log::Refusal;
pub use setup_lock::SetupLock;
use sportello_runtime::calendar::Calendar;
use sportello_runtime::case::Case;
use sportello_runtime::clock::{Clock, civil_day};
use sportello_runtime::error::{Error, StorageError};
use sportello_runtime::transition;
pub use web_sessions::NewWebSession;
use writer::Writer;

/// Cases, timers, audit chains and workflow versions in SQLite or PostgreSQL. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    backend: Backend,
    reader: DatabaseConnection,
    admin: DatabaseConnection,
    writer: Writer,
    definitions: Definitions,
    clock: Arc<dyn Clock>,
}

impl Store {
    /// Connects to `options.url`; a SQLite file is created if missing. Does not migrate: call
    /// [`Store::migrate_up`] first.
    ///
    /// # Errors
    ///
    /// [`Error::Storage`]: the URL is not `sqlite://…` or `postgres://…`, or the database cannot be
    /// opened or reached.
    pub async fn connect(options: &StoreOptions, clock: Arc<dyn Clock>) -> Result<Store, Error> {
        let url = options.url.as_str();
        let (backend, reader, admin, writer) = if url.starts_with("sqlite:") {
            let connect = SqliteConnectOptions::from_str(url)
                .map_err(storage)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(match options.synchronous {
                    Synchronous::Full => SqliteSynchronous::Full,
                    Synchronous::Normal => SqliteSynchronous::Normal,
                })
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10));
            // A SQLite connection lives in this process: taking one from the pool needs no check.
            let write_pool = SqlitePoolOptions::new()
                .max_connections(1)
                .test_before_acquire(false)
                .connect_with(connect.clone())
                .await
                .map_err(storage)?;
            let read_pool = SqlitePoolOptions::new()
                .max_connections(options.pool_size.max(1))
                .test_before_acquire(false)
                .connect_with(connect)
                .await
                .map_err(storage)?;
            let admin = SqlxSqliteConnector::from_sqlx_sqlite_pool(write_pool);
            let writer = Writer::group(admin.clone(), options.max_batch.max(1));
            (Backend::Sqlite, SqlxSqliteConnector::from_sqlx_sqlite_pool(read_pool), admin, writer)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let pool = PgPoolOptions::new()
                .max_connections(options.pool_size.max(2))
                .acquire_timeout(Duration::from_secs(10))
                .test_before_acquire(false)
                .before_acquire(|connection, meta| Box::pin(check_if_idle(connection, meta.idle_for)))
                .connect(url)
                .await
                .map_err(storage)?;
            let db = SqlxPostgresConnector::from_sqlx_postgres_pool(pool);
            (Backend::Postgres, db.clone(), db.clone(), Writer::direct(db))
        } else {
            return Err(Error::Storage(StorageError(Arc::new(UnsupportedUrl(redact(url))))));
        };
        Ok(Store {
            inner: Arc::new(Inner { backend, reader, admin, writer, definitions: Definitions::default(), clock }),
        })
    }

    /// The database in use.
    pub fn backend(&self) -> Backend {
        self.inner.backend
    }

    /// The connection schema changes run on (on SQLite, the one write connection), for tests that
    /// write rows by hand and for the benchmarks; only with the `raw-connection` feature, which the
    /// application does not enable: it goes through the store's methods
    /// ([`Store::migrate_up`], [`Store::pending_migrations`], …).
    #[cfg(feature = "raw-connection")]
    pub fn connection(&self) -> &DatabaseConnection {
        &self.inner.admin
    }

    /// The current instant, from the store's clock.
    pub fn now(&self) -> jiff::Timestamp {
        self.inner.clock.now()
    }

    /// Deploys a workflow file: an unchanged file is a no-op, a changed one becomes the next version.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidWorkflow`] when the file does not validate (with its first error);
    /// [`Error::Storage`] when the database fails.
    pub async fn deploy(&self, source: &str, file_stem: Option<&str>) -> Result<Deployed, Error> {
        deploy::deploy(self, source, file_stem).await
    }

    /// Opens a case on the workflow's latest version.
    ///
    /// # Errors
    ///
    /// [`Error::WorkflowNotFound`]; [`Error::ActorNotAllowed`] (a citizen opening for someone else,
    /// staff of another office, the system); the initial state's refusals ([`Error::InvalidInput`],
    /// [`Error::Expression`]); [`Error::IdempotencyKeyReused`] for a key used before for another
    /// request; [`Error::Storage`].
    pub async fn open_case(&self, command: OpenCase) -> Result<Applied, Error> {
        commands::open_case(&self.inner, command).await
    }

    /// Applies a transition to a case.
    ///
    /// # Errors
    ///
    /// [`Error::CaseNotFound`] (also for a citizen who is not the applicant);
    /// [`Error::StaleCaseVersion`] when the caller's version is no longer the case's; the runtime's
    /// refusals ([`Error::UnknownTransition`], [`Error::TransitionNotAllowed`],
    /// [`Error::ActorNotAllowed`], [`Error::InvalidInput`], [`Error::GuardFailed`],
    /// [`Error::Expression`]); [`Error::IdempotencyKeyReused`]; [`Error::Storage`].
    pub async fn apply(&self, command: Apply) -> Result<Applied, Error> {
        commands::apply(&self.inner, command).await
    }

    /// Delivers an external event; a message id already taken in returns the first result.
    ///
    /// # Errors
    ///
    /// [`Error::CaseNotFound`]; [`Error::UnknownEvent`] and [`Error::EventNotExpected`] (the workflow
    /// has no such event, or it fires nothing in the case's state); the fired transition's refusals
    /// as in [`Store::apply`]; [`Error::IdempotencyKeyReused`] for a message id taken in before as
    /// another event; [`Error::Storage`].
    pub async fn deliver_event(&self, command: DeliverEvent) -> Result<Applied, Error> {
        commands::deliver_event(&self.inner, command).await
    }

    /// Fires up to `limit` timers that are due now, each exactly once. A timer whose transition the
    /// runtime refuses is dropped and the refusal written to the case's audit chain, not returned.
    ///
    /// # Errors
    ///
    /// [`Error::Storage`]: the round is rolled back and its timers stay due.
    pub async fn fire_due_timers(&self, limit: u64) -> Result<FiredTimers, Error> {
        let inner = self.inner.clone();
        self.inner
            .writer
            .write(true, move |txn| Box::pin(async move { timers::fire_due(txn, &inner, limit).await }))
            .await
    }

    /// A case with its timers and its clocks as they stand today.
    ///
    /// # Errors
    ///
    /// [`Error::CaseNotFound`]; [`Error::Storage`], also for a stored row that no longer reads back.
    pub async fn case(&self, id: i64) -> Result<StoredCase, Error> {
        self.case_if(id, |_| true).await?.ok_or(Error::CaseNotFound)
    }

    /// The case with id `id`, with its timers and its clocks as they stand today, if it exists and
    /// `keep` accepts it as read (an access check, say); `None` otherwise, having read only its row. A
    /// case `keep` refuses costs what a missing one does, to the row's read.
    ///
    /// # Errors
    ///
    /// [`Error::Storage`], also for a stored row that no longer reads back.
    pub async fn case_if(&self, id: i64, keep: impl FnOnce(&Case) -> bool) -> Result<Option<StoredCase>, Error> {
        let crate::case_row::Loaded { row, case } = match rows::load(&self.inner.reader, id).await {
            Err(Error::CaseNotFound) => return Ok(None),
            other => other?,
        };
        if !keep(&case) {
            return Ok(None);
        }
        let timers = rows::pending_timers(&self.inner.reader, id).await?;
        let audit_entries = row.audit_sequence as u64;
        let stored = StoredCase { id, case, assignee: row.assignee, timers, audit_entries, clocks: Default::default() };
        self.with_clocks(stored).await.map(Some)
    }

    /// The case as a command just left it (`after`, from its [`Applied`]), with its pending timers (one
    /// read of its timers, not of the case) and its clocks as they stand today.
    ///
    /// # Errors
    ///
    /// [`Error::Storage`]; [`Error::WorkflowNotFound`] should its workflow version be gone.
    pub async fn case_after(&self, id: i64, after: CaseAfter) -> Result<StoredCase, Error> {
        let timers = rows::pending_timers(&self.inner.reader, id).await?;
        let CaseAfter { case, assignee, audit_entries } = after;
        let stored = StoredCase { id, case, assignee, timers, audit_entries, clocks: Default::default() };
        self.with_clocks(stored).await
    }

    /// `stored` with each legal clock of its workflow version as it stands today (Europe/Rome).
    async fn with_clocks(&self, mut stored: StoredCase) -> Result<StoredCase, Error> {
        let definition =
            self.inner.definitions.get(&self.inner.reader, &stored.case.workflow, stored.case.workflow_version).await?;
        let calendar = Calendar::new(definition.calendar.clone());
        let today = civil_day(self.now());
        for name in definition.clocks.keys() {
            let status =
                transition::clock_status(&definition, &stored.case, &calendar, name, today).unwrap_or_default();
            let history = stored.case.clocks.get(name).cloned().unwrap_or_default();
            stored.clocks.insert(name.clone(), ClockView { status, history });
        }
        Ok(stored)
    }

    /// Checks the audit chain of one case, or of every case.
    pub async fn verify_audit(&self, case: Option<i64>) -> Result<AuditReport, Error> {
        audit::verify(&self.inner.reader, case).await
    }
}

/// How long a PostgreSQL connection may sit in the pool before it is checked with a round trip when
/// taken out of it.
const CHECK_AFTER_IDLE: Duration = Duration::from_secs(30);

/// Checks a pooled PostgreSQL connection that has been idle for [`CHECK_AFTER_IDLE`] (the server may
/// have restarted, or a firewall dropped the socket, meanwhile): a failed check closes it and the pool
/// hands out another. One that was busy moments ago is taken as it is, which saves a round trip on
/// every command (sqlx's own check pings on every acquire); should it have broken since, the
/// statement fails with a storage error and nothing is written.
async fn check_if_idle(connection: &mut PgConnection, idle_for: Duration) -> Result<bool, sqlx::Error> {
    if idle_for >= CHECK_AFTER_IDLE {
        connection.ping().await?;
    }
    Ok(true)
}

/// A database error as the engine's storage error.
fn storage(error: impl std::error::Error + Send + Sync + 'static) -> Error {
    Error::Storage(StorageError(Arc::new(error)))
}

fn db(error: DbErr) -> Error {
    storage(error)
}

#[derive(Debug, thiserror::Error)]
#[error("`{0}` is not a database URL Sportello knows: use sqlite://FILE or postgres://…")]
struct UnsupportedUrl(String);

/// A URL with any password taken out, fit for a message.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.find('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use sea_orm::sqlx::postgres::PgConnection;
    use sea_orm::sqlx::{self, Connection};

    use super::{CHECK_AFTER_IDLE, check_if_idle, redact};

    /// A PostgreSQL connection whose server process has been ended, as after a server restart.
    async fn broken_connection(url: &str) -> PgConnection {
        let mut broken = PgConnection::connect(url).await.expect("connects");
        let pid: i32 = sqlx::query_scalar("SELECT pg_backend_pid()").fetch_one(&mut broken).await.expect("pid");
        let mut other = PgConnection::connect(url).await.expect("connects");
        let ended: bool = sqlx::query_scalar("SELECT pg_terminate_backend($1)")
            .bind(pid)
            .fetch_one(&mut other)
            .await
            .expect("terminates");
        assert!(ended);
        broken
    }

    #[tokio::test]
    async fn a_pooled_postgres_connection_is_checked_only_after_sitting_idle() {
        let Ok(url) = std::env::var("TEST_POSTGRES_URL") else { return };
        let mut live = PgConnection::connect(&url).await.expect("connects");
        assert!(check_if_idle(&mut live, CHECK_AFTER_IDLE).await.expect("a live connection passes"));
        // Busy moments ago: taken without a round trip, so even a broken one passes the check.
        let mut broken = broken_connection(&url).await;
        assert!(check_if_idle(&mut broken, Duration::from_millis(5)).await.expect("no round trip"));
        // Idle long enough: checked, and a broken one is refused (the pool then closes it).
        let mut broken = broken_connection(&url).await;
        assert!(check_if_idle(&mut broken, CHECK_AFTER_IDLE).await.is_err());
    }

    #[test]
    fn a_url_is_shown_without_its_password() {
        assert_eq!(redact("postgres://bench:s3cret@127.0.0.1/test"), "postgres://bench:***@127.0.0.1/test");
        assert_eq!(redact("postgres://postgres@127.0.0.1/test"), "postgres://postgres@127.0.0.1/test");
        assert_eq!(redact("sqlite://sportello.db"), "sqlite://sportello.db");
    }
}
