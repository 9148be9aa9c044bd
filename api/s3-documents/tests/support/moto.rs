//! A real S3-compatible server for the tests: moto in server mode (`moto_server.py` beside this file),
//! from the virtualenv `scripts/install-s3-test-server` makes, on a free loopback port, one per test,
//! stopped when the [`Moto`] is dropped (and by itself should the test process die: it stops when its
//! standard input closes). Where it is not installed a test skips with one line naming the script,
//! unless `TEST_S3` is set (CI sets it after running the script): then it fails.

use std::io::{BufRead, BufReader, Read};
use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use sportello_documents::store::S3Settings;
use sportello_s3_documents::S3Documents;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// What installs moto, named in every message about a missing one.
const INSTALLER: &str = "scripts/install-s3-test-server";
/// How long moto may take to print its port.
const START_TIMEOUT: Duration = Duration::from_secs(30);
/// An `Authorization` header of the right shape, which moto takes without checking it.
const DUMMY_SIGNATURE: &str = "AWS4-HMAC-SHA256 Credential=sportello-test/20260101/eu-south-1/s3/aws4_request, \
     SignedHeaders=host, Signature=0";
/// The bucket every test works in…
pub const BUCKET: &str = "documenti";
/// …and its region.
const REGION: &str = "eu-south-1";

/// A running moto server with the test bucket created.
pub struct Moto {
    child: Child,
    port: u16,
    /// Held open: moto stops when it closes.
    _stdin: ChildStdin,
}

impl Moto {
    /// Starts moto and creates [`BUCKET`]; `None` (after one skip line for `test`) when moto is not
    /// installed and `TEST_S3` is unset. Panics when `TEST_S3` is set and moto is missing, or when it
    /// does not start.
    pub async fn start_or_skip(test: &str) -> Option<Moto> {
        let venv = workspace_root().join("target/s3-test-server/venv");
        let python = venv.join("bin/python");
        if !(python.is_file() && venv.join("installed-requirement").is_file()) {
            let missing = format!("moto is not installed in {}", venv.display());
            if std::env::var_os("TEST_S3").is_some_and(|value| !value.is_empty()) {
                panic!("TEST_S3 is set, but {missing}: run {INSTALLER}");
            }
            eprintln!("{test}: skipped, {missing} ({INSTALLER} installs it; TEST_S3=1 requires it)");
            return None;
        }
        let moto = Moto::start(&python);
        let location = format!(
            "<CreateBucketConfiguration><LocationConstraint>{REGION}</LocationConstraint></CreateBucketConfiguration>"
        );
        let created = moto.request("PUT", &format!("/{BUCKET}"), location.as_bytes()).await;
        assert_eq!(created.status, 200, "creating the bucket: {}", created.text());
        Some(moto)
    }

    fn start(python: &Path) -> Moto {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/moto_server.py");
        let mut child = Command::new(python)
            .arg(&script)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {} {}: {e} (run {INSTALLER})", python.display(), script.display()));
        let stdin = child.stdin.take().expect("stdin is piped");
        let stdout = child.stdout.take().expect("stdout is piped");
        let mut stderr = child.stderr.take().expect("stderr is piped");
        let (port_tx, port_rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = port_tx.send(line);
        });
        let (stderr_tx, stderr_rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut text = String::new();
            let _ = stderr.read_to_string(&mut text);
            let _ = stderr_tx.send(text);
        });
        let line = port_rx.recv_timeout(START_TIMEOUT).unwrap_or_default();
        let Ok(port) = line.trim().parse() else {
            let _ = child.kill();
            let _ = child.wait();
            let output = stderr_rx.recv_timeout(Duration::from_secs(5)).unwrap_or_default();
            panic!("moto did not print its port within {START_TIMEOUT:?} (printed {line:?}); its errors:\n{output}");
        };
        Moto { child, port, _stdin: stdin }
    }

    /// Where moto listens.
    pub fn addr(&self) -> SocketAddr {
        SocketAddr::from((Ipv4Addr::LOCALHOST, self.port))
    }

    /// A store on this server's bucket, through `endpoint` (moto's own, or a proxy's).
    pub fn store_at(endpoint: &str, prefix: &str, spools: &Path) -> S3Documents {
        let settings = S3Settings {
            endpoint: Some(endpoint.to_owned()),
            bucket: BUCKET.to_owned(),
            region: REGION.to_owned(),
            prefix: prefix.to_owned(),
            access_key_id: Some("sportello-test".to_owned()),
            secret_access_key: Some("sportello-test-secret".to_owned()),
            allow_http: true,
        };
        S3Documents::new(&settings, spools, 0).expect("a store on moto")
    }

    /// A store talking to moto directly.
    pub fn store(&self, prefix: &str, spools: &Path) -> S3Documents {
        Moto::store_at(&format!("http://{}", self.addr()), prefix, spools)
    }

    /// One HTTP/1.1 request to moto, for what the store does not do: creating the bucket, writing a
    /// stray object, looking at an object's headers or at uploads in progress. Its signature is a dummy:
    /// moto does not check signatures, but it treats a request without one as anonymous, and refuses
    /// anonymous reads.
    pub async fn request(&self, method: &str, target: &str, body: &[u8]) -> Answer {
        let mut stream = tokio::net::TcpStream::connect(self.addr()).await.expect("connect to moto");
        let head = format!(
            "{method} {target} HTTP/1.1\r\nHost: {}\r\nAuthorization: {DUMMY_SIGNATURE}\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n",
            self.addr(),
            body.len()
        );
        stream.write_all(head.as_bytes()).await.expect("send the request");
        stream.write_all(body).await.expect("send the body");
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer).await.expect("read the answer");
        let text = String::from_utf8_lossy(&answer).into_owned();
        let status = text.split(' ').nth(1).and_then(|code| code.parse().ok()).unwrap_or(0);
        Answer { status, raw: text }
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A raw answer from moto.
pub struct Answer {
    /// The status code.
    pub status: u16,
    raw: String,
}

impl Answer {
    /// The status line, headers and body.
    pub fn text(&self) -> &str {
        &self.raw
    }

    /// A header's value (names compared case-insensitively).
    pub fn header(&self, name: &str) -> Option<&str> {
        let head = self.raw.split("\r\n\r\n").next()?;
        head.lines().skip(1).find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.eq_ignore_ascii_case(name).then(|| value.trim())
        })
    }
}

/// The workspace's folder.
fn workspace_root() -> PathBuf {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    crate_dir.parent().and_then(Path::parent).expect("the crate sits at api/s3-documents").to_owned()
}
