//! The audit log: append-only, one row per command on a case, each carrying the hash of the one before.

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
                    .table(AuditEntry::Table)
                    .col(big_integer(AuditEntry::CaseId))
                    .col(big_integer(AuditEntry::Sequence))
                    .col(text(AuditEntry::Body))
                    .col(string_len(AuditEntry::PreviousHash, 64))
                    .col(string_len(AuditEntry::Hash, 64))
                    .col(big_integer(AuditEntry::RecordedAt))
                    .primary_key(Index::create().col(AuditEntry::CaseId).col(AuditEntry::Sequence))
                    .foreign_key(
                        ForeignKey::create().from(AuditEntry::Table, AuditEntry::CaseId).to(Case::Table, Case::Id),
                    )
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum AuditEntry {
    Table,
    CaseId,
    Sequence,
    Body,
    PreviousHash,
    Hash,
    RecordedAt,
}

#[derive(DeriveIden)]
enum Case {
    Table,
    Id,
}
