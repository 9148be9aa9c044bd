//! The `sportello` engine: the real [`Store`] on a fresh, migrated database with the benchmark
//! workflow (`bench/school-enrolment.yaml`, embedded) deployed. A creation is `open_case` by the
//! citizen `citizen-%06d`, which puts the case in `submitted`; clerk steps are `apply` by staff member
//! `clerk-%02d` of the workflow's office; `resubmit` is the citizen's; `pay_fee` arrives as the pagoPA
//! event `payment.paid` through `deliver_event`. The store reads the case from the database on every
//! command; the schedule keeps only the store's row id of each case.

use std::sync::Arc;

use anyhow::{Context, Result, ensure};
use serde_json::Value as Json;
use sportello_definition as definition;
use sportello_runtime::case::Actor;
use sportello_runtime::clock::SystemClock;
use sportello_runtime::transition::ApplyTransition;
use sportello_store::{Applied, Apply, Backend, DeliverEvent, OpenCase, Store, StoreOptions, Synchronous};

use crate::db::{self, Db, Target};
use crate::workload::{self, ActorKind, Step};

/// The benchmark workflow.
pub const WORKFLOW: &str = include_str!("../../../../../bench/school-enrolment.yaml");
/// Its id (and file stem).
pub const WORKFLOW_ID: &str = "school-enrolment";
/// The PostgreSQL schema the store's tables live in.
const SCHEMA: &str = "sportello_bench";
/// The event pagoPA's receipt arrives as.
const PAID: &str = "payment.paid";

/// Sportello's store, ready for the workload. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Sportello {
    store: Store,
    office: String,
    db: Db,
}

impl Sportello {
    /// Connects to a fresh database, migrates it and deploys the benchmark workflow.
    pub async fn connect(target: &Target, concurrency: u32) -> Result<Sportello> {
        let (url, synchronous) = match target {
            Target::Sqlite { path, synchronous } => {
                db::remove_sqlite_files(path)?;
                (db::sqlite_url(path)?, *synchronous)
            }
            Target::Postgres { url } => (db::fresh_pg_schema(url, SCHEMA).await?, Synchronous::Full),
        };
        let options = StoreOptions { url: url.clone(), synchronous, pool_size: concurrency, max_batch: 256 };
        let store = Store::connect(&options, Arc::new(SystemClock))
            .await
            .with_context(|| format!("connecting to {}", db::redact(&url)))?;
        store.migrate_up().await.context("migrating the database")?;
        let definition = definition::load_str(WORKFLOW, Some(WORKFLOW_ID))
            .definition
            .context("the embedded benchmark workflow does not validate")?;
        store.deploy(WORKFLOW, Some(WORKFLOW_ID)).await.context("deploying the benchmark workflow")?;
        let db = match store.backend() {
            Backend::Sqlite => Db::Sqlite(store.connection().get_sqlite_connection_pool().clone()),
            Backend::Postgres => Db::Postgres(store.connection().get_postgres_connection_pool().clone()),
        };
        Ok(Sportello { store, office: definition.office.clone(), db })
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// A pool on the store's database, for the checks and the report.
    pub fn db(&self) -> &Db {
        &self.db
    }

    /// The office that owns the benchmark workflow (its clerks' office).
    pub fn office(&self) -> &str {
        &self.office
    }

    /// Opens case `i` with `data`, as its citizen; returns the store's id for it.
    pub async fn create(&self, i: u64, data: &str) -> Result<i64> {
        let data: Json = serde_json::from_str(data).context("the payload is not JSON")?;
        let citizen = workload::actor_name(ActorKind::Citizen, i);
        let command = OpenCase {
            workflow: WORKFLOW_ID.to_owned(),
            applicant: citizen.clone(),
            actor: Actor::Citizen { fiscal_code: citizen },
            data,
            idempotency_key: None,
        };
        let opened = self.store.open_case(command).await.with_context(|| format!("case {i}: opening it"))?;
        expect(&opened, i, Step::Submit)?;
        Ok(opened.case_id)
    }

    /// Applies `step` to case `i`, stored as `id`.
    pub async fn apply(&self, id: i64, i: u64, step: Step) -> Result<()> {
        let applied = match step.actor() {
            ActorKind::Pagopa => {
                let event = DeliverEvent {
                    case_id: id,
                    event: PAID.to_owned(),
                    message_id: format!("receipt-{i}"),
                    payload: Json::Null,
                };
                self.store.deliver_event(event).await
            }
            kind => {
                let actor = self.actor(kind, i);
                let command = ApplyTransition {
                    documents: Vec::new(),
                    transition: step.event().to_owned(),
                    actor,
                    input: Json::Null,
                    expected_version: None,
                    term_day: None,
                };
                self.store.apply(Apply { code: None, case_id: id, command, idempotency_key: None }).await
            }
        };
        let applied = applied.with_context(|| format!("case {i}: {}", step.event()))?;
        expect(&applied, i, step)
    }

    fn actor(&self, kind: ActorKind, i: u64) -> Actor {
        match kind {
            ActorKind::Citizen => Actor::Citizen { fiscal_code: workload::actor_name(kind, i) },
            ActorKind::Clerk => Actor::Staff {
                user: workload::actor_name(kind, i),
                roles: vec!["clerk".to_owned()],
                offices: vec![self.office.clone()],
            },
            ActorKind::Pagopa => Actor::System,
        }
    }
}

/// The store must report the state the workload expects, and a fresh (not replayed) result.
fn expect(applied: &Applied, i: u64, step: Step) -> Result<()> {
    ensure!(
        applied.state == step.to() && !applied.replayed,
        "case {i}: `{}` left the case in `{}` (replayed: {}), not in `{}`",
        step.event(),
        applied.state,
        applied.replayed,
        step.to()
    );
    Ok(())
}
