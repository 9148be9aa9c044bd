//! The server's settings: defaults, then a TOML file (`--config FILE`, or `SPORTELLO_CONFIG`), then
//! `SPORTELLO_*` environment variables (`__` nests: `SPORTELLO_AUTH__ISSUER` sets `[auth] issuer`), then
//! command-line flags. Every key is documented in `docs/operations.md`; an unknown key, in the file or
//! in the environment, is an error that names it, so a typo never silently falls back to a default.
//! The database is not here: it is `--database` / `DATABASE_URL`, as for every data command.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail};
use indexmap::IndexMap;
use serde::Deserialize;
use sportello_hooks::Hooks;
use sportello_hooks::backoff::RetryPolicy;
use sportello_hooks::deliver::{Deliverer, LEASE};
use sportello_store::Store;

use crate::auth::AuthSettings;
use crate::hooks::HooksSettings;
use crate::integrations::IntegrationSettings;

/// Environment variables that belong to command-line flags rather than to the settings file.
const FLAG_VARIABLES: &[&str] = &["SPORTELLO_CONFIG", "SPORTELLO_SQLITE_SYNCHRONOUS"];

/// Everything `sportello serve` can be told.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    /// Address and port to listen on.
    pub listen: SocketAddr,
    /// The address clients reach the server at (`https://sportello.comune.example.it`), without a
    /// final `/`: problem `type`s are links under it. Empty: `http://` and the address listened on,
    /// right for development only.
    pub public_url: String,
    /// Development mode: local sign-in tokens (`sportello dev-token`), no `Secure` cookies. Never
    /// implied: production is the default.
    pub dev: bool,
    /// Run the timer worker in this process.
    pub workers: bool,
    /// Folder of workflow files deployed at start (each changed file becomes its next version); empty
    /// to deploy nothing.
    pub workflows: PathBuf,
    /// Seconds between timer rounds when none is due.
    pub worker_poll_seconds: f64,
    /// Request limits.
    pub limits: Limits,
    /// Cross-origin requests.
    pub cors: Cors,
    /// Sign-in through an OpenID Connect issuer.
    pub auth: AuthSettings,
    /// The key file dev-mode tokens are signed with.
    pub dev_key_file: PathBuf,
    /// In dev mode, open a few cases for the demo citizen when the database has none
    /// ([`crate::dev_cases`]); `false` starts on an empty database.
    pub dev_cases: bool,
    /// Systems that deliver external events (`[integrations.pagopa]`), each with its token and events.
    pub integrations: IndexMap<String, IntegrationSettings>,
    /// The systems effects are delivered to: App IO, pagoPA, e-mail, webhooks (`[hooks.*]`).
    pub hooks: HooksSettings,
    /// How the outbox retries a failed delivery.
    pub outbox: OutboxSettings,
    /// The pages: the municipality's name, sessions, sign-in through OpenID Connect (`[web]`).
    pub web: crate::web::WebSettings,
    /// Signed audit checkpoints taken while serving (`[audit]`).
    pub audit: crate::checkpoint::CheckpointSettings,
    /// Where uploaded documents' bytes are kept (`[documents]`), and for how long an upload no
    /// transition attached is kept.
    pub documents: sportello_documents::store::DocumentsSettings,
}

/// Retries of failed deliveries: exponential backoff with jitter, then an incident.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OutboxSettings {
    /// Attempts per effect before it becomes an incident for a clerk.
    pub retry_budget: u32,
    /// Seconds to wait after the first failure; the wait doubles with each one.
    pub retry_base_seconds: f64,
    /// The longest wait between two attempts, in seconds.
    pub retry_max_seconds: f64,
    /// Seconds between outbox rounds when nothing is due.
    pub poll_seconds: f64,
    /// Seconds a claimed effect is kept from other workers: longer than a delivery can take (a
    /// notification is two calls, each up to its hook's `timeout_seconds`). An effect claimed by a
    /// process that died is delivered again once its lease ends.
    pub lease_seconds: f64,
}

