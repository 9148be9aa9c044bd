//! Each accepted connection, wrapped so that what the HTTP parser refuses on its own also goes out as
//! problem+json, as every other refusal does, and so that a request's head must arrive in time.
//!
//! hyper answers a request it cannot parse before the router ever sees it, with a bare status and an
//! empty body: 400 for a malformed request line or header, 414 for a URI over its limit, 431 for a
//! head over its buffer or with too many headers. Those answers are recognised as they are written
//! (a `4xx` status line followed by hyper's own `connection: close` and `content-length: 0`, which no
//! handler writes: every refusal of the application has a body) and replaced, byte for byte before
//! they reach the socket, by the same status with a problem+json body.
//!
//! A head (the request line and headers) must also be complete within `limits.request_timeout_seconds`
//! of its first byte. When it is not, the client is answered 408 `request-header-timeout` and the
//! connection is closed: a slow client cannot hold a connection (and its buffer) open by sending a
//! header a byte at a time. A connection that sends nothing between requests is left open, as before:
//! closing idle connections early would race the keep-alive of a proxy in front (nginx keeps upstream
//! connections for 60 s) and turn into its 502s.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use axum::serve::Listener;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::{Instant, Sleep};

use crate::problem::Problem;

/// A listener whose connections are [`Guarded`].
#[derive(Debug)]
pub struct GuardedListener {
    listener: TcpListener,
    head_timeout: Duration,
    public_url: Arc<str>,
}

impl GuardedListener {
    /// Wraps `listener`; a request's head must arrive within `head_timeout`; problem `type`s are
    /// links under `public_url`.
    pub fn new(listener: TcpListener, head_timeout: Duration, public_url: Arc<str>) -> GuardedListener {
        GuardedListener { listener, head_timeout, public_url }
    }
}

impl Listener for GuardedListener {
    type Io = Guarded<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        let (stream, address) = Listener::accept(&mut self.listener).await;
        (Guarded::new(stream, self.head_timeout).linking_to(self.public_url.clone()), address)
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        Listener::local_addr(&self.listener)
    }
}

/// One connection: its bytes pass through unchanged but for hyper's bare refusals.
#[derive(Debug)]
pub struct Guarded<Io> {
    io: Io,
    head_timeout: Duration,
    /// A request's head is awaited: at the start, and after each response.
    awaiting: bool,
    /// When the awaited head must be complete, once its first byte has come.
    deadline: Option<Pin<Box<Sleep>>>,
    /// Whether `deadline` runs.
    armed: bool,
    /// The last three bytes of the awaited head, to find its end across reads.
    tail: [u8; 3],
    /// A problem response still to be written, and how much of it has been.
    answer: Option<(Vec<u8>, usize)>,
    /// The public URL problem `type`s are links under (empty: relative links).
    public_url: Arc<str>,
}

impl<Io> Guarded<Io> {
    /// Wraps `io`, awaiting a first request's head.
    pub fn new(io: Io, head_timeout: Duration) -> Guarded<Io> {
        let mut guarded = Guarded {
            io,
            head_timeout,
            awaiting: false,
            deadline: None,
            armed: false,
            tail: [0; 3],
            answer: None,
            public_url: "".into(),
        };
        guarded.await_head();
        guarded
    }

    /// The same connection, its problems' `type`s links under `public_url`.
    pub fn linking_to(mut self, public_url: Arc<str>) -> Guarded<Io> {
        self.public_url = public_url;
        self
    }

    fn await_head(&mut self) {
        self.awaiting = true;
        self.armed = false;
        self.tail = [0; 3];
    }

    /// Starts the awaited head's clock, at its first byte.
    fn arm(&mut self) {
        let deadline = Instant::now() + self.head_timeout;
        match &mut self.deadline {
            Some(sleep) => sleep.as_mut().reset(deadline),
            None => self.deadline = Some(Box::pin(tokio::time::sleep_until(deadline))),
        }
        self.armed = true;
    }

    /// Notes `bytes` read while a head is awaited; the head is complete at its first empty line,
    /// which may span two reads.
    fn read_head(&mut self, bytes: &[u8]) {
        if !self.awaiting || bytes.is_empty() {
            return;
        }
        if !self.armed {
            self.arm();
        }
        let mut seam = [0u8; 6];
        seam[..3].copy_from_slice(&self.tail);
        let start = bytes.len().min(3);
        seam[3..3 + start].copy_from_slice(&bytes[..start]);
        if seam[..3 + start].windows(4).any(|w| w == b"\r\n\r\n") || bytes.windows(4).any(|w| w == b"\r\n\r\n") {
            self.awaiting = false;
            self.armed = false;
            return;
        }
        // The last three bytes of the tail and `bytes` together.
        let joined = 3 + bytes.len();
        for i in 0..3 {
            let at = joined - 3 + i;
            self.tail[i] = if at < 3 { self.tail[at] } else { bytes[at - 3] };
        }
    }
}

