//! The run: the manual clock walks from the first simulated day to the last. At five past midnight
//! the timers that fell due fire (as the worker would fire them); then the agents due that day visit
//! their cases, many at once, so SQLite commits them in groups and PostgreSQL spreads them over its
//! pool. Within a day visits go by the hour they are due (the clock follows the earliest hour still
//! waiting) without waiting for each hour to finish: a case's own visits stay in order, and nothing
//! a case's fate depends on changes within a day. Progress goes to standard error every few seconds.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use anyhow::Context;
use jiff::civil::Date;
use jiff::{SignedDuration, Timestamp};
use sportello_runtime::clock::{Clock, ManualClock, start_of_day};
use tokio::sync::Notify;
use tokio::task::JoinSet;

use super::agent::{Agent, Next, World};
use super::plan::{Agenda, FIRST_HOUR, SLOTS, later_today};
use super::step::plus_days;

/// Timers per round.
const TIMER_BATCH: u64 = 500;
/// How often progress is reported.
const PROGRESS_EVERY: Duration = Duration::from_secs(5);

/// What the run goes through.
pub struct Run {
    /// The store's clock.
    pub clock: ManualClock,
    /// The first simulated day.
    pub first: Date,
    /// The simulation stops here: nothing happens after this instant.
    pub until: Timestamp,
    /// Agents working at once.
    pub concurrency: usize,
}

/// Plays every agent on the agenda, then fires what fell due up to `until`.
pub async fn run(run: &Run, world: Arc<World>, agents: Vec<Agent>, mut agenda: Agenda) -> anyhow::Result<()> {
    let total = agents.len();
    let mut agents: Vec<Option<Agent>> = agents.into_iter().map(Some).collect();
    let started = Instant::now();
    let mut reported = Instant::now();
    for day in 0..agenda.days() {
        let today = plus_days(run.first, day as i64);
        let midnight = start_of_day(today);
        run.clock.set(midnight + SignedDuration::from_mins(5));
        fire_timers(&world).await?;
        let mut due = BinaryHeap::new();
        let mut waiting = HashMap::new();
        for slot in 0..SLOTS {
            for i in agenda.take(day, slot) {
                if let Some(agent) = agents[i].take() {
                    due.push(Reverse((slot, i)));
                    waiting.insert(i, agent);
                }
            }
        }
        let day_run = Day { today, midnight, until: run.until, clock: run.clock.clone() };
        for (i, mut agent, next, slot) in day_run.play(&world, due, waiting, run.concurrency).await? {
            if let Next::After(days) = next {
                agenda.again(day, slot, days.max(1), i, &mut agent.rng);
            }
            agents[i] = Some(agent);
        }
        if reported.elapsed() >= PROGRESS_EVERY {
            progress(&world, today, total, started);
            reported = Instant::now();
        }
        if midnight + SignedDuration::from_hours(24) > run.until {
            break;
        }
    }
    if run.until > run.clock.now() {
        run.clock.set(run.until);
    }
    fire_timers(&world).await
}

/// One simulated day.
struct Day {
    today: Date,
    midnight: Timestamp,
    until: Timestamp,
    clock: ManualClock,
}

/// The visits of a day still to make, and who is making one.
struct Queue {
    /// `(slot, agent)`, earliest slot first.
    due: BinaryHeap<Reverse<(usize, usize)>>,
    /// The agents due.
    waiting: HashMap<usize, Agent>,
    /// Visits under way.
    in_flight: usize,
    /// The slot the clock shows.
    slot: Option<usize>,
    /// Agents done for the day: when to look again, from which slot.
    done: Vec<(usize, Agent, Next, usize)>,
}

