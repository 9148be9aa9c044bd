//! The real server, in this process: [`Application::build`] on 127.0.0.1:0 with dev-mode sign-in (a
//! key file in the temporary folder, removed when done), no timer worker (a read bench changes
//! nothing) and no rate limit, serving until the [`Server`] is dropped; and the dev tokens the bench
//! signs in with.

use std::time::Duration;

use anyhow::Context;
use sportello_api::auth::dev::{DevClaims, DevRole, issue, load_or_create_key};
use sportello_api::auth::{AuthSettings, Authenticator, DevAuth};
use sportello_api::config::Settings;
use sportello_api::startup::{Application, Dependencies};
use sportello_api::web::{CookieSigner, Session};
use sportello_runtime::case::Actor;
use sportello_store::Store;
use tokio::sync::oneshot;

use crate::requests::Caller;

/// A running server.
pub struct Server {
    /// `http://127.0.0.1:PORT/api/v1`.
    pub api: String,
    /// `http://127.0.0.1:PORT`, where the pages are.
    pub base: String,
    dev: DevAuth,
    session_key_file: std::path::PathBuf,
    signer: CookieSigner,
    store: Store,
    cookies: std::sync::Mutex<std::collections::HashMap<String, String>>,
    stop: Option<oneshot::Sender<()>>,
}

impl Server {
    /// Builds the application on `store` and serves it in the background.
    pub async fn start(store: Store) -> anyhow::Result<Server> {
        let key_file = std::env::temp_dir().join(format!("sportello-read-bench-{}.key", std::process::id()));
        let dev = DevAuth { key_file };
        let settings = Settings::in_process(dev.key_file.clone());
        let auth = Authenticator::new(AuthSettings::default(), Some(dev.clone())).context("dev sign-in")?;
        let app = Application::build(&settings, Dependencies { store: store.clone(), auth, hooks: Default::default() })
            .await?;
        let api = format!("http://{}/api/v1", app.address());
        let base = format!("http://{}", app.address());
        let session_key_file = settings.web.session_key_file.clone();
        let signer = CookieSigner::new(load_or_create_key(&session_key_file).context("the session key")?);
        let (stop, stopped) = oneshot::channel();
        tokio::spawn(app.run_until_stopped(async move {
            let _ = stopped.await;
        }));
        let cookies = Default::default();
        Ok(Server { api, base, dev, session_key_file, signer, store, cookies, stop: Some(stop) })
    }

    /// A citizen's token.
    pub fn citizen(&self, fiscal_code: &str) -> anyhow::Result<String> {
        let claims =
            DevClaims { role: DevRole::Citizen, fiscal_code: Some(fiscal_code.into()), user: None, offices: vec![] };
        Ok(issue(&self.dev, claims, Duration::from_secs(3600))?)
    }

    /// An analyst's token.
    pub fn analyst(&self) -> anyhow::Result<String> {
        let claims = DevClaims {
            role: DevRole::Analyst,
            fiscal_code: None,
            user: Some("bench-analyst".into()),
            offices: vec![],
        };
        Ok(issue(&self.dev, claims, Duration::from_secs(3600))?)
    }

    /// The `Cookie` header of a page session for `caller`, as the pages' sign-in would set it: signed
    /// in once per caller (the session kept in the store), then reused.
    pub async fn session_cookie(&self, caller: &Caller) -> anyhow::Result<String> {
        let key = format!("{caller:?}");
        if let Some(cookie) = self.cookies.lock().unwrap_or_else(std::sync::PoisonError::into_inner).get(&key) {
            return Ok(cookie.clone());
        }
        let user = match caller {
            Caller::Clerk(office) => Actor::Staff {
                user: format!("bench-{office}"),
                roles: vec!["clerk".into()],
                offices: vec![office.clone()],
            },
            Caller::Citizen(fiscal_code) => Actor::Citizen { fiscal_code: fiscal_code.clone() },
            Caller::Analyst => {
                Actor::Staff { user: "bench-analyst".into(), roles: vec!["analyst".into()], offices: vec![] }
            }
        };
        let now = jiff::Timestamp::now().as_second();
        let session =
            Session::anonymous(now, 8).signed_in(user, None, now, 8).expect("people sign in, never the system");
        let record = session.record(now).context("a signed-in session has an id")?;
        self.store.start_web_session(record).await.context("keeping the page session")?;
        let cookie = format!("sportello_session={}", self.signer.seal(&session));
        self.cookies.lock().unwrap_or_else(std::sync::PoisonError::into_inner).insert(key, cookie.clone());
        Ok(cookie)
    }

    /// A clerk's token for one office.
    pub fn clerk(&self, office: &str) -> anyhow::Result<String> {
        let claims = DevClaims {
            role: DevRole::Clerk,
            fiscal_code: None,
            user: Some(format!("bench-{office}")),
            offices: vec![office.to_owned()],
        };
        Ok(issue(&self.dev, claims, Duration::from_secs(3600))?)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = std::fs::remove_file(&self.dev.key_file);
        let _ = std::fs::remove_file(&self.session_key_file);
    }
}
