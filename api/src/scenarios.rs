//! `sportello test`: runs every `*.test.yaml` against the workflow beside it (`x.test.yaml` tests
//! `x.yaml`), prints each failure at its `file:line:column`, and the transition coverage per workflow.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use sportello_store::scenario;

use crate::workflow_files::{self, validate_file};

/// Runs the scenario files found in `paths` (default `workflows/`).
pub async fn run(paths: &[PathBuf]) -> anyhow::Result<ExitCode> {
    let paths = if paths.is_empty() { vec![PathBuf::from("workflows")] } else { paths.to_vec() };
    let files = workflow_files::collect_scenarios(&paths)?;
    if files.is_empty() {
        bail!("no scenario files (*.test.yaml) found");
    }
    let (mut passed, mut failed) = (0, 0);
    for file in &files {
        let name = file.display().to_string();
        let workflow = PathBuf::from(name.replace(".test.yaml", ".yaml"));
        let (report, _) = validate_file(&workflow)?;
        let Some(definition) = report.definition else {
            println!("{name}: the workflow {} is invalid; run `sportello validate` on it", workflow.display());
            failed += 1;
            continue;
        };
        let text = std::fs::read_to_string(file).with_context(|| format!("cannot read {name}"))?;
        let result = match scenario::run(&definition, &text).await {
            Ok(result) => result,
            Err((at, message)) => {
                println!("{name}:{}:{}: {message}", at.line, at.column);
                failed += 1;
                continue;
            }
        };
        for scenario in &result.passed {
            println!("ok   {name}: {scenario}");
        }
        for (scenario, at, message) in &result.failures {
            println!("FAIL {name}:{}:{}: {scenario}: {message}", at.line, at.column);
        }
        passed += result.passed.len();
        failed += result.failures.len();
        let (covered, total) = scenario::coverage(&definition, &result.covered);
        let missing: Vec<&str> =
            definition.transitions.keys().map(|t| t.as_str()).filter(|t| !result.covered.contains(*t)).collect();
        let percent = (covered * 100).checked_div(total).unwrap_or(100);
        print!("coverage {}: {covered}/{total} transitions ({percent}%)", definition.id);
        if missing.is_empty() { println!() } else { println!("; not covered: {}", missing.join(", ")) }
    }
    println!("{passed} scenarios passed, {failed} failed");
    Ok(if failed == 0 { ExitCode::SUCCESS } else { ExitCode::from(1) })
}
