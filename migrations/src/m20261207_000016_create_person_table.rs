//! The directory of people (`person`): everyone who has signed in to the pages or called the API, a
//! citizen by fiscal code or a member of staff by user id, with the name and e-mail address their
//! identity provider gave, a member of staff's offices and roles as last seen, a citizen's notification
//! preferences, and when they were first and last seen. Clerks see applicants by name and assign cases
//! only to staff of the office found here; delivery reads a citizen's preferences here.

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
                    .table(Person::Table)
                    // `citizen` or `staff`.
                    .col(string(Person::Kind))
                    // A citizen's fiscal code, a member of staff's user id.
                    .col(string(Person::Id))
                    .col(string_null(Person::GivenName))
                    .col(string_null(Person::FamilyName))
                    .col(string_null(Person::DisplayName))
                    .col(string_null(Person::Email))
                    // JSON lists of text; empty for citizens.
                    .col(text(Person::Offices))
                    .col(text(Person::Roles))
                    // A citizen's own address for messages, and whether they also want by e-mail the
                    // messages App IO carries (0 or 1).
                    .col(string_null(Person::NotifyEmail))
                    .col(integer(Person::EmailToo).default(0))
                    .col(big_integer(Person::FirstSeen))
                    .col(big_integer(Person::LastSeen))
                    .primary_key(Index::create().col(Person::Kind).col(Person::Id))
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Person {
    Table,
    Kind,
    Id,
    GivenName,
    FamilyName,
    DisplayName,
    Email,
    Offices,
    Roles,
    NotifyEmail,
    EmailToo,
    FirstSeen,
    LastSeen,
}
