//! Login sessions, stored in the database so several server processes share them, under one
//! of three cookies:
//!
//! * `cp_console` for the review console, sent only to `/console…` (Path=/console,
//!   SameSite=Strict, HttpOnly, Secure under https): requests there never read an applicant's
//!   session, and the applicant's pages never see a reviewer's;
//! * `cp_session` on the site: HttpOnly, SameSite=Lax, Secure under https;
//! * `cp_embed_session` in a trading platform's iframe (`/embed/…`): SameSite=None (a Lax
//!   cookie is neither sent nor stored in a cross-site frame), always Secure (browsers require
//!   it with None; they accept it on http://localhost and 127.0.0.1), and Partitioned (CHIPS):
//!   the browser keeps it per embedding portal, so it never tracks anyone across sites.
//!
//! SameSite=None sends the cookie with cross-site requests, so every state-changing request
//! is checked for a same-origin `Sec-Fetch-Site`/`Origin` (`security::refuse_cross_site`).
//! A page load belongs to the embed when its address is an `/embed/…` page; any other request
//! when it comes from one (the `Referer`, which same-origin requests carry in full under our
//! Referrer-Policy), or, with no referer, when it carries only the embed cookie.
//!
//! How long a login lasts is `lifetime`'s; [`crate::store::sessions`] keeps the sessions, and never brings
//! back one that has been logged out.

mod lifetime;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::http::{HeaderValue, Request, Response, header};
use tower::{Layer, Service};
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

pub use self::lifetime::{APPLICANT_HOURS, CONSOLE_HOURS};
use self::lifetime::{Lifetime, Limits};
use crate::clock::Clock;
use crate::config::Config;
pub use crate::store::sessions::SessionStore;

pub const SESSION_COOKIE: &str = "cp_session";
pub const EMBED_SESSION_COOKIE: &str = "cp_embed_session";
pub const CONSOLE_SESSION_COOKIE: &str = "cp_console";

/// The session layers; each request goes through one.
#[derive(Clone)]
pub struct Sessions {
    site: SessionManagerLayer<SessionStore>,
    embed: SessionManagerLayer<SessionStore>,
    console: SessionManagerLayer<SessionStore>,
    applicant_limits: Limits,
    console_limits: Limits,
    clock: Arc<dyn Clock>,
}

/// Sessions end after `SESSION_IDLE_MINUTES` without use, or [`APPLICANT_HOURS`] /
/// [`CONSOLE_HOURS`] after signing in, on `clock`. A session is saved (and its cookie and
/// stored expiry renewed) only when a request changed it, which background requests do not.
pub fn session_layer(config: &Config, store: SessionStore, clock: Arc<dyn Clock>) -> Sessions {
    let base = |name: &'static str| {
        SessionManagerLayer::new(store.clone())
            .with_name(name)
            .with_http_only(true)
            .with_expiry(Expiry::OnInactivity(time::Duration::minutes(i64::from(
                config.session_idle_minutes,
            ))))
    };
    Sessions {
        applicant_limits: Limits::new(config.session_idle_minutes, APPLICANT_HOURS),
        console_limits: Limits::new(config.session_idle_minutes, CONSOLE_HOURS),
        clock,
        site: base(SESSION_COOKIE)
            .with_same_site(SameSite::Lax)
            .with_secure(config.is_https()),
        embed: base(EMBED_SESSION_COOKIE)
            .with_same_site(SameSite::None)
            .with_secure(true),
        console: base(CONSOLE_SESSION_COOKIE)
            .with_path("/console")
            .with_same_site(SameSite::Strict)
            .with_secure(config.is_https()),
    }
}

/// Whether the request is the review console's (`/console` and below).
fn is_console<B>(request: &Request<B>) -> bool {
    let path = request.uri().path();
    path == "/console" || path.starts_with("/console/")
}

impl<S: Clone> Layer<S> for Sessions {
    type Service =
        SessionsService<<SessionManagerLayer<SessionStore> as Layer<Lifetime<S>>>::Service>;

    fn layer(&self, inner: S) -> Self::Service {
        let limited = |inner: S, limits: Limits| Lifetime::new(inner, limits, self.clock.clone());
        SessionsService {
            site: self
                .site
                .layer(limited(inner.clone(), self.applicant_limits)),
            embed: self
                .embed
                .layer(limited(inner.clone(), self.applicant_limits)),
            console: self.console.layer(limited(inner, self.console_limits)),
        }
    }
}

#[derive(Clone)]
pub struct SessionsService<T> {
    site: T,
    embed: T,
    console: T,
}

type BoxFuture<T, E> = Pin<Box<dyn Future<Output = Result<T, E>> + Send>>;

