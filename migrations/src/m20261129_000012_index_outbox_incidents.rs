//! An index on the outbox by `(status, id)`, so the worklist's list of incidents (`status =
//! 'incident'`, newest first, at most 50) reads the few incident rows instead of walking every row of
//! the outbox backwards: with 100,000 cases and their pending deliveries that walk took seconds.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name("outbox_status_id")
                    .table(Outbox::Table)
                    .col(Outbox::Status)
                    .col(Outbox::Id)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Outbox {
    Table,
    Status,
    Id,
}
