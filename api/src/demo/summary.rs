//! The demo's closing report: how many cases each workflow has in each state, read back through the
//! store's search (so it counts what is stored, timers' work included), and what the run did.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::Ordering;
use std::time::Duration;

use sportello_store::{CaseQuery, MAX_LIMIT, Store};

use super::agent::Tally;
use super::workflows::SERVICES;

/// Cases per state of one workflow, in the order its definition lists the states.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkflowCount {
    /// The workflow id.
    pub workflow: &'static str,
    /// `(state, cases, final)` for every state with cases.
    pub states: Vec<(String, u64, bool)>,
}

/// Counts the cases of every shipped workflow, state by state.
pub async fn count(store: &Store) -> anyhow::Result<Vec<WorkflowCount>> {
    let mut counts = Vec::new();
    for service in SERVICES {
        let definition = store.definition(service.workflow, None).await?;
        let mut states = Vec::new();
        for (state, def) in &definition.states {
            let mut query = CaseQuery {
                workflow: Some(service.workflow.to_owned()),
                state: Some(state.to_string()),
                limit: Some(MAX_LIMIT),
                ..CaseQuery::default()
            };
            let mut cases = 0;
            loop {
                let page = store.search(&query).await?;
                cases += page.items.len() as u64;
                match page.next {
                    Some(next) => query.after = Some(next),
                    None => break,
                }
            }
            if cases > 0 {
                states.push((state.to_string(), cases, def.is_final));
            }
        }
        counts.push(WorkflowCount { workflow: service.workflow, states });
    }
    Ok(counts)
}

/// The report: what was done and how long it took, then the cases per workflow and state.
pub fn render(counts: &[WorkflowCount], tally: &Tally, elapsed: Duration, span: (String, String)) -> String {
    let mut out = String::new();
    let cases: u64 = counts.iter().flat_map(|c| &c.states).map(|(_, n, _)| n).sum();
    let commands = tally.commands.load(Ordering::Relaxed);
    let timers = tally.timers.load(Ordering::Relaxed);
    let secs = elapsed.as_secs_f64();
    let _ = writeln!(
        out,
        "demo: {} cases opened from {} to {} in {secs:.1} s ({} stored in all)",
        tally.opened.load(Ordering::Relaxed),
        span.0,
        span.1,
        cases
    );
    let _ = writeln!(
        out,
        "demo: {commands} commands and {timers} timers fired ({} refused by their guard), {:.0} writes/s",
        tally.timers_refused.load(Ordering::Relaxed),
        (commands + timers) as f64 / secs.max(0.001)
    );
    let refused: BTreeMap<&str, u64> = tally.refused.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone();
    if !refused.is_empty() {
        let list: Vec<String> = refused.iter().map(|(code, n)| format!("{code} {n}")).collect();
        let _ =
            writeln!(out, "demo: commands refused (the case had moved on, or a guard said no): {}", list.join(", "));
    }
    for count in counts {
        let total: u64 = count.states.iter().map(|(_, n, _)| n).sum();
        let _ = writeln!(out, "{:<24} {total:>8}", count.workflow);
        for (state, n, is_final) in &count.states {
            let _ = writeln!(out, "  {:<22} {n:>8}{}", state, if *is_final { "  (final)" } else { "" });
        }
    }
    out
}
