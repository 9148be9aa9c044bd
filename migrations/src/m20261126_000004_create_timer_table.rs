//! Timers: a state's deadline or a legal clock's expiry, as a row with the instant it falls due and the
//! system transition it fires. One per (case, kind, name); leaving the state deletes it; firing deletes
//! it in the same transaction as the transition it fires.

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
                    .table(Timer::Table)
                    .col(big_pk_auto(Timer::Id))
                    .col(big_integer(Timer::CaseId))
                    .col(string(Timer::Kind))
                    .col(string(Timer::Name))
                    .col(string(Timer::Fire))
                    .col(big_integer(Timer::DueAt))
                    .col(string_len_null(Timer::TermDay, 10))
                    .col(big_integer(Timer::CreatedAt))
                    .foreign_key(ForeignKey::create().from(Timer::Table, Timer::CaseId).to(Case::Table, Case::Id))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("timer_case_kind_name")
                    .table(Timer::Table)
                    .col(Timer::CaseId)
                    .col(Timer::Kind)
                    .col(Timer::Name)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(Index::create().name("timer_due_at").table(Timer::Table).col(Timer::DueAt).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Timer {
    Table,
    Id,
    CaseId,
    Kind,
    Name,
    Fire,
    DueAt,
    TermDay,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Case {
    Table,
    Id,
}
