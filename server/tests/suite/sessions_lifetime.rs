//! How long a login lasts: the idle limit and the absolute one (12 h for applicants, 8 h in
//! the console), measured on the server's clock; background polling does not count as
//! activity; and a cookie is dead once its owner logs out, even if a request that loaded the
//! session was still running at that moment.

use crate::common;

use std::sync::Arc;
use std::time::Duration;

use app::api::apply::KeepAlive;
use app::api::auth::Logout;
use app::api::payment::PaymentStatus;
use axum::body::{Body, Bytes};
use axum::http::{Request, StatusCode, header};
use common::applicant::{self, OWNER, PROJECT};
use common::browser::{Browser, Reply};
use common::rig::{Rig, start};
use leptos::server_fn::ServerFn;

use common::browser::form;
use server::service::reviewers::Role;
use time::Duration as Span;
use tower::ServiceExt;

const PASSWORD: &str = "correct horse battery";

fn server_fn(path: &str, fields: &str) -> Request<Body> {
    Request::post(path)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "application/json")
        .body(Body::from(fields.to_owned()))
        .unwrap()
}

fn get(uri: &str) -> Request<Body> {
    Request::get(uri)
        .header(header::ACCEPT, "application/json")
        .body(Body::empty())
        .unwrap()
}

fn with_cookie(mut request: Request<Body>, cookie: &str) -> Request<Body> {
    request
        .headers_mut()
        .insert(header::COOKIE, cookie.parse().unwrap());
    request
}

/// Whether the applicant's session behind `browser` is still signed in: the page's own
/// keep-alive (继续办理) answers 200 only then.
async fn applicant_signed_in(browser: &Browser<'_>) -> bool {
    let path = <KeepAlive as ServerFn>::PATH;
    let reply = browser
        .send(server_fn(path, &format!("project={PROJECT}")))
        .await;
    reply.status == StatusCode::OK
}

/// Whether the console session behind `browser` is still signed in: the queue answers 200,
/// a visitor is sent to the sign-in page.
async fn reviewer_signed_in(browser: &Browser<'_>) -> bool {
    let reply = browser.send(get("/console")).await;
    match reply.status {
        StatusCode::OK => true,
        StatusCode::SEE_OTHER => {
            assert_eq!(reply.headers[header::LOCATION], "/console/login");
            false
        }
        other => panic!("unexpected {other}: {}", reply.body),
    }
}

impl Rig {
    /// `OWNER` signed in, the agreements accepted, with a submitted application.
    async fn applicant_with_order(&self) -> (Browser<'_>, String) {
        let browser = Browser::new(&self.server);
        browser.sign_in(OWNER, &[]).await;
        applicant::accept_agreements(&self.server, OWNER).await;
        let number = applicant::submit(&self.server, OWNER, &[]).await;
        assert!(applicant_signed_in(&browser).await);
        (browser, number)
    }

    async fn reviewer(&self) -> Browser<'_> {
        self.server
            .reviewers
            .add("zhang", "张审核", Role::Reviewer, PASSWORD)
            .await
            .unwrap();
        let browser = Browser::new(&self.server);
        let reply = browser
            .send(form(
                "/console/login",
                &[("login", "zhang"), ("password", PASSWORD)],
            ))
            .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
        assert!(reviewer_signed_in(&browser).await);
        browser
    }
}

#[tokio::test]
async fn an_applicant_login_ends_after_12_hours_however_busy() {
    let rig = start().await;
    let (browser, _) = rig.applicant_with_order().await;
    // Busy every 25 minutes, within the 30-minute idle limit, for 11 h 40 min.
    for _ in 0..28 {
        rig.clock.advance(Span::minutes(25));
        assert!(applicant_signed_in(&browser).await, "still within 12 hours");
    }
    rig.clock.advance(Span::minutes(25));
    assert!(
        !applicant_signed_in(&browser).await,
        "12 h 5 min after signing in the login is over"
    );
    rig.server.maintenance.abort();
}

#[tokio::test]
async fn a_console_login_ends_after_8_hours_however_busy() {
    let rig = start().await;
    let browser = rig.reviewer().await;
    for _ in 0..19 {
        rig.clock.advance(Span::minutes(25));
        assert!(reviewer_signed_in(&browser).await, "still within 8 hours");
    }
    rig.clock.advance(Span::minutes(25));
    assert!(
        !reviewer_signed_in(&browser).await,
        "8 h 20 min after signing in the console login is over"
    );
    rig.server.maintenance.abort();
}

