//! Accepting and serving connections, each bounded in time and all together in number.
//!
//! `axum::serve` sets no timer: a client that sends its headers a byte at a time, or opens a
//! connection and sends nothing, holds it forever, and nothing caps how many it holds. Here:
//!
//! * HTTP/1 headers must arrive within [`Limits::header_read`] (hyper's timer).
//! * A connection with no request in flight for that long is asked to close (the HTTP/1
//!   keep-alive, an HTTP/2 connection through GOAWAY, and one that has not even shown which
//!   protocol it speaks), and dropped if it is still idle that long again. Request bodies
//!   and answers are bounded by `deadline`, event streams by their own lifetime.
//! * At most [`Limits::max_connections`] are served at once. One over the cap waits up to
//!   [`Limits::queue_wait`] for a free place, then is closed unanswered; as many again may
//!   wait, any more are closed at once.
//! * When `shutdown` is cancelled no new connection is accepted, open ones finish their
//!   answers (event streams end on the same signal), and after [`Limits::drain`] whatever is
//!   left is dropped: [`serve`] returns either way.
//!
//! Every request carries `ConnectInfo<SocketAddr>`, the peer, for `client_addr`.

use std::convert::Infallible;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use hyper::body::{Frame, Incoming, SizeHint};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use tower::ServiceExt;

/// How long an HTTP/2 connection may go without answering a ping before it is dropped.
const PING_INTERVAL: Duration = Duration::from_secs(20);
const PING_TIMEOUT: Duration = Duration::from_secs(20);
/// After an accept error such as running out of file descriptors: a pause, not a busy loop.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(500);

#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Time to send a request's headers, and the longest a connection may sit with no
    /// request in flight.
    pub header_read: Duration,
    /// Connections served at once (`MAX_CONNECTIONS`).
    pub max_connections: usize,
    /// How long a connection over the cap waits for a place before it is closed.
    pub queue_wait: Duration,
    /// After shutdown begins, how long open connections get to finish.
    pub drain: Duration,
}

impl Limits {
    /// The production limits, with `max_connections` places.
    pub fn with_max_connections(max_connections: usize) -> Self {
        Self {
            header_read: Duration::from_secs(10),
            max_connections: max_connections.max(1),
            queue_wait: Duration::from_secs(1),
            // With a second each for the database and blocking work, the process is gone
            // within 10 s of SIGTERM (main.rs).
            drain: Duration::from_secs(8),
        }
    }
}

/// Serves `router` on `listener` until `shutdown` is cancelled and the drain is over.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    shutdown: CancellationToken,
) -> io::Result<()> {
    let builder = Arc::new(builder(&limits));
    let places = Arc::new(Semaphore::new(limits.max_connections));
    let queue = Arc::new(Semaphore::new(limits.max_connections));
    let mut connections = JoinSet::new();
    let mut full = false;
    loop {
        let (stream, peer) = tokio::select! {
            _ = shutdown.cancelled() => break,
            // Finished connections are collected as they go, so the set stays small.
            Some(_) = connections.join_next(), if !connections.is_empty() => continue,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    accept_failed(&error, &shutdown).await;
                    continue;
                }
            },
        };
        // Warned once each time the cap is reached, not per connection: a flood would fill
        // the log.
        let now_full = places.available_permits() == 0;
        if now_full && !full {
            tracing::warn!(
                max = limits.max_connections,
                "connection cap reached: new connections wait, then are closed"
            );
        }
        full = now_full;
        let Ok(queued) = queue.clone().try_acquire_owned() else {
            tracing::debug!(%peer, "connection closed: the queue for places is full");
            continue;
        };
        let connection = Connection {
            stream,
            peer,
            router: router.clone(),
            builder: builder.clone(),
            idle: limits.header_read,
            shutdown: shutdown.clone(),
        };
        let places = places.clone();
        let wait = limits.queue_wait;
        let stop = shutdown.clone();
        connections.spawn(async move {
            let place = tokio::select! {
                place = tokio::time::timeout(wait, places.acquire_owned()) => place,
                _ = stop.cancelled() => return,
            };
            drop(queued);
            match place {
                Ok(Ok(place)) => connection.run(place).await,
                _ => tracing::debug!(%peer, "connection closed: no place free in time"),
            }
        });
    }
    drop(listener);
    let open = connections.len();
    tracing::info!(open, "no longer accepting connections; draining");
    let drained = tokio::time::timeout(limits.drain, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        tracing::warn!(
            open = connections.len(),
            limit_secs = limits.drain.as_secs(),
            "connections still open after the drain limit: dropped"
        );
        connections.shutdown().await;
    }
    Ok(())
}

