//! Online payment: the provider picked by `PAYMENT_PROVIDER`, the route
//! providers send their paid notices to (`/payment/notify/<provider>`), and for the local
//! provider the sandbox cashier its QR codes open.

mod cashier;

use std::sync::Arc;

use app::state::AppState;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use crate::clock::Clock;
use crate::config::{Config, PaymentProviderKind};
use crate::crypto::Keys;
use crate::service::payment::{NotifyRefusal, OnlinePayments};
use crate::store::sandbox::SandboxRepo;
use crate::vendor::payment_sandbox::SandboxGateway;

/// The provider in use, and the sandbox behind it when it is the local one.
pub struct PaymentProvider {
    pub gateway: Arc<dyn app::services::payment::PaymentGateway>,
    pub sandbox: Option<Arc<SandboxGateway>>,
}

impl PaymentProvider {
    pub fn from_config(
        config: &Config,
        trades: Arc<dyn SandboxRepo>,
        keys: Arc<Keys>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        match config.payment_provider {
            PaymentProviderKind::Local => {
                let sandbox =
                    Arc::new(SandboxGateway::new(&config.public_url, trades, keys, clock));
                Self {
                    gateway: sandbox.clone(),
                    sandbox: Some(sandbox),
                }
            }
        }
    }
}

/// What the payment routes hold.
#[derive(Clone)]
pub struct Payments {
    pub service: Arc<OnlinePayments>,
    pub sandbox: Option<Arc<SandboxGateway>>,
    pub state: AppState,
    /// The sandbox's records, for its cashier page.
    pub trades: Arc<dyn SandboxRepo>,
    pub clock: Arc<dyn Clock>,
}

pub fn router(payments: Payments) -> Router {
    let mut router = Router::new().route("/payment/notify/{provider}", post(notify));
    if payments.sandbox.is_some() {
        router = router
            .route("/sandbox/cashier/{out_trade_no}", get(cashier::page))
            .route("/sandbox/cashier/{out_trade_no}/pay", post(cashier::pay));
    }
    router.with_state(payments)
}

/// `POST /payment/notify/{provider}`: a provider's paid notice. Answered with the provider's
/// success body once recorded (or already recorded); anything refused is logged and answered
/// with an error status, so a real provider tries again and a forged notice changes nothing.
async fn notify(
    State(payments): State<Payments>,
    Path(provider): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if provider != payments.service.gateway().provider() {
        return StatusCode::NOT_FOUND.into_response();
    }
    deliver(&payments.service, &headers, &body).await
}

/// Hands a notice to the service and answers as the provider expects.
pub(crate) async fn deliver(
    service: &OnlinePayments,
    headers: &HeaderMap,
    body: &[u8],
) -> Response {
    match service.notify(headers, body).await {
        Ok(outcome) => {
            tracing::info!(?outcome, "payment notice recorded");
            let (content_type, body) = service.gateway().success_reply();
            (
                StatusCode::OK,
                [(header::CONTENT_TYPE, HeaderValue::from_static(content_type))],
                body,
            )
                .into_response()
        }
        Err(refusal) => {
            let status = match &refusal {
                NotifyRefusal::Gateway(_) => StatusCode::UNAUTHORIZED,
                NotifyRefusal::UnknownTrade(_) => StatusCode::NOT_FOUND,
                NotifyRefusal::Amount { .. } | NotifyRefusal::Conflict(_) => {
                    StatusCode::BAD_REQUEST
                }
                NotifyRefusal::Store(_) => StatusCode::INTERNAL_SERVER_ERROR,
            };
            if status.is_server_error() {
                tracing::error!(error = %refusal, "payment notice failed");
            } else {
                tracing::warn!(error = %refusal, "payment notice refused");
            }
            let body = serde_json::json!({ "code": "FAIL", "message": "失败" });
            (status, axum::Json(body)).into_response()
        }
    }
}
