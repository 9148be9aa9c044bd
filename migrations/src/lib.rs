//! Database migrations for SQLite and PostgreSQL (sea-orm-migration), one change per file, in order.
//!
//! `sportello migrate up|status` and the test harness run [`Migrator`]. Names are written in each
//! migration, never borrowed from the engine's entities, so an applied migration never changes. Every
//! column type is one both backends store the same way: times are microseconds since the Unix epoch
//! (UTC) in a `bigint`, civil dates are `YYYY-MM-DD` text, JSON is text (the audit chain hashes a
//! canonical form, so neither backend's JSON handling can break it).

pub use sea_orm_migration::MigratorTrait;
use sea_orm_migration::prelude::*;

mod m20261126_000001_create_workflow_version_table;
mod m20261126_000002_create_case_table;
mod m20261126_000003_create_audit_entry_table;
mod m20261126_000004_create_timer_table;
mod m20261126_000005_create_outbox_table;
mod m20261126_000006_create_idempotency_key_table;
mod m20261126_000007_create_processed_event_table;
mod m20261128_000008_add_case_worklist_columns;
mod m20261129_000009_reindex_case_lists;
mod m20261129_000010_add_outbox_delivery_columns;
mod m20261129_000011_create_payment_table;
mod m20261129_000012_index_outbox_incidents;
mod m20261130_000013_trim_case_indexes;
mod m20261207_000014_create_web_session_table;
mod m20261207_000015_create_security_event_table;
mod m20261207_000016_create_person_table;
mod m20261207_000017_create_page_rating_table;
mod m20261207_000018_add_case_deleted_at;
mod m20261208_000019_create_document_table;

/// Every migration, oldest first.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261126_000001_create_workflow_version_table::Migration),
            Box::new(m20261126_000002_create_case_table::Migration),
            Box::new(m20261126_000003_create_audit_entry_table::Migration),
            Box::new(m20261126_000004_create_timer_table::Migration),
            Box::new(m20261126_000005_create_outbox_table::Migration),
            Box::new(m20261126_000006_create_idempotency_key_table::Migration),
            Box::new(m20261126_000007_create_processed_event_table::Migration),
            Box::new(m20261128_000008_add_case_worklist_columns::Migration),
            Box::new(m20261129_000009_reindex_case_lists::Migration),
            Box::new(m20261129_000010_add_outbox_delivery_columns::Migration),
            Box::new(m20261129_000011_create_payment_table::Migration),
            Box::new(m20261129_000012_index_outbox_incidents::Migration),
            Box::new(m20261130_000013_trim_case_indexes::Migration),
            Box::new(m20261207_000014_create_web_session_table::Migration),
            Box::new(m20261207_000015_create_security_event_table::Migration),
            Box::new(m20261207_000016_create_person_table::Migration),
            Box::new(m20261207_000017_create_page_rating_table::Migration),
            Box::new(m20261207_000018_add_case_deleted_at::Migration),
            Box::new(m20261208_000019_create_document_table::Migration),
        ]
    }
}
