//! The real server on a loopback port, and a raw HTTP/1 client that can be as slow or as
//! silent as an attacker: for the connection-level limits.

use std::io;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use server::http::serve::Limits;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// A server listening on loopback; cancel `shutdown` to stop it.
pub struct Serving {
    pub addr: SocketAddr,
    pub shutdown: CancellationToken,
    pub task: JoinHandle<io::Result<()>>,
}

/// Serves `server` on a free loopback port under `limits`.
pub async fn serve(server: &server::Server, limits: Limits) -> Serving {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let shutdown = server.shutdown.clone();
    let task = tokio::spawn(server::http::serve::serve(
        listener,
        server.router.clone(),
        limits,
        shutdown.clone(),
    ));
    Serving {
        addr,
        shutdown,
        task,
    }
}

impl Serving {
    pub async fn connect(&self) -> TcpStream {
        within(
            Duration::from_secs(5),
            "connecting",
            TcpStream::connect(self.addr),
        )
        .await
        .unwrap()
    }

    /// Stops the server and waits for `serve` to return, at most `limit`; how long it took.
    pub async fn stop_within(self, limit: Duration) -> Duration {
        let started = Instant::now();
        self.shutdown.cancel();
        within(limit, "serve returning after shutdown", self.task)
            .await
            .unwrap()
            .unwrap();
        started.elapsed()
    }
}

/// `future`, or a panic naming `what` if it takes longer than `limit`.
pub async fn within<F: Future>(limit: Duration, what: &str, future: F) -> F::Output {
    tokio::time::timeout(limit, future)
        .await
        .unwrap_or_else(|_| panic!("{what}: not done within {limit:?}"))
}

/// Reads until the peer closes the connection (or resets it), at most `limit`; what it sent.
pub async fn read_to_close(stream: &mut (impl AsyncRead + Unpin), limit: Duration) -> String {
    let mut received = Vec::new();
    within(limit, "the server closing the connection", async {
        let mut buffer = [0u8; 4096];
        loop {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => break,
                Ok(n) => received.extend_from_slice(&buffer[..n]),
            }
        }
    })
    .await;
    String::from_utf8_lossy(&received).into_owned()
}

/// Reads until `needle` has arrived, at most `limit`; everything read so far.
pub async fn read_until(
    stream: &mut (impl AsyncRead + Unpin),
    needle: &str,
    limit: Duration,
) -> String {
    let mut received = Vec::new();
    within(limit, &format!("receiving {needle:?}"), async {
        let mut buffer = [0u8; 4096];
        while !String::from_utf8_lossy(&received).contains(needle) {
            let n = stream
                .read(&mut buffer)
                .await
                .expect("the connection stays up");
            assert!(
                n > 0,
                "closed before {needle:?}: {}",
                String::from_utf8_lossy(&received)
            );
            received.extend_from_slice(&buffer[..n]);
        }
    })
    .await;
    String::from_utf8_lossy(&received).into_owned()
}

/// Sends `bytes` one at a time, `gap` apart, stopping early if the server hangs up; whether
/// every byte went out.
pub async fn trickle(stream: &mut (impl AsyncWrite + Unpin), bytes: &[u8], gap: Duration) -> bool {
    for byte in bytes {
        if stream.write_all(&[*byte]).await.is_err() {
            return false;
        }
        tokio::time::sleep(gap).await;
    }
    true
}

/// A plain HTTP/1.1 GET of `path` on a new connection; the whole answer, read to the close.
pub async fn get(serving: &Serving, path: &str) -> String {
    let mut stream = serving.connect().await;
    let request = format!("GET {path} HTTP/1.1\r\nHost: portal.test\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    read_to_close(&mut stream, Duration::from_secs(10)).await
}