impl Default for OutboxSettings {
    fn default() -> Self {
        let policy = RetryPolicy::default();
        OutboxSettings {
            retry_budget: policy.budget,
            retry_base_seconds: policy.base.as_secs_f64(),
            retry_max_seconds: policy.max.as_secs_f64(),
            poll_seconds: 1.0,
            lease_seconds: LEASE.as_secs_f64(),
        }
    }
}

impl OutboxSettings {
    /// The retry policy these settings describe.
    pub fn policy(&self) -> RetryPolicy {
        RetryPolicy {
            budget: self.retry_budget,
            base: Duration::from_secs_f64(self.retry_base_seconds),
            max: Duration::from_secs_f64(self.retry_max_seconds),
        }
    }

    /// How long a claimed effect is kept from other workers.
    pub fn lease(&self) -> Duration {
        Duration::from_secs_f64(self.lease_seconds)
    }
}

/// Limits that protect the server.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// Largest request body, in bytes.
    pub body_bytes: usize,
    /// A request taking longer is answered with `request-timeout`.
    pub request_timeout_seconds: u64,
    /// Requests per minute from one client address (0: no limit).
    pub requests_per_minute: u32,
}

/// Cross-origin resource sharing: off unless origins are listed.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Cors {
    /// Origins allowed to call the API from a browser (`https://www.comune.example.it`).
    pub allowed_origins: Vec<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            public_url: String::new(),
            dev: false,
            workers: true,
            workflows: PathBuf::from("workflows"),
            worker_poll_seconds: 1.0,
            limits: Limits::default(),
            cors: Cors::default(),
            auth: AuthSettings::default(),
            dev_key_file: PathBuf::from("sportello-dev.key"),
            dev_cases: true,
            integrations: IndexMap::new(),
            hooks: HooksSettings::default(),
            outbox: OutboxSettings::default(),
            web: crate::web::WebSettings::default(),
            audit: crate::checkpoint::CheckpointSettings::default(),
            documents: Default::default(),
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits { body_bytes: 1024 * 1024, request_timeout_seconds: 30, requests_per_minute: 1200 }
    }
}

impl Settings {
    /// A server for one process on this machine that drives it itself (the end-to-end tests, the
    /// benchmarks): 127.0.0.1 on a free port, dev sign-in with the key in `dev_key_file`, no timer
    /// worker, no workflows folder and no rate limit.
    pub fn in_process(dev_key_file: PathBuf) -> Settings {
        let mut settings = Settings {
            listen: ([127, 0, 0, 1], 0).into(),
            dev: true,
            workers: false,
            workflows: PathBuf::new(),
            dev_key_file: dev_key_file.clone(),
            ..Settings::default()
        };
        settings.web.session_key_file = dev_key_file.with_extension("session.key");
        settings.limits.requests_per_minute = 0;
        settings.documents.folder = Some(dev_key_file.with_extension("documents"));
        settings.documents.reserve_mb = 0;
        settings
    }

    /// Whether pagoPA payments can be simulated from the citizen's case page: only in dev mode, and
    /// only with the fake pagoPA provider, which no real payment can reach.
    pub fn simulates_payments(&self) -> bool {
        self.dev && self.hooks.pagopa.as_ref().is_some_and(|p| p.provider == crate::hooks::settings::HttpProvider::Fake)
    }

    /// The public URL with no final `/`: `public_url`, or `http://` and `bound` (the address actually
    /// listened on) when it is not set.
    pub fn public_url(&self, bound: SocketAddr) -> String {
        match self.public_url.trim().trim_end_matches('/') {
            "" => format!("http://{bound}"),
            url => url.to_owned(),
        }
    }

    /// The outbox's deliverer on `store`, through `hooks`, with these settings' retries, lease and
    /// notice offset.
    pub fn deliverer(&self, store: Store, hooks: Hooks) -> Deliverer {
        Deliverer {
            store,
            hooks,
            policy: self.outbox.policy(),
            notice_offset: self.hooks.pagopa.as_ref().map_or(0, |p| p.notice_offset),
            lease: self.outbox.lease(),
        }
    }

    /// The outbox worker's waits: between rounds when nothing is due, and between two passes asking
    /// pagoPA about open payments.
    pub fn outbox_intervals(&self) -> (Duration, Duration) {
        let payments = self.hooks.pagopa.as_ref().map_or(600.0, |p| p.poll_seconds);
        (Duration::from_secs_f64(self.outbox.poll_seconds), Duration::from_secs_f64(payments))
    }