#[tokio::test]
async fn a_console_login_ends_after_the_idle_limit() {
    let rig = start().await;
    let browser = rig.reviewer().await;
    rig.clock.advance(Span::minutes(29));
    assert!(reviewer_signed_in(&browser).await);
    rig.clock.advance(Span::minutes(31));
    assert!(!reviewer_signed_in(&browser).await);
    rig.server.maintenance.abort();
}

#[tokio::test]
async fn background_polling_does_not_keep_an_applicant_signed_in() {
    let rig = start().await;
    let (browser, number) = rig.applicant_with_order().await;
    let handoff = format!("/p/{PROJECT}/applications/{number}/handoff");
    let status_fields = format!("project={PROJECT}&number={number}");
    // The pay page asks for the order's status, the identity page follows the handoff (the
    // event stream, or its status route): every 5 minutes for 25 minutes.
    for _ in 0..5 {
        rig.clock.advance(Span::minutes(5));
        let paid = browser
            .send(server_fn(<PaymentStatus as ServerFn>::PATH, &status_fields))
            .await;
        assert_eq!(paid.status, StatusCode::OK, "{}", paid.body);
        let status = browser.send(get(&format!("{handoff}/status"))).await;
        assert_eq!(status.status, StatusCode::OK, "{}", status.body);
        // The stream never ends by itself: its headers are enough.
        let cookie = browser.cookie_header().unwrap();
        let events = tokio::time::timeout(
            Duration::from_secs(10),
            common_router(&rig.server)
                .oneshot(with_cookie(get(&format!("{handoff}/events")), &cookie)),
        )
        .await
        .expect("the event stream answers at once")
        .unwrap();
        assert_eq!(events.status(), StatusCode::OK);
    }
    rig.clock.advance(Span::minutes(6));
    assert!(
        !applicant_signed_in(&browser).await,
        "31 minutes of polling alone count as idle"
    );
    rig.server.maintenance.abort();
}

fn common_router(server: &server::Server) -> axum::Router {
    server
        .router
        .clone()
        .layer(axum::extract::connect_info::MockConnectInfo(
            common::client_addr(),
        ))
}

#[tokio::test]
async fn an_applicant_cookie_is_dead_after_logout() {
    let rig = start().await;
    let (browser, _) = rig.applicant_with_order().await;
    let old = browser.cookie_header().unwrap();
    let out = browser
        .send(server_fn(
            <Logout as ServerFn>::PATH,
            &format!("project={PROJECT}"),
        ))
        .await;
    assert!(out.status.is_success() || out.status.is_redirection());
    assert!(!applicant_signed_in(&browser).await);
    let replayed = Browser::new(&rig.server);
    let reply = replayed
        .send(with_cookie(
            server_fn(<KeepAlive as ServerFn>::PATH, &format!("project={PROJECT}")),
            &old,
        ))
        .await;
    assert_ne!(reply.status, StatusCode::OK, "{}", reply.body);
    rig.server.maintenance.abort();
}

#[tokio::test]
async fn a_console_cookie_is_dead_after_logout() {
    let rig = start().await;
    let browser = rig.reviewer().await;
    let old = browser.cookie_header().unwrap();
    let out = browser.send(form("/console/logout", &[])).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    let (status, headers, _) =
        common::send(&rig.server.router, with_cookie(get("/console"), &old)).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(headers[header::LOCATION], "/console/login");
    rig.server.maintenance.abort();
}

