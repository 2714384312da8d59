//! `POST /continue`: the other half of 在新窗口中继续. The embedded page asks for a ticket
//! (`app::api::embed::start_handover`) and posts it here into a new top-level window, which
//! is signed in under the site's own session cookie and sent on to the same step.

use app::api::session::USER_KEY;
use app::state::AppState;
use axum::Router;
use axum::extract::{Form, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde::Deserialize;
use tower_sessions::Session;

pub const PATH: &str = "/continue";

pub fn router(state: AppState) -> Router {
    Router::new().route(PATH, post(redeem)).with_state(state)
}

#[derive(Deserialize)]
struct Ticket {
    ticket: String,
    /// Where to go when the ticket does not work: the same step, which asks for a login.
    path: String,
}

async fn redeem(
    State(state): State<AppState>,
    session: Session,
    Form(form): Form<Ticket>,
) -> Response {
    let fallback = if is_site_path(&form.path) {
        form.path.clone()
    } else {
        "/".to_owned()
    };
    let target = match state.login.redeem_handover(form.ticket.trim()).await {
        Ok(Some((user, path))) => {
            // A fresh id, as at every login: an id planted before is worthless.
            let signed_in = async {
                session.cycle_id().await?;
                session.insert(USER_KEY, user.0).await
            }
            .await;
            match signed_in {
                Ok(()) => path,
                Err(error) => {
                    tracing::error!(%error, "handover sign-in failed");
                    fallback
                }
            }
        }
        Ok(None) => fallback,
        Err(_) => fallback,
    };
    match HeaderValue::from_str(&target) {
        Ok(location) => (
            StatusCode::SEE_OTHER,
            [
                (header::LOCATION, location),
                (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
            ],
        )
            .into_response(),
        Err(_) => StatusCode::BAD_REQUEST.into_response(),
    }
}

/// A path on this site's own flow, never another host (`//evil.example` included).
pub fn is_site_path(path: &str) -> bool {
    path.starts_with("/p/") && !path.contains("//") && !path.contains('\\')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_site_paths_are_followed() {
        assert!(is_site_path("/p/soetp/apply/details"));
        assert!(!is_site_path("//evil.example/p/"));
        assert!(!is_site_path("/p//evil.example"));
        assert!(!is_site_path("https://evil.example/p/x"));
        assert!(!is_site_path("/embed/soetp"));
    }
}
