//! `sportello-read-bench` as the docs run it: on a database `sportello demo` filled, it times every
//! kind of read through the real server, every answer a 200, and prints one JSON line; `--pages` does
//! the same for the pages; `--explain` prints each list's plan; an empty database is refused with a hint.

mod support;

use std::path::Path;
use std::process::Output;

use serde_json::Value as Json;
use support::{database_url, demo, migrate, run, text};

fn read_bench(dir: &Path, args: &[&str]) -> Output {
    let database = database_url(dir);
    let mut all = vec!["--database", database.as_str()];
    all.extend_from_slice(args);
    run(env!("CARGO_BIN_EXE_sportello-read-bench"), dir, &all)
}

#[test]
fn the_read_bench_times_every_kind_of_read_on_demo_data() {
    let dir = tempfile::tempdir().unwrap();
    migrate(dir.path());
    demo(dir.path(), &["--cases", "200", "--today", "2026-11-28"]);

    let bench = read_bench(dir.path(), &["--requests", "300", "--warmup", "20", "--concurrency", "4"]);
    assert_eq!(bench.status.code(), Some(0), "{}", text(&bench));
    let stdout = String::from_utf8_lossy(&bench.stdout);
    let line: Json = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
    assert_eq!(line["cases"], 200, "{line}");
    assert!(line["requests"].as_u64().unwrap() >= 300, "{line}");
    for kind in
        ["worklist", "search_workflow_state", "search_overdue", "search_code", "citizen_cases", "case", "timeline"]
    {
        let timing = &line["kinds"][kind];
        assert!(timing["count"].as_u64().unwrap() > 0, "{kind}: {line}");
        assert!(timing["p99_ms"].as_f64().unwrap() >= timing["p50_ms"].as_f64().unwrap(), "{kind}: {line}");
    }

    let pages = read_bench(dir.path(), &["--pages", "--requests", "200", "--warmup", "10", "--concurrency", "4"]);
    assert_eq!(pages.status.code(), Some(0), "{}", text(&pages));
    let stdout = String::from_utf8_lossy(&pages.stdout);
    let line: Json = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
    assert_eq!(line["read"], "pages", "{line}");
    for kind in ["page_worklist", "page_clerk_case", "page_my_cases", "page_citizen_case", "page_workflow"] {
        assert!(line["kinds"][kind]["count"].as_u64().unwrap() > 0, "{kind}: {line}");
    }

    let explain = read_bench(dir.path(), &["--explain"]);
    assert_eq!(explain.status.code(), Some(0), "{}", text(&explain));
    assert!(text(&explain).contains("case_office_due"), "{}", text(&explain));
}

#[test]
fn the_read_bench_refuses_an_empty_database() {
    let dir = tempfile::tempdir().unwrap();
    migrate(dir.path());
    let bench = read_bench(dir.path(), &["--requests", "10"]);
    assert_eq!(bench.status.code(), Some(2), "{}", text(&bench));
    assert!(text(&bench).contains("sportello demo --cases"), "{}", text(&bench));
}
