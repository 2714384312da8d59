//! The phone hand-off's HTTP side: the API the desktop ([`desktop`]) and the phone page
//! ([`device`]) call, and the phone's own server-rendered pages ([`pages`]).
//!
//! Plain axum handlers answering JSON (the types are in [`app::services::handoff`], so the
//! pages deserialize what is sent here). Like every state-changing route of the site, the
//! posts here are behind the same-origin check (`Sec-Fetch-Site` / `Origin`): cross-site
//! posts get 403 `cross_site`. Every answer is `Cache-Control: no-store`.
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
mod desktop;
mod device;
mod pages;
mod refusal;

use app::domain::handoff::{MAX_FRAME_BYTES, MAX_FRAMES, MAX_PHOTO_BYTES};
use app::state::AppState;
use axum::extract::DefaultBodyLimit;
use axum::response::{IntoResponse, Json, Response};
use axum::routing::{get, post};
use axum::{Extension, Router};
use serde::Serialize;

use crate::http::answer::no_store;
use crate::http::streams::ProgressStreams;

const DESKTOP: &str = "/p/{project}/applications/{number}/handoff";
/// Multipart framing around the files.
const FRAMING: usize = 64 * 1024;

#[derive(Clone, Copy, Debug)]
pub struct CookiePolicy {
    pub secure: bool,
}

pub fn router(state: AppState, cookies: CookiePolicy, streams: ProgressStreams) -> Router {
    let changing = Router::new()
        .route(DESKTOP, post(desktop::create))
        .route(&format!("{DESKTOP}/sms"), post(desktop::send_sms))
        .route("/m/{token}/claim", post(device::claim))
        .route(
            "/m/{token}/id/{side}",
            post(device::id_photo).layer(DefaultBodyLimit::max(MAX_PHOTO_BYTES + FRAMING)),
        )
        .route("/m/{token}/liveness/start", post(device::start_liveness))
        .route(
            "/m/{token}/liveness",
            post(device::liveness).layer(DefaultBodyLimit::max(
                MAX_FRAMES * MAX_FRAME_BYTES + FRAMING,
            )),
        )
        .route("/m/code", post(device::redeem_code));
    Router::new()
        .route(&format!("{DESKTOP}/status"), get(desktop::status))
        .route(&format!("{DESKTOP}/events"), get(desktop::events))
        .route("/m/{token}/state", get(device::phone_state))
        .route("/m", get(pages::code_page))
        .route("/m/{token}", get(pages::token_page))
        .merge(changing)
        .layer(Extension(cookies))
        .layer(Extension(streams))
        .with_state(state)
}

/// A JSON answer that no cache keeps: every answer here describes a moment.
fn fresh_json(value: impl Serialize) -> Response {
    no_store(Json(value).into_response())
}
