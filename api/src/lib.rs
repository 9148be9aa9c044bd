//! The `sportello` command: validate, draw and document workflows (later: serve, migrate, test).
//!
//! `main.rs` is a shim; everything lives here so tests can drive the real command.

pub mod cli;
pub mod report;
pub mod workflow_files;
