//! `sportello demo --cases N [--seed S]`: fills a database with N realistic cases of the shipped
//! workflows, opened over the past year and moved through their states as citizens, clerks, pagoPA
//! and the timers would have moved them, for trying the API and the worklists on real-looking data
//! and for measuring reads on it.
//!
//! Everything goes through the store's commands (`open_case`, `apply`, `deliver_event`, `assign`,
//! `fire_due_timers`) on a [`ManualClock`] walked from a year ago to today, so every case has its
//! real audit chain, clocks and timers and `sportello audit verify` passes. A seed gives the same
//! cases, states and counts every time (case numbers may differ: concurrent openings take row ids
//! in whatever order they commit). Before it starts, the database is set up as `serve` sets it up at
//! every start ([`crate::setup`]): migrated, and the workflows folder deployed, so the demo runs on a
//! new database at once.

mod agent;
mod documents;
mod people;
mod plan;
pub mod rng;
mod simulation;
mod step;
mod summary;
mod workflows;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, bail};
use clap::Args;
use jiff::civil::Date;
use jiff::{SignedDuration, Timestamp};
use sportello_runtime::clock::{ManualClock, civil_day, start_of_day};
use sportello_store::{Store, StoreOptions, Synchronous, redact};

use crate::database::{DatabaseArgs, SyncMode};
use agent::{Tally, World};
use simulation::Run;
use step::plus_days;
use workflows::SERVICES;

/// Options of `sportello demo`.
#[derive(Args, Debug, Clone)]
pub struct DemoArgs {
    /// How many cases to open.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=10_000_000))]
    pub cases: u64,
    /// The seed: the same seed gives the same cases.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Cases worked on at once.
    #[arg(long, default_value_t = 32, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub concurrency: u16,
    /// The last day simulated, `YYYY-MM-DD` [default: today, up to now].
    #[arg(long)]
    pub today: Option<Date>,
    /// Folder of workflow files deployed first, as `serve` deploys them (default `workflows`).
    #[arg(long)]
    pub workflows: Option<PathBuf>,
}

/// Fills the database; prints progress on standard error and the summary on standard output.
pub async fn run(database: &DatabaseArgs, args: &DemoArgs) -> anyhow::Result<ExitCode> {
    let folder = args.workflows.clone().unwrap_or_else(|| PathBuf::from("workflows"));
    let setup = database.connect().await?;
    crate::setup::prepare(&setup, &database.database, &folder, args.workflows.is_some()).await?.release().await?;
    check_workflows(&setup).await?;
    let (last, until) = match args.today {
        Some(day) => (day, start_of_day(day) + SignedDuration::from_hours(20)),
        None => (civil_day(Timestamp::now()), Timestamp::now()),
    };
    let first = plus_days(last, -364);
    let clock = ManualClock::new(start_of_day(first));
    let store = connect(database, args.concurrency, clock.clone()).await?;

    let started = Instant::now();
    let (agents, applicants, agenda) = plan::cases(args.seed, args.cases, first, open_by(last, until), last);
    let world = Arc::new(World {
        store: store.clone(),
        applicants: people::applicants(args.seed, applicants),
        tally: Tally::default(),
        documents: crate::documents::open_beside(&database.database, None)?,
    });
    eprintln!(
        "demo: opening {} cases of {} applicants from {first} to {last} ({} at a time) on {}",
        args.cases,
        applicants,
        args.concurrency,
        redact(&database.database)
    );
    let run = Run { clock, first, until, concurrency: args.concurrency.into() };
    simulation::run(&run, world.clone(), agents, agenda).await?;
    // A database filled from empty: the planner's statistics are due before anyone reads it.
    store.optimize().await.context("cannot update the planner's statistics")?;
    let counts = summary::count(&store).await.context("cannot count the cases")?;
    print!("{}", summary::render(&counts, &world.tally, started.elapsed(), (first.to_string(), last.to_string())));
    Ok(ExitCode::SUCCESS)
}

/// The last day a case is opened, so that every case is: `last`, unless the simulation stops before
/// that day's office hours are over (today, before the last hour), then the day before.
fn open_by(last: Date, until: Timestamp) -> Date {
    let last_hour = start_of_day(last) + SignedDuration::from_hours(plan::FIRST_HOUR + plan::SLOTS as i64 - 1);
    if last_hour > until { plus_days(last, -1) } else { last }
}

/// Refuses to run unless every shipped workflow is deployed.
async fn check_workflows(store: &Store) -> anyhow::Result<()> {
    let deployed = store.workflows().await?;
    let missing: Vec<&str> =
        SERVICES.iter().map(|s| s.workflow).filter(|id| !deployed.iter().any(|w| w.workflow == *id)).collect();
    if !missing.is_empty() {
        bail!(
            "the demo needs the shipped workflows, and {} {} not deployed: run the demo where the \
             `workflows/` folder is, or give it with `--workflows`",
            missing.join(", "),
            if missing.len() == 1 { "is" } else { "are" }
        );
    }
    for service in SERVICES {
        let office = store.definition(service.workflow, None).await?.office.clone();
        if people::staff_with(&office, "clerk").is_empty() {
            bail!("workflow {} is deployed for office `{office}`, which the demo has no clerks for", service.workflow);
        }
    }
    Ok(())
}

/// The store the demo writes through: the same database, on the demo's clock, with a pool as wide
/// as the demo's concurrency.
async fn connect(database: &DatabaseArgs, concurrency: u16, clock: ManualClock) -> anyhow::Result<Store> {
    let mut options = StoreOptions::new(&database.database);
    options.synchronous = match database.sqlite_synchronous {
        SyncMode::Full => Synchronous::Full,
        SyncMode::Normal => Synchronous::Normal,
    };
    options.pool_size = u32::from(concurrency).clamp(8, 64);
    Store::connect(&options, Arc::new(clock))
        .await
        .with_context(|| format!("cannot open the database {}", redact(&database.database)))
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;

    #[test]
    fn cases_are_opened_only_in_office_hours_that_are_over() {
        let today = date(2026, 11, 28);
        assert_eq!(open_by(today, start_of_day(today) + SignedDuration::from_hours(20)), today);
        assert_eq!(open_by(today, start_of_day(today) + SignedDuration::from_hours(18)), today);
        assert_eq!(open_by(today, start_of_day(today) + SignedDuration::from_hours(9)), date(2026, 11, 27));
        assert_eq!(open_by(today, start_of_day(today) + SignedDuration::from_mins(65)), date(2026, 11, 27));
    }
}
