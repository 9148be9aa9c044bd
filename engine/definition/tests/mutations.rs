//! Property tests: workflows mutated at random (bytes deleted, inserted, lines moved) never panic the
//! parser or the validator, and every diagnostic they produce has a place.

use proptest::prelude::*;
use sportello_definition::load;

/// `PROPTEST_CASES` when set (to run longer), else `default`.
fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(default)
}

fn seeds() -> Vec<String> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../workflows");
    let mut texts: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "yaml") && !p.to_string_lossy().ends_with(".test.yaml"))
                .filter_map(|p| std::fs::read_to_string(p).ok())
                .collect()
        })
        .unwrap_or_default();
    texts.sort();
    assert!(!texts.is_empty(), "no workflows to mutate in {dir}");
    texts
}

/// One edit of a text.
#[derive(Debug, Clone)]
enum Mutation {
    Delete { at: usize, len: usize },
    Insert { at: usize, text: String },
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
        "!!str ",
        "<<: *a",
        "true",
        "99999999999999999999",
        "-1",
        "from: nowhere",
        "by: nobody",
        "fire: x",
        "{{",
        "}}",
        "data.",
        "||",
        "()",
        "é",
        "\u{0}",
    ]);
    prop_oneof![
        (any::<usize>(), 1usize..40).prop_map(|(at, len)| Mutation::Delete { at, len }),
        (any::<usize>(), fragments).prop_map(|(at, text)| Mutation::Insert { at, text: text.to_owned() }),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Mutation::SwapLines { a, b }),
        any::<usize>().prop_map(|line| Mutation::DuplicateLine { line }),
    ]
}

fn apply(text: &str, mutation: &Mutation) -> Vec<u8> {
    let mut bytes = text.as_bytes().to_vec();
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
        Mutation::SwapLines { a, b } => {
            let mut lines: Vec<&str> = text.lines().collect();
            let n = lines.len().max(1);
            lines.swap(a % n, b % n);
            bytes = lines.join("\n").into_bytes();
        }
        Mutation::DuplicateLine { line } => {
            let mut lines: Vec<&str> = text.lines().collect();
            let i = line % lines.len().max(1);
            let copy = lines[i];
            lines.insert(i, copy);
            bytes = lines.join("\n").into_bytes();
        }
    }
    bytes
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases(300)))]

    #[test]
    fn mutated_workflows_never_panic_and_every_diagnostic_has_a_place(
        seed in any::<prop::sample::Index>(),
        mutations in prop::collection::vec(mutation(), 1..6),
    ) {
        let texts = seeds();
        let mut text = texts[seed.index(texts.len())].clone();
        let mut bytes = text.as_bytes().to_vec();
        for m in &mutations {
            bytes = apply(&text, m);
            text = String::from_utf8_lossy(&bytes).into_owned();
        }
        let report = load(&bytes, None);
        for d in &report.diagnostics {
            prop_assert!(d.location.line >= 1 && d.location.column >= 1, "{:?}", d);
            prop_assert!(!d.message.is_empty());
        }
        prop_assert_eq!(report.is_valid(), !report.diagnostics.iter().any(|d| d.is_error()));
    }
}
