//! The embedded flow over HTTP: who may frame which page, the embed's own session cookie,
//! the same-origin rule for state-changing requests, and the 在新窗口中继续 ticket.

use crate::common;

use common::applicant::{self, PROJECT, login_request};
use common::browser::Browser;

use app::services::consent::Acceptance;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use server::config::{CaptchaMode, Config};
use server::{EMBED_SESSION_COOKIE, SESSION_COOKIE};

/// A server without the image captcha, and its clock.
async fn start(
    dir: &std::path::Path,
) -> (server::Server, std::sync::Arc<server::clock::ManualClock>) {
    common::start_with(Config {
        captcha: CaptchaMode::Off,
        ..common::config(dir)
    })
    .await
}

/// Logs `mobile` in through the login server function, from a page at `referer`; returns
/// the answer's headers.
async fn log_in(server: &server::Server, mobile: &str, referer: &str) -> HeaderMap {
    Browser::new(server)
        .sign_in(mobile, &[("referer", referer)])
        .await
        .headers
}

fn set_cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with(&format!("{name}=")))
        .map(str::to_owned)
}

fn cookie_pair(set_cookie: &str) -> String {
    set_cookie.split(';').next().unwrap().to_owned()
}

#[tokio::test]
async fn only_the_embed_may_be_framed_and_only_by_its_portals() {
    let dir = tempfile::tempdir().unwrap();
    let server = common::start(dir.path()).await;
    let (status, headers, _) = common::get(&server, "/embed/soetp").await;
    assert_eq!(status, StatusCode::OK);
    let csp = headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
    assert!(
        csp.ends_with("frame-ancestors https://www.soetp.com"),
        "{csp}"
    );
    assert!(headers.get(header::X_FRAME_OPTIONS).is_none());

    for page in ["/p/soetp", "/", "/embed/no-such-project"] {
        let (_, headers, _) = common::get(&server, page).await;
        let csp = headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
        assert!(csp.contains("frame-ancestors 'none'"), "{page}: {csp}");
        if !page.starts_with("/embed/") {
            assert_eq!(headers[header::X_FRAME_OPTIONS], "DENY", "{page}");
        }
    }
}

#[tokio::test]
async fn a_login_inside_the_frame_gets_a_partitioned_cross_site_cookie() {
    let dir = tempfile::tempdir().unwrap();
    let (server, _) = start(dir.path()).await;
    let headers = log_in(
        &server,
        "13911112222",
        "http://portal.test/embed/soetp/login",
    )
    .await;
    let cookie = set_cookie(&headers, EMBED_SESSION_COOKIE).expect("the embed's cookie");
    for attribute in ["HttpOnly", "SameSite=None", "Secure", "Partitioned"] {
        assert!(cookie.contains(attribute), "{cookie}");
    }
    assert!(set_cookie(&headers, SESSION_COOKIE).is_none());
}

#[tokio::test]
async fn state_changing_requests_from_other_sites_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (server, _) = start(dir.path()).await;
    let mut forged = login_request(format!("project={PROJECT}&mobile=13911113333&intent=send"));
    forged
        .headers_mut()
        .insert("sec-fetch-site", "cross-site".parse().unwrap());
    let (status, _, body) = common::send(&server.router, forged).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(body.contains("cross_site"), "{body}");
    assert!(applicant::last_sms(&server, "13911113333").await.is_none());
}

#[tokio::test]
async fn a_window_ticket_signs_in_once_and_not_after_two_minutes() {
    let dir = tempfile::tempdir().unwrap();
    let (server, clock) = start(dir.path()).await;
    let mobile = "13911114444";
    log_in(&server, mobile, "http://portal.test/embed/soetp/login").await;
    let number = applicant::submit(&server, mobile, &[]).await;
    let user = applicant::user(&server, mobile).await;
    let all: Vec<Acceptance> = server
        .state
        .agreements
        .iter()
        .map(|a| Acceptance {
            document: a.id.clone(),
            version: a.version.clone(),
        })
        .collect();
    let ip = "203.0.113.7".parse().unwrap();
    server.state.consents.record(user, &all, ip).await.unwrap();
    let path = format!("/p/{PROJECT}/submitted/{number}");
    let redeem = |ticket: &str| {
        Request::post("/continue")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header("sec-fetch-site", "same-origin")
            .header("sec-fetch-mode", "navigate")
            .body(Body::from(format!("ticket={ticket}&path={path}")))
            .unwrap()
    };

    let ticket = server
        .state
        .login
        .issue_handover(user, &path)
        .await
        .unwrap();
    let (status, headers, _) = common::send(&server.router, redeem(&ticket)).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(headers[header::LOCATION], path.as_str());
    let session = cookie_pair(&set_cookie(&headers, SESSION_COOKIE).expect("signed in"));
    let (status, _, body) = common::send(
        &server.router,
        Request::get(&path)
            .header(header::COOKIE, &session)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        body.contains(&number),
        "the application shows in the new window"
    );

    // Used: a second window gets the page (which asks for a login), not the account.
    let (status, headers, _) = common::send(&server.router, redeem(&ticket)).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(set_cookie(&headers, SESSION_COOKIE).is_none());

    let late = server
        .state
        .login
        .issue_handover(user, &path)
        .await
        .unwrap();
    clock.advance(time::Duration::seconds(121));
    let (_, headers, _) = common::send(&server.router, redeem(&late)).await;
    assert!(set_cookie(&headers, SESSION_COOKIE).is_none());
}
