//! Signing in to the console and out again. The sign-in page shows one message for every
//! refusal the account decides, and its own when the client's address has
//! sent too many wrong passwords (both in [`crate::service::reviewers`]).

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tower_sessions::Session;

use super::{ConsoleState, REVIEWER_KEY, current, page, server_error, view};
use crate::http::client_addr::ClientIp;
use crate::service::reviewers::{self as accounts, AccountError, SignIn};

#[derive(Deserialize)]
pub(super) struct LoginForm {
    #[serde(default)]
    login: String,
    #[serde(default)]
    password: String,
}

pub(super) async fn login_page(State(state): State<ConsoleState>, session: Session) -> Response {
    match current(&state, &session).await {
        Ok(Some(_)) => Redirect::to("/console").into_response(),
        Ok(None) => page(StatusCode::OK, view::login_page("", None)),
        Err(response) => response,
    }
}

pub(super) async fn login(
    State(state): State<ConsoleState>,
    // The real client behind a trusted proxy, so each is throttled on its own.
    ClientIp(client): ClientIp,
    session: Session,
    axum::Form(form): axum::Form<LoginForm>,
) -> Response {
    let login = form.login.trim().to_owned();
    if login.is_empty() || form.password.is_empty() {
        return page(
            StatusCode::UNPROCESSABLE_ENTITY,
            view::login_page(&login, Some("请输入登录名和密码")),
        );
    }
    let outcome = state
        .reviewers
        .authenticate(&login, &form.password, client)
        .await;
    match outcome {
        Ok(SignIn::Reviewer(reviewer)) => {
            // A new session id at sign-in, so an id planted before cannot be ridden.
            if let Err(error) = session.cycle_id().await {
                return server_error(error);
            }
            if let Err(error) = session.insert(REVIEWER_KEY, reviewer.id).await {
                return server_error(error);
            }
            tracing::info!(reviewer = reviewer.id, "reviewer signed in");
            Redirect::to("/console").into_response()
        }
        Ok(SignIn::Refused) => page(
            StatusCode::UNAUTHORIZED,
            view::login_page(
                &login,
                Some(&format!(
                    "登录名或密码不正确。连续输错 {} 次，账户将锁定 {} 分钟。",
                    accounts::MAX_FAILED_LOGINS,
                    accounts::LOCK_MINUTES
                )),
            ),
        ),
        Ok(SignIn::Throttled { wait_secs }) => {
            let minutes = (wait_secs + 59) / 60;
            let mut response = page(
                StatusCode::TOO_MANY_REQUESTS,
                view::login_page(
                    &login,
                    Some(&format!(
                        "从您所在网络发出的登录尝试次数过多，请 {minutes} 分钟后再试。"
                    )),
                ),
            );
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(wait_secs));
            response
        }
        Err(error @ AccountError::Busy) => {
            let mut response = page(
                StatusCode::SERVICE_UNAVAILABLE,
                view::login_page(&login, Some(&error.to_string())),
            );
            response.headers_mut().insert(
                header::RETRY_AFTER,
                HeaderValue::from(crate::heavy::RETRY_AFTER_SECS),
            );
            response
        }
        Err(error) => server_error(error),
    }
}

pub(super) async fn logout(State(state): State<ConsoleState>, session: Session) -> Response {
    if let Ok(Some(reviewer)) = current(&state, &session).await {
        let _ = state
            .reviewers
            .audit(reviewer.id, None, "logout", None)
            .await;
    }
    if let Err(error) = session.flush().await {
        return server_error(error);
    }
    Redirect::to("/console/login").into_response()
}
