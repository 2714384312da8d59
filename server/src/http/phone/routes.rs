//! The handoff's HTTP API: the desktop's QR step and the phone page's calls.
//!
//! Plain axum handlers answering JSON (the types are in [`app::services::handoff`], so the
//! pages deserialize what is sent here). Every state-changing route is behind the same-origin
//! check (`Sec-Fetch-Site` / `Origin`, as for material uploads): cross-site posts get 403
//! `cross_site`. Every answer is `Cache-Control: no-store`.
//!
//! # Desktop (the signed-in owner of the application)
//!
//! Prefix `/p/{project}/applications/{number}/handoff`. Without a session: 401
//! `unauthenticated`; not the owner, unknown project or number: 404 `not_found`.
//!
//! * `POST …/handoff[?restart=true]` → 200 [`CreatedHandoff`]
//!   `{url, path, short_code, expires_at, expires_in_secs, token_id}`. Makes a new session and
//!   link (`url` = `PUBLIC_URL` + `/m/<token>`, 22 base64url characters), retiring the
//!   application's earlier pending one (its phone page then says a newer QR code exists). Call
//!   it again shortly before `expires_at` to refresh the QR code. A session a phone has
//!   claimed and not finished is only retired with `restart=true` (otherwise 409
//!   `in_progress`); an application already verified answers 409 `already_completed`.
//! * `POST …/handoff/sms` → 200 [`SmsSent`] `{to, resend_after_secs}`: texts a link (a second
//!   token for the same session, so the QR code stays valid) to the agent's mobile number.
//!   At most once per 60 s (429 `sms_too_soon`, `retry_after_secs`) and 5 times a day
//!   (429 `sms_daily_limit`) per application; 409 `no_pending_handoff` / `in_progress` /
//!   `already_completed` when there is no link waiting; 503 `sms_failed`.
//! * `GET …/handoff/status` → 200 [`HandoffStatus`]: the latest session
//!   `{token_id, version, stage, token_state, label, failure, expires_at, expires_in_secs,
//!   steps: [{kind, detail, message, problem, at}], mismatches: [{side, field, label, form,
//!   card, message}], for_review, front_retakes_left, back_retakes_left,
//!   liveness_attempts_left, done}`. Before any link: `token_id: null, stage: null`.
//! * `GET …/handoff/events` → `text/event-stream`. The server reads the session from the
//!   database every second (so it works whichever instance the phone talks to) and sends
//!
//!   ```text
//!   retry: 2000
//!   event: progress
//!   id: <token_id>.<version>
//!   data: <the HandoffStatus JSON, as from /status>
//!   ```
//!
//!   at once on connecting and again whenever `token_id` or `version` changes (a claim, an
//!   upload, a liveness attempt, completion, expiry, a newer link). A `: keep-alive` comment
//!   goes out every 15 s. The stream ends after 15 minutes; `EventSource` reconnects by itself
//!   and gets the current snapshot first. `done: true` means the phone finished: move on.
//!   Poll `/status` every few seconds where `EventSource` is unavailable. At most four
//!   streams per applicant at once (429 `too_many_streams`, see `crate::http::streams`); all end
//!   when the server shuts down.
//!
//! **On this computer**: nothing extra. The desktop page opens `path` itself (same origin)
//! and goes through the phone flow below; the claim binds the session to this browser like
//! any phone, and the desktop tab following the events advances the same way.
//!
//! # Phone (no login: the link's token and the device cookie are the credential)
//!
//! * `GET /m/{token}/state` → 200 [`PhoneState`] `{stage, token_state, this_device, next,
//!   message, role, person, expires_at, expires_in_secs, failure, mismatches,
//!   front_retakes_left, back_retakes_left, liveness_attempts_left, steps}`. Never claims, so
//!   link previews and prefetchers consume nothing. `next` is the screen to show: `claim`
//!   (who must do it and a 开始认证 button), `id_front`, `id_back`, `liveness`, `done`,
//!   `other_device` (another device holds the link), `rescan` (expired, replaced, failed, or a
//!   completed link opened elsewhere); `message` is the sentence for it. `person` (the
//!   masked name), `mismatches` and `steps` are withheld from other devices. Expired,
//!   completed and failed sessions answer 200 here so the page can explain them; unknown or
//!   malformed tokens answer 404 `unknown_token`.
//! * `POST /m/{token}/claim` → 200 `PhoneState`, and the device cookie
//!   `cp_handoff_device=<random>; HttpOnly; SameSite=Lax; Path=/m; Max-Age=3600` (`Secure`
//!   under https). Claiming again from the same device (reload, app switch) answers 200
//!   again; from another device 403 `other_device`; expired 410 `expired`; finished 410
//!   `completed`; failed 410 `failed` (with `failure`).
//! * `POST /m/{token}/id/front`, `POST /m/{token}/id/back`: multipart, the photo as field
//!   `file` (JPEG or PNG, at most 2 MB, shorter side at least 300 px) → 200 [`IdPhotoResult`]
//!   `{side, accepted, for_review, mismatches, retakes_left, state}`. A reading that
//!   disagrees with the form is answered `accepted: false` with the `mismatches` (which field,
//!   which value) and `retakes_left`; after three retakes the next photo is accepted with
//!   `for_review: true`. Photo problems: 413 `photo_too_large`, 415 `photo_not_image`, 422
//!   `photo_empty` / `photo_corrupt` / `photo_too_small` (not counted as a retake). The wrong
//!   side for the stage: 409 `wrong_step` (with `stage`).
//! * `POST /m/{token}/liveness/start` → 200 [`LivenessChallenge`] `{challenge, prompts:
//!   [{code, text}], min_frames, max_frames, max_frame_bytes, expires_at}`: 2–3 distinct
//!   prompts in random order (`blink` 眨眼, `open_mouth` 张嘴, `turn_left` 向左转头,
//!   `turn_right` 向右转头, `nod` 点头), valid for 2 minutes, one answer each.
//! * `POST /m/{token}/liveness`: multipart, field `challenge` (text) and the frames as fields
//!   `frame` in capture order (JPEG or PNG, each at most 512 KB and at least 120 px; first one
//!   looking straight at the camera, then at least one per prompt; `min_frames`–8) → 200
//!   [`LivenessResult`] `{passed, face_matched, failure: {code, message}, attempts_left,
//!   state}`. A pass is followed at once by the face comparison with the ID photo and, when
//!   it matches, completion (`state.stage: "completed"`). The third failed attempt ends the
//!   session (`state.stage: "failed"`, `state.failure`). 409 `challenge_stale` (expired,
//!   reused or unknown challenge: start again), 422 `frame_count`, photo problems as above.
//! * `POST /m/code` with JSON `{"code": "123456"}` or a form field `code` → 200
//!   [`CodeRedeemed`] `{url, path}`: a fresh link to the session showing that short code, which
//!   is then used up. Wrong codes: 404 `code_unknown`; ten wrong codes from one address (an
//!   IPv6 /64 counts as one) within 15 minutes: 429 `code_limit` with `retry_after_secs`.
//!
//! Every phone route other than `state` and `claim` needs the device cookie of the claiming
//! device: without a claim 409 `not_claimed`, another device 403 `other_device`; ended
//! sessions answer 410 as for the claim. 503 `verifier_unavailable` when the identity provider
//! fails, 503 `busy` (with `retry_after_secs`) when the server is checking too many photos at
//! once, 409 `conflict` when two requests raced (retry), 500 `server_error`.
//!
//! # Errors
//!
//! `{"error": "<Chinese message to show>", "code": "<stable code>"}`, plus `retry_after_secs`
//! (and a `Retry-After` header) for 429, `stage` for `wrong_step`, and `failure` for `failed`.
//!
//! A plain HTML form (no `application/json` in `Accept`) posting to the claim, an ID side or
//! `/m/code` gets a 303 instead: to `/m/{token}` on success, or with `?error=<code>` appended
//! on failure (to `/m` for codes).

