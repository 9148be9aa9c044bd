//! Databases for end-to-end tests: a SQLite file in a temporary folder, and a PostgreSQL schema named
//! after the test (dropped and created afresh) when `TEST_POSTGRES_URL` is set.

/// The database URLs a test runs against, with a name for messages: SQLite always, PostgreSQL when
/// configured. `folder` holds the SQLite file; `name` must be unique per test.
pub async fn urls(folder: &std::path::Path, name: &str) -> anyhow::Result<Vec<(&'static str, String)>> {
    let mut urls = vec![("sqlite", format!("sqlite://{}", folder.join("sportello.db").display()))];
    if let Some(base) = std::env::var("TEST_POSTGRES_URL").ok().filter(|u| !u.is_empty()) {
        urls.push(("postgres", sportello_testkit::fresh_postgres_schema(&base, "e2e", name).await?));
    }
    Ok(urls)
}
