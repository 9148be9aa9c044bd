//! Worklist columns on cases: `waiting_for` (who the current state waits for: `citizen`, `office`,
//! `payment`, `external`, `nobody`; null in a final state) and `due_at` (the earliest pending timer of
//! the case, its legal due instant, in microseconds; null when none), kept by every write, with the
//! indexes that serve case lists sorted by due date.
//!
//! Rows already there: `due_at` is filled here from their timers. `waiting_for` comes from each state
//! in the workflow's YAML, which SQL cannot read, so it is left null here; the store's
//! `fill_waiting_for` fills it (run after migrating), and any command on a case sets it anyway.
//!
//! Indexes, each ending in `(due_at, id)`, the order lists are read in (the keyset), so a page is a
//! range scan with no sort:
//! - `case_office_waiting_due`: a clerk's worklist, cases of their offices waiting for the office;
//!   also what the worklist counts filter on.
//! - `case_applicant_due`: a citizen's own cases.
//! - `case_workflow_state_due`: staff filtering by workflow and state; it starts with the columns of
//!   `case_workflow_state`, which is dropped as redundant (one index less to update per command).
//! - `case_assignee_due`: a clerk's own cases.
//! - `case_due`: every case, unfiltered, by due date.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite's ALTER TABLE adds one at a time.
        manager
            .alter_table(Table::alter().table(Case::Table).add_column(string_null(Case::WaitingFor)).to_owned())
            .await?;
        manager
            .alter_table(Table::alter().table(Case::Table).add_column(big_integer_null(Case::DueAt)).to_owned())
            .await?;
        // The same text on both backends: a correlated subquery, no UPDATE … FROM (PostgreSQL only).
        manager
            .get_connection()
            .execute_unprepared(
                "UPDATE \"case\" SET \"due_at\" = \
                 (SELECT MIN(\"timer\".\"due_at\") FROM \"timer\" WHERE \"timer\".\"case_id\" = \"case\".\"id\")",
            )
            .await?;
        let indexes: [(&str, &[Case]); 5] = [
            ("case_office_waiting_due", &[Case::Office, Case::WaitingFor, Case::DueAt, Case::Id]),
            ("case_applicant_due", &[Case::Applicant, Case::DueAt, Case::Id]),
            ("case_workflow_state_due", &[Case::Workflow, Case::State, Case::DueAt, Case::Id]),
            ("case_assignee_due", &[Case::Assignee, Case::DueAt, Case::Id]),
            ("case_due", &[Case::DueAt, Case::Id]),
        ];
        for (name, columns) in indexes {
            let mut index = Index::create().name(name).table(Case::Table).to_owned();
            for column in columns {
                index.col(*column);
            }
            manager.create_index(index).await?;
        }
        manager.drop_index(Index::drop().name("case_workflow_state").table(Case::Table).to_owned()).await
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Case {
    Table,
    Id,
    Workflow,
    State,
    Applicant,
    Office,
    Assignee,
    WaitingFor,
    DueAt,
}