    /// Defaults, overlaid by `file` (if given) and by the `SPORTELLO_*` variables in `env`.
    pub fn load(file: Option<&Path>, env: impl IntoIterator<Item = (String, String)>) -> anyhow::Result<Settings> {
        let mut tree = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("cannot read the settings file {}", path.display()))?;
                text.parse::<toml::Table>().with_context(|| format!("{} is not valid TOML", path.display()))?
            }
            None => toml::Table::new(),
        };
        for (name, value) in env {
            let Some(key) = name.strip_prefix("SPORTELLO_") else { continue };
            if FLAG_VARIABLES.contains(&name.as_str())
                || sportello_documents::store::CREDENTIAL_VARIABLES.contains(&name.as_str())
            {
                continue;
            }
            set_path(&mut tree, &name, key, &value)?;
        }
        let settings: Settings = serde_path_to_error::deserialize(toml::Value::Table(tree))
            .map_err(|e| match e.path().to_string().as_str() {
                "." | "" => anyhow::anyhow!("{}", e.inner()),
                path => anyhow::anyhow!("{path}: {}", e.inner()),
            })
            .with_context(|| match file {
                Some(path) => format!("invalid settings (from {} and SPORTELLO_* variables)", path.display()),
                None => "invalid settings (from SPORTELLO_* variables)".to_owned(),
            })?;
        let mut settings = settings;
        settings.documents.apply_env(std::env::vars());
        settings.documents.check()?;
        settings.check()?;
        Ok(settings)
    }

    fn check(&self) -> anyhow::Result<()> {
        if !(self.worker_poll_seconds.is_finite() && self.worker_poll_seconds > 0.0) {
            bail!("worker_poll_seconds must be a positive number of seconds");
        }
        if self.limits.body_bytes == 0 || self.limits.request_timeout_seconds == 0 {
            bail!("limits.body_bytes and limits.request_timeout_seconds must be positive");
        }
        let outbox = &self.outbox;
        if outbox.retry_budget == 0 {
            bail!("outbox.retry_budget must be at least 1");
        }
        for (key, value) in [
            ("outbox.retry_base_seconds", outbox.retry_base_seconds),
            ("outbox.retry_max_seconds", outbox.retry_max_seconds),
            ("outbox.poll_seconds", outbox.poll_seconds),
            ("outbox.lease_seconds", outbox.lease_seconds),
        ] {
            if !(value.is_finite() && value > 0.0 && value <= 7.0 * 86_400.0) {
                bail!("{key} must be a positive number of seconds, at most a week");
            }
        }
        let hooks = &self.hooks;
        let longest_call = [
            hooks.app_io.as_ref().map(|h| h.timeout_seconds),
            hooks.pagopa.as_ref().map(|h| h.timeout_seconds),
            hooks.email.as_ref().map(|h| h.timeout_seconds),
        ]
        .into_iter()
        .flatten()
        .chain(hooks.webhooks.iter().flat_map(|w| w.endpoints.values().map(|e| e.timeout_seconds)))
        .fold(0.0, f64::max);
        if outbox.lease_seconds <= 2.0 * longest_call {
            bail!(
                "outbox.lease_seconds ({}) must be more than twice the longest hook timeout ({longest_call} s): a notification makes two calls, and a delivery must end before its lease",
                outbox.lease_seconds
            );
        }
        if outbox.retry_max_seconds < outbox.retry_base_seconds {
            bail!("outbox.retry_max_seconds must not be below outbox.retry_base_seconds");
        }
        if let Some(pagopa) = &self.hooks.pagopa
            && !(pagopa.poll_seconds.is_finite() && pagopa.poll_seconds >= 1.0)
        {
            bail!("hooks.pagopa.poll_seconds must be at least 1 second");
        }
        Ok(())
    }
}

