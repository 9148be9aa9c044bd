//! The security log: requests refused because the caller may not see or touch a case (or it does not
//! exist), kept apart from the cases' audit trails, so that a stranger's attempts neither grow a case's
//! trail nor tell an existing case from a missing one.

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
                    .table(SecurityEvent::Table)
                    .col(big_pk_auto(SecurityEvent::Id))
                    .col(big_integer(SecurityEvent::At))
                    .col(string(SecurityEvent::Actor))
                    .col(string(SecurityEvent::Action))
                    .col(string(SecurityEvent::Target))
                    .col(string(SecurityEvent::Refusal))
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum SecurityEvent {
    Table,
    Id,
    At,
    Actor,
    Action,
    Target,
    Refusal,
}
