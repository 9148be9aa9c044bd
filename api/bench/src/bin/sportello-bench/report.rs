//! The result line: one JSON object, the last line of standard output, with exactly the keys of the
//! workload's command-line contract, in its order. Latencies are nearest-rank percentiles of every
//! transition; peak RSS is the kernel's high-water mark (`VmHWM`, MiB); the database size is in MB.

use std::time::Duration;

use anyhow::{Context, Result};
use serde_json::{Value as Json, json};

use crate::schedule::Timings;

/// Everything the result line says.
#[derive(Debug)]
pub struct Report {
    /// `sportello`, `http` or `limit`.
    pub engine: &'static str,
    /// `sqlite` or `pg`.
    pub backend: &'static str,
    /// `full`, `normal`, or `on` (PostgreSQL).
    pub sync: &'static str,
    /// N.
    pub cases: u64,
    /// C.
    pub concurrency: u32,
    /// W(N).
    pub transitions: u64,
    /// The run's timings.
    pub timings: Timings,
    /// Peak resident set, MiB.
    pub peak_rss_mib: f64,
    /// Database size, bytes.
    pub db_bytes: u64,
    /// The workload's payload digest.
    pub payload_digest: String,
    /// Engine and database versions.
    pub versions: String,
}

impl Report {
    /// The result line.
    pub fn to_json(&self) -> Json {
        let seconds = self.timings.wall.as_secs_f64();
        let latencies = &self.timings.latencies;
        json!({
            "engine": self.engine,
            "backend": self.backend,
            "sync": self.sync,
            "cases": self.cases,
            "concurrency": self.concurrency,
            "transitions": self.transitions,
            "seconds": round(seconds, 3),
            "tps": round(self.transitions as f64 / seconds.max(f64::EPSILON), 1),
            "p50_ms": round(millis(percentile(latencies, 50.0)), 3),
            "p99_ms": round(millis(percentile(latencies, 99.0)), 3),
            "max_ms": round(millis(latencies.last().copied().unwrap_or_default()), 3),
            "peak_rss_mb": round(self.peak_rss_mib, 1),
            "db_mb": round(self.db_bytes as f64 / 1e6, 2),
            "state_bytes_avg": 0,
            "payload_digest": self.payload_digest,
            "versions": self.versions,
        })
    }
}

/// The nearest-rank `p`-th percentile of `sorted` (zero when empty).
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = (p / 100.0 * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// The process's peak resident set size in MiB, from `/proc/self/status` (Linux).
pub fn peak_rss_mib() -> Result<f64> {
    let status = std::fs::read_to_string("/proc/self/status").context("reading /proc/self/status for peak RSS")?;
    vm_hwm_kib(&status).map(|kib| kib as f64 / 1024.0).context("no VmHWM line in /proc/self/status")
}

fn vm_hwm_kib(status: &str) -> Option<u64> {
    let line = status.lines().find_map(|l| l.strip_prefix("VmHWM:"))?;
    line.trim().strip_suffix("kB")?.trim().parse().ok()
}

fn millis(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

fn round(value: f64, decimals: i32) -> f64 {
    let scale = 10f64.powi(decimals);
    (value * scale).round() / scale
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank() {
        let sorted: Vec<Duration> = (1..=200).map(Duration::from_millis).collect();
        assert_eq!(percentile(&sorted, 50.0), Duration::from_millis(100));
        assert_eq!(percentile(&sorted, 99.0), Duration::from_millis(198));
        assert_eq!(percentile(&sorted[..1], 99.0), Duration::from_millis(1));
        assert_eq!(percentile(&[], 50.0), Duration::ZERO);
    }

    #[test]
    fn peak_rss_is_read_from_vm_hwm() {
        assert_eq!(vm_hwm_kib("VmPeak:\t  300 kB\nVmHWM:\t   51200 kB\nVmRSS:\t 100 kB\n"), Some(51_200));
        assert_eq!(vm_hwm_kib("VmRSS:\t 100 kB\n"), None);
    }

    #[test]
    fn the_line_has_exactly_the_contracts_keys_in_order() {
        let timings = Timings { wall: Duration::from_secs(2), latencies: vec![Duration::from_millis(3); 4] };
        let report = Report {
            engine: "limit",
            backend: "sqlite",
            sync: "full",
            cases: 1,
            concurrency: 1,
            transitions: 5,
            timings,
            peak_rss_mib: 12.34,
            db_bytes: 1_234_567,
            payload_digest: "0123456789ab".into(),
            versions: "limit, sqlite 3".into(),
        };
        let json = report.to_json();
        let keys: Vec<&str> = json.as_object().map(|o| o.keys().map(String::as_str).collect()).unwrap_or_default();
        assert_eq!(
            keys,
            [
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
                "versions"
            ]
        );
        assert_eq!(
            (json["tps"].as_f64(), json["db_mb"].as_f64(), json["p99_ms"].as_f64()),
            (Some(2.5), Some(1.23), Some(3.0))
        );
    }
}
