//! `sportello test`: runs every `*.test.yaml` against the workflow beside it (`x.test.yaml` tests
//! `x.yaml`), prints each failure at its `file:line:column`, and the transition coverage per workflow.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use sportello_runtime::scenario;

use crate::workflow_files::validate_file;

/// Runs the scenario files found in `paths` (default `workflows/`).
pub fn run(paths: &[PathBuf]) -> anyhow::Result<ExitCode> {
    let paths = if paths.is_empty() { vec![PathBuf::from("workflows")] } else { paths.to_vec() };
    let mut files = Vec::new();
    for path in &paths {
        collect(path, &mut files).with_context(|| format!("cannot read {}", path.display()))?;
    }
    files.sort();
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
        let result = match scenario::run(&definition, &text) {
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

fn collect(path: &Path, files: &mut Vec<PathBuf>) -> std::io::Result<()> {
    if path.is_dir() {
        for entry in std::fs::read_dir(path)? {
            collect(&entry?.path(), files)?;
        }
    } else if path.to_string_lossy().ends_with(".test.yaml") {
        files.push(path.to_owned());
    }
    Ok(())
}
