//! A TCP proxy in front of moto that plays a failing network: it forwards connections both ways,
//! counts the bytes sent towards the server, and once they reach a limit cuts the connection carrying
//! them mid-request, and every other connection open at that moment. What happens to connections
//! opened after the cut is the [`AfterCut`] given. With no limit it only counts.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// What the proxy does with connections opened after the cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterCut {
    /// Closes them at once, but for those whose request is a `DELETE` (an aborted upload), which it
    /// forwards: the server stays unreachable for uploads.
    OnlyDeletes,
    /// Forwards them: the failure was a single dropped connection.
    Everything,
}

/// A running proxy, stopped (with all its connections) when dropped.
pub struct Proxy {
    addr: SocketAddr,
    state: Arc<State>,
    task: JoinHandle<()>,
}

struct State {
    upstream: SocketAddr,
    limit: u64,
    after_cut: AfterCut,
    /// Bytes forwarded towards the server by connections opened before the cut.
    forwarded: AtomicU64,
    cut: watch::Sender<bool>,
}

impl Proxy {
    /// A proxy to `upstream` that cuts once `limit` bytes have gone towards it (`None`: never).
    pub async fn start(upstream: SocketAddr, limit: Option<u64>, after_cut: AfterCut) -> Proxy {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await.expect("bind the proxy");
        let addr = listener.local_addr().expect("the proxy's address");
        let state = Arc::new(State {
            upstream,
            limit: limit.unwrap_or(u64::MAX),
            after_cut,
            forwarded: AtomicU64::new(0),
            cut: watch::Sender::new(false),
        });
        let task = tokio::spawn(accept(listener, Arc::clone(&state)));
        Proxy { addr, state, task }
    }

    /// The URL to give the store.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Bytes forwarded towards the server so far (before the cut, if there was one).
    pub fn forwarded(&self) -> u64 {
        self.state.forwarded.load(Ordering::SeqCst)
    }

    /// Whether the limit was reached.
    pub fn was_cut(&self) -> bool {
        *self.state.cut.borrow()
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Accepts connections, relaying each in a task that ends with this one.
async fn accept(listener: TcpListener, state: Arc<State>) {
    let mut connections = tokio::task::JoinSet::new();
    while let Ok((client, _)) = listener.accept().await {
        connections.spawn(relay(client, Arc::clone(&state)));
        while connections.try_join_next().is_some() {}
    }
}

/// Relays one connection until either side closes it, or the cut.
async fn relay(mut client: TcpStream, state: Arc<State>) {
    let mut cut = state.cut.subscribe();
    let opened_after_cut = *cut.borrow_and_update();
    let mut first = [0u8; 7];
    let mut sent_first = &first[..0];
    if opened_after_cut && state.after_cut == AfterCut::OnlyDeletes {
        if client.read_exact(&mut first).await.is_err() || &first != b"DELETE " {
            return;
        }
        sent_first = &first[..];
    }
    let Ok(mut upstream) = TcpStream::connect(state.upstream).await else { return };
    if upstream.write_all(sent_first).await.is_err() {
        return;
    }
    let (mut client_read, mut client_write) = client.into_split();
    let (mut upstream_read, mut upstream_write) = upstream.into_split();
    let towards_server = async {
        let mut buffer = vec![0; 64 * 1024];
        loop {
            let read = client_read.read(&mut buffer).await.unwrap_or(0);
            if read == 0 {
                return;
            }
            let allowed = if opened_after_cut { read } else { state.allow(read) };
            if upstream_write.write_all(&buffer[..allowed]).await.is_err() || allowed < read {
                return;
            }
        }
    };
    let towards_client = tokio::io::copy(&mut upstream_read, &mut client_write);
    let cut_now = async {
        if opened_after_cut {
            std::future::pending::<()>().await;
        }
        let _ = cut.wait_for(|cut| *cut).await;
    };
    // Whichever ends first ends the connection: both sockets are dropped, mid-request if need be.
    tokio::select! {
        () = towards_server => {}
        _ = towards_client => {}
        () = cut_now => {}
    }
}

impl State {
    /// Counts `read` bytes towards the limit and returns how many of them may pass; reaching the limit
    /// cuts.
    fn allow(&self, read: usize) -> usize {
        let before = self.forwarded.fetch_add(read as u64, Ordering::SeqCst);
        let room = self.limit.saturating_sub(before);
        if room <= read as u64 {
            self.cut.send_replace(true);
            return room as usize;
        }
        read
    }
}
