//! `deleted_at` on the case table (microseconds; null for a case that stands): set when the applicant
//! deletes a draft. The row stays, so that its audit chain (whose last entry records the deletion and
//! seals the row as it left it, data cleared) and the signed checkpoints that name it keep verifying;
//! every read of cases leaves a deleted one out, as if it did not exist.
//!
//! No index: deleted drafts are few, and every list already reads its own index and drops them on the
//! way.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(Table::alter().table(Case::Table).add_column(big_integer_null(Case::DeletedAt)).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Case {
    Table,
    DeletedAt,
}
