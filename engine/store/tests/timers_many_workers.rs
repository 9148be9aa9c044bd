//! 10,000 timers due at the same instant, fired by 3 concurrent workers: each fires exactly once.
//! On PostgreSQL the workers are three separate stores (three pools, as three processes would be)
//! claiming timers with `FOR UPDATE SKIP LOCKED`; on SQLite they share the one writer.

use sportello_testkit as support;

use std::sync::Arc;

use jiff::SignedDuration;
use jiff::civil::date;
use serde_json::json;
use sportello_runtime::case::Actor;
use sportello_store::{OpenCase, Store, StoreOptions};

const CASES: usize = 10_000;
const WORKERS: usize = 3;

/// A case that lapses by itself two days after it is opened.
const LAPSING: &str = support::LAPSING_REQUEST;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ten_thousand_timers_due_together_fire_once_each_with_three_workers() {
    for t in support::stores("many_workers", date(2026, 6, 1)).await {
        t.store.deploy(LAPSING, Some("lapsing-request")).await.unwrap();
        open_many(&t.store).await;
        assert_eq!(support::count(&t.store, "SELECT COUNT(*) FROM timer").await, CASES as i64);
        assert_eq!(
            support::count(&t.store, "SELECT COUNT(DISTINCT due_at) FROM timer").await,
            1,
            "all due at one instant"
        );

        t.clock.advance(SignedDuration::from_hours(24 * 10));
        let mut workers = Vec::new();
        for _ in 0..WORKERS {
            let store = if t.backend == "postgres" {
                Store::connect(&StoreOptions::new(&t.url), Arc::new(t.clock.clone())).await.unwrap()
            } else {
                t.store.clone()
            };
            workers.push(tokio::spawn(async move {
                let (mut fired, mut refused, mut rounds) = (0, 0, 0);
                loop {
                    let round = store.fire_due_timers(100).await.unwrap();
                    rounds += 1;
                    if round.fired + round.refused == 0 {
                        break;
                    }
                    fired += round.fired;
                    refused += round.refused;
                }
                (fired, refused, rounds)
            }));
        }
        let mut results = Vec::new();
        for worker in workers {
            results.push(worker.await.unwrap());
        }
        let fired: usize = results.iter().map(|r| r.0).sum();
        let refused: usize = results.iter().map(|r| r.1).sum();
        assert_eq!((fired, refused), (CASES, 0), "{}: {results:?}", t.backend);
        if t.backend == "postgres" {
            assert!(results.iter().all(|r| r.0 > 0), "every worker took a share: {results:?}");
        }
        assert_eq!(support::count(&t.store, "SELECT COUNT(*) FROM timer").await, 0);
        assert_eq!(
            support::count(&t.store, "SELECT COUNT(*) FROM \"case\" WHERE state = 'lapsed'").await,
            CASES as i64
        );
        // One entry for opening, one for the timer: none fired twice.
        assert_eq!(support::count(&t.store, "SELECT COUNT(*) FROM audit_entry").await, 2 * CASES as i64);
        let report = t.store.verify_audit(None).await.unwrap();
        assert_eq!((report.cases, report.breaks.len()), (CASES as u64, 0), "{}", t.backend);
    }
}

async fn open_many(store: &Store) {
    let mut tasks = Vec::new();
    for task in 0..16 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            for i in (task..CASES).step_by(16) {
                let applicant = format!("applicant-{i:05}");
                store
                    .open_case(OpenCase {
                        workflow: "lapsing-request".into(),
                        applicant: applicant.clone(),
                        actor: Actor::Citizen { fiscal_code: applicant },
                        data: json!({"n": i}),
                        idempotency_key: None,
                    })
                    .await
                    .unwrap();
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
}
