//! The real server, in this process, for the documents bench: SQLite and the local document store in
//! a temporary folder, dev-mode sign-in, a small workflow of the bench's own (one document type up to
//! 500 MB, one transition that takes up to ten of them) deployed, and a citizen's token.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use sportello_api::auth::dev::{DevClaims, DevRole, issue};
use sportello_api::auth::{AuthSettings, Authenticator, DevAuth};
use sportello_api::config::Settings;
use sportello_api::startup::{Application, Dependencies};
use sportello_runtime::clock::SystemClock;
use sportello_store::{Store, StoreOptions};
use tokio::sync::oneshot;

/// The citizen every case is opened for.
pub const APPLICANT: &str = "RSSMRA85T10A562S";

const WORKFLOW: &str = r#"
id: documents-bench
version: 1
title: { it: Banco di prova del fascicolo }
office: protocollo
roles:
  clerk: { title: { it: Istruttore } }
documents:
  allegato:
    title: { it: Allegato }
    accept: [application/pdf]
    max_size: 500 MB
states:
  draft: { initial: true, status: { it: Bozza }, waiting_for: citizen }
  submitted: { final: true, outcome: accepted, status: { it: Inviata } }
transitions:
  submit:
    title: { it: Invia }
    from: draft
    to: submitted
    by: citizen
    documents:
      allegato: { min: 0, max: 10 }
"#;

/// A running server.
pub struct Server {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// Where it keeps documents.
    pub documents: PathBuf,
    /// The folder everything is in.
    pub folder: PathBuf,
    /// The applicant's `Authorization` value.
    pub citizen: String,
    /// A client for it.
    pub client: reqwest::Client,
    stop: Option<oneshot::Sender<()>>,
}

impl Server {
    /// Builds the application in `folder` and serves it in the background.
    pub async fn start(folder: &Path) -> anyhow::Result<Server> {
        let url = format!("sqlite://{}?mode=rwc", folder.join("bench.db").display());
        let store = Store::connect(&StoreOptions::new(&url), Arc::new(SystemClock)).await?;
        store.migrate_up().await?;
        store.deploy(WORKFLOW, Some("documents-bench")).await?;
        let dev = DevAuth { key_file: folder.join("dev.key") };
        let settings = Settings::in_process(dev.key_file.clone());
        let documents = settings.documents.folder.clone().context("a documents folder")?;
        let auth = Authenticator::new(AuthSettings::default(), Some(dev.clone())).context("dev sign-in")?;
        let app = Application::build(&settings, Dependencies { store, auth, hooks: Default::default() }).await?;
        let base = format!("http://{}", app.address());
        let (stop, stopped) = oneshot::channel();
        tokio::spawn(app.run_until_stopped(async move {
            let _ = stopped.await;
        }));
        let claims =
            DevClaims { role: DevRole::Citizen, fiscal_code: Some(APPLICANT.into()), user: None, offices: vec![] };
        let citizen = format!("Bearer {}", issue(&dev, claims, Duration::from_secs(24 * 3600))?);
        let client = reqwest::Client::builder().pool_max_idle_per_host(256).build()?;
        Ok(Server { base, documents, folder: folder.to_path_buf(), citizen, client, stop: Some(stop) })
    }

    /// Opens a case and gives its code.
    pub async fn open_case(&self) -> anyhow::Result<String> {
        let body = serde_json::json!({"workflow": "documents-bench"});
        let answer = self
            .client
            .post(format!("{}/api/v1/cases", self.base))
            .header("authorization", &self.citizen)
            .json(&body)
            .send()
            .await?;
        anyhow::ensure!(answer.status().as_u16() == 201, "opening a case: {}", answer.status());
        let case: serde_json::Value = answer.json().await?;
        Ok(case["code"].as_str().context("a case code")?.to_owned())
    }

    /// Uploads `body` to case `code` as `name`, and gives its id.
    pub async fn upload(&self, code: &str, name: &str, body: reqwest::Body) -> anyhow::Result<String> {
        let answer = self
            .client
            .post(format!("{}/api/v1/cases/{code}/documents", self.base))
            .query(&[("type", "allegato"), ("name", name)])
            .header("authorization", &self.citizen)
            .header("content-type", "application/pdf")
            .body(body)
            .send()
            .await?;
        let status = answer.status();
        let document: serde_json::Value = answer.json().await?;
        anyhow::ensure!(status.as_u16() == 201, "uploading {name}: {status} {document}");
        Ok(document["id"].as_str().context("a document id")?.to_owned())
    }

    /// Applies `submit` to case `code`, attaching `ids`.
    pub async fn submit(&self, code: &str, ids: &[String]) -> anyhow::Result<()> {
        let body =
            if ids.is_empty() { serde_json::json!({}) } else { serde_json::json!({"documents": {"allegato": ids}}) };
        let answer = self
            .client
            .post(format!("{}/api/v1/cases/{code}/transitions/submit", self.base))
            .header("authorization", &self.citizen)
            .json(&body)
            .send()
            .await?;
        let status = answer.status();
        anyhow::ensure!(status.is_success(), "submitting {code}: {status} {}", answer.text().await?);
        Ok(())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}