impl<Io: AsyncWrite + Unpin> Guarded<Io> {
    /// Writes what remains of a problem response in place of hyper's bare one.
    fn poll_answer(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while let Some((bytes, written)) = &mut self.answer {
            let n = ready!(Pin::new(&mut self.io).poll_write(cx, &bytes[*written..]))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            *written += n;
            if *written == bytes.len() {
                self.answer = None;
            }
        }
        Poll::Ready(Ok(()))
    }
}

impl<Io: AsyncRead + AsyncWrite + Unpin> AsyncRead for Guarded<Io> {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.armed
            && let Some(deadline) = &mut this.deadline
            && deadline.as_mut().poll(cx).is_ready()
        {
            // Too late: the part of a head that came is answered; then the end of input closes the
            // connection.
            this.awaiting = false;
            this.armed = false;
            let detail = "the request's headers did not arrive in time; the connection is closed";
            this.answer =
                Some((problem_response(&Problem::new("request-header-timeout", detail), &this.public_url), 0));
            return Poll::Ready(Ok(()));
        }
        let before = buf.filled().len();
        ready!(Pin::new(&mut this.io).poll_read(cx, buf))?;
        this.read_head(&buf.filled()[before..]);
        Poll::Ready(Ok(()))
    }
}

impl<Io: AsyncWrite + Unpin> AsyncWrite for Guarded<Io> {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        ready!(this.poll_answer(cx))?;
        if let Some((status, head)) = bare_refusal(buf) {
            // Taken as written; the problem goes out on the flush or shutdown that follows.
            this.answer = Some((problem_response(&refusal_problem(status), &this.public_url), 0));
            return Poll::Ready(Ok(head));
        }
        if starts_final_response(buf) {
            this.await_head();
        }
        Pin::new(&mut this.io).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let first = bufs.iter().find(|b| !b.is_empty()).map_or(&[][..], |b| &b[..]);
        if bare_refusal(first).is_some() || self.answer.is_some() {
            return self.poll_write(cx, first);
        }
        let this = self.get_mut();
        if starts_final_response(first) {
            this.await_head();
        }
        Pin::new(&mut this.io).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_answer(cx))?;
        Pin::new(&mut this.io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_answer(cx))?;
        Pin::new(&mut this.io).poll_shutdown(cx)
    }
}

/// A response's status line, other than an informational `1xx` one (a `100 Continue` comes before
/// the request's body, not after the request).
fn starts_final_response(buf: &[u8]) -> bool {
    buf.starts_with(b"HTTP/1.1 ") && buf.get(9).is_some_and(|&digit| digit != b'1')
}

/// hyper's bare answer to a request it could not parse: its status and the head's length.
fn bare_refusal(buf: &[u8]) -> Option<(u16, usize)> {
    let status = match buf.get(..13)? {
        b"HTTP/1.1 400 " => 400,
        b"HTTP/1.1 414 " => 414,
        b"HTTP/1.1 431 " => 431,
        _ => return None,
    };
    let end = buf.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    let head = std::str::from_utf8(&buf[..end]).ok()?.to_ascii_lowercase();
    let bare = head.contains("\r\nconnection: close\r\n")
        && head.contains("\r\ncontent-length: 0\r\n")
        && !head.contains("\r\ncontent-type:");
    (bare && end == buf.len()).then_some((status, end))
}

fn refusal_problem(status: u16) -> Problem {
    match status {
        414 => Problem::new("uri-too-long", "the request's URI is longer than the server reads"),
        431 => Problem::new(
            "headers-too-large",
            "the request's headers are larger, or more, than the server reads; send fewer or smaller ones",
        ),
        _ => Problem::new("malformed-request", "the request is not valid HTTP/1.1 (its request line or a header)"),
    }
}

