//! Cases: one row per application, with its state, data, legal-clock events, optimistic version and
//! the head of its audit chain (which catches entries deleted from the end).

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
                    .table(Case::Table)
                    .col(big_pk_auto(Case::Id))
                    .col(string(Case::Workflow))
                    .col(integer(Case::WorkflowVersion))
                    .col(string(Case::State))
                    .col(text(Case::Data))
                    .col(text(Case::Clocks))
                    .col(big_integer(Case::Version))
                    .col(string(Case::Applicant))
                    .col(string(Case::Office))
                    .col(string_null(Case::Assignee))
                    .col(string_len(Case::OpenedOn, 10))
                    .col(big_integer(Case::OpenedAt))
                    .col(big_integer(Case::UpdatedAt))
                    .col(big_integer(Case::AuditSequence))
                    .col(string_len(Case::AuditHash, 64))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Case::Table, (Case::Workflow, Case::WorkflowVersion))
                            .to(WorkflowVersion::Table, (WorkflowVersion::Workflow, WorkflowVersion::Version)),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, columns) in [
            ("case_workflow_state", [Case::Workflow, Case::State]),
            ("case_office_state", [Case::Office, Case::State]),
            ("case_applicant_opened", [Case::Applicant, Case::OpenedAt]),
        ] {
            let [first, second] = columns;
            manager
                .create_index(Index::create().name(name).table(Case::Table).col(first).col(second).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Case {
    Table,
    Id,
    Workflow,
    WorkflowVersion,
    State,
    Data,
    Clocks,
    Version,
    Applicant,
    Office,
    Assignee,
    OpenedOn,
    OpenedAt,
    UpdatedAt,
    AuditSequence,
    AuditHash,
}

#[derive(DeriveIden)]
enum WorkflowVersion {
    Table,
    Workflow,
    Version,
}
