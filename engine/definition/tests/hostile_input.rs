//! Hostile input: every kind of file an attacker or a slip of the hand can feed the validator is
//! refused with a clear diagnostic, quickly, in little memory, and never with a panic.

use std::time::{Duration, Instant};

use sportello_definition::{Code, load};

fn refused(bytes: &[u8], code: Code, words: &str) {
    let started = Instant::now();
    let report = load(bytes, None);
    let elapsed = started.elapsed();
    assert!(!report.is_valid());
    let first = &report.diagnostics[0];
    assert_eq!(first.code, code, "{first:?}");
    assert!(first.message.contains(words), "{:?} should mention {words:?}", first.message);
    assert!(first.location.line >= 1 && first.location.column >= 1);
    // Generous for a noisy 2-core machine running tests in parallel; typical runs take milliseconds.
    assert!(elapsed < Duration::from_secs(10), "took {elapsed:?}");
}

#[test]
fn an_alias_bomb_is_refused_by_the_parsing_budget() {
    let mut text = String::from("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for i in 1..10 {
        let refs = vec![format!("*a{}", i - 1); 9].join(", ");
        text.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
    }
    refused(text.as_bytes(), Code::TooLarge, "alias bomb");
}

#[test]
fn a_fifty_megabyte_file_is_refused_before_parsing() {
    let text = format!("id: {}\n", "x".repeat(50 * 1024 * 1024));
    refused(text.as_bytes(), Code::TooLarge, "52428805 bytes");
}

#[test]
fn twenty_thousand_levels_of_nesting_are_refused() {
    let flow = format!("a: {}{}\n", "[".repeat(20_000), "]".repeat(20_000));
    refused(flow.as_bytes(), Code::TooLarge, "nesting is deeper");
    let mapping = format!("a: {}1{}\n", "{a: ".repeat(20_000), "}".repeat(20_000));
    refused(mapping.as_bytes(), Code::TooLarge, "nesting is deeper");
}

#[test]
fn invalid_utf8_is_refused_with_its_place() {
    let report = load(b"id: ok\ntitle: {it: \"\xff\xfe\"}\n", None);
    let first = &report.diagnostics[0];
    assert_eq!((first.code, first.location.line, first.location.column), (Code::InvalidUtf8, 2, 14));
}

#[test]
fn a_tab_indented_file_is_a_syntax_error_that_says_tab() {
    refused(b"id: x\nstates:\n\tdraft: {initial: true}\n", Code::YamlSyntax, "tab");
}

#[test]
fn a_json_array_or_an_empty_file_is_not_a_workflow() {
    refused(b"[{\"id\": \"x\"}]", Code::InvalidValue, "sequence");
    refused(b"", Code::InvalidValue, "empty document");
    refused(b"# only a comment\n", Code::InvalidValue, "empty document");
    refused(b"42", Code::InvalidValue, "single value");
}

#[test]
fn all_of_it_fits_in_far_less_than_a_gibibyte() {
    an_alias_bomb_is_refused_by_the_parsing_budget();
    a_fifty_megabyte_file_is_refused_before_parsing();
    twenty_thousand_levels_of_nesting_are_refused();
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let peak_kib: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0);
    assert!(peak_kib < 1024 * 1024, "peak resident memory {peak_kib} KiB");
}

#[test]
fn deeply_nested_expressions_and_templates_do_not_exhaust_the_stack() {
    let guard = format!("{}true{}", "(".repeat(990), ")".repeat(990));
    let template = "{{#if case.code}}".repeat(300) + &"{{/if}}".repeat(300);
    let text = format!(
        "id: deep\nversion: 1\ntitle: {{it: T}}\noffice: o\nstates:\n  a: {{initial: true, status: {{it: A}}, on_enter: [{{notify: n}}]}}\n  b: {{final: true, outcome: accepted, status: {{it: B}}}}\n\
         transitions:\n  go: {{from: a, to: b, by: citizen, when: '{guard}'}}\nnotifications:\n  n: {{subject: 'Oggetto del messaggio', markdown: '{template}'}}\n"
    );
    let report = load(text.as_bytes(), None);
    assert!(report.diagnostics.iter().all(|d| d.location.line >= 1), "{:?}", report.diagnostics);
}