fn builder(limits: &Limits) -> Builder<TokioExecutor> {
    let mut builder = Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read);
    builder
        .http2()
        .timer(TokioTimer::new())
        .keep_alive_interval(PING_INTERVAL)
        .keep_alive_timeout(PING_TIMEOUT);
    builder
}

/// Logs an accept error; one that is not about a single connection (no file descriptors
/// left, say) pauses accepting briefly.
async fn accept_failed(error: &io::Error, shutdown: &CancellationToken) {
    use io::ErrorKind::*;
    if matches!(
        error.kind(),
        ConnectionAborted | ConnectionRefused | ConnectionReset | Interrupted | WouldBlock
    ) {
        return;
    }
    tracing::error!(%error, "accepting a connection failed");
    tokio::select! {
        _ = tokio::time::sleep(ACCEPT_BACKOFF) => {}
        _ = shutdown.cancelled() => {}
    }
}

struct Connection {
    stream: TcpStream,
    peer: SocketAddr,
    router: Router,
    builder: Arc<Builder<TokioExecutor>>,
    idle: Duration,
    shutdown: CancellationToken,
}

impl Connection {
    /// Serves the connection while it holds `_place`.
    async fn run(self, _place: OwnedSemaphorePermit) {
        let Self {
            stream,
            peer,
            router,
            builder,
            idle,
            shutdown,
        } = self;
        // Event streams and small answers go out at once.
        stream.set_nodelay(true).ok();
        let (in_flight, mut activity) = watch::channel(0usize);
        let in_flight = Arc::new(in_flight);
        let service = hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
            let mut request = request.map(Body::new);
            request.extensions_mut().insert(ConnectInfo(peer));
            let busy = Busy::start(&in_flight);
            let answer = router.clone().oneshot(request);
            async move {
                let response = answer.await?;
                // The request counts as in flight until its answer's body is done.
                Ok::<_, Infallible>(response.map(|body| Body::new(Tracked { body, _busy: busy })))
            }
        });
        let connection = builder.serve_connection(TokioIo::new(stream), service);
        tokio::pin!(connection);
        let mut closing = false;
        loop {
            tokio::select! {
                served = connection.as_mut() => {
                    if let Err(error) = served {
                        tracing::debug!(%peer, %error, "connection ended with an error");
                    }
                    return;
                }
                _ = shutdown.cancelled(), if !closing => {
                    closing = true;
                    connection.as_mut().graceful_shutdown();
                }
                _ = idle_for(&mut activity, idle) => {
                    if closing {
                        tracing::debug!(%peer, "connection dropped: still idle after asked to close");
                        return;
                    }
                    closing = true;
                    connection.as_mut().graceful_shutdown();
                }
            }
        }
    }
}

/// Resolves once no request has been in flight for `limit`.
async fn idle_for(activity: &mut watch::Receiver<usize>, limit: Duration) {
    loop {
        if activity.wait_for(|n| *n == 0).await.is_err() {
            return;
        }
        match tokio::time::timeout(limit, activity.changed()).await {
            Ok(Ok(())) => continue,
            Ok(Err(_)) | Err(_) => return,
        }
    }
}

/// One request in flight, until dropped.
struct Busy(Arc<watch::Sender<usize>>);

impl Busy {
    fn start(in_flight: &Arc<watch::Sender<usize>>) -> Self {
        in_flight.send_modify(|n| *n += 1);
        Self(in_flight.clone())
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.send_modify(|n| *n -= 1);
    }
}

/// An answer's body that keeps its request counted as in flight.
struct Tracked {
    body: Body,
    _busy: Busy,
}

impl hyper::body::Body for Tracked {
    type Data = axum::body::Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}
