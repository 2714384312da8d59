//! `GET /healthz`: for load balancers and uptime checks.

use axum::{Json, extract::State, http::StatusCode};
use serde::Serialize;

use crate::store::Db;

#[derive(Serialize)]
pub struct Health {
    status: &'static str,
    database: &'static str,
}

/// 200 when the database answers, 503 otherwise, so a balancer takes a broken node out.
pub async fn healthz(State(db): State<Db>) -> (StatusCode, Json<Health>) {
    match db.ping().await {
        Ok(_) => (
            StatusCode::OK,
            Json(Health {
                status: "ok",
                database: "ok",
            }),
        ),
        Err(error) => {
            tracing::error!(%error, "health check: database unavailable");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(Health {
                    status: "unavailable",
                    database: "unavailable",
                }),
            )
        }
    }
}
