//! The test kit of Sportello's crates: stores for tests (a fresh SQLite file always, and a fresh
//! PostgreSQL schema when `TEST_POSTGRES_URL` is set, both migrated, each with a manual clock), the one
//! helper that makes a fresh PostgreSQL schema for any test, the workflow fixtures the store, hooks
//! and CLI tests share, and [`cli`], which runs a command-line program as a test's user would.
#![warn(missing_docs)]

pub mod cli;

use std::sync::Arc;

use jiff::civil::Date;
use sea_orm::{ConnectionTrait, Database};
use sportello_runtime::case::Actor;
use sportello_runtime::clock::ManualClock;
use sportello_store::{Store, StoreOptions};

/// A migrated store, its clock, and what keeps its database alive.
pub struct TestStore {
    /// `sqlite` or `postgres`.
    pub backend: &'static str,
    /// The store, migrated.
    pub store: Store,
    /// The store's clock, for tests to move.
    pub clock: ManualClock,
    /// The database's URL, for a second store or a `sportello` process on the same database.
    pub url: String,
    _dir: Option<tempfile::TempDir>,
}

/// One store per backend this run offers, named after the test (`name` must be unique per test).
pub async fn stores(name: &str, today: Date) -> Vec<TestStore> {
    let mut stores = vec![sqlite(today).await];
    if let Some(store) = postgres(name, today).await {
        stores.push(store);
    }
    stores
}

/// Like [`stores`], but with only the first `migrations` migrations applied: for testing the next one
/// on rows written before it (apply the rest with `store.migrate_up()`).
pub async fn stores_migrated_to(name: &str, today: Date, migrations: u32) -> Vec<TestStore> {
    let mut stores = vec![sqlite_migrated_to(today, Some(migrations)).await];
    if let Some(store) = postgres_migrated_to(name, today, Some(migrations)).await {
        stores.push(store);
    }
    stores
}

/// A fresh SQLite store.
pub async fn sqlite(today: Date) -> TestStore {
    sqlite_migrated_to(today, None).await
}

async fn sqlite_migrated_to(today: Date, migrations: Option<u32>) -> TestStore {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("sportello.db").display());
    let (store, clock) = open(&url, today, migrations).await;
    TestStore { backend: "sqlite", store, clock, url, _dir: Some(dir) }
}

/// A fresh PostgreSQL schema named after the test, if `TEST_POSTGRES_URL` is set.
pub async fn postgres(name: &str, today: Date) -> Option<TestStore> {
    postgres_migrated_to(name, today, None).await
}

async fn postgres_migrated_to(name: &str, today: Date, migrations: Option<u32>) -> Option<TestStore> {
    let base = std::env::var("TEST_POSTGRES_URL").ok().filter(|u| !u.is_empty())?;
    let url = fresh_postgres_schema(&base, "test", name).await.expect("TEST_POSTGRES_URL is reachable");
    let (store, clock) = open(&url, today, migrations).await;
    Some(TestStore { backend: "postgres", store, clock, url, _dir: None })
}

async fn open(url: &str, today: Date, migrations: Option<u32>) -> (Store, ManualClock) {
    let clock = ManualClock::at_day(today);
    let store = Store::connect(&StoreOptions::new(url), Arc::new(clock.clone())).await.unwrap();
    store.migrate_up_to(migrations).await.unwrap();
    (store, clock)
}

/// The single integer `sql` selects, read on the store's write connection (on SQLite the one the
/// writer keeps between commands, so this also shows that the writer lets it go).
pub async fn count(store: &Store, sql: &str) -> i64 {
    let conn = store.connection();
    let row =
        conn.query_one_raw(sea_orm::Statement::from_string(conn.get_database_backend(), sql)).await.unwrap().unwrap();
    row.try_get_by_index::<i64>(0).unwrap()
}

/// Drops and creates the PostgreSQL schema `<prefix>_<name>` (every character of `name` that is not
/// ASCII alphanumeric becomes `_`) on the server `base` points at, and returns `base` with that schema
/// as its search path: a fresh, empty database for one test.
///
/// # Errors
///
/// The server cannot be reached or refuses the statements.
pub async fn fresh_postgres_schema(base: &str, prefix: &str, name: &str) -> Result<String, sea_orm::DbErr> {
    let schema = format!("{prefix}_{}", name.replace(|c: char| !c.is_ascii_alphanumeric(), "_"));
    let admin = Database::connect(base).await?;
    admin.execute_unprepared(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE")).await?;
    admin.execute_unprepared(&format!("CREATE SCHEMA {schema}")).await?;
    admin.close().await?;
    let separator = if base.contains('?') { '&' } else { '?' };
    Ok(format!("{base}{separator}options[search_path]={schema}"))
}

/// A shipped workflow's source (from `workflows/` at the repository's root).
pub fn workflow(name: &str) -> String {
    let path = format!("{}/../../workflows/{name}.yaml", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(path).unwrap()
}

/// A request whose fee is a pagoPA payment: the outbox and delivery tests' workflow.
pub const FEE_REQUEST: &str = include_str!("../fixtures/fee-request.yaml");
/// A request whose citizen's term lapses by a deadline: the timer tests' workflow.
pub const LAPSING_REQUEST: &str = include_str!("../fixtures/lapsing-request.yaml");
/// A request worked by an office: the worklist and search tests' workflow.
pub const OFFICE_REQUEST: &str = include_str!("../fixtures/office-request.yaml");

/// Who a test's step acts as: `citizen` is the applicant `applicant`; any other name is a clerk
/// (`test-ROLE`) holding that role of `definition` in the role's office (the workflow's office for a
/// role it does not declare).
pub fn actor(definition: &sportello_definition::Definition, by: &str, applicant: &str) -> Actor {
    match by {
        "citizen" => Actor::Citizen { fiscal_code: applicant.into() },
        role => {
            let office = definition.roles.get(role).map_or_else(|| definition.office.clone(), |r| r.office.clone());
            Actor::Staff { user: format!("test-{role}"), roles: vec![role.into()], offices: vec![office] }
        }
    }
}