use std::time::Duration;

use app::domain::catalog::Project;
use app::domain::handoff::{
    IdSide, MAX_FRAME_BYTES, MAX_FRAMES, MAX_PHOTO_BYTES, PROMPTS_MIN, PhotoProblem,
};
use app::services::handoff::{DEVICE_COOKIE, HandoffError, HandoffService, HandoffStatus};
use app::services::login::UserId;
use app::state::AppState;
use axum::extract::multipart::{MultipartError, MultipartRejection};
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Json, Response};
use axum::routing::{get, post};
use axum::{Extension, Router};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use tower_sessions::Session;

use crate::http::client_addr::ClientIp;
use crate::http::security::Style;
use crate::http::streams::{PER_USER, ProgressStreams, StreamPlace};

use app::api::session::USER_KEY;

const DESKTOP: &str = "/p/{project}/applications/{number}/handoff";

/// How often the event stream reads the session.
const POLL: Duration = Duration::from_secs(1);
/// How long one event stream runs before the browser reconnects.
const STREAM_LIFETIME: Duration = Duration::from_secs(15 * 60);
const KEEP_ALIVE: Duration = Duration::from_secs(15);
/// Seconds the device cookie lives; longer than any session.
const DEVICE_COOKIE_SECS: u32 = 3600;
/// Multipart framing around the files.
const FRAMING: usize = 64 * 1024;
/// What a refused progress stream is asked to wait.
const STREAMS_RETRY_SECS: u32 = 15;

