//! The `http` engine: the workload through Sportello's real HTTP API. It builds the same fresh store as
//! the `sportello` engine, serves it with [`Application`] on 127.0.0.1:0 in this process (dev sign-in
//! with a key file in the temporary folder, no timer worker, no rate limit, no log subscriber) and
//! drives it with one keep-alive reqwest client. Every token is minted before the timed part: one
//! citizen per case, with a valid fiscal code of its own ([`fiscal_code`]), 20 clerks of the workflow's
//! office, and an integration token for `payment.paid`. A creation is `POST /api/v1/cases` as the
//! citizen; a step is `POST /api/v1/cases/{code}/transitions/{name}` as the clerk (or, for `resubmit`,
//! the citizen); `pay_fee` is `POST /api/v1/cases/{code}/events/payment.paid` with a message id of its
//! own. Any answer other than 2xx fails the run with its problem body.

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, bail, ensure};
use reqwest::StatusCode;
use serde::Deserialize;
use sportello_api::auth::dev::{DevClaims, DevRole, issue};
use sportello_api::auth::{AuthSettings, Authenticator, DevAuth};
use sportello_api::config::Settings;
use sportello_api::integrations::IntegrationSettings;
use sportello_api::startup::{Application, Dependencies};
use sportello_definition::codice_fiscale::check_character;
use tokio::sync::oneshot;
use tokio::task::JoinSet;

use crate::db::{Db, Target};
use crate::sportello::{self, Sportello};
use crate::workload::{self, ActorKind, Step};

/// The bearer token of the bench's integration (at least 32 characters, as the server requires).
const INTEGRATION_TOKEN: &str = "sportello-bench-integration-token-0123456789abcdef";
/// How long the minted tokens last: longer than any run.
const TOKEN_TTL: Duration = Duration::from_secs(24 * 3600);
/// The clerks, `clerk-00` to `clerk-19`, as in the workload.
const CLERKS: u64 = 20;

/// The server, a client and every token the run needs. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Http {
    sportello: Sportello,
    client: reqwest::Client,
    /// `http://127.0.0.1:PORT/api/v1`.
    api: Arc<str>,
    /// `Bearer …` of the citizen of case `i`, at `i - 1`.
    citizens: Arc<[String]>,
    /// `Bearer …` of `clerk-%02d`, at its number.
    clerks: Arc<[String]>,
    _server: Arc<Server>,
}

/// What the API answers about a case (the fields the bench checks; the rest is skipped).
#[derive(Debug, Deserialize)]
struct CaseAnswer {
    code: String,
    state: String,
    applicant: String,
}

impl Http {
    /// Builds the `sportello` engine's fresh store, serves it, and mints the tokens of `cases` cases.
    pub async fn connect(target: &Target, concurrency: u32, cases: u64) -> Result<Http> {
        let sportello = Sportello::connect(target, concurrency).await?;
        let server = Server::start(&sportello).await?;
        let citizens = (1..=cases).map(|i| server.token(citizen(i))).collect::<Result<_>>()?;
        let clerks = (0..CLERKS).map(|n| server.token(clerk(n, sportello.office()))).collect::<Result<_>>()?;
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(concurrency as usize)
            .tcp_nodelay(true)
            .timeout(Duration::from_secs(60))
            .build()
            .context("building the HTTP client")?;
        Ok(Http {
            sportello,
            client,
            api: format!("http://{}/api/v1", server.address).into(),
            citizens,
            clerks,
            _server: Arc::new(server),
        })
    }

    /// The store behind the server, for the checks.
    pub fn sportello(&self) -> &Sportello {
        &self.sportello
    }

    /// A pool on the store's database, for the checks and the report.
    pub fn db(&self) -> &Db {
        self.sportello.db()
    }

    /// Opens `connections` keep-alive connections to the server at once (`GET /healthz`), so that the
    /// run does not pay for connecting.
    pub async fn warm_up(&self, connections: u32) -> Result<()> {
        let health = self.api.trim_end_matches("/api/v1").to_owned() + "/healthz";
        let mut requests = JoinSet::new();
        for _ in 0..connections {
            requests.spawn(self.client.get(&health).send());
        }
        while let Some(answer) = requests.join_next().await {
            answer.context("a warm-up request panicked")?.context("warming up the HTTP connections")?;
        }
        Ok(())
    }