impl Day {
    /// Makes the day's visits, `concurrency` at a time; a case to be looked at again later the same
    /// day goes back in the queue. Returns every agent with when to look again.
    async fn play(
        self,
        world: &Arc<World>,
        due: BinaryHeap<Reverse<(usize, usize)>>,
        waiting: HashMap<usize, Agent>,
        concurrency: usize,
    ) -> anyhow::Result<Vec<(usize, Agent, Next, usize)>> {
        let workers = concurrency.min(due.len()).max(1);
        let queue = Arc::new(Mutex::new(Queue { due, waiting, in_flight: 0, slot: None, done: Vec::new() }));
        let (day, changed) = (Arc::new(self), Arc::new(Notify::new()));
        let mut tasks = JoinSet::new();
        for _ in 0..workers {
            let (queue, world, day, changed) = (queue.clone(), world.clone(), day.clone(), changed.clone());
            tasks.spawn(async move {
                while let Some((slot, i, mut agent)) = day.next(&queue, &changed).await {
                    let next = agent.visit(&world, day.today).await;
                    let mut q = queue.lock().unwrap_or_else(PoisonError::into_inner);
                    q.in_flight -= 1;
                    let next = match next {
                        Ok(next) => next,
                        Err(error) => {
                            drop(q);
                            changed.notify_waiters();
                            return Err(error);
                        }
                    };
                    match next {
                        Next::After(days) => match later_today(slot, days, &mut agent.rng) {
                            Some(later) => {
                                q.due.push(Reverse((later, i)));
                                q.waiting.insert(i, agent);
                            }
                            None => q.done.push((i, agent, next, slot)),
                        },
                        Next::Done => q.done.push((i, agent, next, slot)),
                    }
                    drop(q);
                    changed.notify_waiters();
                }
                anyhow::Ok(())
            });
        }
        while let Some(joined) = tasks.join_next().await {
            joined.context("a demo task panicked")??;
        }
        let mut queue = queue.lock().unwrap_or_else(PoisonError::into_inner);
        // Visits due after `until` are not made: their agents are done with the run.
        let left: Vec<usize> = queue.waiting.keys().copied().collect();
        for i in left {
            let agent = queue.waiting.remove(&i).expect("a waiting agent");
            queue.done.push((i, agent, Next::Done, SLOTS - 1));
        }
        Ok(std::mem::take(&mut queue.done))
    }

    /// The next visit, earliest hour first, with the clock moved to that hour; `None` when the day
    /// is over (nothing due, nothing under way that could add a visit, or the hour is past `until`).
    async fn next(&self, queue: &Mutex<Queue>, changed: &Notify) -> Option<(usize, usize, Agent)> {
        loop {
            let notified = changed.notified();
            {
                let mut q = queue.lock().unwrap_or_else(PoisonError::into_inner);
                if let Some(Reverse((slot, i))) = q.due.peek().copied() {
                    let at = self.midnight + SignedDuration::from_hours(FIRST_HOUR + slot as i64);
                    if at > self.until {
                        return None;
                    }
                    q.due.pop();
                    if q.slot.is_none_or(|shown| slot > shown) {
                        q.slot = Some(slot);
                        self.clock.set(at);
                    }
                    q.in_flight += 1;
                    let agent = q.waiting.remove(&i).expect("a queued agent is waiting");
                    return Some((slot, i, agent));
                }
                if q.in_flight == 0 {
                    return None;
                }
            }
            notified.await;
        }
    }
}

/// Fires every timer due now, round after round.
async fn fire_timers(world: &World) -> anyhow::Result<()> {
    loop {
        let round = world.store.fire_due_timers(TIMER_BATCH).await.context("cannot fire the due timers")?;
        world.tally.timers.fetch_add(round.fired as u64, Ordering::Relaxed);
        world.tally.timers_refused.fetch_add(round.refused as u64, Ordering::Relaxed);
        if ((round.fired + round.refused) as u64) < TIMER_BATCH {
            return Ok(());
        }
    }
}

fn progress(world: &World, today: Date, total: usize, started: Instant) {
    let tally = &world.tally;
    let commands = tally.commands.load(Ordering::Relaxed);
    let timers = tally.timers.load(Ordering::Relaxed);
    let rate = (commands + timers) as f64 / started.elapsed().as_secs_f64().max(0.001);
    eprintln!(
        "demo: {today}: {} of {total} cases opened, {commands} commands, {timers} timers fired, {rate:.0} writes/s",
        tally.opened.load(Ordering::Relaxed)
    );
}
