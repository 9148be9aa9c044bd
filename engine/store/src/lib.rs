//! Storage: cases, their audit chains, timers, the outbox and deployed workflow versions, kept in SQLite
//! or PostgreSQL. Every command is one database transaction: load the case, let the runtime decide
//! (a pure function), then write the case row (with an optimistic version check), the audit entry,
//! the timer rows and the outbox rows together. Nothing is acknowledged before it is durable.
//!
//! On SQLite one writer task owns the only write connection and commits concurrent commands together
//! (group commit: one fsync for many commands). A command that may write and then be refused (a timer
//! round, a deploy) runs in a savepoint of its own, so a refusal undoes only its own writes; the others
//! (openings, transitions, events) are refused, if at all, before their first write and need none
//! (`database/writer.rs` says how). On PostgreSQL every command runs in its own transaction from a
//! pool, and timers are claimed with `FOR UPDATE SKIP LOCKED`, so any number of workers fire each
//! timer once.
//!
//! The types here are what callers see; `database/` (sea-orm on SQLite and PostgreSQL) is the only
//! place that speaks SQL.
#![warn(missing_docs)]

mod database;
mod effects;
mod outbox_types;
mod payment_stage;
mod queries;
mod types;

pub use database::{BackupReport, Migration, NewWebSession, Refusal, SetupLock, Store, redact};
pub use effects::*;
pub use outbox_types::*;
pub use payment_stage::*;
pub use queries::*;
pub use types::*;
