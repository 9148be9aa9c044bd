//! Storage: cases, their audit chains, timers, the outbox and deployed workflow versions, kept in SQLite
//! or PostgreSQL, or in memory. Every command that changes a case is written once
//! (`case_commands.rs`) over one trait per table (`tables/`): read the case, let the runtime decide (a
//! pure function), plan the writes (`case_writes.rs`: timers, the case row, the audit entry, the
//! outbox rows) and write them together, checked against the version and audit head read. Nothing is
//! acknowledged before it is durable.
//!
//! [`Store`] (`database/`, sea-orm: the only place that speaks SQL) implements the tables on a
//! transaction of SQLite or PostgreSQL. On SQLite one writer task owns the only write connection and
//! commits concurrent commands together (group commit: one fsync for many commands). A command that
//! may write and then be refused (a timer round, a deploy) runs in a savepoint of its own, so a
//! refusal undoes only its own writes; the others (openings, transitions, events) are refused, if at
//! all, before their first write and need none (`database/writer.rs` says how). On PostgreSQL every
//! command runs in its own transaction from a pool, and timers are claimed with `FOR UPDATE SKIP
//! LOCKED`, so any number of workers fire each timer once.
//!
//! [`MemoryStore`] (`memory/`) implements the same tables on maps in memory, for the scenario runner
//! ([`scenario`], `sportello test`) and for tests that need no database.
#![warn(missing_docs)]

mod case_commands;
mod case_row;
mod case_writes;
mod database;
mod effects;
mod memory;
mod outbox_types;
mod payment_stage;
mod queries;
pub mod scenario;
mod sealed_timers;
mod tables;
mod types;
mod unreadable;

pub use database::{
    BackupReport, DocumentRecord, Migration, NewUpload, NewWebSession, NotificationPreferences, PageRating, Person,
    PersonKind, Refusal, SetupLock, SignIn, Store, redact,
};
pub use effects::*;
pub use memory::MemoryStore;
pub use outbox_types::*;
pub use payment_stage::*;
pub use queries::*;
pub use types::*;
