//! The `sportello` command: validate, draw, document and test workflows (later: serve, migrate).
//!
//! `main.rs` is a shim; everything lives here so tests can drive the real command.

pub mod cli;
pub mod report;
pub mod scenarios;
pub mod workflow_files;
