//! `POST /api/unlock`: where the CA's driver (证书助手) presents a certificate's serial and the
//! unlock code the holder received by SMS, before it resets the U-key's PIN. Not a browser
//! route: JSON in, JSON out; the code's own limits (30 minutes, one use, 5 wrong tries, 59
//! bits) are what stand between a guesser and the PIN.

use app::services::certificate_actions::RedeemError;
use app::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use serde::Deserialize;

use super::answer::HttpError;

pub const PATH: &str = "/api/unlock";

pub fn router(state: AppState) -> Router {
    Router::new().route(PATH, post(redeem)).with_state(state)
}

#[derive(Deserialize)]
struct Presented {
    serial: String,
    code: String,
}

async fn redeem(
    State(state): State<AppState>,
    Json(presented): Json<Presented>,
) -> Result<Json<serde_json::Value>, HttpError> {
    match state
        .certificate_actions
        .redeem_unlock(&presented.serial, &presented.code)
        .await
    {
        Ok(()) => Ok(Json(serde_json::json!({ "unlocked": true }))),
        Err(error) => Err(match error {
            RedeemError::Malformed => HttpError::bad_request(error.to_string()),
            RedeemError::Refused => {
                HttpError::new(StatusCode::FORBIDDEN, "refused", error.to_string())
            }
            RedeemError::Locked => {
                HttpError::new(StatusCode::TOO_MANY_REQUESTS, "locked", error.to_string())
            }
            RedeemError::Busy => HttpError::busy(error.to_string(), 2),
        }),
    }
}