impl<T, ReqB, ResB> Service<Request<ReqB>> for SessionsService<T>
where
    T: Service<Request<ReqB>, Response = Response<ResB>>,
    T::Future: Send + 'static,
{
    type Response = Response<ResB>;
    type Error = T::Error;
    type Future = BoxFuture<Response<ResB>, T::Error>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        match self.site.poll_ready(cx) {
            Poll::Ready(Ok(())) => match self.embed.poll_ready(cx) {
                Poll::Ready(Ok(())) => self.console.poll_ready(cx),
                other => other,
            },
            other => other,
        }
    }

    fn call(&mut self, request: Request<ReqB>) -> Self::Future {
        if is_console(&request) {
            return Box::pin(self.console.call(request));
        }
        if !is_embedded(&request) {
            return Box::pin(self.site.call(request));
        }
        let answer = self.embed.call(request);
        Box::pin(async move {
            let mut response = answer.await?;
            partition(&mut response);
            Ok(response)
        })
    }
}

fn is_embedded<B>(request: &Request<B>) -> bool {
    use app::paths::Mount;
    let headers = request.headers();
    let path = request.uri().path();
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    // A page load (the frame's or a window's) is what its address says, whoever linked to
    // it: 在新窗口中继续 comes from the frame but lands top-level. Browsers without Fetch
    // Metadata are told by `Accept`. Plain forms posting to server functions are loads too,
    // but of `/api/…`: those go by the page they came from, like every other request.
    let navigation = text("sec-fetch-mode").map_or_else(
        || text("accept").is_some_and(|a| a.contains("text/html")),
        |mode| mode == "navigate",
    );
    if navigation && !path.starts_with("/api/") {
        return Mount::of_path(path) == Mount::Embed;
    }
    let referer_path = text("referer")
        .and_then(|r| r.split_once("://"))
        .and_then(|(_, rest)| rest.find('/').map(|i| rest[i..].to_owned()));
    if let Some(path) = referer_path {
        return Mount::of_path(&path) == Mount::Embed;
    }
    let has = |name: &str| {
        headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .any(|pair| pair.trim().split_once('=').is_some_and(|(n, _)| n == name))
    };
    has(EMBED_SESSION_COOKIE) && !has(SESSION_COOKIE)
}

/// Marks the embed cookie `Partitioned`: tower-sessions has no setting for it yet.
fn partition<B>(response: &mut Response<B>) {
    let prefix = format!("{EMBED_SESSION_COOKIE}=");
    let cookies: Vec<HeaderValue> = response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .cloned()
        .collect();
    if !cookies
        .iter()
        .any(|c| c.as_bytes().starts_with(prefix.as_bytes()))
    {
        return;
    }
    response.headers_mut().remove(header::SET_COOKIE);
    for cookie in cookies {
        let text = cookie.to_str().unwrap_or_default();
        let value = if text.starts_with(&prefix) && !text.contains("Partitioned") {
            HeaderValue::from_str(&format!("{text}; Partitioned")).unwrap_or(cookie)
        } else {
            cookie
        };
        response.headers_mut().append(header::SET_COOKIE, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(path: &str, headers: &[(&str, &str)]) -> Request<()> {
        let mut builder = Request::builder().uri(path);
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        builder.body(()).unwrap()
    }

    #[test]
    fn embedded_requests_are_told_by_path_referer_or_cookie() {
        let load = ("sec-fetch-mode", "navigate");
        assert!(is_embedded(&request("/embed/soetp/login", &[load])));
        // A window opened from the frame is the site's, though the frame is the referer.
        assert!(!is_embedded(&request(
            "/p/soetp/submitted/SQ1",
            &[
                load,
                ("referer", "http://127.0.0.1:3100/embed/soetp/submitted/SQ1")
            ]
        )));
        // Without Fetch Metadata, an HTML page load.
        assert!(is_embedded(&request(
            "/embed/soetp",
            &[("accept", "text/html,*/*")]
        )));
        // A plain form posting to a server function from the frame.
        assert!(is_embedded(&request(
            "/api/login",
            &[load, ("referer", "http://127.0.0.1:3100/embed/soetp/login")]
        )));
        assert!(is_embedded(&request(
            "/api/send_code",
            &[("referer", "http://127.0.0.1:3100/embed/soetp/login")]
        )));
        assert!(!is_embedded(&request(
            "/api/send_code",
            &[("referer", "http://127.0.0.1:3100/p/soetp/login")]
        )));
        assert!(is_embedded(&request(
            "/api/x",
            &[("cookie", "cp_embed_session=abc")]
        )));
        assert!(!is_embedded(&request(
            "/api/x",
            &[("cookie", "cp_embed_session=abc; cp_session=def")]
        )));
        assert!(!is_embedded(&request("/p/soetp", &[])));
    }

    #[test]
    fn only_the_embed_cookie_is_partitioned() {
        let mut response = Response::builder()
            .header(
                "set-cookie",
                "cp_embed_session=abc; HttpOnly; SameSite=None; Secure",
            )
            .header("set-cookie", "other=1")
            .body(())
            .unwrap();
        partition(&mut response);
        let cookies: Vec<_> = response
            .headers()
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .collect();
        assert_eq!(
            cookies,
            [
                "cp_embed_session=abc; HttpOnly; SameSite=None; Secure; Partitioned",
                "other=1"
            ]
        );
    }
}
