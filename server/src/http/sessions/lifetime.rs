//! How long a login lasts, on the server's [`Clock`] (so tests move it): a session ends after
//! `SESSION_IDLE_MINUTES` without use, and in any case [`APPLICANT_HOURS`] (site and embed)
//! or [`CONSOLE_HOURS`] (review console) after its id was issued; signing in issues a new id,
//! so that is when the count starts.
//!
//! Each session carries a [`Stamp`] of both times. Requests a page makes by itself (the pay
//! page asking whether the order is paid, the identity page following the phone) are not use:
//! an open tab cannot keep a login alive on its own. A session past either limit is deleted
//! before the request sees it, so the request is answered as a visitor's.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use app::api::payment::PaymentStatus;
use axum::http::{Method, Request, Response};
use leptos::server_fn::ServerFn;
use serde::{Deserialize, Serialize};
use tower::Service;
use tower_sessions::Session;

use crate::clock::Clock;

/// The longest an applicant's login lasts, however busy.
pub const APPLICANT_HOURS: i64 = 12;
/// The longest a reviewer's login lasts, however busy.
pub const CONSOLE_HOURS: i64 = 8;

/// The session key of the [`Stamp`].
const STAMP_KEY: &str = "lifetime";

/// When a session's id was issued and when it was last used, in Unix seconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Stamp {
    began: i64,
    used: i64,
}

/// The two limits of one kind of session, in seconds.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub idle: i64,
    pub absolute: i64,
}

impl Limits {
    pub fn new(idle_minutes: u32, absolute_hours: i64) -> Self {
        Self {
            idle: i64::from(idle_minutes) * 60,
            absolute: absolute_hours * 3600,
        }
    }

    /// Why a session stamped `stamp` has ended at `now`, if it has.
    fn ended(self, stamp: Stamp, now: i64) -> Option<&'static str> {
        if now - stamp.began >= self.absolute {
            Some("lifetime")
        } else if now - stamp.used >= self.idle {
            Some("idle")
        } else {
            None
        }
    }
}

/// Whether a request is one a page makes on its own, not the user's doing.
fn is_background(method: &Method, path: &str) -> bool {
    let handoff_follow = path.starts_with("/p/")
        && (path.ends_with("/handoff/status") || path.ends_with("/handoff/events"));
    (method == Method::GET && handoff_follow)
        || (method == Method::POST && path == <PaymentStatus as ServerFn>::PATH)
}

/// Enforces the limits on the [`Session`] a session layer outside it has put on the request.
#[derive(Clone)]
pub struct Lifetime<S> {
    inner: S,
    limits: Limits,
    clock: Arc<dyn Clock>,
}

impl<S> Lifetime<S> {
    pub fn new(inner: S, limits: Limits, clock: Arc<dyn Clock>) -> Self {
        Self {
            inner,
            limits,
            clock,
        }
    }
}

type BoxFuture<T, E> = Pin<Box<dyn Future<Output = Result<T, E>> + Send>>;

impl<S, ReqB, ResB> Service<Request<ReqB>> for Lifetime<S>
where
    S: Service<Request<ReqB>, Response = Response<ResB>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    ReqB: Send + 'static,
    ResB: Send,
{
    type Response = Response<ResB>;
    type Error = S::Error;
    type Future = BoxFuture<Response<ResB>, S::Error>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqB>) -> Self::Future {
        // The service polled ready is the one to call; a clone stays behind for next time.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let Some(session) = request.extensions().get::<Session>().cloned() else {
            return Box::pin(inner.call(request));
        };
        let background = is_background(request.method(), request.uri().path());
        let (limits, now) = (self.limits, self.clock.now().unix_timestamp());
        Box::pin(async move {
            let stamp = check(&session, limits, now).await;
            let id = session.id();
            let response = inner.call(request).await?;
            renew(&session, stamp, id, background, now).await;
            Ok(response)
        })
    }
}

/// The session's stamp, or `None` for a new session, one without a stamp, or one that has
/// just been ended here.
async fn check(session: &Session, limits: Limits, now: i64) -> Option<Stamp> {
    let stamp = match session.get::<Stamp>(STAMP_KEY).await {
        Ok(stamp) => stamp?,
        Err(error) => {
            tracing::warn!(%error, "session stamp unreadable");
            return None;
        }
    };
    let Some(reason) = limits.ended(stamp, now) else {
        return Some(stamp);
    };
    tracing::info!(reason, "session ended");
    if let Err(error) = session.flush().await {
        tracing::error!(%error, "ending a session failed");
    }
    None
}

/// Stamps the session after the request: anew when its id is new (created, or cycled at
/// sign-in), as used unless the request was background.
async fn renew(
    session: &Session,
    stamp: Option<Stamp>,
    id_before: Option<tower_sessions::session::Id>,
    background: bool,
    now: i64,
) {
    if session.is_empty().await {
        return;
    }
    let same_id = id_before.is_some() && session.id() == id_before;
    let stamp = match stamp {
        Some(_) if same_id && background => return,
        Some(stamp) if same_id => Stamp { used: now, ..stamp },
        _ => Stamp {
            began: now,
            used: now,
        },
    };
    if let Err(error) = session.insert(STAMP_KEY, stamp).await {
        tracing::error!(%error, "stamping a session failed");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_ends_idle_or_old() {
        let limits = Limits::new(30, 12);
        let stamp = Stamp {
            began: 0,
            used: 11 * 3600,
        };
        assert_eq!(limits.ended(stamp, 11 * 3600 + 29 * 60), None);
        assert_eq!(limits.ended(stamp, 11 * 3600 + 30 * 60), Some("idle"));
        let busy = Stamp {
            began: 0,
            used: 12 * 3600 - 60,
        };
        assert_eq!(limits.ended(busy, 12 * 3600 - 1), None);
        assert_eq!(limits.ended(busy, 12 * 3600), Some("lifetime"));
    }

    #[test]
    fn only_the_pages_own_polling_is_background() {
        let status = "/p/soetp/applications/SQ1/handoff/status";
        assert!(is_background(&Method::GET, status));
        assert!(is_background(
            &Method::GET,
            "/p/soetp/applications/SQ1/handoff/events"
        ));
        assert!(is_background(
            &Method::POST,
            <PaymentStatus as ServerFn>::PATH
        ));
        assert!(!is_background(&Method::POST, status));
        assert!(!is_background(
            &Method::POST,
            "/p/soetp/applications/SQ1/handoff"
        ));
        assert!(!is_background(&Method::GET, "/p/soetp/me"));
    }
}