/// A whole HTTP/1.1 response carrying `problem`, its `type` under `public_url`, closing the connection.
fn problem_response(problem: &Problem, public_url: &str) -> Vec<u8> {
    let mut problem = problem.clone();
    problem.kind = format!("{public_url}/problems/{}", problem.code);
    let body = serde_json::to_vec(&problem).expect("a problem serialises");
    let status = problem.status();
    let mut response = format!(
        "HTTP/1.1 {} {}\r\ncontent-type: {}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        status.as_u16(),
        status.canonical_reason().unwrap_or_default(),
        crate::problem::PROBLEM_JSON,
        body.len()
    )
    .into_bytes();
    response.extend_from_slice(&body);
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt, duplex};

    const HYPER_431: &[u8] = b"HTTP/1.1 431 Request Header Fields Too Large\r\nconnection: close\r\ncontent-length: 0\r\ndate: Mon, 07 Dec 2026 12:38:09 GMT\r\n\r\n";

    fn body(response: &[u8]) -> serde_json::Value {
        let at = response.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
        serde_json::from_slice(&response[at..]).unwrap()
    }

    #[tokio::test]
    async fn hypers_bare_refusals_go_out_as_problems_with_their_status() {
        for (bare, status, code) in [
            (HYPER_431.to_vec(), 431, "headers-too-large"),
            (
                b"HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\ndate: x\r\n\r\n".to_vec(),
                400,
                "malformed-request",
            ),
            (
                b"HTTP/1.1 414 URI Too Long\r\nconnection: close\r\ncontent-length: 0\r\ndate: x\r\n\r\n".to_vec(),
                414,
                "uri-too-long",
            ),
        ] {
            let (server, mut client) = duplex(64);
            let mut guarded = Guarded::new(server, Duration::from_secs(30));
            let writing = tokio::spawn(async move {
                guarded.write_all(&bare).await.unwrap();
                guarded.shutdown().await.unwrap();
            });
            let mut response = Vec::new();
            client.read_to_end(&mut response).await.unwrap();
            writing.await.unwrap();
            let text = String::from_utf8_lossy(&response);
            assert!(text.starts_with(&format!("HTTP/1.1 {status} ")), "{text}");
            assert!(text.contains("content-type: application/problem+json\r\n"), "{text}");
            let problem = body(&response);
            assert_eq!(problem["code"], code);
            assert_eq!(problem["status"], status);
        }
    }

    #[tokio::test]
    async fn a_handlers_own_response_passes_unchanged() {
        let answer =
            b"HTTP/1.1 400 Bad Request\r\ncontent-type: application/problem+json\r\ncontent-length: 2\r\n\r\n{}";
        let (server, mut client) = duplex(1024);
        let mut guarded = Guarded::new(server, Duration::from_secs(30));
        guarded.write_all(answer).await.unwrap();
        guarded.shutdown().await.unwrap();
        let mut response = Vec::new();
        client.read_to_end(&mut response).await.unwrap();
        assert_eq!(response, answer);
    }

    /// The head's time limit in these tests: real time on tokio's clock (its paused clock needs a
    /// feature the build does not otherwise use), so short.
    const LIMIT: Duration = Duration::from_millis(100);

    #[tokio::test]
    async fn a_head_that_does_not_arrive_in_time_is_answered_408() {
        let (server, mut client) = duplex(1024);
        let mut guarded = Guarded::new(server, LIMIT);
        client.write_all(b"GET /api/v1/cases HTTP/1.1\r\nHost: x\r\nX-Slow: ").await.unwrap();
        let mut read = vec![0; 1024];
        let n = guarded.read(&mut read).await.unwrap();
        assert!(n > 0);
        // The rest never comes: the next read ends the input once the time is up.
        assert_eq!(guarded.read(&mut read).await.unwrap(), 0);
        guarded.shutdown().await.unwrap();
        let mut response = Vec::new();
        client.read_to_end(&mut response).await.unwrap();
        assert!(response.starts_with(b"HTTP/1.1 408 Request Timeout\r\n"), "{}", String::from_utf8_lossy(&response));
        assert_eq!(body(&response)["code"], "request-header-timeout");
    }

    #[tokio::test]
    async fn a_complete_head_and_an_idle_connection_get_no_408() {
        let (server, mut client) = duplex(1024);
        let mut guarded = Guarded::new(server, LIMIT);
        // Idle before its first request: left open.
        let mut read = vec![0; 1024];
        assert!(tokio::time::timeout(LIMIT * 3, guarded.read(&mut read)).await.is_err(), "still open, no answer");
        // A head split across reads, its end too.
        client.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r").await.unwrap();
        assert_eq!(guarded.read(&mut read).await.unwrap(), 26);
        client.write_all(b"\n").await.unwrap();
        assert_eq!(guarded.read(&mut read).await.unwrap(), 1);
        assert!(!guarded.awaiting, "the head is complete");
        // A slow body is the handler's to time, not the head's.
        let body = tokio::spawn(async move {
            tokio::time::sleep(LIMIT * 3).await;
            client.write_all(b"late body").await.unwrap();
            client
        });
        let n = guarded.read(&mut read).await.unwrap();
        assert_eq!(&read[..n], b"late body");
        let mut client = body.await.unwrap();
        // After the response the connection may idle; the next head has its own time once it starts.
        guarded.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n").await.unwrap();
        assert!(tokio::time::timeout(LIMIT * 3, guarded.read(&mut read)).await.is_err(), "idle, still open");
        client.write_all(b"GET /again HTTP/1.1\r\n").await.unwrap();
        assert!(guarded.read(&mut read).await.unwrap() > 0);
        assert_eq!(guarded.read(&mut read).await.unwrap(), 0, "the second head did not come in time");
        guarded.shutdown().await.unwrap();
        let mut response = Vec::new();
        client.read_to_end(&mut response).await.unwrap();
        let text = String::from_utf8_lossy(&response);
        assert!(text.starts_with("HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\nHTTP/1.1 408 "), "{text}");
    }
}