/// An upload is still sending its file when the applicant logs out in another tab. The upload
/// had read the session before and writes its outcome there when it ends; the session must
/// not come back to life.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_in_flight_at_logout_does_not_revive_the_session() {
    let rig = start().await;
    let (browser, number) = rig.applicant_with_order().await;
    let old = browser.cookie_header().unwrap();

    const BOUNDARY: &str = "----in-flight";
    let head = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; \
         filename=\"a.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n"
    );
    let tail = format!("not a picture\r\n--{BOUNDARY}--\r\n");
    let (reading_tx, reading) = tokio::sync::oneshot::channel::<()>();
    let (logged_out, logged_out_rx) = tokio::sync::oneshot::channel::<()>();
    // The body's first part goes at once, signalling that the handler (which checks the
    // session first) has started reading; the rest waits for the logout.
    let chunks = futures_util::stream::unfold(
        (0, Some(reading_tx), Some(logged_out_rx)),
        move |(step, reading_tx, logged_out_rx)| {
            let (head, tail) = (head.clone(), tail.clone());
            async move {
                match step {
                    0 => {
                        let _ = reading_tx.map(|tx| tx.send(()));
                        Some((
                            Ok::<_, std::io::Error>(Bytes::from(head)),
                            (1, None, logged_out_rx),
                        ))
                    }
                    1 => {
                        let _ = logged_out_rx.unwrap().await;
                        Some((Ok(Bytes::from(tail)), (2, None, None)))
                    }
                    _ => None,
                }
            }
        },
    );
    let upload = with_cookie(
        Request::post(format!(
            "/p/{PROJECT}/applications/{number}/materials/business_license"
        ))
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        // A plain form: the outcome goes into the session, so the upload writes to it.
        .header(header::ACCEPT, "text/html")
        .header("sec-fetch-site", "same-origin")
        .body(Body::from_stream(chunks))
        .unwrap(),
        &old,
    );
    let router = common_router(&rig.server);
    let in_flight = tokio::spawn(router.oneshot(upload));
    tokio::time::timeout(Duration::from_secs(10), reading)
        .await
        .expect("the upload reads its body")
        .unwrap();

    let out = browser
        .send(server_fn(
            <Logout as ServerFn>::PATH,
            &format!("project={PROJECT}"),
        ))
        .await;
    assert!(out.status.is_success() || out.status.is_redirection());
    logged_out.send(()).unwrap();
    let answered = tokio::time::timeout(Duration::from_secs(10), in_flight)
        .await
        .expect("the upload finishes")
        .unwrap()
        .unwrap();
    assert!(!answered.status().is_server_error());

    let replayed = Browser::new(&rig.server);
    let reply: Reply = replayed
        .send(with_cookie(
            server_fn(<KeepAlive as ServerFn>::PATH, &format!("project={PROJECT}")),
            &old,
        ))
        .await;
    assert_ne!(
        reply.status,
        StatusCode::OK,
        "the old cookie must stay dead: {}",
        reply.body
    );
    rig.server.maintenance.abort();
}

/// The same for the console's cookie, on a route that holds the session while it waits.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_console_request_in_flight_at_logout_does_not_revive_the_session() {
    use axum::routing::{get as get_route, post};
    use tower_sessions::Session;

    let rig = start().await;
    let config = common::config(rig.dir.path());
    let (loaded_tx, loaded) = tokio::sync::mpsc::channel::<()>(1);
    let (release_tx, release) = tokio::sync::mpsc::channel::<()>(1);
    let release = Arc::new(tokio::sync::Mutex::new(release));
    let app = axum::Router::new()
        .route(
            "/console/in",
            post(|session: Session| async move {
                session.cycle_id().await.unwrap();
                session.insert("reviewer", 7_i64).await.unwrap();
            }),
        )
        .route(
            "/console/who",
            get_route(|session: Session| async move {
                format!("{:?}", session.get::<i64>("reviewer").await.unwrap())
            }),
        )
        .route(
            "/console/slow",
            get_route(move |session: Session| {
                let (loaded_tx, release) = (loaded_tx.clone(), release.clone());
                async move {
                    let who = session.get::<i64>("reviewer").await.unwrap();
                    loaded_tx.send(()).await.unwrap();
                    release.lock().await.recv().await;
                    // As an action leaves its outcome for the next page.
                    session.insert("flash", "done").await.unwrap();
                    format!("{who:?}")
                }
            }),
        )
        .route(
            "/console/out",
            post(|session: Session| async move { session.flush().await.unwrap() }),
        )
        .layer(server::session_layer(
            &config,
            server::http::sessions::SessionStore::new(&rig.server.db).unwrap(),
            rig.clock.clone(),
        ));

    let (_, headers, _) = common::send(&app, form("/console/in", &[])).await;
    let cookie = headers[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let (_, _, who) = common::send(&app, with_cookie(get("/console/who"), &cookie)).await;
    assert_eq!(who, "Some(7)");

    let slow = tokio::spawn({
        let app = app.clone();
        let cookie = cookie.clone();
        async move { common::send(&app, with_cookie(get("/console/slow"), &cookie)).await }
    });
    let mut loaded = loaded;
    tokio::time::timeout(Duration::from_secs(10), loaded.recv())
        .await
        .expect("the slow request reads the session");
    common::send(&app, with_cookie(form("/console/out", &[]), &cookie)).await;
    release_tx.send(()).await.unwrap();
    tokio::time::timeout(Duration::from_secs(10), slow)
        .await
        .expect("the slow request ends")
        .unwrap();

    let (_, _, who) = common::send(&app, with_cookie(get("/console/who"), &cookie)).await;
    assert_eq!(who, "None", "the logged-out session stays gone");
    rig.server.maintenance.abort();
}
