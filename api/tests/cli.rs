//! The `sportello` binary as a user runs it: exit codes, human and JSON output, diagrams, the schema,
//! and hostile files refused quickly.

use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::{Duration, Instant};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn sportello(args: &[&str]) -> Output {
    sportello_testkit::cli::run(env!("CARGO_BIN_EXE_sportello"), &root(), args)
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn validating_the_shipped_workflows_exits_0_with_a_one_line_summary() {
    let output = sportello(&["validate", "workflows/"]);
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{text}");
    let last = text.lines().last().unwrap();
    assert!(last.starts_with("validated 5 workflow files: 5 valid, 0 invalid"), "{last}");
}

#[test]
fn an_invalid_file_exits_1_showing_place_line_caret_and_hint() {
    let output = sportello(&["validate", "engine/definition/tests/fixtures/invalid/unreachable-state.yaml"]);
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(
        text.contains("unreachable-state.yaml:25:3: error[unreachable-state]: state `archived` cannot be reached"),
        "{text}"
    );
    assert!(text.contains("25 |   archived:\n   |   ^"), "{text}");
    assert!(text.contains("= hint: add a transition with `to: archived`"), "{text}");
    assert!(text.contains("= see: docs/problems/unreachable-state.md"), "{text}");
}

#[test]
fn json_output_lists_each_file_with_codes_and_locations() {
    let output =
        sportello(&["validate", "--format", "json", "engine/definition/tests/fixtures/invalid/five-problems.yaml"]);
    assert_eq!(output.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let diagnostics = json[0]["diagnostics"].as_array().unwrap();
    assert_eq!(json[0]["valid"], false);
    assert_eq!(diagnostics.len(), 5);
    assert_eq!(diagnostics[0]["code"], "unknown-key");
    assert_eq!(diagnostics[0]["severity"], "error");
    assert!(diagnostics[0]["location"]["line"].as_u64().unwrap() > 0);
    assert!(diagnostics[0]["path"].as_str().unwrap().starts_with("states."));
}

#[test]
fn a_missing_path_or_a_bad_argument_exits_2() {
    let output = sportello(&["validate", "no/such/folder"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("cannot read no/such/folder"));
    assert_eq!(sportello(&["validate", "--format", "xml", "workflows"]).status.code(), Some(2));
    assert_eq!(sportello(&["frobnicate"]).status.code(), Some(2));
}

#[test]
fn graphs_come_in_mermaid_and_dot() {
    let mermaid = stdout(&sportello(&["graph", "workflows/building-permit.yaml"]));
    assert!(mermaid.starts_with("stateDiagram-v2\n    [*] --> "), "{mermaid}");
    assert!(mermaid.contains("--> [*]") && mermaid.contains("⏱"), "{mermaid}");
    let dot = stdout(&sportello(&["graph", "--format", "dot", "workflows/building-permit.yaml"]));
    assert!(
        dot.starts_with("digraph \"building-permit\"") && dot.contains("peripheries=2") && dot.contains("style=dashed"),
        "{dot}"
    );
    let invalid = sportello(&["graph", "engine/definition/tests/fixtures/invalid/unknown-state.yaml"]);
    assert_eq!(invalid.status.code(), Some(1));
}

#[test]
fn the_schema_command_prints_the_committed_schema() {
    let committed = std::fs::read_to_string(root().join("docs/workflow.schema.json")).unwrap();
    assert_eq!(stdout(&sportello(&["schema"])), committed);
}

#[test]
fn hostile_files_are_refused_with_exit_1_within_seconds() {
    let dir = tempfile::tempdir().unwrap();
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("huge.yaml", [b"a: ".as_slice(), &vec![b'x'; 50 * 1024 * 1024]].concat(), "a workflow file may have at most"),
        ("deep.yaml", format!("a: {}{}", "[".repeat(20_000), "]".repeat(20_000)).into_bytes(), "nesting is deeper"),
        ("bomb.yaml", bomb().into_bytes(), "alias bomb"),
        ("latin1.yaml", b"id: caff\xe8\n".to_vec(), "not valid UTF-8"),
        ("tabs.yaml", b"id: x\nstates:\n\tdraft: {}\n".to_vec(), "tab"),
        ("array.json", b"[1, 2, 3]".to_vec(), "sequence"),
        ("empty.yaml", Vec::new(), "empty document"),
    ];
    for (name, bytes, words) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let started = Instant::now();
        let output = sportello(&["validate", path.to_str().unwrap()]);
        let elapsed = started.elapsed();
        let text = stdout(&output);
        assert_eq!(output.status.code(), Some(1), "{name}: {text}");
        assert!(text.contains(words), "{name}: {text}");
        assert!(elapsed < Duration::from_secs(10), "{name} took {elapsed:?}");
    }
}

fn bomb() -> String {
    let mut text = String::from("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for i in 1..10 {
        text.push_str(&format!("a{i}: &a{i} [{}]\n", vec![format!("*a{}", i - 1); 9].join(", ")));
    }
    text
}

#[test]
fn scenario_tests_pass_and_report_coverage() {
    let output = sportello(&["test", "workflows/"]);
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{text}");
    assert!(text.contains("coverage residence-certificate: 6/6 transitions (100%)"), "{text}");
    assert!(text.lines().last().unwrap().ends_with("0 failed"), "{text}");
}

#[test]
fn a_failing_scenario_exits_1_at_its_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(root().join("workflows/residence-certificate.yaml"), dir.path().join("residence-certificate.yaml"))
        .unwrap();
    let scenarios = std::fs::read_to_string(root().join("workflows/residence-certificate.test.yaml")).unwrap();
    std::fs::write(
        dir.path().join("residence-certificate.test.yaml"),
        scenarios.replace("due: \"2026-04-07\"", "due: \"2026-04-06\""),
    )
    .unwrap();
    let output = sportello(&["test", dir.path().to_str().unwrap()]);
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(text.contains("residence-certificate.test.yaml:19:33: paid_and_issued_within_the_term: expected clock procedure.due = \"2026-04-06\", but it is \"2026-04-07\""), "{text}");
}