/// Sets `a__b__c` (lowercased) in `tree`, reading `value` as a TOML value when it is one (a number, a
/// boolean, an array) and as a string otherwise.
fn set_path(tree: &mut toml::Table, variable: &str, key: &str, value: &str) -> anyhow::Result<()> {
    let path: Vec<String> = key.split("__").map(str::to_lowercase).collect();
    if path.iter().any(String::is_empty) {
        bail!("environment variable {variable}: empty key segment");
    }
    let parsed = format!("v = {value}")
        .parse::<toml::Table>()
        .ok()
        .and_then(|mut t| t.remove("v"))
        .unwrap_or_else(|| toml::Value::String(value.to_owned()));
    let (last, parents) = path.split_last().expect("split gives one segment at least");
    let mut table = tree;
    for part in parents {
        let entry = table.entry(part.clone()).or_insert_with(|| toml::Value::Table(toml::Table::new()));
        table = match entry {
            toml::Value::Table(t) => t,
            _ => bail!("environment variable {variable}: `{part}` is not a section"),
        };
    }
    table.insert(last.clone(), parsed);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn defaults_are_safe() {
        let settings = Settings::load(None, env(&[])).unwrap();
        assert!(!settings.dev);
        assert!(settings.cors.allowed_origins.is_empty());
        assert_eq!(settings.listen.to_string(), "127.0.0.1:8080");
    }

    #[test]
    fn the_environment_overrides_the_file_and_nests_with_double_underscores() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("sportello.toml");
        std::fs::write(&file, "listen = \"0.0.0.0:9000\"\n[limits]\nbody_bytes = 10\n").unwrap();
        let settings = Settings::load(
            Some(&file),
            env(&[
                ("SPORTELLO_LIMITS__BODY_BYTES", "2048"),
                ("SPORTELLO_AUTH__ISSUER", "https://id.example.it"),
                ("SPORTELLO_CORS__ALLOWED_ORIGINS", "[\"https://a.example\"]"),
                ("SPORTELLO_SQLITE_SYNCHRONOUS", "normal"),
                ("PATH", "/bin"),
            ]),
        )
        .unwrap();
        assert_eq!(settings.listen.to_string(), "0.0.0.0:9000");
        assert_eq!(settings.limits.body_bytes, 2048);
        assert_eq!(settings.auth.issuer.as_deref(), Some("https://id.example.it"));
        assert_eq!(settings.cors.allowed_origins, ["https://a.example"]);
    }

    #[test]
    fn an_unknown_key_is_named() {
        let error = Settings::load(None, env(&[("SPORTELLO_LISTN", "x")])).unwrap_err();
        assert!(format!("{error:#}").contains("listn"), "{error:#}");
    }

    #[test]
    fn outbox_retries_are_checked_and_hooks_are_read() {
        let error = Settings::load(None, env(&[("SPORTELLO_OUTBOX__RETRY_BUDGET", "0")])).unwrap_err();
        assert!(format!("{error:#}").contains("outbox.retry_budget"), "{error:#}");
        let error = Settings::load(None, env(&[("SPORTELLO_OUTBOX__RETRY_MAX_SECONDS", "1")])).unwrap_err();
        assert!(format!("{error:#}").contains("retry_max_seconds"), "{error:#}");
        let settings = Settings::load(
            None,
            env(&[("SPORTELLO_HOOKS__APP_IO__PROVIDER", "fake"), ("SPORTELLO_OUTBOX__RETRY_BUDGET", "3")]),
        )
        .unwrap();
        assert!(settings.hooks.app_io.is_some());
        assert_eq!(settings.outbox.policy().budget, 3);
    }

    #[test]
    fn a_lease_shorter_than_two_calls_is_refused() {
        let error = Settings::load(
            None,
            env(&[
                ("SPORTELLO_HOOKS__APP_IO__PROVIDER", "fake"),
                ("SPORTELLO_HOOKS__APP_IO__TIMEOUT_SECONDS", "30"),
                ("SPORTELLO_OUTBOX__LEASE_SECONDS", "45"),
            ]),
        )
        .unwrap_err();
        assert!(format!("{error:#}").contains("outbox.lease_seconds"), "{error:#}");
    }

    #[test]
    fn a_wrong_type_is_an_error() {
        let error = Settings::load(None, env(&[("SPORTELLO_LIMITS__BODY_BYTES", "lots")])).unwrap_err();
        assert!(format!("{error:#}").contains("body_bytes"), "{error:#}");
    }
}
