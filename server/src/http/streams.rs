//! Open live-progress streams (the routes ending in `/events`): a few per applicant at once,
//! and every one ends when the server begins to shut down.
//!
//! A stream holds a connection and polls the database every second for up to 15 minutes, so
//! one applicant opening tabs (or a script reusing their cookie) could hold many. Beyond
//! [`PER_USER`] the next is refused; the page then polls `/status` instead. On shutdown the
//! streams finish at once, so draining does not wait for their lifetime; `EventSource`
//! reconnects by itself, to whichever instance is up.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use app::services::login::UserId;
use tokio_util::sync::CancellationToken;

/// Streams one applicant may have open at once.
pub const PER_USER: usize = 4;

/// The open streams, per applicant; cheap to clone.
#[derive(Clone)]
pub struct ProgressStreams {
    inner: Arc<Inner>,
}

struct Inner {
    open: Mutex<HashMap<UserId, usize>>,
    shutdown: CancellationToken,
}

impl ProgressStreams {
    /// Streams that end when `shutdown` is cancelled.
    pub fn new(shutdown: CancellationToken) -> Self {
        Self {
            inner: Arc::new(Inner {
                open: Mutex::new(HashMap::new()),
                shutdown,
            }),
        }
    }

    /// A place for one more of `user`'s streams, or `None` when [`PER_USER`] are open.
    pub fn open(&self, user: UserId) -> Option<StreamPlace> {
        let mut open = self.inner.lock();
        let count = open.entry(user).or_default();
        if *count >= PER_USER {
            return None;
        }
        *count += 1;
        Some(StreamPlace {
            streams: self.inner.clone(),
            user,
        })
    }
}

impl Inner {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<UserId, usize>> {
        // A count is never left half-updated, so a poisoned lock is still sound.
        self.open.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// One open stream; its place is given back when dropped (the stream ended or the client
/// went away).
pub struct StreamPlace {
    streams: Arc<Inner>,
    user: UserId,
}

impl StreamPlace {
    /// Resolves when the server begins to shut down.
    pub async fn stopping(&self) {
        self.streams.shutdown.cancelled().await;
    }

    pub fn is_stopping(&self) -> bool {
        self.streams.shutdown.is_cancelled()
    }
}

impl Drop for StreamPlace {
    fn drop(&mut self) {
        let mut open = self.streams.lock();
        if let Some(count) = open.get_mut(&self.user) {
            *count -= 1;
            if *count == 0 {
                open.remove(&self.user);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places_are_counted_per_user_and_given_back() {
        let streams = ProgressStreams::new(CancellationToken::new());
        let mut mine: Vec<_> = (0..PER_USER)
            .map(|_| streams.open(UserId(1)).expect("a place"))
            .collect();
        assert!(streams.open(UserId(1)).is_none());
        let theirs = streams.open(UserId(2));
        assert!(theirs.is_some());
        mine.pop();
        assert!(streams.open(UserId(1)).is_some());
        drop(mine);
        drop(theirs);
        assert!(streams.inner.lock().is_empty());
    }

    #[tokio::test]
    async fn every_place_hears_the_shutdown() {
        let shutdown = CancellationToken::new();
        let streams = ProgressStreams::new(shutdown.clone());
        let place = streams.open(UserId(1)).unwrap();
        assert!(!place.is_stopping());
        shutdown.cancel();
        tokio::time::timeout(std::time::Duration::from_secs(1), place.stopping())
            .await
            .expect("the stream is told at once");
        assert!(place.is_stopping());
    }
}
