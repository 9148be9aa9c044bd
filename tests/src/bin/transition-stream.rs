//! A stream of transitions for crash tests: `transition-stream DATABASE_URL WORKFLOW_FILE` migrates,
//! deploys the records-access workflow, then from 8 tasks opens cases and moves each through five
//! transitions, forever, printing `ack CASE_ID VERSION` (flushed) after each one the store has
//! acknowledged, that is, after it is durable.

use std::io::Write;
use std::sync::Arc;

use anyhow::Context;
use serde_json::{Value, json};
use sportello_runtime::case::Actor;
use sportello_runtime::clock::SystemClock;
use sportello_runtime::transition::ApplyTransition;
use sportello_store::{Applied, Apply, OpenCase, Store, StoreOptions};

const APPLICANT: &str = "RSSMRA85T10A562S";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let (url, workflow) = (args.next().context("a database URL")?, args.next().context("a workflow file")?);
    let store = Store::connect(&StoreOptions::new(&url), Arc::new(SystemClock)).await?;
    store.migrate_up().await?;
    store.deploy(&std::fs::read_to_string(&workflow)?, Some("records-access")).await?;
    for _ in 0..8 {
        let store = store.clone();
        tokio::spawn(async move {
            loop {
                if let Err(error) = one_case(&store).await {
                    eprintln!("transition-stream: {error:#}");
                    std::process::exit(3);
                }
            }
        });
    }
    // The tasks run until the process is killed.
    std::future::pending::<anyhow::Result<()>>().await
}

async fn one_case(store: &Store) -> anyhow::Result<()> {
    let citizen = Actor::Citizen { fiscal_code: APPLICANT.into() };
    let clerk = Actor::Staff { user: "u-1".into(), roles: vec!["clerk".into()], offices: vec!["segreteria".into()] };
    let opened = store
        .open_case(OpenCase {
            workflow: "records-access".into(),
            applicant: APPLICANT.into(),
            actor: citizen.clone(),
            data: json!({}),
            idempotency_key: None,
        })
        .await?;
    ack(&opened);
    let steps: [(&str, &Actor, Value); 4] = [
        (
            "submit",
            &citizen,
            json!({"applicant_fiscal_code": APPLICANT, "requested_records": "Delibera 12/2026",
                "reason": "Interesse diretto", "access_mode": "examination"}),
        ),
        ("notify_counterparties", &clerk, json!({"counterparties_count": 1})),
        ("record_opposition", &clerk, json!({"opposition_summary": "Opposizione motivata"})),
        ("grant", &clerk, json!({"access_instructions": "Ufficio 3, lunedì ore 10"})),
    ];
    for (transition, actor, input) in steps {
        let command = ApplyTransition {
            documents: Vec::new(),
            transition: transition.into(),
            actor: actor.clone(),
            input,
            expected_version: None,
            term_day: None,
        };
        ack(&store.apply(Apply { code: None, case_id: opened.case_id, command, idempotency_key: None }).await?);
    }
    Ok(())
}

fn ack(applied: &Applied) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "ack {} {}", applied.case_id, applied.version);
    let _ = out.flush();
}
