//! External events already taken in, by case and message id, so a redelivered event is not applied twice.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ProcessedEvent::Table)
                    .col(big_integer(ProcessedEvent::CaseId))
                    .col(string(ProcessedEvent::MessageId))
                    .col(string(ProcessedEvent::Event))
                    .col(text(ProcessedEvent::Outcome))
                    .col(big_integer(ProcessedEvent::ReceivedAt))
                    .primary_key(Index::create().col(ProcessedEvent::CaseId).col(ProcessedEvent::MessageId))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ProcessedEvent::Table, ProcessedEvent::CaseId)
                            .to(Case::Table, Case::Id),
                    )
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum ProcessedEvent {
    Table,
    CaseId,
    MessageId,
    Event,
    Outcome,
    ReceivedAt,
}

#[derive(DeriveIden)]
enum Case {
    Table,
    Id,
}