/// Whether the device cookie is marked `Secure` (when `PUBLIC_URL` is https).
#[derive(Clone, Copy, Debug)]
pub struct CookiePolicy {
    pub secure: bool,
}

pub fn router(state: AppState, cookies: CookiePolicy, streams: ProgressStreams) -> Router {
    let changing = Router::new()
        .route(DESKTOP, post(create))
        .route(&format!("{DESKTOP}/sms"), post(send_sms))
        .route("/m/{token}/claim", post(claim))
        .route(
            "/m/{token}/id/{side}",
            post(id_photo).layer(DefaultBodyLimit::max(MAX_PHOTO_BYTES + FRAMING)),
        )
        .route("/m/{token}/liveness/start", post(start_liveness))
        .route(
            "/m/{token}/liveness",
            post(liveness).layer(DefaultBodyLimit::max(
                MAX_FRAMES * MAX_FRAME_BYTES + FRAMING,
            )),
        )
        .route("/m/code", post(redeem_code))
        .route_layer(middleware::from_fn(same_origin_only));
    Router::new()
        .route(&format!("{DESKTOP}/status"), get(status))
        .route(&format!("{DESKTOP}/events"), get(events))
        .route("/m/{token}/state", get(phone_state))
        .route("/m", get(super::pages::code_page))
        .route("/m/{token}", get(super::pages::token_page))
        .merge(changing)
        .layer(Extension(cookies))
        .layer(Extension(streams))
        .with_state(state)
}

// --- desktop ---

#[derive(Deserialize)]
struct Target {
    project: String,
    number: String,
}

#[derive(Deserialize)]
struct CreateQuery {
    #[serde(default)]
    restart: bool,
}

/// The signed-in user, if the project exists and the user owns application `number` in it.
async fn owner(state: &AppState, session: &Session, target: &Target) -> Result<UserId, Failure> {
    let project: &Project = state
        .catalog
        .project(&target.project)
        .ok_or(Failure::Handoff(HandoffError::NotFound))?;
    let user = session
        .get::<i64>(USER_KEY)
        .await
        .map_err(|e| Failure::Handoff(HandoffError::Internal(e.to_string())))?
        .map(UserId)
        .ok_or(Failure::SignIn)?;
    state
        .applications
        .submitted(user, &target.number)
        .await
        .map_err(|e| Failure::Handoff(HandoffError::Internal(e.to_string())))?
        .filter(|a| a.project_id == project.id)
        .ok_or(Failure::Handoff(HandoffError::NotFound))?;
    Ok(user)
}

