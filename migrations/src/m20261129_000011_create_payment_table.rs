//! pagoPA payments asked of citizens: one row per `payment` effect, written with the transition that
//! asked for it and filled in by the outbox when the debt position is created.
//!
//! - `outbox_id`: the outbox row that creates the position (unique).
//! - `amount_cents`, `description`, `due_date` (`YYYY-MM-DD`, Europe/Rome): what the notice says.
//! - `iupd` and `notice_number`: set once, on the first delivery attempt, and unique, so a number is
//!   never given to two payments; the notice number's base is the row's id (plus the configured
//!   offset), so it is never reused while the database lives.
//! - `status`: `requested` (not yet at pagoPA), `open` (published, unpaid), `paid`, `expired`.
//! - `receipt_id`, `paid_at`: from the receipt (callback or polling).

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
                    .table(Payment::Table)
                    .col(big_pk_auto(Payment::Id))
                    .col(big_integer(Payment::CaseId))
                    .col(big_integer_uniq(Payment::OutboxId))
                    .col(string(Payment::Name))
                    .col(big_integer(Payment::AmountCents))
                    .col(text(Payment::Description))
                    .col(string(Payment::DueDate))
                    .col(string_null(Payment::Iupd).unique_key())
                    .col(string_null(Payment::NoticeNumber).unique_key())
                    .col(string(Payment::Status))
                    .col(string_null(Payment::ReceiptId))
                    .col(big_integer_null(Payment::PaidAt))
                    .col(big_integer(Payment::CreatedAt))
                    .col(big_integer(Payment::UpdatedAt))
                    .foreign_key(ForeignKey::create().from(Payment::Table, Payment::CaseId).to(Case::Table, Case::Id))
                    .foreign_key(
                        ForeignKey::create().from(Payment::Table, Payment::OutboxId).to(Outbox::Table, Outbox::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(Index::create().name("payment_case").table(Payment::Table).col(Payment::CaseId).to_owned())
            .await?;
        // The poller reads open payments.
        manager
            .create_index(
                Index::create()
                    .name("payment_status")
                    .table(Payment::Table)
                    .col(Payment::Status)
                    .col(Payment::Id)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Payment {
    Table,
    Id,
    CaseId,
    OutboxId,
    Name,
    AmountCents,
    Description,
    DueDate,
    Iupd,
    NoticeNumber,
    Status,
    ReceiptId,
    PaidAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Case {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Outbox {
    Table,
    Id,
}
