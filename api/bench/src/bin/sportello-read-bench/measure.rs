//! Runs the tasks over HTTP, `concurrency` at a time, timing each request from sending it to reading
//! the last byte of its answer, and summarises the timings per kind (nearest-rank percentiles, in
//! milliseconds). Any answer but 200 stops the bench: the numbers would not be about reads.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde_json::{Value as Json, json};
use tokio::task::JoinSet;

use crate::requests::{Caller, Kind, Task};
use crate::server::Server;

/// What the tasks need: the server, a client and a token per caller.
pub struct Client {
    server: Server,
    http: reqwest::Client,
    tokens: Mutex<HashMap<Caller, String>>,
}

impl Client {
    /// A client of `server`.
    pub fn new(server: Server) -> anyhow::Result<Client> {
        let http = reqwest::Client::builder().timeout(Duration::from_secs(60)).build()?;
        Ok(Client { server, http, tokens: Mutex::new(HashMap::new()) })
    }

    fn token(&self, caller: &Caller) -> anyhow::Result<String> {
        let mut tokens = self.tokens.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(token) = tokens.get(caller) {
            return Ok(token.clone());
        }
        let token = match caller {
            Caller::Clerk(office) => self.server.clerk(office)?,
            Caller::Citizen(fiscal_code) => self.server.citizen(fiscal_code)?,
            Caller::Analyst => self.server.analyst()?,
        };
        tokens.insert(caller.clone(), token.clone());
        Ok(token)
    }

    /// Runs `task`: its timed requests, the first of its kind and any later pages.
    async fn run(&self, task: &Task) -> anyhow::Result<Vec<(Kind, Duration)>> {
        if task.page {
            return self.page(task).await;
        }
        let token = self.token(&task.caller)?;
        let mut timings = Vec::new();
        let mut path = task.path.clone();
        for page in 0..task.pages {
            let url = format!("{}{path}", self.server.api);
            let started = Instant::now();
            let response =
                self.http.get(&url).bearer_auth(&token).send().await.with_context(|| format!("GET {path}"))?;
            let status = response.status();
            let body = response.bytes().await.with_context(|| format!("GET {path}"))?;
            let took = started.elapsed();
            if status != reqwest::StatusCode::OK {
                bail!("GET {path} answered {status}: {}", String::from_utf8_lossy(&body));
            }
            timings.push((if page == 0 { task.kind } else { Kind::SearchNextPage }, took));
            let next = serde_json::from_slice::<Json>(&body).ok().and_then(|j| j["next"].as_str().map(str::to_owned));
            let Some(next) = next else { break };
            let separator = if task.path.contains('?') { '&' } else { '?' };
            path = format!("{}{separator}cursor={next}", task.path);
        }
        Ok(timings)
    }
}

impl Client {
    /// Reads a page, signed in with a session cookie for the task's caller.
    async fn page(&self, task: &Task) -> anyhow::Result<Vec<(Kind, Duration)>> {
        let cookie = self.server.session_cookie(&task.caller).await?;
        let url = format!("{}{}", self.server.base, task.path);
        let started = Instant::now();
        let response = self
            .http
            .get(&url)
            .header(reqwest::header::COOKIE, cookie)
            .send()
            .await
            .with_context(|| format!("GET {}", task.path))?;
        let status = response.status();
        let body = response.bytes().await.with_context(|| format!("GET {}", task.path))?;
        let took = started.elapsed();
        if status != reqwest::StatusCode::OK {
            bail!("GET {} answered {status}: {}", task.path, String::from_utf8_lossy(&body));
        }
        Ok(vec![(task.kind, took)])
    }
}

/// Runs `tasks`, `concurrency` at a time, and returns every request's kind and latency.
pub async fn run(client: Arc<Client>, tasks: Vec<Task>, concurrency: usize) -> anyhow::Result<Vec<(Kind, Duration)>> {
    let queue = Arc::new(Mutex::new(tasks));
    let mut workers = JoinSet::new();
    for _ in 0..concurrency.max(1) {
        let (queue, client) = (queue.clone(), client.clone());
        workers.spawn(async move {
            let mut timings = Vec::new();
            loop {
                let task = queue.lock().unwrap_or_else(PoisonError::into_inner).pop();
                let Some(task) = task else { break };
                timings.extend(client.run(&task).await?);
            }
            anyhow::Ok(timings)
        });
    }
    let mut timings = Vec::new();
    while let Some(done) = workers.join_next().await {
        timings.extend(done.context("a bench task panicked")??);
    }
    Ok(timings)
}

/// Per kind: count, p50, p95, p99 and max in milliseconds.
pub fn summary(timings: &[(Kind, Duration)]) -> Json {
    let mut by_kind: BTreeMap<Kind, Vec<Duration>> = BTreeMap::new();
    for (kind, took) in timings {
        by_kind.entry(*kind).or_default().push(*took);
    }
    let mut out = serde_json::Map::new();
    for (kind, mut took) in by_kind {
        took.sort_unstable();
        out.insert(
            kind.name().to_owned(),
            json!({
                "count": took.len(),
                "p50_ms": millis(percentile(&took, 50.0)),
                "p95_ms": millis(percentile(&took, 95.0)),
                "p99_ms": millis(percentile(&took, 99.0)),
                "max_ms": millis(took.last().copied().unwrap_or_default()),
            }),
        );
    }
    Json::Object(out)
}

/// The nearest-rank `p`-th percentile of `sorted` (zero when empty).
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = (p / 100.0 * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn millis(d: Duration) -> f64 {
    (d.as_secs_f64() * 1e5).round() / 100.0
}