async fn create(
    State(state): State<AppState>,
    session: Session,
    Path(target): Path<Target>,
    Query(query): Query<CreateQuery>,
) -> Response {
    let restart = query.restart;
    let outcome = async {
        let user = owner(&state, &session, &target).await?;
        Ok(state.handoff.create(user, &target.number, restart).await?)
    }
    .await;
    json_or_refuse(outcome)
}

async fn send_sms(
    State(state): State<AppState>,
    session: Session,
    Path(target): Path<Target>,
) -> Response {
    let outcome = async {
        let user = owner(&state, &session, &target).await?;
        let signature = state
            .catalog
            .project(&target.project)
            .map(|p| p.sms_signature.clone())
            .unwrap_or_default();
        Ok(state
            .handoff
            .send_sms(user, &target.number, &signature)
            .await?)
    }
    .await;
    json_or_refuse(outcome)
}

async fn status(
    State(state): State<AppState>,
    session: Session,
    Path(target): Path<Target>,
) -> Response {
    let outcome = async {
        let user = owner(&state, &session, &target).await?;
        Ok(state.handoff.status(user, &target.number).await?)
    }
    .await;
    json_or_refuse(outcome)
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

async fn events(
    State(state): State<AppState>,
    Extension(streams): Extension<ProgressStreams>,
    session: Session,
    Path(target): Path<Target>,
) -> Response {
    let user = match owner(&state, &session, &target).await {
        Ok(user) => user,
        Err(failure) => return refuse(Style::Json, None, failure),
    };
    let Some(place) = streams.open(user) else {
        tracing::info!(user = user.0, "progress stream refused: too many open");
        return refuse(Style::Json, None, Failure::TooManyStreams);
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
    (
        [
            // Proxies such as nginx must pass events on at once.
            (HeaderName::from_static("x-accel-buffering"), "no"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        sse,
    )
        .into_response()
}

// --- phone ---

#[derive(Deserialize)]
struct TokenPath {
    token: String,
}

#[derive(Deserialize)]
struct SidePath {
    token: String,
    side: String,
}

/// The device cookie's value, if the request carries one.
pub(super) fn device_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == DEVICE_COOKIE)
        .map(|(_, value)| value.trim().to_owned())
}

fn set_device_cookie(secret: &str, policy: CookiePolicy) -> Option<HeaderValue> {
    let secure = if policy.secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{DEVICE_COOKIE}={secret}; HttpOnly; SameSite=Lax; Path=/m; Max-Age={DEVICE_COOKIE_SECS}{secure}"
    ))
    .ok()
}

/// The phone page, where a plain form goes back to.
fn page(token: &str) -> String {
    // A token is base64url; anything else would not have been accepted.
    let token: String = token
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
        .collect();
    format!("/m/{token}")
}

async fn phone_state(
    State(state): State<AppState>,
    Path(path): Path<TokenPath>,
    headers: HeaderMap,
) -> Response {
    let device = device_cookie(&headers);
    let outcome = state
        .handoff
        .phone_state(&path.token, device.as_deref())
        .await
        .map_err(Failure::Handoff);
    json_or_refuse(outcome)
}

async fn claim(
    State(state): State<AppState>,
    Extension(policy): Extension<CookiePolicy>,
    Path(path): Path<TokenPath>,
    headers: HeaderMap,
) -> Response {
    let style = Style::of(&headers);
    let device = device_cookie(&headers);
    let back = page(&path.token);
    match state.handoff.claim(&path.token, device.as_deref()).await {
        Ok((phone, secret)) => {
            let mut response = match style {
                Style::Json => Json(phone).into_response(),
                Style::Form => see_other(&back),
            };
            if let Some(cookie) = secret.and_then(|s| set_device_cookie(&s, policy)) {
                response.headers_mut().append(header::SET_COOKIE, cookie);
            }
            no_store(response)
        }
        Err(error) => refuse(style, Some(&back), Failure::Handoff(error)),
    }
}

