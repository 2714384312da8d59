//! Two server instances on one database (`TEST_ENGINE` picks it): the login limits, the codes
//! and the sessions are the database's, so a balancer may send each request to either.

use crate::common;

use axum::http::StatusCode;
use common::applicant::{OWNER, PROJECT, login_code, login_request, mobile_index};
use common::browser::Browser;
use server::config::{CaptchaMode, Config};

async fn texts_to(server: &server::Server, mobile: &str) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM sms_outbox WHERE mobile_index = $1")
        .bind(mobile_index(server, mobile).as_slice())
        .fetch_one(server.db.pool())
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_share_the_login_limits_codes_and_sessions() {
    let dir = tempfile::tempdir().unwrap();
    let config = Config {
        captcha: CaptchaMode::Off,
        ..common::config(dir.path())
    };
    let (a, _) = common::start_with(config.clone()).await;
    let (b, _) = common::start_with(config).await;
    let send = || login_request(format!("project={PROJECT}&mobile={OWNER}&intent=send"));

    let applicant = Browser::new(&a);
    let sent = applicant.send(send()).await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.body);
    // At once again, at the other instance: too soon, whoever asks.
    let again = Browser::new(&b).send(send()).await;
    assert_eq!(texts_to(&b, OWNER).await, 1, "{}", again.body);

    // The code instance A texted signs in at instance B, in the session A began, once.
    let code = login_code(&a, OWNER).await;
    let login = format!("project={PROJECT}&mobile={OWNER}&code={code}&intent=login");
    let at_b = applicant.on(&b);
    let signed_in = at_b.send(login_request(login.clone())).await;
    assert_eq!(signed_in.status, StatusCode::OK, "{}", signed_in.body);
    let db = a.db.clone();
    let count = |sql: &'static str| {
        let db = db.clone();
        async move {
            sqlx::query_scalar::<_, i64>(sql)
                .fetch_one(db.pool())
                .await
                .unwrap()
        }
    };
    assert_eq!(count("SELECT COUNT(*) FROM users").await, 1);
    assert_eq!(
        count("SELECT COUNT(*) FROM sms_codes WHERE used_at IS NOT NULL").await,
        1
    );
}
