//! What the bench asks about: how many cases there are, the offices of the deployed workflows, and a
//! random sample of cases (read through the store) whose codes, applicants, workflows and states the
//! requests use, so every request is one its caller may make and finds something real.

use std::collections::BTreeSet;

use anyhow::{Context, bail};
use sea_orm::{ConnectionTrait, Statement};
use sportello_api::demo::rng::Rng;
use sportello_runtime::error::Error;
use sportello_store::Store;

/// A case the requests name.
#[derive(Debug, Clone)]
pub struct Case {
    /// Its code.
    pub code: String,
    /// Its workflow.
    pub workflow: String,
    /// Its state.
    pub state: String,
    /// Its office.
    pub office: String,
    /// Its applicant's fiscal code.
    pub applicant: String,
}

/// The data the bench runs on.
#[derive(Debug)]
pub struct Sample {
    /// Cases in the database.
    pub cases: u64,
    /// The offices of the deployed workflows.
    pub offices: Vec<String>,
    /// Randomly drawn cases.
    pub drawn: Vec<Case>,
    /// Their applicants, each once.
    pub applicants: Vec<String>,
}

/// Draws up to `size` cases at random.
pub async fn draw(store: &Store, size: usize, rng: &mut Rng) -> anyhow::Result<Sample> {
    let (cases, max_id) = count(store).await?;
    if cases == 0 {
        bail!("the database has no cases: fill it first with `sportello demo --cases 100000`");
    }
    let mut offices = BTreeSet::new();
    for workflow in store.workflows().await? {
        offices.insert(store.definition(&workflow.workflow, None).await?.office.clone());
    }
    let mut drawn = Vec::new();
    for _ in 0..size * 4 {
        if drawn.len() == size {
            break;
        }
        let id = rng.between(1, max_id);
        match store.case(id).await {
            Ok(stored) => drawn.push(Case {
                code: stored.case.code,
                workflow: stored.case.workflow.to_string(),
                state: stored.case.state.to_string(),
                office: stored.case.office,
                applicant: stored.case.applicant,
            }),
            Err(Error::CaseNotFound) => {}
            Err(error) => return Err(error).context("cannot read a case"),
        }
    }
    let applicants: BTreeSet<String> = drawn.iter().map(|c| c.applicant.clone()).collect();
    Ok(Sample { cases, offices: offices.into_iter().collect(), drawn, applicants: applicants.into_iter().collect() })
}

/// How many cases there are, and the highest row id.
async fn count(store: &Store) -> anyhow::Result<(u64, i64)> {
    let conn = store.connection();
    let sql = "SELECT COUNT(*), COALESCE(MAX(\"id\"), 0) FROM \"case\"";
    let row = conn
        .query_one_raw(Statement::from_string(conn.get_database_backend(), sql))
        .await
        .context("cannot count the cases")?
        .context("no answer to a count")?;
    let cases: i64 = row.try_get_by_index(0)?;
    Ok((cases as u64, row.try_get_by_index(1)?))
}