async fn id_photo(
    State(state): State<AppState>,
    Path(path): Path<SidePath>,
    headers: HeaderMap,
    multipart: Result<Multipart, MultipartRejection>,
) -> Response {
    let style = Style::of(&headers);
    let back = page(&path.token);
    let device = device_cookie(&headers);
    let outcome = async {
        let side = IdSide::parse(&path.side).ok_or(Failure::Handoff(HandoffError::NotFound))?;
        let mut files = read_files(multipart, "file", MAX_PHOTO_BYTES, 1).await?;
        let image = files.files.pop().unwrap_or_default();
        Ok(state
            .handoff
            .id_photo(&path.token, device.as_deref(), side, image)
            .await?)
    }
    .await;
    match (style, outcome) {
        (Style::Form, Ok(_)) => see_other(&back),
        (_, outcome) => match outcome {
            Ok(result) => no_store(Json(result).into_response()),
            Err(failure) => refuse(style, Some(&back), failure),
        },
    }
}

async fn start_liveness(
    State(state): State<AppState>,
    Path(path): Path<TokenPath>,
    headers: HeaderMap,
) -> Response {
    let device = device_cookie(&headers);
    let outcome = state
        .handoff
        .start_liveness(&path.token, device.as_deref())
        .await
        .map_err(Failure::Handoff);
    json_or_refuse(outcome)
}

async fn liveness(
    State(state): State<AppState>,
    Path(path): Path<TokenPath>,
    headers: HeaderMap,
    multipart: Result<Multipart, MultipartRejection>,
) -> Response {
    let device = device_cookie(&headers);
    let outcome = async {
        let parts = read_files(multipart, "frame", MAX_FRAME_BYTES, MAX_FRAMES).await?;
        let challenge = parts
            .challenge
            .ok_or(Failure::Handoff(HandoffError::ChallengeStale))?;
        Ok(state
            .handoff
            .liveness(&path.token, device.as_deref(), &challenge, parts.files)
            .await?)
    }
    .await;
    json_or_refuse(outcome)
}

#[derive(Deserialize)]
struct CodeForm {
    code: String,
}

async fn redeem_code(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let style = Style::of(&headers);
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    let form: Option<CodeForm> = if is_json {
        serde_json::from_slice(&body).ok()
    } else {
        serde_urlencoded_code(&body)
    };
    let Some(form) = form else {
        return refuse(style, Some("/m"), Failure::Malformed);
    };
    match state.handoff.redeem_code(&form.code, client).await {
        Ok(redeemed) => match style {
            Style::Json => no_store(Json(redeemed).into_response()),
            Style::Form => see_other(&redeemed.path),
        },
        Err(error) => refuse(style, Some("/m"), Failure::Handoff(error)),
    }
}

/// The `code` field of a form body.
fn serde_urlencoded_code(body: &[u8]) -> Option<CodeForm> {
    form_urlencoded::parse(body)
        .find(|(name, _)| name == "code")
        .map(|(_, value)| CodeForm {
            code: value.into_owned(),
        })
}

/// The files posted as `field` (at most `max_count`, each at most `max_bytes`) and the
/// `challenge` text field, if any.
struct Parts {
    files: Vec<Vec<u8>>,
    challenge: Option<String>,
}