#[test]
fn wrong_timers_and_audit_trail_fail_at_their_place() {
    let scenarios = std::fs::read_to_string(root().join("workflows/records-access.test.yaml")).unwrap();
    let line_of = |needle: &str| scenarios.lines().position(|l| l.contains(needle)).unwrap() + 1;
    let cases = [
        (
            r#"timers: { "clock:procedure": "2026-04-01" }"#,
            r#"timers: { "clock:procedure": "2026-04-02" }"#,
            "expected pending timers clock:procedure on 2026-04-02, but they are clock:procedure on 2026-04-01",
        ),
        (
            "audit: [open, submit, ask_correction]",
            "audit: [open, ask_correction]",
            "expected the audit trail [open, ask_correction], but it is [open, submit, ask_correction]",
        ),
    ];
    for (good, bad, message) in cases {
        let dir = tempfile::tempdir().unwrap();
        std::fs::copy(root().join("workflows/records-access.yaml"), dir.path().join("records-access.yaml")).unwrap();
        std::fs::write(dir.path().join("records-access.test.yaml"), scenarios.replace(good, bad)).unwrap();
        let output = sportello(&["test", dir.path().to_str().unwrap()]);
        let text = stdout(&output);
        assert_eq!(output.status.code(), Some(1), "{text}");
        let place = format!("records-access.test.yaml:{}:", line_of(good));
        assert!(text.contains(&format!("correction_restarts_the_term: {message}")), "{text}");
        assert!(text.lines().any(|l| l.contains(&place) && l.contains(message)), "{place} {text}");
    }
}

#[test]
fn a_file_too_large_is_named_with_its_size_or_as_endless() {
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.yaml");
    std::fs::write(&big, "#".repeat(2 * 1024 * 1024)).unwrap();
    let output = sportello(&["validate", big.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stdout(&output).contains("error[too-large]: the file has 2097152 bytes; a workflow file may have at most"));

    // A device has no size of its own: it is read up to the limit, never said to be empty.
    let output = sportello(&["validate", "/dev/zero"]);
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(text.contains("error[too-large]: the file has more than 1048576 bytes"), "{text}");
}
