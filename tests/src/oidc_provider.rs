//! A real OpenID Connect provider for sign-in tests: `tests/oidc-provider/provider.mjs` (npm's
//! oidc-provider) run by Node on a free loopback port, with one client, and killed when the
//! [`OidcProvider`] is dropped. Its npm packages are installed by `scripts/install-web-test-tools`; tests
//! call [`installed_or_skip`] first, which skips them where the packages are missing, unless
//! `TEST_OIDC_PROVIDER` is set (CI sets it) and a missing install is a failure.

use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// How long the provider may take to start listening.
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// The folder holding `provider.mjs`, `package.json` and (once installed) `node_modules`.
pub fn provider_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("oidc-provider")
}

/// Whether the provider can run here. When its `node_modules` is missing: panics if `TEST_OIDC_PROVIDER`
/// is set, else prints that `test` is skipped and returns false.
pub fn installed_or_skip(test: &str) -> bool {
    if provider_dir().join("node_modules").join("oidc-provider").is_dir() {
        return true;
    }
    let hint = "scripts/install-web-test-tools installs it";
    if std::env::var_os("TEST_OIDC_PROVIDER").is_some_and(|v| !v.is_empty()) {
        panic!("TEST_OIDC_PROVIDER is set but the test OpenID Connect provider is not installed; {hint}");
    }
    println!("skipping {test}: the test OpenID Connect provider is not installed; {hint}");
    false
}

/// A running provider, stopped on drop.
#[derive(Debug)]
pub struct OidcProvider {
    issuer: String,
    child: Child,
    /// Held open: the provider exits when it closes, should this process die without dropping us.
    _stdin: Option<ChildStdin>,
}

impl OidcProvider {
    /// Starts a provider knowing one client: confidential with `secret` (client_secret_basic), public
    /// without. Panics if Node cannot start it or it does not print its issuer within 30 seconds.
    pub fn start(client_id: &str, secret: Option<&str>, redirect_uri: &str) -> OidcProvider {
        let dir = provider_dir();
        let mut child = Command::new(std::env::var_os("NODE").unwrap_or_else(|| "node".into()))
            .arg("provider.mjs")
            .current_dir(&dir)
            .env("OIDC_CLIENT_ID", client_id)
            .env("OIDC_CLIENT_SECRET", secret.unwrap_or_default())
            .env("OIDC_REDIRECT_URIS", redirect_uri)
            .env("OIDC_POST_LOGOUT_REDIRECT_URIS", redirect_uri)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run node {}/provider.mjs: {e}", dir.display()));
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().expect("stdout is piped");
        let mut stderr = child.stderr.take().expect("stderr is piped");
        let (issuer_tx, issuer_rx) = mpsc::channel();
        // Reads the issuer line, then keeps draining stdout so the provider never blocks on a full pipe.
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let issuer = serde_json::from_str::<serde_json::Value>(&line)
                    .ok()
                    .and_then(|v| v.get("issuer").and_then(|i| i.as_str()).map(str::to_owned));
                if let Some(issuer) = issuer {
                    let _ = issuer_tx.send(issuer);
                }
            }
        });
        let (stderr_tx, stderr_rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut text = String::new();
            let _ = stderr.read_to_string(&mut text);
            let _ = stderr_tx.send(text);
        });
        match issuer_rx.recv_timeout(START_TIMEOUT) {
            Ok(issuer) => OidcProvider { issuer, child, _stdin: stdin },
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                let stderr = stderr_rx.recv_timeout(Duration::from_secs(5)).unwrap_or_default();
                panic!("the test OpenID Connect provider did not start; its stderr:\n{stderr}");
            }
        }
    }

    /// The issuer URL, `http://127.0.0.1:<port>` (no trailing slash).
    pub fn issuer(&self) -> &str {
        &self.issuer
    }
}

impl Drop for OidcProvider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Follows the provider's redirects from `response` and submits its login form (as `login`, any
/// password) and consent form as a browser would, until a redirect to a URL starting with `stop`,
/// which it returns without following. `browser` must keep cookies and not follow redirects itself.
pub async fn sign_in_at_provider(
    browser: &reqwest::Client,
    mut response: reqwest::Response,
    login: &str,
    stop: &str,
) -> reqwest::Url {
    for _ in 0..20 {
        let url = response.url().clone();
        if response.status().is_redirection() {
            let location = response.headers()["location"].to_str().expect("a readable location");
            let next = url.join(location).expect("a valid location");
            if next.as_str().starts_with(stop) {
                return next;
            }
            response = browser.get(next).send().await.expect("the provider answers");
            continue;
        }
        let status = response.status();
        let page = response.text().await.expect("a page");
        assert_eq!(status, reqwest::StatusCode::OK, "{url}: {page}");
        let action = url.join(&attribute_after(&page, "<form", "action").replace("&amp;", "&")).expect("a form action");
        let form = match attribute_after(&page, r#"name="prompt""#, "value").as_str() {
            "login" => vec![("prompt", "login"), ("login", login), ("password", "any")],
            "consent" => vec![("prompt", "consent")],
            other => panic!("unexpected prompt {other:?} at {url}: {page}"),
        };
        response = browser.post(action).form(&form).send().await.expect("the provider answers");
    }
    panic!("no redirect to {stop} after 20 steps");
}

/// The value of the attribute `name` after the first `marker` in `html`.
fn attribute_after(html: &str, marker: &str, name: &str) -> String {
    let start = html.find(marker).unwrap_or_else(|| panic!("no {marker} in {html}"));
    let rest = &html[start..];
    let value = &rest[rest.find(&format!(r#"{name}=""#)).expect("the attribute") + name.len() + 2..];
    value[..value.find('"').expect("a closing quote")].to_owned()
}