async fn read_files(
    multipart: Result<Multipart, MultipartRejection>,
    field_name: &str,
    max_bytes: usize,
    max_count: usize,
) -> Result<Parts, Failure> {
    let mut multipart = multipart.map_err(|_| Failure::Malformed)?;
    let mut parts = Parts {
        files: Vec::new(),
        challenge: None,
    };
    let too_large = || Failure::Handoff(HandoffError::Photo(PhotoProblem::TooLarge { max_bytes }));
    while let Some(mut field) = multipart
        .next_field()
        .await
        .map_err(body_failure(max_bytes))?
    {
        match field.name() {
            Some("challenge") => {
                let text = field.text().await.map_err(body_failure(max_bytes))?;
                parts.challenge = Some(text.trim().chars().take(64).collect());
            }
            Some(name) if name == field_name => {
                if parts.files.len() == max_count {
                    if max_count == 1 {
                        // One photo expected: the first counts.
                        continue;
                    }
                    return Err(Failure::Handoff(HandoffError::FrameCount {
                        min: (PROMPTS_MIN + 1) as u8,
                        max: max_count as u8,
                        got: max_count + 1,
                    }));
                }
                let mut bytes = Vec::new();
                while let Some(chunk) = field.chunk().await.map_err(body_failure(max_bytes))? {
                    if bytes.len() + chunk.len() > max_bytes {
                        return Err(too_large());
                    }
                    bytes.extend_from_slice(&chunk);
                }
                parts.files.push(bytes);
            }
            _ => {}
        }
    }
    if parts.files.is_empty() && max_count == 1 {
        return Err(Failure::Handoff(HandoffError::Photo(PhotoProblem::Empty)));
    }
    Ok(parts)
}

fn body_failure(max_bytes: usize) -> impl Fn(MultipartError) -> Failure {
    move |error| {
        if error.status() == StatusCode::PAYLOAD_TOO_LARGE {
            Failure::Handoff(HandoffError::Photo(PhotoProblem::TooLarge { max_bytes }))
        } else {
            Failure::Malformed
        }
    }
}

// --- answers ---

enum Failure {
    SignIn,
    CrossSite,
    /// Not the body the route expects.
    Malformed,
    /// The applicant already has [`PER_USER`] progress streams open.
    TooManyStreams,
    Handoff(HandoffError),
}

impl From<HandoffError> for Failure {
    fn from(error: HandoffError) -> Self {
        Failure::Handoff(error)
    }
}

impl Failure {
    fn status(&self) -> StatusCode {
        let Failure::Handoff(error) = self else {
            return match self {
                Failure::SignIn => StatusCode::UNAUTHORIZED,
                Failure::CrossSite => StatusCode::FORBIDDEN,
                Failure::TooManyStreams => StatusCode::TOO_MANY_REQUESTS,
                _ => StatusCode::BAD_REQUEST,
            };
        };
        match error {
            HandoffError::NotFound | HandoffError::UnknownToken | HandoffError::CodeUnknown => {
                StatusCode::NOT_FOUND
            }
            HandoffError::Expired | HandoffError::Completed | HandoffError::Failed(_) => {
                StatusCode::GONE
            }
            HandoffError::OtherDevice => StatusCode::FORBIDDEN,
            HandoffError::NotClaimed
            | HandoffError::WrongStep { .. }
            | HandoffError::InProgress
            | HandoffError::AlreadyCompleted
            | HandoffError::NoPendingHandoff
            | HandoffError::ChallengeStale
            | HandoffError::Conflict => StatusCode::CONFLICT,
            HandoffError::SmsTooSoon { .. }
            | HandoffError::SmsDailyLimit
            | HandoffError::CodeLimit { .. } => StatusCode::TOO_MANY_REQUESTS,
            HandoffError::SmsFailed
            | HandoffError::VerifierUnavailable
            | HandoffError::Busy { .. } => StatusCode::SERVICE_UNAVAILABLE,
            HandoffError::Photo(PhotoProblem::TooLarge { .. }) => StatusCode::PAYLOAD_TOO_LARGE,
            HandoffError::Photo(PhotoProblem::NotImage) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            HandoffError::Photo(_) | HandoffError::FrameCount { .. } => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            HandoffError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            Failure::SignIn => "unauthenticated",
            Failure::CrossSite => "cross_site",
            Failure::Malformed => "bad_request",
            Failure::TooManyStreams => "too_many_streams",
            Failure::Handoff(error) => error.code(),
        }
    }

