//! The tables as sea-orm entities, private to the store. Their names match the migrations, which
//! spell them out on their own so that an applied migration never changes.

pub mod workflow_version {
    //! A deployed workflow version.
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "workflow_version")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub workflow: String,
        #[sea_orm(primary_key, auto_increment = false)]
        pub version: i32,
        pub source: String,
        pub hash: String,
        pub deployed_at: i64,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod case {
    //! A case row.
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "case")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub workflow: String,
        pub workflow_version: i32,
        pub state: String,
        pub data: String,
        pub clocks: String,
        pub version: i64,
        pub applicant: String,
        pub office: String,
        pub assignee: Option<String>,
        pub opened_on: String,
        pub opened_at: i64,
        pub updated_at: i64,
        pub audit_sequence: i64,
        pub audit_hash: String,
        pub waiting_for: Option<String>,
        pub due_at: Option<i64>,
        /// When its applicant deleted it as a draft (migration 18); null while it stands.
        pub deleted_at: Option<i64>,
    }

    /// The row as every backend keeps it, without its timers (`null`: the entity does not read them).
    impl From<Model> for crate::case_row::CaseRow {
        fn from(row: Model) -> Self {
            crate::case_row::CaseRow {
                document_types: None,
                id: row.id,
                workflow: row.workflow,
                workflow_version: row.workflow_version,
                state: row.state,
                data: row.data,
                clocks: row.clocks,
                version: row.version,
                applicant: row.applicant,
                office: row.office,
                assignee: row.assignee,
                opened_on: row.opened_on,
                opened_at: row.opened_at,
                updated_at: row.updated_at,
                audit_sequence: row.audit_sequence,
                audit_hash: row.audit_hash,
                waiting_for: row.waiting_for,
                due_at: row.due_at,
                timers: Json::Null,
            }
        }
    }

    /// The row's columns (its timers are rows of their own table), as a case that stands.
    impl From<crate::case_row::CaseRow> for Model {
        fn from(row: crate::case_row::CaseRow) -> Self {
            Model {
                id: row.id,
                workflow: row.workflow,
                workflow_version: row.workflow_version,
                state: row.state,
                data: row.data,
                clocks: row.clocks,
                version: row.version,
                applicant: row.applicant,
                office: row.office,
                assignee: row.assignee,
                opened_on: row.opened_on,
                opened_at: row.opened_at,
                updated_at: row.updated_at,
                audit_sequence: row.audit_sequence,
                audit_hash: row.audit_hash,
                waiting_for: row.waiting_for,
                due_at: row.due_at,
                deleted_at: None,
            }
        }
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod audit_entry {
    //! One link of a case's audit chain.
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "audit_entry")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub case_id: i64,
        #[sea_orm(primary_key, auto_increment = false)]
        pub sequence: i64,
        pub body: String,
        pub previous_hash: String,
        pub hash: String,
        pub recorded_at: i64,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod timer {
    //! A deadline or clock expiry waiting to fire.
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "timer")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub case_id: i64,
        pub kind: String,
        pub name: String,
        pub fire: String,
        pub due_at: i64,
        pub term_day: Option<String>,
        pub created_at: i64,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod outbox {
    //! An effect to deliver after commit.
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "outbox")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub case_id: i64,
        pub kind: String,
        pub name: String,
        pub payload: String,
        pub idempotency_key: String,
        pub status: String,
        pub attempts: i32,
        pub next_attempt_at: i64,
        pub last_error: Option<String>,
        pub created_at: i64,
        pub delivered_at: Option<i64>,
        pub result: Option<String>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod idempotency_key {
    //! A client's idempotency key and the first result.
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "idempotency_key")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub scope: String,
        #[sea_orm(primary_key, auto_increment = false)]
        pub key: String,
        pub request_hash: String,
        pub response: String,
        pub created_at: i64,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod processed_event {
    //! An external event already taken in.
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "processed_event")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub case_id: i64,
        #[sea_orm(primary_key, auto_increment = false)]
        pub message_id: String,
        pub event: String,
        pub outcome: String,
        pub received_at: i64,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod payment {
    //! A pagoPA payment asked of the citizen.
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "payment")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub case_id: i64,
        pub outbox_id: i64,
        pub name: String,
        pub amount_cents: i64,
        pub description: String,
        pub due_date: String,
        pub iupd: Option<String>,
        pub notice_number: Option<String>,
        pub status: String,
        pub receipt_id: Option<String>,
        pub paid_at: Option<i64>,
        pub created_at: i64,
        pub updated_at: i64,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
