//! Deployed workflow definitions: the source as deployed and its SHA-256, one row per version, so a
//! case always runs on the text it was opened with.

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
                    .table(WorkflowVersion::Table)
                    .col(string(WorkflowVersion::Workflow))
                    .col(integer(WorkflowVersion::Version))
                    .col(text(WorkflowVersion::Source))
                    .col(string_len(WorkflowVersion::Hash, 64))
                    .col(big_integer(WorkflowVersion::DeployedAt))
                    .primary_key(Index::create().col(WorkflowVersion::Workflow).col(WorkflowVersion::Version))
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum WorkflowVersion {
    Table,
    Workflow,
    Version,
    Source,
    Hash,
    DeployedAt,
}
