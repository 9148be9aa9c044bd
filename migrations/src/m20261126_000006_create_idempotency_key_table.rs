//! Idempotency keys: a client's key, scoped to who sent it, with a hash of the request and the first
//! result, so that a retry returns that result and a different request under the same key is refused.

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
                    .table(IdempotencyKey::Table)
                    .col(string(IdempotencyKey::Scope))
                    .col(string(IdempotencyKey::Key))
                    .col(string_len(IdempotencyKey::RequestHash, 64))
                    .col(text(IdempotencyKey::Response))
                    .col(big_integer(IdempotencyKey::CreatedAt))
                    .primary_key(Index::create().col(IdempotencyKey::Scope).col(IdempotencyKey::Key))
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum IdempotencyKey {
    Table,
    Scope,
    Key,
    RequestHash,
    Response,
    CreatedAt,
}
