//! Page sessions on the server: one row per signed-in session, so that signing out ends it in every
//! process serving pages for the database (a copied cookie no longer works), a user can end all their
//! sessions at once, and a new sign-in with other staff roles ends the sessions that held the old ones.

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
                    .table(WebSession::Table)
                    .col(string(WebSession::Id).primary_key())
                    .col(string(WebSession::Subject))
                    .col(string(WebSession::Grants))
                    .col(big_integer(WebSession::StartedAt))
                    .col(big_integer(WebSession::ExpiresAt))
                    .col(big_integer_null(WebSession::EndedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("web_session_subject")
                    .table(WebSession::Table)
                    .col(WebSession::Subject)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum WebSession {
    Table,
    Id,
    Subject,
    Grants,
    StartedAt,
    ExpiresAt,
    EndedAt,
}
