//! Request helpers for server functions (ssr only): the session, the signed-in user, the
//! client address, and one-shot messages for browsers without JavaScript.

use std::net::IpAddr;

use leptos::prelude::*;
use leptos_axum::extract;
use serde::{Serialize, de::DeserializeOwned};
use tower_sessions::Session;

use crate::services::login::UserId;
use crate::state::AppState;

/// The session key of the signed-in user; the server's own routes read it too.
pub const USER_KEY: &str = "user_id";

pub fn state() -> AppState {
    expect_context::<AppState>()
}

pub async fn session() -> Result<Session, ServerFnError> {
    extract::<Session>()
        .await
        .map_err(|_| ServerFnError::new("session unavailable"))
}

pub async fn current_user() -> Result<Option<UserId>, ServerFnError> {
    let session = session().await?;
    Ok(session
        .get::<i64>(USER_KEY)
        .await
        .map_err(internal)?
        .map(UserId))
}

/// The signed-in user, or a redirect to the project's login page.
pub async fn require_user(project: &str) -> Result<UserId, ServerFnError> {
    match current_user().await? {
        Some(user) => Ok(user),
        None => {
            leptos_axum::redirect(&format!(
                "{}/login",
                crate::paths::request_mount().project(project)
            ));
            Err(ServerFnError::new("请先登录"))
        }
    }
}

/// Signs `user` in under a fresh session id, so an id planted before login is worthless.
pub async fn sign_in(user: UserId) -> Result<(), ServerFnError> {
    let session = session().await?;
    session.cycle_id().await.map_err(internal)?;
    session.insert(USER_KEY, user.0).await.map_err(internal)
}

pub async fn sign_out() -> Result<(), ServerFnError> {
    session().await?.flush().await.map_err(internal)
}

/// The client's address as the server resolved it for this request: the peer, or behind a
/// trusted reverse proxy the address it forwarded (`server::client_addr`). Every
/// per-address limit counts this, never the raw peer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for ClientIp {
    type Rejection = (http::StatusCode, &'static str);

    async fn from_request_parts(
        parts: &mut http::request::Parts,
        _state: &S,
    ) -> Result<Self, Self::Rejection> {
        parts.extensions.get::<ClientIp>().copied().ok_or((
            http::StatusCode::INTERNAL_SERVER_ERROR,
            "client address unavailable",
        ))
    }
}

/// The address this request's per-address limits count: see [`ClientIp`].
pub async fn client_ip() -> Result<IpAddr, ServerFnError> {
    let ClientIp(ip) = extract::<ClientIp>()
        .await
        .map_err(|_| ServerFnError::new("client address unavailable"))?;
    Ok(ip)
}

/// Whether this request is a plain HTML form post (no JavaScript): such a browser only sees
/// what the next page renders, so outcomes go into the session instead of the reply.
pub fn is_plain_form() -> bool {
    use_context::<http::request::Parts>()
        .and_then(|parts| parts.headers.get(http::header::ACCEPT).cloned())
        .and_then(|value| value.to_str().ok().map(|v| v.contains("text/html")))
        .unwrap_or(false)
}

/// Keeps `value` under `key` until the next [`take`].
pub async fn put<T: Serialize + Send + Sync>(key: &str, value: &T) -> Result<(), ServerFnError> {
    session().await?.insert(key, value).await.map_err(internal)
}

/// Removes and returns what [`put`] stored.
pub async fn take<T: DeserializeOwned>(key: &str) -> Result<Option<T>, ServerFnError> {
    session().await?.remove::<T>(key).await.map_err(internal)
}

pub async fn peek<T: DeserializeOwned>(key: &str) -> Result<Option<T>, ServerFnError> {
    session().await?.get::<T>(key).await.map_err(internal)
}

/// Logs the cause and answers with a generic message: storage details are not for applicants.
pub fn internal(error: impl std::fmt::Display) -> ServerFnError {
    tracing::error!(%error, "server function failed");
    ServerFnError::new("系统繁忙，请稍后重试")
}
