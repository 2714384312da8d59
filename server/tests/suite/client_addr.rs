//! Per-address limits count the real client: behind a trusted reverse proxy the address it
//! forwards, from anyone else the peer whatever it claims to forward.

use crate::common;

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::connect_info::MockConnectInfo;
use axum::http::{Request, StatusCode, header};
use common::applicant::{PROJECT, last_sms, login_request};
use http_body_util::BodyExt;
use serde_json::Value;
use server::config::{CaptchaMode, Config};
use tower::ServiceExt;

const PROXY: &str = "10.0.0.2:50000";

async fn start(dir: &std::path::Path, trusted: &str) -> server::Server {
    let config = Config {
        captcha: CaptchaMode::Off,
        sms_ip_hourly_limit: 1,
        trusted_proxies: trusted.parse().unwrap(),
        ..common::config(dir)
    };
    common::start_with(config).await.0
}

/// `request` as it arrives from `peer`, forwarding `forwarded` when given.
async fn send_from(
    server: &server::Server,
    peer: &str,
    forwarded: Option<&str>,
    mut request: Request<Body>,
) -> (StatusCode, Value) {
    if let Some(forwarded) = forwarded {
        request
            .headers_mut()
            .insert("x-forwarded-for", forwarded.parse().unwrap());
    }
    let peer: SocketAddr = peer.parse().unwrap();
    let response = server
        .router
        .clone()
        .layer(MockConnectInfo(peer))
        .oneshot(request)
        .await
        .unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

/// Asks for a login code for `mobile`; whether one was texted.
async fn code_sent(
    server: &server::Server,
    peer: &str,
    forwarded: Option<&str>,
    mobile: &str,
) -> bool {
    let request = login_request(format!("project={PROJECT}&mobile={mobile}&intent=send"));
    let (status, _) = send_from(server, peer, forwarded, request).await;
    assert_eq!(status, StatusCode::OK);
    last_sms(server, mobile).await.is_some()
}

#[tokio::test]
async fn two_clients_behind_one_trusted_proxy_are_counted_apart_by_the_sms_limit() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path(), "10.0.0.0/8").await;
    let alice = Some("198.51.100.1");
    let bob = Some("6.6.6.6, 198.51.100.2");

    assert!(code_sent(&server, PROXY, alice, "13800000001").await);
    // One code an hour per address: Alice's second is refused...
    assert!(!code_sent(&server, PROXY, alice, "13800000002").await);
    // ...but Bob, behind the same proxy, has his own allowance (his forged first hop aside).
    assert!(code_sent(&server, PROXY, bob, "13800000003").await);
    // And Bob's forged hop is not someone else's allowance either.
    assert!(
        !code_sent(
            &server,
            PROXY,
            Some("198.51.100.9, 198.51.100.2"),
            "13800000004"
        )
        .await
    );
}

#[tokio::test]
async fn a_forged_header_from_an_untrusted_peer_is_ignored() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path(), "10.0.0.0/8").await;
    let stranger = "203.0.113.50:40000";

    assert!(code_sent(&server, stranger, Some("198.51.100.1"), "13800000001").await);
    // A new forwarded address each time changes nothing: the peer is counted.
    assert!(!code_sent(&server, stranger, Some("198.51.100.2"), "13800000002").await);
    assert!(!code_sent(&server, stranger, None, "13800000003").await);
}

/// Posts a wrong short code; the answer's status and `code`.
async fn wrong_code(server: &server::Server, forwarded: &str) -> (StatusCode, String) {
    let request = Request::post("/m/code")
        .header(header::HOST, "portal.test")
        .header(header::ORIGIN, "http://portal.test")
        .header("sec-fetch-site", "same-origin")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::ACCEPT, "application/json")
        .body(Body::from(r#"{"code": "000000"}"#))
        .unwrap();
    let (status, body) = send_from(server, PROXY, Some(forwarded), request).await;
    (status, body["code"].as_str().unwrap_or_default().to_owned())
}

#[tokio::test]
async fn short_code_guesses_are_counted_per_forwarded_client() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path(), "10.0.0.0/8").await;

    for _ in 0..10 {
        assert_eq!(
            wrong_code(&server, "198.51.100.1").await,
            (StatusCode::NOT_FOUND, "code_unknown".to_owned())
        );
    }
    assert_eq!(
        wrong_code(&server, "198.51.100.1").await,
        (StatusCode::TOO_MANY_REQUESTS, "code_limit".to_owned())
    );
    // Another applicant behind the same proxy may still type a code.
    assert_eq!(
        wrong_code(&server, "198.51.100.2").await,
        (StatusCode::NOT_FOUND, "code_unknown".to_owned())
    );
}
