//! The processes behind a [`Browser`](super::Browser): where Chromium, chromedriver and axe-core are,
//! whether a test must have them (`TEST_BROWSER` set) or may skip, and the chromedriver child process,
//! started on a free port in a process group of its own, waited for until it answers `/status`, and
//! stopped when dropped: the browser session is ended first, which makes chromedriver quit Chromium,
//! then the whole group is killed, so that a test that panics leaves no browser behind (Chromium
//! outlives a chromedriver that is merely killed).

use std::fs::File;
use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// What installs the tools, named in every message about a missing one.
const INSTALLER: &str = "scripts/install-web-test-tools";
/// How many times chromedriver's `/status` is asked before giving up (about 5 seconds in all)…
const STATUS_ATTEMPTS: u32 = 200;
/// …and the pause after each refused connection or not-ready answer.
const STATUS_PAUSE: Duration = Duration::from_millis(25);

/// The programs and the script a browser test needs.
pub(super) struct Tools {
    pub chrome: PathBuf,
    pub chromedriver: PathBuf,
    pub axe: PathBuf,
}

impl Tools {
    /// Finds the tools: `CHROME_BIN` and `CHROMEDRIVER` override Debian's paths; axe-core is the one
    /// `npm ci` put in `tests/browser/node_modules/`. When one is missing, panics if `TEST_BROWSER` is set
    /// (CI must not pass by skipping), and otherwise prints one skip line for `test` and returns `None`.
    pub fn find(test: &str) -> Option<Tools> {
        let tools = Tools {
            chrome: from_env("CHROME_BIN", "/usr/bin/chromium"),
            chromedriver: from_env("CHROMEDRIVER", "/usr/bin/chromedriver"),
            axe: super::workspace_root().join("tests/browser/node_modules/axe-core/axe.min.js"),
        };
        let missing: Vec<String> = [&tools.chrome, &tools.chromedriver, &tools.axe]
            .into_iter()
            .filter(|path| !path.is_file())
            .map(|path| path.display().to_string())
            .collect();
        if missing.is_empty() {
            return Some(tools);
        }
        let missing = missing.join(", ");
        if std::env::var_os("TEST_BROWSER").is_some_and(|value| !value.is_empty()) {
            panic!("TEST_BROWSER is set, but {missing} not found: run {INSTALLER}");
        }
        eprintln!("{test}: skipped, {missing} not found ({INSTALLER} installs them; TEST_BROWSER=1 requires them)");
        None
    }
}

fn from_env(name: &str, default: &str) -> PathBuf {
    std::env::var_os(name).filter(|value| !value.is_empty()).map_or_else(|| PathBuf::from(default), PathBuf::from)
}

/// A running chromedriver, killed on drop together with the session it serves.
pub(super) struct Driver {
    child: Child,
    port: u16,
    log: PathBuf,
    session: Option<String>,
}

impl Driver {
    /// Starts `chromedriver` on a free local port, its output going to `log`, and returns once it
    /// answers `/status` as ready.
    pub async fn start(chromedriver: &Path, log: &Path) -> Driver {
        let port = free_port();
        let output = File::create(log).unwrap_or_else(|e| panic!("create {}: {e}", log.display()));
        let errors = output.try_clone().expect("clone the chromedriver log handle");
        let child = Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .process_group(0)
            .stdin(Stdio::null())
            .stdout(output)
            .stderr(errors)
            .spawn()
            .unwrap_or_else(|e| panic!("start {}: {e} (run {INSTALLER})", chromedriver.display()));
        let mut driver = Driver { child, port, log: log.to_owned(), session: None };
        driver.wait_until_ready().await;
        driver
    }

    /// The WebDriver endpoint.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Remembers the session to end on drop (or forgets it once closed, with `None`).
    pub fn set_session(&mut self, session: Option<String>) {
        self.session = session;
    }

    async fn wait_until_ready(&mut self) {
        let client = reqwest::Client::builder().timeout(Duration::from_secs(2)).build().expect("an HTTP client");
        let status = format!("{}/status", self.url());
        let mut last = String::from("no answer");
        for _ in 0..STATUS_ATTEMPTS {
            if let Some(exit) = self.child.try_wait().expect("ask whether chromedriver runs") {
                panic!("chromedriver exited ({exit}) before answering; its output:\n{}", self.output());
            }
            // While starting, chromedriver refuses connections or drops them unanswered: both mean "not yet".
            match client.get(&status).send().await {
                Ok(answer) => {
                    let body: serde_json::Value = answer.json().await.unwrap_or_default();
                    if body["value"]["ready"] == true {
                        return;
                    }
                    last = format!("not ready: {body}");
                }
                Err(e) => last = error_chain(&e),
            }
            tokio::time::sleep(STATUS_PAUSE).await;
        }
        panic!("chromedriver did not answer {status} as ready ({last}); its output:\n{}", self.output());
    }

    /// What chromedriver (and Chromium through it) printed so far.
    pub fn output(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_else(|e| format!("(unreadable {}: {e})", self.log.display()))
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        // A blocking request: drop may run while a panic unwinds, with no runtime left to await on.
        if let Some(session) = self.session.take() {
            delete_session(self.port, &session);
        }
        // Whatever is left in chromedriver's group (Chromium, if the session could not be ended).
        let _ =
            Command::new("kill").args(["-KILL", "--", &format!("-{}", self.child.id())]).stderr(Stdio::null()).status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An error with its causes, `outer: inner: …`.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    text
}

/// Ends a WebDriver session over a plain socket; chromedriver answers once Chromium has quit.
fn delete_session(port: u16, session: &str) {
    let address = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let Ok(mut stream) = TcpStream::connect_timeout(&address, Duration::from_secs(1)) else { return };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let request = format!(
        "DELETE /session/{session} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    if stream.write_all(request.as_bytes()).is_ok() {
        let _ = stream.read_to_end(&mut Vec::new());
    }
}

/// A port nothing listens on right now (the OS picks it; the listener is closed before chromedriver binds).
fn free_port() -> u16 {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind a local port");
    listener.local_addr().expect("the bound address").port()
}
