//! Paying as an applicant does: through the server functions of the pay page.

use app::api::payment::{NewPaymentCode, PaymentStatus};
use app::domain::order::Event;
use app::services::orders::{Change, Who};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use leptos::server_fn::ServerFn;
use serde_json::{Value, json};

use super::applicant::{self, OWNER, PROJECT};
use super::browser::{Browser, Reply, signed_up};

/// Calls the server function `F` with form `fields`, as the page's forms do.
pub async fn call<F: ServerFn>(browser: &Browser<'_>, fields: &[(&str, &str)]) -> Reply {
    let body: String = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish();
    browser
        .send(
            Request::post(F::PATH)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(header::ACCEPT, "application/json")
                .body(Body::from(body))
                .unwrap(),
        )
        .await
}

/// An application of [`OWNER`] waiting for payment (the materials step is another suite's).
pub async fn awaiting_payment(server: &server::Server) -> (Browser<'_>, String) {
    let browser = signed_up(server, OWNER).await;
    let number = applicant::submit(server, OWNER, &[]).await;
    let user = applicant::user(server, OWNER).await;
    let ready = Change::new(Event::ReadyToPay, Who::Applicant(user));
    server.state.orders.apply(&number, ready).await.unwrap();
    (browser, number)
}

pub async fn request_code(browser: &Browser<'_>, number: &str, method: &str, fresh: bool) -> Reply {
    let fresh = if fresh { "true" } else { "false" };
    call::<NewPaymentCode>(
        browser,
        &[
            ("project", PROJECT),
            ("number", number),
            ("method", method),
            ("fresh", fresh),
        ],
    )
    .await
}

/// A QR code for `method`; returns the trade.
pub async fn code(browser: &Browser<'_>, number: &str, method: &str, fresh: bool) -> Value {
    let reply = request_code(browser, number, method, fresh).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let trade = reply.json()["Ok"]["trade"].clone();
    assert!(trade.is_object(), "{}", reply.body);
    trade
}

pub async fn status(browser: &Browser<'_>, number: &str) -> Value {
    call::<PaymentStatus>(browser, &[("project", PROJECT), ("number", number)])
        .await
        .json()
}

/// A notice body as the sandbox sends it.
pub fn notice(out_trade_no: &str, amount_fen: i64, transaction_id: &str) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "event_type": "TRANSACTION.SUCCESS",
        "out_trade_no": out_trade_no,
        "transaction_id": transaction_id,
        "trade_state": "SUCCESS",
        "amount": { "total": amount_fen, "currency": "CNY" },
        "success_time": "2025-03-01T02:00:00.000Z",
    }))
    .unwrap()
}
