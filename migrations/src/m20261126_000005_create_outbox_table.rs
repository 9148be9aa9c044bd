//! The outbox: effects (messages, payments, webhooks) written with the transition that caused them and
//! delivered after commit, each with its own idempotency key.

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
                    .table(Outbox::Table)
                    .col(big_pk_auto(Outbox::Id))
                    .col(big_integer(Outbox::CaseId))
                    .col(string(Outbox::Kind))
                    .col(string(Outbox::Name))
                    .col(text(Outbox::Payload))
                    .col(string_uniq(Outbox::IdempotencyKey))
                    .col(string(Outbox::Status))
                    .col(integer(Outbox::Attempts))
                    .col(big_integer(Outbox::NextAttemptAt))
                    .col(text_null(Outbox::LastError))
                    .col(big_integer(Outbox::CreatedAt))
                    .foreign_key(ForeignKey::create().from(Outbox::Table, Outbox::CaseId).to(Case::Table, Case::Id))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("outbox_status_next_attempt")
                    .table(Outbox::Table)
                    .col(Outbox::Status)
                    .col(Outbox::NextAttemptAt)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Outbox {
    Table,
    Id,
    CaseId,
    Kind,
    Name,
    Payload,
    IdempotencyKey,
    Status,
    Attempts,
    NextAttemptAt,
    LastError,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Case {
    Table,
    Id,
}
