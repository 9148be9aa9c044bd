//! `sportello-bench` end to end at a small scale, so CI runs the whole benchmark: every engine (the
//! store, the bare database, and the HTTP API served in the bench's own process) on a fresh SQLite
//! file, the run checked by the binary itself (exit 0), and its last line the result object of the
//! workload's contract.

use std::process::Command;

use serde_json::Value;

const KEYS: [&str; 16] = [
    "engine",
    "backend",
    "sync",
    "cases",
    "concurrency",
    "transitions",
    "seconds",
    "tps",
    "p50_ms",
    "p99_ms",
    "max_ms",
    "peak_rss_mb",
    "db_mb",
    "state_bytes_avg",
    "payload_digest",
    "versions",
];

fn bench(engine: &str, cases: u64) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("bench.db");
    let output = Command::new(env!("CARGO_BIN_EXE_sportello-bench"))
        .args(["--engine", engine, "--backend", "sqlite", "--sync", "full", "--concurrency", "4", "--cases"])
        .arg(cases.to_string())
        .arg("--db")
        .arg(&db)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{engine}: {stderr}");
    let last = stdout.lines().last().unwrap_or_default();
    serde_json::from_str(last).unwrap_or_else(|e| panic!("{engine}: the last line is not JSON ({e}): {last}"))
}

#[test]
fn both_engines_run_50_cases_and_report_260_transitions_on_the_contracts_line() {
    for engine in ["limit", "sportello"] {
        let result = bench(engine, 50);
        let keys: Vec<&str> = result.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys, KEYS, "{engine}");
        assert_eq!(result["engine"], engine);
        assert_eq!((result["backend"].as_str(), result["sync"].as_str()), (Some("sqlite"), Some("full")));
        assert_eq!((result["cases"].as_u64(), result["concurrency"].as_u64()), (Some(50), Some(4)));
        assert_eq!(result["transitions"].as_u64(), Some(5 * 50 + 2 * 5), "{engine}");
        let digest = result["payload_digest"].as_str().unwrap_or_default();
        assert!(digest.len() == 12 && digest.chars().all(|c| c.is_ascii_hexdigit()), "{engine}: {digest}");
        for key in ["seconds", "tps", "p50_ms", "p99_ms", "max_ms", "peak_rss_mb", "db_mb"] {
            assert!(result[key].as_f64().is_some_and(|x| x > 0.0), "{engine}: {key} = {}", result[key]);
        }
        assert!(result["p50_ms"].as_f64() <= result["p99_ms"].as_f64(), "{engine}");
    }
}

#[test]
fn the_http_engine_runs_20_cases_through_the_api_and_passes_its_checks() {
    let result = bench("http", 20);
    let keys: Vec<&str> = result.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, KEYS);
    assert_eq!(result["engine"], "http");
    assert_eq!((result["cases"].as_u64(), result["transitions"].as_u64()), (Some(20), Some(5 * 20 + 2 * 2)));
    assert!(result["versions"].as_str().is_some_and(|v| v.contains("HTTP")), "{}", result["versions"]);
    for key in ["tps", "p50_ms", "p99_ms"] {
        assert!(result[key].as_f64().is_some_and(|x| x > 0.0), "{key} = {}", result[key]);
    }
}
