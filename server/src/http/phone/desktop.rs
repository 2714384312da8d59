//! The desktop's side of the handoff: make the QR link, text it, and follow the phone's
//! progress (a status call and an event stream). Only the signed-in owner of the application.

use std::sync::Arc;
use std::time::Duration;

use app::services::handoff::{HandoffError, HandoffService, HandoffStatus};
use app::services::login::UserId;
use app::state::AppState;
use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderName, StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::fresh_json;
use crate::http::answer::HttpError;
use crate::http::applicant::{CurrentUser, owned};
use crate::http::streams::{PER_USER, ProgressStreams, StreamPlace};

/// How often the event stream reads the session.
const POLL: Duration = Duration::from_secs(1);
/// How long one event stream runs before the browser reconnects.
const STREAM_LIFETIME: Duration = Duration::from_secs(15 * 60);
const KEEP_ALIVE: Duration = Duration::from_secs(15);
/// What a refused progress stream is asked to wait.
const STREAMS_RETRY_SECS: u32 = 15;

#[derive(Deserialize)]
pub(super) struct Target {
    project: String,
    number: String,
}

#[derive(Deserialize)]
pub(super) struct CreateQuery {
    #[serde(default)]
    restart: bool,
}

/// Refuses unless `user` owns application `number` in the project.
async fn owner(state: &AppState, user: UserId, target: &Target) -> Result<(), HttpError> {
    let not_found = HandoffError::NotFound.to_string();
    owned(state, user, &target.project, &target.number, &not_found).await?;
    Ok(())
}

pub(super) async fn create(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(target): Path<Target>,
    Query(query): Query<CreateQuery>,
) -> Result<Response, HttpError> {
    owner(&state, user, &target).await?;
    let created = state
        .handoff
        .create(user, &target.number, query.restart)
        .await?;
    Ok(fresh_json(created))
}

pub(super) async fn send_sms(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(target): Path<Target>,
) -> Result<Response, HttpError> {
    owner(&state, user, &target).await?;
    let signature = state
        .catalog
        .project(&target.project)
        .map(|p| p.sms_signature.clone())
        .unwrap_or_default();
    let sent = state
        .handoff
        .send_sms(user, &target.number, &signature)
        .await?;
    Ok(fresh_json(sent))
}

pub(super) async fn status(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(target): Path<Target>,
) -> Result<Response, HttpError> {
    owner(&state, user, &target).await?;
    Ok(fresh_json(
        state.handoff.status(user, &target.number).await?,
    ))
}

/// What the event stream remembers between polls.
struct Watch {
    handoff: Arc<dyn HandoffService>,
    user: UserId,
    number: String,
    /// The `(token_id, version)` last sent.
    sent: Option<(Option<i64>, i64)>,
    first: bool,
    ends: tokio::time::Instant,
    /// Held while the stream runs; it also says when the server is stopping.
    place: StreamPlace,
}

fn progress_event(status: &HandoffStatus, first: bool) -> Event {
    let event = Event::default()
        .event("progress")
        .id(format!(
            "{}.{}",
            status.token_id.unwrap_or_default(),
            status.version
        ))
        .json_data(status)
        .unwrap_or_else(|_| Event::default().comment("unserializable status"));
    if first {
        event.retry(Duration::from_secs(2))
    } else {
        event
    }
}

async fn next_event(mut watch: Watch) -> Option<(Result<Event, std::convert::Infallible>, Watch)> {
    loop {
        if tokio::time::Instant::now() >= watch.ends || watch.place.is_stopping() {
            return None;
        }
        if !watch.first {
            tokio::select! {
                _ = tokio::time::sleep(POLL) => {}
                _ = watch.place.stopping() => return None,
            }
        }
        let first = std::mem::take(&mut watch.first);
        match watch.handoff.status(watch.user, &watch.number).await {
            Ok(status) => {
                let key = (status.token_id, status.version);
                if watch.sent != Some(key) {
                    watch.sent = Some(key);
                    return Some((Ok(progress_event(&status, first)), watch));
                }
            }
            Err(error) => {
                if let HandoffError::Internal(cause) = &error {
                    tracing::error!(%cause, "handoff event stream failed");
                }
                // The browser reconnects and starts over.
                return None;
            }
        }
    }
}

pub(super) async fn events(
    State(state): State<AppState>,
    Extension(streams): Extension<ProgressStreams>,
    CurrentUser(user): CurrentUser,
    Path(target): Path<Target>,
) -> Result<Response, HttpError> {
    owner(&state, user, &target).await?;
    let Some(place) = streams.open(user) else {
        tracing::info!(user = user.0, "progress stream refused: too many open");
        // A tab closing frees a place; the page polls meanwhile.
        return Err(HttpError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_streams",
            format!(
                "这个账号同时打开的认证进度窗口过多（最多 {PER_USER} 个），\
                 请关闭不用的窗口或标签页后再试"
            ),
        )
        .retry_after(STREAMS_RETRY_SECS));
    };
    let watch = Watch {
        handoff: state.handoff.clone(),
        user,
        number: target.number,
        sent: None,
        first: true,
        ends: tokio::time::Instant::now() + STREAM_LIFETIME,
        place,
    };
    let stream = futures_util::stream::unfold(watch, next_event);
    let sse = Sse::new(stream).keep_alive(KeepAlive::new().interval(KEEP_ALIVE).text("keep-alive"));
    Ok((
        [
            // Proxies such as nginx must pass events on at once.
            (HeaderName::from_static("x-accel-buffering"), "no"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        sse,
    )
        .into_response())
}
