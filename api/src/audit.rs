//! `sportello audit verify [--case CODE]`: check the hash chains of the audit log and name every case
//! whose chain is broken, with the entry that was altered, inserted or deleted, or whose row was
//! changed outside Sportello, with the fields that differ from its last entry's seal. `sportello audit
//! refusals [--limit N]`: the latest refused requests of the security log.

use std::process::ExitCode;

use anyhow::bail;
use sportello_store::case_id_from_code;

use crate::database::DatabaseArgs;

/// Verifies one case (by code, `BP-2026-000123`, or row id) or all of them. Exit 0 when every chain
/// is intact, 1 when one is broken.
pub async fn verify(database: &DatabaseArgs, case: Option<&str>) -> anyhow::Result<ExitCode> {
    let only = match case {
        None => None,
        Some(text) => match case_id_from_code(text) {
            Some(id) => Some(id),
            None => bail!("`{text}` is not a case code (like BP-2026-000123) or id"),
        },
    };
    let store = database.open().await?;
    let report = match store.verify_audit(only).await {
        Err(error) if error.code() == "case-not-found" => bail!("there is no case {}", case.unwrap_or_default()),
        other => other?,
    };
    for broken in &report.breaks {
        println!("broken: {broken}");
    }
    println!(
        "checked {} case(s), {} audit entries: {}",
        report.cases,
        report.entries,
        if report.breaks.is_empty() {
            "every chain is intact".to_owned()
        } else {
            format!("{} broken", report.breaks.len())
        }
    );
    if report.unsealed > 0 {
        println!(
            "{} case(s) last written before case rows were sealed: their chains are checked, their rows are not",
            report.unsealed
        );
    }
    Ok(if report.breaks.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

/// Prints the latest `limit` refusals of the security log, newest first: one line each, tab-separated
/// (when, caller, action, case code as given, refusal).
pub async fn refusals(database: &DatabaseArgs, limit: u64) -> anyhow::Result<ExitCode> {
    let store = database.open().await?;
    let refusals = store.refusals(limit).await?;
    for r in &refusals {
        println!("{}\t{}\t{}\t{}\t{}", r.at, r.actor, r.action, r.target, r.refusal);
    }
    if refusals.is_empty() {
        eprintln!("no refused request is logged");
    }
    Ok(ExitCode::SUCCESS)
}
