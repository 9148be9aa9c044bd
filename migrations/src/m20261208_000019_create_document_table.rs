//! The case file's metadata (`document`): one row per uploaded or attached document, its blob named
//! by `sha256` in the document store. A row is written only after its blob is durable, so metadata
//! without a blob never exists. An upload waits with no `audit_sequence` (and an `expires_at`) until a
//! transition attaches it; the transition sets `audit_sequence` to its audit entry's, in its own
//! transaction, and clears `expires_at`. Uploads never attached expire and are removed.

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
                    .table(Document::Table)
                    .col(big_integer(Document::Id).auto_increment().primary_key())
                    .col(string_uniq(Document::UploadId))
                    .col(big_integer(Document::CaseId))
                    .col(string(Document::DocType))
                    .col(string(Document::Name))
                    .col(string(Document::MediaType))
                    .col(big_integer(Document::Size))
                    .col(string(Document::Sha256))
                    .col(text_null(Document::Signer))
                    .col(string(Document::UploadedBy))
                    .col(string(Document::UploaderKind))
                    .col(big_integer(Document::UploadedAt))
                    .col(string(Document::VisibleTo))
                    .col(big_integer_null(Document::AuditSequence))
                    .col(big_integer_null(Document::ExpiresAt))
                    .to_owned(),
            )
            .await?;
        for (name, column) in [
            ("document_case", Document::CaseId),
            ("document_sha256", Document::Sha256),
            ("document_expires", Document::ExpiresAt),
        ] {
            manager.create_index(Index::create().name(name).table(Document::Table).col(column).to_owned()).await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Document {
    Table,
    Id,
    UploadId,
    CaseId,
    DocType,
    Name,
    MediaType,
    Size,
    Sha256,
    Signer,
    UploadedBy,
    UploaderKind,
    UploadedAt,
    VisibleTo,
    AuditSequence,
    ExpiresAt,
}
