//! The scans and the phone step's identity photos, served to a signed-in reviewer and audited.

use app::domain::handoff::IdSide;
use app::services::login::UserId;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tower_sessions::Session;

use super::detail::owner;
use super::{AUDIT_REPEAT_MINUTES, ConsoleState, PDF_CSP, current, server_error};
use crate::service::reviewers::Reviewer;

fn file_response(kind: &str, bytes: Vec<u8>) -> Response {
    let content_type = match kind {
        "pdf" => "application/pdf",
        "png" => "image/png",
        _ => "image/jpeg",
    };
    let mut response = (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "no-store"),
            (header::CONTENT_DISPOSITION, "inline"),
        ],
        bytes,
    )
        .into_response();
    if kind == "pdf" {
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(PDF_CSP),
        );
        headers.insert(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("SAMEORIGIN"),
        );
    }
    response
}

/// Audits a file view, once per reviewer, application and file within
/// [`AUDIT_REPEAT_MINUTES`] (the detail page loads every scan each time it is shown).
async fn audit_view(
    state: &ConsoleState,
    reviewer: &Reviewer,
    application_id: i64,
    action: &str,
    detail: &str,
) {
    let within = time::Duration::minutes(AUDIT_REPEAT_MINUTES);
    if let Err(error) = state
        .reviewers
        .audit_view(reviewer.id, application_id, action, detail, within)
        .await
    {
        tracing::warn!(%error, "file view not audited");
    }
}

pub(super) async fn material_file(
    State(state): State<ConsoleState>,
    session: Session,
    Path((number, slot)): Path<(String, String)>,
) -> Response {
    let Ok(Some(reviewer)) = current(&state, &session).await else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let (application_id, user_id) = match owner(&state, &number).await {
        Ok(Some(found)) => found,
        Ok(None) => return StatusCode::NOT_FOUND.into_response(),
        Err(error) => return server_error(error),
    };
    match state.materials.open(UserId(user_id), &number, &slot).await {
        Ok(Some((material, bytes))) => {
            audit_view(&state, &reviewer, application_id, "view_material", &slot).await;
            file_response(&material.kind, bytes)
        }
        Ok(None) => StatusCode::NOT_FOUND.into_response(),
        Err(error) => server_error(error),
    }
}

pub(super) async fn identity_photo(
    State(state): State<ConsoleState>,
    session: Session,
    Path((number, side)): Path<(String, String)>,
) -> Response {
    let Ok(Some(reviewer)) = current(&state, &session).await else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let side = match side.as_str() {
        "front" => IdSide::Front,
        "back" => IdSide::Back,
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    let application_id = match owner(&state, &number).await {
        Ok(Some((id, _))) => id,
        Ok(None) => return StatusCode::NOT_FOUND.into_response(),
        Err(error) => return server_error(error),
    };
    match state.handoff.review_photo(&number, side).await {
        Ok(Some(bytes)) => {
            audit_view(
                &state,
                &reviewer,
                application_id,
                "view_identity_photo",
                side.label(),
            )
            .await;
            let kind = if bytes.starts_with(b"\x89PNG") {
                "png"
            } else {
                "jpeg"
            };
            file_response(kind, bytes)
        }
        Ok(None) => StatusCode::NOT_FOUND.into_response(),
        Err(error) => server_error(error),
    }
}
