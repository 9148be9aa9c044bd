//! Fuzz target for scenario files, as a proptest property: the shipped `workflows/*.test.yaml`, mutated
//! at random (bytes deleted, scenario-shaped fragments inserted, lines swapped or repeated), are run
//! against their workflows. A run never panics, and every refusal of the file and every failed
//! scenario names a `line:column` inside the text.

use std::sync::OnceLock;

use proptest::prelude::*;
use sportello_definition::{Definition, Location, load};
use sportello_store::scenario;

/// `PROPTEST_CASES` when set (to run longer), else `default`.
fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(default)
}

/// Each shipped scenario file with the workflow it tests, loaded once.
fn seeds() -> &'static [(Definition, String)] {
    static SEEDS: OnceLock<Vec<(Definition, String)>> = OnceLock::new();
    SEEDS.get_or_init(|| {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../workflows");
        let mut tests: Vec<_> = std::fs::read_dir(dir)
            .expect("the workflows folder")
            .filter_map(|entry| Some(entry.ok()?.path()))
            .filter(|path| path.to_string_lossy().ends_with(".test.yaml"))
            .collect();
        tests.sort();
        let seeds: Vec<_> = tests
            .iter()
            .map(|path| {
                let workflow = path.to_string_lossy().replace(".test.yaml", ".yaml");
                let report = load(&std::fs::read(&workflow).expect("the workflow beside its test"), None);
                let definition = report.definition.unwrap_or_else(|| panic!("{workflow} is invalid"));
                (definition, std::fs::read_to_string(path).expect("the scenario file"))
            })
            .collect();
        assert!(!seeds.is_empty(), "no scenario files in {dir}");
        seeds
    })
}

/// A runtime for the scenario runner's store, made once.
fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: std::sync::OnceLock<tokio::runtime::Runtime> = std::sync::OnceLock::new();
    RUNTIME.get_or_init(|| tokio::runtime::Builder::new_current_thread().build().expect("a runtime"))
}

/// One edit of a text.
#[derive(Debug, Clone)]
enum Mutation {
    Delete { at: usize, len: usize },
    Insert { at: usize, text: &'static str },
    SwapLines { a: usize, b: usize },
    DuplicateLine { line: usize },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let fragments = prop::sample::select(vec![
        ":",
        "- ",
        "{",
        "}",
        "[",
        "]",
        "\n",
        "  ",
        "\t",
        "&a ",
        "*a",
        "'",
        "\"",
        "#",
        "~",
        "null",
        "é",
        "\u{0}",
        "99999999999999999999",
        "-1",
        "0",
        "start: 9999-12-31",
        "start: -009999-01-01",
        "start: 2026-02-30",
        "- advance: 3650 days",
        "- advance: 120 months",
        "- advance: 2609 business days",
        "- advance: 4294967295 hours",
        "- to: 9999-12-31",
        "- to: 1970-01-01",
        "- apply: submit",
        "- event: payment.paid",
        "by: system",
        "by: nobody",
        "fails: guard-failed",
        "expect: {}",
        "expect: { timers: {} }",
        "expect: { audit: [] }",
        "expect: { clock: { procedure: { due: 1 } } }",
        "input: []",
        "data: 1",
        "steps: []",
        "applicant: X",
    ]);
    prop_oneof![
        (any::<usize>(), 1usize..40).prop_map(|(at, len)| Mutation::Delete { at, len }),
        (any::<usize>(), fragments).prop_map(|(at, text)| Mutation::Insert { at, text }),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Mutation::SwapLines { a, b }),
        any::<usize>().prop_map(|line| Mutation::DuplicateLine { line }),
    ]
}

/// `text` with `mutation` applied; bytes cut in the middle of a character are replaced.
fn apply(text: &str, mutation: &Mutation) -> String {
    let mut bytes = text.as_bytes().to_vec();
    let mut lines: Vec<&str> = text.lines().collect();
    let n = lines.len().max(1);
    match mutation {
        Mutation::Delete { at, len } => {
            let at = at % bytes.len().max(1);
            let end = (at + len).min(bytes.len());
            bytes.drain(at..end);
        }
        Mutation::Insert { at, text } => {
            let at = at % (bytes.len() + 1);
            bytes.splice(at..at, text.bytes());
        }
        Mutation::SwapLines { a, b } if !lines.is_empty() => {
            lines.swap(a % n, b % n);
            return lines.join("\n");
        }
        Mutation::DuplicateLine { line } if !lines.is_empty() => {
            let copy = lines[line % n];
            lines.insert(line % n, copy);
            return lines.join("\n");
        }
        Mutation::SwapLines { .. } | Mutation::DuplicateLine { .. } => {}
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Whether `at` is a place in `text`: a line it has (or the one after its last), from column 1.
fn inside(text: &str, at: Location) -> bool {
    let lines = u32::try_from(text.lines().count()).unwrap_or(u32::MAX);
    at.line >= 1 && at.line <= lines + 1 && at.column >= 1
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases(1_000)))]

    #[test]
    fn mutated_scenario_files_never_panic_and_every_failure_has_a_place(
        seed in any::<prop::sample::Index>(),
        mutations in prop::collection::vec(mutation(), 1..6),
    ) {
        let (definition, original) = &seeds()[seed.index(seeds().len())];
        let text = mutations.iter().fold(original.clone(), |text, m| apply(&text, m));
        match runtime().block_on(scenario::run(definition, &text)) {
            Ok(result) => {
                for (name, at, message) in &result.failures {
                    prop_assert!(inside(&text, *at), "{name} at {at:?}: {message}");
                    prop_assert!(!message.is_empty());
                }
            }
            Err((at, message)) => {
                prop_assert!(inside(&text, at), "{at:?}: {message}");
                prop_assert!(!message.is_empty());
            }
        }
    }
}
