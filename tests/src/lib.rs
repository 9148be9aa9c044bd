//! End-to-end test harness: starts the real server on a random port against SQLite (and PostgreSQL when
//! `TEST_POSTGRES_URL` is set).
//!
//! Empty until the server arrives with the API issue; today the binary's behaviour is tested in
//! `api/tests/` by running the `sportello` command itself.
