//! The `sportello` command: validate, draw, document and test workflows; migrate the database, deploy
//! workflows, verify the audit log and fire timers (later: serve).
//!
//! `main.rs` is a shim; everything lives here so tests can drive the real command.

pub mod audit;
pub mod cli;
pub mod database;
pub mod deploy;
pub mod migrate;
pub mod report;
pub mod scenarios;
pub mod worker;
pub mod workflow_files;
