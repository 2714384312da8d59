//! 审核后台 (the review console), `/console`: reviewers sign in, work through the queue of
//! applications, read each one in full (personal numbers masked until revealed, which is
//! audited), look at the scans and the phone step's photos, and move the order on: approve,
//! reject with flagged items, confirm a transfer, start production, ship.
//!
//! Plain server-rendered HTML (Leptos `view!` rendered to a string, as the phone pages are),
//! no script at all, every action a POST form: nothing of it reaches the applicant's bundle.
//! The console has its own session cookie, `cp_console`, sent only to `/console` (see
//! `crate::http::sessions`): an applicant's session is never read here, and a reviewer's is never
//! an applicant's. Forms carry no CSRF token; the global same-origin check
//! (`security::refuse_cross_site`) and the cookie's SameSite=Strict keep other sites out.
//!
//! Every order change goes through [`OrderService::apply`], so the state machine decides what
//! is allowed, the timeline records the reviewer, and the applicant gets the text message.

mod actions;
pub mod cli;
mod detail;
mod files;
mod queue;
mod requests;
mod reviewers;
mod sign_in;
mod view;

use std::collections::BTreeMap;
use std::sync::Arc;

use app::domain::review;
use app::services::materials::MaterialStore;
use app::services::orders::OrderService;
use app::state::Catalog;
use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use tower_sessions::Session;

use self::queue::WORK;
use self::sign_in::{login, login_page, logout};
use crate::clock::Clock;
use crate::service::applications::Applications;
use crate::service::handoff::Handoffs;
use crate::service::reviewers::{Reviewer, Reviewers};

/// The session keys, in the console's own session.
const REVIEWER_KEY: &str = "console_reviewer";
const REVEALED_KEY: &str = "console_revealed";
const FLASH_KEY: &str = "console_flash";

/// Applications per queue page.
pub const PAGE_SIZE: i64 = 50;
/// A reviewer opening the same file again within this many minutes is not audited again.
const AUDIT_REPEAT_MINUTES: i64 = 30;

/// The page policy: no script at all; scans load from the console's own file routes, PDFs in
/// a frame of the same origin.
const PAGE_CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self'; frame-src 'self'; \
     form-action 'self'; base-uri 'none'; frame-ancestors 'none'";
/// A PDF scan may be framed by the console page, and by nothing else.
const PDF_CSP: &str = "default-src 'none'; frame-ancestors 'self'; base-uri 'none'";

const STYLESHEET: &str = include_str!("console.css");

#[derive(Clone)]
pub struct ConsoleState {
    pub reviewers: Arc<Reviewers>,
    pub applications: Arc<Applications>,
    pub materials: Arc<dyn MaterialStore>,
    pub handoff: Arc<Handoffs>,
    pub orders: Arc<dyn OrderService>,
    pub certificates: Arc<crate::service::certificates::Certificates>,
    pub catalog: Arc<Catalog>,
    pub privacy: Arc<crate::service::privacy::Privacy>,
    pub clock: Arc<dyn Clock>,
}

pub fn router(state: ConsoleState) -> Router {
    let routes = Router::new()
        .route("/console", get(queue::queue))
        .route("/console/login", get(login_page).post(login))
        .route("/console/logout", post(logout))
        .route("/console/console.css", get(stylesheet))
        .route("/console/reviewers", get(reviewers::reviewers_page))
        .route("/console/requests", get(requests::list))
        .route("/console/requests/{id}/complete", post(requests::complete))
        .route("/console/applications/{number}", get(detail::detail))
        .route(
            "/console/applications/{number}/reveal",
            post(detail::reveal),
        )
        .route("/console/applications/{number}/action", post(actions::act))
        .route(
            "/console/applications/{number}/materials/{slot}",
            get(files::material_file),
        )
        .route(
            "/console/applications/{number}/identity/{side}",
            get(files::identity_photo),
        )
        .with_state(state);
    crate::http::security::with_security_headers(routes)
        .layer(crate::compression())
        .layer(tower_http::trace::TraceLayer::new_for_http())
}

/// A message shown once on the next page: the outcome of an action, or what to fix.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct Flash {
    number: Option<String>,
    ok: bool,
    message: String,
    /// Field id → message, shown at the field.
    fields: BTreeMap<String, String>,
    /// What was typed, to fill the form again: name → values.
    values: BTreeMap<String, Vec<String>>,
}

fn page(status: StatusCode, html: String) -> Response {
    crate::http::html::page(status, PAGE_CSP, html)
}

fn to_login() -> Response {
    Redirect::to("/console/login").into_response()
}

fn server_error(error: impl std::fmt::Display) -> Response {
    tracing::error!(%error, "console request failed");
    page(
        StatusCode::INTERNAL_SERVER_ERROR,
        view::message_page(None, "出错了", "服务暂时出现问题，请稍后刷新重试。"),
    )
}

/// The signed-in reviewer of a console page, as a handler argument: without one (or with a
/// disabled account) the page answers with a redirect to the sign-in form instead.
pub(super) struct SignedIn(pub Reviewer);

impl axum::extract::FromRequestParts<ConsoleState> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &ConsoleState,
    ) -> Result<Self, Response> {
        let session = Session::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        match current(state, &session).await? {
            Some(reviewer) => Ok(Self(reviewer)),
            None => Err(to_login()),
        }
    }
}

/// The signed-in reviewer, if the console session has one whose account is still enabled.
async fn current(state: &ConsoleState, session: &Session) -> Result<Option<Reviewer>, Response> {
    let id = session
        .get::<i64>(REVIEWER_KEY)
        .await
        .map_err(server_error)?;
    let Some(id) = id else {
        return Ok(None);
    };
    match state.reviewers.get(id).await.map_err(server_error)? {
        Some(reviewer) if !reviewer.disabled => Ok(Some(reviewer)),
        _ => {
            session.flush().await.map_err(server_error)?;
            Ok(None)
        }
    }
}

async fn take_flash(session: &Session, number: Option<&str>) -> Option<Flash> {
    let flash: Flash = session.remove(FLASH_KEY).await.ok().flatten()?;
    (flash.number.as_deref() == number).then_some(flash)
}

async fn put_flash(session: &Session, flash: Flash) {
    if let Err(error) = session.insert(FLASH_KEY, flash).await {
        tracing::warn!(%error, "console flash not saved");
    }
}

async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        STYLESHEET,
    )
        .into_response()
}

/// `2025-03-01T02:00:00.000Z` as China time, `2025-03-01 10:00`.
pub(crate) fn china_time(text: &str) -> String {
    OffsetDateTime::parse(text, &Rfc3339)
        .ok()
        .and_then(|t| {
            t.to_offset(time::macros::offset!(+8))
                .format(time::macros::format_description!(
                    "[year]-[month]-[day] [hour]:[minute]"
                ))
                .ok()
        })
        .unwrap_or_else(|| text.to_owned())
}

pub(crate) use self::detail::{Detail, action_label};
pub(crate) use self::queue::{QueueQuery, QueueRow};
pub(crate) use self::reviewers::AuditLine;
pub(crate) use review::COURIERS;
