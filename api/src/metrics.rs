//! Prometheus metrics, kept in memory and written as text at `/metrics`: transitions by workflow and
//! outcome, HTTP request latency by route and status class (a histogram), and, read from the database
//! at scrape time, the timer lag and the outbox backlog. Labels never carry personal data: routes are
//! the matched templates (`/api/v1/cases/{code}`), never the concrete paths.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::time::Duration;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 12] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0];

/// The process's metrics.
#[derive(Debug, Default)]
pub struct Metrics {
    transitions: Mutex<BTreeMap<(String, String), u64>>,
    requests: Mutex<BTreeMap<(String, String, &'static str), Histogram>>,
}

#[derive(Debug, Default, Clone)]
struct Histogram {
    buckets: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

/// What the database says at scrape time.
#[derive(Debug, Clone, Copy, Default)]
pub struct Backlog {
    /// Seconds since the oldest due timer fell due (0 when none is due).
    pub timer_lag_seconds: f64,
    /// Timers due and not fired yet.
    pub due_timers: u64,
    /// Outbox effects not yet delivered.
    pub outbox_pending: u64,
}

impl Metrics {
    /// Counts one transition command on `workflow` with `outcome` (`applied` or an error code).
    pub fn transition(&self, workflow: &str, outcome: &str) {
        let mut map = self.transitions.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        *map.entry((workflow.to_owned(), outcome.to_owned())).or_default() += 1;
    }

    /// Records one HTTP request.
    pub fn request(&self, method: &str, route: &str, status: u16, took: Duration) {
        let class = match status {
            100..=199 => "1xx",
            200..=299 => "2xx",
            300..=399 => "3xx",
            400..=499 => "4xx",
            _ => "5xx",
        };
        let seconds = took.as_secs_f64();
        let mut map = self.requests.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let histogram = map.entry((method.to_owned(), route.to_owned(), class)).or_default();
        for (bucket, bound) in histogram.buckets.iter_mut().zip(BUCKETS) {
            if seconds <= bound {
                *bucket += 1;
            }
        }
        histogram.count += 1;
        histogram.sum += seconds;
    }

    /// The Prometheus text exposition.
    pub fn render(&self, backlog: Backlog) -> String {
        let mut out = String::new();
        out.push_str("# HELP sportello_transitions_total Transition commands by workflow and outcome.\n");
        out.push_str("# TYPE sportello_transitions_total counter\n");
        for ((workflow, outcome), n) in
            self.transitions.lock().unwrap_or_else(std::sync::PoisonError::into_inner).iter()
        {
            let _ = writeln!(
                out,
                "sportello_transitions_total{{workflow=\"{}\",outcome=\"{}\"}} {n}",
                escape(workflow),
                escape(outcome)
            );
        }
        out.push_str("# HELP sportello_http_request_duration_seconds HTTP request latency.\n");
        out.push_str("# TYPE sportello_http_request_duration_seconds histogram\n");
        for ((method, route, class), h) in
            self.requests.lock().unwrap_or_else(std::sync::PoisonError::into_inner).iter()
        {
            let labels = format!("method=\"{}\",route=\"{}\",status=\"{class}\"", escape(method), escape(route));
            for (bound, n) in BUCKETS.iter().zip(h.buckets) {
                let _ = writeln!(out, "sportello_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {n}");
            }
            let _ = writeln!(out, "sportello_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}", h.count);
            let _ = writeln!(out, "sportello_http_request_duration_seconds_sum{{{labels}}} {}", h.sum);
            let _ = writeln!(out, "sportello_http_request_duration_seconds_count{{{labels}}} {}", h.count);
        }
        let gauges = [
            (
                "sportello_timer_lag_seconds",
                "Seconds since the oldest unfired timer fell due.",
                backlog.timer_lag_seconds,
            ),
            ("sportello_timers_due", "Timers due and not yet fired.", backlog.due_timers as f64),
            ("sportello_outbox_pending", "Effects in the outbox not yet delivered.", backlog.outbox_pending as f64),
        ];
        for (name, help, value) in gauges {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}");
        }
        out
    }
}

fn escape(label: &str) -> String {
    label.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_histograms_and_gauges() {
        let metrics = Metrics::default();
        metrics.transition("building-permit", "applied");
        metrics.transition("building-permit", "applied");
        metrics.request("GET", "/api/v1/cases/{code}", 200, Duration::from_millis(3));
        let text = metrics.render(Backlog { timer_lag_seconds: 1.5, due_timers: 2, outbox_pending: 3 });
        assert!(text.contains("sportello_transitions_total{workflow=\"building-permit\",outcome=\"applied\"} 2"));
        assert!(text.contains(
            "sportello_http_request_duration_seconds_bucket{method=\"GET\",route=\"/api/v1/cases/{code}\",status=\"2xx\",le=\"0.005\"} 1"
        ));
        assert!(text.contains(
            "sportello_http_request_duration_seconds_bucket{method=\"GET\",route=\"/api/v1/cases/{code}\",status=\"2xx\",le=\"0.0025\"} 0"
        ));
        assert!(text.contains("sportello_timer_lag_seconds 1.5"));
        assert!(text.contains("sportello_outbox_pending 3"));
    }
}
