//! What became of each outbox row: `delivered_at` (microseconds; null until delivered) and `result`
//! (JSON text: the remote id of the message sent, the channel used, …), plus an index that finds a
//! case's rows (the case page lists its messages and incidents).
//!
//! `status` keeps its values `pending` (waiting for its next attempt, which `next_attempt_at` says),
//! and gains `delivered`, `incident` (the retry budget is spent, or the remote system refused it; a
//! clerk retries or dismisses it) and `dismissed`. A worker claims a row by moving `next_attempt_at`
//! past the time a delivery can take and counting the attempt, so a worker that dies mid-delivery
//! leaves the row to be claimed again once that time has passed.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite's ALTER TABLE adds one at a time.
        manager
            .alter_table(
                Table::alter().table(Outbox::Table).add_column(big_integer_null(Outbox::DeliveredAt)).to_owned(),
            )
            .await?;
        manager
            .alter_table(Table::alter().table(Outbox::Table).add_column(text_null(Outbox::Result)).to_owned())
            .await?;
        manager
            .create_index(Index::create().name("outbox_case").table(Outbox::Table).col(Outbox::CaseId).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Outbox {
    Table,
    CaseId,
    DeliveredAt,
    Result,
}
