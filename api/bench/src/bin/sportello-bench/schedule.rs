//! The schedule: `C` tokio tasks, worker `k` owning the cases with `(i - 1) % C == k`, each walking its
//! own cases round by round in ascending order (round 0 creates them, round `r` applies step `r` of
//! every case that has one). Each transition's latency runs from before the engine reads the case to
//! after it acknowledges the commit (for the `http` engine: from building the request to reading and
//! checking the answer); the wall time from the first creation to the last commit.

use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use tokio::task::JoinSet;

use crate::db::Db;
use crate::http::Http;
use crate::limit::Limit;
use crate::sportello::Sportello;
use crate::workload::{self, Step};

/// The engine under test.
#[derive(Debug, Clone)]
pub enum Engine {
    /// Sportello's store.
    Sportello(Sportello),
    /// The bare-SQL limit.
    Limit(Limit),
    /// Sportello's HTTP API, served in this process.
    Http(Http),
}

/// How an engine knows a case: all a worker keeps between two transitions of it.
#[derive(Debug, Clone)]
enum CaseKey {
    /// A row id (the store's, or the limit's).
    Row(i64),
    /// A case code, as the API names cases (`SE-2026-000042`).
    Code(String),
}

impl Engine {
    /// A pool on the engine's database, for the checks and the report.
    pub fn db(&self) -> &Db {
        match self {
            Engine::Sportello(engine) => engine.db(),
            Engine::Limit(engine) => engine.db(),
            Engine::Http(engine) => engine.db(),
        }
    }

    /// Creates case `i`; returns the engine's key for it.
    async fn create(&self, i: u64, data: &str) -> Result<CaseKey> {
        Ok(match self {
            Engine::Sportello(engine) => CaseKey::Row(engine.create(i, data).await?),
            Engine::Limit(engine) => CaseKey::Row(engine.create(i, data).await?),
            Engine::Http(engine) => CaseKey::Code(engine.create(i, data).await?),
        })
    }

    /// Applies `step` to case `i`, which the engine knows as `key`.
    async fn apply(&self, key: &CaseKey, i: u64, step: Step) -> Result<()> {
        match (self, key) {
            (Engine::Sportello(engine), CaseKey::Row(id)) => engine.apply(*id, i, step).await,
            (Engine::Limit(engine), CaseKey::Row(id)) => engine.apply(*id, i, step).await,
            (Engine::Http(engine), CaseKey::Code(code)) => engine.apply(code, i, step).await,
            _ => bail!("case {i}: {key:?} is not a key of this engine"),
        }
    }
}

/// What a run measured.
#[derive(Debug)]
pub struct Timings {
    /// From the first creation to the last commit.
    pub wall: Duration,
    /// One per transition, sorted.
    pub latencies: Vec<Duration>,
}

/// Runs the workload of `cases` cases with `concurrency` workers; the first failure stops the run.
pub async fn run(engine: &Engine, cases: u64, concurrency: u32) -> Result<Timings> {
    let started = Instant::now();
    let mut workers = JoinSet::new();
    for worker in 0..u64::from(concurrency) {
        let owned: Vec<u64> = (1..=cases).filter(|i| (i - 1) % u64::from(concurrency) == worker).collect();
        workers.spawn(walk(engine.clone(), owned));
    }
    let mut latencies = Vec::with_capacity(workload::transitions(cases) as usize);
    while let Some(finished) = workers.join_next().await {
        // Returning early drops the set, which aborts the other workers.
        latencies.extend(finished.context("a worker panicked")??);
    }
    let wall = started.elapsed();
    latencies.sort_unstable();
    Ok(Timings { wall, latencies })
}

/// One worker: its cases (ascending), round by round.
async fn walk(engine: Engine, owned: Vec<u64>) -> Result<Vec<Duration>> {
    let mut latencies = Vec::with_capacity(owned.len() * workload::ROUNDS);
    // The engine's key of each owned case: all the worker keeps between two transitions of a case.
    let mut keys = Vec::with_capacity(owned.len());
    for &i in &owned {
        let data = workload::payload(i);
        let started = Instant::now();
        keys.push(engine.create(i, &data).await?);
        latencies.push(started.elapsed());
    }
    for round in 1..workload::ROUNDS {
        for (&i, key) in owned.iter().zip(&keys) {
            let Some(&step) = workload::steps(i).get(round) else { continue };
            let started = Instant::now();
            engine.apply(key, i, step).await?;
            latencies.push(started.elapsed());
        }
    }
    Ok(latencies)
}