    /// Opens case `i` with `data` as its citizen; returns the case's code.
    pub async fn create(&self, i: u64, data: &str) -> Result<String> {
        let body = format!(r#"{{"workflow":"{}","data":{data}}}"#, sportello::WORKFLOW_ID);
        let request = self.client.post(format!("{}/cases", self.api)).header("authorization", self.citizen(i)?);
        let request = request.header("content-type", "application/json").body(body);
        let answer = send(request, i, Step::Submit, StatusCode::CREATED).await?;
        let expected = fiscal_code(i);
        ensure!(answer.applicant == expected, "case {i}: opened for `{}`, not `{expected}`", answer.applicant);
        Ok(answer.code)
    }

    /// Applies `step` to case `i`, whose code is `code`.
    pub async fn apply(&self, code: &str, i: u64, step: Step) -> Result<()> {
        let request = match step.actor() {
            ActorKind::Pagopa => {
                let url = format!("{}/cases/{code}/events/payment.paid", self.api);
                let body = format!(r#"{{"message_id":"receipt-{i}"}}"#);
                let request = self.client.post(url).bearer_auth(INTEGRATION_TOKEN).body(body);
                request.header("content-type", "application/json")
            }
            kind => {
                let token = match kind {
                    ActorKind::Citizen => self.citizen(i)?,
                    _ => &self.clerks[(i % CLERKS) as usize],
                };
                let url = format!("{}/cases/{code}/transitions/{}", self.api, step.event());
                self.client.post(url).header("authorization", token)
            }
        };
        let answer = send(request, i, step, StatusCode::OK).await?;
        ensure!(answer.code == code, "case {i}: `{}` answered for case {}, not {code}", step.event(), answer.code);
        Ok(())
    }

    fn citizen(&self, i: u64) -> Result<&String> {
        self.citizens.get(i.wrapping_sub(1) as usize).with_context(|| format!("case {i}: no citizen token"))
    }
}

/// Sends `request` and reads the whole answer: it must have `status`, not be a replay, and leave the
/// case in the state `step` leads to.
async fn send(request: reqwest::RequestBuilder, i: u64, step: Step, status: StatusCode) -> Result<CaseAnswer> {
    let response = request.send().await.with_context(|| format!("case {i}: sending `{}`", step.event()))?;
    let got = response.status();
    let replayed = response.headers().contains_key("idempotent-replayed");
    let body = response.bytes().await.with_context(|| format!("case {i}: reading the answer to `{}`", step.event()))?;
    if got != status {
        bail!("case {i}: `{}` answered {got}: {}", step.event(), String::from_utf8_lossy(&body));
    }
    let answer: CaseAnswer = serde_json::from_slice(&body)
        .with_context(|| format!("case {i}: the answer to `{}` is not a case", step.event()))?;
    ensure!(
        answer.state == step.to() && !replayed,
        "case {i}: `{}` left the case in `{}` (replayed: {replayed}), not in `{}`",
        step.event(),
        answer.state,
        step.to()
    );
    Ok(answer)
}

/// A valid fiscal code for the citizen of case `i`, distinct for every `i` below 26⁶: the six name
/// letters spell `i` in base 26, then a fixed birth (1 January 1980) and place (H501, Rome), and the
/// check character.
pub fn fiscal_code(i: u64) -> String {
    let mut chars: Vec<char> = (0..6).rev().map(|d| char::from(b'A' + (i / 26u64.pow(d) % 26) as u8)).collect();
    chars.extend("80A01H501".chars());
    chars.push(check_character(&chars));
    chars.into_iter().collect()
}

fn citizen(i: u64) -> DevClaims {
    DevClaims { role: DevRole::Citizen, fiscal_code: Some(fiscal_code(i)), user: None, offices: vec![] }
}

fn clerk(n: u64, office: &str) -> DevClaims {
    DevClaims {
        role: DevRole::Clerk,
        fiscal_code: None,
        user: Some(workload::actor_name(ActorKind::Clerk, n)),
        offices: vec![office.to_owned()],
    }
}

/// The in-process server; stopped, and its key file removed, when dropped.
#[derive(Debug)]
struct Server {
    address: std::net::SocketAddr,
    dev: DevAuth,
    stop: Option<oneshot::Sender<()>>,
}

impl Server {
    async fn start(sportello: &Sportello) -> Result<Server> {
        let key_file = std::env::temp_dir().join(format!("sportello-bench-{}.key", std::process::id()));
        let dev = DevAuth { key_file };
        let mut settings = Settings::in_process(dev.key_file.clone());
        settings.integrations.insert(
            "bench".to_owned(),
            IntegrationSettings { token: INTEGRATION_TOKEN.to_owned(), events: vec!["payment.paid".to_owned()] },
        );
        let auth = Authenticator::new(AuthSettings::default(), Some(dev.clone())).context("dev sign-in")?;
        let deps = Dependencies { store: sportello.store().clone(), auth, hooks: Default::default() };
        let app = Application::build(&settings, deps).await.context("building the server")?;
        let address = app.address();
        let (stop, stopped) = oneshot::channel();
        tokio::spawn(app.run_until_stopped(async move {
            let _ = stopped.await;
        }));
        Ok(Server { address, dev, stop: Some(stop) })
    }

    /// `Bearer <a dev token for claims>`.
    fn token(&self, claims: DevClaims) -> Result<String> {
        Ok(format!("Bearer {}", issue(&self.dev, claims, TOKEN_TTL).context("minting a dev token")?))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = std::fs::remove_file(&self.dev.key_file);
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use sportello_definition::codice_fiscale::CodiceFiscale;

    use super::*;

    #[test]
    fn every_case_has_a_valid_fiscal_code_of_its_own() {
        let codes: Vec<String> = (1..=30_000).chain([26u64.pow(6) - 1]).map(fiscal_code).collect();
        assert!(codes.iter().all(|c| CodiceFiscale::parse(c).is_ok()), "every code is valid");
        assert_eq!(codes.iter().collect::<HashSet<_>>().len(), codes.len(), "no two cases share one");
        assert_eq!(&fiscal_code(1)[..15], "AAAAAB80A01H501");
    }
}