    fn message(&self) -> String {
        match self {
            Failure::SignIn => "请先登录".into(),
            Failure::CrossSite => "请求不是从本站页面发出的，已拒绝。请回到本站页面重新操作".into(),
            Failure::Malformed => "请求不完整，请重新操作".into(),
            Failure::TooManyStreams => format!(
                "这个账号同时打开的认证进度窗口过多（最多 {PER_USER} 个），\
                 请关闭不用的窗口或标签页后再试"
            ),
            Failure::Handoff(error) => error.to_string(),
        }
    }
}

/// The JSON of a refusal.
#[derive(Serialize)]
struct Refusal {
    error: String,
    code: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    retry_after_secs: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    stage: Option<app::domain::handoff::Stage>,
    #[serde(skip_serializing_if = "Option::is_none")]
    failure: Option<app::services::handoff::FailureView>,
}

fn json_or_refuse<T: Serialize>(outcome: Result<T, Failure>) -> Response {
    match outcome {
        Ok(value) => no_store(Json(value).into_response()),
        Err(failure) => refuse(Style::Json, None, failure),
    }
}

/// A refusal as JSON, or for a plain form a 303 to `back` with `?error=<code>`.
fn refuse(style: Style, back: Option<&str>, failure: Failure) -> Response {
    if let Failure::Handoff(HandoffError::Internal(cause)) = &failure {
        tracing::error!(error = %cause, "handoff request failed");
    }
    if let (Style::Form, Some(back)) = (style, back) {
        return see_other(&format!("{back}?error={}", failure.code()));
    }
    let status = failure.status();
    let (retry_after_secs, stage, fail) = match &failure {
        Failure::Handoff(error) => (
            error.retry_after_secs(),
            match error {
                HandoffError::WrongStep { stage } => Some(*stage),
                _ => None,
            },
            match error {
                HandoffError::Failed(reason) => Some((*reason).into()),
                _ => None,
            },
        ),
        // A tab closing frees a place; the page polls meanwhile.
        Failure::TooManyStreams => (Some(STREAMS_RETRY_SECS), None, None),
        _ => (None, None, None),
    };
    let body = Refusal {
        error: failure.message(),
        code: failure.code(),
        retry_after_secs,
        stage,
        failure: fail,
    };
    let mut response = (status, Json(body)).into_response();
    if let Some(secs) = retry_after_secs
        && let Ok(value) = HeaderValue::from_str(&secs.to_string())
    {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    no_store(response)
}

fn no_store(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn see_other(location: &str) -> Response {
    match HeaderValue::from_str(location) {
        Ok(location) => {
            no_store((StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response())
        }
        Err(_) => StatusCode::BAD_REQUEST.into_response(),
    }
}

/// Refuses cross-site posts, as for material uploads: the routes carry no CSRF token, the
/// session cookie is SameSite=Lax (sent on top-level cross-site form posts), so the browser's
/// `Sec-Fetch-Site` and `Origin` decide.
async fn same_origin_only(request: Request, next: Next) -> Response {
    if crate::http::security::is_cross_site(request.headers(), request.uri()) {
        tracing::warn!(path = request.uri().path(), "cross-site request refused");
        return refuse(Style::Json, None, Failure::CrossSite);
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_device_cookie_is_found_among_others() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("cp_session=abc; cp_handoff_device=xyz ; other=1"),
        );
        assert_eq!(device_cookie(&headers).as_deref(), Some("xyz"));
        assert_eq!(device_cookie(&HeaderMap::new()), None);
    }

    #[test]
    fn the_device_cookie_is_http_only_lax_and_scoped_to_m() {
        let cookie = set_device_cookie("s3cret", CookiePolicy { secure: true }).unwrap();
        assert_eq!(
            cookie.to_str().unwrap(),
            "cp_handoff_device=s3cret; HttpOnly; SameSite=Lax; Path=/m; Max-Age=3600; Secure"
        );
    }

    #[test]
    fn form_pages_keep_only_token_characters() {
        assert_eq!(page("abc-_DEF"), "/m/abc-_DEF");
        assert_eq!(page("a/../b?x"), "/m/abx");
    }
}
