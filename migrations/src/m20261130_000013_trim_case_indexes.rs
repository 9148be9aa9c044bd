//! Fewer index entries per case, for the same lists: every entry is a page SQLite writes to its WAL
//! (and PostgreSQL to its own) when a case is opened or moves, and concluded cases, which are most
//! cases after a few years, need none of these.
//!
//! - `case_applicant_opened` (`applicant, opened_at`) goes: no statement orders or filters by
//!   `opened_at`, and `case_applicant_due` (`applicant, due_at, id`) serves every list by applicant.
//! - `case_office_waiting_due` holds only cases that wait for someone (`waiting_for IS NOT NULL`): a
//!   case in a final state has none, and every statement that reads the index names a `waiting_for`
//!   (`waiting_for = ?` implies it is not null, which SQLite and PostgreSQL both prove when they
//!   choose a partial index).
//! - `case_assignee_due` holds only assigned cases (`assignee IS NOT NULL`): lists filter by
//!   `assignee = ?`, never by the absence of one.
//!
//! Both partial indexes keep their columns and order, so every list reads them as before.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_index(Index::drop().name("case_applicant_opened").table(Case::Table).to_owned()).await?;
        let partial: [(&str, &[Case], Case); 2] = [
            (
                "case_office_waiting_due",
                &[Case::Office, Case::WaitingFor, Case::DueAt, Case::Id, Case::Workflow, Case::State],
                Case::WaitingFor,
            ),
            ("case_assignee_due", &[Case::Assignee, Case::DueAt, Case::Id], Case::Assignee),
        ];
        for (name, columns, present) in partial {
            manager.drop_index(Index::drop().name(name).table(Case::Table).to_owned()).await?;
            let mut index = Index::create().name(name).table(Case::Table).to_owned();
            for column in columns {
                index.col(*column);
            }
            index.and_where(Expr::col(present).is_not_null());
            manager.create_index(index).await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Case {
    Table,
    Id,
    Workflow,
    State,
    Office,
    Assignee,
    WaitingFor,
    DueAt,
}
