//! End-to-end test harness: databases for tests, processes that tests start, kill and restart, and
//! stand-ins for the external services.
//!
//! [`database`] gives a fresh SQLite file always, and a fresh PostgreSQL schema when
//! `TEST_POSTGRES_URL` is set. The `transition-stream` binary opens cases and moves them through
//! the records-access workflow from several tasks at once, printing a line for every acknowledged
//! transition, so a test can kill it mid-stream and check that nothing acknowledged was lost. [`app`]
//! starts the real HTTP server on port 0 for end-to-end tests. [`spec_server`] serves stand-ins for App IO
//! and pagoPA GPD that check every request against the official OpenAPI documents in `specs/` and answer
//! with scripted replies. [`oidc_provider`] runs a real OpenID Connect provider (npm's oidc-provider)
//! on loopback for the sign-in tests; [`browser`] drives headless Chromium through chromedriver, with
//! screenshots and axe-core accessibility checks (`TEST_BROWSER` makes the tools mandatory), and
//! [`browser_walk`] has what the browser tests share to walk the pages; [`files`] makes PDFs and holds signed
//! envelopes for the case-file tests; [`visitor`] visits the pages as a browser without JavaScript would.

pub mod app;
pub mod browser;
pub mod browser_walk;
pub mod database;
pub mod files;
pub mod oidc_provider;
pub mod spec_server;
pub mod visitor;
