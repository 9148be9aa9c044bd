//! The tables the runtime's commands need, one trait each, shaped by what the commands do with them
//! rather than by SQL: cases (read, insert, write a planned change), timers (due ones, pending ones),
//! deployed definitions, idempotency keys, the audit chain and the outbox. The commands in
//! `case_commands.rs` are written once over these traits; `database/tables.rs` implements them on a
//! SQL transaction (SQLite or PostgreSQL), `memory/` on maps in memory (the scenario runner's store).
//!
//! A value of a type implementing them is one command's view of the store: on SQL one transaction, in
//! memory the store while that command holds it. Writes check the version and audit head read, so a
//! command decided on a case that moved meanwhile is refused as stale and decided again.

mod audit;
mod cases;
mod definitions;
mod idempotency;
mod outbox;
mod timers;

pub use audit::AuditTable;
pub use cases::CaseTable;
pub use definitions::DefinitionTable;
pub use idempotency::{IdempotencyTable, RequestKey};
pub use outbox::OutboxTable;
pub use timers::{DueTimer, TimerTable};
