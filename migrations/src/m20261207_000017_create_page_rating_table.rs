//! The page-rating question at the foot of every page ("Quanto sono chiare le informazioni su questa
//! pagina?", as the Designers Italia model for Comuni asks it): one counter per page and number of
//! stars, nothing about who answered.

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
                    .table(PageRating::Table)
                    .col(string(PageRating::Page))
                    .col(small_integer(PageRating::Stars))
                    .col(big_integer(PageRating::Answers))
                    .primary_key(Index::create().col(PageRating::Page).col(PageRating::Stars))
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum PageRating {
    Table,
    Page,
    Stars,
    Answers,
}
