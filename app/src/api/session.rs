//! Request helpers for server functions (ssr only): the session, the signed-in user, the
//! client address, and one-shot messages for browsers without JavaScript.

use std::net::{IpAddr, SocketAddr};

use axum::extract::ConnectInfo;
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

pub async fn client_ip() -> Result<IpAddr, ServerFnError> {
    let ConnectInfo(addr) = extract::<ConnectInfo<SocketAddr>>()
        .await
        .map_err(|_| ServerFnError::new("client address unavailable"))?;
    Ok(addr.ip())
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
