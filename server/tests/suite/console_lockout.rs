//! Console sign-in under attack: concurrent wrong passwords cannot get past the account's
//! five, nor lift its lock; one address cannot try more than its share across accounts; and
//! passwords are long enough to begin with.

use crate::common;

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::connect_info::MockConnectInfo;
use axum::http::{Request, StatusCode, header};
use common::rig::{Rig, start};
use http_body_util::BodyExt;

use server::service::reviewers::{AccountError, Role};
use time::Duration as Span;
use tower::ServiceExt;

const PASSWORD: &str = "correct horse battery";
const WRONG: &str = "wrong password, sorry";

fn address(n: u8) -> SocketAddr {
    SocketAddr::from(([198, 51, 100, n], 50000))
}

impl Rig {
    async fn add(&self, login: &str) {
        self.server
            .reviewers
            .add(login, "张审核", Role::Reviewer, PASSWORD)
            .await
            .unwrap();
    }

    /// One sign-in from `from`: the status and the page.
    async fn attempt(&self, from: SocketAddr, login: &str, password: &str) -> (StatusCode, String) {
        let body = form_urlencoded::Serializer::new(String::new())
            .append_pair("login", login)
            .append_pair("password", password)
            .finish();
        let request = Request::post("/console/login")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header("sec-fetch-site", "same-origin")
            .body(Body::from(body))
            .unwrap();
        let answer = tokio::time::timeout(
            std::time::Duration::from_secs(60),
            self.server
                .router
                .clone()
                .layer(MockConnectInfo(from))
                .oneshot(request),
        )
        .await
        .expect("a sign-in answers within a minute")
        .unwrap();
        let status = answer.status();
        let bytes = answer.into_body().collect().await.unwrap().to_bytes();
        (status, String::from_utf8_lossy(&bytes).into_owned())
    }

    /// Passwords actually compared with the account's hash and found wrong.
    async fn checked_failures(&self) -> i64 {
        self.count(
            "SELECT COUNT(*) FROM reviewer_audit
             WHERE action IN ('login_failed', 'login_failed_locked')",
        )
        .await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_wrong_passwords_get_five_tries_and_the_lock_holds() {
    let rig = start().await;
    rig.add("zhang").await;
    // Twelve at once, each from its own address, so only the account's limit applies.
    let attempts = (0..12).map(|i| rig.attempt(address(i + 1), "zhang", WRONG));
    let answers = futures_util::future::join_all(attempts).await;
    for (status, _) in &answers {
        assert_eq!(*status, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(
        rig.checked_failures().await,
        5,
        "exactly five passwords were tried against the account"
    );
    assert_eq!(
        rig.count("SELECT COUNT(*) FROM reviewers WHERE locked_until IS NOT NULL")
            .await,
        1,
        "the account is locked, whatever order the attempts finished in"
    );
    // The right password, from a fresh address, is refused while the lock lasts.
    let (status, _) = rig.attempt(address(100), "zhang", PASSWORD).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    rig.clock.advance(Span::minutes(14));
    let (status, _) = rig.attempt(address(101), "zhang", PASSWORD).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    rig.clock.advance(Span::minutes(2));
    let (status, body) = rig.attempt(address(102), "zhang", PASSWORD).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    rig.server.maintenance.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_address_is_throttled_across_accounts() {
    let rig = start().await;
    for login in ["zhang", "wang", "liu", "zhao"] {
        rig.add(login).await;
    }
    let attacker = address(7);
    // Three wrong passwords for each of four accounts, all at once: no account reaches its
    // own limit, but the address reaches its.
    let attempts = ["zhang", "wang", "liu", "zhao"]
        .iter()
        .flat_map(|login| std::iter::repeat_n(*login, 3))
        .map(|login| rig.attempt(attacker, login, WRONG));
    let answers = futures_util::future::join_all(attempts).await;
    let refused: Vec<&String> = answers
        .iter()
        .filter(|(status, _)| *status == StatusCode::TOO_MANY_REQUESTS)
        .map(|(_, body)| body)
        .collect();
    assert_eq!(refused.len(), 2, "ten tries per address, then a pause");
    assert!(
        refused[0].contains("尝试次数过多"),
        "the page says why: {}",
        refused[0]
    );
    assert_eq!(rig.checked_failures().await, 10);
    assert_eq!(
        rig.count("SELECT COUNT(*) FROM reviewers WHERE locked_until IS NOT NULL")
            .await,
        0
    );
    // Even the right password waits at that address; another address signs in.
    let (status, _) = rig.attempt(attacker, "zhang", PASSWORD).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    let (status, _) = rig.attempt(address(8), "wang", PASSWORD).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    // After the window the address may try again.
    rig.clock.advance(Span::minutes(16));
    let (status, _) = rig.attempt(attacker, "zhang", PASSWORD).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    rig.server.maintenance.abort();
}

#[tokio::test]
async fn passwords_have_at_least_twelve_characters() {
    let rig = start().await;
    let short = rig
        .server
        .reviewers
        .add("zhang", "张审核", Role::Reviewer, "elevenchars")
        .await;
    match short {
        Err(error @ AccountError::WeakPassword) => {
            assert!(error.to_string().contains("12"), "{error}")
        }
        other => panic!("an 11-character password was accepted: {other:?}"),
    }
    rig.server
        .reviewers
        .add("zhang", "张审核", Role::Reviewer, "twelve chars")
        .await
        .unwrap();
    rig.server.maintenance.abort();
}
